"""TOTP multi-factor authentication: plugins/PassboltCe/MultiFactorAuthentication/src/Controller/
Totp/TotpVerifyGetController.php, Totp/TotpVerifyPostController.php, MfaVerifyAjaxErrorController.php and
MfaVerifyController.php, with MfaVerifiedCookie, TotpVerifyForm and MfaRateLimiterService.
"""

from __future__ import annotations

import re
import time
import uuid

from sandbox.passbolt import crypto
from sandbox.passbolt import seed_data as SD
from sandbox.passbolt.controllers.core import HttpError, validation_error
from sandbox.passbolt.php import php_set_cookie


MFA_REQUIRED = "MFA authentication is required."
MFA_MAX_ATTEMPTS = 4  # config/default.php passbolt.security.mfa.maxAttempts


class MfaMixin:
    # -- MFA -----------------------------------------------------------------------------------
    def _mfa_error_body(self, user):
        """MfaVerifyAjaxErrorController::get: the user's enabled providers and their verify URLs
        (MfaSettings::getProvidersVerifyUrls; none: two empty PHP arrays, [] in JSON)."""
        if not user["mfa"]:
            return {"mfa_providers": [], "providers": []}
        return {"mfa_providers": ["totp"], "providers": {"totp": self._full_base_url() + "/mfa/verify/totp.json"}}

    def _mfa_cookie(self, value, expires=None, expired=False):
        """MfaVerifiedCookie::get / clearCookie: path /, HttpOnly, no SameSite, secure when the request is https or
        passbolt.security.cookies.secure is on (default on; a server on plain http must turn it off, as
        PASSBOLT_SECURITY_COOKIE_SECURE=false, which the imitation does unless config cookies_secure); setcookie()."""
        if expired:
            expires = 1  # Cookie::withExpired(): 1970-01-01 00:00:01
        secure = bool(self.config.get("cookies_secure", False)) or self._secure()
        return php_set_cookie("passbolt_mfa", value, expires=expires, secure=secure, httponly=True)

    def _mfa_verified_not_required(self, req, user, ctx):
        """MfaVerifyController::_handleVerifiedNotRequired: a valid passbolt_mfa cookie for this session."""
        if user["mfa"] and self._mfa_ok(req, user, ctx):
            raise HttpError(400, "The multi-factor authentication is not required.")

    @staticmethod
    def _mfa_settings_or_fail(user):
        """MfaVerifyController::_handleInvalidSettings (JSON): no account settings (or no TOTP) is a 400."""
        if not user["mfa"] or not SD.MFA_TOTP_SECRETS.get(user["short"]):
            raise HttpError(400, "No valid multi-factor authentication settings found.")

    def h_mfa_get(self, req):
        """TotpVerifyGetController::get, JSON: a success with no body."""
        user, ctx = self.current_user(req, allow_without_mfa=True)
        self._mfa_verified_not_required(req, user, ctx)
        self._mfa_settings_or_fail(user)
        return self.envelope(req, None, message="Please provide the one-time password.")

    def h_mfa_error(self, req):
        """MfaVerifyAjaxErrorController::get (any method): always the 403 with the user's providers, and the MFA
        cookie cleared (beforeRender -> ClearMfaCookieInResponseService)."""
        user, dummy = self.current_user(req, allow_without_mfa=True)
        return self.error(req, 403, MFA_REQUIRED, self._mfa_error_body(user),
                          headers=[("Set-Cookie", self._mfa_cookie(str(uuid.uuid4()), expired=True))])

    def h_mfa_verify(self, req):
        """TotpVerifyPostController::post: TotpVerifyForm's rules (CustomValidationException: 400 with the field
        errors), and after more than passbolt.security.mfa.maxAttempts failures since the login, a logout."""
        user, ctx = self.current_user(req, allow_without_mfa=True)
        self._mfa_verified_not_required(req, user, ctx)
        self._mfa_settings_or_fail(user)
        secret = SD.MFA_TOTP_SECRETS[user["short"]]
        data = self.data(req)
        error = self._totp_error(data.get("totp"), secret)
        if error:
            self._mfa_failed_attempt(req, user, ctx)
            raise validation_error({"totp": error}, "Something went wrong when validating the one-time password.")
        token = str(uuid.uuid4())  # MfaVerifiedToken::get: an authentication token (a UUID)
        remember = data.get("remember") not in (None, False, 0, "", "0", [], {})  # PHP (bool)
        # DefaultRememberAMonthSettingService: enabled; MfaVerifiedCookie::MAX_DURATION_IN_DAYS = 30
        now = time.time()
        expiry = now + 30 * 24 * 3600 if remember else None
        self.mfa_tokens[token] = {"user_id": user["id"], "sessions": {ctx["session_id"]}, "expiry": expiry}
        return self.envelope(req, None, message="The multi-factor authentication was a success.",
                             headers=[("Set-Cookie", self._mfa_cookie(token, expires=expiry))])

    @staticmethod
    def _totp_error(value, secret):
        """TotpVerifyForm::validationDefault, the first rule that fails ({rule: message}) or None."""
        if value is None:
            return {"_required": "An OTP is required."}
        value = str(value) if not isinstance(value, bool) else ("1" if value else "")
        if value == "":
            return {"_empty": "The OTP should not be empty."}
        if not re.match(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$", value):  # Validation::numeric (is_numeric)
            return {"numeric": "The OTP should be composed of numbers only."}
        if len(value) < 6:
            return {"minLength": "The OTP should be at least 6 characters long."}
        now = time.time()
        if value not in {crypto.totp(secret, now + d) for d in (-30, 0, 30)}:
            return {"isValidOtp": "This OTP is not valid."}
        return None

    def _mfa_failed_attempt(self, req, user, ctx):
        """MfaRateLimiterService: failures since the last login, this one included, above maxAttempts end the
        session (JWT: every refresh token of the user) with a 400."""
        key = user["id"]
        self.mfa_failures[key] = self.mfa_failures.get(key, 0) + 1
        if self.mfa_failures[key] <= MFA_MAX_ATTEMPTS:
            return
        self.mfa_failures.pop(key, None)
        if ctx["kind"] == "jwt":
            for entry in self.refresh_tokens.values():
                if entry["user_id"] == user["id"]:
                    entry["active"] = False
        else:
            self.sessions.pop(ctx["session_id"], None)
        raise HttpError(400, "You have been logged out due to too many failed attempts.")


ROUTES = (
    ("GET", r"/mfa/verify/totp\.json", "h_mfa_get"),
    ("GET", r"/mfa/verify/error\.json", "h_mfa_error"),
    ("POST", r"/mfa/verify/error\.json", "h_mfa_error"),
    ("PUT", r"/mfa/verify/error\.json", "h_mfa_error"),
    ("DELETE", r"/mfa/verify/error\.json", "h_mfa_error"),
    ("POST", r"/mfa/verify/totp\.json", "h_mfa_verify"),
)
