"""A local imitation of a Passbolt server (API v5 with v4 compatibility).

Real OpenPGP through GnuPG (python-gnupg): the server key decrypts login challenges and signs
its answers, users hold ECC or RSA keys, secrets and v5 metadata are real PGP messages.
Access tokens are RS256 JWTs. See ../../../docs/developing.md and ../shared/api/passbolt.md.
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
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, quote_plus

from sandbox.common.httpserver import ADMIN_PREFIX, App, Response
from sandbox.passbolt import crypto, extension
from sandbox.passbolt.php_forms import php_array_to_json, php_parse_multipart, php_parse_urlencoded
from sandbox.passbolt import seed_data as SD

UUID_RE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID_FULL = re.compile("^" + UUID_RE + "$")
_NONCE = re.compile(r"^gpgauthv1\.3\.0\|36\|(" + UUID_RE + r")\|gpgauthv1\.3\.0$")
ACTION_NS = uuid.UUID("a8c7e0e2-53f2-4a3b-9d0c-706173736274")

READ, UPDATE, OWNER = 1, 7, 15
MFA_REQUIRED = "MFA authentication is required."
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
V4_SLUGS = ("password-string", "password-and-description", "totp", "password-description-totp")
JSON_TYPE = "application/json"
ROLES_CREATED = "2012-07-04T13:39:25+00:00"  # roles are rows seeded at install; any fixed date
# ResourceTypesFinderService::find() leaves these out of GET /resource-types.json (they still exist); the
# TotpResourceTypes plugin (on by default) replaces it by TotpResourceTypesFinderService, which lists every type.
TOTP_TYPE_SLUGS = ("totp", "password-description-totp")
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
MFA_MAX_ATTEMPTS = 4  # config/default.php passbolt.security.mfa.maxAttempts
# config/version.php; the settings the imitation's plugins publish (plugins' config/config.php settingsVisibility)
PASSBOLT_VERSION = {"number": "5.12.0", "name": "Natural Blues"}


# Single characters that json.dumps never puts inside an escape sequence: plain replacements.
_PHP_CHAR_ESCAPES = (("/", "\\/"), ("&", "\\u0026"), ("<", "\\u003C"), (">", "\\u003E"), ("'", "\\u0027"))
# An escaped quote, told apart from an escaped backslash before a closing quote.
_PHP_QUOTE_RE = re.compile(r'\\\\|\\"')


def php_json(payload):
    """JSON as CakePHP's JsonView writes it (json_encode with JSON_HEX_TAG|APOS|AMP|QUOT, "/" escaped)."""
    text = json.dumps(payload, separators=(",", ":"))
    for char, escaped in _PHP_CHAR_ESCAPES:
        if char in text:
            text = text.replace(char, escaped)
    return _PHP_QUOTE_RE.sub(lambda m: "\\u0022" if m.group(0) == '\\"' else m.group(0), text)


def php_urlencode(text):
    """PHP urlencode(): letters, digits and "-_." stay, a space becomes "+", everything else %XX."""
    return quote_plus(text, safe="-_.").replace("~", "%7E")


def php_quotemeta(text):
    """PHP quotemeta(): a backslash before each of . \\ + * ? [ ^ ] $ ( )."""
    return re.sub(r"([.\\+*?\[^\]$()])", r"\\\1", text)


def refresh_expiry(now):
    """passbolt.auth.token.refresh_token.expiry "1 month": PHP's "+1 month" (a day past the month's end rolls over)."""
    moment = datetime.fromtimestamp(now, timezone.utc)
    year, month = moment.year + moment.month // 12, moment.month % 12 + 1
    return (moment.replace(year=year, month=month, day=1) + timedelta(days=moment.day - 1)).timestamp()


