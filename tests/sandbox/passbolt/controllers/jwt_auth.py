"""JWT authentication: plugins/PassboltCe/JwtAuthentication/src/Controller/JwtLoginController.php,
RefreshTokenController.php, JwtLogoutController.php, JwksController.php (rsa.json, jwks.json) and its
config/routes.php (the .well-known redirect), with its authenticators and refresh token services.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone

from sandbox.common.httpserver import Response
from sandbox.passbolt import crypto
from sandbox.passbolt.controllers.core import HttpError, JSON_TYPE, Redirect, is_uuid, iso
from sandbox.passbolt.php import php_json, php_set_cookie


def refresh_expiry(now):
    """passbolt.auth.token.refresh_token.expiry "1 month": PHP's "+1 month" (a day past the month's end rolls over)."""
    moment = datetime.fromtimestamp(now, timezone.utc)
    year, month = moment.year + moment.month // 12, moment.month % 12 + 1
    return (moment.replace(year=year, month=month, day=1) + timedelta(days=moment.day - 1)).timestamp()


class JwtMixin:
    # -- JWT -----------------------------------------------------------------------------------
    def h_jwt_login(self, req):
        if not self.settings["jwt_enabled"]:
            raise HttpError(404, "Not Found")
        # Messages and codes as the real JwtLoginController: every refusal of the challenge
        # (decryption, signature, domain, version, expiry, replay) is a 400 "credentials are invalid".
        data = self.data(req)
        uid = data.get("user_id")
        challenge = data.get("challenge")
        invalid = "The credentials are invalid."
        if not is_uuid(uid):
            raise HttpError(400, invalid)
        user = self.users.get(uid)
        if user is None or not user["active"] or user["deleted"]:
            raise HttpError(404, "The user does not exist or is not active or has been deleted.")
        if not isinstance(challenge, str) or not crypto.is_armored_message(challenge):
            # assertArmoredChallenge: a BadRequestException, i.e. FAILURE_CREDENTIALS_INVALID
            raise HttpError(400, invalid)
        result = self.gpg.decrypt(challenge)
        if not result.ok:
            raise HttpError(400, invalid)
        if not (result.valid and (result.pubkey_fingerprint or "").upper() == user["gpgkey"]["fingerprint"]):
            raise HttpError(400, invalid)
        try:
            payload = json.loads(str(result))
            version, domain = payload["version"], payload["domain"]
            token, expiry = payload["verify_token"], payload["verify_token_expiry"]
        except (ValueError, KeyError, TypeError) as exc:
            raise HttpError(400, invalid) from exc
        if not isinstance(domain, str) or domain.rstrip("/") != self._full_base_url():
            raise HttpError(400, invalid)
        now = time.time()
        if (version != "1.0.0" or isinstance(expiry, bool) or not isinstance(expiry, (int, float))
                or expiry > now + 3600 or expiry < now or not is_uuid(token)
                or (uid, token.lower()) in self.used_verify_tokens):
            raise HttpError(400, "The credentials are invalid.")
        self.used_verify_tokens.add((uid, token.lower()))
        access = self._make_access_token(uid)
        refresh = str(uuid.uuid4())
        self.refresh_tokens[refresh] = {"user_id": uid, "access_token": access, "active": True,
                                        "expiry": refresh_expiry(now)}
        user["last_logged_in"] = iso()  # UpdateUserLastLoggedInListener
        self.mfa_failures.pop(uid, None)
        reply_token = token
        signer = self.server_fpr
        mode, self.tamper_mode = self.tamper_mode, "none"
        if mode == "verify_token":
            reply_token = str(uuid.uuid4())
        elif mode == "signature":
            signer = self.keys["impostor"]["fingerprint"]
        plain = json.dumps({"version": "1.0.0", "domain": self._full_base_url() + "/", "access_token": access,
                            "refresh_token": refresh, "verify_token": reply_token})
        enc = self.gpg.encrypt(plain, [user["gpgkey"]["fingerprint"]], sign=signer, always_trust=True)
        if not enc.ok:
            raise HttpError(500, "An internal error occurred.")
        self.count("logins")
        return self.envelope(req, {"challenge": str(enc)}, message="The authentication was a success.")

    def _make_access_token(self, uid):
        ttl = int(self.settings["access_token_ttl"])
        if self.settings["expire_next_tokens"] > 0:
            self.settings["expire_next_tokens"] -= 1
            ttl = -60
        token = self.jwt.sign({"iss": self._full_base_url() + "/", "sub": uid, "exp": int(time.time()) + ttl})
        self.issued_tokens.append(token)  # for the leak-scan tests (admin GET tokens)
        return token

    def h_jwt_refresh(self, req):
        """JwtRefreshTokenAuthenticator + RefreshTokenController::refreshPost. A refresh_token or user_id string in the
        body selects the body (both validated, token looked up with the user, then the user's state); otherwise the
        refresh_token cookie (looked up alone; its user must be active: else "not found"). Every refusal is a 400."""
        if not self.settings["jwt_enabled"]:
            raise HttpError(404, "Not Found")
        data = self.data(req)
        not_found = "No active refresh token matching the request could be found."
        token, uid = data.get("refresh_token"), data.get("user_id")
        if isinstance(token, str) or isinstance(uid, str):
            if not is_uuid(token):
                raise HttpError(400, "The refresh token should be a valid UUID.")
            if not is_uuid(uid):
                raise HttpError(400, "The user ID should be a valid UUID.")
            entry = self.refresh_tokens.get(token)
            if entry is None or entry["user_id"] != uid:
                raise HttpError(400, not_found)
            user = self.users.get(entry["user_id"])
            if user is None or user["deleted"]:
                raise HttpError(400, "The user is deleted.")
            if not user["active"]:
                raise HttpError(400, "The user is not activated or disabled.")
            self._refuse_used_refresh_token(entry)
        else:
            token = req.cookies.get("refresh_token")
            if not is_uuid(token):
                raise HttpError(400, "The refresh token should be a valid UUID.")
            entry = self.refresh_tokens.get(token)
            if entry is None:
                raise HttpError(400, not_found)
            self._refuse_used_refresh_token(entry)
            user = self.users.get(entry["user_id"])
            if user is None or user["deleted"] or not user["active"]:  # findUser: activeNotDeleted, firstOrFail
                raise HttpError(400, not_found)
        if user["mfa"] and not self._mfa_ok(req, user, {"session_id": entry["access_token"]}):
            raise Redirect(self._full_base_url() + "/mfa/verify/error.json")
        # After the authenticator and the MFA middleware: JwtCsrfDetectionMiddleware turns the CSRF check on for the
        # browser's cookie refresh.
        self.check_csrf(req)
        entry["active"] = False
        access = self._make_access_token(entry["user_id"])
        new = str(uuid.uuid4())
        now = time.time()
        self.refresh_tokens[new] = {"user_id": entry["user_id"], "access_token": access, "active": True,
                                    "expiry": refresh_expiry(now)}
        for mfa in self.mfa_tokens.values():  # the MFA verification follows the renewed session
            if entry["access_token"] in mfa["sessions"]:
                mfa["sessions"].add(access)
        self.count("refreshes")
        # RefreshTokenAbstractService::createHttpOnlySecureCookie (secure, httponly, "+1 month"), sent by setcookie()
        cookie = php_set_cookie("refresh_token", new, expires=self.refresh_tokens[new]["expiry"], now=now,
                                secure=True, httponly=True)
        return self.envelope(req, {"access_token": access}, headers=[("Set-Cookie", cookie)])

    @staticmethod
    def _refuse_used_refresh_token(entry):
        """RefreshTokenAbstractService::throwSecurityExceptionsOnInvalidRefreshToken."""
        if not entry["active"]:
            raise HttpError(400, "The refresh token provided was already used.")
        if entry["expiry"] < time.time():
            raise HttpError(400, "Expired refresh token provided.")

    def h_jwt_logout(self, req):
        """RefreshTokenLogoutService: consume the given refresh token (body, or the cookie when the body has none),
        or every refresh token of the user when none is a string. The access token stays valid until it expires.
        JwtLogoutController removes the refresh_token cookie from the response: no Set-Cookie at all."""
        user, dummy = self.current_user(req)
        data = self.data(req)
        token = data.get("refresh_token")
        if token is None:
            token = req.cookies.get("refresh_token")
        if not isinstance(token, str):
            for entry in self.refresh_tokens.values():
                if entry["user_id"] == user["id"]:
                    entry["active"] = False
        else:
            if not is_uuid(token):
                raise HttpError(400, "The refresh token should be a valid UUID.")
            entry = self.refresh_tokens.get(token)
            if entry is None or entry["user_id"] != user["id"]:
                raise HttpError(400, "No active refresh token matching the request could be found.")
            self._refuse_used_refresh_token(entry)
            entry["active"] = False
        return self.envelope(req, None)

    def h_jwt_rsa(self, req):
        return self.envelope(req, {"keydata": self.jwt.public_pem})

    def h_well_known_jwks(self, req):
        """JwtAuthentication config/routes.php: $routes->redirect('.well-known/jwks.json', '/auth/jwt/jwks.json'),
        a RedirectRoute (301 to the full URL) answered by the routing middleware."""
        raise Redirect(self._full_base_url() + "/auth/jwt/jwks.json", status=301)

    def h_jwt_jwks(self, req):
        return Response(200, php_json({"keys": [self.jwt.jwk()]}), JSON_TYPE)


ROUTES = (
    ("POST", r"/auth/jwt/login\.json", "h_jwt_login"),
    ("POST", r"/auth/jwt/refresh\.json", "h_jwt_refresh"),
    ("POST", r"/auth/jwt/logout\.json", "h_jwt_logout"),
    ("GET", r"/auth/jwt/rsa\.json", "h_jwt_rsa"),
    ("GET", r"/auth/jwt/jwks\.json", "h_jwt_jwks"),
    ("GET", r"/\.well-known/jwks\.json", "h_well_known_jwks"),
)
