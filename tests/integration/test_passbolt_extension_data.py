"""Data written as Passbolt's browser extension 5.x writes it (issue 27).

The sandbox seeds resources written by openpgp.js 6 exactly as the extension writes them (tests/openpgpjs, pinned):
UTF-8 literal data, text signatures and openpgp.js's binary salt notation, which once killed python-gnupg's
status reader and with it every lookup. These tests read them with real ansible-playbook runs, write them back
with passbolt_resource and read what we wrote with openpgp.js again (Node), as the extension would.
"""

from __future__ import annotations

import json

import pytest

from integration.test_passbolt_signatures import OfficialStyleReader
from integration.passbolt_session import as_user, server, users  # noqa: F401  pylint: disable=unused-import
from sandbox.passbolt import extension
from sandbox.passbolt import seed_data as SD

PLAYBOOK_HEAD = "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
EXTENSION_KEYS = ("ext-v4", "ext-v5-shared", "ext-v5-personal", "ext-v5-custom")


def test_the_seed_holds_what_the_extension_writes(server, users):
    """The seeded extension resources really are openpgp.js output: UTF-8 literal data, text signatures that
    openpgp.js verifies, one by the owner and (shared metadata) one by the metadata key."""
    reader = OfficialStyleReader(server.base_url, users["ada"]).login()
    try:
        raw = reader.resource(SD.resource("ext-v5-shared")["id"])
        secret = extension.decrypt(raw["secrets"][0]["data"], users["ada"]["private_key"], users["ada"]["passphrase"],
                                   [users["ada"]["public_key"]])
        metadata_keys = reader.http.get(server.base_url + "/metadata/keys.json", timeout=10).json()["body"]
    finally:
        reader.close()
    assert secret["literal_format"] == "utf8", secret
    assert [(s["valid"], s["type"]) for s in secret["signatures"]] == [(True, "text")], secret
    assert json.loads(secret["text"])["password"] == SD.resource("ext-v5-shared")["secret"]["password"]
    assert metadata_keys and "BEGIN PGP MESSAGE" in raw["metadata"]


@pytest.mark.parametrize("cache", [True, False], ids=["agent", "in-process"])
def test_lookups_read_extension_written_resources(server, users, playbook, tmp_path, cache):
    """Before issue 27: every lookup of Ada failed ("unexpected AttributeError in the lookup agent", or
    "'Crypt' object has no attribute 'stderr'" without the agent), also of unrelated v4 resources."""
    seed = {key: SD.resource(key) for key in EXTENSION_KEYS}
    book = tmp_path / "read.yml"
    book.write_text(PLAYBOOK_HEAD + """
    - name: Extension-written resources read like any other
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passbolt', 'extension-v4', cache=cache) == seed['ext-v4'].secret.password
          - lookup('pwman.secrets.passbolt', 'extension-v4', field='note', cache=cache) == seed['ext-v4'].secret.description
          - lookup('pwman.secrets.passbolt', 'extension-v5', cache=cache) == seed['ext-v5-shared'].secret.password
          - lookup('pwman.secrets.passbolt', 'extension-v5', field='username', cache=cache) == 'ext5'
          - lookup('pwman.secrets.passbolt', 'extension-v5', field='description', cache=cache) is string
          - lookup('pwman.secrets.passbolt', 'extension-v5', field='totp', cache=cache) | length == 6
          - lookup('pwman.secrets.passbolt', 'extension-personal', cache=cache) == seed['ext-v5-personal'].secret.password
          - lookup('pwman.secrets.passbolt', 'extension-custom', field='token', cache=cache) == 'ext-token-1'
    - name: And an unrelated resource still reads next to them
      ansible.builtin.assert:
        that: lookup('pwman.secrets.passbolt', 'legacy-string', cache=cache) == 'legacy-string-pw-1'
""")
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"seed": seed, "cache": cache}))
    result = playbook(str(book), env=server.env, args=("-e", "@" + str(extra)))
    assert result.rc == 0, result
    assert "AttributeError" not in result.stdout + result.stderr


def test_a_plain_user_reads_extension_written_shares(server, users, playbook, tmp_path):
    """Betty (RSA key, not an admin) reads the v4 and v5 resources Ada shared with her from the extension."""
    book = tmp_path / "betty.yml"
    book.write_text(PLAYBOOK_HEAD + """
    - name: Shared extension-written resources
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passbolt', 'extension-v4') == v4_password
          - lookup('pwman.secrets.passbolt', 'extension-v5') == v5_password
""")
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"v4_password": SD.resource("ext-v4")["secret"]["password"],
                                 "v5_password": SD.resource("ext-v5-shared")["secret"]["password"]}))
    result = playbook(str(book), env=as_user(server, users["betty"]), args=("-e", "@" + str(extra)))
    assert result.rc == 0, result


