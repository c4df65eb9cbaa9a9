# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Passbolt helpers above the thin API layer: credentials, login, resources, metadata, secrets, folders.

Lookups and modules build a `PassboltClient(options)`; everything it decrypts is registered
with its Redactor. Reusable pieces for writers (create, update, share):
`encrypt_for_users`, `encrypt_metadata`, `users_with_keys`, `resolve_folder`, `secret_plaintext`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.pwman.secrets.plugins.module_utils._connection import (
    build_http_client,
    checked_base_url,
    connection_argument_spec,
    env_fallback_to,
)
from ansible_collections.pwman.secrets.plugins.module_utils._error_shapes import passbolt_error_message
from ansible_collections.pwman.secrets.plugins.module_utils._errors import (
    ApiError,
    ConfigError,
    PwmanError,
    Redactor,
)
from ansible_collections.pwman.secrets.plugins.module_utils._gpg import GpgContext, GpgError, normalize_fingerprint
from ansible_collections.pwman.secrets.plugins.module_utils._options import (
    ENVIRONMENT,
    KEY_CONTENT_ONLY,
    OptionAdapter,
    named_file,
    verify_word,
)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_api import PassboltApi
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_auth import (
    AuthError,
    authenticate,
    check_auth_method,
    server_key_changed,
)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_folders import (
    check_folder,
    folder_entry,
    path_of,
    resolve_path,
)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_signatures import (
    METADATA_KEY,
    SERVER,
    YOU,
    SignatureError,
    SignaturePolicy,
    user,
)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_types import ResourceType, ResourceTypes

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# The resource types every Passbolt server has: ids are UUIDv5 of resource-types.id.<slug>.
RESOURCE_TYPE_NAMESPACE = uuid.UUID("d5447ca1-950f-459d-8b20-86ddfdd0f922")
RESOURCE_TYPE_SLUGS = ("password-string", "password-and-description", "totp", "password-description-totp",
                       "v5-default", "v5-password-string", "v5-default-with-totp", "v5-totp-standalone",
                       "v5-custom-fields", "v5-note", "v5-pin-code")
RESOURCE_TYPES = {str(uuid.uuid5(RESOURCE_TYPE_NAMESPACE, "resource-types.id." + slug)): slug
                  for slug in RESOURCE_TYPE_SLUGS}
RESOURCE_TYPE_IDS = {slug: rid for rid, slug in RESOURCE_TYPES.items()}
# Types whose secret plaintext is the password itself, not JSON.
STRING_SECRET_TYPES = ("password-string", "v5-password-string")
# A metadata key the server lists without a private key for you (GET /metadata/keys.json, contain[metadata_private_keys]).
NOT_SHARED = ("with zero-knowledge key sharing an administrator shares it from Passbolt's browser extension (it "
              "offers to when they sign in); without it the server shares it when your account setup completes.")
CREDENTIAL_OPTIONS = ("user_id", "private_key", "private_key_file", "passphrase", "server_fingerprint", "auth",
                      "mfa_totp_secret", "mfa_totp_code", "account_kit")


def is_uuid(value):
    return bool(UUID_RE.match(str(value or "").strip()))


# -- account kit ----------------------------------------------------------------------------------
def parse_account_kit(value, content_only=False):
    """The Passbolt account kit (a file path, or its content): base64 of a clear-signed JSON message.

    Plain JSON and base64 of plain JSON are accepted too. Returns the dict (domain, user_id,
    username, user_private_armored_key, server_public_armored_key, ...). With `content_only`
    (the AWX plugins), a path is never read: it is content that is not a kit.
    """
    if value is None or not str(value).strip():
        raise ConfigError("Option 'account_kit' is empty.")
    text = str(value).strip()
    path = named_file("account_kit", str(value), content_only)
    if path:
        try:
            with open(path, "r", encoding="utf-8") as handle:
                text = handle.read().strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError("Option 'account_kit': cannot read %s: %s" % (path, exc.__class__.__name__)) from None
    elif (not content_only and "\n" not in text and len(text) < 4096 and not text.startswith("{")
          and (text.endswith(".passbolt") or os.sep in text)):
        raise ConfigError("Option 'account_kit': no such file: %s" % os.path.expanduser(text))
    if not text.startswith(("{", "-----BEGIN")):
        try:
            text = base64.b64decode("".join(text.split()), validate=True).decode("utf-8").strip()
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise ConfigError("Option 'account_kit' is neither %sJSON, nor base64 of a Passbolt account kit."
                              % ("" if content_only else "a file, ")) from None
    if text.startswith("-----BEGIN PGP SIGNED MESSAGE-----"):
        text = _clearsigned_text(text)
    try:
        kit = json.loads(text)
    except ValueError:
        raise ConfigError("Option 'account_kit': the account kit does not hold JSON.") from None
    if not isinstance(kit, dict):
        raise ConfigError("Option 'account_kit': the account kit is not a JSON object.")
    missing = [k for k in ("domain", "user_id", "user_private_armored_key") if not kit.get(k)]
    if missing:
        raise ConfigError("Option 'account_kit': the account kit lacks %s." % ", ".join(missing))
    return kit


