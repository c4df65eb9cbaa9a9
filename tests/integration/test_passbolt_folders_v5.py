"""Issue 22, point 1: v5 folders (the name in encrypted metadata) with the collection, end to end.

Real ansible-playbook runs against the local Passbolt imitation, whose metadata types settings ask for v5 folders
(default_folder_type v5), as a Passbolt 5 server whose administrator chose v5 does: passbolt_folder creates,
renames and moves v5 folders in a tree of v4 ones, the `folder` options of passbolt_resource, passbolt_resource_info
and the lookup resolve paths through both, and a v5 folder's name is trusted as resource metadata is (signer rules,
metadata key pinning). The server-side upgrade of v4 folders is in test_passbolt_trust.py, the raw server shapes in
test_passbolt_server_folders_v5.py.
"""

from __future__ import annotations

import json
import re

import pytest

from integration.passbolt_session import RawSession, as_user, server, users  # noqa: F401  pylint: disable=unused-import
from sandbox.passbolt import seed_data as SD

pytestmark = pytest.mark.xdist_group("passbolt-folders-v5")

PLAYBOOK_HEAD = "- hosts: localhost\n  gather_facts: false\n  tasks:\n"


def run_book(playbook, tmp_path, env, tasks, extra_vars=None):
    book = tmp_path / ("book-%d.yml" % len(list(tmp_path.iterdir())))
    book.write_text(PLAYBOOK_HEAD + tasks)
    result = playbook(str(book), env=env, extra_vars=extra_vars)
    assert result.rc == 0, result
    return result


def writes(server):
    return [k for k in server.stats()["by_route"] if k.split()[0] in ("POST", "PUT", "DELETE") and "/auth/" not in k]


def test_a_v5_folder_tree_in_a_v4_tree(server, playbook, tmp_path):
    server.admin("POST", "reseed", {"profile": "test"})
    server.reset_stats()
    run_book(playbook, tmp_path, server.env, """
    - name: Plan a v5 tree under the v4 folder Infra
      pwman.secrets.passbolt_folder:
        path: Infra/Vault/Leaf
        create_folders: true
      check_mode: true
      diff: true
      register: planned
    - name: Planned, in the format the server asks for
      ansible.builtin.assert:
        that:
          - planned is changed and planned.id is none and planned.metadata_version == 'v5'
          - planned.created_folders == ['Infra/Vault', 'Infra/Vault/Leaf']
          - planned.diff.after.path == 'Infra/Vault/Leaf'
""")
    assert writes(server) == []
    run_book(playbook, tmp_path, server.env, """
    - name: Create the v5 tree
      pwman.secrets.passbolt_folder:
        path: Infra/Vault/Leaf
        create_folders: true
      register: leaf
    - name: Again
      pwman.secrets.passbolt_folder:
        path: Infra/Vault/Leaf
        create_folders: true
      register: leaf_again
    - name: A resource in it, by path
      pwman.secrets.passbolt_resource:
        name: in-vault
        folder: Infra/Vault/Leaf
        password: In-Vault-Pw-1
      register: in_vault
    - name: Rename and move it into a v4 folder, check mode
      pwman.secrets.passbolt_folder:
        id: "{{ leaf.id }}"
        name: Branch
        parent: Apps/Databases
      check_mode: true
      diff: true
      register: move_planned
    - name: Rename and move it
      pwman.secrets.passbolt_folder:
        id: "{{ leaf.id }}"
        name: Branch
        parent: Apps/Databases
      diff: true
      register: moved
    - name: Again
      pwman.secrets.passbolt_folder:
        id: "{{ leaf.id }}"
        name: Branch
        parent: Apps/Databases
      register: moved_again
    - name: The old path is gone
      ansible.builtin.set_fact:
        old: "{{ lookup('pwman.secrets.passbolt', 'in-vault', folder='Infra/Vault/Leaf') }}"
      register: old
      ignore_errors: true
    - name: Created, renamed and moved as v5 folders; paths resolve through v4 and v5 folders
      ansible.builtin.assert:
        that:
          - leaf is changed and leaf.metadata_version == 'v5' and leaf.path == 'Infra/Vault/Leaf'
          - leaf.created_folders == ['Infra/Vault', 'Infra/Vault/Leaf']
          - leaf_again is not changed and leaf_again.id == leaf.id and leaf_again.name == 'Leaf'
          - in_vault.folder == 'Infra/Vault/Leaf' and in_vault.folder_id == leaf.id
          - move_planned is changed and move_planned.path == 'Apps/Databases/Branch'
          - move_planned.diff.before == moved.diff.before
          - moved is changed and moved.path == 'Apps/Databases/Branch' and moved.name == 'Branch'
          - moved.metadata_version == 'v5' and moved.parent_id == apps_databases_id
          - moved.diff.before.path == 'Infra/Vault/Leaf' and moved.diff.before.name == 'Leaf'
          - moved_again is not changed
          - lookup('pwman.secrets.passbolt', 'in-vault', folder='Apps/Databases/Branch') == 'In-Vault-Pw-1'
          - lookup('pwman.secrets.passbolt', 'in-vault', field='folder') == 'Apps/Databases/Branch'
          - old is failed and "no folder 'Leaf' under 'Infra/Vault'" in old.msg
""", extra_vars={"apps_databases_id": SD.FOLDER_IDS["Apps/Databases"]})
    state = {f["id"]: f for f in server.admin("GET", "state")["folders"]}
    v5 = [f for f in state.values() if f["metadata_key_type"]]
    assert len(v5) == 2 and all(f["name"] is None and f["metadata_key_type"] == "shared_key" for f in v5)
    # the server asks for v4 folders now: a v4 folder under the v5 one
    server.admin("POST", "settings", {"folder_default": "v4", "allow_v5_folder_create": False})
    try:
        run_book(playbook, tmp_path, server.env, """
    - name: A v4 folder under a v5 one
      pwman.secrets.passbolt_folder:
        path: Apps/Databases/Branch/Old-Style
      register: old_style
    - name: A resource in it
      pwman.secrets.passbolt_resource:
        name: in-old-style
        folder: Apps/Databases/Branch/Old-Style
        password: In-Old-Style-Pw-1
    - name: Everything below Apps/Databases
      pwman.secrets.passbolt_resource_info:
        folder: Apps/Databases
        recursive: true
      register: listed
    - name: v4 below v5 below v4
      ansible.builtin.assert:
        that:
          - old_style is changed and old_style.metadata_version == 'v4'
          - lookup('pwman.secrets.passbolt', 'in-old-style', folder='Apps/Databases/Branch/Old-Style')
            == 'In-Old-Style-Pw-1'
          - listed.resources | map(attribute='folder') | unique | sort ==
            ['Apps/Databases', 'Apps/Databases/Branch', 'Apps/Databases/Branch/Old-Style']
""")
    finally:
        server.admin("POST", "settings", {"folder_default": "v5", "allow_v5_folder_create": True})
    assert "Old-Style" in {f["name"] for f in server.admin("GET", "state")["folders"]}