def test_a_name_search_passes_by_what_it_cannot_read(server, users, playbook, tmp_path):
    """Betty holds a resource whose metadata is encrypted to a key she does not have. Looking up another name
    works and says at -v which resource it passed by; a name that matches nothing names it; its UUID is refused
    with the reason."""
    unreadable = SD.resource("v5-unreadable")["id"]
    book = tmp_path / "skip.yml"
    book.write_text(PLAYBOOK_HEAD + """
    - name: Another name reads
      ansible.builtin.assert:
        that: lookup('pwman.secrets.passbolt', 'betty-shared') == 'betty-shared-pw-1'
    - name: A name nothing matches
      ansible.builtin.set_fact:
        missing: "{{ lookup('pwman.secrets.passbolt', 'no-such-resource') }}"
      register: missing
      ignore_errors: true
    - name: The unreadable one by its UUID
      ansible.builtin.set_fact:
        direct: "{{ lookup('pwman.secrets.passbolt', unreadable) }}"
      register: direct
      ignore_errors: true
    - name: Both failed with the reason
      ansible.builtin.assert:
        that:
          - missing is failed and unreadable in missing.msg and 'could not be read' in missing.msg
          - direct is failed and 'cannot be read' in direct.msg and 'not encrypted to a key this user holds' in direct.msg
""")
    result = playbook(str(book), env=as_user(server, users["betty"]), args=("-e", "unreadable=" + unreadable, "-v"))
    assert result.rc == 0, result
    assert "passed by resource %s (name unknown) while looking for 'betty-shared'" % unreadable in result.stdout


def test_first_found_passes_by_a_forged_duplicate(server, users, playbook, tmp_path):
    """Two resources of one name, one with metadata signed by a stranger: first_found takes the genuine one (the
    forged one would sort first) and says at -v which one it passed by; without first_found both are listed."""
    forged = SD.resource("forged-dup-b")["id"]
    book = tmp_path / "first.yml"
    book.write_text(PLAYBOOK_HEAD + """
    - name: The genuine one
      ansible.builtin.assert:
        that: lookup('pwman.secrets.passbolt', 'forged-duplicate', first_found=true) == 'genuine-dup-pw-1'
    - name: Without first_found
      ansible.builtin.set_fact:
        both: "{{ lookup('pwman.secrets.passbolt', 'forged-duplicate') }}"
      register: both
      ignore_errors: true
    - name: Ambiguous
      ansible.builtin.assert:
        that: both is failed and '2 Passbolt resources match' in both.msg
""")
    result = playbook(str(book), env=as_user(server, users["betty"]), args=("-v",))
    assert result.rc == 0, result
    assert "first_found passed by resource %s: The metadata of resource %s is signed by key" % (forged, forged) \
        in result.stdout


def test_module_update_of_an_extension_resource_reads_in_openpgpjs(server, users, playbook, tmp_path):
    """passbolt_resource rotates the password of an extension-written v5 resource shared with Betty; the extension's
    own library then reads every copy: UTF-8 literal data, good text signatures by Ada (secrets) and by Ada and the
    metadata key (metadata), the description and TOTP kept."""
    book = tmp_path / "update.yml"
    book.write_text(PLAYBOOK_HEAD + """
    - name: Rotate the password of the extension-written resource
      pwman.secrets.passbolt_resource:
        name: extension-v5
        password: "rotated-\u00e9-pw-2"
      register: rotated
    - name: It changed
      ansible.builtin.assert:
        that: rotated is changed
    - name: Our own lookup reads what we wrote
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passbolt', 'extension-v5', cache=false) == "rotated-\u00e9-pw-2"
          - lookup('pwman.secrets.passbolt', 'extension-v5', field='totp', cache=false) | length == 6
""")
    result = playbook(str(book), env=server.env)
    assert result.rc == 0, result
    resource_id = SD.resource("ext-v5-shared")["id"]
    ada, betty = users["ada"], users["betty"]
    for user in (ada, betty):
        reader = OfficialStyleReader(server.base_url, user).login()
        try:
            raw = reader.resource(resource_id)
        finally:
            reader.close()
        secret = extension.decrypt(raw["secrets"][0]["data"], user["private_key"], user["passphrase"], [ada["public_key"]])
        assert secret.get("literal_format") == "utf8", secret
        assert [(s["valid"], s["type"]) for s in secret["signatures"]] == [(True, "text")], secret
        data = json.loads(secret["text"])
        assert data["password"] == "rotated-\u00e9-pw-2"
        assert data["description"] == "extension secret note" and data["totp"]["secret_key"]
    plain_metadata = _metadata_as_extension(server, raw["metadata"], ada)
    assert plain_metadata["literal_format"] == "utf8", plain_metadata
    assert [s["valid"] for s in plain_metadata["signatures"]] == [True, True], plain_metadata
    assert {s["type"] for s in plain_metadata["signatures"]} == {"text"}
    assert json.loads(plain_metadata["text"])["name"] == "extension-v5"


