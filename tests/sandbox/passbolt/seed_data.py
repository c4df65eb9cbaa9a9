"""Seed of the local Passbolt imitation, as pure data (no gpg, no server code).

Client tests import this module to know the expected values (ids, names, secrets).
Every id is deterministic (uuid5), so it is stable across server starts.
"""

import uuid

NAMESPACE = uuid.UUID("6c1f4f6e-2a4a-4d8e-9a8e-7061737362c1")
RESOURCE_TYPES_NAMESPACE = uuid.UUID("d5447ca1-950f-459d-8b20-86ddfdd0f922")


def _id(kind, name):
    return str(uuid.uuid5(NAMESPACE, "%s:%s" % (kind, name)))


def resource_type_id(slug):
    """The id every Passbolt server gives a resource type (UUIDv5 of resource-types.id.<slug>)."""
    return str(uuid.uuid5(RESOURCE_TYPES_NAMESPACE, "resource-types.id." + slug))


RESOURCE_TYPE_SLUGS = [
    "password-string",
    "password-and-description",
    "totp",
    "password-description-totp",
    "v5-default",
    "v5-password-string",
    "v5-default-with-totp",
    "v5-totp-standalone",
    "v5-custom-fields",
    "v5-note",
    "v5-pin-code",  # V5120AddStandalonePinCodeResourceType
]
RESOURCE_TYPE_IDS = {slug: resource_type_id(slug) for slug in RESOURCE_TYPE_SLUGS}

DEFAULT_USER = "ada"

USERS = {
    "ada": {"username": "ada@passbolt.dev", "first_name": "Ada", "last_name": "Lovelace",
            "role": "admin", "key": "ecc", "passphrase": "ada-passphrase-1",
            "active": True, "mfa": False},
    "betty": {"username": "betty@passbolt.dev", "first_name": "Betty", "last_name": "Holberton",
              "role": "user", "key": "rsa", "passphrase": "betty-passphrase-1",
              "active": True, "mfa": False},
    "carol": {"username": "carol@passbolt.dev", "first_name": "Carol", "last_name": "Shaw",
              "role": "user", "key": "ecc", "passphrase": "carol-passphrase-1",
              "active": True, "mfa": True},
    "dame": {"username": "dame@passbolt.dev", "first_name": "Dame", "last_name": "Shirley",
             "role": "user", "key": "ecc", "passphrase": "dame-passphrase-1",
             "active": False, "mfa": False},
}
for _short, _user in USERS.items():
    _user["id"] = str(uuid.uuid5(NAMESPACE, "user:" + _user["username"]))

# Base32 TOTP secret of the MFA user(s) (RFC 6238, SHA1, 6 digits, 30 s).
MFA_TOTP_SECRETS = {"carol": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}

GROUPS = {
    "Ops": {"managers": ["ada"], "members": ["betty"]},
    "Auditors": {"managers": ["ada"], "members": ["carol"]},
}
GROUP_IDS = {name: _id("group", name) for name in GROUPS}
for _name, _group in GROUPS.items():
    _group["id"] = GROUP_IDS[_name]

# Folder paths, parents first. Two folders are named "Databases": resolve paths level by level.
FOLDERS = {
    "Infra": {"owner": "ada"},
    "Infra/Databases": {"owner": "ada"},
    "Apps": {"owner": "ada"},
    "Apps/Databases": {"owner": "ada"},
}
for _path, _folder in FOLDERS.items():
    _folder["id"] = _id("folder", _path)
    _folder["name"] = _path.rsplit("/", 1)[-1]
    _folder["parent"] = _path.rsplit("/", 1)[0] if "/" in _path else None
FOLDER_IDS = {path: f["id"] for path, f in FOLDERS.items()}

_TOTP = {"secret_key": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "digits": 6, "algorithm": "SHA1", "period": 30}