def test_folder_names_are_trusted_as_resource_metadata_is(server, users, playbook, tmp_path):
    """Shared v5 folder metadata must be signed by a metadata key (or the server key): a folder whose metadata only
    its writer signed is refused when a path needs it, passed over when a trusted folder of that name is there, and
    accepted with a warning with verify_signatures=false; metadata key pinning refuses folders under other keys."""
    server.admin("POST", "reseed", {"profile": "test"})
    betty = users["betty"]
    run_book(playbook, tmp_path, as_user(server, betty), """
    - name: Betty's folder, written as Passbolt's clients write it
      pwman.secrets.passbolt_folder:
        path: Twin
    - name: Her resource in it
      pwman.secrets.passbolt_resource:
        name: betty-shared
        folder: Twin
""")
    with RawSession(server.base_url, betty) as raw:
        keys = raw.get("/metadata/keys.json?contain[metadata_private_keys]=1")
        fingerprint = raw.import_key(keys[0]["armored_key"])
        for name in ("Twin", "Forged"):  # signed by Betty only, not by the metadata key
            metadata = raw.encrypt(json.dumps({"object_type": "PASSBOLT_FOLDER_METADATA", "name": name}),
                                   [fingerprint])
            status, body = raw.call("POST", "/folders.json", {"metadata": metadata, "metadata_key_id": keys[0]["id"],
                                                              "metadata_key_type": "shared_key"})
            assert status == 200, body
    run_book(playbook, tmp_path, as_user(server, betty), """
    - name: A path through a folder only its writer signed
      ansible.builtin.set_fact:
        forged: "{{ lookup('pwman.secrets.passbolt', 'betty-shared', folder='Forged') }}"
      register: forged
      ignore_errors: true
    - name: Refused; the trusted twin is used
      ansible.builtin.assert:
        that:
          - forged is failed
          - "'metadata of folder' in forged.msg and 'a shared metadata key or the server key' in forged.msg"
          - "'verify_signatures=false' in forged.msg"
          - lookup('pwman.secrets.passbolt', 'betty-shared', folder='Twin') == 'betty-shared-pw-1'
          - lookup('pwman.secrets.passbolt', 'betty-shared', field='folder') == 'Twin'
""")
    lenient = run_book(playbook, tmp_path, as_user(server, betty, PASSBOLT_VERIFY_SIGNATURES="false"), """
    - name: Accepted with a warning
      pwman.secrets.passbolt_resource_info:
        folder: Forged
      register: listed
    - name: Empty, not refused
      ansible.builtin.assert:
        that: listed.count == 0
""")
    warned = (lenient.stdout + lenient.stderr).replace("\n", " ")
    assert re.search(r"The metadata of folder [0-9a-f-]{36} is signed by your key \([0-9A-F]{40}\), but Passbolt's "
                     r"clients require a signature by a shared metadata key or the server key; accepted because "
                     r"verify_signatures is false", warned), warned
    run_book(playbook, tmp_path, as_user(server, betty, PASSBOLT_METADATA_KEY_FINGERPRINTS=users["ada"]["fingerprint"]),
             """
    - name: Pinned to another key
      ansible.builtin.set_fact:
        pinned: "{{ lookup('pwman.secrets.passbolt', 'betty-shared', folder='Twin') }}"
      register: pinned
      ignore_errors: true
    - name: The folder's name is not read, and the message says why
      ansible.builtin.assert:
        that:
          - pinned is failed
          - "'could not be read were passed by' in pinned.msg and 'metadata_key_fingerprints' in pinned.msg"
""")