def _metadata_as_extension(server, armored, ada):
    """Decrypt shared metadata with the metadata private key as the extension does (the key comes from Ada's share);
    `ada`: the user who reads it, and whose signature it carries."""
    reader = OfficialStyleReader(server.base_url, ada).login()
    try:
        keys = reader.http.get(server.base_url + "/metadata/keys.json?contain[metadata_private_keys]=1", timeout=10).json()
        key = keys["body"][0]
        share = json.loads(str(reader._decrypt(key["metadata_private_keys"][0]["data"])))  # pylint: disable=protected-access
    finally:
        reader.close()
    return extension.decrypt(armored, share["armored_key"], share.get("passphrase") or "",
                             [ada["public_key"], key["armored_key"]])


def test_a_v5_folder_we_write_reads_in_openpgpjs(server, users, playbook, tmp_path):
    """passbolt_folder writes a v5 folder's metadata as resource metadata is written: Betty (an RSA key) creates
    one; the extension's own library verifies both signatures, hers and the metadata key's (issue 22)."""
    book = tmp_path / "folder.yml"
    book.write_text(PLAYBOOK_HEAD + """
    - name: A v5 folder
      pwman.secrets.passbolt_folder:
        path: "Betty's \u00e9 folder"
      register: made
    - name: Written
      ansible.builtin.copy:
        content: "{{ made.id }}"
        dest: "{{ out }}"
""")
    result = playbook(str(book), env=as_user(server, users["betty"]), extra_vars={"out": str(tmp_path / "id")})
    assert result.rc == 0, result
    reader = OfficialStyleReader(server.base_url, users["betty"]).login()
    try:
        folder = reader.http.get(server.base_url + "/folders/%s.json" % (tmp_path / "id").read_text(),
                                 timeout=10).json()["body"]
    finally:
        reader.close()
    assert folder["metadata_key_type"] == "shared_key" and "name" not in folder
    plain = _metadata_as_extension(server, folder["metadata"], users["betty"])
    assert plain["literal_format"] == "utf8" and [s["valid"] for s in plain["signatures"]] == [True, True], plain
    assert json.loads(plain["text"]) == {"object_type": "PASSBOLT_FOLDER_METADATA", "name": "Betty's \u00e9 folder",
                                         "color": None, "description": None, "icon": None}


def test_a_type_the_server_does_not_list_is_never_written(server, playbook, tmp_path):
    """With the server's TOTP resource types plugin off, /resource-types.json leaves out totp and
    password-description-totp while the server would still store them (the browser extension would then hide such
    a resource): passbolt_resource refuses before anything is sent, in check mode too."""
    book = tmp_path / "types.yml"
    book.write_text(PLAYBOOK_HEAD + """
    - name: A v4 resource with TOTP
      pwman.secrets.passbolt_resource:
        name: unlisted-type
        resource_type: password-description-totp
        password: unlisted-pw-1
        totp:
          secret_key: JBSWY3DPEHPK3PXP
      register: made
      ignore_errors: true
    - name: Refused with the reason
      ansible.builtin.assert:
        that: made is failed and 'does not offer resource type password-description-totp' in made.msg
""")
    server.admin("POST", "settings", {"totp_resource_types_enabled": False})
    try:
        server.reset_stats()
        for args in ((), ("--check",)):
            result = playbook(str(book), env=server.env, args=args)
            assert result.rc == 0, result
        assert server.stats()["by_route"].get("POST /resources.json", 0) == 0
    finally:
        server.admin("POST", "settings", {"totp_resource_types_enabled": True})
