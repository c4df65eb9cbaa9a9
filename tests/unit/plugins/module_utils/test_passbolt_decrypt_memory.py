"""A Passbolt session decrypts an unchanged message once (PassboltClient._decrypt_many, issue 25): the lookup agent
keeps its sessions across runs and reads the server again in each, so the same secrets and v5 metadata come back."""

from __future__ import annotations

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._errors import Redactor
from ansible_collections.pwman.secrets.plugins.module_utils._gpg import GpgContext
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import PassboltClient

from test_passbolt_gpg import _make_key  # pylint: disable=wrong-import-order


class CountingGpg:
    """The real GnuPG context, counting the messages it is asked to decrypt."""

    def __init__(self, context):
        self.context = context
        self.decrypted = []

    def decrypt_many_signed(self, messages, what="message", errors=None):
        self.decrypted += list(messages)
        return self.context.decrypt_many_signed(messages, what, errors)

    def decrypt_signed(self, message, what="message"):
        self.decrypted.append(message)
        return self.context.decrypt_signed(message, what)

    def close(self):
        self.context.close()


class Signatures:
    def __init__(self):
        self.seen = []

    def check(self, items, redo):  # pylint: disable=unused-argument
        self.seen.append([sigs for dummy, sigs, dummy in items])

    def problems(self, items, redo):  # pylint: disable=unused-argument
        return [None for dummy in items]


@pytest.fixture()
def session():
    key = _make_key("memo", "memo passphrase 1")
    context = GpgContext(redactor=Redactor())
    context.load_user_key(key.private, key.passphrase)
    client = PassboltClient.__new__(PassboltClient)
    client.gpg = CountingGpg(context)
    client.signatures = Signatures()
    client.auth = None
    client.http = type("Http", (), {"close": lambda self: None})()
    client._decrypted = {}  # pylint: disable=protected-access
    yield client, context
    client.close()


def test_an_unchanged_message_is_decrypted_once_per_session(session):
    client, context = session
    one, two = (context.encrypt_text(text, [context.user_fingerprint]) for text in ("first secret", "second secret"))
    decrypt = client._decrypt_checked  # pylint: disable=protected-access
    assert decrypt([one], [None], ["one"], "secret") == ["first secret"]
    assert decrypt([one, two], [None, None], ["one", "two"], "secret") == ["first secret", "second secret"]
    assert client.gpg.decrypted == [one, two]  # `one` was not decrypted again
    # what gpg said about the signatures is checked again each time, the same as the first time
    assert client.signatures.seen[0][0] == client.signatures.seen[1][0] and client.signatures.seen[0][0]
    # a changed item is another message: decrypted
    changed = context.encrypt_text("first secret, changed", [context.user_fingerprint])
    assert decrypt([changed], [None], ["one"], "secret") == ["first secret, changed"]
    assert client.gpg.decrypted[-1] == changed


def test_what_cannot_be_decrypted_is_tried_again_and_nothing_outlives_the_session(session):
    client, context = session
    broken = "-----BEGIN PGP MESSAGE-----\n\nnot a message\n-----END PGP MESSAGE-----\n"
    problems = []
    texts = client._decrypt_checked([broken], [None], ["broken"], "secret", problems)  # pylint: disable=protected-access
    assert texts == [None] and problems[0]
    client._decrypt_checked([broken], [None], ["broken"], "secret", [])  # pylint: disable=protected-access
    assert client.gpg.decrypted.count(broken) == 2
    good = context.encrypt_text("kept", [context.user_fingerprint])
    client._decrypt_checked([good], [None], ["good"], "secret")  # pylint: disable=protected-access
    assert len(client._decrypted) == 1  # pylint: disable=protected-access
    client.close()
    assert client._decrypted == {}  # pylint: disable=protected-access
