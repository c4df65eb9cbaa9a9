"""Resource writes and metadata settings of the local Passbolt imitation, on the raw HTTP answer (issue 14).

Each expectation comes from passbolt_api 5.x: src/Controller/Resources/Resources{Add,Update,Delete}Controller.php,
src/Service/Resources/Resources{Add,Update}Service.php, src/Model/Table/ResourcesTable.php and SecretsTable.php,
plugins/PassboltCe/Metadata (MetadataResourceDto, Model/Rule/*, the settings DTOs and services),
plugins/PassboltCe/Folders/src/Service/Resources/ResourcesAfterCreateService.php and the resource type
migrations (config/Migrations/*ResourceType*, SlugDefinition.php). See tests/sandbox/passbolt/README.md.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from sandbox.passbolt import seed_data as SD
# the raw client and its fixtures (one server for this module)
from test_passbolt_server import (  # noqa: F401  pylint: disable=unused-import
    ADA, BETTY, _metadata_key, ada, body, client, server)

TYPES = SD.RESOURCE_TYPE_IDS
V4_IN_LIST = ("The resource type should be one of the following: password-string, password-and-description, totp, "
              "password-description-totp.")
V5_IN_LIST = ("The resource type should be one of the following: v5-password-string, v5-default, v5-totp-standalone, "
              "v5-default-with-totp, v5-custom-fields, v5-note, v5-pin-code.")
NOT_DECRYPTABLE = {"isValidEncryptedResourceMetadata": "The resource metadata provided can not be decrypted."}
V5_FIELDS = ("metadata", "metadata_key_id", "metadata_key_type")
V4_FIELDS = ("name", "username", "uri", "description")


@pytest.fixture(scope="module")
def mkey(client, ada):  # pylint: disable=redefined-outer-name
    return _metadata_key(client, ada)


@pytest.fixture(scope="module")
def gpgkeys(server, ada):  # pylint: disable=redefined-outer-name
    """user id -> the user's gpgkey row (its id is a user_key metadata_key_id)."""
    users = body(ada.get(server.base_url + "/users.json", timeout=10))
    return {u["id"]: u["gpgkey"] for u in users}


def _fpr(client, short):  # pylint: disable=redefined-outer-name
    return client.users[short]["fingerprint"]


def _secret(client, text="pw", short="ada"):  # pylint: disable=redefined-outer-name
    return client.encrypt(text, _fpr(client, short), "ada")


def _metadata(client, slug, name, *fingerprints):  # pylint: disable=redefined-outer-name
    text = json.dumps({"object_type": "PASSBOLT_RESOURCE_METADATA", "resource_type_id": TYPES[slug], "name": name,
                       "username": "", "uris": [], "description": ""})
    result = client.gpg.encrypt(text, list(fingerprints), always_trust=True)
    assert result.ok, result.status
    return str(result)


def _post(server, session, payload):  # pylint: disable=redefined-outer-name
    return session.post(server.base_url + "/resources.json", json=payload, timeout=10)


def _put(server, session, rid, payload):  # pylint: disable=redefined-outer-name
    return session.put(server.base_url + "/resources/%s.json" % rid, json=payload, timeout=10)


def _refused(response, status=400):
    """(body, message) of an error answer."""
    return body(response, status), response.json()["header"]["message"]


def _v5(client, mkey, slug="v5-default", name="w-v5", **overrides):  # pylint: disable=redefined-outer-name
    payload = {"resource_type_id": TYPES[slug], "metadata": _metadata(client, slug, name, mkey["fingerprint"]),
               "metadata_key_id": mkey["id"], "metadata_key_type": "shared_key",
               "secrets": [{"data": _secret(client)}]}
    payload.update(overrides)
    return payload


