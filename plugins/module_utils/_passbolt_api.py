# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Thin Passbolt API layer: one method per endpoint, envelopes unwrapped, nothing clever.

Authentication is delegated to an `auth` object (see _passbolt_auth) that adds its headers
to each request and may recover once from a 401 (token expired) or a 403 asking for MFA.
"""

from __future__ import annotations

import json

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ApiError

MFA_REQUIRED = "MFA authentication is required"
# Cookies the client keeps itself (the requests jar would not send Secure cookies over http://).
_SKIP_COOKIES = ("refresh_token",)


def unwrap(response, product="Passbolt"):
    """The body of a Passbolt envelope, or an ApiError naming the endpoint."""
    payload = response.json()
    if not isinstance(payload, dict) or "body" not in payload:
        raise ApiError(product, response.method, response.path, response.status,
                       "the answer is not a Passbolt envelope ({header, body})")
    return payload["body"]


def header_of(response):
    try:
        payload = json.loads(response.text)
    except ValueError:
        return {}
    header = payload.get("header") if isinstance(payload, dict) else None
    return header if isinstance(header, dict) else {}


def _contain(names):
    return {"contain[%s]" % name: 1 for name in names or ()}


def _filters(filters):
    params = {}
    for name, value in (filters or {}).items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set)):
            params["filter[%s][]" % name] = list(value)
        elif isinstance(value, bool):
            params["filter[%s]" % name] = 1 if value else 0
        else:
            params["filter[%s]" % name] = value
    return params


class PassboltApi:
    """Endpoints of one Passbolt server, over one HttpClient."""

    def __init__(self, http, auth=None):
        self.http = http
        self.auth = auth
        self.cookies = {}
        self.last_response = None

    # -- transport ------------------------------------------------------------------
    def harvest_cookies(self):
        """Move cookies from the requests jar into our own store (sent explicitly, http or https)."""
        jar = self.http.session.cookies
        for cookie in list(jar):
            if cookie.value is None:
                continue
            self.cookies[cookie.name] = cookie.value
        jar.clear()

    def cookie(self, name):
        return self.cookies.get(name)

    def raw(self, method, path, params=None, json_body=None, authenticated=True, expected=None,
            headers=None, idempotent=None, recover=True):
        """One request; on 401/MFA the auth object gets one chance to recover, then it is retried."""
        attempt = 0
        while True:
            sent = dict(headers or {})
            if authenticated and self.auth is not None:
                self.auth.apply(method.upper(), sent)
            cookie_header = "; ".join("%s=%s" % (k, v) for k, v in sorted(self.cookies.items())
                                      if k not in _SKIP_COOKIES)
            if cookie_header:
                sent["Cookie"] = cookie_header
            try:
                response = self.http.request(method, path, params=params, json_body=json_body, headers=sent,
                                             expected=expected or range(200, 400), idempotent=idempotent)
                if expected is None and 300 <= response.status < 400:
                    raise self._redirect_error(response)
            except ApiError as exc:
                self.harvest_cookies()
                if recover and authenticated and self.auth is not None and attempt == 0 and self.auth.recover(exc):
                    attempt += 1
                    continue
                raise
            self.harvest_cookies()
            self.last_response = response
            return response

    def _redirect_error(self, response):
        """Passbolt redirects a request that needs MFA to /mfa/verify/error.json; other redirects are errors."""
        location = response.headers.get("Location") or ""
        if "/mfa/verify" in location:
            return ApiError("Passbolt", response.method, response.path, 403, MFA_REQUIRED + ".")
        return self.http.error_for(response)

    def call(self, method, path, params=None, json_body=None, authenticated=True, idempotent=None):
        """A request whose envelope body is returned."""
        return unwrap(self.raw(method, path, params=params, json_body=json_body,
                               authenticated=authenticated, idempotent=idempotent))

    # -- authentication -------------------------------------------------------------
    def verify(self):
        """GET /auth/verify.json -> {fingerprint, keydata} (the server's public key)."""
        return self.call("GET", "/auth/verify.json", authenticated=False)

    def gpgauth_verify_server(self, user_fingerprint, encrypted_token):
        """GPGAuth stage 0: the server must decrypt a nonce we encrypted to its key (raw response).

        `keyid` is the user's fingerprint, as in every GPGAuth stage."""
        return self.raw("POST", "/auth/verify.json", authenticated=False,
                        json_body={"gpg_auth": {"keyid": user_fingerprint, "server_verify_token": encrypted_token}})

    def jwt_login(self, user_id, challenge):
        return self.call("POST", "/auth/jwt/login.json", json_body={"user_id": user_id, "challenge": challenge},
                         authenticated=False)

    def jwt_refresh(self, user_id, refresh_token):
        """Returns (body, response): the new refresh token comes as a Set-Cookie on the response."""
        response = self.raw("POST", "/auth/jwt/refresh.json",
                            json_body={"user_id": user_id, "refresh_token": refresh_token}, authenticated=False)
        return unwrap(response), response

    def jwt_logout(self, refresh_token):
        return self.call("POST", "/auth/jwt/logout.json", json_body={"refresh_token": refresh_token})

    def gpgauth_login(self, fingerprint, user_token_result=None):
        """GPGAuth stage 1 (no token) or stage 2; returns the raw response (the answer is in headers)."""
        gpg_auth = {"keyid": fingerprint}
        if user_token_result is not None:
            gpg_auth["user_token_result"] = user_token_result
        return self.raw("POST", "/auth/login.json", json_body={"gpg_auth": gpg_auth}, authenticated=False,
                        expected=range(200, 400))

    def gpgauth_logout(self):
        """POST (with the CSRF token): GET /auth/logout.json is off by default on Passbolt
        (passbolt.security.getLogoutEndpointEnabled) and answers 404."""
        return self.raw("POST", "/auth/logout.json", expected=range(200, 400), recover=False)

    def mfa_verify_totp(self, code):
        """Authenticated (bearer or session + CSRF), but never recovered: it is the recovery."""
        return self.raw("POST", "/mfa/verify/totp.json", json_body={"totp": str(code)}, recover=False)

    def users_me(self):
        return self.call("GET", "/users/me.json")

    # -- resources ------------------------------------------------------------------
    def resources_list(self, contain=("secret",), filters=None):
        params = _contain(contain)
        params.update(_filters(filters))
        return self.call("GET", "/resources.json", params=params)

    def resource_get(self, resource_id, contain=("secret", "resource-type")):
        return self.call("GET", "/resources/%s.json" % resource_id, params=_contain(contain))

    def resource_create(self, payload):
        return self.call("POST", "/resources.json", json_body=payload)

    def resource_update(self, resource_id, payload):
        return self.call("PUT", "/resources/%s.json" % resource_id, json_body=payload, idempotent=True)

    def resource_delete(self, resource_id):
        return self.call("DELETE", "/resources/%s.json" % resource_id, idempotent=True)

    def secret_get(self, resource_id):
        return self.call("GET", "/secrets/resource/%s.json" % resource_id)

    def resource_types(self):
        return self.call("GET", "/resource-types.json")

    def password_expiry_settings(self):
        return self.call("GET", "/password-expiry/settings.json")

    # -- metadata -------------------------------------------------------------------
    def metadata_keys(self, with_private_keys=True):
        params = _contain(["metadata_private_keys"]) if with_private_keys else None
        return self.call("GET", "/metadata/keys.json", params=params)

    def metadata_types_settings(self):
        return self.call("GET", "/metadata/types/settings.json")

    def metadata_keys_settings(self):
        return self.call("GET", "/metadata/keys/settings.json")

    # -- sharing --------------------------------------------------------------------
    def share_simulate(self, resource_id, permissions):
        return self.call("POST", "/share/simulate/resource/%s.json" % resource_id,
                         json_body={"permissions": permissions})

    def share_resource(self, resource_id, permissions, secrets=None):
        body = {"permissions": permissions}
        if secrets:
            body["secrets"] = secrets
        return self.call("PUT", "/share/resource/%s.json" % resource_id, json_body=body)

    def share_folder(self, folder_id, permissions):
        return self.call("PUT", "/share/folder/%s.json" % folder_id, json_body={"permissions": permissions})

    def search_aros(self, search):
        return self.call("GET", "/share/search-aros.json", params={"filter[search]": search})

    # -- folders --------------------------------------------------------------------
    def folders_list(self, contain=(), filters=None):
        params = _contain(contain)
        params.update(_filters(filters))
        return self.call("GET", "/folders.json", params=params)

    def folder_get(self, folder_id, contain=()):
        return self.call("GET", "/folders/%s.json" % folder_id, params=_contain(contain))

    def folder_create(self, fields, parent_id=None):
        """fields: {"name"} (v4) or {"metadata", "metadata_key_id", "metadata_key_type"} (v5)."""
        body = dict(fields)
        if parent_id:
            body["folder_parent_id"] = parent_id
        return self.call("POST", "/folders.json", json_body=body)

    def folder_update(self, folder_id, fields):
        """fields: as for folder_create."""
        return self.call("PUT", "/folders/%s.json" % folder_id, json_body=dict(fields), idempotent=True)

    def folder_delete(self, folder_id):
        return self.call("DELETE", "/folders/%s.json" % folder_id, idempotent=True)

    def move(self, kind, object_id, parent_id):
        """kind: 'resource' or 'folder'; parent_id None moves to the root."""
        return self.call("PUT", "/move/%s/%s.json" % (kind, object_id), json_body={"folder_parent_id": parent_id},
                         idempotent=True)

    # -- users and groups -----------------------------------------------------------
    def users_list(self, contain=("gpgkey", "profile"), filters=None):
        params = _contain(contain)
        params.update(_filters(filters))
        return self.call("GET", "/users.json", params=params)

    def groups_list(self, contain=(), filters=None):
        params = _contain(contain)
        params.update(_filters(filters))
        return self.call("GET", "/groups.json", params=params)
