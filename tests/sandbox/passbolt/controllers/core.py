"""What every controller of the imitation shares, as passbolt_api's src/Controller/AppController.php,
its components and the middleware queue of src/Application.php do: the server's keys and data tables, permission
lookups (PermissionsTable), the JSON envelope (AppController::success/error, ApiPaginationComponent), dispatch with
ErrorController's rendering, GpgAuthHeadersMiddleware, CsrfProtectionMiddleware, ServerRequestFactory /
BodyParserMiddleware (request data), QueryStringComponent (filters, contains, search), and the authentication of a
request (SessionAuthenticationService, GpgJwtAuthenticator's bearer check, MfaRequiredCheckMiddleware).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets as _secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from sandbox.common.httpserver import ADMIN_PREFIX, App, Response
from sandbox.passbolt import crypto
from sandbox.passbolt import seed_data as SD
from sandbox.passbolt.php import php_json
from sandbox.passbolt.php_forms import php_array_to_json, php_parse_multipart, php_parse_urlencoded


UUID_RE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID_FULL = re.compile("^" + UUID_RE + "$")
ACTION_NS = uuid.UUID("a8c7e0e2-53f2-4a3b-9d0c-706173736274")
READ, UPDATE, OWNER = 1, 7, 15
LOGIN_REQUIRED = "You need to login to access this location."
JWT_REQUIRED = "Authentication is required to continue"
SECRETS_PROVIDED = "The secrets of all the users having access to the resource are required."
FILTER_ID_KINDS = {"has-id": "resource", "has-access": "resource", "has-users": "user", "has-managers": "user",
                   "has-groups": "group", "is-shared-with-group": "group", "has-parent": "parent"}
# QueryStringComponent::validateFilterUsers/Groups/Resources on an empty value: the message names its index
# ("{1}" is left as is: the translation call passes no second argument there)
EMPTY_FILTER_MESSAGES = {"has-users": '"%d" is not a valid user filter.', "has-managers": '"%d" is not a valid user filter.',
                         "has-groups": '"%d" is not a valid group filter.',
                         "has-id": '"%d" is not a valid resource id for filter {1}.',
                         "has-access": '"%d" is not a valid resource id for filter {1}.'}
MAX_LIMIT = 1000000  # ApiPaginationComponent::MAX_LIMIT, the default limit
JSON_TYPE = "application/json"
CSRF_UNLOCKED = ("/auth/login.json", "/auth/verify.json")  # config/default.php csrfProtection.unlockedActions
WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH")
# GpgAuthHeadersMiddleware: every answer to a non-JWT request that a controller rendered (not an exception, not the
# MFA or login redirect, which leave the middleware queue before it) carries these; the authentication result's
# X-GPGAuth-* "errors" come on top (GpgAuthenticator::HTTP_HEADERS_WHITELIST is the Access-Control list).
GPGAUTH_STATIC_HEADERS = [("X-GPGAuth-Version", "1.3.0"), ("X-GPGAuth-Login-URL", "/auth/login"),
                          ("X-GPGAuth-Logout-URL", "/auth/logout"), ("X-GPGAuth-Verify-URL", "/auth/verify"),
                          ("X-GPGAuth-Pubkey-URL", "/auth/verify.json")] + [
    ("Access-Control-Expose-Headers", name) for name in (
        "X-GPGAuth-Verify-Response", "X-GPGAuth-Progress", "X-GPGAuth-User-Auth-Token", "X-GPGAuth-Authenticated",
        "X-GPGAuth-Refer", "X-GPGAuth-Debug", "X-GPGAuth-Error", "X-GPGAuth-Pubkey", "X-GPGAuth-Logout-Url",
        "X-GPGAuth-Version")]
# What GpgAuthenticator::authenticate() leaves in its result for a request with no session and no gpg_auth.keyid
# (_missingUserError: the debug header is sent even outside debug mode).
NO_KEY_ID = "There is no user associated with this key. No key id set."
GPGAUTH_ANONYMOUS_HEADERS = [("X-GPGAuth-Authenticated", "false"), ("X-GPGAuth-Progress", "stage0"),
                             ("X-GPGAuth-Error", "true"), ("X-GPGAuth-Debug", NO_KEY_ID)]


def is_uuid(value):
    return isinstance(value, str) and bool(_UUID_FULL.match(value))


def iso(ts=None):
    return datetime.fromtimestamp(ts if ts is not None else time.time(), timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S+00:00")


class Redirect(Exception):
    """A 302 answer (Passbolt redirects JSON requests that need MFA to /mfa/verify/error.json)."""

    def __init__(self, location, status=302):
        super().__init__(location)
        self.location = location
        self.status = status


class HttpError(Exception):
    def __init__(self, status, message, body=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body
        self.headers = headers or []


def normalize_boolean(value):
    """QueryStringComponent::normalizeBoolean: true/1 and false/0 (any case) as booleans, anything else as is."""
    lowered = value.lower()
    return True if lowered in ("true", "1") else False if lowered in ("false", "0") else value


def like(search, *texts):
    """CaseInsensitiveSearchQueryTrait: LOWER(field) LIKE '%search%' on any of `texts`; in the search, `%` and `_`
    are the SQL wildcards and a backslash makes the next character literal (MySQL and PostgreSQL's default escape)."""
    pattern, chars = [], iter(search.lower())
    for char in chars:
        if char == "\\":
            pattern.append(re.escape(next(chars, "\\")))
        else:
            pattern.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    regex = re.compile("".join(pattern), re.DOTALL)
    return any(regex.search((text or "").lower()) for text in texts)


def _message_errors(data):
    """SecretsTable's rules for a secret's `data` that is present and not empty."""
    errors = {}
    if not isinstance(data, str) or not data.isascii():
        errors["ascii"] = "The message should be a valid ASCII string."
    if not crypto.is_armored_message(data):
        errors["isValidOpenPGPMessage"] = "The message should be a valid ASCII-armored OpenPGP message."
    return errors


def validation_error(errors, message="Could not validate resource data."):
    return HttpError(400, message, errors)


class PermissionTable(dict):
    """Permission rows by id, indexed by the ACO they grant access to (a database index, as on the real
    server): listing 500 resources must not scan every permission row once per resource."""

    def __init__(self):
        super().__init__()
        self.by_aco = {}

    def __setitem__(self, pid, row):
        if pid in self:
            del self[pid]
        super().__setitem__(pid, row)
        self.by_aco.setdefault(row["aco_foreign_key"], {})[pid] = row

    def __delitem__(self, pid):
        row = self[pid]
        super().__delitem__(pid)
        self.by_aco.get(row["aco_foreign_key"], {}).pop(pid, None)


class PassboltBase(App):
    # ------------------------------------------------------------------ keys
    def _init_keys(self):
        jobs = {"server": ("server", "rsa", "Passbolt Sandbox Server", "server@passbolt.dev", ""),
                "metadata": ("metadata", "ecc", "Passbolt Metadata Key", "metadata@passbolt.dev", ""),
                "impostor": ("impostor", "ecc", "Passbolt Sandbox Server", "server@passbolt.dev", "")}
        for short, user in SD.USERS.items():
            jobs[short] = (short, user["key"], "%s %s" % (user["first_name"], user["last_name"]),
                           user["username"], user["passphrase"])
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            futures = {name: pool.submit(crypto.cached_key, self.key_cache, *args) for name, args in jobs.items()}
            self.keys = {name: fut.result() for name, fut in futures.items()}
        self.gpg = crypto.make_gpg(os.path.join(self.state_dir, "gnupg"))           # the server's keyring
        self.seed_gpg = crypto.make_gpg(os.path.join(self.state_dir, "gnupg-seed"))  # users' keys (seeding only)
        for name in ("server", "impostor"):
            self.gpg.import_keys(self.keys[name]["private"])
        self.gpg.import_keys(self.keys["metadata"]["public"])
        self.seed_gpg.import_keys(self.keys["metadata"]["private"])
        self.seed_gpg.import_keys(self.keys["impostor"]["private"])  # signs the "unknown signer" seed
        self.seed_gpg.import_keys(self.keys["server"]["public"])  # Ada's extension writes the server's key copy
        for short in SD.USERS:
            self.gpg.import_keys(self.keys[short]["public"])
            self.seed_gpg.import_keys(self.keys[short]["private"], passphrase=self.keys[short]["passphrase"])
        self.server_fpr = self.keys["server"]["fingerprint"]
        self.server_public = self.keys["server"]["public"]

    def server_encrypt(self, plaintext, recipient_fingerprint):
        """What the server writes itself: encrypted with its own keyring, signed with the server key
        (src/Service/OpenPGP/OpenPGPCommonServerOperationsTrait::setSignKeyWithServerKey)."""
        result = self.gpg.encrypt(plaintext, [recipient_fingerprint], sign=self.server_fpr, always_trust=True)
        if not result.ok:
            raise RuntimeError("server encryption failed: %s" % result.status)
        return str(result)

    def _rotate_server_key(self):
        self.rotations += 1
        key = crypto.cached_key(self.key_cache, "server-rot%d" % self.rotations, "ecc", "Passbolt Sandbox Server",
                                "server@passbolt.dev", "")
        self.gpg.import_keys(key["private"])
        self.server_fpr = key["fingerprint"]
        self.server_public = key["public"]
        return key["fingerprint"]

    # ------------------------------------------------------------------ data
    def _reset_data(self):
        self.users, self.groups, self.folders, self.resources = {}, {}, {}, {}
        self.permissions = PermissionTable()  # id -> permission row
        self.secrets = {}          # (resource_id, user_id) -> secret row
        self.used_verify_tokens = set()
        self.refresh_tokens = {}   # token -> {user_id, access_token, active, expiry}
        self.sessions = {}         # passbolt_session -> {user_id, csrf}
        self.gpgauth_nonces = {}   # user_id -> nonce
        self.mfa_tokens = {}       # passbolt_mfa cookie -> {user_id, sessions: set}
        self.mfa_failures = {}     # user_id -> failed TOTP attempts since the user's last login
        self.metadata_keys = {}
        self.metadata_private_keys = {}
        self.resource_types_deleted = {}  # slug -> deleted (ResourceTypesDeleteService: a soft delete)
        self.password_expiry_setting = None  # the organization_settings row of passwordExpiry, or None (off)
        self.secret_accesses = set()  # (user_id, resource_id): the Log plugin's secret_accesses

    def _add_permission(self, aco, aco_id, aro, aro_id, ptype):
        pid = str(uuid.uuid5(SD.NAMESPACE, "perm:%s:%s:%s" % (aco_id, aro, aro_id)))
        now = iso()
        self.permissions[pid] = {"id": pid, "aco": aco, "aco_foreign_key": aco_id, "aro": aro,
                                 "aro_foreign_key": aro_id, "type": ptype, "created": now, "modified": now}
        return pid

    def _set_secret(self, rid, uid, data, by):
        """`by`: the user who wrote it (secrets have created_by/modified_by since 5.7, migration V570...)."""
        now = iso()
        old = self.secrets.get((rid, uid))
        self.secrets[(rid, uid)] = {"id": old["id"] if old else str(uuid.uuid4()), "resource_id": rid, "user_id": uid,
                                    "data": data, "created": old["created"] if old else now, "modified": now,
                                    "created_by": old["created_by"] if old else by, "modified_by": by}

    # ------------------------------------------------------------------ permissions
    def _user_groups(self, uid):
        return {g["id"] for g in self.groups.values() if not g["deleted"]
                and any(gu["user_id"] == uid for gu in g["groups_users"])}

    def _aco_permissions(self, aco_id):
        return list(self.permissions.by_aco.get(aco_id, {}).values())

    def _permission_of(self, uid, aco_id):
        groups = self._user_groups(uid)
        best = None
        for perm in self._aco_permissions(aco_id):
            if (perm["aro"] == "User" and perm["aro_foreign_key"] == uid) or (
                    perm["aro"] == "Group" and perm["aro_foreign_key"] in groups):
                if best is None or perm["type"] > best["type"] or (
                        perm["type"] == best["type"] and perm["aro"] == "User"):
                    best = perm
        return best

    def _expand(self, perms):
        """User ids reached by a list of permission rows (groups expanded to their members)."""
        users = set()
        for perm in perms:
            if perm["aro"] == "User":
                users.add(perm["aro_foreign_key"])
            else:
                group = self.groups.get(perm["aro_foreign_key"])
                if group:
                    users.update(gu["user_id"] for gu in group["groups_users"])
        return users

    def _users_with_access(self, aco_id):
        return self._expand(self._aco_permissions(aco_id))

    def _visible_resource(self, uid, rid):
        res = self.resources.get(rid) if is_uuid(rid) else None
        if res is None or res["deleted"] or self._permission_of(uid, rid) is None:
            return None
        return res

    def _visible_folder(self, uid, fid):
        folder = self.folders.get(fid) if is_uuid(fid) else None
        if folder is None or self._permission_of(uid, fid) is None:
            return None
        return folder

    # ------------------------------------------------------------------ envelope
    def envelope(self, request, body, status=200, message="The operation was successful.", headers=None,
                 pagination=None):
        url = request.path + ("?" + request.query_string if request.query_string else "")
        header = {"id": str(uuid.uuid4()), "status": "success" if status < 400 else "error",
                  "servertime": int(time.time()),
                  "action": str(uuid.uuid5(ACTION_NS, request.method + " " + re.sub(UUID_RE, "{id}", request.path))),
                  "message": message, "url": url, "code": status}
        if pagination is not None:
            header["pagination"] = pagination
        # CakePHP adds a charset to text/* types only (Response::_setContentType): JSON has none.
        return Response(status, php_json({"header": header, "body": body}), JSON_TYPE, headers)

    def listing(self, request, items, message="The operation was successful.", headers=None):
        page = request.arg("page")
        limit = request.arg("limit")
        count = len(items)
        try:
            page = max(1, int(page)) if page is not None else 1
            limit = min(MAX_LIMIT, max(1, int(limit))) if limit is not None else MAX_LIMIT
        except ValueError as exc:
            raise HttpError(400, "Invalid pagination.") from exc
        items = items[(page - 1) * limit: page * limit]
        return self.envelope(request, items, message=message, headers=headers,
                             pagination={"count": count, "page": page, "limit": limit})

    def error(self, request, status, message, body="", headers=None):
        """An error envelope. A thrown exception is rendered by ErrorController::beforeRender: body "" unless the
        exception carries details (validation errors); AppController::error() (MFA) passes its own body."""
        return self.envelope(request, body, status=status, message=message, headers=headers)

    def not_found(self, request):
        return self.error(request, 404, "Not Found")

    def method_not_allowed(self, request):
        # CakePHP routes by path and method: a known path with another method is a MissingRouteException too,
        # rendered outside debug mode as 404 "Not Found" (never a 405).
        return self.not_found(request)

    def internal_error(self, request, exc):
        return self.error(request, 500, "An internal error occurred.")

    def dispatch(self, request):
        # An exception (rendered by the outer ErrorHandlerMiddleware) or a redirect from the MFA/authentication
        # middleware never passes through GpgAuthHeadersMiddleware and CsrfProtectionMiddleware on its way out.
        try:
            if not request.path.startswith(ADMIN_PREFIX):
                self.marshal_request(request)
            self._parse_body_first(request)
            response = super().dispatch(request)
        except HttpError as exc:
            return self.error(request, exc.status, exc.message, "" if exc.body is None else exc.body, exc.headers)
        except Redirect as exc:
            return Response(exc.status, b"", "text/html; charset=UTF-8", [("Location", exc.location)])
        return self._csrf_cookie(request, self._gpgauth_headers(request, response))

    def _parse_body_first(self, request):
        """BodyParserMiddleware runs right after routing, before authentication: a routed request with a broken JSON
        body is a 400 "Bad Request" whatever else is wrong with it."""
        if request.method in WRITE_METHODS and any(
                method == request.method and pattern.match(request.path) for method, pattern, dummy in self.routes):
            self.data(request)

    def _gpgauth_headers(self, request, response):
        """GpgAuthHeadersMiddleware (not for JWT requests): the fixed headers, and the authentication result's: a
        request with no session gets the GpgAuthenticator's "no key id" failure, unless the GPGAuth login handler
        set its own stage headers."""
        if self.is_jwt_request(request) or response.status in (404, 405):  # 404/405: routing errors (exceptions)
            return response
        for name, value in GPGAUTH_STATIC_HEADERS:
            response.add_header(name, value)
        has_stage = any(name == "X-GPGAuth-Progress" for name, dummy in response.headers)
        if not has_stage and self._session_user(request) is None:
            for name, value in GPGAUTH_ANONYMOUS_HEADERS:
                response.add_header(name, value)
        return response

    def _csrf_cookie(self, request, response):
        """Cake's CsrfProtectionMiddleware: a GET that arrives without a csrfToken cookie gets one
        (Passbolt's createToken: sha512 hex of random bytes). Other methods never set it."""
        if request.method == "GET" and not request.cookies.get("csrfToken"):
            token = hashlib.sha512(_secrets.token_bytes(16)).hexdigest()
            secure = "; secure" if self._secure() else ""
            response.add_header("Set-Cookie", "csrfToken=%s; path=/; samesite=Strict%s" % (token, secure))
        return response

    # ------------------------------------------------------------------ request helpers
    @staticmethod
    def marshal_request(request):
        """ServerRequestFactory::fromGlobals, once per request: the parsed body starts as PHP's $_POST (a POST's
        application/x-www-form-urlencoded or multipart/form-data body, the type matched case-insensitively) or, for
        PUT/PATCH/DELETE, parse_str() of a body whose Content-Type starts with "application/x-www-form-urlencoded"
        (marshalBodyAndRequestMethod); then the method override: an X-Http-Method-Override header, else the form's
        `_method` (removed from the data), becomes the request method, taken as it is (routes match upper-case
        methods only); overridden to a method other than PUT/POST/DELETE/PATCH, the form data is dropped."""
        if hasattr(request, "form_data"):
            return
        ctype = request.header("Content-Type") or ""
        php_type = re.split("[;, ]", ctype, maxsplit=1)[0].lower()
        form = {}
        if request.method == "POST" and php_type == "application/x-www-form-urlencoded":
            form = php_parse_urlencoded(request.body, post=True)
        elif request.method == "POST" and php_type == "multipart/form-data":
            form = php_parse_multipart(request.body, ctype)
        elif request.method in ("PUT", "DELETE", "PATCH") and ctype.startswith("application/x-www-form-urlencoded"):
            form = php_parse_urlencoded(request.body, post=False)
        get_all = getattr(request.headers, "get_all", None)  # http.client.HTTPMessage: every header of that name
        header = get_all("X-Http-Method-Override") if get_all else [request.header("X-Http-Method-Override")]
        if header and header[0] is not None:
            form["_method"] = ", ".join(header)  # getHeaderLine()
        if "_method" in form:
            method = form.pop("_method")
            request.method = method if isinstance(method, str) else "Array"  # (string) of a PHP array
            if request.method not in WRITE_METHODS:
                form = {}
        request.form_data = {str(key): php_array_to_json(value) for key, value in form.items()}  # $_POST: an array

    @classmethod
    def data(cls, request, keep_csrf_field=False):
        """The request data as the controller has it: the form data (marshal_request), replaced by
        BodyParserMiddleware's parse of an application/json or text/json body on POST/PUT/PATCH/DELETE (invalid JSON:
        BadRequestException() = 400 "Bad Request"; valid JSON is cast to an array; other types are not parsed);
        CsrfProtectionMiddleware then removes `_csrfToken` from it (_unsetTokenField)."""
        cls.marshal_request(request)
        data = json.loads(json.dumps(request.form_data))
        ctype = (request.header("Content-Type") or "").split(";")[0].strip().lower()
        if request.method in WRITE_METHODS and ctype in ("application/json", "text/json"):
            try:
                parsed = json.loads(request.body.decode("utf-8")) if request.body else {}
            except ValueError as exc:
                raise HttpError(400, "Bad Request") from exc
            # (array) of a list or a scalar: integer keys, which no handler reads (but which make it non-empty)
            if isinstance(parsed, list):
                data = {str(index): value for index, value in enumerate(parsed)}
            else:
                data = parsed if isinstance(parsed, dict) else {} if parsed is None else {"0": parsed}
        if not keep_csrf_field and isinstance(data, dict):
            data.pop("_csrfToken", None)
        return data

    @staticmethod
    def qlist(request, name, keep_blank=False):
        """Values of filter[x][] / filter[x] (repeatable), validated as the real QueryStringComponent.

        Filters whose name ends with "s" (has-users, has-groups, has-access...) also take comma lists.
        An invalid id is a 400 "Invalid filter. ...".
        """
        values = []
        for key, vals in request.query.items():
            if key in (name, name + "[]") or re.match(re.escape(name) + r"\[\d+\]$", key):
                values.extend(vals)
        filter_name = name[len("filter["):-1] if name.startswith("filter[") else name
        if filter_name.endswith("s") and not filter_name.startswith("is-"):
            values = [part for v in values for part in v.split(",")]
        kind = FILTER_ID_KINDS.get(filter_name)
        for index, value in enumerate(values):
            if kind == "parent" and value == "":
                continue
            if filter_name in EMPTY_FILTER_MESSAGES and value in ("", "0"):  # PHP's empty() ("0" too)
                raise HttpError(400, "Invalid filter. " + EMPTY_FILTER_MESSAGES[filter_name] % index)
            if kind and not is_uuid(value):
                raise HttpError(400, 'Invalid filter. "%s" is not a valid %s id for filter %s.'
                                % (value, kind, filter_name))
        return values if keep_blank else [v for v in values if v != ""]

    @staticmethod
    def contains(request, name):
        value = request.query.get("contain[%s]" % name)
        return bool(value) and value[0] not in ("0", "false", "")

    @staticmethod
    def assert_not_empty_array_data(data):
        """AppController::assertNotEmptyArrayData."""
        if not data:
            raise HttpError(400, "The request data can not be empty.")

    @staticmethod
    def _flag(req, name):
        """A boolean filter that is true (see _bool_filter)."""
        return PassboltBase._bool_filter(req, name) is True

    @staticmethod
    def _bool_filter(req, name):
        """None when absent; QueryStringComponent::normalizeBoolean (true/1, false/0), any other value a 400 from
        validateFilterBoolean wrapped by validateQueryItems."""
        value = req.arg(name)
        if value is None:
            return None
        value = normalize_boolean(value)
        if isinstance(value, bool):
            return value
        filter_name = name[len("filter["):-1] if name.startswith("filter[") else name
        raise HttpError(400, 'Invalid filter. "%s" is not a valid value for filter %s.' % (value, filter_name))

    def search_keyword(self, req):
        """filter[search] as QueryStringComponent::validateFilterSearch; the first keyword, or None."""
        searches = self.qlist(req, "filter[search]", keep_blank=True)
        for index, keyword in enumerate(searches):
            if keyword in ("", "0"):  # PHP empty()
                raise HttpError(400, 'Invalid filter. "%d" is not a valid search filter.' % index)
            if len(keyword) > 64:
                raise HttpError(400, 'Invalid filter. "%s" is not a valid search filter. It should be between 1 and '
                                     '64 char in length.' % keyword)
        return searches[0] if searches else None

    # ------------------------------------------------------------------ authentication
    def current_user(self, request, allow_without_mfa=False):
        """(user, context) for an authenticated request, or raises HttpError.

        In the real middleware order the MFA redirect (MfaRequiredCheckMiddleware) comes before the CSRF check
        (CsrfProtectionMiddleware), which comes before the controller's "You need to login" (AuthenticationComponent).
        """
        auth = request.header("Authorization") or ""
        ctx = None
        if auth.lower().startswith("bearer "):
            if not self.settings["jwt_enabled"]:
                raise HttpError(401, JWT_REQUIRED)
            token = auth[7:].strip()
            claims = self.jwt.verify(token)
            if claims is None:
                raise HttpError(401, JWT_REQUIRED)
            user = self.users.get(claims.get("sub"))
            if user is None or not user["active"] or user["deleted"]:
                raise HttpError(401, JWT_REQUIRED)
            ctx = {"kind": "jwt", "session_id": token}
        elif self.is_jwt_request(request):  # a refresh_token cookie or a /auth/jwt route: the JWT authenticator
            raise HttpError(401, JWT_REQUIRED)
        else:
            user = self._session_user(request)
            if user is None:
                self.check_csrf(request)
                raise HttpError(403, LOGIN_REQUIRED)
            ctx = {"kind": "session", "session_id": request.cookies.get("passbolt_session")}
        if user["mfa"] and not allow_without_mfa and not self._mfa_ok(request, user, ctx):
            raise Redirect(self._full_base_url() + "/mfa/verify/error.json")
        self.check_csrf(request)
        return user, ctx

    def _session_user(self, request):
        sid = request.cookies.get("passbolt_session")
        session = self.sessions.get(sid) if sid else None
        user = self.users.get(session["user_id"]) if session else None
        return user if user is not None and user["active"] and not user["deleted"] else None

    def is_jwt_request(self, request):
        """JwtRequestDetectionService::useJwtAuthentication: a bearer header, a refresh_token cookie, or a
        non-GET request to a /auth/jwt route (the plugin enabled)."""
        if not self.settings["jwt_enabled"]:
            return False
        return bool(request.header("Authorization") or request.cookies.get("refresh_token")
                    or (request.method != "GET" and request.path.startswith("/auth/jwt/")))

    def check_csrf(self, request):
        """CsrfProtectionMiddleware on a state-changing request: the csrfToken cookie must be there and equal to the
        X-CSRF-Token header (or the body's _csrfToken). Skipped for AuthLogin::loginPost and JWT requests
        (JwtCsrfDetectionMiddleware), except the browser's refresh (a refresh_token cookie on /auth/jwt/refresh)."""
        if request.method not in WRITE_METHODS or request.path in CSRF_UNLOCKED:
            return
        browser_refresh = request.path == "/auth/jwt/refresh.json" and bool(request.cookies.get("refresh_token"))
        if self.is_jwt_request(request) and not browser_refresh:
            return
        cookie = request.cookies.get("csrfToken")
        if not cookie:
            raise HttpError(403, "Missing or incorrect CSRF cookie type.")
        sent = request.header("X-CSRF-Token")
        if sent != cookie and self.data(request, keep_csrf_field=True).get("_csrfToken") != cookie:
            raise HttpError(403, "CSRF token from either the request body or request headers did not "
                                 "match or is missing.")

    def _mfa_ok(self, request, user, ctx):
        token = request.cookies.get("passbolt_mfa")
        entry = self.mfa_tokens.get(token) if token else None
        return bool(entry and entry["user_id"] == user["id"] and ctx["session_id"] in entry["sessions"]
                    and (entry["expiry"] is None or entry["expiry"] > time.time()))

    def _full_base_url(self):
        return (self.config.get("full_base_url") or self.base_url).rstrip("/")

    def _secure(self):
        return self._full_base_url().startswith("https")
