"""Metadata key life cycle (rotation): plugins/PassboltCe/Metadata/src/Controller/MetadataKeyCreateController.php
(Form/MetadataKeyCreateForm.php, Service/MetadataKeyCreateService.php), MetadataKeyUpdateController.php
(Form/MetadataKeyUpdateForm.php, Service/MetadataKey/MetadataKeyUpdateService.php), MetadataKeyDeleteController.php
(Service/MetadataKey/MetadataKeyDeleteService.php, MetadataKeyAssertUsageService.php), and
MetadataPrivateKeysCreateController.php (Service/MetadataPrivateKeysCreateService.php: an administrator shares a key
with a user, the zero-knowledge way); the rules of Model/Table/MetadataKeysTable.php and MetadataPrivateKeysTable.php.
"""

from __future__ import annotations

import re
import uuid

from sandbox.passbolt import crypto
from sandbox.passbolt.controllers.core import HttpError, is_uuid, iso

FINGERPRINT_RE = re.compile(r"^[A-F0-9]{40}$")  # IsValidFingerprintValidationRule (Gpgkeys: 40 hex, upper case)


class MetadataKeysMixin:
    def _assert_admin(self, me):
        """UserComponent::assertIsAdmin / UserAccessControl::assertIsAdmin."""
        if me["role"] != "admin":
            raise HttpError(403, "Access restricted to administrators.")

    def _active_metadata_keys(self):
        """MetadataKeysTable::findActive: neither deleted nor expired."""
        return [k for k in self.metadata_keys.values() if k["deleted"] is None and k["expired"] is None]

    def _fingerprint_errors(self, data, required=True):
        """MetadataKeyCreateForm / MetadataKeyUpdateForm on `fingerprint`, then the table's isMatchingKeyFingerprint."""
        value = data.get("fingerprint")
        if value is None:
            return {"_required": "A fingerprint is required."} if required else {}
        if not isinstance(value, str) or value == "":
            return {"_empty": "A fingerprint should not be empty."}
        if len(value) > 51:
            return {"maxLength": "A fingerprint should not be greater than 51 characters."}
        if not value.isalnum():
            return {"alphaNumeric": "The fingerprint should be a valid alphanumeric string."}
        if not FINGERPRINT_RE.match(value):
            return {"custom": "The fingerprint should be a string of 40 hexadecimal characters."}
        return {}

    def _armored_key_errors(self, data):
        value = data.get("armored_key")
        if value is None:
            return {"_required": "An armored key is required."}
        if not isinstance(value, str) or value == "":
            return {"_empty": "The armored key should not be empty."}
        if not value.isascii():
            return {"ascii": "The armored key should be a valid ASCII string."}
        if not self._public_key_fingerprints(value):
            return {"isParsableArmoredPublicKey": "The armored key should be a valid ASCII-armored OpenPGP key."}
        return {}

    def _public_key_fingerprints(self, armored):
        if "BEGIN PGP PUBLIC KEY BLOCK" not in armored:
            return []
        return [k["fingerprint"].upper() for k in self.gpg.scan_keys_mem(armored) if k.get("fingerprint")]

    def _private_key_rows_errors(self, rows):
        """MetadataKeyCreateForm::getMetadataPrivateKeysValidator, per row (keyed by position)."""
        errors = {}
        for index, row in enumerate(rows):
            row_errors = {}
            if not isinstance(row, dict):
                row = {}
            if "user_id" not in row:
                row_errors["user_id"] = {"_required": "A user identifier is required."}
            elif row["user_id"] not in (None, "") and not is_uuid(row["user_id"]):
                row_errors["user_id"] = {"uuid": "The user identifier should be a valid UUID."}
            if "data" not in row:
                row_errors["data"] = {"_required": "A data is required."}
            elif not isinstance(row["data"], str) or row["data"] == "":
                row_errors["data"] = {"_empty": "The data should not be empty."}
            elif not row["data"].isascii():
                row_errors["data"] = {"ascii": "The data should be a valid ASCII string."}
            if row_errors:
                errors[index] = row_errors
        return errors

    def _private_key_rule_errors(self, metadata_key_id, user_id, armored):
        """MetadataPrivateKeysTable::buildRules: the user active, one copy per user (or for the server), and the
        data a message for that user's key (or the server key: user_id null)."""
        errors = {}
        if user_id:
            target = self.users.get(user_id)
            if target is None or not target["active"] or target["deleted"]:
                errors["user_id"] = {"isUserActiveIfPresent": "The user does not exist or is not active or is deleted."}
        if any(p["metadata_key_id"] == metadata_key_id and p["user_id"] == (user_id or None)
               for p in self.metadata_private_keys.values()):
            errors["user_id"] = {"_isUnique": "The metadata key id & user id combination is already in use."}
        fingerprint = self.users[user_id]["gpgkey"]["fingerprint"] if user_id in self.users else self.server_fpr
        if not crypto.is_armored_message(armored) or not self._is_message_for_key(armored, fingerprint):
            errors["data"] = {"isValidEncryptedMetadataPrivateKey":
                              "The data is not valid. Please make sure it is encrypted for the correct key."}
        return errors

    def h_metadata_key_create(self, req):
        """POST /metadata/keys.json: admins only; the form, then the entity's validation and rules (fingerprint
        unique among all keys, deleted ones included; at most two active keys; not a server or user key), then the
        copies' rules. Every copy gets created_by/modified_by = the admin (MetadataKeyCreateService::create)."""
        me, dummy = self.current_user(req)
        self._assert_admin(me)
        data = self.data(req)
        self.assert_not_empty_array_data(data)
        errors = {}
        for field, found in (("fingerprint", self._fingerprint_errors(data)), ("armored_key", self._armored_key_errors(data))):
            if found:
                errors[field] = found
        rows = data.get("metadata_private_keys")
        if rows is None:
            errors["metadata_private_keys"] = {"_required": "Private keys are required."}
        elif not isinstance(rows, list) or not rows:
            errors["metadata_private_keys"] = {"hasAtLeast": "Need at least one metadata private key."}
        else:
            row_errors = self._private_key_rows_errors(rows)
            if row_errors:
                errors["metadata_private_keys"] = row_errors
        if errors:
            raise HttpError(400, "Could not validate the metadata key data.", errors)
        fingerprint, armored = data["fingerprint"], data["armored_key"]
        if fingerprint not in self._public_key_fingerprints(armored):
            raise HttpError(400, "The metadata key could not be saved.",
                            {"fingerprint": {"isMatchingKeyFingerprint": "The fingerprint does not match the one of "
                                                                         "the armored key."}})
        rules = {}
        if any(k["fingerprint"] == fingerprint for k in self.metadata_keys.values()):
            rules["_isUnique"] = "The fingerprint is already in use."
        if len(self._active_metadata_keys()) + 1 > 2:
            rules["maxNoOfActiveKeys"] = "Already two metadata keys are active."
        if fingerprint == self.server_fpr:
            rules["isNotServerKeyFingerprintRule"] = "You cannot reuse the server keys."
        if any(u["gpgkey"]["fingerprint"] == fingerprint for u in self.users.values()):
            rules["isNotUserKeyFingerprintRule"] = "You cannot reuse the user key."
        key_id = str(uuid.uuid4())
        copy_errors = {}
        for index, row in enumerate(rows):
            found = self._private_key_rule_errors(key_id, row.get("user_id") or None, row["data"])
            if found:
                copy_errors[index] = found
        if rules or copy_errors:
            body = {"fingerprint": rules} if rules else {}
            if copy_errors:
                body["metadata_private_keys"] = copy_errors
            raise HttpError(400, "The metadata key could not be saved.", body)
        now = iso()
        key = {"id": key_id, "fingerprint": fingerprint, "armored_key": armored, "created": now, "modified": now,
               "created_by": me["id"], "modified_by": me["id"], "deleted": None, "expired": None}
        self.metadata_keys[key_id] = key
        self.gpg.import_keys(armored)
        copies = [self._add_metadata_private_key(key_id, row.get("user_id") or None, row["data"], me["id"])
                  for row in rows]
        answer = {k: v for k, v in key.items() if k not in ("deleted", "expired")}
        answer["metadata_private_keys"] = [dict(c) for c in copies]
        return self.envelope(req, answer)

    def _add_metadata_private_key(self, key_id, user_id, data, by):
        now = iso()
        row = {"id": str(uuid.uuid4()), "metadata_key_id": key_id, "user_id": user_id, "data": data,
               "created": now, "modified": now, "created_by": by, "modified_by": by}
        self.metadata_private_keys[row["id"]] = row
        return row

    def _metadata_key_or_404(self, key_id):
        key = self.metadata_keys.get(key_id.lower())
        if key is None:
            raise HttpError(404, "The metadata key does not exist or has been deleted.")
        return key

    def h_metadata_key_update(self, req, key_id):
        """PUT/POST /metadata/keys/{id}.json: marks a key expired (MetadataKeyUpdateService); body null."""
        me, dummy = self.current_user(req)
        self._assert_admin(me)
        data = self.data(req)
        self.assert_not_empty_array_data(data)
        if not is_uuid(key_id):
            raise HttpError(400, "The metadata key ID should be a valid UUID.")
        errors = {}
        for field, found in (("fingerprint", self._fingerprint_errors(data)), ("armored_key", self._armored_key_errors(data))):
            if found:
                errors[field] = dict(list(found.items())[:1])  # setStopOnFailure
        if not data.get("expired"):
            errors["expired"] = {"_required": "This field is required."} if "expired" not in data else \
                {"_empty": "This field cannot be left empty"}
        elif self._parse_expired(data["expired"]) is None:
            errors["expired"] = {"dateTime": "The expired field value should be a valid ISO 80601 date."}
        if errors:
            raise HttpError(400, "Could not validate the metadata key data.", errors)
        key = self._metadata_key_or_404(key_id)
        if key["fingerprint"] != data["fingerprint"]:
            raise HttpError(404, "The metadata key fingerprint is invalid.")
        if key["deleted"] is not None:
            raise HttpError(404, "The metadata key has already been deleted.")
        if key["expired"] is not None:
            raise HttpError(400, "The metadata key is already marked as expired.")
        key.update(expired=self._parse_expired(data["expired"]), modified=iso(), modified_by=me["id"])
        return self.envelope(req, None)

    @staticmethod
    def _parse_expired(value):
        if not isinstance(value, str):
            return None
        match = re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$", value)
        return value if match else None

    def h_metadata_key_delete(self, req, key_id):
        """DELETE /metadata/keys/{id}.json: only an expired key no non-deleted resource or folder uses; the key is
        soft-deleted and every copy of its private key removed (MetadataKeyDeleteService::delete)."""
        me, dummy = self.current_user(req)
        self._assert_admin(me)
        if not is_uuid(key_id):
            raise HttpError(400, "The metadata key ID should be a valid UUID.")
        key = self._metadata_key_or_404(key_id)
        if key["deleted"] is not None:
            raise HttpError(404, "The metadata key has already been deleted.")
        if key["expired"] is None:
            raise HttpError(400, "The metadata key should be marked as expired first.")
        in_use = any(r["metadata_key_id"] == key["id"] and not r["deleted"] for r in self.resources.values()) or \
            any(f.get("metadata_key_id") == key["id"] for f in self.folders.values())
        if in_use:
            raise HttpError(400, "The metadata key is still in use, migrate the remaining items to the new key first.")
        key.update(deleted=iso(), modified=iso(), modified_by=me["id"])
        for pid in [p for p, row in self.metadata_private_keys.items() if row["metadata_key_id"] == key["id"]]:
            del self.metadata_private_keys[pid]
        return self.envelope(req, None)

    def h_metadata_private_key_create(self, req, key_id):
        """POST /metadata/keys/{id}/private.json: an administrator shares a metadata key with a user (or the server),
        as the browser extension does in zero-knowledge mode; created_by/modified_by = the admin."""
        me, dummy = self.current_user(req)
        data = self.data(req)
        self.assert_not_empty_array_data(data)
        self._assert_admin(me)
        if not is_uuid(key_id):
            raise HttpError(400, "The metadata key identifier should be a UUID.")
        if (data.get("user_id") is not None and not is_uuid(data.get("user_id"))) or not isinstance(data.get("data"), str):
            raise HttpError(400, "The request data is invalid.")
        key = self.metadata_keys.get(key_id.lower())
        if key is None or key["deleted"] is not None:
            raise HttpError(404, "The metadata key does not exist or has been deleted.")
        user_id = data.get("user_id") or None
        if any(p["metadata_key_id"] == key["id"] and p["user_id"] == user_id for p in self.metadata_private_keys.values()):
            raise HttpError(400, "The metadata key is already shared with the user.")
        errors = self._private_key_rule_errors(key["id"], user_id, data["data"])
        if errors:
            raise HttpError(400, "The metadata private key could not be validated.", errors)
        return self.envelope(req, dict(self._add_metadata_private_key(key["id"], user_id, data["data"], me["id"])))


# config/routes.php connects /keys/settings, /keys/privates and /keys/private before /keys/{id}: not key ids
KEY_ID = r"(?P<key_id>(?!(?:settings|privates|private)\.json$)[^/]+)"

ROUTES = (
    ("POST", r"/metadata/keys\.json", "h_metadata_key_create"),
    ("PUT", r"/metadata/keys/%s\.json" % KEY_ID, "h_metadata_key_update"),
    ("POST", r"/metadata/keys/%s\.json" % KEY_ID, "h_metadata_key_update"),
    ("DELETE", r"/metadata/keys/%s\.json" % KEY_ID, "h_metadata_key_delete"),
    ("POST", r"/metadata/keys/(?P<key_id>[^/]+)/private\.json", "h_metadata_private_key_create"),
)
