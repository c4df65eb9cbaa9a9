"""Signatures of Passbolt items (issue 14).

1. An independent reader, written from what Passbolt's official Ansible lookup (passbolt/passbolt-ansible-lookup-plugin,
   GnuPGService.decrypt_and_verify: python-gnupg's decrypt, then `decrypted.fingerprint` must equal the metadata
   key's fingerprint) and the browser extension (shared-key metadata signed by the user key and the metadata key)
   expect, checks the shared-key v5 metadata the sandbox seeds and the metadata `passbolt_resource` writes.
   It shares no code with the collection.
2. The verification matrix: lookups (real ansible-playbook) over the seeded signed, user-signed, unsigned,
   stranger-signed and badly signed items, with verify_signatures true and false.
"""

from __future__ import annotations

import json

import pytest

from integration.passbolt_session import RawSession, server, users  # noqa: F401  pylint: disable=unused-import
from sandbox.passbolt import seed_data as SD
from sandbox.passbolt.account_kit import account_kit

PLAYBOOK_HEAD = "- hosts: localhost\n  gather_facts: false\n  tasks:\n"


class OfficialStyleReader(RawSession):
    """Decrypts v5 metadata as Passbolt's official lookup does and verifies it as it does: the metadata private key
    (decrypted with the user's key, imported) must have made the signature python-gnupg reports."""

    def __init__(self, base_url, user):
        super().__init__(base_url, user)
        self.metadata_fingerprint = None

    def login(self):
        super().login()
        self._import_metadata_key()
        return self

    def _decrypt(self, armored):
        return self.gpg.decrypt(armored, passphrase=self.user["passphrase"], extra_args=["--pinentry-mode", "loopback"])

    def _import_metadata_key(self):
        keys = self.http.get(self.base + "/metadata/keys.json?contain[metadata_private_keys]=1", timeout=10).json()
        entry = keys["body"][0]["metadata_private_keys"][0]
        assert entry["user_id"] == self.user["id"]
        plain = json.loads(str(self._decrypt(entry["data"])))
        imported = self.gpg.import_keys(plain["armored_key"])
        fingerprints = [f for f in imported.fingerprints if f]
        # the official lookup: "Expected 2 keys to be imported", both the same fingerprint
        assert len(set(fingerprints)) == 1, fingerprints
        self.metadata_fingerprint = fingerprints[0]

    def resource(self, resource_id):
        return self.http.get(self.base + "/resources/%s.json?contain[secret]=1" % resource_id, timeout=10).json()["body"]

    def read_shared_metadata(self, resource):
        """The metadata dict, or raises AssertionError as the official lookup raises "Couldn't verify"."""
        assert resource["metadata_key_type"] == "shared_key"
        decrypted = self.gpg.decrypt(resource["metadata"])  # the metadata key has no passphrase
        assert decrypted.ok, "Couldn't decrypt data: %s" % decrypted.status
        assert decrypted.fingerprint == self.metadata_fingerprint, "Couldn't verify decrypted data."
        metadata = json.loads(str(decrypted))
        assert metadata["object_type"] == "PASSBOLT_RESOURCE_METADATA" and isinstance(metadata["name"], str)
        return metadata, decrypted

    @staticmethod
    def good_signers(decrypted):
        return [line.split()[2] for line in decrypted.stderr.splitlines() if line.startswith("[GNUPG:] VALIDSIG ")]


@pytest.fixture(scope="module")
def ada_reader(server, users):
    reader = OfficialStyleReader(server.base_url, users["ada"]).login()
    yield reader
    reader.close()


def test_reader_accepts_seeded_metadata_signed_like_the_extension(ada_reader, users):
    """Seed point 5: shared-key v5 metadata signed by the user key AND the metadata key."""
    for key in ("v5-shared", "v5-string", "v5-totp", "apps-db"):
        metadata, decrypted = ada_reader.read_shared_metadata(ada_reader.resource(SD.resource(key)["id"]))
        assert metadata["name"] == SD.resource(key)["name"]
        assert ada_reader.good_signers(decrypted) == [users["ada"]["fingerprint"], ada_reader.metadata_fingerprint]


def test_reader_refuses_what_is_not_signed_by_the_metadata_key(server, users):
    """The reader can fail: metadata signed by the user key only, unsigned, or badly signed is refused."""
    reader = OfficialStyleReader(server.base_url, users["betty"]).login()
    try:
        for key in ("v5-user-signed", "v5-unsigned", "v5-stranger", "v5-badsig"):
            with pytest.raises(AssertionError):
                reader.read_shared_metadata(reader.resource(SD.resource(key)["id"]))
    finally:
        reader.close()


