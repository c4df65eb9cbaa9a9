"""The GnuPG wrapper and the JWT/GPGAuth login logic, with real gpg and throw-away ECC keys."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
import uuid
from types import SimpleNamespace
from urllib.parse import quote_plus

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ApiError, ConfigError, Redactor
from ansible_collections.pwman.secrets.plugins.module_utils._gpg import GpgContext, GpgError, normalize_fingerprint
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_auth import (
    AuthError,
    GpgAuth,
    JwtAuth,
    ServerKey,
    fetch_server_key,
)

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg is not installed")


def _gpg(home, *args, passphrase=None):
    cmd = ["gpg", "--homedir", home, "--batch", "--yes"]
    if passphrase is not None:
        cmd += ["--pinentry-mode", "loopback", "--passphrase-fd", "0"]
    return subprocess.run(cmd + list(args), input=(passphrase or "") + "\n", capture_output=True, text=True,
                          check=True).stdout


def _make_key(name, passphrase, algorithms=("ed25519", "cv25519")):
    """A key pair (default ed25519 + cv25519) in a throw-away home; returns (fingerprint, public, private)."""
    home = tempfile.mkdtemp(prefix="pwman-test-key-")
    try:
        with open(os.path.join(home, "gpg-agent.conf"), "w", encoding="ascii") as handle:
            handle.write("s2k-count 65536\n")
        email = "%s@example.com" % name
        if passphrase:
            _gpg(home, "--quick-gen-key", "%s <%s>" % (name, email), algorithms[0], "sign,cert", "never",
                 passphrase=passphrase)
        else:
            _gpg(home, "--passphrase", "", "--pinentry-mode", "loopback", "--quick-gen-key",
                 "%s <%s>" % (name, email), "ed25519", "sign,cert", "never")
        listing = _gpg(home, "--with-colons", "--list-keys")
        fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr"))
        if passphrase:
            _gpg(home, "--quick-add-key", fingerprint, algorithms[1], "encr", "never", passphrase=passphrase)
            private = _gpg(home, "--armor", "--export-secret-keys", fingerprint, passphrase=passphrase)
        else:
            _gpg(home, "--passphrase", "", "--pinentry-mode", "loopback", "--quick-add-key", fingerprint,
                 "cv25519", "encr", "never")
            private = _gpg(home, "--passphrase", "", "--pinentry-mode", "loopback", "--armor",
                           "--export-secret-keys", fingerprint)
        public = _gpg(home, "--armor", "--export", fingerprint)
        return SimpleNamespace(fingerprint=fingerprint, public=public, private=private, passphrase=passphrase)
    finally:
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def keys():
    return SimpleNamespace(user=_make_key("user", "user passphrase 1"), server=_make_key("server", ""),
                           impostor=_make_key("server", ""))


@pytest.fixture()
def ctx(keys):
    context = GpgContext(redactor=Redactor())
    context.load_user_key(keys.user.private, keys.user.passphrase)
    yield context
    context.close()


def test_private_home_is_0700_and_removed_with_its_agent(keys):
    context = GpgContext()
    home = context.home
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert home != os.path.expanduser("~/.gnupg")
    context.load_user_key(keys.user.private, keys.user.passphrase)
    context.close()
    assert not os.path.exists(home)
    agents = subprocess.run(["pgrep", "-f", "gpg-agent --homedir %s" % home], capture_output=True, check=False)
    assert agents.stdout.strip() == b""


def test_round_trip_sign_verify_and_many(ctx, keys):
    assert ctx.user_fingerprint == keys.user.fingerprint
    message = ctx.encrypt("secret é ✓", [ctx.user_fingerprint])
    assert message.startswith("-----BEGIN PGP MESSAGE-----")
    assert ctx.decrypt(message) == "secret é ✓"
    assert ctx.decrypt_verify(message, keys.user.fingerprint.lower()) == "secret é ✓"
    many = [ctx.encrypt("m%d" % i, [ctx.user_fingerprint]) for i in range(6)]
    assert ctx.decrypt_many(many) == ["m%d" % i for i in range(6)]
    assert ctx.decrypt_many([]) == []


def test_signature_by_another_key_is_refused(ctx, keys):
    server = ctx.import_public_key(keys.server.public)
    unsigned = ctx.encrypt("hello", [ctx.user_fingerprint], sign=False)
    with pytest.raises(GpgError, match="not signed by the expected key"):
        ctx.decrypt_verify(unsigned, server)
    signed_by_user = ctx.encrypt("hello", [ctx.user_fingerprint])
    with pytest.raises(GpgError, match="not signed by the expected key"):
        ctx.decrypt_verify(signed_by_user, server)


def test_wrong_passphrase_is_a_clear_error(keys):
    with GpgContext() as context:
        with pytest.raises(GpgError, match="Wrong passphrase"):
            context.load_user_key(keys.user.private, "not the passphrase")
    with GpgContext() as context:
        with pytest.raises(GpgError, match="needs a passphrase and none was given"):
            context.load_user_key(keys.user.private, None)


def test_unusable_keys(keys):
    with GpgContext() as context:
        with pytest.raises(GpgError, match="is a public key"):
            context.load_user_key(keys.user.public, "x")
        with pytest.raises(GpgError, match="not an armored OpenPGP private key"):
            context.load_user_key("garbage", "x")
        with pytest.raises(ConfigError, match="line breaks"):
            context.load_user_key(keys.user.private, "a\nb")
        with pytest.raises(GpgError, match="not an armored OpenPGP message"):
            context.decrypt("nope")


def test_message_for_someone_else(ctx, keys):
    other = ctx.import_public_key(keys.server.public)
    message = ctx.encrypt("for the server", [other])
    with pytest.raises(GpgError, match="not encrypted to a key this user holds"):
        ctx.decrypt(message)


def test_passphrase_never_on_a_command_line(ctx, keys, monkeypatch):
    import gnupg  # pylint: disable=import-outside-toplevel

    seen = []
    real = gnupg.Popen

    def spy(args, *a, **kw):
        seen.append(list(args))
        return real(args, *a, **kw)

    monkeypatch.setattr(gnupg, "Popen", spy)
    ctx.decrypt(ctx.encrypt("x", [ctx.user_fingerprint]))
    assert seen and all(keys.user.passphrase not in " ".join(cmd) for cmd in seen)
    assert any("--passphrase-fd" in cmd and "loopback" in cmd for cmd in seen)


def test_fingerprints_compare_loosely():
    assert normalize_fingerprint("ab cd:ef\n12") == "ABCDEF12"


# -- login logic against an in-process fake server ---------------------------------------------------
class FakeServer:
    """Plays the Passbolt server side of JWT and GPGAuth with real OpenPGP."""

    def __init__(self, keys, tamper=None):
        self.keys = keys
        self.tamper = tamper
        self.gpg = GpgContext()
        self.gpg.load_user_key(keys.server.private, None)
        self.gpg.import_private_key(keys.impostor.private, None)
        self.user = self.gpg.import_public_key(keys.user.public)
        self.http = SimpleNamespace(base_url="https://pb.example.com")
        self.cookies = {}
        self.calls = []
        self.refresh_fails = False

    def verify(self):
        return {"fingerprint": self.keys.server.fingerprint, "keydata": self.keys.server.public}

    def jwt_login(self, user_id, challenge):
        self.calls.append("login")
        data = json.loads(self.gpg.decrypt_verify(challenge, self.user))
        assert data["version"] == "1.0.0" and data["domain"] == "https://pb.example.com"
        token = str(uuid.uuid4()) if self.tamper == "verify_token" else data["verify_token"]
        answer = json.dumps({"version": "1.0.0", "domain": data["domain"], "access_token": "access-%d" % len(self.calls),
                             "refresh_token": str(uuid.uuid4()), "verify_token": token})
        if self.tamper == "signature":
            self.gpg.user_fingerprint = self.keys.impostor.fingerprint
        reply = self.gpg.encrypt(answer, [self.user])
        self.gpg.user_fingerprint = self.keys.server.fingerprint
        return {"challenge": reply}

    def jwt_refresh(self, user_id, refresh_token):
        self.calls.append("refresh")
        if self.refresh_fails:
            raise ApiError("Passbolt", "POST", "/auth/jwt/refresh.json", 400, "No active refresh token")
        headers = {"Set-Cookie": "refresh_token=new-refresh; path=/; secure; httponly"}
        return {"access_token": "refreshed"}, SimpleNamespace(headers=headers)

    def gpgauth_verify_server(self, user_fingerprint, token):
        self.calls.append("stage0")
        return SimpleNamespace(headers={"X-GPGAuth-Verify-Response": self.gpg.decrypt(token)})

    def gpgauth_login(self, fingerprint, token=None):
        self.calls.append("stage1" if token is None else "stage2")
        if token is None:
            self.nonce = "gpgauthv1.3.0|36|%s|gpgauthv1.3.0" % uuid.uuid4()
            encrypted = self.gpg.encrypt(self.nonce, [self.user])
            header = quote_plus(encrypted, safe="-_.").replace("+", "\\+")
            return SimpleNamespace(headers={"X-GPGAuth-User-Auth-Token": header}, status=200)
        ok = token == self.nonce
        self.cookies.update(passbolt_session="s", csrfToken="c")
        return SimpleNamespace(headers={"X-GPGAuth-Authenticated": "true" if ok else "false"}, status=200,
                               text=json.dumps({"body": {"id": "u1"}}))

    def cookie(self, name):
        return self.cookies.get(name)


def _auth(cls, keys, ctx, **kwargs):
    server = FakeServer(keys, **kwargs)
    key = fetch_server_key(server, ctx, keys.server.fingerprint.lower())
    return cls(server, ctx, {"user_id": str(uuid.uuid4())}, key, Redactor()), server


def test_jwt_login_refresh_and_relogin(ctx, keys):
    auth, server = _auth(JwtAuth, keys, ctx)
    try:
        auth.login()
        headers = {}
        auth.apply("GET", headers)
        assert headers == {"Authorization": "Bearer access-1"}
        expired = ApiError("Passbolt", "GET", "/resources.json", 401, "Expired token")
        assert auth.recover(expired) is True
        assert (auth.access_token, auth.refresh_token) == ("refreshed", "new-refresh")
        server.refresh_fails = True
        assert auth.recover(expired) is True
        assert server.calls == ["login", "refresh", "refresh", "login"]
        assert auth.recover(ApiError("Passbolt", "GET", "/x", 404, "Not found")) is False
    finally:
        server.gpg.close()


@pytest.mark.parametrize("tamper,match", [("verify_token", "does not return our verify_token"),
                                          ("signature", "not signed by the expected key")])
def test_jwt_refuses_a_server_that_does_not_prove_itself(ctx, keys, tamper, match):
    auth, server = _auth(JwtAuth, keys, ctx, tamper=tamper)
    try:
        with pytest.raises(AuthError, match=match):
            auth.login()
    finally:
        server.gpg.close()


def test_pinned_fingerprint_mismatch(ctx, keys):
    server = FakeServer(keys)
    try:
        with pytest.raises(AuthError, match="The server key changed"):
            fetch_server_key(server, ctx, keys.impostor.fingerprint)
        assert isinstance(fetch_server_key(server, ctx, None), ServerKey)
    finally:
        server.gpg.close()


def test_gpgauth_stages(ctx, keys):
    auth, server = _auth(GpgAuth, keys, ctx)
    try:
        auth.login()
        assert server.calls == ["stage0", "stage1", "stage2"]
        assert auth.logged_in_user_id == "u1"
        headers = {}
        auth.apply("POST", headers)
        assert headers == {"X-CSRF-Token": "c"}
        headers = {}
        auth.apply("GET", headers)
        assert headers == {}
    finally:
        server.gpg.close()


# -- issue #13: where homes live, keys protected, stale homes removed --------------------------------------

def test_home_on_a_private_memory_file_system_named_by_its_owner(keys):
    from ansible_collections.pwman.secrets.plugins.module_utils import _gpg  # pylint: disable=import-outside-toplevel

    with GpgContext() as context:
        base = _gpg.home_base()
        assert os.path.dirname(context.home) == base
        assert stat.S_IMODE(os.stat(base).st_mode) == 0o700
        assert os.path.basename(context.home).startswith("%d-" % os.getpid())
        if os.path.isdir("/dev/shm") and not os.environ.get("XDG_RUNTIME_DIR"):
            assert base.startswith("/dev/shm/") and _gpg.on_memory_file_system(context.home)


def test_every_secret_key_is_stored_protected(keys):
    """An unprotected key (a Passbolt metadata key) gets the home's passphrase; nothing is stored in clear."""
    with GpgContext() as context:
        context.load_user_key(keys.user.private, keys.user.passphrase)
        metadata = context.import_private_key(keys.server.private, None, "metadata private key")
        stored = os.listdir(os.path.join(context.home, "private-keys-v1.d"))
        assert len(stored) >= 3
        for name in stored:
            with open(os.path.join(context.home, "private-keys-v1.d", name), "rb") as handle:
                assert b"(protected-private-key" in handle.read(), name
        message = context.encrypt("for the metadata key", [metadata], sign=False)
        assert context.decrypt(message) == "for the metadata key"
    with GpgContext() as context:  # a user key without passphrase: a random one, in memory only
        context.load_user_key(keys.server.private, "")
        assert context.decrypt(context.encrypt("x", [context.user_fingerprint])) == "x"
        for name in os.listdir(os.path.join(context.home, "private-keys-v1.d")):
            with open(os.path.join(context.home, "private-keys-v1.d", name), "rb") as handle:
                assert b"(protected-private-key" in handle.read(), name


