"""GPGAuth, the session login: src/Controller/Auth/AuthVerifyController.php, AuthLoginController.php,
AuthLogoutController.php, AuthIsAuthenticatedController.php, with src/Authenticator/GpgAuthenticator.php and
plugins/PassboltCe/JwtAuthentication/src/Middleware/JwtRouteFilterMiddleware.php.
"""

from __future__ import annotations

import json
import re
import secrets as _secrets
import time
import uuid

from sandbox.common.httpserver import Response
from sandbox.passbolt import crypto
from sandbox.passbolt.controllers.core import HttpError, JSON_TYPE, UUID_RE, iso
from sandbox.passbolt.php import php_json, php_quotemeta, php_urlencode


_NONCE = re.compile(r"^gpgauthv1\.3\.0\|36\|(" + UUID_RE + r")\|gpgauthv1\.3\.0$")


class AuthMixin:
    # -- server identity / GPGAuth --------------------------------------------------------
    def h_verify_get(self, req):
        return self.envelope(req, {"fingerprint": self.server_fpr, "keydata": self.server_public})

    def h_verify_post(self, req):
        """POST /auth/verify.json is routed to the same GPGAuth login action as /auth/login.json."""
        return self.h_gpgauth_login(req)

    def h_gpgauth_login(self, req):
        """GPGAuth as the real GpgAuthenticator + AuthLoginController::loginPost.

        Stage 0 (server_verify_token) and stage 1 are "partial successes": HTTP 200 with an error
        envelope. An unknown key is a 400 whose message is the X-GPGAuth-Debug header; a bad stage 2
        is a 400 "The authentication failed.". Outside debug mode no other X-GPGAuth-Debug is sent.
        """
        if not self.settings["gpgauth_enabled"]:
            raise HttpError(404, "Not Found")
        self._refuse_with_jwt(req, "/auth/login")
        data = self.data(req)
        if self._session_user(req) is not None:
            # The session authenticator comes first: its valid result is not the GpgAuthenticator's.
            raise HttpError(409, "You are already logged in.")
        if data.get("data") is not None:  # isset($data['data'])
            data = data["data"] if isinstance(data["data"], dict) else {}
        auth = data.get("gpg_auth") if isinstance(data.get("gpg_auth"), dict) else {}
        headers = {"X-GPGAuth-Authenticated": "false", "X-GPGAuth-Progress": "stage0"}

        def failed(status=400):
            message = headers.get("X-GPGAuth-Debug", "The authentication failed.")
            return self.envelope(req, None, status=status, message=message, headers=list(headers.items())) \
                if status >= 400 else self._error_envelope_200(req, message, headers)

        keyid = auth.get("keyid")
        user, debug = None, None
        if not isinstance(keyid, str):
            debug = "No key id set."
        elif not re.match(r"^[0-9A-F]{40}$", keyid.upper()):
            debug = "Invalid fingerprint."
        else:
            user = next((u for u in self.users.values() if u["gpgkey"]["fingerprint"] == keyid.upper()
                         and u["active"] and not u["deleted"]), None)
            if user is None:
                debug = "User not found."
        if user is None:
            headers["X-GPGAuth-Error"] = "true"
            headers["X-GPGAuth-Debug"] = "There is no user associated with this key. " + debug
            return failed(400)
        if auth.get("server_verify_token") is not None:  # stage 0: the server proves it holds its private key
            token = auth["server_verify_token"]
            if not isinstance(token, str) or not crypto.is_armored_message(token):
                # assertGpgMessageIsValid throws out of the authenticator: an exception, no X-GPGAuth-* headers
                raise HttpError(400, "The server verify token is missing or invalid.")
            result = self.gpg.decrypt(token)
            plain = str(result) if result.ok else ""
            if result.ok and _NONCE.match(plain):
                headers["X-GPGAuth-Verify-Response"] = plain
            else:
                headers["X-GPGAuth-Error"] = "true"
            return failed(200)
        if auth.get("user_token_result") is None:  # stage 1
            headers["X-GPGAuth-Progress"] = "stage1"
            nonce_id = str(uuid.uuid4())
            nonce = "gpgauthv1.3.0|36|%s|gpgauthv1.3.0" % nonce_id
            enc = self.gpg.encrypt(nonce, [user["gpgkey"]["fingerprint"]], sign=self.server_fpr, always_trust=True)
            # passbolt.auth.token.login.expiry: 5 minutes
            self.gpgauth_nonces[(user["id"], nonce_id)] = time.time() + 300
            headers["X-GPGAuth-User-Auth-Token"] = php_quotemeta(php_urlencode(str(enc)))
            return failed(200)
        headers["X-GPGAuth-Progress"] = "stage2"
        result_token = auth.get("user_token_result")
        match = _NONCE.match(result_token) if isinstance(result_token, str) else None
        expiry = self.gpgauth_nonces.pop((user["id"], match.group(1)), None) if match else None
        if expiry is None or expiry < time.time():
            headers["X-GPGAuth-Error"] = "true"
            return failed(400)
        headers.update({"X-GPGAuth-Progress": "complete", "X-GPGAuth-Authenticated": "true",
                        "X-GPGAuth-Refer": "/"})
        sid = _secrets.token_hex(16)
        self.sessions[sid] = {"user_id": user["id"]}
        self.mfa_failures.pop(user["id"], None)
        self.count("logins")
        # The body is the user as UsersTable::findIndex loaded it (findAuth), before UpdateUserLastLoggedInListener
        # writes the new last_logged_in.
        answer = self.fmt_user(user, gpgkey=True, groups_users=True)
        user["last_logged_in"] = iso()
        secure = "; secure" if self._secure() else ""
        # No csrfToken here: the login POST is exempt from the CSRF middleware, which sets the cookie on a GET.
        cookies = [("Set-Cookie", "passbolt_session=%s; path=/%s; HttpOnly; SameSite=Lax" % (sid, secure))]
        return self.envelope(req, answer, message="You are successfully logged in.",
                             headers=list(headers.items()) + cookies)

    def h_gpgauth_login_get(self, req):
        """AuthLoginController::loginGet: the login page, which a JSON request does not get."""
        self._refuse_with_jwt(req, "/auth/login")
        raise HttpError(404, "Page not found.")

    def _refuse_with_jwt(self, req, route):
        """JwtRouteFilterMiddleware: the session login and logout routes refuse a JWT request."""
        if self.is_jwt_request(req):
            raise HttpError(400, "The route %s is not permitted with JWT authentication." % route)

    def _error_envelope_200(self, req, message, headers):
        response = self.envelope(req, None, status=400, message=message, headers=list(headers.items()))
        payload = json.loads(response.body)
        payload["header"]["code"] = 200
        return Response(200, php_json(payload), JSON_TYPE, list(headers.items()))

    def h_gpgauth_logout(self, req):
        """AuthLogoutController::logout: GET only when passbolt.security.getLogoutEndpointEnabled (default false;
        otherwise a MissingRouteException, rendered outside debug mode as 404 "Not Found"). POST is not exempt from
        the CSRF check. Works without a session too (allowUnauthenticated)."""
        if req.method == "GET" and not self.config.get("get_logout_enabled", False):
            raise HttpError(404, "Not Found")
        self._refuse_with_jwt(req, "/auth/logout")
        self.check_csrf(req)
        sid = req.cookies.get("passbolt_session")
        self.sessions.pop(sid, None)
        # SessionAuthenticator::clearIdentity deletes the identity and renews the session (a new, anonymous id),
        # which PHP sends only when the request had a session.
        headers = []
        if sid:
            secure = "; secure" if self._secure() else ""
            headers.append(("Set-Cookie", "passbolt_session=%s; path=/%s; HttpOnly; SameSite=Lax"
                            % (_secrets.token_hex(16), secure)))
        return self.envelope(req, None, message="You are successfully logged out.", headers=headers)

    def h_is_authenticated(self, req):
        self.current_user(req)
        return self.envelope(req, None)


ROUTES = (
    ("GET", r"/auth/verify\.json", "h_verify_get"),
    ("POST", r"/auth/verify\.json", "h_verify_post"),
    ("POST", r"/auth/login\.json", "h_gpgauth_login"),
    ("GET", r"/auth/login\.json", "h_gpgauth_login_get"),
    ("GET", r"/auth/logout\.json", "h_gpgauth_logout"),
    ("POST", r"/auth/logout\.json", "h_gpgauth_logout"),
    ("GET", r"/auth/is-authenticated\.json", "h_is_authenticated"),
)