def test_our_shared_v5_metadata_reads_in_the_official_lookup(server, playbook, ada_reader, users, tmp_path):
    """passbolt_resource writes shared-key metadata that the official lookup verifies (it failed: user key only)."""
    book = tmp_path / "write.yml"
    book.write_text(PLAYBOOK_HEAD + """
    - name: Create a shared-key v5 resource
      pwman.secrets.passbolt_resource:
        name: interop-written
        username: svc
        uris: [https://interop.example.com]
        description: written by pwman.secrets
        password: interop-pw-1
        resource_type: v5-default
        metadata_key_type: shared_key
      register: created
    - name: Its id
      ansible.builtin.copy:
        content: "{{ created.id }}"
        dest: "{{ out }}"
      delegate_to: localhost
""")
    out = tmp_path / "id"
    result = playbook(str(book), env=server.env, extra_vars={"out": str(out)})
    assert result.rc == 0, result
    resource = ada_reader.resource(out.read_text().strip())
    metadata, decrypted = ada_reader.read_shared_metadata(resource)
    assert metadata["name"] == "interop-written" and metadata["uris"] == ["https://interop.example.com"]
    # as the extension: the user's signature, then the metadata key's
    assert ada_reader.good_signers(decrypted) == [users["ada"]["fingerprint"], ada_reader.metadata_fingerprint]


def test_signature_matrix(server, users, target, tmp_path):
    """Reads as Betty (RSA key): the seeded items and what each verify_signatures value does with them."""
    data = {"pb_users": users, "pb_base_url": server.base_url,
            "pb_seed": {key: {"id": r["id"], "name": r["name"], "password": r["secret"].get("password", ""),
                              "note": r["secret"].get("description", ""), "description": r["description"]}
                        for key, r in SD.RESOURCES_BY_KEY.items()}}
    path = tmp_path / "vars.json"
    path.write_text(json.dumps(data))
    env = dict(server.env)
    for name in ("PASSBOLT_USER_ID", "PASSBOLT_PRIVATE_KEY", "PASSBOLT_PASSPHRASE"):
        env.pop(name)
    env.update(PASSBOLT_USER_ID=users["betty"]["id"], PASSBOLT_PRIVATE_KEY=users["betty"]["private_key"],
               PASSBOLT_PASSPHRASE=users["betty"]["passphrase"])
    server.reset_stats()
    result = target("lookup_passbolt_signatures", env=env, args=("-e", "@" + str(path), "-vvv"))
    print(result)  # shown when the test fails
    assert result.rc == 0
    # what verify_signatures=false lets through is warned about at default verbosity, each item once per lookup
    warnings = [line for line in result.stderr.splitlines() if line.startswith("[WARNING]: pwman.secrets.passbolt: ")]
    for key in ("v5-unsigned", "v5-stranger", "v5-user-signed", "v4-unsigned-secret", "v4-other-signer"):
        assert [w for w in warnings if SD.resource(key)["id"] in w and "accepted because verify_signatures is false" in w]
    # the users' keys were asked for only by the lookups that met a signer they did not know yet
    by_route = server.stats()["by_route"]
    assert 0 < by_route.get("GET /users.json", 0) < by_route.get("GET /resources.json", 0)


def test_gpgauth_session_writes_with_the_cookie_a_get_gave(server, playbook, tmp_path):
    """Deviation 2 seen from the collection: after a GPGAuth login the server has set no csrfToken; a module's
    write must still carry X-CSRF-Token (the cookie comes from a GET)."""
    book = tmp_path / "gpgauth.yml"
    book.write_text(PLAYBOOK_HEAD + """
    - name: Create a folder over a GPGAuth session
      pwman.secrets.passbolt_folder:
        path: gpgauth-written
        auth: gpgauth
      register: made
    - name: It was created
      ansible.builtin.assert:
        that: made is changed
""")
    server.reset_stats()
    result = playbook(str(book), env=server.env)
    assert result.rc == 0, result
    by_route = server.stats()["by_route"]
    assert by_route.get("POST /folders.json") == 1 and by_route.get("POST /auth/login.json", 0) >= 2


def test_official_lookup_credentials_variable(server, users, playbook, tmp_path):
    """Migration is a rename: the `passbolt` variable of Passbolt's official lookup ({account_kit, passphrase})
    logs in when no other credential is set; an explicit option still wins over it."""
    betty = users["betty"]
    kit = tmp_path / "betty.kit"
    kit.write_text(account_kit(server.base_url, betty["id"], betty["private_key"]))
    book = tmp_path / "official.yml"
    book.write_text(PLAYBOOK_HEAD + """
    - name: As with passbolt.passbolt_lookup, the credentials come from the passbolt variable (templated)
      ansible.builtin.assert:
        that: lookup('pwman.secrets.passbolt', name=shared_name, field='note') == shared_note
    - name: An explicit passphrase wins over the variable's
      ansible.builtin.set_fact:
        refused: "{{ lookup('pwman.secrets.passbolt', name=shared_name, passphrase='not-the-passphrase') }}"
      register: explicit
      ignore_errors: true
    - name: It was the one tried
      ansible.builtin.assert:
        that: explicit is failed and 'Wrong passphrase' in explicit.msg
  vars:
    passbolt:
      account_kit: "{{ lookup('ansible.builtin.file', kit_file) }}"
      passphrase: "{{ kit_passphrase }}"
""")
    env = {k: v for k, v in server.env.items()
           if k not in ("PASSBOLT_USER_ID", "PASSBOLT_PRIVATE_KEY", "PASSBOLT_PASSPHRASE", "PASSBOLT_BASE_URL")}
    shared = SD.resource("v5-shared")
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"kit_file": str(kit), "kit_passphrase": betty["passphrase"],
                                 "shared_name": shared["name"], "shared_note": shared["secret"]["description"]}))
    result = playbook(str(book), env=env, args=("-e", "@" + str(extra)))
    assert result.rc == 0, result