def test_v4_create_answer(server, client, ada):  # pylint: disable=redefined-outer-name
    """ResourcesAddController: the saved resource with contain creator/modifier/favorite/secret/permission, the
    v5 fields left out (MetadataResourcesRenderService); no type: password-string (ResourcesAddService::buildEntity);
    the first secret is the creator's whatever user_id says."""
    response = _post(server, ada, {"name": "w-v4", "username": "u", "uri": "https://w.example.com",
                                   "description": "clear", "secrets": [{"user_id": BETTY, "data": _secret(client)}]})
    created = body(response)
    assert response.json()["header"]["message"] == "The resource has been added successfully."
    assert created["resource_type_id"] == TYPES["password-string"]
    assert not set(V5_FIELDS) & set(created)
    assert (created["name"], created["username"], created["uri"], created["description"]) == \
        ("w-v4", "u", "https://w.example.com", "clear")
    assert created["creator"]["id"] == ADA and created["modifier"]["id"] == ADA and created["favorite"] is None
    assert created["permission"]["aro_foreign_key"] == ADA and created["permission"]["type"] == 15
    assert [s["user_id"] for s in created["secrets"]] == [ADA]
    # ResourcesTable::beforeMarshal: password-and-description keeps its description in the secret only
    described = body(_post(server, ada, {"name": "w-pd", "description": "in clear?", "secrets": [
        {"data": _secret(client)}], "resource_type_id": TYPES["password-and-description"]}))
    assert described["description"] is None


def test_v4_create_validation_messages(server, client, ada):  # pylint: disable=redefined-outer-name
    """ResourcesTable::validationDefault: one key per failed rule, the field's own message."""
    errors, message = _refused(_post(server, ada, {
        "name": "", "username": "u" * 256, "uri": "https://x.example.com/\U0001F600", "resource_type_id": "nope",
        "expired": "not a date"}))
    assert message == "Could not validate resource data."
    assert errors == {
        "name": {"_empty": "The name should not be empty."},
        "username": {"maxLength": "The username length should be maximum 255 characters."},
        "uri": {"utf8": "The uri should be a valid BMP-UTF8 string."},
        "expired": {"expired": "The date could not be parsed."},
        "resource_type_id": {"uuid": "The resource type identifier should be a valid UUID.", "inList": V4_IN_LIST},
        "secrets": {"_required": "The owner secret is required."}}
    secret = {"data": _secret(client)}
    errors, dummy = _refused(_post(server, ada, {"name": "x", "resource_type_id": TYPES["v5-default"],
                                                 "secrets": [secret]}))
    assert errors == {"resource_type_id": {"inList": V4_IN_LIST}}
    errors, dummy = _refused(_post(server, ada, {"name": "x", "secrets": [secret, dict(secret, user_id=BETTY)]}))
    assert errors == {"secrets": {"hasAtMost": "The secrets should contain only the secret of the owner."}}
    errors, dummy = _refused(_post(server, ada, {"name": "x", "secrets": None}))
    assert errors == {"secrets": {"_empty": "The secrets should not be empty."}}
    # no first secret: an empty one replaces the list (buildEntity), its own errors keyed by position (a PHP list)
    errors, dummy = _refused(_post(server, ada, {"name": "x", "secrets": []}))
    assert errors == {"secrets": [{"user_id": {"_required": "A user identifier is required."},
                                   "data": {"_required": "A message is required."}}]}
    errors, dummy = _refused(_post(server, ada, {"name": "x", "secrets": [{"data": "caf\u00e9"}]}))
    assert errors == {"secrets": [{"data": {
        "ascii": "The message should be a valid ASCII string.",
        "isValidOpenPGPMessage": "The message should be a valid ASCII-armored OpenPGP message."}}]}


