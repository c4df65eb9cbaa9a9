# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Passbolt authentication: one class per method (JWT, GPGAuth), plus TOTP MFA and server identity.

An auth object has `login()`, `apply(method, headers)` (adds its headers to a request),
`recover(api_error) -> bool` (one silent fix after a 401 or an MFA demand; the request is
then retried) and `logout()`. `authenticate(api, gpg, credentials)` picks the method.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from urllib.parse import unquote_plus

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ApiError, ConfigError, PwmanError
from ansible_collections.pwman.secrets.plugins.module_utils._gpg import GpgError, normalize_fingerprint
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_api import MFA_REQUIRED
from ansible_collections.pwman.secrets.plugins.module_utils._totp import totp

AUTH_METHODS = ("auto", "jwt", "gpgauth")
CHALLENGE_LIFETIME = 600
NONCE_RE = re.compile(r"^gpgauthv1\.3\.0\|36\|[0-9a-fA-F-]{36}\|gpgauthv1\.3\.0$")


class AuthError(PwmanError):
    """Login failed, or the server could not prove its identity."""


class ServerKey:
    """The server's OpenPGP key as published at /auth/verify.json, checked against the pin."""

    def __init__(self, fingerprint, keydata):
        self.fingerprint = fingerprint
        self.keydata = keydata


def fetch_server_key(api, gpg, pinned=None, verified=None):
    """Import the server key into the private keyring; refuse it when it differs from the pinned fingerprint.

    `verified` is the body of GET /auth/verify.json when the caller already has it.
    """
    body = api.verify() if verified is None else verified
    if not isinstance(body, dict) or not body.get("keydata"):
        raise AuthError("GET /auth/verify.json returned no server key (body.keydata).")
    try:
        imported = gpg.import_public_key(body["keydata"], "server's public key")
    except GpgError as exc:
        raise AuthError("The server's public key from /auth/verify.json is unusable: %s" % exc) from None
    announced = normalize_fingerprint(body.get("fingerprint"))
    if announced and announced != imported:
        raise AuthError("The server announces fingerprint %s but its key data is %s; refusing the server."
                        % (announced, imported))
    if pinned and normalize_fingerprint(pinned) != imported:
        raise server_key_changed(normalize_fingerprint(pinned), "server_fingerprint", imported,
                                 "update server_fingerprint")
    return ServerKey(imported, body["keydata"])


def server_key_changed(expected, source, current, remedy):
    """The refusal when the server's key is not the one the configuration names."""
    return AuthError("The server key changed: expected fingerprint %s (%s), the server has %s. Refusing to log in; "
                     "if the key was rotated on purpose, %s." % (expected, source, current, remedy))


def mfa_code(credentials):
    """A TOTP code for MFA: given as is, or computed from the user's TOTP secret."""
    if credentials.get("mfa_totp_code"):
        return str(credentials["mfa_totp_code"]).strip()
    if credentials.get("mfa_totp_secret"):
        return totp(credentials["mfa_totp_secret"])
    return None


class _BaseAuth:
    name = "base"

    def __init__(self, api, gpg, credentials, server_key, redactor):
        self.api = api
        self.gpg = gpg
        self.credentials = credentials
        self.server_key = server_key
        self.redact = redactor
        self.user_id = credentials.get("user_id")
        self.mfa_done = False
        self.logins = 0

    def mfa(self):
        code = mfa_code(self.credentials)
        if not code:
            raise AuthError("The Passbolt server requires multi-factor authentication for this user: set "
                            "mfa_totp_secret (the base32 TOTP secret) or mfa_totp_code.")
        self.redact.add(code)
        try:
            self.api.mfa_verify_totp(code)
        except ApiError as exc:
            raise AuthError("MFA (TOTP) verification failed: %s" % exc.message) from None
        self.mfa_done = True

    def recover(self, exc):
        if exc.status == 403 and MFA_REQUIRED.lower() in str(exc.message).lower() and not self.mfa_done:
            self.mfa()
            return True
        return False

    def apply(self, method, headers):
        raise NotImplementedError


