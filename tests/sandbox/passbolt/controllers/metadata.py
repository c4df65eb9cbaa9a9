"""Metadata keys and settings: plugins/PassboltCe/Metadata/src/Controller/MetadataKeysIndexController.php,
MetadataPrivateKeysUpdateController.php, MetadataTypesSettingsGetController.php, MetadataKeysSettingsGetController.php,
MetadataSessionKeysGetController.php, and the recipient check of its rules (MessageRecipientValidationService).
"""

from __future__ import annotations

import re

from sandbox.passbolt import crypto
from sandbox.passbolt.controllers.core import HttpError, is_uuid, iso


class MetadataMixin:
    def h_metadata_keys(self, req):
        """MetadataKeysIndexController + MetadataKeysIndexService::get: contains tested with isset(), filters
        `deleted`/`expired` as booleans (IS NOT NULL / IS NULL); no pagination component."""
        me, dummy = self.current_user(req)
        contain = self.isset_contains(req, ("metadata_private_keys", "creator", "creator.profile"))
        filters = {name: self._bool_filter(req, "filter[%s]" % name) for name in ("deleted", "expired")}
        filters = {name: wanted for name, wanted in filters.items() if wanted is not None}
        out = []
        for key in self.metadata_keys.values():
            if any((key[name] is not None) != wanted for name, wanted in filters.items()):
                continue
            row = dict(key)
            if "metadata_private_keys" in contain:
                row["metadata_private_keys"] = [dict(p) for p in self.metadata_private_keys.values()
                                                if p["metadata_key_id"] == key["id"] and p["user_id"] == me["id"]]
            if "creator" in contain or "creator.profile" in contain:
                creator = self.users.get(key["created_by"])
                row["creator"] = self.fmt_contained_user(creator, profile="creator.profile" in contain) \
                    if creator else None
            out.append(row)
        return self.envelope(req, out)

    def _types_settings(self):
        """MetadataTypesSettingsDto::toArray(), keys in its order (the sandbox is a server whose admin chose v5 for
        resources and folders)."""
        s = self.settings
        return {"default_resource_types": s["metadata_default"], "default_folder_type": s["folder_default"],
                "default_tag_type": "v4", "default_comment_type": "v4",
                "allow_creation_of_v5_resources": s["allow_v5_create"],
                "allow_creation_of_v5_folders": s["allow_v5_folder_create"],
                "allow_creation_of_v5_tags": False, "allow_creation_of_v5_comments": False,
                "allow_creation_of_v4_resources": s["allow_v4_create"],
                "allow_creation_of_v4_folders": s["allow_v4_folder_create"],
                "allow_creation_of_v4_tags": True, "allow_creation_of_v4_comments": True,
                "allow_v5_v4_downgrade": s["allow_v5_v4_downgrade"], "allow_v4_v5_upgrade": s["allow_v4_v5_upgrade"]}

    def h_metadata_types_settings(self, req):
        self.current_user(req)
        return self.envelope(req, self._types_settings())

    def h_metadata_session_keys(self, req):
        """MetadataSessionKeysGetService: the caller's stored session keys; this imitation keeps none."""
        self.current_user(req)
        return self.envelope(req, [])

    def h_metadata_keys_settings(self, req):
        """MetadataKeysSettingsDto::toArray()."""
        self.current_user(req)
        return self.envelope(req, {"allow_usage_of_personal_keys": self.settings["allow_personal_keys"],
                                   "zero_knowledge_key_share": self.settings["zero_knowledge_key_share"]})

    def h_metadata_private_key_update(self, req, pid):
        """PUT/POST /metadata/keys/private/{id}.json: MetadataPrivateKeysUpdateController::update, then
        MetadataPrivateKeysUpdateService::update. Only the caller's own row (user_id), once: a row the caller
        last modified is refused; `data` must be a message for the caller's key (MetadataPrivateKeysTable:
        ascii, not empty, parsable; rule IsValidEncryptedMetadataPrivateKey: no extra line before the end block,
        exactly one recipient, one of the user key's subkeys); its signature is not checked. The answer is the
        row, with `data`, `modified` and `modified_by` (the caller) updated."""
        me, dummy = self.current_user(req)
        data = self.data(req)
        self.assert_not_empty_array_data(data)
        if not is_uuid(pid):
            raise HttpError(400, "The private key identifier should be a UUID.")
        if not isinstance(data.get("data"), str):
            raise HttpError(400, "The request data is invalid.")
        row = next((r for r in self.metadata_private_keys.values()
                    if r["id"] == pid.lower() and r["user_id"] == me["id"]), None)
        if row is None:
            raise HttpError(404, "The metadata private key does not exist or has been deleted.")
        if row["modified_by"] == me["id"]:
            raise HttpError(400, "The metadata private key was already edited by the user.")
        armored, errors = data["data"], {}
        if armored == "":
            errors = {"_empty": "The data should not be empty."}
        else:
            if not armored.isascii():
                errors["ascii"] = "The data should be a valid ASCII string."
            # OpenPGPBackend::unarmor takes the text between the armor headers and "\n=": blank lines before the
            # end line do not make it unparsable (hasExtraBreakLine, a rule, refuses them)
            if not crypto.is_armored_message(re.sub(r"\n\s*\n(?=\s*-----END PGP MESSAGE-----)", "\n", armored)):
                errors["isValidOpenPGPMessage"] = "The message should be a valid ASCII-armored OpenPGP message."
        if not errors:
            lines = armored.strip().split("\n")
            extra_line = len(lines) < 2 or lines[-2] in ("", "0")  # OpenPGPBackend::hasExtraBreakLine (empty())
            if extra_line or not self._is_message_for_key(armored, me["gpgkey"]["fingerprint"]):
                errors = {"isValidEncryptedMetadataPrivateKey":
                          "The data is not valid. Please make sure it is encrypted for the correct key."}
        if errors:
            raise HttpError(400, "The metadata private key could not be validated.", {"data": errors})
        row.update(data=armored, modified=iso(), modified_by=me["id"])
        return self.envelope(req, dict(row))

    def _is_message_for_key(self, armored, fingerprint):
        """IsValidEncryptedMetadataRule: exactly one recipient, one of the key's subkeys (its primary key when it
        has none), as MessageRecipientValidationService::isMessageForRecipient."""
        recipients = crypto.message_recipients(armored)
        if len(recipients) != 1:
            return False
        if fingerprint not in self._key_ids:
            for key in self.gpg.list_keys():
                subkeys = [sub[0].upper() for sub in key.get("subkeys") or []]
                self._key_ids[key["fingerprint"]] = set(subkeys) or {key["keyid"].upper()}
        return recipients[0] in self._key_ids.get(fingerprint, ())


ROUTES = (
    ("GET", r"/metadata/keys\.json", "h_metadata_keys"),
    ("GET", r"/metadata/types/settings\.json", "h_metadata_types_settings"),
    ("GET", r"/metadata/keys/settings\.json", "h_metadata_keys_settings"),
    ("GET", r"/metadata/session-keys\.json", "h_metadata_session_keys"),
    ("PUT", r"/metadata/keys/private/(?P<pid>[^/]+)\.json", "h_metadata_private_key_update"),
    ("POST", r"/metadata/keys/private/(?P<pid>[^/]+)\.json", "h_metadata_private_key_update"),
)
