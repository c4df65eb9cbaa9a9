"""v5 folders of the local Passbolt imitation, on the raw HTTP answer (no collection code), issue 22 point 1.

Each expectation names the passbolt_api 5.x file that decides it: plugins/PassboltCe/Metadata/src/Model/Dto/
MetadataFolderDto.php, Service/Folders/MetadataFoldersRenderService.php, Utility/MetadataSettingsAwareTrait.php,
Utility/MetadataPopulateUserKeyIdTrait.php and the folders plugin's FoldersTable (validationV5, buildRules,
buildRulesV5), FoldersCreateService, FoldersUpdateService, FoldersShareService.
"""

from __future__ import annotations

import json
import uuid

import pytest

from sandbox.passbolt import seed_data as SD
from test_passbolt_server import ADA, BETTY, _metadata_key, ada, body, client, server  # noqa: F401  pylint: disable=unused-import

FOLDER_INVALID = "Could not validate folder data."
# A v5 folder's top-level shape: the folders table's columns in their order without `name`
# (MetadataFoldersRenderService::renderFolder), then FolderizableBehavior's folder_parent_id and personal.
V5_KEYS = ["id", "metadata", "metadata_key_id", "metadata_key_type", "created", "modified", "created_by",
           "modified_by", "folder_parent_id", "personal"]
V4_KEYS = ["id", "name", "created", "modified", "created_by", "modified_by", "folder_parent_id", "personal"]


@pytest.fixture(scope="module")
def betty(client):  # noqa: F811 - the imported fixture
    return client.session("betty")


@pytest.fixture(scope="module")
def mkey(client, ada):  # noqa: F811
    return _metadata_key(client, ada)


def refused(response, status, message):
    payload = body(response, status)
    assert response.json()["header"]["message"] == message
    return payload


def document(name):
    """MetadataFolderDto::getClearTextMetadata."""
    return json.dumps({"object_type": "PASSBOLT_FOLDER_METADATA", "name": name, "color": None, "description": None,
                       "icon": None})


def shared_fields(client, mkey, name, signer="ada"):  # noqa: F811
    return {"metadata": client.encrypt(document(name), mkey["fingerprint"], signer), "metadata_key_id": mkey["id"],
            "metadata_key_type": "shared_key"}


def gpgkey_id(server, ada, user_id):  # noqa: F811
    return body(ada.get(server.base_url + "/users/%s.json" % user_id, timeout=10))["gpgkey"]["id"]


def settings(server, **values):
    server.admin("POST", "settings", values)


def test_v5_folders_are_the_default_and_render_without_a_name(server, client, ada, betty, mkey):  # noqa: F811
    """The demo server's metadata types settings ask for v5 folders; a v5 folder has no name anywhere it is
    rendered (create, view, index), a v4 one no metadata fields; children are raw rows with every column; the
    index sorts by Folders.name, NULL first; a search never matches a NULL name."""
    base = server.base_url
    types = body(ada.get(base + "/metadata/types/settings.json", timeout=10))
    assert types["default_folder_type"] == "v5" and types["allow_creation_of_v5_folders"] is True
    assert types["allow_creation_of_v4_folders"] is True
    fields = shared_fields(client, mkey, "Vault")
    response = ada.post(base + "/folders.json", json=dict(fields, folder_parent_id=SD.FOLDER_IDS["Infra"]),
                        timeout=10)
    created = body(response)
    assert response.json()["header"]["message"] == "The folder has been added successfully."
    assert list(created) == V5_KEYS
    assert created["metadata"] == fields["metadata"] and created["metadata_key_id"] == mkey["id"]
    assert created["folder_parent_id"] == SD.FOLDER_IDS["Infra"] and created["personal"] is True
    assert list(body(ada.get(base + "/folders/%s.json" % created["id"], timeout=10))) == V5_KEYS
    listed = body(ada.get(base + "/folders.json", timeout=10))
    assert listed[0]["id"] == created["id"] and list(listed[0]) == V5_KEYS  # NULL names first
    assert list(listed[1]) == V4_KEYS and [f["name"] for f in listed[1:]] == sorted(f["name"] for f in listed[1:])
    everything = body(ada.get(base + "/folders.json", params={"filter[search]": "%"}, timeout=10))
    assert created["id"] not in {f["id"] for f in everything} and len(everything) == len(listed) - 1
    infra = body(ada.get(base + "/folders/%s.json" % SD.FOLDER_IDS["Infra"], timeout=10,
                         params={"contain[children_folders]": 1}))
    child = next(f for f in infra["children_folders"] if f["id"] == created["id"])
    assert child["name"] is None and child["metadata"] == fields["metadata"]
    assert list(child) == ["id", "name"] + V5_KEYS[1:]
    # Betty cannot see it (one permission: Ada's)
    assert created["id"] not in {f["id"] for f in body(betty.get(base + "/folders.json", timeout=10))}


