# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Passwordstate standard API (/api/, or /winapi/ for Windows-integrated auth): one method per endpoint.

Every call names the API key to use (a list key, the system-wide key or the generator key);
the key goes in the `APIKey` header only, never in the URL. Answers are JSON arrays; an
error body is [{"errors": [{"message"}, {"phrase"}]}] (newer servers: entries keyed "error"). "No Passwords found..." errors are
turned into [] where the endpoint lists or searches. A 302 to /error/generalerror.aspx is
how older servers refuse a key: it is reported as an authorization failure.
"""

from __future__ import annotations

import json

from ansible_collections.pwman.secrets.plugins.module_utils._error_shapes import passwordstate_error_message
from ansible_collections.pwman.secrets.plugins.module_utils._errors import ApiError

PRODUCT = "Passwordstate"
ANY_STATUS = frozenset(range(100, 600))
EMPTY_PHRASES = ("no passwords found", "no password history found", "no password lists found",
                 "no folders found")


def _is_empty_error(message):
    text = (message or "").lower()
    return any(phrase in text for phrase in EMPTY_PHRASES)


class PasswordstateApi:
    def __init__(self, http, prefix="api", reason=None):
        self.http = http
        self.prefix = prefix.strip("/")
        self.reason = reason

    # -- plumbing -------------------------------------------------------------------------
    def _path(self, path):
        return "/%s/%s" % (self.prefix, path.lstrip("/"))

    def _headers(self, key):
        headers = {}
        if key:
            headers["APIKey"] = key
        if self.reason:
            headers["Reason"] = self.reason
        return headers

    def call(self, method, path, key, params=None, body=None, empty_ok=False, idempotent=None):
        """One request; returns the list of records (a list, possibly empty)."""
        path = self._path(path)
        response = self.http.request(method, path, params=params, json_body=body, headers=self._headers(key),
                                     expected=ANY_STATUS, idempotent=idempotent)
        status = response.status
        if 300 <= status < 400:
            location = response.headers.get("Location") or ""
            where = " to /error/generalerror.aspx" if "generalerror" in location.lower() else ""
            raise ApiError(PRODUCT, method, path, status,
                           "authorization failed: the server redirected%s, which older Passwordstate versions "
                           "do for a wrong or missing API key (check api_key / list_api_keys)" % where,
                           content_type=response.content_type)
        if status >= 400:
            message = None
            try:
                message = passwordstate_error_message(json.loads(response.text))
            except ValueError:
                pass
            if empty_ok and _is_empty_error(message):
                return []
            if status == 401 and self.prefix == "winapi" and message is None:
                # IIS refused the NTLM handshake (an HTML 401 page, not the API's JSON error)
                raise ApiError(PRODUCT, method, path, status,
                               "Windows authentication (auth=windows) failed: the server refused the NTLM "
                               "credentials; check windows_username (DOMAIN\\user) and windows_password",
                               content_type=response.content_type)
            error = self.http.error_for(response)
            hint = ""
            if status == 401 and "reason" in (message or "").lower():
                hint = " (this Password List requires a reason: set the 'reason' option)"
            elif status in (401, 403) and "key" in (message or "").lower():
                hint = " (check api_key, list_api_keys or generator_api_key)"
            if hint:
                error = ApiError(PRODUCT, method, path, status, error.message + hint,
                                 content_type=response.content_type)
            raise error
        if status == 204 or not response.content.strip():
            return []
        payload = response.json()
        if isinstance(payload, dict):
            payload = [payload]
        if not isinstance(payload, list) or not all(isinstance(item, dict) for item in payload):
            raise ApiError(PRODUCT, method, path, status,
                           "unexpected answer: a JSON array of objects was expected", response.content_type)
        if payload and len(payload) == 1 and ("errors" in payload[0] or "error" in payload[0]) \
                and "PasswordID" not in payload[0]:
            # an error body with a success status (seen for "No Passwords found")
            message = passwordstate_error_message(payload)
            if empty_ok and _is_empty_error(message):
                return []
            raise ApiError(PRODUCT, method, path, status, self.http.redact(message or "error body without a message"),
                           content_type=response.content_type)
        return payload

    # -- password lists -------------------------------------------------------------------
    def list_password_lists(self, key):
        return self.call("GET", "passwordlists", key, empty_ok=True)

    def get_password_list(self, key, list_id):
        return self.call("GET", "passwordlists/%d" % int(list_id), key)

    def search_password_lists(self, key, **criteria):
        return self.call("GET", "searchpasswordlists", key, params=criteria, empty_ok=True)

    def create_password_list(self, key, body):
        return self.call("POST", "passwordlists", key, body=body)

    # -- folders ----------------------------------------------------------------------------
    def list_folders(self, key, **criteria):
        return self.call("GET", "folders", key, params=criteria or None, empty_ok=True)

    def create_folder(self, key, body):
        return self.call("POST", "folders", key, body=body)

    # -- passwords ----------------------------------------------------------------------------
    def get_password(self, key, password_id):
        return self.call("GET", "passwords/%d" % int(password_id), key)

    def list_passwords(self, key, list_id, **params):
        """All passwords of one list (QueryAll: without it the id would be read as a PasswordID); params such as
        ExcludePassword=true / PreventAuditing=true go along."""
        return self.call("GET", "passwords/%d" % int(list_id), key, params=dict({"QueryAll": ""}, **params),
                         empty_ok=True)

    def all_passwords(self, key):
        return self.call("GET", "passwords", key, params={"QueryAll": ""}, empty_ok=True)

    def search_passwords(self, key, list_id=None, **criteria):
        path = "searchpasswords" if list_id is None else "searchpasswords/%d" % int(list_id)
        params = {k: v for k, v in criteria.items() if v is not None}
        return self.call("GET", path, key, params=params, empty_ok=True)

    def password_history(self, key, password_id):
        return self.call("GET", "passwordhistory/%d" % int(password_id), key, empty_ok=True)

    def one_time_password(self, key, password_id):
        return self.call("GET", "onetimepassword/%d" % int(password_id), key)

    def create_password(self, key, body):
        return self.call("POST", "passwords", key, body=body)

    def update_password(self, key, body):
        # Only the given fields change, so repeating the same PUT is harmless - but a PUT with
        # GeneratePassword is not: the caller says so.
        return self.call("PUT", "passwords", key, body=body, idempotent=not body.get("GeneratePassword"))

    def delete_password(self, key, password_id, move_to_recycle_bin):
        return self.call("DELETE", "passwords/%d" % int(password_id), key,
                         params={"MoveToRecycleBin": "true" if move_to_recycle_bin else "false"},
                         idempotent=False)

    def move_password(self, key, password_id, destination_list_id):
        return self.call("PUT", "passwords/move", key,
                         body={"PasswordID": int(password_id), "DestinationPasswordListID": int(destination_list_id)})

    def copy_password(self, key, password_id, destination_list_id):
        return self.call("POST", "passwords/copy", key,
                         body={"PasswordID": int(password_id), "DestinationPasswordListID": int(destination_list_id)})

    # -- generator ------------------------------------------------------------------------------
    def generate_password(self, key, **params):
        params = {k: v for k, v in params.items() if v is not None}
        return self.call("GET", "generatepassword", key, params=params or None)