# "secret": the decrypted secret fields. For password-string types, only "password" matters
# (the plaintext IS the password). "metadata": v4 (cleartext fields), v5-shared (metadata
# encrypted to the shared metadata key) or v5-user (metadata encrypted to the owner's key).
RESOURCES = [
    {"key": "v4-string", "name": "legacy-string", "type": "password-string", "metadata": "v4",
     "folder": None, "username": "root", "uris": ["https://legacy.example.com"],
     "description": "v4 password-string: description is cleartext",
     "secret": {"password": "legacy-string-pw-1"}, "owner": "ada", "shared": []},
    {"key": "v4-desc", "name": "db-primary", "type": "password-and-description", "metadata": "v4",
     "folder": "Infra/Databases", "username": "postgres", "uris": ["postgres://db1.example.com:5432"],
     "description": "",
     "secret": {"password": "db-primary-pw-1", "description": "primary database, encrypted note"},
     "owner": "ada", "shared": [{"group": "Ops", "type": 1}]},
    {"key": "v4-totp", "name": "legacy-totp", "type": "totp", "metadata": "v4",
     "folder": None, "username": "", "uris": ["https://otp.example.com"], "description": "",
     "secret": {"totp": dict(_TOTP)}, "owner": "ada", "shared": []},
    {"key": "v4-pdt", "name": "legacy-all", "type": "password-description-totp", "metadata": "v4",
     "folder": "Infra", "username": "admin", "uris": ["https://all.example.com"], "description": "",
     "secret": {"password": "legacy-all-pw-1", "description": "with totp", "totp": dict(_TOTP)},
     "owner": "ada", "shared": []},
    {"key": "v5-shared", "name": "app-api", "type": "v5-default", "metadata": "v5-shared",
     "folder": "Apps", "username": "api", "uris": ["https://api.example.com", "https://api2.example.com"],
     "description": "v5 shared-key metadata",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "app-api-pw-1", "description": "api secret note"},
     "owner": "ada", "shared": [{"user": "betty", "type": 7}]},
    {"key": "v5-user", "name": "personal-mail", "type": "v5-default", "metadata": "v5-user",
     "folder": None, "username": "ada", "uris": ["https://mail.example.com"],
     "description": "v5 user-key metadata",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "personal-mail-pw-1", "description": ""},
     "owner": "ada", "shared": []},
    {"key": "v5-string", "name": "v5-string", "type": "v5-password-string", "metadata": "v5-shared",
     "folder": None, "username": "svc", "uris": [], "description": "",
     "secret": {"password": "v5-string-pw-1"}, "owner": "ada", "shared": []},
    {"key": "v5-totp", "name": "vpn", "type": "v5-default-with-totp", "metadata": "v5-shared",
     "folder": "Infra", "username": "vpnuser", "uris": ["https://vpn.example.com"], "description": "",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "vpn-pw-1", "description": "",
                "totp": dict(_TOTP)}, "owner": "ada", "shared": []},
    {"key": "v5-totp-only", "name": "github-2fa", "type": "v5-totp-standalone", "metadata": "v5-shared",
     "folder": None, "username": "", "uris": ["https://github.com"], "description": "",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "totp": dict(_TOTP)}, "owner": "ada", "shared": []},
    {"key": "v5-custom", "name": "custom-fields", "type": "v5-custom-fields", "metadata": "v5-shared",
     "folder": None, "username": "", "uris": [], "description": "",
     "metadata_custom_fields": [{"id": _id("cf", "api-key"), "type": "password", "metadata_key": "api_key"},
                                {"id": _id("cf", "region"), "type": "text", "metadata_key": "region"}],
     "secret": {"object_type": "PASSBOLT_SECRET_DATA",
                "custom_fields": [{"id": _id("cf", "api-key"), "type": "password", "secret_value": "cf-api-key-1"},
                                  {"id": _id("cf", "region"), "type": "text", "secret_value": "eu-west-1"}]},
     "owner": "ada", "shared": []},
    {"key": "dup-infra", "name": "dup-name", "type": "password-and-description", "metadata": "v4",
     "folder": "Infra", "username": "dup-infra", "uris": [], "description": "",
     "secret": {"password": "dup-infra-pw-1", "description": ""}, "owner": "ada", "shared": []},
    {"key": "dup-apps", "name": "dup-name", "type": "password-and-description", "metadata": "v4",
     "folder": "Apps", "username": "dup-apps", "uris": [], "description": "",
     "secret": {"password": "dup-apps-pw-1", "description": ""}, "owner": "ada", "shared": []},
    {"key": "tricky", "name": "web & co / 50%", "type": "password-and-description", "metadata": "v4",
     "folder": None, "username": "w&c", "uris": ["https://example.com/?a=1&b=2"],
     "description": "tricky name",
     "secret": {"password": "p&ss/50%+ \"quoted\" \u00e9", "description": ""}, "owner": "ada", "shared": []},
    {"key": "betty-shared", "name": "betty-shared", "type": "password-and-description", "metadata": "v4",
     "folder": None, "username": "betty", "uris": ["https://betty.example.com"], "description": "",
     "secret": {"password": "betty-shared-pw-1", "description": ""}, "owner": "betty",
     "shared": [{"user": "ada", "type": 7}]},
    {"key": "apps-db", "name": "db-apps", "type": "v5-default", "metadata": "v5-shared",
     "folder": "Apps/Databases", "username": "mysql", "uris": ["mysql://db.apps.example.com"],
     "description": "",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "db-apps-pw-1", "description": ""},
     "owner": "ada", "shared": []},
    # Shared-key metadata NOT signed as Passbolt's clients sign it (signature verification tests). Betty's only,
    # so that Ada's listings stay clean. "signing": none | stranger (a key of no user) | bad (altered after signing).
    {"key": "v5-unsigned", "name": "unsigned-metadata", "type": "v5-default", "metadata": "v5-shared",
     "signing": "none", "folder": None, "username": "u", "uris": [], "description": "",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "unsigned-pw-1", "description": ""},
     "owner": "betty", "shared": []},
    {"key": "v5-stranger", "name": "stranger-metadata", "type": "v5-default", "metadata": "v5-shared",
     "signing": "stranger", "folder": None, "username": "s", "uris": [], "description": "",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "stranger-pw-1", "description": ""},
     "owner": "betty", "shared": []},
    {"key": "v5-badsig", "name": "badsig-metadata", "type": "v5-default", "metadata": "v5-shared",
     "signing": "bad", "folder": None, "username": "b", "uris": [], "description": "",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "badsig-pw-1", "description": ""},
     "owner": "betty", "shared": []},
    # Shared-key metadata encrypted to a key Betty does not hold (as a resource under a metadata key not shared with
    # her): a name search must pass it by, not fail (issue 27).
    {"key": "v5-unreadable", "name": "unreadable-metadata", "type": "v5-default", "metadata": "v5-shared",
     "signing": "unreadable", "folder": None, "username": "x", "uris": [], "description": "",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "unreadable-pw-1", "description": ""},
     "owner": "betty", "shared": []},
    # Two of one name: the genuine one and one whose metadata a stranger signed (a forged duplicate); first_found
    # must take the genuine one even though the forged one sorts first (its id is the greater one).
    {"key": "forged-dup-a", "name": "forged-duplicate", "type": "v5-default", "metadata": "v5-shared",
     "folder": None, "username": "genuine", "uris": [], "description": "",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "genuine-dup-pw-1", "description": ""},
     "owner": "betty", "shared": []},
    {"key": "forged-dup-b", "name": "forged-duplicate", "type": "v5-default", "metadata": "v5-shared",
     "signing": "stranger", "folder": None, "username": "forged", "uris": [], "description": "",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "forged-dup-pw-1", "description": ""},
     "owner": "betty", "shared": []},
    # Signed by its owner's key only, no metadata key signature: refused, as Passbolt's clients refuse it (issue 21;
    # a listed user's signature proves nothing against the server, which lists the users).
    {"key": "v5-user-signed", "name": "user-signed-metadata", "type": "v5-default", "metadata": "v5-shared",
     "signing": "user", "folder": None, "username": "us", "uris": [], "description": "",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "user-signed-pw-1", "description": ""},
     "owner": "betty", "shared": []},
    # Written as Passbolt's browser extension 5.x writes (openpgp.js 6: UTF-8 literal data, text signatures, the binary
    # salt notation in every signature; "writer": "extension", see extension.py): one resource of these once made
    # every lookup fail (issue 27). Secrets signed by the owner; shared metadata by the owner and the metadata key.
    {"key": "ext-v4", "name": "extension-v4", "type": "password-and-description", "metadata": "v4",
     "writer": "extension", "folder": None, "username": "ext4", "uris": ["https://ext4.example.com"],
     "description": "", "secret": {"password": "extension-v4-pw-\u00e9", "description": "written by the extension"},
     "owner": "ada", "shared": [{"user": "betty", "type": 1}]},
    {"key": "ext-v5-shared", "name": "extension-v5", "type": "v5-default-with-totp", "metadata": "v5-shared",
     "writer": "extension", "folder": "Apps", "username": "ext5", "uris": ["https://ext5.example.com"],
     "description": "v5 metadata written by the extension",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "extension-v5-pw-1",
                "description": "extension secret note", "totp": dict(_TOTP)},
     "owner": "ada", "shared": [{"user": "betty", "type": 7}]},
    {"key": "ext-v5-personal", "name": "extension-personal", "type": "v5-default", "metadata": "v5-user",
     "writer": "extension", "folder": None, "username": "ext-me", "uris": [], "description": "",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "extension-personal-pw-1", "description": ""},
     "owner": "ada", "shared": []},
    {"key": "ext-v5-custom", "name": "extension-custom", "type": "v5-custom-fields", "metadata": "v5-shared",
     "writer": "extension", "folder": None, "username": "", "uris": [], "description": "",
     "metadata_custom_fields": [{"id": _id("cf", "ext-token"), "type": "password", "metadata_key": "token"}],
     "secret": {"object_type": "PASSBOLT_SECRET_DATA",
                "custom_fields": [{"id": _id("cf", "ext-token"), "type": "password", "secret_value": "ext-token-1"}]},
     "owner": "ada", "shared": []},
    # v4 secrets written unsigned (other tools do) and with a bad signature ("secret_signing").
    {"key": "v4-unsigned-secret", "name": "unsigned-secret", "type": "password-and-description", "metadata": "v4",
     "secret_signing": "none", "folder": None, "username": "", "uris": [], "description": "",
     "secret": {"password": "unsigned-secret-pw-1", "description": ""}, "owner": "betty", "shared": []},
    # Signed by a listed user who did not write them (issue 21): a secret by Ada on Betty's resource, Betty's personal
    # metadata signed by Ada. Passbolt's clients require the writer's signature, so must we.
    {"key": "v4-other-signer", "name": "other-signer-secret", "type": "password-and-description", "metadata": "v4",
     "secret_signer": "ada", "folder": None, "username": "", "uris": [], "description": "",
     "secret": {"password": "other-signer-pw-1", "description": ""}, "owner": "betty", "shared": []},
    {"key": "v5-personal-foreign", "name": "personal-foreign-signer", "type": "v5-default", "metadata": "v5-user",
     "metadata_signer": "ada", "folder": None, "username": "pf", "uris": [], "description": "",
     "secret": {"object_type": "PASSBOLT_SECRET_DATA", "password": "personal-foreign-pw-1", "description": ""},
     "owner": "betty", "shared": []},
    {"key": "v4-badsig-secret", "name": "badsig-secret", "type": "password-and-description", "metadata": "v4",
     "secret_signing": "bad", "folder": None, "username": "", "uris": [], "description": "",
     "secret": {"password": "badsig-secret-pw-1", "description": ""}, "owner": "betty", "shared": []},
]
for _res in RESOURCES:
    _res["id"] = _id("resource", _res["key"])
    _res["resource_type_id"] = RESOURCE_TYPE_IDS[_res["type"]]

RESOURCES_BY_KEY = {r["key"]: r for r in RESOURCES}

# Profiles: "demo" and "test" carry the same data.
PROFILES = ("demo", "test")


def user_id(short):
    return USERS[short]["id"]


def resource(key):
    return RESOURCES_BY_KEY[key]