def test_v5_create_rules(server, client, ada, mkey, gpgkeys):  # pylint: disable=redefined-outer-name
    """validationV5 and buildRulesV5: the metadata is one OpenPGP message for exactly the key named by
    metadata_key_id (the shared metadata key, or a user's key for user_key)."""
    created = body(_post(server, ada, _v5(client, mkey)))
    assert created["metadata_key_type"] == "shared_key" and not set(V4_FIELDS) & set(created)
    cases = [
        (dict(metadata="hello"),
         {"metadata": {"isMetadataParsable": "The message should be a valid ASCII-armored OpenPGP message."}}),
        (dict(metadata_key_type="team_key"), {"metadata_key_type": {
            "inList": "The metadata key type should be one of the following: user_key, shared_key."}}),
        (dict(metadata_key_id="nope"), {"metadata_key_id": {"uuid": "The metadata key ID should be a valid UUID."}}),
        (dict(metadata_key_id=str(uuid.uuid4())), {"metadata_key_id": {
            "metadata_key_exists": "The metadata key does not exist or was deleted.",
            "isMetadataKeyNotExpired": "The metadata key is marked as expired."}, "metadata": NOT_DECRYPTABLE}),
        (dict(metadata=_metadata(client, "v5-default", "x", _fpr(client, "ada"))), {"metadata": NOT_DECRYPTABLE}),
        (dict(metadata=_metadata(client, "v5-default", "x", mkey["fingerprint"], _fpr(client, "ada"))),
         {"metadata": NOT_DECRYPTABLE}),  # HAS_EXACTLY_ONE_RECIPIENT
        (dict(resource_type_id=TYPES["v5-password-string"]), {"resource_type_id": {
            "isNotV5PasswordStringType": "It is not allowed to create v5-password-string resource types."}}),
        (dict(resource_type_id=None), {"resource_type_id": {"inList": V5_IN_LIST}}),  # defaults to password-string
    ]
    for overrides, expected in cases:
        errors, message = _refused(_post(server, ada, _v5(client, mkey, **overrides)))
        assert (errors, message) == (expected, "Could not validate resource data."), overrides
    # user_key: the caller's key id is filled in (MetadataPopulateUserKeyIdTrait); any user's key is accepted if
    # the metadata is for it (MetadataKeyIdExistsInRule looks up every gpgkey)
    mine = body(_post(server, ada, _v5(client, mkey, metadata_key_type="user_key", metadata_key_id=None,
                                       metadata=_metadata(client, "v5-default", "mine", _fpr(client, "ada")))))
    assert mine["metadata_key_id"] == gpgkeys[ADA]["id"] and mine["metadata_key_type"] == "user_key"
    body(_post(server, ada, _v5(client, mkey, metadata_key_type="user_key", metadata_key_id=gpgkeys[BETTY]["id"],
                                metadata=_metadata(client, "v5-default", "odd", _fpr(client, "betty")))))
    pin = body(_post(server, ada, _v5(client, mkey, slug="v5-pin-code", name="w-pin")))
    assert pin["resource_type_id"] == TYPES["v5-pin-code"]
    server.admin("POST", "settings", {"allow_personal_keys": False})
    try:
        assert body(ada.get(server.base_url + "/metadata/keys/settings.json", timeout=10)) == {
            "allow_usage_of_personal_keys": False, "zero_knowledge_key_share": False}
        personal = _v5(client, mkey, metadata_key_type="user_key", metadata_key_id=None,
                       metadata=_metadata(client, "v5-default", "m", _fpr(client, "ada")))
        errors, dummy = _refused(_post(server, ada, personal))
        assert errors == {"metadata_key_type": {"isMetadataKeyTypeAllowedBySettings":
                                                "The settings selected by your administrator prevent from using that "
                                                "key type."}}
    finally:
        server.admin("POST", "settings", {"allow_personal_keys": True})