class JwtAuth(_BaseAuth):
    """JWT: a signed and encrypted challenge, Bearer tokens, silent refresh once on 401."""

    name = "jwt"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.access_token = None
        self.refresh_token = None
        self.refreshes = 0

    def login(self):
        if not self.user_id:
            raise ConfigError("JWT login needs the user's id: set user_id (or PASSBOLT_USER_ID), or use an account kit.")
        token = str(uuid.uuid4())
        challenge = json.dumps({
            "version": "1.0.0",
            "domain": self.api.http.base_url,
            "verify_token": token,
            "verify_token_expiry": int(time.time()) + CHALLENGE_LIFETIME,
        })
        armored = self.gpg.encrypt(challenge, [self.server_key.fingerprint], sign=True, what="login challenge")
        self.gpg.warm_up_decryption()  # while the server checks the challenge
        body = self.api.jwt_login(self.user_id, armored)
        if not isinstance(body, dict) or not body.get("challenge"):
            raise AuthError("The server's JWT login answer has no challenge.")
        try:
            plain = self.gpg.decrypt_verify(body["challenge"], self.server_key.fingerprint, "server's login answer")
        except GpgError as exc:
            raise AuthError("The server could not prove its identity: %s" % exc) from None
        try:
            data = json.loads(plain)
        except ValueError:
            raise AuthError("The server's decrypted login answer is not JSON.") from None
        if not isinstance(data, dict) or data.get("verify_token") != token:
            raise AuthError("The server's login answer does not return our verify_token: the server did not prove "
                            "it holds its private key. Refusing it.")
        if not data.get("access_token") or not data.get("refresh_token"):
            raise AuthError("The server's login answer has no access_token/refresh_token.")
        self.access_token = data["access_token"]
        self.refresh_token = data["refresh_token"]
        self.redact.add(self.access_token, self.refresh_token)
        self.logins += 1

    def apply(self, method, headers):
        if self.access_token:
            headers["Authorization"] = "Bearer " + self.access_token

    def refresh(self):
        body, response = self.api.jwt_refresh(self.user_id, self.refresh_token)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise AuthError("The refresh answer has no access_token.")
        self.access_token = body["access_token"]
        new_refresh = body.get("refresh_token") or _cookie_from_headers(response.headers, "refresh_token") \
            or self.api.cookies.pop("refresh_token", None)
        self.api.cookies.pop("refresh_token", None)
        if new_refresh:
            self.refresh_token = new_refresh
        self.redact.add(self.access_token, self.refresh_token)
        self.refreshes += 1

    def recover(self, exc):
        if super().recover(exc):
            return True
        if exc.status != 401 or not self.access_token:
            return False
        try:
            self.refresh()
        except (ApiError, AuthError):
            self.access_token = None
            self.login()
        return True

    def logout(self):
        if self.access_token and self.refresh_token:
            try:
                self.api.jwt_logout(self.refresh_token)
            except PwmanError:
                pass
        self.access_token = None


class GpgAuth(_BaseAuth):
    """GPGAuth: decrypt the server's nonce, keep the session cookie, X-CSRF-Token on writes."""

    name = "gpgauth"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.logged_in = False
        self.logged_in_user_id = None

    def verify_server(self):
        """Stage 0: prove the server holds the private key of the key it announces."""
        nonce = "gpgauthv1.3.0|36|%s|gpgauthv1.3.0" % uuid.uuid4()
        encrypted = self.gpg.encrypt(nonce, [self.server_key.fingerprint], sign=False, what="server verify token")
        try:
            response = self.api.gpgauth_verify_server(self.gpg.user_fingerprint, encrypted)
        except ApiError as exc:
            raise AuthError("GPGAuth login refused (HTTP %s): %s" % (exc.status, exc.message)) from None
        if response.headers.get("X-GPGAuth-Verify-Response") != nonce:
            raise AuthError("GPGAuth: the server did not decrypt our verify token: it does not hold the private key "
                            "of the key it announces. Refusing it.")

    def login(self):
        fingerprint = self.gpg.user_fingerprint
        self.gpg.warm_up_decryption()  # while the server answers the verify and stage 1 requests
        self.verify_server()
        stage1 = self._stage(fingerprint, None)
        encrypted = stage1.headers.get("X-GPGAuth-User-Auth-Token")
        if not encrypted:
            raise AuthError("GPGAuth stage 1 failed: %s" % _gpgauth_reason(stage1))
        nonce_message = decode_gpgauth_token(encrypted)
        try:
            nonce = self.gpg.decrypt(nonce_message, "GPGAuth login token").strip()
        except GpgError as exc:
            raise AuthError("GPGAuth: cannot decrypt the server's login token: %s" % exc) from None
        if not NONCE_RE.match(nonce):
            raise AuthError("GPGAuth: the server's login token has an unexpected format.")
        self.redact.add(nonce)
        stage2 = self._stage(fingerprint, nonce)
        if str(stage2.headers.get("X-GPGAuth-Authenticated", "")).lower() != "true":
            raise AuthError("GPGAuth stage 2 failed: %s" % _gpgauth_reason(stage2))
        try:
            body = json.loads(stage2.text).get("body")
        except (ValueError, AttributeError):
            body = None
        # The user the key belongs to (the body of stage 2 is the user on current servers).
        self.logged_in_user_id = body.get("id") if isinstance(body, dict) and body.get("id") else None
        self.redact.add(self.api.cookie("passbolt_session"), self.api.cookie("csrfToken"))
        self.logged_in = True
        self.logins += 1

    def _stage(self, fingerprint, nonce):
        try:
            return self.api.gpgauth_login(fingerprint, nonce)
        except ApiError as exc:
            stage = "2" if nonce else "1"
            raise AuthError("GPGAuth stage %s refused (HTTP %s): %s" % (stage, exc.status, exc.message)) from None

    def apply(self, method, headers):
        if method not in ("GET", "HEAD", "OPTIONS"):
            csrf = self.api.cookie("csrfToken")
            if not csrf and self.logged_in:
                # The CSRF middleware sets the cookie on a GET, not on the login POST: ask for it once.
                self.api.users_me()
                csrf = self.api.cookie("csrfToken")
                self.redact.add(csrf)
            if csrf:
                headers["X-CSRF-Token"] = csrf

    def recover(self, exc):
        if super().recover(exc):
            return True
        if exc.status in (401, 403) and self.logged_in and MFA_REQUIRED.lower() not in str(exc.message).lower():
            # The session expired: log in again once.
            self.logged_in = False
            for name in ("passbolt_session", "csrfToken"):
                self.api.cookies.pop(name, None)
            self.login()
            return True
        return False

    def logout(self):
        if self.logged_in:
            try:
                self.api.gpgauth_logout()
            except PwmanError:
                pass
        self.logged_in = False


