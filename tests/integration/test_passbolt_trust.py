"""Issue 21: every user of a real Passbolt 5 server can read, and what is trusted is what the real server signs.

Raw HTTP (tests/integration/passbolt_session.py, no collection code) pins what the local server writes and signs on
its own, as passbolt_api 5.x does: the metadata key shared with each user by the server and signed with the server
key (`MetadataKeyShareDefaultService::shareMetadataKeyWithUser`), the zero-knowledge mode where an administrator
shares it, the administrator's upgrade of v4 resources to v5 (`MigrateAllV4ResourcesToV5Service`, signed by the
server key), and metadata key rotation with the rules the real server enforces. Real ansible-playbook runs then read
all of it as Betty, a plain user, and pin the metadata keys.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone

import pytest

from integration.passbolt_session import RawSession, as_user, server, users  # noqa: F401  pylint: disable=unused-import
from sandbox.passbolt import seed_data as SD

pytestmark = pytest.mark.xdist_group("passbolt-trust")  # one server whose state the tests change in turn

PLAYBOOK_HEAD = "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
V5_SHARED = ("v5-shared", "ext-v5-shared")  # shared with Betty


def fresh(server, zero_knowledge=False):
    server.admin("POST", "settings", {"zero_knowledge_key_share": zero_knowledge})
    server.admin("POST", "reseed", {"profile": "test"})


def my_copies(session):
    """(metadata keys, the caller's private key rows) as GET /metadata/keys.json gives them."""
    keys = session.get("/metadata/keys.json?contain[metadata_private_keys]=1")
    return keys, [row for key in keys for row in key["metadata_private_keys"]]


def import_metadata_keys(session):
    """Import into the raw session the metadata private keys shared with its user."""
    for row in my_copies(session)[1]:
        session.gpg.import_keys(json.loads(session.decrypt(row["data"])[0])["armored_key"])


def run_book(playbook, tmp_path, env, tasks, extra_vars=None, args=()):
    book = tmp_path / ("book-%d.yml" % len(list(tmp_path.iterdir())))
    book.write_text(PLAYBOOK_HEAD + tasks)
    return playbook(str(book), env=env, extra_vars=extra_vars, args=args)


READ_AS_BETTY = """
    - name: Shared v4 (through the Ops group) and v5 resources, as a plain user
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passbolt', 'db-primary') == 'db-primary-pw-1'
          - lookup('pwman.secrets.passbolt', 'app-api') == 'app-api-pw-1'
          - lookup('pwman.secrets.passbolt', 'app-api', field='username') == 'api'
          - lookup('pwman.secrets.passbolt', 'extension-v5') == 'extension-v5-pw-1'
          - lookup('pwman.secrets.passbolt', 'betty-shared') == 'betty-shared-pw-1'
"""


def test_the_server_shares_the_metadata_key_itself_signed_by_its_key(server, users):
    """zero_knowledge_key_share false (the default): Ada made the key, so her copy is hers; every other active user's
    copy is the server's (created_by/modified_by null, signed by the server key); an inactive user has none."""
    fresh(server)
    with RawSession(server.base_url, users["ada"]) as ada:
        assert ada.get("/metadata/keys/settings.json")["zero_knowledge_key_share"] is False
        keys, rows = my_copies(ada)
        assert len(keys) == 1 and len(rows) == 1
        assert rows[0]["created_by"] == rows[0]["modified_by"] == users["ada"]["id"]
        assert ada.decrypt(rows[0]["data"])[1] == [users["ada"]["fingerprint"]]
    with RawSession(server.base_url, users["betty"]) as betty:
        dummy, rows = my_copies(betty)
        assert len(rows) == 1 and rows[0]["user_id"] == users["betty"]["id"]
        assert rows[0]["created_by"] is None and rows[0]["modified_by"] is None
        text, signers = betty.decrypt(rows[0]["data"])
        assert signers == [betty.server_fingerprint]
        assert json.loads(text)["object_type"] == "PASSBOLT_METADATA_PRIVATE_KEY"
    assert server.admin("GET", "metadata-private-keys")["users_without_copy"] == [users["dame"]["id"]]


def test_a_plain_user_reads_shared_v4_and_v5_when_the_server_shared_the_key(server, users, playbook, tmp_path):
    fresh(server)
    for cache in ("true", "false"):
        result = run_book(playbook, tmp_path, as_user(server, users["betty"], PWMAN_SECRETS_CACHE=cache), READ_AS_BETTY)
        assert result.rc == 0, result


def test_zero_knowledge_an_administrator_shares_the_key(server, users, playbook, tmp_path):
    """zero_knowledge_key_share true: the server holds no copy and shares nothing; until an administrator shares the
    key, Betty reads v4 but not v5 and is told why; Ada's share (signed by Ada) then works."""
    fresh(server, zero_knowledge=True)
    assert server.admin("GET", "metadata-private-keys")["server_copy"] is False
    with RawSession(server.base_url, users["betty"]) as betty:
        assert betty.get("/metadata/keys/settings.json")["zero_knowledge_key_share"] is True
        keys, rows = my_copies(betty)
        assert len(keys) == 1 and rows == []
    before = run_book(playbook, tmp_path, as_user(server, users["betty"]), """
    - name: v4 reads
      ansible.builtin.assert:
        that: lookup('pwman.secrets.passbolt', 'db-primary') == 'db-primary-pw-1'
    - name: v5 does not, and says why
      ansible.builtin.set_fact:
        v5: "{{ lookup('pwman.secrets.passbolt', '%s') }}"
      register: v5
      ignore_errors: true
    - name: The message
      ansible.builtin.assert:
        that:
          - v5 is failed
          - "'not shared with you' in v5.msg and 'zero-knowledge' in v5.msg"
""" % SD.resource("v5-shared")["id"])
    assert before.rc == 0, before
    with RawSession(server.base_url, users["ada"]) as ada:
        key_id = my_copies(ada)[0][0]["id"]
        ada_key = {"fingerprint": my_copies(ada)[0][0]["fingerprint"]}
        import_metadata_keys(ada)
        ada_key["private"] = ada.gpg.export_keys(ada_key["fingerprint"], secret=True, expect_passphrase=False)
        copy = ada.private_key_copy(ada_key, users["betty"]["public_key"])
        status, body = ada.call("POST", "/metadata/keys/%s/private.json" % key_id,
                                {"user_id": users["betty"]["id"], "data": copy})
        assert status == 200, body
        assert body["body"]["created_by"] == body["body"]["modified_by"] == users["ada"]["id"]
        status, body = ada.call("POST", "/metadata/keys/%s/private.json" % key_id,
                                {"user_id": users["betty"]["id"], "data": copy})
        assert status == 400 and body["header"]["message"] == "The metadata key is already shared with the user."
    after = run_book(playbook, tmp_path, as_user(server, users["betty"]), READ_AS_BETTY)
    assert after.rc == 0, after


def test_the_administrators_v5_upgrade_is_signed_by_the_server(server, users, playbook, tmp_path):
    """`passbolt metadata migrate_all_items` (MigrateAllV4ResourcesToV5Service): shared resources get shared-key
    metadata, personal ones user-key metadata, both signed by the server key only; modified_by is kept."""
    fresh(server)
    result = server.admin("POST", "metadata-migrate", {})
    assert result["success"] is True and result["migrated"][0]["entity"] == "resources"
    assert SD.resource("v4-desc")["id"] in result["migrated"][0]["ids"]
    with RawSession(server.base_url, users["ada"]) as ada:
        import_metadata_keys(ada)
        shared = ada.get("/resources/%s.json" % SD.resource("v4-desc")["id"])
        assert shared["metadata_key_type"] == "shared_key" and "name" not in shared
        assert shared["resource_type_id"] == SD.resource_type_id("v5-default")
        assert shared["modified_by"] == users["ada"]["id"]
        text, signers = ada.decrypt(shared["metadata"])
        assert signers == [ada.server_fingerprint]
        metadata = json.loads(text)
        assert metadata["name"] == "db-primary" and metadata["uris"] == ["postgres://db1.example.com:5432"]
        assert metadata["custom_fields"] is None and metadata["icon"] is None
        personal = ada.get("/resources/%s.json" % SD.resource("dup-infra")["id"])
        assert personal["metadata_key_type"] == "user_key"
        text, signers = ada.decrypt(personal["metadata"])
        assert signers == [ada.server_fingerprint] and json.loads(text)["uris"] == [None]  # no uri: [null]
    betty = run_book(playbook, tmp_path, as_user(server, users["betty"]), READ_AS_BETTY)
    assert betty.rc == 0, betty
    ada_read = run_book(playbook, tmp_path, server.env, """
    - name: Ada's upgraded personal resources
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passbolt', 'dup-name', folder='Infra') == 'dup-infra-pw-1'
          - lookup('pwman.secrets.passbolt', 'dup-name', folder='Infra', field='uris') == []
          - lookup('pwman.secrets.passbolt', 'legacy-all', field='totp') | length == 6
""")
    assert ada_read.rc == 0, ada_read


def _create_key(ada, users, server_key, key, for_users=("ada", "betty")):
    copies = [{"user_id": users[u]["id"], "data": ada.private_key_copy(key, users[u]["public_key"])} for u in for_users]
    copies.append({"user_id": None, "data": ada.private_key_copy(key, server_key)})
    payload = {"fingerprint": key["fingerprint"], "armored_key": key["public"], "metadata_private_keys": copies}
    return ada.call("POST", "/metadata/keys.json", payload)


def _expire(ada, key_id, key):
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return ada.call("PUT", "/metadata/keys/%s.json" % key_id,
                    {"fingerprint": key["fingerprint"], "armored_key": key["public"], "expired": now})


def test_metadata_key_rotation_pinning_and_what_we_write(server, users, playbook, tmp_path):
    fresh(server)
    with RawSession(server.base_url, users["ada"]) as ada:
        server_key = ada.http.get(server.base_url + "/auth/verify.json", timeout=10).json()["body"]["keydata"]
        old = my_copies(ada)[0][0]
        new, third = ada.generate_metadata_key(), ada.generate_metadata_key()
        status, body = _create_key(ada, users, server_key, new)
        assert status == 200, body
        new_id = body["body"]["id"]
        status, body = _create_key(ada, users, server_key, third)
        assert status == 400 and body["body"]["fingerprint"] == {"maxNoOfActiveKeys": "Already two metadata keys are active."}

        # Ada's module rewrites app-api's metadata: for the newest active key, written as the extension writes it
        edit = run_book(playbook, tmp_path, server.env, """
    - name: Rewrite app-api's metadata
      pwman.secrets.passbolt_resource:
        name: app-api
        username: api-rotated
        uris: [https://api.example.com]
        description: moved to the new metadata key
        password: app-api-pw-1
      register: moved
    - name: Changed
      ansible.builtin.assert:
        that: moved is changed
""")
        assert edit.rc == 0, edit
        resource = ada.get("/resources/%s.json" % SD.resource("v5-shared")["id"])
        assert resource["metadata_key_id"] == new_id
        import_metadata_keys(ada)
        packets = subprocess.run(["gpg", "--homedir", ada.home, "--batch", "--list-packets"],
                                 input=resource["metadata"].encode(), capture_output=True, check=False).stdout.decode()
        assert ":literal data packet:" in packets and "mode u" in packets and "mode b" not in packets, packets

        status, body = _expire(ada, old["id"], {"fingerprint": old["fingerprint"], "public": old["armored_key"]})
        assert status == 200, body
        status, body = ada.call("DELETE", "/metadata/keys/%s.json" % old["id"])
        assert status == 400 and body["header"]["message"] == \
            "The metadata key is still in use, migrate the remaining items to the new key first."

        # Betty reads under the new key and under the expired one
        both = run_book(playbook, tmp_path, as_user(server, users["betty"]), """
    - name: Under either key
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passbolt', 'app-api', field='username') == 'api-rotated'
          - lookup('pwman.secrets.passbolt', 'extension-v5') == 'extension-v5-pw-1'
""")
        assert both.rc == 0, both

        # Pinned to the old key only: the new one is refused for reading and for writing, with the option named
        pinned = run_book(playbook, tmp_path, as_user(server, users["betty"],
                                                      PASSBOLT_METADATA_KEY_FINGERPRINTS=old["fingerprint"]), """
    - name: The resource under the new key
      ansible.builtin.set_fact:
        moved: "{{ lookup('pwman.secrets.passbolt', '%s') }}"
      register: moved
      ignore_errors: true
    - name: Refused, naming the key and the option; the old key still reads
      ansible.builtin.assert:
        that:
          - moved is failed
          - "'%s' in moved.msg and 'metadata_key_fingerprints' in moved.msg"
          - lookup('pwman.secrets.passbolt', 'extension-v5') == 'extension-v5-pw-1'
    - name: Writing under the pin
      pwman.secrets.passbolt_resource:
        name: pinned-write
        password: pinned-pw-1
        resource_type: v5-default
      register: write
      ignore_errors: true
    - name: Refused before anything was written
      ansible.builtin.assert:
        that:
          - write is failed
          - "'metadata_key_fingerprints' in write.msg"
""" % (SD.resource("v5-shared")["id"], new["fingerprint"]))
        assert pinned.rc == 0, pinned
        assert not [r for r in server.admin("GET", "state")["resources"] if r["name"] == "pinned-write"]
        both_pinned = run_book(playbook, tmp_path, as_user(
            server, users["betty"], PASSBOLT_METADATA_KEY_FINGERPRINTS="%s, %s" % (old["fingerprint"], new["fingerprint"])),
            """
    - name: Both pinned
      ansible.builtin.assert:
        that: lookup('pwman.secrets.passbolt', 'app-api', field='username') == 'api-rotated'
""")
        assert both_pinned.rc == 0, both_pinned

        # The rules: only two active keys (one now), a key must be expired before it is deleted, and a deleted
        # key's fingerprint is never used again
        status, body = _create_key(ada, users, server_key, third)
        assert status == 200, body
        third_id = body["body"]["id"]
        status, body = ada.call("DELETE", "/metadata/keys/%s.json" % third_id)
        assert status == 400 and body["header"]["message"] == "The metadata key should be marked as expired first."
        assert _expire(ada, third_id, third)[0] == 200
        status, body = ada.call("DELETE", "/metadata/keys/%s.json" % third_id)
        assert status == 200, body
        listed = {k["id"]: k for k in ada.get("/metadata/keys.json?contain[metadata_private_keys]=1")}
        assert listed[third_id]["deleted"] and listed[third_id]["metadata_private_keys"] == []
        status, body = _create_key(ada, users, server_key, third)
        assert status == 400 and body["body"]["fingerprint"] == {"_isUnique": "The fingerprint is already in use."}


def test_a_changed_metadata_key_is_warned_within_a_session(server, users):
    """No pinning: a session that sees the metadata keys change warns at default verbosity; with pinning it does not
    warn, and the new key is not used."""
    from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter  # pylint: disable=import-outside-toplevel
    from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import PassboltClient  # pylint: disable=import-outside-toplevel

    fresh(server)
    betty = users["betty"]
    options = {"base_url": server.base_url, "user_id": betty["id"], "private_key": betty["private_key"],
               "passphrase": betty["passphrase"], "server_fingerprint": server.env["PASSBOLT_SERVER_FINGERPRINT"]}
    if server.ca_path:
        options["ca_path"] = server.ca_path
    with RawSession(server.base_url, users["ada"]) as ada:
        old = my_copies(ada)[0][0]
        plain = PassboltClient(OptionAdapter.from_dict(dict(options)))
        pinned = PassboltClient(OptionAdapter.from_dict(dict(options, metadata_key_fingerprints=[old["fingerprint"]])))
        try:
            for client in (plain, pinned):
                client.load_metadata_keys()
                assert client.signatures.take_warnings() == []
            server_key = ada.http.get(server.base_url + "/auth/verify.json", timeout=10).json()["body"]["keydata"]
            new = ada.generate_metadata_key()
            assert _create_key(ada, users, server_key, new)[0] == 200
            for client in (plain, pinned):
                client.forget_data()
                client.load_metadata_keys()
            warned = plain.signatures.take_warnings()
            assert len(warned) == 1 and new["fingerprint"] in warned[0] and "metadata_key_fingerprints" in warned[0]
            assert pinned.signatures.take_warnings() == []
            assert new["fingerprint"] in plain.metadata_key_fingerprints()
            assert pinned.metadata_key_fingerprints() == {old["fingerprint"]}
        finally:
            plain.close()
            pinned.close()


def test_a_swapped_copy_of_the_metadata_key_is_refused(server, users):
    """A copy of the metadata private key that holds another key than the one the server lists (whoever signed it)
    is never imported: the resources under that key are refused, naming both keys; the rest still reads."""
    from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter  # pylint: disable=import-outside-toplevel
    from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import PassboltClient  # pylint: disable=import-outside-toplevel

    fresh(server, zero_knowledge=True)  # Betty has no copy yet
    with RawSession(server.base_url, users["ada"]) as ada:
        listed = my_copies(ada)[0][0]
        other = ada.generate_metadata_key()
        forged = dict(other, fingerprint=listed["fingerprint"])  # says it is the listed key
        status, body = ada.call("POST", "/metadata/keys/%s/private.json" % listed["id"],
                                {"user_id": users["betty"]["id"], "data": ada.private_key_copy(forged, users["betty"]["public_key"])})
        assert status == 200, body
    betty = users["betty"]
    client = PassboltClient(OptionAdapter.from_dict({
        "base_url": server.base_url, "user_id": betty["id"], "private_key": betty["private_key"],
        "passphrase": betty["passphrase"], "server_fingerprint": server.env["PASSBOLT_SERVER_FINGERPRINT"],
        "ca_path": server.ca_path}))
    try:
        views = {v.id: v for v in client.resource_views()}
        refused = views[SD.resource("v5-shared")["id"]]
        assert refused.unreadable and "is another key (%s)" % other["fingerprint"] in refused.refused
        assert listed["fingerprint"] in refused.refused
        assert other["fingerprint"] not in client.metadata_key_fingerprints()
        assert not [k for k in client.gpg._gpg.list_keys(True) if k["fingerprint"] == other["fingerprint"]]  # pylint: disable=protected-access
        assert views[SD.resource("v4-desc")["id"]].name == "db-primary"
    finally:
        client.close()


# -- v5 folders (issue 22) ------------------------------------------------------------------------
FOLDER_DOCUMENT = '{"object_type":"PASSBOLT_FOLDER_METADATA","name":"%s","color":null,"description":null,"icon":null}'


def _share_folder(session, path, user, ptype):
    folder_id = SD.FOLDER_IDS[path]
    status, body = session.call("PUT", "/share/folder/%s.json" % folder_id, {"permissions": [
        {"is_new": True, "aro": "User", "aro_foreign_key": user["id"], "aco": "Folder", "aco_foreign_key": folder_id,
         "type": ptype}]})
    assert status == 200, body


def test_the_administrators_folder_upgrade_is_signed_by_the_server(server, users, playbook, tmp_path):
    """`passbolt metadata migrate_all_items` also runs MigrateAllV4FoldersToV5Service: a folder with one permission
    gets user-key metadata, a shared one shared-key metadata, both signed by the server key only, the name cleared,
    modified_by kept. Betty, a plain user, then resolves paths through the shared folders; Ada through her personal
    ones, and sharing one moves it to the shared metadata key first (MetadataFolderDto::assertShareable)."""
    fresh(server)
    with RawSession(server.base_url, users["ada"]) as ada, RawSession(server.base_url, users["betty"]) as betty:
        _share_folder(ada, "Apps", users["betty"], 1)
        _share_folder(ada, "Apps/Databases", users["betty"], 7)
        status, body = betty.call("PUT", "/move/resource/%s.json" % SD.resource("betty-shared")["id"],
                                  {"folder_parent_id": SD.FOLDER_IDS["Apps/Databases"]})
        assert status == 200, body
    result = server.admin("POST", "metadata-migrate", {})
    assert result["success"] is True and [m["entity"] for m in result["migrated"]] == ["resources", "folders"]
    assert sorted(result["migrated"][1]["ids"]) == sorted(SD.FOLDER_IDS.values())
    with RawSession(server.base_url, users["ada"]) as ada:
        import_metadata_keys(ada)
        metadata_key = my_copies(ada)[0][0]
        ada_key_id = ada.get("/users/%s.json" % users["ada"]["id"])["gpgkey"]["id"]
        for path, shared in (("Infra", False), ("Infra/Databases", False), ("Apps", True), ("Apps/Databases", True)):
            folder = ada.get("/folders/%s.json" % SD.FOLDER_IDS[path])
            assert "name" not in folder and folder["modified_by"] == users["ada"]["id"]
            assert (folder["metadata_key_type"], folder["metadata_key_id"]) == \
                (("shared_key", metadata_key["id"]) if shared else ("user_key", ada_key_id))
            text, signers = ada.decrypt(folder["metadata"])
            assert signers == [ada.server_fingerprint] and text == FOLDER_DOCUMENT % path.rsplit("/", 1)[-1]
    as_betty = run_book(playbook, tmp_path, as_user(server, users["betty"]), """
    - name: Resources found by paths of server-written v5 folders
      pwman.secrets.passbolt_resource_info:
        folder: Apps
        recursive: true
      register: listed
    - name: As a plain user
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passbolt', 'betty-shared', folder='Apps/Databases') == 'betty-shared-pw-1'
          - lookup('pwman.secrets.passbolt', 'app-api', folder='Apps') == 'app-api-pw-1'
          - lookup('pwman.secrets.passbolt', 'betty-shared', field='folder') == 'Apps/Databases'
          - listed.resources | map(attribute='name') | sort == ['app-api', 'betty-shared', 'extension-v5']
""")
    assert as_betty.rc == 0, as_betty
    as_ada = run_book(playbook, tmp_path, server.env, """
    - name: Share a personal (user-key, server-written) v5 folder
      pwman.secrets.passbolt_folder:
        path: Infra
        permissions:
          - group: Ops
            access: read
      register: shared
    - name: Personal v5 folders resolve; the shared one moved to the shared metadata key
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passbolt', 'dup-name', folder='Infra') == 'dup-infra-pw-1'
          - lookup('pwman.secrets.passbolt', 'db-primary', folder='Infra/Databases') == 'db-primary-pw-1'
          - shared is changed and shared.metadata_version == 'v5' and shared.path == 'Infra'
          - "{'group': 'Ops', 'access': 'read'} in shared.permissions"
""")
    assert as_ada.rc == 0, as_ada
    with RawSession(server.base_url, users["ada"]) as ada:
        import_metadata_keys(ada)
        infra = ada.get("/folders/%s.json" % SD.FOLDER_IDS["Infra"])
        assert (infra["metadata_key_type"], infra["metadata_key_id"]) == ("shared_key", metadata_key["id"])
        text, signers = ada.decrypt(infra["metadata"])  # written as the extension writes metadata
        assert signers == [users["ada"]["fingerprint"], metadata_key["fingerprint"]]
        assert json.loads(text) == json.loads(FOLDER_DOCUMENT % "Infra")
    again = server.admin("POST", "metadata-migrate", {})
    assert again == {"success": False, "migrated": [], "errors": [
        {"error_message": 'Errors (encoded): [{"error_message":"No resources to migrate."}]', "entity": "resources"},
        {"error_message": 'Errors (encoded): [{"error_message":"No folders to migrate."}]', "entity": "folders"}]}


def test_the_folder_upgrade_follows_the_folder_settings(server):
    """MigrateAllV4FoldersToV5Service::migrate asserts v5 folder creation first (assertV5FolderCreationEnabled);
    MigrateAllV4ItemsToV5Service reports the refusal under "folders", and, reading `$result` as the resources left
    it, lists the resources' migrated ids again under "folders"."""
    fresh(server)
    server.admin("POST", "settings", {"allow_v5_folder_create": False})
    try:
        result = server.admin("POST", "metadata-migrate", {})
    finally:
        server.admin("POST", "settings", {"allow_v5_folder_create": True})
    assert result["success"] is False
    assert result["errors"] == [{"error_message": "Folder creation/modification with encrypted metadata not allowed.",
                                 "entity": "folders"}]
    assert [m["entity"] for m in result["migrated"]] == ["resources", "folders"]
    assert result["migrated"][1]["ids"] == result["migrated"][0]["ids"]
    assert {f["name"] for f in server.admin("GET", "state")["folders"]} == {"Infra", "Databases", "Apps"}


def test_a_metadata_key_a_folder_uses_is_not_deleted(server, users, playbook, tmp_path):
    """MetadataKeyAssertUsageService::isUsedByFolders: an expired key that a folder's metadata uses is not deleted.
    passbolt_folder writes new v5 folders for the newest active metadata key and moves a renamed one to it."""
    fresh(server)
    with RawSession(server.base_url, users["ada"]) as ada:
        server_key = ada.http.get(server.base_url + "/auth/verify.json", timeout=10).json()["body"]["keydata"]
        old_id = my_copies(ada)[0][0]["id"]
        new = ada.generate_metadata_key()
        status, body = _create_key(ada, users, server_key, new)
        assert status == 200, body
        new_id = body["body"]["id"]
        made = run_book(playbook, tmp_path, server.env, """
    - name: A v5 folder
      pwman.secrets.passbolt_folder:
        path: Keyed
      register: keyed
    - name: Its id
      ansible.builtin.copy:
        content: "{{ keyed.id }}"
        dest: "{{ out }}"
""", extra_vars={"out": str(tmp_path / "keyed-id")})
        assert made.rc == 0, made
        folder_id = (tmp_path / "keyed-id").read_text()
        assert ada.get("/folders/%s.json" % folder_id)["metadata_key_id"] == new_id
        assert _expire(ada, new_id, new)[0] == 200
        status, body = ada.call("DELETE", "/metadata/keys/%s.json" % new_id)
        assert status == 400 and body["header"]["message"] == \
            "The metadata key is still in use, migrate the remaining items to the new key first."
        renamed = run_book(playbook, tmp_path, server.env, """
    - name: Rename it
      pwman.secrets.passbolt_folder:
        id: "{{ folder_id }}"
        name: Rekeyed
      register: renamed
    - name: Renamed, found by its new path
      ansible.builtin.assert:
        that:
          - renamed is changed and renamed.path == 'Rekeyed'
          - renamed.diff is not defined
""", extra_vars={"folder_id": folder_id})
        assert renamed.rc == 0, renamed
        assert ada.get("/folders/%s.json" % folder_id)["metadata_key_id"] == old_id
        status, body = ada.call("DELETE", "/metadata/keys/%s.json" % new_id)
        assert status == 200, body