def test_personal_v5_folders(server, client, ada):  # noqa: F811
    """MetadataPopulateUserKeyIdTrait fills a user_key folder's missing metadata_key_id with the caller's key;
    MetadataFolderDto::assertShareable refuses to share a user_key folder, before looking at the rows."""
    base = server.base_url
    metadata = client.encrypt(document("Mine"), client.users["ada"]["fingerprint"], "ada")
    created = body(ada.post(base + "/folders.json", json={"metadata": metadata, "metadata_key_type": "user_key"},
                            timeout=10))
    assert created["metadata_key_id"] == gpgkey_id(server, ada, ADA) and created["metadata_key_type"] == "user_key"
    share = base + "/share/folder/%s.json" % created["id"]
    row = {"is_new": True, "aro": "User", "aro_foreign_key": BETTY, "aco": "Folder", "aco_foreign_key": created["id"],
           "type": 1}
    refused(ada.put(share, json={"permissions": [row]}, timeout=10), 400, "Folder can not be shared")
    refused(ada.put(share, json={}, timeout=10), 400, "Folder can not be shared")


def test_v5_folder_validation_and_rules(server, client, ada, mkey):  # noqa: F811
    """MetadataFolderDto::validate, FoldersTable::validationV5 then buildRulesV5, then the parent
    (FoldersCreateService::validateParentFolder)."""
    url = server.base_url + "/folders.json"
    fields = shared_fields(client, mkey, "Rules")
    refused(ada.post(url, json=dict(fields, name="x"), timeout=10), 400, "V4 related fields are not supported for V5.")
    refused(ada.post(url, json=dict(fields, metadata_key_type=None), timeout=10), 400,
            "Few fields are missing for the V5.")
    errors = refused(ada.post(url, json=dict(fields, metadata=""), timeout=10), 400, FOLDER_INVALID)
    assert errors == {"metadata": {"_empty": "The metadata should not be empty."}}
    errors = refused(ada.post(url, json={"metadata": "x", "metadata_key_id": "nope", "metadata_key_type": "other"},
                              timeout=10), 400, FOLDER_INVALID)
    assert errors == {"metadata_key_id": {"uuid": "The metadata key ID should be a valid UUID."},
                      "metadata": {"isMetadataParsable": "The message should be a valid ASCII-armored OpenPGP message."},
                      "metadata_key_type": {"inList": "The metadata key type should be one of the following: user_key, "
                                                      "shared_key."}}
    errors = refused(ada.post(url, json=dict(fields, metadata_key_id=str(uuid.uuid4())), timeout=10), 400,
                     FOLDER_INVALID)
    assert errors == {"metadata_key_id": {"metadata_key_exists": "The metadata key does not exist.",
                                          "isMetadataKeyNotExpired": "The metadata key is marked as expired."},
                      "metadata": {"isValidEncryptedMetadata": "The folder metadata provided cannot be decrypted."}}
    for_ada = client.encrypt(document("Rules"), client.users["ada"]["fingerprint"], "ada")
    errors = refused(ada.post(url, json=dict(fields, metadata=for_ada), timeout=10), 400, FOLDER_INVALID)
    assert errors == {"metadata": {"isValidEncryptedMetadata": "The folder metadata provided cannot be decrypted."}}
    errors = refused(ada.post(url, json=dict(fields, folder_parent_id="nope"), timeout=10), 400, FOLDER_INVALID)
    assert errors == {"folder_parent_id": {"uuid": "The folder parent id should be a valid UUID."}}
    settings(server, allow_personal_keys=False)
    try:
        errors = refused(ada.post(url, json={"metadata": for_ada, "metadata_key_type": "user_key"}, timeout=10), 400,
                         FOLDER_INVALID)
        assert errors == {"metadata_key_type": {"isMetadataKeyTypeAllowedBySettings": "The settings selected by your "
                                                "administrator prevent from using that key type."}}
    finally:
        settings(server, allow_personal_keys=True)


