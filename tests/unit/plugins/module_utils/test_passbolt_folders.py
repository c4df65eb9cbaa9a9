"""Folder paths over v4 and v5 folders (_passbolt_folders): names, refusals, the v5 metadata document."""

from __future__ import annotations

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._errors import NotFound
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_folders import (
    folder_entry,
    folder_metadata,
    path_of,
    resolve_path,
)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_signatures import SignatureError

REFUSED = "The metadata of folder f-forged is signed by key ABC, but Passbolt's clients require ..."


def v5(fid, parent, name, refused=None):
    row = {"id": fid, "folder_parent_id": parent, "metadata": "-----BEGIN PGP MESSAGE-----", "name": None,
           "metadata_key_type": "shared_key"}
    return folder_entry(row, {"object_type": "PASSBOLT_FOLDER_METADATA", "name": name} if name is not None else None,
                        refused)


@pytest.fixture()
def tree():
    entries = [folder_entry({"id": "f-infra", "folder_parent_id": None, "name": "Infra"}),
               v5("f-vault", "f-infra", "Vault"),
               folder_entry({"id": "f-old", "folder_parent_id": "f-vault", "name": "Old"}),
               v5("f-forged", "f-infra", "Vault", REFUSED),
               v5("f-lonely", None, "Lonely", REFUSED),
               v5("f-unread", "f-infra", None, "Folder f-unread cannot be read: it is encrypted for metadata key k.")]
    return {e["id"]: e for e in entries}


def test_entries_of_v4_and_v5_folders(tree):
    assert (tree["f-infra"]["name"], tree["f-infra"]["metadata_version"]) == ("Infra", "v4")
    assert (tree["f-vault"]["name"], tree["f-vault"]["metadata_version"]) == ("Vault", "v5")
    nameless = v5("f-x", None, None)
    assert nameless["name"] is None and "could not be decrypted" in nameless["refused"]
    odd = folder_entry({"id": "f-y", "metadata": "m"}, {"name": ["not", "a", "string"]})
    assert odd["name"] is None and "has no name" in odd["refused"]


def test_paths_through_v4_and_v5_folders(tree):
    assert resolve_path(tree, ["Infra", "Vault", "Old"], "Infra/Vault/Old") == ["f-old"]
    assert path_of(tree, "f-old") == "Infra/Vault/Old"
    # a refused or unreadable name is never shown
    assert path_of(tree, "f-forged") == "Infra/?" and path_of(tree, "f-unread") == "Infra/?"
    assert path_of(tree, "f-gone") == "?"


def test_a_refused_folder_is_passed_over_for_a_trusted_one_else_refused(tree):
    assert resolve_path(tree, ["Infra", "Vault"], "Infra/Vault") == ["f-vault"]
    with pytest.raises(SignatureError) as refused:
        resolve_path(tree, ["Lonely"], "Lonely")
    assert str(refused.value) == REFUSED


def test_unreadable_folders_are_named_when_nothing_matches(tree):
    with pytest.raises(NotFound) as missing:
        resolve_path(tree, ["Infra", "Secret"], "Infra/Secret")
    assert "no folder 'Secret' under 'Infra'" in str(missing.value)
    assert "1 folder(s) there whose name could not be read were passed by" in str(missing.value)
    assert "encrypted for metadata key k" in str(missing.value)


def test_the_metadata_document_keeps_what_else_it_holds():
    assert folder_metadata("New") == {"object_type": "PASSBOLT_FOLDER_METADATA", "name": "New", "color": None,
                                      "description": None, "icon": None}
    kept = folder_metadata("New", {"object_type": "X", "name": "Old", "color": "#fff", "future": 1})
    assert kept == {"object_type": "PASSBOLT_FOLDER_METADATA", "name": "New", "color": "#fff", "description": None,
                    "icon": None, "future": 1}