def test_stale_homes_of_dead_processes_are_removed():
    from ansible_collections.pwman.secrets.plugins.module_utils import _gpg  # pylint: disable=import-outside-toplevel

    base = _gpg.home_base()
    stale = tempfile.mkdtemp(prefix="999999999-1-", dir=base)
    with GpgContext() as context:
        assert not os.path.exists(stale)
        mine = context.home
        _gpg.remove_stale_homes()
        assert os.path.isdir(mine)  # the owner lives


@pytest.fixture()
def own_homes(tmp_path, monkeypatch):
    """A runtime directory of this test's own: no other process sweeps it meanwhile."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    return str(tmp_path / "pwman-gpg")


def test_a_home_locked_by_its_owner_is_alive_whatever_its_pid_says(own_homes):
    """Issue #23 (6): the owner may live in another PID namespace, where its pid means nothing here."""
    import fcntl  # pylint: disable=import-outside-toplevel

    from ansible_collections.pwman.secrets.plugins.module_utils import _gpg  # pylint: disable=import-outside-toplevel

    base = _gpg.home_base()
    assert base == own_homes
    foreign = tempfile.mkdtemp(prefix="999999999-1-", dir=base)  # no such process here
    lock = os.open(foreign, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _gpg.remove_stale_homes()
        assert os.path.isdir(foreign)
    finally:
        os.close(lock)
    _gpg.remove_stale_homes()
    assert not os.path.exists(foreign)


def test_drafts_left_by_a_killed_process_are_removed_once_old(own_homes):
    from ansible_collections.pwman.secrets.plugins.module_utils import _gpg  # pylint: disable=import-outside-toplevel

    base = _gpg.home_base()
    assert base == own_homes
    old, young = (tempfile.mkdtemp(prefix=".draft-", dir=base) for dummy in range(2))
    os.utime(old, (time.time() - _gpg.DRAFT_AGE - 5,) * 2)
    _gpg.remove_stale_homes()
    assert not os.path.exists(old) and os.path.isdir(young)  # a young one may be being made
    os.rmdir(young)


# -- what Passbolt's browser extension writes (issue 27) -----------------------------------------------------------
def _signed_with_binary_notation(keys, recipient_fingerprint):
    """Encrypted to `recipient_fingerprint` and signed by the server key with a notation whose data is not UTF-8, as
    openpgp.js 6 adds to every signature (salt@notations.openpgpjs.org, random bytes)."""
    home = tempfile.mkdtemp(prefix="pwman-test-notation-")
    try:
        for armored in (keys.server.private, keys.user.public):
            subprocess.run(["gpg", "--homedir", home, "--batch", "--import"], input=armored.encode(), check=True,
                           capture_output=True)
        done = subprocess.run([b"gpg", b"--homedir", home.encode(), b"--batch", b"--trust-model", b"always", b"--armor",
                               b"--encrypt", b"--sign", b"--local-user", keys.server.fingerprint.encode(),
                               b"--recipient", recipient_fingerprint.encode(),
                               b"--sig-notation=salt@notations.openpgpjs.org=\xa9\xfe\x80z"],
                              input="caf\u00e9 secret".encode(), capture_output=True, check=True)
        return done.stdout.decode("ascii")
    finally:
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def test_a_status_line_that_is_not_utf8_does_not_stop_the_reader(ctx, keys):
    """Before issue 27, python-gnupg's status thread died on the NOTATION_DATA line and every decryption raised
    AttributeError ('Crypt' object has no attribute 'stderr')."""
    message = _signed_with_binary_notation(keys, ctx.user_fingerprint)
    ctx.import_public_key(keys.server.public)
    text, signatures = ctx.decrypt_signed(message)
    assert text == "caf\u00e9 secret"
    assert [(s["status"], s["fingerprint"]) for s in signatures] == [("good", keys.server.fingerprint)]
    assert ctx.decrypt_many_signed([message, message])[1][0] == "caf\u00e9 secret"


def test_a_gpg_answer_not_read_whole_is_a_gpg_error(ctx, monkeypatch):
    """Whatever stops python-gnupg's status handling, the caller gets a GpgError, never a half-filled result."""
    import gnupg  # pylint: disable=import-outside-toplevel

    message = ctx.encrypt("text", [ctx.user_fingerprint])
    real = gnupg.Crypt.handle_status

    def broken(self, key, value):
        if key == "PLAINTEXT":
            raise ValueError("cannot handle")
        return real(self, key, value)

    monkeypatch.setattr(gnupg.Crypt, "handle_status", broken)
    with pytest.raises(GpgError, match="could not be read completely .gpg status PLAINTEXT: ValueError"):
        ctx.decrypt(message)
    errors = []
    assert ctx.decrypt_many_signed([message, message], errors=errors) == [(None, []), (None, [])]
    assert all("could not be read completely" in e for e in errors)


def test_encrypt_text_writes_as_the_extension(ctx, keys):
    """UTF-8 literal data ('u') in canonical form and one text signature (class 0x01) per signer, in order;
    gpg reads it back with LF line ends, as openpgp.js does."""
    server = ctx.import_private_key(keys.server.private, None, "server key")
    message = ctx.encrypt_text("line 1  \nzwei \u00e9\r\nend", [server], [ctx.user_fingerprint, server])
    home = tempfile.mkdtemp(prefix="pwman-test-packets-")
    try:
        subprocess.run(["gpg", "--homedir", home, "--batch", "--import"], input=keys.server.private.encode(),
                       check=True, capture_output=True)
        listing = subprocess.run(["gpg", "--homedir", home, "--batch", "--list-packets"], input=message.encode(),
                                 capture_output=True, check=False).stdout.decode()
    finally:
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
    assert "mode u (75)" in listing, listing
    assert listing.count("sigclass 0x01") == 2 and "sigclass 0x00" not in listing, listing
    assert ":compressed packet" not in listing, listing
    mine = ctx.encrypt_text("line 1  \nzwei \u00e9\r\nend", [ctx.user_fingerprint], [ctx.user_fingerprint, server])
    text, signatures = ctx.decrypt_signed(mine)
    assert text == "line 1  \nzwei \u00e9\nend"
    assert [(s["status"], s["fingerprint"]) for s in signatures] == [("good", ctx.user_fingerprint), ("good", server)]


def test_encrypt_text_signed_by_an_rsa_and_an_ecc_key_verifies_both(keys):
    """Shared metadata written by a user with an RSA key carries the metadata key's (ed25519) signature too: with
    one digest algorithm for every signature gpg verifies both (with each key's own, it skipped the second)."""
    rsa = _make_key("rsa-user", "rsa passphrase 1", ("rsa2048", "rsa2048"))
    context = GpgContext(redactor=Redactor())
    try:
        context.load_user_key(rsa.private, rsa.passphrase)
        metadata_key = context.import_private_key(keys.server.private, None, "metadata key")
        message = context.encrypt_text('{"name": "x"}', [metadata_key], [context.user_fingerprint, metadata_key])
        dummy, signatures = context.decrypt_signed(message)
        assert [(s["status"], s["fingerprint"]) for s in signatures] == [("good", context.user_fingerprint),
                                                                         ("good", metadata_key)]
    finally:
        context.close()


def test_a_metadata_key_imported_again_after_gpg_agent_forgot_its_passphrase(keys):
    """The lookup agent's session reads the metadata keys again in every run (issue 25 found it): the key is in the
    home already, protected with the home's passphrase, which gpg-agent forgets after its cache time (10 minutes).
    Importing the same copy again then must not ask gpg-agent for a passphrase nobody gives."""
    with GpgContext() as context:
        context.load_user_key(keys.user.private, keys.user.passphrase)
        first = context.import_private_key(keys.server.private, None, "metadata private key")
        # what gpg-agent does when its cache time is over
        subprocess.run(["gpg-connect-agent", "--homedir", context.home, "RELOADAGENT", "/bye"], check=True,
                       capture_output=True)
        assert context.import_private_key(keys.server.private, None, "metadata private key") == first
        message = context.encrypt("for the metadata key", [first], sign=False)
        assert context.decrypt(message) == "for the metadata key"