def _clearsigned_text(armored):
    """The signed text of a clear-signed OpenPGP message (RFC 4880 7.1), dash-escaping undone."""
    lines = armored.replace("\r\n", "\n").split("\n")
    try:
        start = lines.index("") + 1  # after the Hash: headers
        end = lines.index("-----BEGIN PGP SIGNATURE-----")
    except ValueError:
        raise ConfigError("Option 'account_kit': malformed clear-signed message.") from None
    body = [ln[2:] if ln.startswith("- ") else ln for ln in lines[start:end]]
    return "\n".join(body).strip()


# -- credentials ------------------------------------------------------------------------------------
def _read_key_file(path, option):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc.__class__.__name__
        raise ConfigError("Option '%s': cannot read %s: %s" % (option, path, reason)) from None


def _normalize_armor(text):
    text = str(text).strip()
    if "\n" not in text and "\\n" in text:  # a key pasted into one env/var line with literal \n
        text = text.replace("\\n", "\n")
    return text + "\n"


def passbolt_credentials(options, redactor=None):
    """Options (lookup, module or dict) -> the credentials dict used by the client.

    Keys: base_url, user_id, private_key (armored text), passphrase, server_fingerprint, auth,
    mfa_totp_secret, mfa_totp_code, username. The account kit fills what is not set.
    """
    redactor = redactor if redactor is not None else Redactor()
    get = options.get_option_default
    creds = {name: get(name) for name in CREDENTIAL_OPTIONS}
    creds["base_url"] = get("base_url")
    redactor.add(creds.get("passphrase"), creds.get("mfa_totp_secret"), creds.get("mfa_totp_code"))
    content_only = bool(get(KEY_CONTENT_ONLY))
    kit_value = creds.pop("account_kit")
    kit = parse_account_kit(kit_value, content_only) if kit_value else None
    if kit:
        redactor.add(kit.get("user_private_armored_key"))
        creds["base_url"] = creds["base_url"] or kit.get("domain")
        creds["user_id"] = creds["user_id"] or kit.get("user_id")
        creds["username"] = kit.get("username")
        creds["server_public_key"] = kit.get("server_public_armored_key")
    private_key = creds.get("private_key")
    path = named_file("private_key", private_key, content_only)
    if path:
        private_key = _read_key_file(path, "private_key")  # anatomicjc.passbolt users sometimes pass a path
    if not private_key and creds.get("private_key_file"):
        private_key = _read_key_file(named_file("private_key_file", str(creds["private_key_file"])), "private_key_file")
    if not private_key and kit:
        private_key = kit.get("user_private_armored_key")  # content: a kit never names a file
    if not private_key:
        raise ConfigError("No Passbolt private key: set private_key (PASSBOLT_PRIVATE_KEY), private_key_file "
                          "(PASSBOLT_PRIVATE_KEY_FILE) or account_kit (PASSBOLT_ACCOUNT_KIT).")
    creds["private_key"] = _normalize_armor(private_key)
    redactor.add(creds["private_key"])
    if creds.get("user_id") and not is_uuid(creds["user_id"]):
        raise ConfigError("Option 'user_id' must be the user's UUID, got %r." % str(creds["user_id"])[:60])
    return creds


def _verify_fallback(option):
    """PASSBOLT_VERIFY as a fallback of `option`: a boolean word for validate_certs, anything else for ca_path."""
    from ansible.module_utils.common.parameters import AnsibleFallbackNotFound  # pylint: disable=import-outside-toplevel

    raw = os.environ.get("PASSBOLT_VERIFY", "").strip()
    word = verify_word(raw)
    if not raw or (word is None) != (option == "ca_path"):
        raise AnsibleFallbackNotFound
    return raw if option == "ca_path" else word


def passbolt_argument_spec():
    """Module parameters: the shared connection options plus Passbolt credentials, with env fallbacks.

    Ansible applies the environment fallbacks before the defaults, so PASSBOLT_AUTH wins over `auto`.
    """
    def env(name, **kwargs):
        kwargs["fallback"] = env_fallback_to(name)
        return kwargs

    spec = connection_argument_spec("PASSBOLT")
    # PASSBOLT_VERIFY (anatomicjc.passbolt) where validate_certs / ca_path are not given.
    spec["validate_certs"]["fallback"] = (_verify_fallback, ["validate_certs"])
    spec["ca_path"]["fallback"] = (_verify_fallback, ["ca_path"])
    spec.update(
        user_id=env("PASSBOLT_USER_ID", type="str"),
        private_key=env("PASSBOLT_PRIVATE_KEY", type="str", no_log=True),
        private_key_file=env("PASSBOLT_PRIVATE_KEY_FILE", type="path"),
        passphrase=env("PASSBOLT_PASSPHRASE", type="str", no_log=True),
        server_fingerprint=env("PASSBOLT_SERVER_FINGERPRINT", type="str"),
        auth=env("PASSBOLT_AUTH", type="str", choices=["auto", "jwt", "gpgauth"], default="auto"),
        account_kit=env("PASSBOLT_ACCOUNT_KIT", type="str", no_log=True),
        mfa_totp_secret=env("PASSBOLT_MFA_TOTP_SECRET", type="str", no_log=True),
        mfa_totp_code=env("PASSBOLT_MFA_TOTP_CODE", type="str", no_log=True),
        verify_signatures=env("PASSBOLT_VERIFY_SIGNATURES", type="bool", default=True),
        # public key fingerprints, not secrets (validate-modules' no-log-needed guesses from the name)
        metadata_key_fingerprints=env("PASSBOLT_METADATA_KEY_FINGERPRINTS", type="list", elements="str", no_log=False),
    )
    return spec


