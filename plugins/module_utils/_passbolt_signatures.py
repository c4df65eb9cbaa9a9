# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which signatures a decrypted Passbolt item must carry (what Passbolt's own clients check, and no less).

Metadata (v5, shared-key and personal) and metadata private keys: a good signature by a shared metadata
key, by our own key, or by a user the server lists (GET /users.json gpgkeys, asked once, only when a
signer is not known yet). Secrets: a signature that is there must be good and by such a key; unsigned
secrets are accepted (other tools write them) and noted. A bad signature is always refused;
`verify_signatures=false` lets unsigned items and unknown signers through, never a bad signature.
"""

from __future__ import annotations

from ansible_collections.pwman.secrets.plugins.module_utils._errors import PwmanError
from ansible_collections.pwman.secrets.plugins.module_utils._gpg import GpgError

METADATA = "metadata"
SECRET = "secret"


class SignatureError(PwmanError):
    """A decrypted item's signature is bad, missing or by a key nobody vouches for."""


def _verdict(signatures, trusted, kind):
    """(ok, reason, needs_users): reason names the problem; needs_users when a listed user may be the signer."""
    if any(s["status"] == "bad" for s in signatures):
        return False, "bad", False
    good = [s for s in signatures if s["status"] == "good"]
    if any(s["fingerprint"] in trusted for s in good):
        return True, None, False
    if not signatures:
        return kind == SECRET, "unsigned", False
    unknown = [s for s in signatures if s["status"] in ("unknown_key", "good")]
    return False, "unknown", bool(unknown)


class SignaturePolicy:
    """Checks signatures of what a PassboltClient decrypts; `enabled` is the verify_signatures option."""

    def __init__(self, client, enabled=True):
        self.client = client
        self.enabled = enabled
        self.notes = []  # said at -vvv: by the lookup on the display, by modules as `signature_notes`
        self._user_keys = None  # primary fingerprint -> user id, from GET /users.json

    def take_notes(self):
        """The notes gathered so far, each once, in order; the list starts again empty."""
        notes, self.notes = self.notes, []
        return list(dict.fromkeys(notes))

    def trusted(self):
        found = {}
        if self._user_keys:
            found.update(self._user_keys)
        gpg = self.client.gpg
        if gpg is not None and gpg.user_fingerprint:
            found[gpg.user_fingerprint] = "you"
        for fingerprint in self.client.metadata_key_fingerprints():
            found[fingerprint] = "the shared metadata key"
        return found

    def _load_users(self):
        """Import the public keys of the users the server lists (once per session)."""
        if self._user_keys is not None:
            return False
        keys = [((u.get("gpgkey") or {}) if isinstance(u, dict) else {}).get("armored_key")
                for u in self.client.users_with_keys()]
        try:
            imported = self.client.gpg.import_public_keys(keys)  # one gpg run, however many users
        except GpgError:
            imported = set()
        self._user_keys = {fingerprint: "a listed user" for fingerprint in imported}
        return True

    def check(self, items, kind, redo):
        """items: [(label, signatures)] in order; `redo(index)` decrypts item `index` again and returns its
        signatures (after new keys were imported). Raises SignatureError for the first refused item."""
        for problem in self.problems(items, kind, redo):
            if problem:
                raise SignatureError(problem)

    def problems(self, items, kind, redo):
        """Like check(), but returns one message (or None) per item instead of raising."""
        items = list(items)
        verdicts = [_verdict(sigs, self.trusted(), kind) for dummy, sigs in items]
        if any(v[2] for v in verdicts) and self._load_users():
            trusted = self.trusted()
            for index, (label, sigs) in enumerate(items):
                if verdicts[index][2]:
                    if any(s["status"] == "unknown_key" for s in sigs):
                        sigs = redo(index)
                        items[index] = (label, sigs)
                    verdicts[index] = _verdict(sigs, trusted, kind)
        found = []
        for (label, sigs), (ok, reason, dummy) in zip(items, verdicts):
            found.append(None)
            if ok and reason == "unsigned":
                self.notes.append("The %s is not signed (accepted: other tools write unsigned secrets)." % label)
            elif ok:
                pass
            elif reason == "bad":
                found[-1] = ("The %s has a BAD signature (key %s): it was altered or forged; refusing it."
                             % (label, ", ".join(s["key_id"] for s in sigs if s["status"] == "bad")))
            else:
                why = ("is not signed" if reason == "unsigned" else
                       "is signed by a key that is neither a shared metadata key nor a key of a user the server "
                       "lists (%s)" % ", ".join(s["fingerprint"] or s["key_id"] for s in sigs))
                if self.enabled:
                    found[-1] = ("The %s %s. Refusing it; set verify_signatures=false to accept such items."
                                 % (label, why))
                else:
                    self.notes.append("The %s %s; accepted because verify_signatures is false." % (label, why))
        return found
