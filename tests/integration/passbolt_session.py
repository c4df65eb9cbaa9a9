"""A Passbolt user speaking raw HTTP (JWT login, python-gnupg), sharing no code with the collection.

Tests use it to act as an administrator's browser extension would (create, expire and delete metadata keys, share
a metadata key) and to look at what the server stored and who signed it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid

import gnupg
import pytest
import requests


class RawSession:
    def __init__(self, base_url, user):
        self.base = base_url
        self.user = user
        self.home = tempfile.mkdtemp(prefix="pb-raw-")
        os.chmod(self.home, 0o700)
        with open(os.path.join(self.home, "gpg-agent.conf"), "w", encoding="utf-8") as handle:
            handle.write("allow-loopback-pinentry\n")
        self.gpg = gnupg.GPG(gnupghome=self.home)
        self.gpg.encoding = "utf-8"
        self.gpg.import_keys(user["private_key"], passphrase=user["passphrase"])
        self.http = requests.Session()
        self.server_fingerprint = None

    def close(self):
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=dict(os.environ, GNUPGHOME=self.home), check=False)
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self):
        return self.login()

    def __exit__(self, *exc):
        self.close()

    def login(self):
        key = self.http.get(self.base + "/auth/verify.json", timeout=10).json()["body"]
        self.server_fingerprint = self.gpg.import_keys(key["keydata"]).fingerprints[0]
        challenge = json.dumps({"version": "1.0.0", "domain": self.base, "verify_token": str(uuid.uuid4()),
                                "verify_token_expiry": int(time.time()) + 300})
        armored = self.encrypt(challenge, [self.server_fingerprint])
        answer = self.http.post(self.base + "/auth/jwt/login.json", timeout=30,
                                json={"user_id": self.user["id"], "challenge": armored}).json()["body"]
        reply = json.loads(self.decrypt(answer["challenge"])[0])
        self.http.headers["Authorization"] = "Bearer " + reply["access_token"]
        return self

    def call(self, method, path, payload=None):
        """(status, body) of one JSON request."""
        response = self.http.request(method, self.base + path, json=payload, timeout=30)
        return response.status_code, response.json()

    def get(self, path):
        status, body = self.call("GET", path)
        assert status == 200, (path, body)
        return body["body"]

    def import_key(self, armored):
        return self.gpg.import_keys(armored).fingerprints[0]

    def encrypt(self, text, recipients, sign=True):
        kwargs = {"sign": self.user["fingerprint"], "passphrase": self.user["passphrase"],
                  "extra_args": ["--pinentry-mode", "loopback"]} if sign else {}
        result = self.gpg.encrypt(text, recipients, always_trust=True, **kwargs)
        assert result.ok, result.status
        return str(result)

    def decrypt(self, armored):
        """(text, [primary fingerprints of the good signatures])."""
        result = self.gpg.decrypt(armored, passphrase=self.user["passphrase"],
                                  extra_args=["--pinentry-mode", "loopback"])
        assert result.ok, result.status
        signers = [line.split()[-1] for line in result.stderr.splitlines() if line.startswith("[GNUPG:] VALIDSIG ")]
        return str(result), signers

    def generate_metadata_key(self):
        """A metadata key as the extension makes one (no passphrase): {fingerprint, public, private}."""
        home = tempfile.mkdtemp(prefix="pb-mkey-")
        try:
            gpg = gnupg.GPG(gnupghome=home)
            params = gpg.gen_key_input(name_real="Passbolt Metadata Key", name_email="no-reply@passbolt.dev",
                                       key_type="EDDSA", key_curve="ed25519", key_usage="sign", subkey_type="ECDH",
                                       subkey_curve="cv25519", subkey_usage="encrypt", expire_date=0,
                                       no_protection=True)
            fingerprint = gpg.gen_key(params).fingerprint
            key = {"fingerprint": fingerprint, "public": gpg.export_keys(fingerprint),
                   "private": gpg.export_keys(fingerprint, secret=True, expect_passphrase=False)}
        finally:
            subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=dict(os.environ, GNUPGHOME=home), check=False)
            shutil.rmtree(home, ignore_errors=True)
        self.import_key(key["public"])
        return key

    def private_key_copy(self, key, recipient_public):
        """The metadata private key encrypted for one user (or the server) and signed by this user."""
        plain = json.dumps({"object_type": "PASSBOLT_METADATA_PRIVATE_KEY", "domain": self.base + "/",
                            "fingerprint": key["fingerprint"], "armored_key": key["private"], "passphrase": ""})
        return self.encrypt(plain, [self.import_key(recipient_public)])


def as_user(server, user, **extra):
    """The client environment of another seeded user (the admin API's record of them)."""
    env = dict(server.env)
    env.update(PASSBOLT_USER_ID=user["id"], PASSBOLT_PRIVATE_KEY=user["private_key"],
               PASSBOLT_PASSPHRASE=user["passphrase"])
    if user.get("totp_secret"):
        env["PASSBOLT_MFA_TOTP_SECRET"] = user["totp_secret"]
    env.update(extra)
    return env


def run_tasks(playbook, tmp_path, env, tasks, secrets=(), args=()):
    """Run `tasks` as a play on localhost; it must pass, and none of `secrets` may reach its output."""
    book = tmp_path / ("book-%d.yml" % len(list(tmp_path.iterdir())))
    book.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n" + tasks)
    result = playbook(str(book), env=env, args=args)
    assert result.rc == 0, result
    shown = result.stdout + result.stderr
    leaked = [secret for secret in secrets if secret and secret in shown]
    assert not leaked, "secrets in the playbook output: %s" % leaked
    return result


# Fixtures for the modules that test the collection against one Passbolt imitation with the test seed (imported
# by name into each test module, one server per module).
@pytest.fixture(scope="module")
def server(sandbox_factory):
    return sandbox_factory("passbolt", seed="test")


@pytest.fixture(scope="module")
def users(server):  # pylint: disable=redefined-outer-name
    return {u["short"]: u for u in server.admin("GET", "users")}