def signature_notes(module, client):
    """Warnings at default verbosity (items accepted only because verify_signatures is false, a metadata key that
    changed), and what the lookup says at -vvv as a module's `signature_notes`."""
    for warning in client.signatures.take_warnings():
        module.warn(warning)
    notes = client.signatures.take_notes()
    return {"signature_notes": notes} if notes and module._verbosity >= 3 else {}


def pinned_fingerprints(value):
    """The metadata_key_fingerprints option (a list, or one string with commas or blanks) -> a set, or None."""
    if value is None:
        return None
    found = set()
    for item in value if isinstance(value, (list, tuple)) else [value]:
        for word in re.split(r"[,;\n]", str(item)):  # blanks and colons inside one fingerprint are fine
            if not word.strip():
                continue
            fingerprint = normalize_fingerprint(word)
            if not re.match(r"^(?:[0-9A-F]{40}|[0-9A-F]{64})$", fingerprint):
                raise ConfigError("Option 'metadata_key_fingerprints': %r is not an OpenPGP key fingerprint "
                                  "(40 or 64 hexadecimal digits)." % str(word).strip()[:80])
            found.add(fingerprint)
    return found or None


def _flag(value, default, option):
    """A boolean option that may arrive as a string (environment, ini)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        return value
    word = verify_word(value)
    if word is not None:
        return word
    raise ConfigError("Option '%s' must be a boolean, got %r." % (option, str(value)[:40]))


def connection_options(options, base_url=None):
    """The shared connection options (PASSBOLT_VERIFY is resolved with the other options: _options.py)."""
    values = {name: options.get_option_default(name) for name in
              ("base_url", "validate_certs", "ca_path", "timeout", "retries", ENVIRONMENT)}
    if base_url:
        values["base_url"] = base_url
    if _flag(options.get_option_default("skip_ssl_verification"), False, "skip_ssl_verification"):
        values["validate_certs"] = False  # the name Passbolt's official lookup uses
    return OptionAdapter.from_dict(values)


# -- the client -------------------------------------------------------------------------------------
# Decrypted items a session keeps (see PassboltClient._decrypt_many): more than any server lists for one user.
MAX_REMEMBERED = 100000


def _message_key(message):
    """What names a message in PassboltClient._decrypted (None: not a text, never kept)."""
    return hashlib.sha256(message.encode("utf-8")).digest() if isinstance(message, str) else None


class PassboltClient:
    """One logged-in user on one Passbolt server. Lazy: nothing happens before the first call."""

    def __init__(self, options, redactor=None):
        self.redactor = redactor if redactor is not None else Redactor()
        self.credentials = passbolt_credentials(options, self.redactor)
        conn = connection_options(options, self.credentials.get("base_url"))
        self.base_url = checked_base_url(conn, "PASSBOLT_BASE_URL")
        self.http = build_http_client(conn, "Passbolt", "PASSBOLT", passbolt_error_message, self.redactor,
                                      base_url=self.base_url)
        self.api = PassboltApi(self.http)
        self.gpg = None
        self.auth = None
        self.user_id = self.credentials.get("user_id")
        self._metadata_keys_loaded = False
        self._metadata_keys = None
        self._folders = None
        self._users = None
        self._views = None
        self._resource_types = None
        self._metadata_fingerprints = None
        self.signatures = SignaturePolicy(self, _flag(options.get_option_default("verify_signatures"), True,
                                                      "verify_signatures"))
        self.pinned_metadata_keys = pinned_fingerprints(options.get_option_default("metadata_key_fingerprints"))
        self._metadata_seen = None  # fingerprints of the first metadata key list of this session
        self._decrypted = {}  # see _decrypt_many

    # -- life cycle -------------------------------------------------------------------
    def login(self):
        if self.auth is not None:
            return self
        check_auth_method(self.credentials)
        if self.gpg is None:
            self.gpg = GpgContext(redactor=self.redactor)
        creds = dict(self.credentials)
        known = self._account_kit_server_key(creds)  # before the key import: gpg must not run twice at once here
        # The key import and its first unlock (gpg-agent work) overlap the request for the server key.
        with ThreadPoolExecutor(max_workers=1) as pool:
            loading = pool.submit(self._load_user_key)
            try:
                verified, failure = known or self.api.verify(), None
            except PwmanError as exc:
                verified, failure = None, exc
            loading.result()  # a key problem first: it is the user's to fix
        if failure is not None:
            raise failure
        try:
            self.auth = authenticate(self.api, self.gpg, creds, self.redactor, verified)
        except (AuthError, ApiError):
            if known:
                self._refuse_changed_server_key(known["fingerprint"])
            raise
        key_owner = getattr(self.auth, "logged_in_user_id", None)
        if key_owner and self.user_id and key_owner != self.user_id:
            raise ConfigError("Option 'user_id' (%s) is not the user of the private key (%s)." % (self.user_id, key_owner))
        if key_owner:
            self.user_id = key_owner
            self.auth.user_id = key_owner
        if not self.user_id:
            me = self.api.users_me()
            if not isinstance(me, dict) or not me.get("id"):
                raise ApiError("Passbolt", "GET", "/users/me.json", 200, "the answer has no user id")
            self.user_id = me["id"]
            self.auth.user_id = self.user_id
        return self

    def _account_kit_server_key(self, creds):
        """The account kit's server key, as GET /auth/verify.json gives it (one request less), or None.

        Pins it unless server_fingerprint is set; when that names another key, the server is asked.
        """
        keydata = creds.get("server_public_key")
        found = self.gpg.scan_key(keydata) if keydata else []
        if not found:
            return None
        pinned = normalize_fingerprint(creds.get("server_fingerprint"))
        if pinned and pinned != found[0]:
            return None
        creds["server_fingerprint"] = found[0]
        return {"fingerprint": found[0], "keydata": keydata}

    def _refuse_changed_server_key(self, kit_fingerprint):
        """A login with the account kit's server key failed: say so when the server has another key now."""
        try:
            body = self.api.verify()
        except PwmanError:
            return
        current = normalize_fingerprint(body.get("fingerprint")) if isinstance(body, dict) else ""
        if current and current != kit_fingerprint:
            raise server_key_changed(kit_fingerprint, "the account kit's server key", current,
                                     "export a new account kit or set server_fingerprint")

    def _load_user_key(self):
        try:
            self.gpg.load_user_key(self.credentials["private_key"], self.credentials.get("passphrase"))
        except GpgError as exc:
            hint = "" if "passphrase" not in str(exc) else (
                " Set option 'passphrase' (or the PASSBOLT_PASSPHRASE environment variable) to the passphrase of "
                "the private key.")
            raise ConfigError(str(exc) + hint) from None

    def close(self, logout=False):
        """Forget the session and remove the private keyring.

        `logout=True` also ends the session on the server (JWT: revokes the refresh token; GPGAuth:
        /auth/logout.json). It is off by default: it costs a request, the tokens die with the process
        anyway, and the local imitation also revokes the access token, which it hands out again
        unchanged to a login by the same user in the same second (tokens have no jti/iat).
        """
        try:
            if logout and self.auth is not None:
                self.auth.logout()
        finally:
            self.auth = None
            self._decrypted = {}
            if self.gpg is not None:
                self.gpg.close()
                self.gpg = None
            self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def forget_data(self):
        """Drop what was read from the server (folders, users, metadata keys, resources); keep the session."""
        self._metadata_keys_loaded = False
        self._metadata_keys = None
        self._metadata_fingerprints = None
        self._folders = None
        self._users = None
        self._views = None

    # -- metadata keys (v5) -----------------------------------------------------------
    def server_fingerprint(self):
        """The server key the login proved (pinned by server_fingerprint or the account kit), or None."""
        key = getattr(self.auth, "server_key", None)
        return key.fingerprint if key is not None else None

    def load_metadata_keys(self):
        """Import the organisation's shared metadata private keys (decrypted with the user's key).

        Keys outside metadata_key_fingerprints (when set) are left out: not imported, not trusted as signers,
        never used for writing; their resources are refused (see describe_resources)."""
        if self._metadata_keys_loaded:
            return self._metadata_keys
        self.login()
        keys = self.api.metadata_keys(with_private_keys=True)
        if not isinstance(keys, list):
            raise ApiError("Passbolt", "GET", "/metadata/keys.json", 200, "the answer is not a list of keys")
        listed = {}  # key id -> primary fingerprint of its armored public key (not the server's `fingerprint` word)
        for key in keys:
            if isinstance(key, dict) and key.get("armored_key"):
                found = self.gpg.scan_key(key["armored_key"])
                if found:
                    listed[key.get("id")] = found[0]
        self._note_metadata_key_change(set(listed.values()))
        pinned = self.pinned_metadata_keys
        refused = {kid: "metadata key %s (%s) is not one of metadata_key_fingerprints (%s)"
                        % (kid, fpr, ", ".join(sorted(pinned)))
                   for kid, fpr in listed.items() if pinned is not None and fpr not in pinned}
        mine = []
        for key in keys:
            if not isinstance(key, dict) or key.get("id") not in listed or key.get("id") in refused:
                continue
            for entry in key.get("metadata_private_keys") or []:
                if not isinstance(entry, dict) or not entry.get("data"):
                    continue
                if entry.get("user_id") and self.user_id and entry["user_id"] != self.user_id:
                    continue
                mine.append((key, entry))
        self._metadata_keys = {"keys": keys, "loaded": {}, "listed": listed, "refused": refused}
        self._metadata_fingerprints = None
        # Who may sign your copy: the server (it shares the key itself unless zero_knowledge_key_share), the
        # administrator who wrote the copy (zero-knowledge sharing), or you (the copy the extension re-signs).
        problems = []  # a copy refused: its key is refused (its resources fail), the others still serve
        decrypted = self._decrypt_checked(
            [entry["data"] for dummy, entry in mine],
            [(SERVER, YOU, user(entry.get("created_by")), user(entry.get("modified_by"))) for dummy, entry in mine],
            ["copy of metadata private key %s shared with you" % key.get("id") for key, dummy in mine],
            "metadata private key", problems)
        for (key, dummy), text, problem in zip(mine, decrypted, problems):
            if problem:
                refused[key.get("id")] = problem[0].lower() + problem[1:].rstrip(".")
                continue
            try:
                plain = json.loads(text)
                armored = plain["armored_key"]
            except (ValueError, KeyError, TypeError):
                raise ApiError("Passbolt", "GET", "/metadata/keys.json", 200,
                               "a metadata private key entry is not the expected JSON") from None
            self.redactor.add(armored, plain.get("passphrase"))
            inside = self.gpg.scan_key(armored)
            if listed[key.get("id")] not in inside:  # before the import: a swapped key never enters the keyring
                refused[key.get("id")] = ("the private key shared with you for metadata key %s is another key (%s) "
                                          "than the one the server lists (%s)"
                                          % (key.get("id"), ", ".join(inside) or "unreadable", listed[key.get("id")]))
                continue
            fingerprint = self.gpg.import_private_key(armored, plain.get("passphrase") or None,
                                                      "shared metadata private key")
            self._metadata_keys["loaded"][key.get("id")] = {"fingerprint": fingerprint,
                                                            "public": key.get("armored_key")}
        self._metadata_fingerprints = None  # computed again without the keys refused above
        self._metadata_keys_loaded = True
        return self._metadata_keys

    def _note_metadata_key_change(self, fingerprints):
        """Without metadata_key_fingerprints: warn when the metadata keys change within this session."""
        if self.pinned_metadata_keys is not None:
            return
        if self._metadata_seen is None:
            self._metadata_seen = set(fingerprints)
            return
        added = fingerprints - self._metadata_seen
        if added:
            self.signatures.warnings.append(
                "The Passbolt server's shared metadata keys changed during this session: %s now, %s before. If your "
                "administrator did not rotate the metadata key, the server may be trying to read what you write; "
                "set metadata_key_fingerprints (PASSBOLT_METADATA_KEY_FINGERPRINTS) to pin the keys you trust."
                % (", ".join(sorted(fingerprints)), ", ".join(sorted(self._metadata_seen)) or "none"))
            self._metadata_seen |= added

    def metadata_key_fingerprints(self):
        """Primary fingerprints of the shared metadata keys (read from their armored keys, not the server's word),
        only the pinned ones when metadata_key_fingerprints is set."""
        if self._metadata_fingerprints is None:
            if self._metadata_keys is None:
                return set()
            found = {entry["fingerprint"] for entry in self._metadata_keys["loaded"].values()}
            found.update(fpr for kid, fpr in self._metadata_keys["listed"].items()
                         if kid not in self._metadata_keys["refused"])
            self._metadata_fingerprints = found
        return self._metadata_fingerprints

    def refused_metadata_key(self, key_id):
        """Why a resource under shared metadata key `key_id` cannot be read: a key outside the pinned ones, or one
        the server lists but has not shared with you; None otherwise."""
        keys = self._metadata_keys or {}
        refused = keys.get("refused") or {}
        if key_id in refused:
            return "it is encrypted for a metadata key that is refused: %s." % refused[key_id]
        if key_id in (keys.get("listed") or {}) and key_id not in keys.get("loaded", {}):
            return "it is encrypted for metadata key %s, which is not shared with you: %s" % (key_id, NOT_SHARED)
        return None

    def _decrypt_checked(self, messages, signers, labels, what, problems=None):
        """Decrypt several messages and check that each is signed by one of its `signers` (see
        _passbolt_signatures); returns texts. With a `problems` list, refusals are appended there (one message
        or None per item) instead of raised, and a message that cannot be decrypted gives the text None and its
        reason as the problem."""
        errors = None if problems is None else []
        results = self._decrypt_many(messages, what, errors)
        texts = [text for text, dummy in results]
        readable = [i for i in range(len(messages)) if not errors or not errors[i]]

        def redo(position):
            index = readable[position]
            text, sigs = self.gpg.decrypt_signed(messages[index], labels[index])
            texts[index] = text
            self._remember(_message_key(messages[index]), (text, sigs))
            return sigs

        items = [(labels[i], results[i][1], signers[i]) for i in readable]
        if problems is None:
            self.signatures.check(items, redo)
            return texts
        found = dict(zip(readable, self.signatures.problems(items, redo)))
        problems.extend(found.get(i) or ("The %s cannot be read: %s" % (labels[i], errors[i]) if errors[i] else None)
                        for i in range(len(messages)))
        return texts

    def _decrypt_many(self, messages, what, errors):
        """gpg's decrypt_many_signed for the messages this session has not decrypted yet.

        The lookup agent keeps a session across runs and reads the server again in each: a secret or v5 metadata
        that did not change comes back as the same message, byte for byte, and is not decrypted again (~5 ms of gpg
        each; every resource's metadata in each run for v5). What is kept is what gpg said (text and signatures):
        the signature rules are applied again each time. Kept in this process's memory only, until the session
        closes; a changed item is another message."""
        keys = [_message_key(m) for m in messages]
        todo = [i for i, key in enumerate(keys) if key is None or key not in self._decrypted]
        found = None if errors is None else []
        fresh = self.gpg.decrypt_many_signed([messages[i] for i in todo], what, found) if todo else []
        if errors is not None:
            errors[:] = [None] * len(messages)
        results = [self._decrypted.get(key) for key in keys]
        for position, index in enumerate(todo):
            results[index] = fresh[position]
            if errors is not None and found[position]:
                errors[index] = found[position]
            else:
                self._remember(keys[index], fresh[position])
        return results

    def _remember(self, key, result):
        if key is not None and result[0] is not None and len(self._decrypted) < MAX_REMEMBERED:
            self._decrypted[key] = result

    # -- resources --------------------------------------------------------------------
    def list_resources(self, filters=None, contain=("secret",)):
        self.login()
        body = self.api.resources_list(contain=contain, filters=filters)
        if not isinstance(body, list):
            raise ApiError("Passbolt", "GET", "/resources.json", 200, "the answer is not a list of resources")
        return [r for r in body if isinstance(r, dict) and r.get("id")]

    def describe_resources(self, resources):
        """Resource dicts -> views with cleartext metadata (v5 metadata decrypted, several at a time)."""
        views = [ResourceView(r) for r in resources]
        self._name_resource_types(views)
        v5 = [v for v in views if v.raw.get("metadata")]
        for view, (metadata, refused) in zip(v5, self.decrypt_metadata("resource", [v.raw for v in v5])):
            view.refused = refused  # raised when the resource is used (check_view), not for listing it
            view.unreadable = metadata is None  # its name is unknown: name searches pass it by
            if metadata is None:
                continue
            self.redactor.add(*[f.get("metadata_value") for f in metadata.get("custom_fields") or []
                                if isinstance(f, dict) and f.get("type") in ("password", "secret")])
            view.set_metadata(metadata)
        return views

    def decrypt_metadata(self, kind, items):
        """The v5 metadata of several items of one kind ("resource" or "folder": raw dicts with id, metadata,
        metadata_key_id, metadata_key_type), decrypted at once: [(document or None, refusal or None)] in order.

        Signers (see _passbolt_signatures): shared metadata a metadata key, or the server key where it upgraded v4
        items to v5 itself; personal metadata its owner (you), or the server key (MigrateAllV4ResourcesToV5Service
        and MigrateAllV4FoldersToV5Service, ::migrateShared and ::migratePersonal). An item under a refused or
        unshared metadata key, or that cannot be decrypted, has no document; a refused signature gives the refusal
        next to the document. A document that is not a JSON object is an error unless the item is refused anyway."""
        if any(i.get("metadata_key_type") == "shared_key" for i in items):
            self.load_metadata_keys()
        out = [(None, None)] * len(items)
        todo = []
        for index, item in enumerate(items):
            reason = self.refused_metadata_key(item.get("metadata_key_id")) \
                if item.get("metadata_key_type") == "shared_key" else None
            if reason:
                out[index] = (None, "%s %s cannot be read: %s" % (kind.capitalize(), item.get("id"), reason))
            else:
                todo.append(index)
        if not todo:
            return out
        problems = []
        texts = self._decrypt_checked([items[i]["metadata"] for i in todo],
                                      [(METADATA_KEY, SERVER) if items[i].get("metadata_key_type") == "shared_key"
                                       else (YOU, SERVER) for i in todo],
                                      ["metadata of %s %s" % (kind, items[i].get("id")) for i in todo],
                                      "%s metadata" % kind, problems)
        for index, text, problem in zip(todo, texts, problems):
            document = None
            if text is not None:
                try:
                    document = json.loads(text)
                except ValueError:
                    document = None
                if not isinstance(document, dict):
                    if not problem:
                        raise PwmanError("The metadata of %s %s is not a JSON object." % (kind, items[index].get("id")))
                    document = None
            out[index] = (document, problem)
        return out

    @staticmethod
    def check_view(view):
        """Refuse a resource whose metadata signature was refused (see describe_resources)."""
        if getattr(view, "refused", None):
            raise SignatureError(view.refused)
        return view

    def _name_resource_types(self, views):
        """Slugs of resource types other than the well-known ones (GET /resource-types.json, once).

        Listings do not ask for contain[resource-type]: it repeats each type's JSON schema in every
        resource, most of a large listing's size, and the well-known type ids are the same everywhere.
        """
        unknown = [v for v in views if not v.type_slug and isinstance(v.resource_type_id, str)]
        if not unknown:
            return
        types = self.resource_types_index()
        for view in unknown:
            view.type_slug = types.get(view.resource_type_id)

    def resource_types_index(self):
        """{id: slug} of the types GET /resource-types.json lists (asked once). A server whose TOTP resource types
        plugin is off leaves out `totp` and `password-description-totp` (ResourceTypesFinderService::find)."""
        return {t.id: t.slug for t in self.resource_types().types}

    def resource_types(self):
        """The types GET /resource-types.json lists, with their definitions (ResourceTypes; asked once)."""
        if self._resource_types is None:
            body = self.api.resource_types()
            self._resource_types = ResourceTypes(body if isinstance(body, list) else [])
        return self._resource_types

    def resource_type(self, type_id):
        """A type by id: from the index, else GET /resource-types/{id}.json (every type, listed or not, deleted or
        not: ResourceTypesViewController), or None."""
        found = self.resource_types().by_id.get(type_id)
        if found is None and is_uuid(type_id):
            try:
                body = self.api.call("GET", "/resource-types/%s.json" % type_id)
            except ApiError as exc:
                if exc.status not in (400, 404):
                    raise
                body = None
            found = ResourceType(body) if isinstance(body, dict) and body.get("slug") else None
        return found

    def resource_views(self):
        """Every resource the user can see, with its secret ciphertext and clear metadata, in ONE request.

        Kept until forget_data(), so the lookup agent lists once per run; secrets decrypted by
        decrypt_secrets() stay on the views.
        """
        if self._views is None:
            self._views = self.describe_resources(self.list_resources())
        return self._views

    def secret_plaintext(self, view):
        """The decrypted secret of a resource (from contain[secret], else GET /secrets/resource/{id})."""
        data = view.secret_data()
        if not data:
            body = self.api.secret_get(view.id)
            view.raw["secrets"] = [body] if isinstance(body, dict) else []
            data = view.secret_data()
            if not data:
                raise ApiError("Passbolt", "GET", "/secrets/resource/%s.json" % view.id, 200, "no secret data")
        text = self._decrypt_checked([data], [view.secret_writers()], [view.secret_label()], "resource secret")[0]
        self.redactor.add(text)
        return text

    def decrypt_secrets(self, views):
        """Decrypt the secrets of several views at once; sets view.secret (a dict of secret fields)."""
        todo = [v for v in views if v.secret is None]
        missing = [v for v in todo if not v.secret_data()]
        for view in missing:
            body = self.api.secret_get(view.id)
            view.raw["secrets"] = [body] if isinstance(body, dict) else []
        texts = self._decrypt_checked([v.secret_data() for v in todo], [v.secret_writers() for v in todo],
                                      [v.secret_label() for v in todo], "resource secret") if todo else []
        for view, text in zip(todo, texts):
            self.redactor.add(text)
            view.secret = parse_secret(text, view.type_slug)
            for value in _secret_values(view.secret):
                self.redactor.add(value)
        return views

    # -- folders ----------------------------------------------------------------------
    def folders(self):
        """{id: folder} of the folders the user can see (see _passbolt_folders.folder_entry): v4 names as they
        are, v5 names decrypted from their metadata, several at a time."""
        if self._folders is None:
            self.login()
            body = self.api.folders_list()
            if not isinstance(body, list):
                raise ApiError("Passbolt", "GET", "/folders.json", 200, "the answer is not a list of folders")
            rows = [f for f in body if isinstance(f, dict) and f.get("id")]
            v5 = [f for f in rows if f.get("metadata")]
            decrypted = dict(zip([f["id"] for f in v5], self.decrypt_metadata("folder", v5)))
            self._folders = {f["id"]: folder_entry(f, *decrypted.get(f["id"], (None, None))) for f in rows}
        return self._folders

    def folder_path(self, folder_id):
        """The path of a folder ("Infra/Databases"); "" for the root."""
        if not folder_id:
            return ""
        return path_of(self.folders(), folder_id)

    def resolve_folder(self, path):
        """Folder ids whose path is `path`, resolved level by level (names are not unique).

        "" or "/" is the root (returns [None]). Raises NotFound when no folder has that path, SignatureError when
        only a folder whose metadata signature is refused has it.
        """
        parts = [p for p in str(path or "").strip().split("/") if p != ""]
        if not parts:
            return [None]
        if is_uuid(path):
            if path in self.folders():
                return [path]
        return resolve_path(self.folders(), parts, path)

    def check_folder(self, folder_id):
        """The folder (see folders()), refused when its name cannot be used (SignatureError)."""
        return check_folder(self.folders()[folder_id])

    # -- users and encryption for writers ---------------------------------------------
    def users_with_keys(self, filters=None):
        """Users (with gpgkey) as the server lists them; filters like {"has-access": resource_id}."""
        self.login()
        body = self.api.users_list(contain=("gpgkey", "profile"), filters=filters)
        if not isinstance(body, list):
            raise ApiError("Passbolt", "GET", "/users.json", 200, "the answer is not a list of users")
        return body

    def encrypt_for_users(self, plaintext, users):
        """[{"user_id", "data"}]: `plaintext` encrypted to each user's key and signed by ours."""
        self.login()
        result = []
        for user in users:
            armored = ((user.get("gpgkey") or {}).get("armored_key")) if isinstance(user, dict) else None
            if not armored:
                raise PwmanError("User %s has no public key on the server." % (user.get("id") if isinstance(user, dict)
                                                                               else user))
            fingerprint = self.gpg.import_public_key(armored, "public key of user %s" % user.get("id"))
            data = self.gpg.encrypt_text(plaintext, [fingerprint], what="secret")
            result.append({"user_id": user["id"], "data": data})
        return result

    def encrypt_metadata(self, metadata, key_type="shared_key"):
        """(armored, metadata_key_id) for v5 metadata, encrypted to the shared key or to our own key."""
        self.login()
        text = json.dumps(metadata)
        if key_type == "user_key":
            return self.gpg.encrypt_text(text, [self.gpg.user_fingerprint], what="metadata"), None
        keys = self.load_metadata_keys()
        active = [k for k in keys["keys"] if isinstance(k, dict) and k.get("armored_key") and not k.get("expired")
                  and not k.get("deleted")]
        # During a rotation two keys are active (MaxNoOfActiveMetadataKeysRule allows two): the newest is the one
        # the old one gives way to.
        for key in sorted(active, key=lambda k: str(k.get("created") or ""), reverse=True):
            if key.get("id") in keys["refused"]:
                raise PwmanError("Refusing to encrypt for the server's active metadata key: %s."
                                 % keys["refused"][key.get("id")])
            if not keys["loaded"].get(key.get("id")):
                raise PwmanError("The shared metadata key %s is not shared with you: %s" % (key.get("id"), NOT_SHARED))
            fingerprint = self.gpg.import_public_key(key["armored_key"], "shared metadata key")
            # As Passbolt's browser extension: signed by the user's key, then by the metadata key (the
            # signature Passbolt's official lookup checks, the last one it reads).
            return self.gpg.encrypt_text(text, [fingerprint],
                                         [self.gpg.user_fingerprint, keys["loaded"][key.get("id")]["fingerprint"]],
                                         what="metadata"), key.get("id")
        raise PwmanError("The Passbolt server has no usable shared metadata key.")


