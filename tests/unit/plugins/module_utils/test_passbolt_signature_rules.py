"""Signature status parsing (_gpg.signatures_of) and the rules of _passbolt_signatures, without gpg or a server."""

from __future__ import annotations

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._gpg import signatures_of
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_signatures import (
    METADATA_KEY,
    SERVER,
    YOU,
    SignatureError,
    SignaturePolicy,
    user,
)

ME, META, ADA, BETTY, STRANGER, SERVER_FPR = "A" * 40, "B" * 40, "C" * 40, "D" * 40, "E" * 40, "F" * 40
ME_ID, ADA_ID, BETTY_ID = "u-me", "u-ada", "u-betty"


class Result:
    def __init__(self, stderr):
        self.stderr = stderr


def test_statuses_in_order_with_primary_fingerprints():
    status = "\n".join([
        "[GNUPG:] NEWSIG",
        "[GNUPG:] GOODSIG 1111111111111111 u",
        "[GNUPG:] VALIDSIG %s 2026-12-01 1 0 4 0 22 10 00 %s" % ("9" * 40, ME),  # a signing subkey
        "gpg: Good signature",
        "[GNUPG:] NEWSIG",
        "[GNUPG:] BADSIG 2222222222222222 m",
        "[GNUPG:] NEWSIG",
        "[GNUPG:] ERRSIG 3333333333333333 22 10 00 1796123298 9 %s" % STRANGER,
        "[GNUPG:] NEWSIG",
        "[GNUPG:] ERRSIG 4444444444444444 22 10 00 1796123298 4",
    ])
    assert signatures_of(Result(status)) == [
        {"status": "good", "fingerprint": ME, "key_id": "1111111111111111"},
        {"status": "bad", "fingerprint": "", "key_id": "2222222222222222"},
        {"status": "unknown_key", "fingerprint": "", "key_id": "3333333333333333"},
        {"status": "error", "fingerprint": "", "key_id": "4444444444444444"},
    ]
    assert signatures_of(Result("[GNUPG:] DECRYPTION_OKAY")) == []


class Gpg:
    user_fingerprint = ME

    def import_public_keys(self, armored_keys):
        return set(armored_keys)  # the "armored key" of a fake user is its fingerprint


class Client:
    user_id = ME_ID

    def __init__(self, listed):
        self.gpg = Gpg()
        self.listed = listed  # {user id: fingerprint the server lists}
        self.user_list_calls = 0

    @staticmethod
    def server_fingerprint():
        return SERVER_FPR

    @staticmethod
    def metadata_key_fingerprints():
        return {META}

    def users_with_keys(self):
        self.user_list_calls += 1
        return [{"id": uid, "gpgkey": {"armored_key": fpr, "fingerprint": fpr}} for uid, fpr in self.listed.items()]


def good(fpr):
    return {"status": "good", "fingerprint": fpr, "key_id": fpr[-16:]}


def unknown(fpr):
    return {"status": "unknown_key", "fingerprint": "", "key_id": fpr[-16:]}


BAD = {"status": "bad", "fingerprint": "", "key_id": "K"}
SHARED_METADATA = (METADATA_KEY, SERVER)
PERSONAL_METADATA = (YOU, SERVER)
PRIVATE_KEY_COPY = (SERVER, YOU, user(ADA_ID), None)


