# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who must have signed each decrypted Passbolt item (what Passbolt's own clients require, and no less).

Each item names the signers it accepts:

- a secret: the user who last wrote it (the secret's `modified_by`, else the resource's);
- shared-key metadata (of a resource, or of a v5 folder): a shared metadata key, or the server key, which signs what
  the server writes itself when an administrator upgrades v4 items to v5 (passbolt_api
  `MigrateAllV4ResourcesToV5Service::migrateShared`, `MigrateAllV4FoldersToV5Service::migrateShared`);
- personal (user-key) metadata: its owner, i.e. you, or the server key (`migratePersonal`);
- your copy of a metadata private key: the server key (`MetadataKeyShareDefaultService::shareMetadataKeyWithUser`
  and `GenerateDummyMetadataKeyService`, when the server shares the key), the administrator who wrote your copy
  (its `created_by`/`modified_by`, zero-knowledge sharing), or you (the copy Passbolt's browser extension re-signs
  when you trust the key).

The server key is the one the login proved (pinned by `server_fingerprint` or the account kit). A user's key is
the one `GET /users.json` lists for that user id (asked once per session, only when a signer is not known yet).
A bad signature is always refused; anything else that does not match is refused unless `verify_signatures` is
false, then it is accepted with a warning.
"""

from __future__ import annotations

from ansible_collections.pwman.secrets.plugins.module_utils._errors import PwmanError
from ansible_collections.pwman.secrets.plugins.module_utils._gpg import GpgError

SERVER = "server"
METADATA_KEY = "metadata_key"
YOU = "you"


def user(user_id):
    """The signer spec of one Passbolt user (by id); None when the server gave no id."""
    return ("user", user_id) if isinstance(user_id, str) and user_id else None


class SignatureError(PwmanError):
    """A decrypted item's signature is bad, missing or not by a signer its kind accepts."""