def parse_secret(text, slug):
    """A decrypted secret -> dict with password/description/totp/custom_fields (what the type holds)."""
    if slug in STRING_SECRET_TYPES:
        return {"password": text}
    try:
        data = json.loads(text)
    except ValueError:
        if slug is None:
            return {"password": text}
        raise PwmanError("A %s secret is not the expected JSON." % slug) from None
    if not isinstance(data, dict):
        return {"password": text}
    return data


def _list_of(value):
    """A list from a server value that should be one (anything else: empty)."""
    return value if isinstance(value, list) else []


def _secret_values(secret):
    for key in ("password", "description", "pin_code"):  # pin_code: v5-pin-code (passbolt_api 5.12)
        if isinstance(secret.get(key), str):
            yield secret[key]
    totp_data = secret.get("totp")
    if isinstance(totp_data, dict):
        yield totp_data.get("secret_key")
    for field in _list_of(secret.get("custom_fields")):
        if isinstance(field, dict):
            yield field.get("secret_value")


class ResourceView:
    """A resource with cleartext metadata, whatever its version (v4 fields or decrypted v5 metadata)."""

    def __init__(self, raw):
        self.raw = raw
        self.id = raw.get("id")
        self.secret = None
        self.refused = None  # why its metadata signature is refused, or why it cannot be decrypted
        self.unreadable = False  # its metadata could not be decrypted: no name, username or uris
        type_info = raw.get("resource_type") if isinstance(raw.get("resource_type"), dict) else {}
        self.resource_type_id = raw.get("resource_type_id") or type_info.get("id")
        self.type_slug = type_info.get("slug") or (RESOURCE_TYPES.get(self.resource_type_id)
                                                   if isinstance(self.resource_type_id, str) else None)
        self.version = "v5" if raw.get("metadata") else "v4"
        self.metadata_key_type = raw.get("metadata_key_type")
        self.name = raw.get("name")
        self.username = raw.get("username")
        self.uris = [raw["uri"]] if raw.get("uri") else []
        self.description = raw.get("description")
        self.metadata_custom_fields = []
        self.folder_parent_id = raw.get("folder_parent_id")
        self.modified = str(raw.get("modified") or "")
        self.expired = raw.get("expired") if isinstance(raw.get("expired"), str) else None
        self.metadata = None  # the decrypted v5 metadata, every field of it

    def set_metadata(self, metadata):
        self.metadata = metadata
        self.name = metadata.get("name")
        self.username = metadata.get("username")
        uris = metadata.get("uris")
        self.uris = [u for u in uris if u] if isinstance(uris, list) else []
        self.description = metadata.get("description")
        self.metadata_custom_fields = [f for f in _list_of(metadata.get("custom_fields")) if isinstance(f, dict)]

    @property
    def uri(self):
        return self.uris[0] if self.uris else ""

    def _secret_row(self):
        secrets = self.raw.get("secrets")
        if isinstance(secrets, list) and secrets and isinstance(secrets[0], dict):
            return secrets[0]
        secret = self.raw.get("secret")
        return secret if isinstance(secret, dict) else {}

    def secret_data(self):
        return self._secret_row().get("data")

    def secret_writers(self):
        """Who may have signed the secret: the user who last wrote it (the secret's `modified_by`, passbolt_api
        5.7+, else the resource's `modified_by`)."""
        return (user(self._secret_row().get("modified_by")) or user(self.raw.get("modified_by")),)

    def secret_label(self):
        return ("secret of resource %r (%s)" % (self.name, self.id)) if self.name else "secret of resource %s" % self.id

    def custom_fields(self):
        """{name: value} merging metadata (keys, cleartext values) and secret (secret values) by field id."""
        fields = {}
        secret_fields = {f.get("id"): f for f in _list_of((self.secret or {}).get("custom_fields"))
                         if isinstance(f, dict) and isinstance(f.get("id"), (str, int, type(None)))}
        names = {}
        for field in self.metadata_custom_fields:
            name = field.get("metadata_key")
            if name and isinstance(name, str) and isinstance(field.get("id"), (str, int, type(None))):
                names[field.get("id")] = name
                if field.get("metadata_value") is not None:
                    fields[name] = field.get("metadata_value")
        for fid, field in secret_fields.items():
            name = names.get(fid) or field.get("secret_key") or field.get("metadata_key")
            if name and isinstance(name, str):
                fields[name] = field.get("secret_value")
        return fields

    def description_text(self):
        secret_desc = (self.secret or {}).get("description")
        return secret_desc if secret_desc else (self.description or "")