def test_create_in_a_folder(server, client, ada):  # pylint: disable=redefined-outer-name
    """ResourcesAfterCreateService, after the save: nothing is kept when the folder is refused."""
    betty = client.session("betty")
    foreign = body(betty.post(server.base_url + "/folders.json", json={"name": "betty-only"}, timeout=10))
    before = len(server.admin("GET", "state")["resources"])
    for folder, expected in (
            ("nope", {"uuid": "The folder parent identifier should be a valid UUID."}),
            (str(uuid.uuid4()), {"folder_exists": "The folder parent does not exist."}),
            (foreign["id"], {"has_folder_access": "You are not allowed to create content into the parent folder."})):
        errors, dummy = _refused(_post(server, ada, {"name": "in-folder", "folder_parent_id": folder,
                                                     "secrets": [{"data": _secret(client)}]}))
        assert errors == {"folder_parent_id": expected}
    assert len(server.admin("GET", "state")["resources"]) == before
    inside = body(_post(server, ada, {"name": "in-folder", "folder_parent_id": SD.FOLDER_IDS["Apps"],
                                      "secrets": [{"data": _secret(client)}]}))
    assert inside["folder_parent_id"] == SD.FOLDER_IDS["Apps"]


def test_update_rules(server, client, ada, mkey):  # pylint: disable=redefined-outer-name
    """ResourcesUpdateService: the type is password-string unless given, the payload's version picks the validator,
    v4<->v5 changes follow the settings; no creation setting is checked on update."""
    shared = SD.resource("v5-shared")["id"]  # ada owner, betty update
    errors, dummy = _refused(_put(server, ada, shared, {"resource_type_id": TYPES["v5-default"]}))
    assert errors == {"resource_type_id": {"inList": V4_IN_LIST}}  # no metadata: a v4 payload
    errors, dummy = _refused(_put(server, ada, shared, {}))
    assert errors == {"resource_type_id": {"v5_to_v4_downgrade_allowed": "The settings selected by your "
                                                                         "administrator prevent from downgrading "
                                                                         "resource type."}}
    personal = _v5(client, mkey, metadata_key_type="user_key", metadata_key_id=None,
                   metadata=_metadata(client, "v5-default", "app-api", _fpr(client, "ada")))
    del personal["secrets"]
    errors, dummy = _refused(_put(server, ada, shared, personal))
    assert errors == {"metadata_key_type": {"isMetadataKeyTypeSharedOnSharedItem": "A resource of type personal "
                                                                                   "cannot be shared with other "
                                                                                   "users or a group."}}
    server.admin("POST", "settings", {"allow_v5_create": False})
    try:
        updated = _put(server, ada, shared, dict(_v5(client, mkey, name="app-api"), secrets=None))
        assert body(updated)["metadata_key_id"] == mkey["id"]
        assert updated.json()["header"]["message"] == "The resource has been updated successfully."
    finally:
        server.admin("POST", "settings", {"allow_v5_create": True})
    legacy = SD.resource("v4-string")["id"]  # ada only
    upgrade = dict(_v5(client, mkey, name="legacy-string"), secrets=None)
    errors, dummy = _refused(_put(server, ada, legacy, upgrade))
    assert errors == {"metadata": {"v4_to_v5_upgrade_allowed": "The settings selected by your administrator "
                                                               "prevent from upgrading v4 to v5."}}
    payload = {"resource_type_id": TYPES["password-string"], "secrets": [{"data": _secret(client)}]}
    errors, dummy = _refused(_put(server, ada, legacy, payload))
    assert errors == {"secrets": [{"user_id": {"_required": "A user identifier is required."}}]}
    errors, dummy = _refused(_put(server, ada, legacy, {"resource_type_id": TYPES["password-string"], "secrets": [
        {"user_id": ADA, "data": _secret(client)}, {"user_id": BETTY, "data": _secret(client, short="betty")}]}))
    assert errors == {"secrets": {"secrets_provided": "The secrets should contain the secrets of all the users "
                                                      "having access to the resource."}}
    server.admin("POST", "settings", {"allow_v4_v5_upgrade": True})
    try:
        upgraded = body(_put(server, ada, legacy, upgrade))
    finally:
        server.admin("POST", "settings", {"allow_v4_v5_upgrade": False})
    assert upgraded["metadata_key_type"] == "shared_key" and not set(V4_FIELDS) & set(upgraded)
    # no resource_type_id: password-string, whatever the type was
    dup = body(_put(server, ada, SD.resource("dup-infra")["id"], {"name": "dup-name"}))
    assert dup["resource_type_id"] == TYPES["password-string"] and dup["name"] == "dup-name"