class SignaturePolicy:
    """Checks signatures of what a PassboltClient decrypts; `enabled` is the verify_signatures option."""

    def __init__(self, client, enabled=True):
        self.client = client
        self.enabled = enabled
        self.notes = []  # said at -vvv: by the lookup on the display, by modules as `signature_notes`
        self.warnings = []  # said at default verbosity (accepted only because verify_signatures is false)
        self._user_keys = None  # user id -> primary fingerprint, from GET /users.json
        self._usernames = {}  # user id -> username, from the same answer

    def take_notes(self):
        """The notes gathered so far, each once, in order; the list starts again empty."""
        notes, self.notes = self.notes, []
        return list(dict.fromkeys(notes))

    def take_warnings(self):
        warnings, self.warnings = self.warnings, []
        return list(dict.fromkeys(warnings))

    # -- who is who ------------------------------------------------------------------
    def _fingerprints(self, spec):
        client = self.client
        if spec == SERVER:
            return {client.server_fingerprint()} - {None, ""}
        if spec == METADATA_KEY:
            return set(client.metadata_key_fingerprints())
        if spec == YOU:
            return {client.gpg.user_fingerprint} - {None, ""} if client.gpg is not None else set()
        if spec[1] == client.user_id and client.gpg is not None and client.gpg.user_fingerprint:
            return {client.gpg.user_fingerprint}
        found = (self._user_keys or {}).get(spec[1])
        return {found} if found else set()

    def _load_users(self):
        """Import the public keys of the users the server lists (once per session): user id -> fingerprint."""
        if self._user_keys is not None:
            return False
        users = [u for u in self.client.users_with_keys() if isinstance(u, dict) and isinstance(u.get("gpgkey"), dict)]
        try:
            imported = self.client.gpg.import_public_keys([u["gpgkey"].get("armored_key") for u in users])
        except GpgError:
            imported = set()
        self._user_keys = {}
        for entry in users:
            claimed = str(entry["gpgkey"].get("fingerprint") or "").replace(" ", "").upper()
            if entry.get("id") and claimed in imported:  # the listed fingerprint is the armored key's own
                self._user_keys[entry["id"]] = claimed
                if isinstance(entry.get("username"), str):
                    self._usernames[entry["id"]] = entry["username"]
        return True

    def _user_text(self, user_id):
        if user_id == self.client.user_id:
            return "you"
        name = self._usernames.get(user_id)
        return "user %s (%s)" % (name, user_id) if name else "user %s" % user_id

    def _describe(self, spec):
        if spec == SERVER:
            return "the server key"
        if spec == METADATA_KEY:
            return "a shared metadata key"
        if spec == YOU:
            return "your key"
        return self._user_text(spec[1])

    def expected_text(self, specs):
        names = list(dict.fromkeys(self._describe(s) for s in specs if s))
        return " or ".join(names) if names else "no known key"

    def _who(self, fingerprint):
        client = self.client
        if not fingerprint:
            return None
        if fingerprint == client.server_fingerprint():
            return "the server key"
        if fingerprint in client.metadata_key_fingerprints():
            return "a shared metadata key"
        if client.gpg is not None and fingerprint == client.gpg.user_fingerprint:
            return "your key"
        for user_id, found in (self._user_keys or {}).items():
            if found == fingerprint:
                return self._user_text(user_id)
        return None

    def _signers_text(self, signatures):
        parts = []
        for sig in signatures:
            fingerprint = sig.get("fingerprint") or ""
            who = self._who(fingerprint)
            key = fingerprint or sig.get("key_id") or "?"
            parts.append("%s (%s)" % (who, key) if who else "key %s" % key)
        return ", ".join(parts)

    # -- verdicts --------------------------------------------------------------------
    def _verdict(self, signatures, specs):
        """(ok, reason): reason "bad", "unsigned" or "other" when refused; the accepted signer spec when ok."""
        if any(s["status"] == "bad" for s in signatures):
            return False, "bad"
        good = {s["fingerprint"] for s in signatures if s["status"] == "good"}
        for spec in specs:
            if spec and good & self._fingerprints(spec):
                return True, spec
        return False, ("unsigned" if not signatures else "other")

    def check(self, items, redo):
        """items: [(label, signatures, accepted signer specs)] in order; `redo(index)` decrypts item `index`
        again and returns its signatures (after new keys were imported). Raises SignatureError for the first
        refused item."""
        for problem in self.problems(items, redo):
            if problem:
                raise SignatureError(problem)

    def problems(self, items, redo):
        """Like check(), but returns one message (or None) per item instead of raising."""
        items = list(items)
        verdicts = [self._verdict(sigs, specs) for dummy, sigs, specs in items]
        # Refused for now: the signer may be a user whose key is not here yet (needed to accept it, or to name
        # the signer in the refusal). The users are listed once per session, and only then.
        pending = [i for i, (ok, reason) in enumerate(verdicts) if not ok and reason == "other"]
        if pending and self._load_users():
            for index in pending:
                label, sigs, specs = items[index]
                if any(s["status"] == "unknown_key" for s in sigs):
                    sigs = redo(index)
                    items[index] = (label, sigs, specs)
                verdicts[index] = self._verdict(sigs, specs)
        return [self._message(item, verdict) for item, verdict in zip(items, verdicts)]

    def _message(self, item, verdict):
        label, sigs, specs = item
        ok, reason = verdict
        if ok:
            if reason == SERVER:
                self.notes.append("The %s is signed by the server key (the server wrote it itself)." % label)
            return None
        if reason == "bad":
            return ("The %s has a BAD signature (key %s): it was altered or forged; refusing it."
                    % (label, ", ".join(s["key_id"] for s in sigs if s["status"] == "bad")))
        found = "is not signed" if reason == "unsigned" else "is signed by %s" % self._signers_text(sigs)
        why = "%s, but Passbolt's clients require a signature by %s" % (found, self.expected_text(specs))
        if self.enabled:
            return "The %s %s. Refusing it; set verify_signatures=false to accept it anyway." % (label, why)
        self.warnings.append("The %s %s; accepted because verify_signatures is false." % (label, why))
        return None