def php_set_cookie(name, value, expires=None, now=None, path="/", secure=False, httponly=False, samesite=None):
    """The Set-Cookie line PHP's setcookie() writes (CakePHP's ResponseEmitter sends Cookie objects through it)."""
    parts = ["%s=%s" % (name, quote(value, safe=""))]
    if expires is not None:
        now = time.time() if now is None else now
        parts.append("expires=" + datetime.fromtimestamp(expires, timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT"))
        parts.append("Max-Age=%d" % max(0, int(expires - now)))
    parts.append("path=" + path)
    if secure:
        parts.append("secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite:
        parts.append("SameSite=" + samesite)
    return "; ".join(parts)


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


# MetadataResourceDto::V4_META_PROPS, V5_META_PROPS, ALL_PROPS (what the DTO keeps of a request)
V4_META_PROPS = ("name", "username", "uri", "description")
V5_META_PROPS = ("metadata", "metadata_key_id", "metadata_key_type")
DTO_PROPS = V4_META_PROPS + V5_META_PROPS + ("deleted", "expired", "created", "modified", "created_by", "modified_by",
                                             "resource_type_id", "permissions", "secrets", "creator",
                                             "folder_parent_id")
# ResourceType::V4_RESOURCE_TYPE_SLUGS and V5_RESOURCE_TYPE_SLUGS, in their order (the inList messages list them)
V4_TYPE_SLUGS = ("password-string", "password-and-description", "totp", "password-description-totp")
V5_TYPE_SLUGS = ("v5-password-string", "v5-default", "v5-totp-standalone", "v5-default-with-totp", "v5-custom-fields",
                 "v5-note", "v5-pin-code")
_MISSING = object()


def _type_version(resource_type_id):
    for version, slugs in (("v4", V4_TYPE_SLUGS), ("v5", V5_TYPE_SLUGS)):
        if resource_type_id in [SD.resource_type_id(s) for s in slugs]:
            return version
    return None


def _is_utf8(value, extended=True):
    """Cake's Validation::utf8: a string; without `extended`, no character beyond the BMP."""
    return isinstance(value, str) and (extended or all(ord(c) <= 0xFFFF for c in value))


def _parse_datetime(value):
    """The ISO date of a parsable `expired` (ResourcesTable::beforeMarshal), None otherwise."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return iso(parsed.timestamp())


def _php_array(by_index):
    """How json_encode writes a PHP array keyed by positions: a list when they run 0..n-1, else an object."""
    if list(by_index) == list(range(len(by_index))):
        return list(by_index.values())
    return {str(k): v for k, v in by_index.items()}


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


class PassboltApp(App):
    product = "passbolt"

    def __init__(self, config=None):
        super().__init__(config)
        self.issued_tokens = []
        self.state_dir = self.config.get("state_dir") or os.path.join(crypto.REPO, ".tmp", "passbolt-state")
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        os.chmod(self.state_dir, 0o700)
        self.key_cache = self.config.get("key_cache") or crypto.DEFAULT_KEY_CACHE
        self.base_url = self.config.get("base_url", "http://127.0.0.1")
        self.settings = {
            "access_token_ttl": int(self.config.get("access_token_ttl", 300)),
            "jwt_enabled": bool(self.config.get("jwt_enabled", True)),
            "gpgauth_enabled": bool(self.config.get("gpgauth_enabled", True)),
            "metadata_default": self.config.get("metadata_default", "v5"),
            "allow_v4_create": bool(self.config.get("allow_v4_create", True)),
            "allow_v5_create": bool(self.config.get("allow_v5_create", True)),
            # MetadataTypesSettingsGetService / MetadataKeysSettingsGetService defaults
            "allow_v4_v5_upgrade": bool(self.config.get("allow_v4_v5_upgrade", False)),
            "allow_v5_v4_downgrade": bool(self.config.get("allow_v5_v4_downgrade", False)),
            "allow_personal_keys": bool(self.config.get("allow_personal_keys", True)),
            # config/default.php passbolt.plugins.resourceTypes / totpResourceTypes (PASSBOLT_PLUGINS_*_ENABLED)
            "resource_types_enabled": bool(self.config.get("resource_types_enabled", True)),
            "totp_resource_types_enabled": bool(self.config.get("totp_resource_types_enabled", True)),
            "expire_next_tokens": 0,  # tests: the next N access tokens are issued already expired
        }
        self.tamper_mode = "none"
        self.rotations = 0
        self.jwt = crypto.JwtSigner()
        self._key_ids = {}  # fingerprint -> encryption key ids (metadata recipients check)
        self._init_keys()
        self._reset_data()
        self._register_routes()
        self._register_admin()

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
        for short in SD.USERS:
            self.gpg.import_keys(self.keys[short]["public"])
            self.seed_gpg.import_keys(self.keys[short]["private"], passphrase=self.keys[short]["passphrase"])
        self.server_fpr = self.keys["server"]["fingerprint"]
        self.server_public = self.keys["server"]["public"]

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

    def seed(self, profile):
        with self.lock:
            self._reset_data()
            now = iso()
            for short, spec in SD.USERS.items():
                key = self.keys[short]
                gpgkey_id = str(uuid.uuid5(SD.NAMESPACE, "gpgkey:" + key["fingerprint"]))
                self.users[spec["id"]] = {
                    "short": short, "id": spec["id"], "username": spec["username"], "active": spec["active"],
                    "deleted": False, "role": spec["role"], "first_name": spec["first_name"],
                    "last_name": spec["last_name"], "mfa": spec["mfa"], "created": now, "modified": now,
                    "gpgkey": {
                        "id": gpgkey_id, "user_id": spec["id"], "armored_key": key["public"],
                        "bits": 2048 if spec["key"] == "rsa" else 255,
                        "uid": "%s %s <%s>" % (spec["first_name"], spec["last_name"], spec["username"]),
                        "key_id": key["fingerprint"][-8:], "fingerprint": key["fingerprint"],
                        "type": "RSA" if spec["key"] == "rsa" else "EdDSA", "expires": None,
                        "key_created": now, "deleted": False, "created": now, "modified": now},
                }
            for name, spec in SD.GROUPS.items():
                members = [(m, True) for m in spec["managers"]] + [(m, False) for m in spec["members"]]
                self.groups[spec["id"]] = {
                    "id": spec["id"], "name": name, "deleted": False, "created": now, "modified": now,
                    "created_by": SD.user_id("ada"), "modified_by": SD.user_id("ada"),
                    "groups_users": [{"id": str(uuid.uuid5(SD.NAMESPACE, "gu:%s:%s" % (name, m))),
                                      "group_id": spec["id"], "user_id": SD.user_id(m), "is_admin": admin,
                                      "created": now} for m, admin in members]}
            for path, spec in SD.FOLDERS.items():
                owner = SD.user_id(spec["owner"])
                self.folders[spec["id"]] = {
                    "id": spec["id"], "name": spec["name"],
                    "folder_parent_id": SD.FOLDER_IDS[spec["parent"]] if spec["parent"] else None,
                    "created": now, "modified": now, "created_by": owner, "modified_by": owner, "personal": True}
                self._add_permission("Folder", spec["id"], "User", owner, OWNER)
            # the shared metadata key, its private part encrypted to every active user
            mkey = self.keys["metadata"]
            mkey_id = str(uuid.uuid5(SD.NAMESPACE, "metadata-key:" + mkey["fingerprint"]))
            self.metadata_keys[mkey_id] = {
                "id": mkey_id, "fingerprint": mkey["fingerprint"], "armored_key": mkey["public"],
                "created": now, "modified": now, "created_by": SD.user_id("ada"), "modified_by": SD.user_id("ada"),
                "deleted": None, "expired": None}
            self.metadata_key_id = mkey_id
            for short, spec in SD.USERS.items():
                plain = json.dumps({"object_type": "PASSBOLT_METADATA_PRIVATE_KEY", "domain": self._full_base_url() + "/",
                                    "fingerprint": mkey["fingerprint"], "armored_key": mkey["private"],
                                    "passphrase": ""})
                pid = str(uuid.uuid5(SD.NAMESPACE, "metadata-private-key:%s" % short))
                self.metadata_private_keys[pid] = {
                    "id": pid, "metadata_key_id": mkey_id, "user_id": spec["id"],
                    "data": self._seed_encrypt(plain, short, "ada"), "created": now, "modified": now,
                    "created_by": SD.user_id("ada"), "modified_by": SD.user_id("ada")}
            self._extension_jobs = []
            for spec in SD.RESOURCES:
                self._seed_resource(spec, now)
            self._write_as_extension()
            if profile == "bench":
                for spec in self._bench_resources():
                    self._seed_resource(spec, now)
        self.profile = profile

    def _bench_resources(self):
        """`make bench`: many v4 password-string resources owned by ada, named bench-000, ..."""
        slug = "password-string"
        return [{"id": str(uuid.uuid5(SD.NAMESPACE, "bench:%d" % index)), "resource_type_id": SD.resource_type_id(slug),
                 "type": slug, "metadata": "v4", "name": "bench-%03d" % index, "folder": None, "username": "bench",
                 "uris": [], "description": "", "secret": {"password": "bench-pw-%03d-x" % index}, "owner": "ada",
                 "shared": []}
                for index in range(int(self.config.get("bench_entries", 500)))]

    def _seed_encrypt(self, plaintext, to_short, signer_short):
        signer = self.keys[signer_short]
        result = self.seed_gpg.encrypt(plaintext, [self.keys[to_short]["fingerprint"]],
                                       sign=signer["fingerprint"], passphrase=signer["passphrase"],
                                       always_trust=True, extra_args=["--pinentry-mode", "loopback"])
        if not result.ok:
            raise RuntimeError("seed encryption failed: %s" % result.status)
        return str(result)

    def _seed_encrypt_metadata(self, plaintext, signer_short, signing="extension"):
        """Shared-key metadata. signing: "extension" (the user's key then the metadata key, as Passbolt's browser
        extension signs it), "user" (the user's key only), "none", "stranger" (a key no user has), "bad" (a
        signature that does not match) or "unreadable" (encrypted to a key no user holds)."""
        signer = self.keys[signer_short]
        metadata_fpr = self.keys["metadata"]["fingerprint"]
        if signing == "bad":
            return self._seed_badly_signed(plaintext, signer, metadata_fpr)
        kwargs = {}
        if signing == "extension":
            kwargs = {"sign": signer["fingerprint"], "passphrase": signer["passphrase"],
                      "extra_args": ["--pinentry-mode", "loopback", "--local-user", signer["fingerprint"],
                                     "--local-user", metadata_fpr]}
        elif signing == "user":
            kwargs = {"sign": signer["fingerprint"], "passphrase": signer["passphrase"],
                      "extra_args": ["--pinentry-mode", "loopback"]}
        elif signing == "stranger":
            kwargs = {"sign": self.keys["impostor"]["fingerprint"]}  # no passphrase: python-gnupg must not send one
        elif signing == "unreadable":  # to a key no user holds, signed by the owner
            kwargs = {"sign": signer["fingerprint"], "passphrase": signer["passphrase"],
                      "extra_args": ["--pinentry-mode", "loopback"]}
            metadata_fpr = self.keys["impostor"]["fingerprint"]
        result = self.seed_gpg.encrypt(plaintext, [metadata_fpr], always_trust=True, **kwargs)
        if not result.ok:
            raise RuntimeError("seed metadata encryption failed: %s" % result.status)
        return str(result)

    def _seed_badly_signed(self, plaintext, signer, recipient, old=b'"username"', new=b'"Username"'):
        """Signed (uncompressed), one signed byte changed, then encrypted as it is (--no-literal): decrypts, BADSIG."""
        signed = self.seed_gpg.sign(plaintext, keyid=signer["fingerprint"], passphrase=signer["passphrase"],
                                    binary=True, clearsign=False, extra_args=["--pinentry-mode", "loopback", "--compress-algo", "none"])
        data = signed.data
        at = data.index(old)
        data = data[:at] + new + data[at + len(old):]
        result = self.seed_gpg.encrypt(data, [recipient], always_trust=True, extra_args=["--no-literal"])
        if not result.ok:
            raise RuntimeError("seed metadata encryption failed: %s" % result.status)
        return str(result)

    def _as_extension(self, plaintext, to_keys, signers, store):
        """Queue a message that openpgp.js writes as Passbolt's browser extension does (see extension.py);
        `store(armored)` puts it in place. The extension writes JSON with JSON.stringify: no blanks."""
        try:
            plaintext = json.dumps(json.loads(plaintext), separators=(",", ":"), ensure_ascii=False)
        except ValueError:
            pass  # a password-string secret: the password itself
        self._extension_jobs.append((
            {"text": plaintext, "encryption_keys": [self.keys[k]["public"] for k in to_keys],
             "signing_keys": [{"armored": self.keys[k]["private"], "passphrase": self.keys[k]["passphrase"]}
                              for k in signers]}, store))

    def _write_as_extension(self):
        """One Node run for every queued message (read back from the key cache when the keys and texts are the same)."""
        jobs, self._extension_jobs = self._extension_jobs, []
        for (dummy, store), armored in zip(jobs, extension.encrypt_many([job for job, dummy in jobs], self.key_cache)):
            store(armored)

    def _seed_resource(self, spec, now):
        owner = SD.user_id(spec["owner"])
        res = {"id": spec["id"], "resource_type_id": spec["resource_type_id"],
               "folder_parent_id": SD.FOLDER_IDS[spec["folder"]] if spec["folder"] else None,
               "created": now, "modified": now, "created_by": owner, "modified_by": owner,
               "deleted": False, "expired": None, "metadata": None, "metadata_key_id": None,
               "metadata_key_type": None, "name": None, "username": None, "uri": None, "description": None}
        if spec["metadata"] == "v4":
            res.update(name=spec["name"], username=spec["username"] or None,
                       uri=(spec["uris"][0] if spec["uris"] else None), description=spec["description"] or None)
        else:
            plain = json.dumps({"object_type": "PASSBOLT_RESOURCE_METADATA",
                                "resource_type_id": spec["resource_type_id"], "name": spec["name"],
                                "username": spec["username"], "uris": spec["uris"],
                                "description": spec["description"], "icon": None,
                                "custom_fields": spec.get("metadata_custom_fields") or []})
            if spec["metadata"] == "v5-shared":
                res.update(metadata_key_id=self.metadata_key_id, metadata_key_type="shared_key")
                if spec.get("writer") == "extension":
                    self._as_extension(plain, ["metadata"], [spec["owner"], "metadata"],
                                       lambda armored, res=res: res.update(metadata=armored))
                else:
                    res.update(metadata=self._seed_encrypt_metadata(plain, spec["owner"], spec.get("signing", "extension")))
            else:
                res.update(metadata_key_id=self.users[owner]["gpgkey"]["id"], metadata_key_type="user_key")
                if spec.get("writer") == "extension":
                    self._as_extension(plain, [spec["owner"]], [spec["owner"]],
                                       lambda armored, res=res: res.update(metadata=armored))
                else:
                    res.update(metadata=self._seed_encrypt(plain, spec["owner"], spec["owner"]))
        self.resources[res["id"]] = res
        self._add_permission("Resource", res["id"], "User", owner, OWNER)
        for share in spec["shared"]:
            if "user" in share:
                self._add_permission("Resource", res["id"], "User", SD.user_id(share["user"]), share["type"])
            else:
                self._add_permission("Resource", res["id"], "Group", SD.GROUP_IDS[share["group"]], share["type"])
        if spec["type"] in ("password-string", "v5-password-string"):
            plain_secret = spec["secret"]["password"]
        else:
            plain_secret = json.dumps(spec["secret"])
        for uid in sorted(self._users_with_access(res["id"])):
            if spec.get("writer") == "extension":
                self._set_secret(res["id"], uid, None, owner)
                self._as_extension(plain_secret, [self.users[uid]["short"]], [spec["owner"]],
                                   lambda armored, row=self.secrets[(res["id"], uid)]: row.update(data=armored))
            else:
                self._set_secret(res["id"], uid, self._seed_secret(plain_secret, self.users[uid]["short"], spec), owner)

    def _seed_secret(self, plaintext, to_short, spec):
        """A secret as the extension writes it (signed by the owner), or spec["secret_signing"]: none | bad."""
        signing = spec.get("secret_signing")
        if signing == "none":
            result = self.seed_gpg.encrypt(plaintext, [self.keys[to_short]["fingerprint"]], always_trust=True)
            return str(result)
        if signing == "bad":
            return self._seed_badly_signed(plaintext, self.keys[spec["owner"]], self.keys[to_short]["fingerprint"],
                                           b"pw-1", b"pw-2")
        return self._seed_encrypt(plaintext, to_short, spec["owner"])

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

    def _mfa_error_body(self, user):
        """MfaVerifyAjaxErrorController::get: the user's enabled providers and their verify URLs
        (MfaSettings::getProvidersVerifyUrls; none: two empty PHP arrays, [] in JSON)."""
        if not user["mfa"]:
            return {"mfa_providers": [], "providers": []}
        return {"mfa_providers": ["totp"], "providers": {"totp": self._full_base_url() + "/mfa/verify/totp.json"}}

    def _mfa_ok(self, request, user, ctx):
        token = request.cookies.get("passbolt_mfa")
        entry = self.mfa_tokens.get(token) if token else None
        return bool(entry and entry["user_id"] == user["id"] and ctx["session_id"] in entry["sessions"]
                    and (entry["expiry"] is None or entry["expiry"] > time.time()))

    def _full_base_url(self):
        return (self.config.get("full_base_url") or self.base_url).rstrip("/")

    def _secure(self):
        return self._full_base_url().startswith("https")

    # ------------------------------------------------------------------ formatting
    def fmt_profile(self, user):
        return {"id": str(uuid.uuid5(SD.NAMESPACE, "profile:" + user["id"])), "user_id": user["id"],
                "first_name": user["first_name"], "last_name": user["last_name"],
                "created": user["created"], "modified": user["modified"],
                "avatar": {"url": {"medium": "img/avatar/user_medium.png", "small": "img/avatar/user.png"}}}

    def fmt_role(self, user):
        return {"id": str(uuid.uuid5(SD.NAMESPACE, "role:" + user["role"])), "name": user["role"],
                "description": "Organization administrator" if user["role"] == "admin" else "Logged in user",
                "created": ROLES_CREATED, "modified": ROLES_CREATED}

    def fmt_user(self, user, gpgkey=False, profile=True, role=True, groups_users=False, mfa=False):
        """`last_logged_in` is a users column since 5.4 (migration V540AddLastLoggedInToUsers), set at each login
        (UpdateUserLastLoggedInListener), so every user row carries it. `mfa`: add is_mfa_enabled
        (IsMfaEnabledQueryService, only where the caller may see it)."""
        out = {"id": user["id"], "role_id": self.fmt_role(user)["id"], "username": user["username"],
               "active": user["active"], "deleted": user["deleted"], "disabled": None,
               "created": user["created"], "modified": user["modified"],
               "last_logged_in": user.get("last_logged_in")}
        if mfa:
            out["is_mfa_enabled"] = bool(user["mfa"])
        if profile:
            out["profile"] = self.fmt_profile(user)
        if role:
            out["role"] = self.fmt_role(user)
        if gpgkey:
            out["gpgkey"] = dict(user["gpgkey"])
        if groups_users:
            out["groups_users"] = [gu for g in self.groups.values() for gu in g["groups_users"]
                                   if gu["user_id"] == user["id"]]
        return out

    @staticmethod
    def isset_contains(request, allowed):
        """QueryStringComponent::get for contains: {name: bool} of the allowed `contain[x]` present.

        Unlisted names are dropped (unsetUnwantedQueryItems); true/1 and false/0 are booleans, any other value is a
        400 (validateContain). Finders that test `isset($options['contain'][x])` (folders, my_group_user, modifier)
        contain x even for contain[x]=0."""
        out = {}
        for key, values in request.query.items():
            match = re.match(r"^contain\[([^\]]+)\]$", key)
            if not match or match.group(1) not in allowed:
                continue
            value = normalize_boolean(values[0])
            if not isinstance(value, bool):
                raise HttpError(400, 'Invalid contain. "%s" is not a valid contain value.' % value)
            out[match.group(1)] = value
        return out

    def fmt_contained_user(self, user, profile=False, gpgkey=False, avatar=True):
        """A Users row reached through an association (Creator, Modifier, GroupsUsers.Users...): its columns,
        without the role or is_mfa_enabled that only UsersTable::findIndex adds. The profile has an `avatar`
        only where the finder adds AvatarsTable::addContainAvatar() (folders: yes; GroupsFindersTrait: no)."""
        out = self.fmt_user(user, gpgkey=gpgkey, profile=profile, role=False)
        out.pop("is_mfa_enabled", None)
        if profile and not avatar:
            out["profile"].pop("avatar", None)
        return out

    def fmt_group(self, group, uid, contain):
        """A group as GroupsFindersTrait::findIndex contains it; `contain` from isset_contains."""
        out = {k: group[k] for k in ("id", "name", "deleted", "created", "modified", "created_by", "modified_by")}

        def on(*names):
            return any(contain.get(n) for n in names)
        if "modifier" in contain or "modifier.profile" in contain:  # isset(): contain[modifier]=0 contains it too
            modifier = self.users.get(group["modified_by"])
            out["modifier"] = self.fmt_contained_user(modifier, profile="modifier.profile" in contain,
                                                      avatar=False) if modifier else None
        if on("users", "user"):  # belongsToMany through GroupsUsers: each user carries its _joinData row
            out["users"] = [dict(self.fmt_contained_user(self.users[gu["user_id"]]), _joinData=dict(gu))
                            for gu in group["groups_users"] if gu["user_id"] in self.users]
        if "my_group_user" in contain:
            out["my_group_user"] = next((dict(gu) for gu in group["groups_users"] if gu["user_id"] == uid), None)
        with_profile = on("groups_users.user.profile", "group_user.user.profile")
        with_gpgkey = on("groups_users.user.gpgkey", "group_user.user.gpgkey")
        with_user = with_profile or with_gpgkey or on("groups_users.user", "group_user.user")
        if with_user or on("groups_users", "group_user"):
            rows = []
            for gu in group["groups_users"]:
                row = dict(gu)
                if with_user:
                    user = self.users.get(gu["user_id"])
                    row["user"] = self.fmt_contained_user(user, profile=with_profile, gpgkey=with_gpgkey,
                                                          avatar=False) if user else None
                rows.append(row)
            out["groups_users"] = rows
        if "user_count" in contain:  # only ShareSearchController asks for it
            out["user_count"] = len(group["groups_users"])
        return out

    def fmt_permission(self, perm, request=None, prefix="permissions"):
        out = dict(perm)
        if request is not None:
            if perm["aro"] == "User" and (self.contains(request, prefix + ".user.profile")
                                          or self.contains(request, prefix + ".user")):
                user = self.users.get(perm["aro_foreign_key"])
                out["user"] = self.fmt_user(user, profile=self.contains(request, prefix + ".user.profile")) if user else None
            if perm["aro"] == "Group" and self.contains(request, prefix + ".group"):
                group = self.groups.get(perm["aro_foreign_key"])
                out["group"] = {k: group[k] for k in ("id", "name", "deleted", "created", "modified",
                                                      "created_by", "modified_by")} if group else None
        return out

    def fmt_resource_type(self, slug, with_definition=True, decoded=True):
        rtid = SD.resource_type_id(slug)
        name, description = RESOURCE_TYPE_NAMES[slug]
        out = {"id": rtid, "slug": slug, "name": name,
               "description": description, "created": "2020-01-01T00:00:00+00:00",
               "modified": "2020-01-01T00:00:00+00:00", "deleted": self.resource_types_deleted.get(slug)}
        if with_definition:
            # The index's result formatter json_decode()s the stored definition; a view returns the stored string.
            definition = resource_type_definition(slug)
            out["definition"] = definition if decoded else json.dumps(definition, separators=(",", ":"))
        return out

    def _folder_parent_for(self, uid, folder_id):
        """Passbolt keeps the parent per user: a folder the user cannot see is the root for them."""
        if folder_id and self._visible_folder(uid, folder_id) is not None:
            return folder_id
        return None

    def fmt_resource(self, res, uid, request):
        out = {"id": res["id"], "resource_type_id": res["resource_type_id"],
               "folder_parent_id": self._folder_parent_for(uid, res["folder_parent_id"]),
               "expired": res["expired"], "deleted": res["deleted"], "created": res["created"],
               "modified": res["modified"], "created_by": res["created_by"], "modified_by": res["modified_by"]}
        users = self._users_with_access(res["id"])
        out["personal"] = len(users) <= 1
        if res["metadata"] is not None:
            out.update(metadata=res["metadata"], metadata_key_id=res["metadata_key_id"],
                       metadata_key_type=res["metadata_key_type"])
        else:
            out.update(name=res["name"], username=res["username"], uri=res["uri"], description=res["description"])
        if self.contains(request, "secret"):
            secret = self.secrets.get((res["id"], uid))
            out["secrets"] = [dict(secret)] if secret else []
        if self.contains(request, "resource-type"):
            slug = next((s for s, i in SD.RESOURCE_TYPE_IDS.items() if i == res["resource_type_id"]), None)
            out["resource_type"] = self.fmt_resource_type(slug) if slug else None
        if self.contains(request, "permission"):
            perm = self._permission_of(uid, res["id"])
            out["permission"] = dict(perm) if perm else None
        if self.contains(request, "permissions") or self.contains(request, "permissions.user.profile") or \
                self.contains(request, "permissions.group"):
            out["permissions"] = [self.fmt_permission(p, request) for p in self._aco_permissions(res["id"])]
        if self.contains(request, "creator"):
            out["creator"] = self.fmt_user(self.users[res["created_by"]], role=False)
        if self.contains(request, "modifier"):
            out["modifier"] = self.fmt_user(self.users[res["modified_by"]], role=False)
        if self.contains(request, "favorite"):
            out["favorite"] = None
        return out

    def _child_item(self, item, uid, fields):
        """A contained child (ChildrenResources / ChildrenFolders): the raw row, every column, without the
        v4/v5 field pruning of the Metadata*RenderService that only the top-level items get; `_joinData` is
        hidden (Resource/Folder entities' $_hidden) or removed (FoldersIndexController)."""
        out = {k: item[k] for k in fields}
        out["folder_parent_id"] = self._folder_parent_for(uid, item["folder_parent_id"])
        out["personal"] = len(self._users_with_access(item["id"])) <= 1
        return out

    def fmt_folder(self, folder, uid, contain):
        """A folder as FoldersFindersTrait::findIndex gives it; `contain` from isset_contains: the finder tests
        isset($options['contain'][x]), so contain[x]=0 contains x too."""
        out = {k: folder[k] for k in ("id", "name", "created", "modified", "created_by", "modified_by")}
        out["folder_parent_id"] = self._folder_parent_for(uid, folder["folder_parent_id"])
        out["personal"] = len(self._users_with_access(folder["id"])) <= 1
        if "permission" in contain:
            perm = self._permission_of(uid, folder["id"])
            out["permission"] = dict(perm) if perm else None
        if {"permissions", "permissions.user.profile", "permissions.group"} & set(contain):
            rows = []
            for perm in self._aco_permissions(folder["id"]):
                row = dict(perm)
                if "permissions.user.profile" in contain:  # belongsTo Users: null for a group's row
                    user = self.users.get(perm["aro_foreign_key"]) if perm["aro"] == "User" else None
                    row["user"] = self.fmt_contained_user(user, profile=True) if user else None
                if "permissions.group" in contain:
                    group = self.groups.get(perm["aro_foreign_key"]) if perm["aro"] == "Group" else None
                    row["group"] = self.fmt_group(group, uid, {}) if group else None
                rows.append(row)
            out["permissions"] = rows
        if "children_resources" in contain:
            out["children_resources"] = [
                self._child_item(r, uid, ("id", "name", "username", "uri", "description", "deleted", "created",
                                          "modified", "created_by", "modified_by", "resource_type_id", "expired",
                                          "metadata", "metadata_key_id", "metadata_key_type"))
                for r in self.resources.values()
                if not r["deleted"] and self._permission_of(uid, r["id"])
                and self._folder_parent_for(uid, r["folder_parent_id"]) == folder["id"]]
        if "children_folders" in contain:
            out["children_folders"] = [
                dict(self._child_item(f, uid, ("id", "name", "created", "modified", "created_by", "modified_by")),
                     metadata=None, metadata_key_id=None, metadata_key_type=None)  # v4 folders: null columns
                for f in self.folders.values()
                if self._permission_of(uid, f["id"]) and self._folder_parent_for(uid, f["folder_parent_id"]) == folder["id"]]
        for role, field in (("creator", "created_by"), ("modifier", "modified_by")):
            if role in contain or role + ".profile" in contain:
                user = self.users.get(folder[field])
                out[role] = self.fmt_contained_user(user, profile=role + ".profile" in contain) if user else None
        return out

    # ------------------------------------------------------------------ routes
    def _register_routes(self):
        r = self.route
        r("GET", r"/")(self.h_home)
        r("GET", r"/auth/verify\.json")(self.h_verify_get)
        r("POST", r"/auth/verify\.json")(self.h_verify_post)
        r("POST", r"/auth/jwt/login\.json")(self.h_jwt_login)
        r("POST", r"/auth/jwt/refresh\.json")(self.h_jwt_refresh)
        r("POST", r"/auth/jwt/logout\.json")(self.h_jwt_logout)
        r("GET", r"/auth/jwt/rsa\.json")(self.h_jwt_rsa)
        r("GET", r"/auth/jwt/jwks\.json")(self.h_jwt_jwks)
        r("GET", r"/\.well-known/jwks\.json")(self.h_well_known_jwks)
        r("POST", r"/auth/login\.json")(self.h_gpgauth_login)
        r("GET", r"/auth/login\.json")(self.h_gpgauth_login_get)
        r("GET", r"/auth/logout\.json")(self.h_gpgauth_logout)
        r("POST", r"/auth/logout\.json")(self.h_gpgauth_logout)
        r("GET", r"/auth/is-authenticated\.json")(self.h_is_authenticated)
        r("GET", r"/healthcheck/status\.json")(lambda req: self.envelope(req, "OK", message="OK"))  # success(__('OK'), 'OK')
        r("GET", r"/settings\.json")(self.h_settings)
        r("GET", r"/mfa/verify/totp\.json")(self.h_mfa_get)
        r("GET", r"/mfa/verify/error\.json")(self.h_mfa_error)
        r("POST", r"/mfa/verify/error\.json")(self.h_mfa_error)
        r("PUT", r"/mfa/verify/error\.json")(self.h_mfa_error)
        r("DELETE", r"/mfa/verify/error\.json")(self.h_mfa_error)
        r("POST", r"/mfa/verify/totp\.json")(self.h_mfa_verify)
        r("GET", r"/users\.json")(self.h_users)
        r("GET", r"/users/(?P<uid>[^/]+)\.json")(self.h_user)
        r("GET", r"/groups\.json")(self.h_groups)
        r("GET", r"/groups/(?P<gid>[^/]+)\.json")(self.h_group)
        r("GET", r"/resource-types\.json")(self.h_resource_types)
        r("GET", r"/resource-types/(?P<tid>[^/]+)\.json")(self.h_resource_type)
        r("DELETE", r"/resource-types/(?P<tid>[^/]+)\.json")(self.h_resource_type_delete)
        r("PUT", r"/resource-types/(?P<tid>[^/]+)\.json")(self.h_resource_type_undelete)
        r("GET", r"/resources\.json")(self.h_resources)
        r("POST", r"/resources\.json")(self.h_resource_create)
        r("GET", r"/resources/(?P<rid>[^/]+)\.json")(self.h_resource_get)
        r("PUT", r"/resources/(?P<rid>[^/]+)\.json")(self.h_resource_update)
        r("DELETE", r"/resources/(?P<rid>[^/]+)\.json")(self.h_resource_delete)
        r("GET", r"/secrets/resource/(?P<rid>[^/]+)\.json")(self.h_secret)
        r("GET", r"/metadata/keys\.json")(self.h_metadata_keys)
        r("GET", r"/metadata/types/settings\.json")(self.h_metadata_types_settings)
        r("GET", r"/metadata/keys/settings\.json")(self.h_metadata_keys_settings)
        r("GET", r"/metadata/session-keys\.json")(self.h_metadata_session_keys)
        r("PUT", r"/metadata/keys/private/(?P<pid>[^/]+)\.json")(self.h_metadata_private_key_update)
        r("POST", r"/metadata/keys/private/(?P<pid>[^/]+)\.json")(self.h_metadata_private_key_update)
        r("PUT", r"/share/resource/(?P<rid>[^/]+)\.json")(self.h_share_resource)
        r("POST", r"/share/simulate/resource/(?P<rid>[^/]+)\.json")(self.h_share_simulate)
        r("PUT", r"/share/folder/(?P<fid>[^/]+)\.json")(self.h_share_folder)
        r("GET", r"/share/search-aros\.json")(self.h_search_aros)
        r("GET", r"/folders\.json")(self.h_folders)
        r("POST", r"/folders\.json")(self.h_folder_create)
        r("GET", r"/folders/(?P<fid>[^/]+)\.json")(self.h_folder_get)
        r("PUT", r"/folders/(?P<fid>[^/]+)\.json")(self.h_folder_update)
        r("DELETE", r"/folders/(?P<fid>[^/]+)\.json")(self.h_folder_delete)
        r("PUT", r"/move/resource/(?P<rid>[^/]+)\.json")(self.h_move_resource)
        r("PUT", r"/move/folder/(?P<fid>[^/]+)\.json")(self.h_move_folder)

    def h_home(self, req):
        """GET / (Pages/Home::apiExtApp). Not logged in: a browser is redirected to the login page
        (Application::getAuthenticationService sets unauthenticatedRedirect for non-JSON requests only);
        a JSON client gets the authentication error. Logged in: the page skeleton, or an empty envelope."""
        wants_json = "json" in (req.header("Accept") or "").lower()
        try:
            self.current_user(req)
        except HttpError:
            if wants_json:
                raise
            raise Redirect(self._full_base_url() + "/auth/login?redirect=%2F") from None
        if wants_json:
            return self.envelope(req, None)
        return Response(200, "<!DOCTYPE html><html><body><div id=\"container\" class=\"skeleton\"></div></body></html>",
                        "text/html; charset=UTF-8")

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

    def h_settings(self, req):
        """SettingsIndexController::index (allowUnauthenticated): a guest gets app.url/locale, passbolt.legal/edition
        and the plugins' whiteListPublic settings; a user also the version, debug, timezone, session timeout, image
        path and each plugin's version/enabled plus its whiteList settings. Only the plugins the imitation has are
        listed. contain[header]=0: the settings without the envelope."""
        try:
            user, dummy = self.current_user(req)
        except HttpError:
            user = None
        jwt = self.settings["jwt_enabled"]
        body = {"app": {"url": self._full_base_url() + "/", "locale": "en-UK"},  # GetOrgLocaleService::DEFAULT_LOCALE
                "passbolt": {"legal": {"privacy_policy": {"url": ""},
                                       "terms": {"url": "https://www.passbolt.com/terms"}},
                             "edition": "ce"}}
        if user is None:
            body["passbolt"]["plugins"] = {"jwtAuthentication": {"enabled": True}} if jwt else []
        else:
            body["app"].update({"version": dict(PASSBOLT_VERSION), "debug": 0, "server_timezone": "UTC",
                                "session_timeout": 24,  # session.gc_maxlifetime 1440 s / 60
                                "image_storage": {"public_path": "img/public/"}})
            body["passbolt"]["plugins"] = {
                "jwtAuthentication": {"version": "3.3.0", "enabled": True} if jwt else {"enabled": False},
                "multiFactorAuthentication": {"version": "1.1.0", "enabled": True},
                "metadata": {"version": "1.0.0", "enabled": True, "autoSetupClientSide": False},
                "folders": {"version": "2.0.0", "enabled": True}}
            for name, setting in (("resourceTypes", "resource_types_enabled"),
                                  ("totpResourceTypes", "totp_resource_types_enabled")):
                # config/default.php has `enabled`; the plugin's config/config.php, loaded with it, its version
                body["passbolt"]["plugins"][name] = {"version": "1.0.0", "enabled": True} \
                    if self.settings[setting] else {"enabled": False}
        header = req.arg("contain[header]")
        if header is not None and header.lower() in ("0", "false"):
            return Response(200, php_json(body), JSON_TYPE)
        return self.envelope(req, body)

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

    # -- MFA -----------------------------------------------------------------------------------
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

    # -- users & groups ------------------------------------------------------------------------
    def h_users(self, req):
        me, dummy = self.current_user(req)
        users = [u for u in self.users.values() if not u["deleted"] and (u["active"] or me["role"] == "admin")]
        search = self.search_keyword(req)
        if search:
            users = [u for u in users if like(search, u["username"], u["first_name"], u["last_name"])]
        groups = self.qlist(req, "filter[has-groups]")
        if groups:
            wanted = {g for v in groups for g in v.split(",")}
            users = [u for u in users if wanted <= self._user_groups(u["id"])]
        access = self.qlist(req, "filter[has-access]")
        if access:
            if len(access) > 1:
                raise HttpError(400, "Multiple has-access filters are not supported.")
            rid = access[0]
            if self._visible_resource(me["id"], rid) is None and self._visible_folder(me["id"], rid) is None:
                raise HttpError(403, "This operation is not allowed for this user.")
            with_access = self._users_with_access(rid)
            users = [u for u in users if u["id"] in with_access]
        if self._flag(req, "filter[is-admin]"):
            users = [u for u in users if u["role"] == "admin"]
        # AddIsMfaEnabledColumnToUsersGrid: contain[is_mfa_enabled] and filter[is-mfa-enabled] exist for admins only
        # (for others the query string component drops them); IsMfaEnabledQueryService::decorateAndFilterForIndex.
        with_mfa = me["role"] == "admin" and self.contains(req, "is_mfa_enabled")
        mfa_filter = req.arg("filter[is-mfa-enabled]") if me["role"] == "admin" else None
        if mfa_filter is not None:
            wanted = {"true": True, "1": True, "false": False, "0": False}.get(mfa_filter.lower())
            if wanted is None:
                raise HttpError(400, 'Invalid filter. "%s" is not a valid value for filter is-mfa-enabled.'
                                % mfa_filter)
            users = [u for u in users if bool(u["mfa"]) == wanted]
        users.sort(key=lambda u: u["username"])
        # UsersTable::findIndex contains gpgkey, profile, groups_users and role unless contain[x]=0 says otherwise
        return self.listing(req, [self.fmt_user(u, gpgkey=self._contain_default(req, "gpgkey"),
                                                profile=self._contain_default(req, "profile"),
                                                role=self._contain_default(req, "role"),
                                                groups_users=self._contain_default(req, "groups_users"),
                                                mfa=with_mfa)
                                  for u in users])

    @staticmethod
    def _contain_default(req, name):
        value = req.arg("contain[%s]" % name)
        return value is None or str(value).strip().lower() not in ("0", "false", "")

    def h_user(self, req, uid):
        me, dummy = self.current_user(req)
        user = me if uid == "me" else self.users.get(uid)
        if not is_uuid(uid) and uid != "me":
            raise HttpError(400, 'The user identifier should be a valid UUID or "me".')  # UsersViewController
        if user is None or user["deleted"] or (not user["active"] and me["role"] != "admin"):
            raise HttpError(404, "The user does not exist.")
        # IsMfaEnabledQueryService::decorateForView: is_mfa_enabled for an admin or for oneself
        return self.envelope(req, self.fmt_user(user, gpgkey=True, groups_users=True,
                                                mfa=me["role"] == "admin" or me["id"] == user["id"]))

    # GroupsIndexController / GroupsViewController contain allow-lists (user_count is not in them)
    GROUP_CONTAINS = ("modifier", "modifier.profile", "my_group_user", "users", "groups_users", "groups_users.user",
                      "groups_users.user.profile", "groups_users.user.gpgkey", "user", "group_user",
                      "group_user.user", "group_user.user.profile", "group_user.user.gpgkey")

    def h_groups(self, req):
        """GroupsIndexController: every non-deleted group for any user; filters has-users / has-managers (all the
        given users, as members / as managers); no pagination and no ORDER BY (the `order` parameter is dropped by
        QueryStringComponent::rewriteLegacyItems): the imitation answers in name order, one order a database may use."""
        me, dummy = self.current_user(req)
        contain = self.isset_contains(req, self.GROUP_CONTAINS)
        groups = [g for g in self.groups.values() if not g["deleted"]]
        has_users = self.qlist(req, "filter[has-users]")
        if has_users:
            wanted = {x for v in has_users for x in v.split(",")}
            groups = [g for g in groups if wanted <= {gu["user_id"] for gu in g["groups_users"]}]
        has_managers = self.qlist(req, "filter[has-managers]")
        if has_managers:
            wanted = {x for v in has_managers for x in v.split(",")}
            groups = [g for g in groups
                      if wanted <= {gu["user_id"] for gu in g["groups_users"] if gu["is_admin"]}]
        groups.sort(key=lambda g: g["name"])
        return self.envelope(req, [self.fmt_group(g, me["id"], contain) for g in groups])

    def h_group(self, req, gid):
        me, dummy = self.current_user(req)
        if not is_uuid(gid):
            raise HttpError(400, "The group id is not valid.")  # GroupsViewController
        contain = self.isset_contains(req, self.GROUP_CONTAINS)
        group = self.groups.get(gid)
        if group is None or group["deleted"]:
            raise HttpError(404, "The group does not exist.")
        return self.envelope(req, self.fmt_group(group, me["id"], contain))

    # -- resource types & metadata -------------------------------------------------------------
    def _assert_resource_types_plugin(self):
        """Without the ResourceTypes plugin its routes do not exist: a MissingRouteException, 404 "Not Found"."""
        if not self.settings["resource_types_enabled"]:
            raise HttpError(404, "Not Found")

    def h_resource_types(self, req):
        """ResourceTypesIndexController::index (passbolt.v5.enabled): the finder's types (every one with the
        TotpResourceTypes plugin, on by default; without it, not totp / password-description-totp), not deleted ones,
        or only deleted ones with filter[is-deleted]; contain[resources_count] (its non-deleted resources) for
        admins; no pagination (->all())."""
        self._assert_resource_types_plugin()
        me, dummy = self.current_user(req)
        deleted = self._bool_filter(req, "filter[is-deleted]")
        count = me["role"] == "admin" and self.contains(req, "resources_count")
        out = []
        for slug in SD.RESOURCE_TYPE_SLUGS:
            if slug in TOTP_TYPE_SLUGS and not self.settings["totp_resource_types_enabled"]:
                continue
            if (slug in self.resource_types_deleted) != bool(deleted):
                continue
            row = self.fmt_resource_type(slug)
            if count:
                row["resources_count"] = sum(1 for r in self.resources.values()
                                             if r["resource_type_id"] == row["id"] and not r["deleted"])
            out.append(row)
        return self.envelope(req, out)

    def h_resource_type(self, req, tid):
        """ResourceTypesViewController::view: the table's row, listed or not, deleted or not."""
        self._assert_resource_types_plugin()
        self.current_user(req)
        slug = next((s for s, i in SD.RESOURCE_TYPE_IDS.items() if i == tid), None)
        if not is_uuid(tid):
            raise HttpError(400, "The resource identifier should be a valid UUID.")  # sic, ResourceTypesViewController
        if slug is None:
            raise HttpError(404, "The resource type does not exist.")
        return self.envelope(req, self.fmt_resource_type(slug, decoded=False))

    def _resource_type_for_admin(self, req, tid):
        """ResourceTypesDelete/UpdateController and ResourceTypesDeleteService: an admin, a UUID, an existing type."""
        me, dummy = self.current_user(req)
        if me["role"] != "admin":
            raise HttpError(403, "Access restricted to administrators.")
        return me

    @staticmethod
    def _resource_type_slug(tid):
        if not is_uuid(tid):
            raise HttpError(400, "The resource type identifier should be a UUID.")
        slug = next((s for s, i in SD.RESOURCE_TYPE_IDS.items() if i == tid.lower()), None)
        if slug is None:
            raise HttpError(404, "The resource type does not exist.")
        return slug

    def h_resource_type_delete(self, req, tid):
        """DELETE /resource-types/{id}.json: ResourceTypesDeleteService::delete, a soft delete (`deleted` set).
        The "last of the default version" / "only one" checks count every stored type (deleted ones too) and never
        refuse with the 11 types of an install."""
        self._assert_resource_types_plugin()
        self._resource_type_for_admin(req, tid)
        slug = self._resource_type_slug(tid)
        if slug in self.resource_types_deleted:
            raise HttpError(400, "The resource type is already deleted.")
        if any(r["resource_type_id"] == SD.resource_type_id(slug) and not r["deleted"] for r in self.resources.values()):
            raise HttpError(400, "The resource type can not be deleted as resources of this type still exist.")
        self.resource_types_deleted[slug] = iso()
        return self.envelope(req, None)

    def h_resource_type_undelete(self, req, tid):
        """PUT /resource-types/{id}.json: ResourceTypesUpdateController (only `{"deleted": null}`), then
        ResourceTypesDeleteService::undoDelete."""
        self._assert_resource_types_plugin()
        self._resource_type_for_admin(req, tid)
        data = self.data(req)
        self.assert_not_empty_array_data(data)
        if "deleted" not in data or data["deleted"] is not None:
            raise HttpError(400, "The deleted field must be set to null.")
        if len(data) > 1:
            raise HttpError(400, "It is not allowed to update these resource type properties.")
        slug = self._resource_type_slug(tid)
        if slug not in self.resource_types_deleted:
            raise HttpError(400, "The resource type is not deleted.")
        del self.resource_types_deleted[slug]
        return self.envelope(req, None)

    def h_metadata_keys(self, req):
        """MetadataKeysIndexController + MetadataKeysIndexService::get: contains tested with isset(), filters
        `deleted`/`expired` as booleans (IS NOT NULL / IS NULL); no pagination component."""
        me, dummy = self.current_user(req)
        contain = self.isset_contains(req, ("metadata_private_keys", "creator", "creator.profile"))
        filters = {name: self._bool_filter(req, "filter[%s]" % name) for name in ("deleted", "expired")}
        filters = {name: wanted for name, wanted in filters.items() if wanted is not None}
        out = []
        for key in self.metadata_keys.values():
            if any((key[name] is not None) != wanted for name, wanted in filters.items()):
                continue
            row = dict(key)
            if "metadata_private_keys" in contain:
                row["metadata_private_keys"] = [dict(p) for p in self.metadata_private_keys.values()
                                                if p["metadata_key_id"] == key["id"] and p["user_id"] == me["id"]]
            if "creator" in contain or "creator.profile" in contain:
                creator = self.users.get(key["created_by"])
                row["creator"] = self.fmt_contained_user(creator, profile="creator.profile" in contain) \
                    if creator else None
            out.append(row)
        return self.envelope(req, out)

    def _types_settings(self):
        """MetadataTypesSettingsDto::toArray(), keys in its order (the sandbox is a server whose admin chose v5)."""
        s = self.settings
        return {"default_resource_types": s["metadata_default"], "default_folder_type": "v4",
                "default_tag_type": "v4", "default_comment_type": "v4",
                "allow_creation_of_v5_resources": s["allow_v5_create"], "allow_creation_of_v5_folders": False,
                "allow_creation_of_v5_tags": False, "allow_creation_of_v5_comments": False,
                "allow_creation_of_v4_resources": s["allow_v4_create"], "allow_creation_of_v4_folders": True,
                "allow_creation_of_v4_tags": True, "allow_creation_of_v4_comments": True,
                "allow_v5_v4_downgrade": s["allow_v5_v4_downgrade"], "allow_v4_v5_upgrade": s["allow_v4_v5_upgrade"]}

    def h_metadata_types_settings(self, req):
        self.current_user(req)
        return self.envelope(req, self._types_settings())

    def h_metadata_session_keys(self, req):
        """MetadataSessionKeysGetService: the caller's stored session keys; this imitation keeps none."""
        self.current_user(req)
        return self.envelope(req, [])

    def h_metadata_keys_settings(self, req):
        """MetadataKeysSettingsDto::toArray()."""
        self.current_user(req)
        return self.envelope(req, {"allow_usage_of_personal_keys": self.settings["allow_personal_keys"],
                                   "zero_knowledge_key_share": False})

    @staticmethod
    def assert_not_empty_array_data(data):
        """AppController::assertNotEmptyArrayData."""
        if not data:
            raise HttpError(400, "The request data can not be empty.")

    def h_metadata_private_key_update(self, req, pid):
        """PUT/POST /metadata/keys/private/{id}.json: MetadataPrivateKeysUpdateController::update, then
        MetadataPrivateKeysUpdateService::update. Only the caller's own row (user_id), once: a row the caller
        last modified is refused; `data` must be a message for the caller's key (MetadataPrivateKeysTable:
        ascii, not empty, parsable; rule IsValidEncryptedMetadataPrivateKey: no extra line before the end block,
        exactly one recipient, one of the user key's subkeys); its signature is not checked. The answer is the
        row, with `data`, `modified` and `modified_by` (the caller) updated."""
        me, dummy = self.current_user(req)
        data = self.data(req)
        self.assert_not_empty_array_data(data)
        if not is_uuid(pid):
            raise HttpError(400, "The private key identifier should be a UUID.")
        if not isinstance(data.get("data"), str):
            raise HttpError(400, "The request data is invalid.")
        row = next((r for r in self.metadata_private_keys.values()
                    if r["id"] == pid.lower() and r["user_id"] == me["id"]), None)
        if row is None:
            raise HttpError(404, "The metadata private key does not exist or has been deleted.")
        if row["modified_by"] == me["id"]:
            raise HttpError(400, "The metadata private key was already edited by the user.")
        armored, errors = data["data"], {}
        if armored == "":
            errors = {"_empty": "The data should not be empty."}
        else:
            if not armored.isascii():
                errors["ascii"] = "The data should be a valid ASCII string."
            # OpenPGPBackend::unarmor takes the text between the armor headers and "\n=": blank lines before the
            # end line do not make it unparsable (hasExtraBreakLine, a rule, refuses them)
            if not crypto.is_armored_message(re.sub(r"\n\s*\n(?=\s*-----END PGP MESSAGE-----)", "\n", armored)):
                errors["isValidOpenPGPMessage"] = "The message should be a valid ASCII-armored OpenPGP message."
        if not errors:
            lines = armored.strip().split("\n")
            extra_line = len(lines) < 2 or lines[-2] in ("", "0")  # OpenPGPBackend::hasExtraBreakLine (empty())
            if extra_line or not self._is_message_for_key(armored, me["gpgkey"]["fingerprint"]):
                errors = {"isValidEncryptedMetadataPrivateKey":
                          "The data is not valid. Please make sure it is encrypted for the correct key."}
        if errors:
            raise HttpError(400, "The metadata private key could not be validated.", {"data": errors})
        row.update(data=armored, modified=iso(), modified_by=me["id"])
        return self.envelope(req, dict(row))

    # -- resources -----------------------------------------------------------------------------
    def _visible_resources(self, uid):
        return [r for r in self.resources.values() if not r["deleted"] and self._permission_of(uid, r["id"])]

    def h_resources(self, req):
        me, dummy = self.current_user(req)
        items = self._visible_resources(me["id"])
        has_id = self.qlist(req, "filter[has-id]")
        if has_id:
            items = [r for r in items if r["id"] in set(has_id)]
        group = (self.qlist(req, "filter[is-shared-with-group]") or [None])[0]
        if group:
            items = [r for r in items if any(p["aro"] == "Group" and p["aro_foreign_key"] == group
                                             for p in self._aco_permissions(r["id"]))]
        if self._flag(req, "filter[is-owned-by-me]"):
            items = [r for r in items if self._permission_of(me["id"], r["id"])["type"] == OWNER]
        if self._flag(req, "filter[is-shared-with-me]"):
            items = [r for r in items if self._permission_of(me["id"], r["id"])["type"] != OWNER]
        if self._flag(req, "filter[is-favorite]"):
            items = []
        parents = self.qlist(req, "filter[has-parent]", keep_blank=True)
        if parents:  # an empty value is the root
            wanted = {p or None for p in parents}
            items = [r for r in items if self._folder_parent_for(me["id"], r["folder_parent_id"]) in wanted]
        mkt = req.arg("filter[metadata_key_type]")
        if mkt:
            if mkt not in ("user_key", "shared_key"):
                raise HttpError(400, 'Invalid filter. "%s" is not a valid value for filter metadata_key_type.' % mkt)
            items = [r for r in items if r["metadata_key_type"] == mkt]
        items.sort(key=lambda r: (r["name"] is not None, r["name"] or ""))  # ORDER BY Resources.name ASC
        return self.listing(req, [self.fmt_resource(r, me["id"], req) for r in items])

    @staticmethod
    def _flag(req, name):
        """A boolean filter that is true (see _bool_filter)."""
        return PassboltApp._bool_filter(req, name) is True

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

    def _get_resource_or_error(self, uid, rid):
        if not is_uuid(rid):
            raise HttpError(400, "The resource identifier should be a valid UUID.")
        res = self._visible_resource(uid, rid)
        if res is None:
            raise HttpError(404, "The resource does not exist.")
        return res

    def h_resource_get(self, req, rid):
        me, dummy = self.current_user(req)
        res = self._get_resource_or_error(me["id"], rid)
        return self.envelope(req, self.fmt_resource(res, me["id"], req))

    def h_secret(self, req, rid):
        """SecretsViewController: the caller's secret of the resource, whatever the reason it has none."""
        me, dummy = self.current_user(req)
        if not is_uuid(rid):
            raise HttpError(400, "The resource identifier should be a valid UUID.")
        res = self.resources.get(rid)
        secret = self.secrets.get((rid, me["id"])) if res is not None and not res["deleted"] else None
        if secret is None:
            raise HttpError(404, "The secret does not exist.")
        return self.envelope(req, dict(secret))

    # -- resource writes (ResourcesAddController, ResourcesUpdateController, ResourcesDeleteController) ----------
    def _resource_dto(self, me, data):
        """MetadataPopulateUserKeyIdTrait, then MetadataResourceDto: (the DTO's fields, is_v5)."""
        if (data.get("metadata") is not None and data.get("metadata_key_type") == "user_key"
                and data.get("metadata_key_id") is None):
            data = dict(data, metadata_key_id=me["gpgkey"]["id"])
        if any(data.get(k) is not None for k in V5_META_PROPS):
            if any(data.get(k) is None for k in V5_META_PROPS):
                raise HttpError(400, "Few fields are missing for the V5.")
            if any(data.get(k) is not None for k in V4_META_PROPS):
                raise HttpError(400, "V4 related fields are not supported for V5.")
        return {k: data[k] for k in DTO_PROPS if k in data}, data.get("metadata") is not None

    @staticmethod
    def _resource_values(dto, is_v5, force_default_type=False):
        """The resource fields a save patches: the DTO's metadata props, expired and the resource type
        (password-string when not given, or on a create without the ResourceTypes plugin: ResourcesAddService::
        buildEntity, ResourcesUpdateService::presetOrAssertResourceType)."""
        values = {k: dto[k] for k in (V5_META_PROPS if is_v5 else V4_META_PROPS) if k in dto}
        if "expired" in dto:
            values["expired"] = dto["expired"]
        rtid = None if force_default_type else dto.get("resource_type_id")
        values["resource_type_id"] = rtid if rtid is not None else SD.resource_type_id("password-string")
        # ResourcesTable::beforeMarshal: a password-and-description resource keeps its description in the secret
        if values["resource_type_id"] == SD.resource_type_id("password-and-description") and values.get("description"):
            values["description"] = None
        return values

    def _resource_errors(self, values, is_v5, creating, secrets_error, secret_rows):
        """ResourcesTable::validationDefault / validationV5 (fields in the validator's order), then the
        secrets' own errors (SecretsTable::validationSaveResource) keyed by position, as Entity::getErrors()."""
        errors = {}

        def fail(field, rule, message):
            errors.setdefault(field, {})[rule] = message

        if not is_v5:
            for field, limit in (("name", 255), ("username", 255), ("uri", 1024), ("description", 10000)):
                if field not in values:
                    if field == "name" and creating:
                        fail("name", "_required", "A name is required.")
                    continue
                value = values[field]
                if value is None or value == "":
                    if field == "name":
                        fail("name", "_empty", "The name should not be empty.")
                    continue
                if field == "uri" and not _is_utf8(value, extended=False):
                    fail("uri", "utf8", "The uri should be a valid BMP-UTF8 string.")
                elif field != "uri" and not _is_utf8(value):
                    fail(field, "utf8Extended", "The %s should be a valid UTF8 string." % field)
                if not isinstance(value, (str, int, float)) or len(str(value)) > limit:
                    fail(field, "maxLength", "The %s length should be maximum %d characters." % (field, limit))
        if values.get("expired") not in (None, "") and _parse_datetime(values["expired"]) is None:
            fail("expired", "expired", "The date could not be parsed.")
        rtid = values["resource_type_id"]
        slugs = V5_TYPE_SLUGS if is_v5 else V4_TYPE_SLUGS
        if not is_uuid(rtid):
            fail("resource_type_id", "uuid", "The resource type identifier should be a valid UUID.")
        if rtid not in [SD.resource_type_id(s) for s in slugs]:
            fail("resource_type_id", "inList", "The resource type should be one of the following: %s."
                 % ", ".join(slugs))
        if secrets_error:
            errors["secrets"] = secrets_error
        if is_v5:
            if values["metadata_key_id"] != "" and not is_uuid(values["metadata_key_id"]):
                fail("metadata_key_id", "uuid", "The metadata key ID should be a valid UUID.")
            metadata = values["metadata"]
            if metadata == "":
                fail("metadata", "_empty", "The metadata should not be empty.")
            else:
                if not isinstance(metadata, str) or not metadata.isascii():
                    fail("metadata", "ascii", "The metadata should be a valid ASCII string.")
                if not crypto.is_armored_message(metadata):
                    fail("metadata", "isMetadataParsable",
                         "The message should be a valid ASCII-armored OpenPGP message.")
            mkt = values["metadata_key_type"]
            if mkt != "":
                if not _is_utf8(mkt):
                    fail("metadata_key_type", "utf8Extended", "The metadata key type should be a valid UTF8 string.")
                if mkt not in ("user_key", "shared_key"):
                    fail("metadata_key_type", "inList",
                         "The metadata key type should be one of the following: user_key, shared_key.")
        if not secrets_error and secret_rows:
            by_row = {}
            for index, row in enumerate(secret_rows):
                row_errors = self._secret_row_errors(row)
                if row_errors:
                    by_row[index] = row_errors
            if by_row:
                errors["secrets"] = _php_array(by_row)
        return errors

    @staticmethod
    def _secret_row_errors(row):
        """SecretsTable::validationSaveResource for a new secret (user_id, data)."""
        errors = {}
        if "user_id" not in row:
            errors["user_id"] = {"_required": "A user identifier is required."}
        elif row["user_id"] in (None, ""):
            errors["user_id"] = {"_empty": "The user identifier should not be empty."}
        elif not is_uuid(row["user_id"]):
            errors["user_id"] = {"uuid": "The user identifier should be a valid UUID."}
        if "data" not in row:
            errors["data"] = {"_required": "A message is required."}
        elif row["data"] in (None, ""):
            errors["data"] = {"_empty": "The message should not be empty."}
        elif _message_errors(row["data"]):
            errors["data"] = _message_errors(row["data"])
        return errors

    def _resource_rule_errors(self, res, values, is_v5, secret_users):
        """ResourcesTable::buildRules and, for v5 payloads, buildRulesV5, on the patched resource.
        `res`: the stored resource (None on create); `secret_users`: user ids of the secrets sent on update."""
        errors = {}
        creating = res is None

        def fail(field, rule, message):
            errors.setdefault(field, {})[rule] = message

        new_type = values["resource_type_id"]
        # buildRules resource_type_is_not_soft_deleted (IsNotSoftDeletedRule), create and update: the type the
        # resource gets must not be soft-deleted (a type the index no longer lists). Not checked: whether the index
        # lists it otherwise (the TotpResourceTypes plugin only changes the index).
        if next((s for s, i in SD.RESOURCE_TYPE_IDS.items() if i == new_type), None) in self.resource_types_deleted:
            fail("resource_type_id", "resource_type_is_not_soft_deleted", "The resource type should not be deleted.")
        if not creating:
            if secret_users is not None:
                allowed = self._active_users_with_access(res["id"])
                if len(secret_users) != len(allowed) or allowed - set(secret_users):
                    fail("secrets", "secrets_provided",
                         "The secrets should contain the secrets of all the users having access to the resource.")
            if _type_version(res["resource_type_id"]) == "v5" and _type_version(new_type) == "v4" \
                    and not self.settings["allow_v5_v4_downgrade"]:
                fail("resource_type_id", "v5_to_v4_downgrade_allowed",
                     "The settings selected by your administrator prevent from downgrading resource type.")
        if not is_v5:
            return errors
        mkt, mkid = values["metadata_key_type"], values["metadata_key_id"]
        if mkt == "user_key" and not self.settings["allow_personal_keys"]:
            fail("metadata_key_type", "isMetadataKeyTypeAllowedBySettings",
                 "The settings selected by your administrator prevent from using that key type.")
        if mkt == "user_key":  # any user's key (Gpgkeys table)
            key = next((u["gpgkey"] for u in self.users.values() if u["gpgkey"]["id"] == mkid), None)
            not_expired = key is not None and key["expires"] is None
            key = key if key is not None and not key["deleted"] else None
        else:
            key = self.metadata_keys.get(mkid)
            not_expired = key is not None and key["expired"] is None
            key = key if key is not None and key["deleted"] is None else None
        if key is None:
            fail("metadata_key_id", "metadata_key_exists", "The metadata key does not exist or was deleted.")
        if not not_expired:
            fail("metadata_key_id", "isMetadataKeyNotExpired", "The metadata key is marked as expired.")
        if creating and new_type == SD.resource_type_id("v5-password-string"):
            fail("resource_type_id", "isNotV5PasswordStringType",
                 "It is not allowed to create v5-password-string resource types.")
        if key is None or not self._is_message_for_key(values["metadata"], key["fingerprint"]):
            fail("metadata", "isValidEncryptedResourceMetadata", "The resource metadata provided can not be decrypted.")
        if not creating:
            perms = self._aco_permissions(res["id"])
            if mkt == "user_key" and (len(perms) != 1 or perms[0]["aro"] == "Group"):
                fail("metadata_key_type", "isMetadataKeyTypeSharedOnSharedItem",
                     "A resource of type personal cannot be shared with other users or a group.")
            if res["metadata"] is None and not self.settings["allow_v4_v5_upgrade"]:
                fail("metadata", "v4_to_v5_upgrade_allowed",
                     "The settings selected by your administrator prevent from upgrading v4 to v5.")
        return errors

    def _is_message_for_key(self, armored, fingerprint):
        """IsValidEncryptedMetadataRule: exactly one recipient, one of the key's subkeys (its primary key when it
        has none), as MessageRecipientValidationService::isMessageForRecipient."""
        recipients = crypto.message_recipients(armored)
        if len(recipients) != 1:
            return False
        if fingerprint not in self._key_ids:
            for key in self.gpg.list_keys():
                subkeys = [sub[0].upper() for sub in key.get("subkeys") or []]
                self._key_ids[key["fingerprint"]] = set(subkeys) or {key["keyid"].upper()}
        return recipients[0] in self._key_ids.get(fingerprint, ())

    def _active_users_with_access(self, aco_id):
        """Users::findIndex(Role::USER) with filter has-access: active, not deleted."""
        return {uid for uid in self._users_with_access(aco_id)
                if uid in self.users and self.users[uid]["active"] and not self.users[uid]["deleted"]}

    def _render_resource(self, res, uid, is_v5):
        """findView(contain creator, favorite, modifier, secret, permission), then
        MetadataResourcesRenderService::renderResource: the payload's version decides which fields go."""
        out = self.fmt_resource(res, uid, _Contain("creator", "favorite", "modifier", "secret", "permission"))
        for key in V4_META_PROPS + V5_META_PROPS:
            out[key] = res[key]
        for key in V4_META_PROPS if is_v5 else V5_META_PROPS:
            del out[key]
        return out

    def _check_secrets(self, rows, expected_users, errors, exact=True):
        """Validate a secrets array: [{user_id?, data}]. Returns {user_id: data}."""
        if not isinstance(rows, list) or not rows:
            errors["secrets"] = {"_required": "The owner secret is required."}
            return {}
        out = {}
        for idx, row in enumerate(rows):
            if not isinstance(row, dict):
                errors.setdefault("secrets", {})[str(idx)] = {"data": {"_required": "A message is required."}}
                continue
            uid = row.get("user_id")
            if not crypto.is_armored_message(row.get("data")):
                errors.setdefault("secrets", {})[str(idx)] = {
                    "data": {"isValidOpenPGPMessage": "The message should be a valid ASCII-armored OpenPGP message."}}
                continue
            out[uid] = row["data"]
        if "secrets" in errors:
            return {}
        if exact and set(out) != set(expected_users):
            errors["secrets"] = {"secrets_provided": "The secrets should contain the secrets of all the users "
                                                     "having access to the resource."}
            return {}
        if not exact and not set(out) <= set(expected_users):
            errors["secrets"] = {"secrets_provided": SECRETS_PROVIDED}
        return out

    def h_resource_create(self, req):
        me, dummy = self.current_user(req)
        dto, is_v5 = self._resource_dto(me, self.data(req))
        # MetadataSettingsAwareTrait::assertCreationAllowedByMetadataSettings (creation only)
        if is_v5 and not self.settings["allow_v5_create"]:
            raise HttpError(400, "Resource creation/modification with encrypted metadata not allowed.")
        if not is_v5 and not self.settings["allow_v4_create"]:
            raise HttpError(400, "Resource creation with cleartext metadata not allowed.")
        values = self._resource_values(dto, is_v5, force_default_type=not self.settings["resource_types_enabled"])
        # ResourcesAddService::buildEntity: the first secret is the creator's, whatever user_id says
        rows, secrets_error = dto.get("secrets", _MISSING), None
        if rows is _MISSING:
            secrets_error = {"_required": "The owner secret is required."}
        elif rows is None:
            secrets_error = {"_empty": "The secrets should not be empty."}
        else:
            rows = [dict(rows[0], user_id=me["id"])] + rows[1:] if isinstance(rows, list) and rows \
                and isinstance(rows[0], dict) else [{}]
            if len(rows) > 1:
                secrets_error = {"hasAtMost": "The secrets should contain only the secret of the owner."}
        rows = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
        errors = self._resource_errors(values, is_v5, True, secrets_error, rows)
        if errors:
            raise validation_error(errors)
        errors = self._resource_rule_errors(None, values, is_v5, None)
        if errors:
            raise validation_error(errors)
        # Folders' ResourcesAfterCreateService, after the save (rolled back on error)
        folder_id = dto.get("folder_parent_id")
        if folder_id is not None:
            perm = self._permission_of(me["id"], folder_id) if is_uuid(folder_id) else None
            if not is_uuid(folder_id):
                errors = {"uuid": "The folder parent identifier should be a valid UUID."}
            elif folder_id not in self.folders:
                errors = {"folder_exists": "The folder parent does not exist."}
            elif perm is None or perm["type"] < UPDATE:
                errors = {"has_folder_access": "You are not allowed to create content into the parent folder."}
            if errors:
                raise validation_error({"folder_parent_id": errors})
        now = iso()
        rid = str(uuid.uuid4())
        res = {"id": rid, "folder_parent_id": folder_id, "created": now, "modified": now, "created_by": me["id"],
               "modified_by": me["id"], "deleted": False, "expired": None, "metadata": None, "metadata_key_id": None,
               "metadata_key_type": None, "name": None, "username": None, "uri": None, "description": None}
        res.update(values)
        res["expired"] = _parse_datetime(res["expired"])
        self.resources[rid] = res
        # Only the owner's permission: inheriting a shared folder's permissions is the client's job (a share call).
        self._add_permission("Resource", rid, "User", me["id"], OWNER)
        self._set_secret(rid, me["id"], rows[0]["data"], me["id"])
        return self.envelope(req, self._render_resource(res, me["id"], is_v5),
                             message="The resource has been added successfully.")

    def h_resource_update(self, req, rid):
        me, dummy = self.current_user(req)
        if not is_uuid(rid):
            raise HttpError(400, "The resource identifier should be a valid UUID.")
        dto, is_v5 = self._resource_dto(me, self.data(req))
        # ResourcesUpdateService::getResource: the caller's highest permission (none for a deleted resource)
        perm = self._permission_of(me["id"], rid)
        res = self.resources.get(rid)
        if perm is None or res is None or res["deleted"]:
            raise HttpError(404, "The resource does not exist.")
        if perm["type"] < UPDATE:
            raise HttpError(403, "You are not allowed to update this resource.")
        if (not self.settings["resource_types_enabled"] and dto.get("resource_type_id") is not None
                and dto["resource_type_id"] != SD.resource_type_id("password-string")):
            raise HttpError(400, "Additional resource types are not enabled on this server.")  # presetOrAssert...
        values = self._resource_values(dto, is_v5)
        if is_v5:  # v4 fields cleared (an upgrade)
            values.update(name=None, username=None, uri=None, description=None)
        rows = dto.get("secrets") or None  # Hash::get(..., 'secrets', []) then empty(): no secret update
        if rows is not None:
            rows = [r for r in (rows if isinstance(rows, list) else []) if isinstance(r, dict)]
        errors = self._resource_errors(values, is_v5, False, None, rows)
        if errors:
            raise validation_error(errors)
        errors = self._resource_rule_errors(res, values, is_v5, None if rows is None else
                                            [r.get("user_id") for r in rows])
        if errors:
            raise validation_error(errors)
        if _type_version(res["resource_type_id"]) == "v5" and _type_version(values["resource_type_id"]) == "v4":
            # MetadataResourceUpdateListener: an allowed downgrade drops the encrypted metadata
            values.update(metadata=None, metadata_key_id=None, metadata_key_type=None)
        res.update(values)
        if "expired" in values:
            res["expired"] = _parse_datetime(values["expired"])
        res["modified"] = iso()
        res["modified_by"] = me["id"]
        for row in rows or []:
            # new secret rows (the SecretRevisions plugin keeps the old ones as a revision)
            self.secrets.pop((rid, row["user_id"]), None)
            self._set_secret(rid, row["user_id"], row["data"], me["id"])
        return self.envelope(req, self._render_resource(res, me["id"], is_v5),
                             message="The resource has been updated successfully.")

    def h_resource_delete(self, req, rid):
        """ResourcesDeleteController + ResourcesTable::softDelete: update permission needed (403 when the caller
        only reads it, 404 when it cannot see it); username, uri and description are cleared."""
        me, dummy = self.current_user(req)
        res = self._get_resource_or_error(me["id"], rid)
        if self._permission_of(me["id"], rid)["type"] < UPDATE:
            raise HttpError(403, "You do not have the permission to delete this resource.")
        res.update(deleted=True, modified=iso(), modified_by=me["id"], username=None, uri=None, description=None)
        for key in [k for k in self.secrets if k[0] == rid]:
            del self.secrets[key]
        for pid in [p["id"] for p in self._aco_permissions(rid)]:
            del self.permissions[pid]
        return self.envelope(req, None, message="The resource has been deleted successfully.")

    # -- sharing -------------------------------------------------------------------------------
    # Messages of PermissionsTable::validationDefault / buildRules and PermissionsUpdatePermissionsService.
    PERMISSION_NOT_FOUND = "The permission does not exist."
    AT_LEAST_ONE_OWNER = "At least one owner permission must be provided."

    @staticmethod
    def _php_str(value):
        """(string)$value for a PHP scalar (Validation::inList compares strings); None for anything else."""
        if isinstance(value, bool):
            return "1" if value else ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, (int, float, str)):
            return str(value)
        return None

    @staticmethod
    def _php_rows(data, what):
        """(index, row) of a decoded JSON array as PHP iterates it; keys of a JSON object are ints when they
        look like ints (json_decode), anything else: `what` says which 400 (or a TypeError, a 500, for a
        value that is not an array at all: the services' parameters are typed `array`)."""
        if data is None:
            return []
        if isinstance(data, list):
            return list(enumerate(data))
        if not isinstance(data, dict):
            raise TypeError("%s must be an array" % what)
        return [(int(k) if re.match(r"^(0|-?[1-9][0-9]*)$", k) else k, v) for k, v in data.items()]

    @staticmethod
    def _row_errors(index, errors):
        """[index => errors] as json_encode writes it: a list for index 0, an object otherwise."""
        return [errors] if index == 0 else {str(index): errors}

    @staticmethod
    def _php_truthy(value):
        return value not in (None, False, 0, 0.0, "", "0", [], {})

    def _new_permission_errors(self, current, aro, aro_id, ptype):
        """PermissionsCreateService: validationDefault first (all fields), then buildRules (all rules)."""
        errors = {}
        if aro in (None, ""):
            errors["aro"] = {"_empty": "The access request object type should not be empty."}
        elif self._php_str(aro) not in ("Group", "User"):
            errors["aro"] = {"inList": "The access request object type should be one of the following: Group, User."}
        if aro_id in (None, ""):
            errors["aro_foreign_key"] = {"_empty": "The identifier of the access request object should not be empty."}
        elif not is_uuid(aro_id):
            errors["aro_foreign_key"] = {"uuid": "The identifier of the access request object should be a valid "
                                                 "UUID."}
        if ptype in (None, ""):
            errors["type"] = {"_empty": "The type should not be empty."}
        elif self._php_str(ptype) not in ("1", "7", "15"):
            errors["type"] = {"inList": "The type should be one of the following: 1, 7, 15."}
        if errors:
            return errors
        if any(p["aro_foreign_key"] == aro_id for p in current):
            errors["aco_foreign_key"] = {"permission_unique": "A permission already exists for the given access "
                                                              "control object and access request object."}
        if aro == "User":
            user = self.users.get(aro_id)
            exists = user is not None and not user["deleted"] and user["active"]
        else:
            group = self.groups.get(aro_id)
            exists = group is not None and not group["deleted"]
        if not exists:
            errors["aro_foreign_key"] = {"aro_exists": "The access request object does not exist."}
        return errors

    def _apply_share(self, aco, aco_id, rows):
        """PermissionsUpdatePermissionsService::updatePermissions on a copy of the ACO's permissions.

        Returns (new permission rows, removed rows, errors or None). Rows apply in order (a row sees the rows
        before it) and the first refused row stops everything, as the service throws on it."""
        current = [dict(p) for p in self._aco_permissions(aco_id)]
        removed = []
        for index, row in self._php_rows(rows, "permissions"):
            if not isinstance(row, (dict, list)):
                raise HttpError(400, "The permissions data must be an array.")
            if not isinstance(index, int):
                raise HttpError(400, "The permissions data array keys must be integers.")
            row = row if isinstance(row, dict) else {}
            pid = row.get("id")
            if pid is None:
                aro, aro_id, ptype = row.get("aro", ""), row.get("aro_foreign_key", ""), row.get("type", "")
                errors = self._new_permission_errors(current, aro, aro_id, ptype)
                if errors:
                    return current, removed, self._row_errors(index, errors)
                current.append({"id": None, "aco": aco, "aco_foreign_key": aco_id, "aro": aro,
                                "aro_foreign_key": aro_id, "type": int(self._php_str(ptype))})
                continue
            if not isinstance(pid, str):
                raise TypeError("getPermission(string $permissionId)")
            perm = next((p for p in current if p["id"] == pid), None)
            if perm is None:
                return current, removed, self._row_errors(index, {"id": {"exists": self.PERMISSION_NOT_FOUND}})
            if self._php_truthy(row.get("delete")):
                current.remove(perm)
                removed.append(perm)
            elif "type" in row and row["type"] != perm["type"]:  # updatePermission: no type, no change
                ptype = row["type"]
                if ptype in (None, ""):
                    error = {"_empty": "The type should not be empty."}
                elif self._php_str(ptype) not in ("1", "7", "15"):
                    error = {"inList": "The type should be one of the following: 1, 7, 15."}
                else:
                    perm["type"] = int(self._php_str(ptype))
                    continue
                return current, removed, self._row_errors(index, {"type": error})
        if not any(p["type"] == OWNER for p in current):
            return current, removed, {"at_least_one_owner": self.AT_LEAST_ONE_OWNER}
        return current, removed, None

    def _save_permissions(self, aco_id, new_perms):
        for pid in [p["id"] for p in self._aco_permissions(aco_id)]:
            del self.permissions[pid]
        now = iso()
        for perm in new_perms:
            row = dict(perm)
            if row["id"] is None:
                row["id"] = str(uuid.uuid4())
                row["created"] = now
                row["modified"] = now
            elif self.permissions.get(row["id"], row)["type"] != row["type"]:
                row["modified"] = now
            self.permissions[row["id"]] = row

    def _share_checks(self, me, rid):
        """ShareController::_assertRequestParameters: 404 only for a missing or deleted resource; a resource
        the caller cannot see or only reads is a 403."""
        if not is_uuid(rid):
            raise HttpError(400, "The resource identifier should be a valid UUID.")
        res = self.resources.get(rid)
        if res is None or res["deleted"]:
            raise HttpError(404, "The resource does not exist.")
        perm = self._permission_of(me["id"], rid)
        if perm is None or perm["type"] < OWNER:
            raise HttpError(403, "You are not authorized to share this resource.")
        if res["metadata"] is not None and res["metadata_key_type"] == "user_key":
            raise HttpError(400, "Resource metadata key type is invalid.")
        return res

    def _share_permissions(self, rid, data):
        """ResourcesShareService::updatePermissions: (new rows, removed rows), or the 400."""
        new_perms, removed, errors = self._apply_share("Resource", rid, data.get("permissions"))
        if errors is not None:
            raise validation_error({"permissions": errors}, "Could not validate resource data.")
        return new_perms, removed

    def h_share_simulate(self, req, rid):
        """ShareController::dryRun: the users who would gain / lose access (groups expanded)."""
        me, dummy = self.current_user(req)
        self._share_checks(me, rid)
        new_perms, dummy = self._share_permissions(rid, self.data(req))
        before = self._users_with_access(rid)
        after = self._expand(new_perms)
        return self.envelope(req, {"changes": {
            "added": [{"User": {"id": uid}} for uid in sorted(after - before)],
            "removed": [{"User": {"id": uid}} for uid in sorted(before - after)]}})

    def _share_secret_errors(self, row, uid, has_secret, added, after):
        """Secrets table validation (data; user_id on create), then its create rules, for one share secret."""
        errors = {}
        update = uid in has_secret  # SecretsUpdateSecretsService::updateSecret patches `data` only
        if not update:
            if uid in (None, ""):
                errors["user_id"] = {"_empty": "The user identifier should not be empty."}
            elif not is_uuid(uid):
                errors["user_id"] = {"uuid": "The user identifier should be a valid UUID."}
        data = row.get("data", "")
        if "data" in row or not update:
            if data in (None, ""):
                errors["data"] = {"_empty": "The message should not be empty."}
            elif _message_errors(data):
                errors["data"] = _message_errors(data)
        if errors or update:
            return errors
        user = self.users.get(uid)
        user_errors = {}
        if uid in added:
            user_errors["secret_unique"] = "A secret already exists for the given user and resource."
            user_errors["secret_revision_unique"] = ("A secret already exists for the given user, resource and "
                                                     "secret revision.")
        if user is None:
            user_errors["user_exists"] = "The user does not exist."
        if user is None or user["deleted"]:
            user_errors["user_is_not_soft_deleted"] = "The user does not exist."
        if user_errors:
            errors["user_id"] = user_errors
        if uid not in after:
            errors["resource_id"] = {"has_resource_access": "Access denied."}
        return errors

    def _share_secrets(self, rid, rows, after):
        """SecretsUpdateSecretsService::updateSecrets: update the secrets of users who have one, add the others
        (each must have access once the permissions changed), drop those of users who lost access, then every
        user with access must have a secret. Returns ({user_id: data}, errors or None)."""
        has_secret = {uid for (res_id, uid) in self.secrets if res_id == rid}
        written = {}
        for index, row in self._php_rows(rows, "secrets"):
            if not isinstance(row, dict):
                raise TypeError("a secrets row must be an array")
            uid = row.get("user_id")
            errors = self._share_secret_errors(row, uid, has_secret, set(written) - has_secret, after)
            if errors:
                return written, self._row_errors(index, errors)
            if uid in has_secret and "data" not in row:
                continue
            written[uid] = row["data"]
        with_secret = has_secret | set(written)
        if after:  # deleteLostAccessSecrets
            with_secret &= after
        if with_secret != after:
            return written, {"secrets_provided": SECRETS_PROVIDED}
        return written, None

    def h_share_resource(self, req, rid):
        """ShareController::share / ResourcesShareService::share; the answer's body is null."""
        me, dummy = self.current_user(req)
        self._share_checks(me, rid)
        data = self.data(req)
        new_perms, dummy = self._share_permissions(rid, data)
        after = self._expand(new_perms)
        written, errors = self._share_secrets(rid, data.get("secrets"), after)
        if errors is not None:
            raise validation_error({"secrets": errors}, "Could not validate resource data.")
        self._save_permissions(rid, new_perms)
        for uid, payload in written.items():
            self._set_secret(rid, uid, payload, me["id"])
        for (res_id, uid) in [k for k in self.secrets if k[0] == rid]:
            if after and uid not in after:
                del self.secrets[(res_id, uid)]
        return self.envelope(req, None)

    def h_share_folder(self, req, fid):
        """FoldersShareController / FoldersShareService::share. An existing folder the caller does not own is a
        403 (the folder is found without an access check); no permission rows: nothing is checked or changed.
        The answer is the folder as loaded before the change (its `personal` included); `modified` is kept."""
        me, dummy = self.current_user(req)
        if not is_uuid(fid):
            raise HttpError(400, "The folder id is not valid.")
        folder = self.folders.get(fid)
        if folder is None:
            raise HttpError(404, "The folder does not exist.")
        perm = self._permission_of(me["id"], fid)
        if perm is None or perm["type"] < OWNER:
            raise HttpError(403, "You are not allowed to update the permissions of this folder.")
        answer = self.fmt_folder(folder, me["id"], {})
        rows = self.data(req).get("permissions")
        if not self._php_truthy(rows):
            return self.envelope(req, answer)
        was_personal = len(self._users_with_access(fid)) <= 1
        new_perms, dummy, errors = self._apply_share("Folder", fid, rows)
        if errors is not None:
            raise validation_error({"permissions": errors}, "Could not validate folder data.")
        added = any(p["id"] is None for p in new_perms)
        self._save_permissions(fid, new_perms)
        if was_personal and added:  # moveSelfOrganizedContentWithInsufficientPermissionToRoot
            for item in list(self.folders.values()) + [r for r in self.resources.values() if not r["deleted"]]:
                if item["folder_parent_id"] == fid and self._permission_of(me["id"], item["id"]) is not None \
                        and self._permission_of(me["id"], item["id"])["type"] < UPDATE:
                    item["folder_parent_id"] = None
        return self.envelope(req, answer)

    def h_search_aros(self, req):
        """ShareSearchController::searchArosToShareWith: at most 25 active users and 25 groups, merged and sorted
        by lower-cased username / name, without pagination. No contain: users get gpgkey, profile, groups_users
        and role (UsersTable::findIndex defaults); any allowed contain turns the other two of
        groups_users/gpgkey/role off. Groups carry user_count, and groups_users when asked."""
        me, dummy = self.current_user(req)
        search = self.search_keyword(req) or ""
        asked = self.isset_contains(req, ("groups_users", "gpgkey", "role"))
        if asked:
            contain = dict({"groups_users": False, "gpgkey": False, "role": False}, **asked)
        else:
            contain = {"groups_users": True, "gpgkey": True, "role": True}
        users = [u for u in sorted(self.users.values(), key=lambda u: u["username"])
                 if u["active"] and not u["deleted"] and like(search, u["username"], u["first_name"], u["last_name"])][:25]
        groups = [g for g in sorted(self.groups.values(), key=lambda g: g["name"])
                  if not g["deleted"] and like(search, g["name"])][:25]
        out = [(u["username"].lower(), self.fmt_user(u, gpgkey=contain["gpgkey"], role=contain["role"],
                                                     groups_users=contain["groups_users"])) for u in users]
        group_contain = {"user_count": True, "groups_users": bool(asked.get("groups_users"))}
        out += [(g["name"].lower(), self.fmt_group(g, me["id"], group_contain)) for g in groups]
        out.sort(key=lambda pair: pair[0])
        return self.envelope(req, [item for dummy, item in out])

    # -- folders -------------------------------------------------------------------------------
    # Contain allow-lists of FoldersIndexController / FoldersViewController, and of the create and update
    # controllers (which re-read the folder with them, without the creator/modifier profiles).
    FOLDER_CONTAINS = ("children_resources", "children_folders", "creator", "creator.profile", "modifier",
                       "modifier.profile", "permission", "permissions", "permissions.user.profile", "permissions.group")
    FOLDER_WRITE_CONTAINS = ("children_folders", "children_resources", "creator", "modifier", "permission",
                             "permissions", "permissions.group", "permissions.user.profile")

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

    def h_folders(self, req):
        """FoldersIndexController: the caller's folders (any permission), paginated, Folders.name ASC; filters
        has-id, has-parent ("", "0", "false": the root), search (case-insensitive LIKE on the name)."""
        me, dummy = self.current_user(req)
        contain = self.isset_contains(req, self.FOLDER_CONTAINS)
        items = [f for f in self.folders.values() if self._permission_of(me["id"], f["id"])]
        has_id = self.qlist(req, "filter[has-id]")
        if has_id:
            items = [f for f in items if f["id"] in set(has_id)]
        search = self.search_keyword(req)
        if search:
            items = [f for f in items if like(search, f["name"])]
        parents = [v for key, vals in req.query.items() if key in ("filter[has-parent]", "filter[has-parent][]")
                   or re.match(r"filter\[has-parent\]\[\d+\]$", key) for v in vals]
        if parents:
            wanted = set()
            for value in parents:
                if value in ("", "0", "false"):
                    wanted.add(None)
                elif is_uuid(value):
                    wanted.add(value)
                else:
                    raise HttpError(400, 'Invalid filter. "%s" is not a valid parent id for filter has-parent.' % value)
            items = [f for f in items if self._folder_parent_for(me["id"], f["folder_parent_id"]) in wanted]
        items.sort(key=lambda f: f["name"].lower())
        return self.listing(req, [self.fmt_folder(f, me["id"], contain) for f in items])

    def h_folder_get(self, req, fid):
        me, dummy = self.current_user(req)
        if not is_uuid(fid):
            raise HttpError(400, "The folder id is not valid.")
        contain = self.isset_contains(req, self.FOLDER_CONTAINS)
        has_id = self.qlist(req, "filter[has-id]")
        folder = self._visible_folder(me["id"], fid)
        if folder is None or (has_id and fid not in has_id):
            raise HttpError(404, "The folder does not exist.")
        return self.envelope(req, self.fmt_folder(folder, me["id"], contain))

    @staticmethod
    def _folder_dto(data):
        """MetadataFolderDto::fromArray (typed ?string properties: anything else is a TypeError, a 500).
        Returns True for a v5 folder (metadata given)."""
        for field in ("name", "folder_parent_id", "metadata", "metadata_key_id", "metadata_key_type"):
            if data.get(field) is not None and not isinstance(data[field], str):
                raise TypeError("MetadataFolderDto::$%s must be ?string" % field)
        given = [f for f in ("metadata", "metadata_key_id", "metadata_key_type") if data.get(f) is not None]
        if not given:
            return False
        if len(given) < 3:
            raise HttpError(400, "Few fields are missing for the V5.")
        if data.get("name") is not None:
            raise HttpError(400, "V4 related fields are not supported for V5.")
        return True

    def _check_folder_name(self, name, errors):
        """FoldersTable::validationDefault; the DTO always passes `name` (null when absent), so a missing
        name is "_empty", never "_required"; blanks are a name."""
        if name is None or name == "":
            errors["name"] = {"_empty": "The name should not be empty."}
        elif len(name) > 256:
            errors["name"] = {"maxLength": "The name length should be maximum 256 characters."}

    def _check_parent(self, me, parent_id, errors):
        """FoldersCreateService::validateParentFolder: any existing folder passes folder_exists; one the
        caller cannot see or only reads is has_folder_access."""
        if parent_id is None:
            return
        if not is_uuid(parent_id):
            errors["folder_parent_id"] = {"uuid": "The folder parent id should be a valid UUID."}
        elif parent_id not in self.folders:
            errors["folder_parent_id"] = {"folder_exists": "The folder parent must exist."}
        elif (self._permission_of(me["id"], parent_id) or {"type": 0})["type"] < UPDATE:
            errors["folder_parent_id"] = {"has_folder_access": "You are not allowed to create content into "
                                                               "the parent folder."}

    def h_folder_create(self, req):
        """FoldersCreateController: the name is validated before the parent; the answer carries only the contains
        asked for in the query string."""
        me, dummy = self.current_user(req)
        data = self.data(req)
        if self._folder_dto(data):  # the imitation's metadata types settings refuse v5 folders
            raise HttpError(400, "Folder creation/modification with encrypted metadata not allowed.")
        errors = {}
        self._check_folder_name(data.get("name"), errors)
        if not errors:
            self._check_parent(me, data.get("folder_parent_id"), errors)
        if errors:
            raise validation_error(errors, "Could not validate folder data.")
        contain = self.isset_contains(req, self.FOLDER_WRITE_CONTAINS)
        now = iso()
        fid = str(uuid.uuid4())
        folder = {"id": fid, "name": data["name"], "folder_parent_id": data.get("folder_parent_id"),
                  "created": now, "modified": now, "created_by": me["id"], "modified_by": me["id"], "personal": True}
        self.folders[fid] = folder
        self._add_permission("Folder", fid, "User", me["id"], OWNER)
        return self.envelope(req, self.fmt_folder(folder, me["id"], contain),
                             message="The folder has been added successfully.")

    def h_folder_update(self, req, fid):
        """FoldersUpdateController: no permission 404, read-only 403; only the name changes."""
        me, dummy = self.current_user(req)
        if not is_uuid(fid):
            raise HttpError(400, "The folder id is not valid.")
        data = self.data(req)
        self._folder_dto(data)
        perm = self._permission_of(me["id"], fid)
        if perm is None:
            raise HttpError(404, "The folder does not exist.")
        if perm["type"] < UPDATE:
            raise HttpError(403, "You are not allowed to update this folder.")
        folder = self.folders[fid]
        errors = {}
        self._check_folder_name(data.get("name"), errors)
        if errors:
            raise validation_error(errors, "Could not validate folder data.")
        contain = self.isset_contains(req, self.FOLDER_WRITE_CONTAINS)
        folder.update(name=data["name"], modified=iso(), modified_by=me["id"])
        return self.envelope(req, self.fmt_folder(folder, me["id"], contain),
                             message="The folder has been updated successfully.")

    def h_folder_delete(self, req, fid):
        """FoldersDeleteController / FoldersDeleteService: a folder that exists but that the caller cannot
        update (or see) is a 403."""
        me, dummy = self.current_user(req)
        if not is_uuid(fid):
            raise HttpError(400, "The folder id is not valid.")
        cascade = req.query.get("cascade", [None])[0] if "cascade" in req.query else False
        if isinstance(cascade, str):  # QueryStringComponent::normalizeBoolean; other strings break delete(bool)
            if cascade.lower() in ("true", "1"):
                cascade = True
            elif cascade.lower() in ("false", "0"):
                cascade = False
            else:
                raise TypeError("FoldersDeleteService::delete(bool $cascade)")
        folder = self.folders.get(fid)
        if folder is None:
            raise HttpError(404, "The folder does not exist.")
        if (self._permission_of(me["id"], fid) or {"type": 0})["type"] < UPDATE:
            raise HttpError(403, "You are not allowed to delete this folder.")
        self._delete_folder(me, folder, cascade)
        return self.envelope(req, None, message="The folder has been deleted successfully.")

    def _delete_folder(self, me, folder, cascade):
        """Without cascade every item in the folder goes to the root. With cascade, the items below it that the
        caller can update (user or group permission >= 7) go too (resources soft-deleted, folders deleted, their
        content walked); the others go to the root, and a kept folder's content stays in it."""
        fid = folder["id"]
        deleted_folders = []
        if cascade:
            level = [fid]
            while level:
                nxt = []
                for item in [f for f in self.folders.values() if f["folder_parent_id"] in level] + \
                        [r for r in self.resources.values() if r["folder_parent_id"] in level and not r["deleted"]]:
                    deletable = (self._permission_of(me["id"], item["id"]) or {"type": 0})["type"] >= UPDATE
                    if not deletable:
                        item["folder_parent_id"] = None
                    elif item["id"] in self.folders:
                        deleted_folders.append(item)
                        nxt.append(item["id"])
                    else:
                        self._cascade_soft_delete_resource(me, item)
                level = nxt
        else:
            for item in list(self.folders.values()) + list(self.resources.values()):
                if item["folder_parent_id"] == fid:
                    item["folder_parent_id"] = None
        for gone in deleted_folders + [folder]:
            for pid in [p["id"] for p in self._aco_permissions(gone["id"])]:
                del self.permissions[pid]
            del self.folders[gone["id"]]

    def _cascade_soft_delete_resource(self, me, res):
        """ResourcesTable::softDelete: deleted, v4 username/uri/description cleared, secrets and permissions gone."""
        res.update(deleted=True, folder_parent_id=None, modified=iso(), modified_by=me["id"])
        if res["metadata"] is None:
            res.update(username=None, uri=None, description=None)
        for key in [k for k in self.secrets if k[0] == res["id"]]:
            del self.secrets[key]
        for pid in [p["id"] for p in self._aco_permissions(res["id"])]:
            del self.permissions[pid]

    def _move(self, req, obj_id, kind):
        """PUT /move/{resource|folder}/{id}.json as FoldersRelationsMoveController."""
        me, dummy = self.current_user(req)
        if not is_uuid(obj_id):
            raise HttpError(400, "The object identifier should be a valid UUID.")
        data = self.data(req)
        move_errors = "Could not validate move data."
        if "folder_parent_id" not in data:
            raise validation_error({"folder_parent_id": {"_required": "A folder parent identifier is required."}},
                                   move_errors)
        parent = data["folder_parent_id"]
        if parent is not None and not is_uuid(parent):
            raise validation_error({"folder_parent_id": {
                "uuid": "The folder parent identifier should be a valid UUID."}}, move_errors)
        if kind == "Resource":
            item = self._visible_resource(me["id"], obj_id)
        else:
            item = self._visible_folder(me["id"], obj_id)
        if item is None:
            raise HttpError(404, "The object to move does not exist.")
        if parent is not None and self._visible_folder(me["id"], parent) is None:
            raise validation_error({"folder_parent_id": {"folder_exists": "The folder parent does not exist."}},
                                   move_errors)
        current = self._folder_parent_for(me["id"], item["folder_parent_id"])
        can_update_item = self._permission_of(me["id"], obj_id)["type"] >= UPDATE
        if current is not None and len(self._users_with_access(current)) > 1:
            if self._permission_of(me["id"], current)["type"] < UPDATE:
                raise validation_error({"folder_parent_id": {"has_folder_access": "You are not allowed to move this "
                                                             "item out of its parent folder."}}, move_errors)
            if not can_update_item:
                raise validation_error({"folder_parent_id": {"has_access": "You are not allowed to move this item."}},
                                       move_errors)
        if parent is not None and len(self._users_with_access(parent)) > 1:
            if self._permission_of(me["id"], parent)["type"] < UPDATE:
                raise validation_error({"folder_parent_id": {"has_folder_access": "You are not allowed to create "
                                                             "content into the parent folder."}}, move_errors)
            if not can_update_item:
                raise validation_error({"folder_parent_id": {"has_access": "You are not allowed to move an item in "
                                                             "read only into the parent folder."}}, move_errors)
        if kind == "Folder":
            node = parent
            while node is not None:
                if node == obj_id:  # FoldersRelationsMoveItemInUserTreeService::assertCycleFree
                    raise validation_error({"folder_parent_id": {"cycle": "The folder cannot be moved into one of "
                                                                 "its descendants."}}, move_errors)
                node = self.folders[node]["folder_parent_id"]
        item["folder_parent_id"] = parent  # only the folders relations change, not the item's `modified`
        return self.envelope(req, None, message="The object has been moved successfully.")

    def h_move_resource(self, req, rid):
        return self._move(req, rid, "Resource")

    def h_move_folder(self, req, fid):
        return self._move(req, fid, "Folder")

    # ------------------------------------------------------------------ env & admin
    def env(self, base_url):
        ada = SD.USERS["ada"]
        return {"PASSBOLT_BASE_URL": base_url, "PASSBOLT_USER_ID": ada["id"],
                "PASSBOLT_PRIVATE_KEY": self.keys["ada"]["private"], "PASSBOLT_PASSPHRASE": ada["passphrase"],
                "PASSBOLT_SERVER_FINGERPRINT": self.server_fpr}

    def _register_admin(self):
        a = self.admin

        @a("GET", "users")
        def _users(req):
            out = []
            for short, spec in SD.USERS.items():
                key = self.keys[short]
                out.append({"short": short, "id": spec["id"], "username": spec["username"], "key_type": spec["key"],
                            "fingerprint": key["fingerprint"], "private_key": key["private"],
                            "public_key": key["public"], "passphrase": key["passphrase"],
                            "active": self.users[spec["id"]]["active"] if spec["id"] in self.users else spec["active"],
                            "totp_secret": SD.MFA_TOTP_SECRETS.get(short)})
            return Response.json(out)

        @a("GET", "settings")
        def _get_settings(req):
            return Response.json(dict(self.settings))

        @a("POST", "settings")
        def _settings(req):
            data = req.json() if req.body else {}
            for key, value in data.items():
                if key not in self.settings:
                    return Response.json({"error": "unknown setting", "name": key}, status=400)
                if key == "metadata_default" and value not in ("v4", "v5"):
                    return Response.json({"error": "metadata_default must be v4 or v5"}, status=400)
                self.settings[key] = int(value) if key in ("access_token_ttl", "expire_next_tokens") else value
            return Response.json(dict(self.settings))

        @a("GET", "bench-secrets")
        def _bench_secrets(req):
            ada = SD.user_id("ada")
            return Response.json([{"data": self.secrets[(spec["id"], ada)]["data"]} for spec in self._bench_resources()
                                  if (spec["id"], ada) in self.secrets])

        @a("GET", "tokens")
        def _tokens(req):
            return Response.json({"access_tokens": list(self.issued_tokens),
                                  "refresh_tokens": sorted(self.refresh_tokens)})

        @a("POST", "rotate-server-key")
        def _rotate(req):
            return Response.json({"fingerprint": self._rotate_server_key()})

        @a("POST", "tamper")
        def _tamper(req):
            mode = (req.json() if req.body else {}).get("mode", "none")
            if mode not in ("verify_token", "signature", "none"):
                return Response.json({"error": "mode must be verify_token, signature or none"}, status=400)
            self.tamper_mode = mode
            return Response.json({"mode": mode})

        @a("POST", "reseed")
        def _reseed(req):
            self.seed((req.json() if req.body else {}).get("profile", "test"))
            return Response.json({"ok": True})

        @a("GET", "state")
        def _state(req):
            resources = []
            for res in self.resources.values():
                if res["deleted"]:
                    continue
                resources.append({
                    "id": res["id"], "name": res["name"], "resource_type_id": res["resource_type_id"],
                    "metadata_key_type": res["metadata_key_type"], "folder_parent_id": res["folder_parent_id"],
                    "permissions": [{"aro": p["aro"], "aro_foreign_key": p["aro_foreign_key"], "type": p["type"],
                                     "id": p["id"]} for p in self._aco_permissions(res["id"])],
                    "secrets_for": sorted(uid for (rid, uid) in self.secrets if rid == res["id"]),
                    "modified": res["modified"]})
            folders = [{"id": f["id"], "name": f["name"], "folder_parent_id": f["folder_parent_id"],
                        "permissions": [{"aro": p["aro"], "aro_foreign_key": p["aro_foreign_key"],
                                         "type": p["type"], "id": p["id"]} for p in self._aco_permissions(f["id"])]}
                       for f in self.folders.values()]
            return Response.json({"resources": resources, "folders": folders, "settings": dict(self.settings),
                                  "server_fingerprint": self.server_fpr})


class _NoContain:
    query = {}


class _Contain:
    def __init__(self, *names):
        self.query = {"contain[%s]" % n: ["1"] for n in names}


# (name, description) of each type as the migrations insert them: V300AddResourceTypesDefaultData,
# V400AddTotpResourceTypes, V4101ReAddV5ResourceTypes, V530AddCustomFieldStandaloneResourceType,
# V560AddStandaloneNoteResourceType, V5120AddStandalonePinCodeResourceType (config/Migrations/).
RESOURCE_TYPE_NAMES = {
    "password-string": ("Simple password",
                        "The original passbolt resource type, where the secret is a non empty string."),
    "password-and-description": ("Password with description",
                                 "A resource with the password and the description encrypted."),
    "totp": ("Standalone TOTP", "A resource with standalone TOTP fields."),
    "password-description-totp": ("Password, Description and TOTP",
                                  "A resource with encrypted password, description and TOTP fields."),
    "v5-password-string": ("Simple Password (Deprecated)",
                           "The original passbolt resource type, kept for backward compatibility reasons."),
    "v5-default": ("Default resource type", "The new default resource type introduced with v5."),
    "v5-totp-standalone": ("Standalone TOTP", "The new standalone TOTP resource type introduced with v5."),
    "v5-default-with-totp": ("Default resource type with TOTP",
                             "The new default resource type with a TOTP introduced with v5."),
    "v5-custom-fields": ("Standalone custom fields", "A resource with standalone custom fields."),
    "v5-note": ("Standalone note", "A resource with standalone notes."),
    "v5-pin-code": ("Standalone pin code", "A resource with a standalone pin code."),
}


def _string_or_null(max_length):
    return {"anyOf": [{"type": "string", "maxLength": max_length}, {"type": "null"}]}


# plugins/PassboltCe/ResourceTypes/src/Model/Definition/SlugDefinition.php, key order kept (the view answers the
# stored JSON text).
_TOTP_SCHEMA = {"type": "object", "required": ["secret_key", "digits", "algorithm"], "properties": {
    "algorithm": {"type": "string", "minLength": 4, "maxLength": 6},
    "secret_key": {"type": "string", "maxLength": 1024},
    "digits": {"type": "number", "minimum": 6, "exclusiveMaximum": 9},
    "period": {"type": "number"}}}
_V5_NAME = {"type": "string", "maxLength": 255}
_V5_URIS = {"type": "array", "items": {"anyOf": [{"type": "string", "maxLength": 1024}, {"type": "null"}]},
            "maxItems": 32}
_V5_ICON = {"type": "object", "required": [], "properties": {
    "type": {"type": "string", "enum": ["keepass-icon-set", "passbolt-icon-set"]},
    "value": {"type": "integer", "minimum": 0},
    "background_color": {"anyOf": [{"type": "string", "pattern": "^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$"},
                                   {"type": "null"}]}}}
_V5_OBJECT_TYPE = {"type": "string", "enum": ["PASSBOLT_SECRET_DATA"]}
_V5_PASSWORD = {"type": "string", "maxLength": 4096}
_V5_PIN_CODE = {"type": "string", "minLength": 4, "maxLength": 12, "pattern": "^\\d+$"}
_CUSTOM_FIELD_TYPES = {"type": "string", "enum": ["text", "password", "boolean", "number", "uri"]}


def _custom_fields_schema(prefix):
    value = {"anyOf": [{"type": "string", "maxLength": 20000}, {"type": "number"}, {"type": "boolean"},
                       {"type": "null"}]}
    return {"type": "array", "maxItems": 128, "items": {"type": "object", "required": ["id", "type"], "properties": {
        "id": {"type": "string", "format": "uuid"}, "type": _CUSTOM_FIELD_TYPES,
        prefix + "_key": _string_or_null(255), prefix + "_value": value}}}


def _v5_resource(*names, required=("name",)):
    schemas = {"name": _V5_NAME, "username": _string_or_null(255), "uris": _V5_URIS,
               "description": _string_or_null(10000), "icon": _V5_ICON,
               "custom_fields": _custom_fields_schema("metadata")}
    return {"type": "object", "required": list(required), "properties": {n: schemas[n] for n in names}}


def _v5_secret(required, *names):
    schemas = {"object_type": _V5_OBJECT_TYPE, "password": _V5_PASSWORD, "description": _string_or_null(50000),
               "totp": _TOTP_SCHEMA, "custom_fields": _custom_fields_schema("secret"), "pin_code": _V5_PIN_CODE}
    return {"type": "object", "required": list(required), "properties": {n: schemas[n] for n in names}}


def resource_type_definition(slug):
    """The definition a fresh passbolt_api 5.x install stores: v4 types from V320FixResourceTypesDefaultData as
    V350IncreaseResourcesNameUsernameLengthInResourceTypes left them, the others from SlugDefinition."""
    v4_properties = {"name": {"type": "string", "maxLength": 255}, "username": _string_or_null(255),
                     "uri": _string_or_null(1024)}
    if slug == "password-string":
        return {"resource": {"type": "object", "required": ["name"],
                             "properties": dict(v4_properties, description=_string_or_null(10000))},
                "secret": {"type": "string", "maxLength": 4096}}
    if slug == "password-and-description":
        return {"resource": {"type": "object", "required": ["name"], "properties": v4_properties},
                "secret": {"type": "object", "required": ["password"], "properties": {
                    "password": {"type": "string", "maxLength": 4096}, "description": _string_or_null(10000)}}}
    if slug == "totp":
        return {"resource": {"type": "object", "required": ["name"],
                             "properties": {"name": {"type": "string", "maxLength": 255}, "uri": _string_or_null(1024)}},
                "secret": {"type": "object", "required": ["totp"], "properties": {"totp": _TOTP_SCHEMA}}}
    if slug == "password-description-totp":
        return {"resource": {"type": "object", "required": ["name"], "properties": v4_properties},
                "secret": {"type": "object", "required": ["password", "totp"], "properties": {
                    "password": {"type": "string", "maxLength": 4096}, "description": _string_or_null(10000),
                    "totp": _TOTP_SCHEMA}}}
    if slug == "v5-password-string":
        return {"resource": _v5_resource("name", "username", "uris", "description", "icon"), "secret": _V5_PASSWORD}
    if slug == "v5-default":
        return {"resource": _v5_resource("name", "username", "uris", "description", "icon", "custom_fields"),
                "secret": _v5_secret(["password"], "object_type", "password", "description", "custom_fields")}
    if slug == "v5-default-with-totp":
        return {"resource": _v5_resource("name", "username", "uris", "description", "icon", "custom_fields"),
                "secret": _v5_secret(["password", "totp"], "object_type", "password", "description", "totp",
                                     "custom_fields")}
    if slug == "v5-totp-standalone":
        return {"resource": _v5_resource("name", "uris", "description", "icon"),
                "secret": _v5_secret(["totp"], "object_type", "totp")}
    if slug == "v5-custom-fields":
        return {"resource": _v5_resource("name", "uris", "description", "icon", "custom_fields",
                                         required=("name", "custom_fields")),
                "secret": _v5_secret(["object_type", "custom_fields"], "object_type", "custom_fields")}
    if slug == "v5-note":
        return {"resource": _v5_resource("name", "uris", "description", "icon"),
                "secret": _v5_secret(["description", "object_type"], "object_type", "description")}
    if slug == "v5-pin-code":
        return {"resource": _v5_resource("name", "description", "icon"),
                "secret": _v5_secret(["pin_code", "object_type"], "object_type", "pin_code", "description")}
    raise KeyError(slug)


def create_app(config=None):
    return PassboltApp(config)