def test_creation_follows_the_metadata_types_settings(server, client, ada, mkey):  # noqa: F811
    """MetadataSettingsAwareTrait::assertCreationAllowedByMetadataSettings gates creation only (FoldersCreateService),
    not updates (FoldersUpdateService)."""
    base = server.base_url
    kept = body(ada.post(base + "/folders.json", json=shared_fields(client, mkey, "Kept"), timeout=10))
    settings(server, allow_v5_folder_create=False, folder_default="v4")
    try:
        types = body(ada.get(base + "/metadata/types/settings.json", timeout=10))
        assert types["default_folder_type"] == "v4" and types["allow_creation_of_v5_folders"] is False
        refused(ada.post(base + "/folders.json", json=shared_fields(client, mkey, "No"), timeout=10), 400,
                "Folder creation/modification with encrypted metadata not allowed.")
        renamed = body(ada.put(base + "/folders/%s.json" % kept["id"], json=shared_fields(client, mkey, "Still v5"),
                               timeout=10))
        assert list(renamed) == V5_KEYS
        settings(server, allow_v5_folder_create=True, allow_v4_folder_create=False, folder_default="v5")
        refused(ada.post(base + "/folders.json", json={"name": "cleartext"}, timeout=10), 400,
                "Folder creation with cleartext metadata not allowed.")
    finally:
        settings(server, allow_v5_folder_create=True, allow_v4_folder_create=True, folder_default="v5")


def test_v5_folder_updates_upgrade_and_downgrade(server, client, ada, betty, mkey):  # noqa: F811
    """FoldersUpdateService: a v5 payload clears the name; IsV4ToV5UpgradeAllowedRule and
    IsFolderV5ToV4DowngradeAllowedRule follow allow_v4_v5_upgrade / allow_v5_v4_downgrade; a downgrade drops the
    metadata (MetadataFolderUpdateListener); IsMetadataKeyTypeSharedOnSharedItemRule keeps user_key off a shared
    folder; a reader cannot update."""
    base = server.base_url
    plain = body(ada.post(base + "/folders.json", json={"name": "Plain"}, timeout=10))
    one = base + "/folders/%s.json" % plain["id"]
    errors = refused(ada.put(one, json=shared_fields(client, mkey, "Upgraded"), timeout=10), 400, FOLDER_INVALID)
    assert errors == {"metadata": {"v4_to_v5_upgrade_allowed": "The settings selected by your administrator prevent "
                                                               "from upgrading v4 to v5."}}
    settings(server, allow_v4_v5_upgrade=True)
    try:
        response = ada.put(one, json=shared_fields(client, mkey, "Upgraded"), timeout=10)
        assert list(body(response)) == V5_KEYS
        assert response.json()["header"]["message"] == "The folder has been updated successfully."
    finally:
        settings(server, allow_v4_v5_upgrade=False)
    assert list(body(ada.get(one, timeout=10))) == V5_KEYS
    errors = refused(ada.put(one, json={"name": "Back"}, timeout=10), 400, FOLDER_INVALID)
    assert errors == {"name": {"v5_to_v4_downgrade_allowed": "The settings selected by your administrator prevent "
                                                             "from downgrading folder."}}
    settings(server, allow_v5_v4_downgrade=True)
    try:
        downgraded = body(ada.put(one, json={"name": "Back"}, timeout=10))
    finally:
        settings(server, allow_v5_v4_downgrade=False)
    assert list(downgraded) == V4_KEYS and downgraded["name"] == "Back"
    child = body(ada.get(base + "/folders.json", params={"contain[children_folders]": 1, "filter[has-id][]":
                                                         plain["id"]}, timeout=10))[0]
    assert child["name"] == "Back" and "metadata" not in child
    # shared with Betty (read): no personal metadata, and Betty may not update it
    shared = body(ada.post(base + "/folders.json", json=shared_fields(client, mkey, "Team"), timeout=10))
    row = {"is_new": True, "aro": "User", "aro_foreign_key": BETTY, "aco": "Folder", "aco_foreign_key": shared["id"],
           "type": 1}
    body(ada.put(base + "/share/folder/%s.json" % shared["id"], json={"permissions": [row]}, timeout=10))
    personal = {"metadata": client.encrypt(document("Team"), client.users["ada"]["fingerprint"], "ada"),
                "metadata_key_type": "user_key"}
    errors = refused(ada.put(base + "/folders/%s.json" % shared["id"], json=personal, timeout=10), 400,
                     FOLDER_INVALID)
    assert errors == {"metadata_key_type": {"isMetadataKeyTypeSharedOnSharedItem": "A folder of type personal cannot "
                                            "be shared with other users or a group."}}
    refused(betty.put(base + "/folders/%s.json" % shared["id"], json=shared_fields(client, mkey, "Hers", "betty"),
                      timeout=10), 403, "You are not allowed to update this folder.")
    seen = next(f for f in body(betty.get(base + "/folders.json", timeout=10)) if f["id"] == shared["id"])
    assert list(seen) == V5_KEYS and seen["personal"] is False