def test_update_checks_in_order(server, client, ada):  # pylint: disable=redefined-outer-name
    """The id, then the payload (MetadataResourceDto), then the caller's permission."""
    response = _put(server, ada, "nope", {})
    assert _refused(response)[1] == "The resource identifier should be a valid UUID."
    response = _put(server, ada, str(uuid.uuid4()), {"metadata": "x"})
    assert _refused(response)[1] == "Few fields are missing for the V5."
    response = _put(server, ada, str(uuid.uuid4()), {"name": "x"})
    assert _refused(response, 404)[1] == "The resource does not exist."
    betty = client.session("betty")
    response = _put(server, betty, SD.resource("v4-desc")["id"], {"name": "x"})  # read through group Ops
    assert _refused(response, 403)[1] == "You are not allowed to update this resource."


def test_delete(server, client, ada):  # pylint: disable=redefined-outer-name
    """ResourcesDeleteController / ResourcesTable::softDelete: update permission, 403 for a reader, 404 otherwise."""
    rid = SD.resource("v4-desc")["id"]  # ada owner, betty reads through group Ops
    url = server.base_url + "/resources/%s.json" % rid
    betty = client.session("betty")
    assert _refused(betty.delete(url, timeout=10), 403)[1] == "You do not have the permission to delete this resource."
    unseen = server.base_url + "/resources/%s.json" % SD.resource("v4-totp")["id"]  # ada's only
    assert _refused(betty.delete(unseen, timeout=10), 404)[1] == "The resource does not exist."
    assert _refused(ada.delete(server.base_url + "/resources/nope.json", timeout=10))[1] == \
        "The resource identifier should be a valid UUID."
    response = ada.delete(url, timeout=10)
    assert body(response) is None
    assert response.json()["header"]["message"] == "The resource has been deleted successfully."
    assert _refused(ada.delete(url, timeout=10), 404)[1] == "The resource does not exist."


def test_metadata_settings_shapes(server, ada):  # pylint: disable=redefined-outer-name
    """MetadataTypesSettingsDto / MetadataKeysSettingsDto::toArray() (keys in their order), the caller's session
    keys (MetadataSessionKeysGetService: a list)."""
    types = body(ada.get(server.base_url + "/metadata/types/settings.json", timeout=10))
    assert list(types.items()) == [
        ("default_resource_types", "v5"), ("default_folder_type", "v5"), ("default_tag_type", "v4"),
        ("default_comment_type", "v4"), ("allow_creation_of_v5_resources", True),
        ("allow_creation_of_v5_folders", True), ("allow_creation_of_v5_tags", False),
        ("allow_creation_of_v5_comments", False), ("allow_creation_of_v4_resources", True),
        ("allow_creation_of_v4_folders", True), ("allow_creation_of_v4_tags", True),
        ("allow_creation_of_v4_comments", True), ("allow_v5_v4_downgrade", False), ("allow_v4_v5_upgrade", False)]
    keys = body(ada.get(server.base_url + "/metadata/keys/settings.json", timeout=10))
    assert list(keys.items()) == [("allow_usage_of_personal_keys", True), ("zero_knowledge_key_share", False)]
    assert body(ada.get(server.base_url + "/metadata/session-keys.json", timeout=10)) == []
    body(requests.get(server.base_url + "/metadata/types/settings.json", timeout=10), 403)


# SlugDefinition::v5PinCode() as json_encode() writes it (V5120AddStandalonePinCodeResourceType stores it).
PIN_CODE_DEFINITION = (
    r'{"resource":{"type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":255},'
    r'"description":{"anyOf":[{"type":"string","maxLength":10000},{"type":"null"}]},"icon":{"type":"object",'
    r'"required":[],"properties":{"type":{"type":"string","enum":["keepass-icon-set","passbolt-icon-set"]},'
    r'"value":{"type":"integer","minimum":0},"background_color":{"anyOf":[{"type":"string",'
    r'"pattern":"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$"},{"type":"null"}]}}}}},"secret":{"type":"object",'
    r'"required":["pin_code","object_type"],"properties":{"object_type":{"type":"string",'
    r'"enum":["PASSBOLT_SECRET_DATA"]},"pin_code":{"type":"string","minLength":4,"maxLength":12,'
    r'"pattern":"^\\d+$"},"description":{"anyOf":[{"type":"string","maxLength":50000},{"type":"null"}]}}}}')