def decode_gpgauth_token(value):
    """The X-GPGAuth-User-Auth-Token header: URL-encoded armor with `+` (and others) backslash-escaped."""
    text = re.sub(r"\\(.)", r"\1", str(value).strip())
    return unquote_plus(text)


def _gpgauth_reason(response):
    headers = response.headers
    for name in ("X-GPGAuth-Debug", "X-GPGAuth-Error"):
        value = headers.get(name)
        if value and value.lower() not in ("true", "false"):
            return value[:200]
    progress = headers.get("X-GPGAuth-Progress")
    return "the server answered HTTP %s%s" % (response.status, " (progress: %s)" % progress if progress else "")


def _cookie_from_headers(headers, name):
    raw = headers.get("Set-Cookie") if headers is not None else None
    if not raw:
        return None
    match = re.search(r"(?:^|[\s,;])%s=([^;,\s]+)" % re.escape(name), raw)
    return match.group(1) if match else None


def _jwt_unavailable(exc):
    """The server has no JWT login (plugin disabled or an old server), as opposed to refusing this user."""
    text = str(exc.message).lower()
    if exc.status in (404, 405):
        return "user" not in text
    return exc.status in (400, 403) and ("disabled" in text or "not enabled" in text)


def check_auth_method(credentials):
    method = (credentials.get("auth") or "auto").lower()
    if method not in AUTH_METHODS:
        raise ConfigError("Option 'auth' must be one of %s, got %r." % (", ".join(AUTH_METHODS), method))
    return method


def authenticate(api, gpg, credentials, redactor, verified=None):
    """Log in with the configured method; returns the auth object (also set as api.auth).

    `verified`: the server's GET /auth/verify.json body, when already fetched.
    """
    method = check_auth_method(credentials)
    server_key = fetch_server_key(api, gpg, credentials.get("server_fingerprint"), verified)
    args = (api, gpg, credentials, server_key, redactor)
    if method == "gpgauth" or (method == "auto" and not credentials.get("user_id")):
        auth = GpgAuth(*args)
        api.auth = auth
        try:
            auth.login()
        except AuthError as exc:
            if method == "auto":
                raise AuthError("%s (auth=auto uses GPGAuth when user_id is not known; JWT needs user_id)" % exc) \
                    from None
            raise
        return auth
    auth = JwtAuth(*args)
    api.auth = auth
    try:
        auth.login()
    except ApiError as exc:
        if method == "auto" and _jwt_unavailable(exc):
            auth = GpgAuth(*args)
            api.auth = auth
            auth.login()
            return auth
        raise AuthError("JWT login refused (HTTP %s): %s" % (exc.status, exc.message)) from None
    return auth
