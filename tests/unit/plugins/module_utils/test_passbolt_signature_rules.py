"""Signature status parsing (_gpg.signatures_of) and the rules of _passbolt_signatures, without gpg or a server."""

from __future__ import annotations

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._gpg import signatures_of
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_signatures import (
    METADATA,
    SECRET,
    SignatureError,
    SignaturePolicy,
)

USER, META, ADA, STRANGER = "A" * 40, "B" * 40, "C" * 40, "D" * 40


class Result:
    def __init__(self, stderr):
        self.stderr = stderr


def test_statuses_in_order_with_primary_fingerprints():
    status = "\n".join([
        "[GNUPG:] NEWSIG",
        "[GNUPG:] GOODSIG 1111111111111111 u",
        "[GNUPG:] VALIDSIG %s 2026-12-01 1 0 4 0 22 10 00 %s" % ("E" * 40, USER),  # a signing subkey
        "gpg: Good signature",
        "[GNUPG:] NEWSIG",
        "[GNUPG:] BADSIG 2222222222222222 m",
        "[GNUPG:] NEWSIG",
        "[GNUPG:] ERRSIG 3333333333333333 22 10 00 1796123298 9 %s" % STRANGER,
        "[GNUPG:] NEWSIG",
        "[GNUPG:] ERRSIG 4444444444444444 22 10 00 1796123298 4",
    ])
    assert signatures_of(Result(status)) == [
        {"status": "good", "fingerprint": USER, "key_id": "1111111111111111"},
        {"status": "bad", "fingerprint": "", "key_id": "2222222222222222"},
        {"status": "unknown_key", "fingerprint": "", "key_id": "3333333333333333"},
        {"status": "error", "fingerprint": "", "key_id": "4444444444444444"},
    ]
    assert signatures_of(Result("[GNUPG:] DECRYPTION_OKAY")) == []


class Gpg:
    user_fingerprint = USER

    def import_public_keys(self, armored_keys):
        return set(armored_keys)  # the "armored key" of a fake user is its fingerprint


class Client:
    def __init__(self, listed):
        self.gpg = Gpg()
        self.listed = listed
        self.user_list_calls = 0

    def metadata_key_fingerprints(self):
        return {META}

    def users_with_keys(self):
        self.user_list_calls += 1
        return [{"id": "u-%s" % fpr[0], "gpgkey": {"armored_key": fpr}} for fpr in self.listed]


def good(fpr):
    return {"status": "good", "fingerprint": fpr, "key_id": fpr[-16:]}


def unknown(fpr):
    return {"status": "unknown_key", "fingerprint": "", "key_id": fpr[-16:]}


@pytest.mark.parametrize("kind,sigs,enabled,refused,asks_users", [
    (METADATA, [good(USER), good(META)], True, None, False),     # as the extension signs
    (METADATA, [good(META)], True, None, False),
    (METADATA, [unknown(ADA)], True, None, True),                # a listed user: found, then checked
    (METADATA, [], True, "is not signed", False),
    (METADATA, [], False, None, False),
    (METADATA, [unknown(STRANGER)], True, "neither a shared metadata key", True),
    (METADATA, [unknown(STRANGER)], False, None, True),
    (METADATA, [good(META), {"status": "bad", "fingerprint": "", "key_id": "K"}], False, "BAD signature", False),
    (SECRET, [], True, None, False),                             # unsigned secrets are accepted
    (SECRET, [good(USER)], True, None, False),
    (SECRET, [{"status": "bad", "fingerprint": "", "key_id": "K"}], False, "BAD signature", False),
    (SECRET, [unknown(STRANGER)], True, "neither a shared metadata key", True),
])
def test_rules(kind, sigs, enabled, refused, asks_users):
    client = Client(listed=[ADA])
    policy = SignaturePolicy(client, enabled)

    def redo(index):
        return [good(ADA)] if sigs == [unknown(ADA)] else sigs

    problems = policy.problems([("item X", sigs)], kind, redo)
    if refused:
        assert refused in problems[0] and "item X" in problems[0]
        with pytest.raises(SignatureError):
            SignaturePolicy(Client([ADA]), enabled).check([("item X", sigs)], kind, redo)
    else:
        assert problems == [None]
    assert client.user_list_calls == (1 if asks_users else 0)


def test_users_are_listed_once_per_session():
    client = Client(listed=[ADA])
    policy = SignaturePolicy(client)
    policy.check([("item", [unknown(ADA)])], METADATA, lambda index: [good(ADA)])
    for dummy in range(2):  # Ada's key is in the keyring now: gpg reports her signatures as good
        policy.check([("item", [good(ADA)])], METADATA, lambda index: [good(ADA)])
    assert client.user_list_calls == 1


@pytest.mark.parametrize("verbosity,returned", [(0, False), (2, False), (3, True), (4, True)])
def test_modules_return_notes_only_at_vvv(verbosity, returned):
    from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import signature_notes

    class Module:
        _verbosity = verbosity

    client = Client(listed=[])
    client.signatures = SignaturePolicy(client)
    for dummy in range(2):  # the same secret read twice is said once
        client.signatures.check([("secret of resource R", [])], SECRET, lambda index: [])
    result = signature_notes(Module(), client)
    assert result == ({"signature_notes": [
        "The secret of resource R is not signed (accepted: other tools write unsigned secrets)."]} if returned else {})
    assert client.signatures.notes == []  # taken either way: a later task does not repeat them