def test_pin_code_and_type_names(server, ada):  # pylint: disable=redefined-outer-name
    """The index lists v5-pin-code (as every type: TotpResourceTypesFinderService); names and descriptions as the
    migrations insert them."""
    listed = {t["slug"]: t for t in body(ada.get(server.base_url + "/resource-types.json", timeout=10))}
    pin = listed["v5-pin-code"]
    assert pin["id"] == "%s" % uuid.uuid5(uuid.UUID("d5447ca1-950f-459d-8b20-86ddfdd0f922"),
                                          "resource-types.id.v5-pin-code")
    assert (pin["name"], pin["description"]) == ("Standalone pin code", "A resource with a standalone pin code.")
    assert pin["definition"] == json.loads(PIN_CODE_DEFINITION)
    viewed = body(ada.get(server.base_url + "/resource-types/%s.json" % pin["id"], timeout=10))
    assert viewed["definition"] == PIN_CODE_DEFINITION
    assert {slug: (t["name"], t["description"]) for slug, t in listed.items() if slug in (
        "password-string", "v5-password-string", "v5-custom-fields", "v5-note")} == {
        "password-string": ("Simple password",
                            "The original passbolt resource type, where the secret is a non empty string."),
        "v5-password-string": ("Simple Password (Deprecated)",
                               "The original passbolt resource type, kept for backward compatibility reasons."),
        "v5-custom-fields": ("Standalone custom fields", "A resource with standalone custom fields."),
        "v5-note": ("Standalone note", "A resource with standalone notes.")}
    digits = listed["v5-totp-standalone"]["definition"]["secret"]["properties"]["totp"]["properties"]["digits"]
    assert digits == {"type": "number", "minimum": 6, "exclusiveMaximum": 9}
    name_schema = listed["password-string"]["definition"]["resource"]["properties"]["name"]
    assert name_schema == {"type": "string", "maxLength": 255}


def test_metadata_keys_index(server, ada):  # pylint: disable=redefined-outer-name
    """MetadataKeysIndexController/Service: no pagination, isset() contains, boolean deleted/expired filters."""
    url = server.base_url + "/metadata/keys.json"
    plain = ada.get(url, timeout=10)
    keys = body(plain)
    assert "pagination" not in plain.json()["header"]
    assert len(keys) == 1 and "metadata_private_keys" not in keys[0] and "creator" not in keys[0]
    # contain[x]=0 still contains x (isset); creator.profile brings the creator with its profile
    contained = body(ada.get(url + "?contain[metadata_private_keys]=0&contain[creator.profile]=1", timeout=10))[0]
    assert [p["user_id"] for p in contained["metadata_private_keys"]] == [ADA]
    assert contained["creator"]["id"] == ADA and "profile" in contained["creator"] and "role" not in contained["creator"]
    assert body(ada.get(url + "?filter[deleted]=0&filter[expired]=false", timeout=10)) == keys
    assert body(ada.get(url + "?filter[deleted]=1", timeout=10)) == []
    # validateFilterBoolean's CakeException, wrapped by validateQueryItems; the resources index checks its is-* alike
    assert _refused(ada.get(url + "?filter[expired]=maybe", timeout=10))[1] == \
        'Invalid filter. "maybe" is not a valid value for filter expired.'
    assert _refused(ada.get(server.base_url + "/resources.json?filter[is-favorite]=yes", timeout=10))[1] == \
        'Invalid filter. "yes" is not a valid value for filter is-favorite.'