@pytest.mark.parametrize("specs,sigs,enabled,refused,asks_users", [
    (SHARED_METADATA, [good(ME), good(META)], True, None, False),     # as the extension signs it
    (SHARED_METADATA, [good(SERVER_FPR)], True, None, False),         # the server's v4 -> v5 upgrade
    (SHARED_METADATA, [good(ME)], True, "is signed by your key", True),   # a user alone is not enough
    (SHARED_METADATA, [unknown(ADA)], True, "is signed by user u-ada (%s), but Passbolt's clients require a "
                                            "signature by a shared metadata key or the server key" % ADA, True),
    (SHARED_METADATA, [], True, "is not signed", False),
    (SHARED_METADATA, [], False, None, False),                        # accepted with a warning
    (SHARED_METADATA, [good(META), BAD], False, "BAD signature", False),
    (PERSONAL_METADATA, [good(ME)], True, None, False),
    (PERSONAL_METADATA, [good(SERVER_FPR)], True, None, False),
    (PERSONAL_METADATA, [good(META)], True, "is signed by a shared metadata key", True),
    (PRIVATE_KEY_COPY, [good(SERVER_FPR)], True, None, False),       # the server shares the key itself
    (PRIVATE_KEY_COPY, [unknown(ADA)], True, None, True),            # zero-knowledge: the admin wrote the copy
    (PRIVATE_KEY_COPY, [unknown(BETTY)], True, "is signed by user u-betty", True),
    ((user(ADA_ID),), [unknown(ADA)], True, None, True),              # a secret written by Ada
    ((user(ADA_ID),), [unknown(BETTY)], True, "is signed by user u-betty (%s), but Passbolt's clients require a "
                                              "signature by user u-ada" % BETTY, True),
    ((user(ADA_ID),), [], True, "is not signed", False),               # unsigned secrets are refused
    ((user(ADA_ID),), [unknown(STRANGER)], True, "is signed by key %s" % STRANGER[-16:], True),
    ((user(ADA_ID),), [unknown(STRANGER)], False, None, True),
    ((user(ADA_ID),), [good(SERVER_FPR)], True, "is signed by the server key", True),  # never the server for a secret
    ((user(ME_ID),), [good(ME)], True, None, False),                   # your own secret: no user list needed
    ((user(ADA_ID),), [BAD], False, "BAD signature", False),
])
def test_rules(specs, sigs, enabled, refused, asks_users):
    client = Client(listed={ADA_ID: ADA, BETTY_ID: BETTY})
    policy = SignaturePolicy(client, enabled)

    def redo(index):
        return [good(s["key_id"] == ADA[-16:] and ADA or s["key_id"] == BETTY[-16:] and BETTY or STRANGER)
                if s["status"] == "unknown_key" and s["key_id"] != STRANGER[-16:] else s for s in sigs]

    problems = policy.problems([("item X", sigs, specs)], redo)
    if refused:
        assert refused in problems[0] and "item X" in problems[0]
        assert "verify_signatures" in problems[0] or "BAD" in problems[0]
        with pytest.raises(SignatureError):
            SignaturePolicy(Client({ADA_ID: ADA, BETTY_ID: BETTY}), enabled).check([("item X", sigs, specs)], redo)
    else:
        assert problems == [None]
    warned = policy.take_warnings()
    assert bool(warned) == (not enabled and not refused and sigs != [good(SERVER_FPR)])
    assert client.user_list_calls == (1 if asks_users else 0)


def test_listed_fingerprint_must_be_the_armored_keys_own():
    """A user whose listed fingerprint is not the key the server sends is nobody's signer."""
    client = Client(listed={ADA_ID: ADA})
    client.users_with_keys = lambda: [{"id": ADA_ID, "gpgkey": {"armored_key": STRANGER, "fingerprint": ADA}}]
    problems = SignaturePolicy(client).problems([("secret", [good(STRANGER)], (user(ADA_ID),))], lambda i: [])
    assert "require a signature by user u-ada" in problems[0]


def test_users_are_listed_once_per_session():
    client = Client(listed={ADA_ID: ADA})
    policy = SignaturePolicy(client)
    policy.check([("item", [unknown(ADA)], (user(ADA_ID),))], lambda index: [good(ADA)])
    for dummy in range(2):  # Ada's key is in the keyring now: gpg reports her signatures as good
        policy.check([("item", [good(ADA)], (user(ADA_ID),))], lambda index: [good(ADA)])
    assert client.user_list_calls == 1


@pytest.mark.parametrize("verbosity,returned", [(0, False), (2, False), (3, True), (4, True)])
def test_modules_return_notes_only_at_vvv_and_always_warn(verbosity, returned):
    from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import signature_notes

    class Module:
        _verbosity = verbosity
        warned = []

        def warn(self, text):
            self.warned.append(text)

    client = Client(listed={})
    client.signatures = SignaturePolicy(client, enabled=False)
    for dummy in range(2):  # the same item read twice is said once
        client.signatures.check([("metadata of resource R", [good(SERVER_FPR)], SHARED_METADATA)], lambda i: [])
        client.signatures.check([("secret of resource R", [], (user(ADA_ID),))], lambda i: [])
    module = Module()
    result = signature_notes(module, client)
    assert result == ({"signature_notes": [
        "The metadata of resource R is signed by the server key (the server wrote it itself)."]} if returned else {})
    assert module.warned == ["The secret of resource R is not signed, but Passbolt's clients require a signature by "
                             "user u-ada; accepted because verify_signatures is false."]
    assert client.signatures.notes == [] and client.signatures.warnings == []  # taken: a later task does not repeat
