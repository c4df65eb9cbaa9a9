"""What an item's v5 metadata must pass, as the `validationV5` and `buildRulesV5` of the tables that hold v5
metadata check it (plugins/PassboltCe/Folders/src/Model/Table/FoldersTable.php and src/Model/Table/ResourcesTable.php:
the same fields and rules, some with other messages; used by the folders and by resource_validation). Rules: plugins/PassboltCe/Metadata/src/Model/Rule/
IsMetadataKeyTypeAllowedBySettingsRule.php, MetadataKeyIdExistsInRule.php, MetadataKeyIdNotExpiredRule.php,
IsValidEncryptedMetadataRule.php, IsMetadataKeyTypeSharedOnSharedItemRule.php, IsV4ToV5UpgradeAllowedRule.php.
IsSharedMetadataKeyUniqueActiveRule is skipped by default (its SKIP_RULE_OPTION defaults to true). The request
data first goes through Utility/MetadataPopulateUserKeyIdTrait.php.
"""

from __future__ import annotations

from sandbox.passbolt import crypto
from sandbox.passbolt.controllers.core import is_uuid

KEY_TYPES = ("user_key", "shared_key")


def v5_field_errors(values, fail):
    """validationV5's fields: metadata_key_id (uuid, may be empty), metadata (not empty, ascii, a parsable OpenPGP
    message), metadata_key_type (utf8Extended, inList; may be empty). `fail(field, rule, message)`."""
    if values["metadata_key_id"] != "" and not is_uuid(values["metadata_key_id"]):
        fail("metadata_key_id", "uuid", "The metadata key ID should be a valid UUID.")
    metadata = values["metadata"]
    if metadata == "":
        fail("metadata", "_empty", "The metadata should not be empty.")
    else:
        if not isinstance(metadata, str) or not metadata.isascii():
            fail("metadata", "ascii", "The metadata should be a valid ASCII string.")
        if not crypto.is_armored_message(metadata):
            fail("metadata", "isMetadataParsable", "The message should be a valid ASCII-armored OpenPGP message.")
    key_type = values["metadata_key_type"]
    if key_type != "" and not isinstance(key_type, str):
        fail("metadata_key_type", "utf8Extended", "The metadata key type should be a valid UTF8 string.")
    if key_type != "" and key_type not in KEY_TYPES:
        fail("metadata_key_type", "inList", "The metadata key type should be one of the following: user_key, "
                                            "shared_key.")


def populated_user_key_id(me, data):
    """MetadataPopulateUserKeyIdTrait::populatedMetadataUserKeyId: v5 data with metadata_key_type user_key and no
    metadata_key_id gets the caller's key id."""
    if (data.get("metadata") is not None and data.get("metadata_key_type") == "user_key"
            and data.get("metadata_key_id") is None):
        return dict(data, metadata_key_id=me["gpgkey"]["id"])
    return data


class MetadataRulesMixin:
    def _v5_key_rules(self, values, fail, exists_message):
        """isMetadataKeyTypeAllowedBySettings, metadata_key_exists, isMetadataKeyNotExpired."""
        key_type, key_id = values["metadata_key_type"], values["metadata_key_id"]
        if key_type == "user_key" and not self.settings["allow_personal_keys"]:
            fail("metadata_key_type", "isMetadataKeyTypeAllowedBySettings",
                 "The settings selected by your administrator prevent from using that key type.")
        if key_type == "user_key":  # any user's key (Gpgkeys table)
            key = next((u["gpgkey"] for u in self.users.values() if u["gpgkey"]["id"] == key_id), None)
            not_expired = key is not None and key["expires"] is None
            key = key if key is not None and not key["deleted"] else None
        else:
            key = self.metadata_keys.get(key_id)
            not_expired = key is not None and key["expired"] is None and key_type == "shared_key"
            key = key if key is not None and key["deleted"] is None else None
        if key is None:
            fail("metadata_key_id", "metadata_key_exists", exists_message)
        if not not_expired:
            fail("metadata_key_id", "isMetadataKeyNotExpired", "The metadata key is marked as expired.")

    def _v5_encrypted_rule(self, values, fail, rule, message):
        """IsValidEncryptedMetadataRule: for a shared_key a metadata key that is not deleted, for any other type a
        user's key that is not deleted; one recipient, that key's encryption subkey."""
        key_id = values["metadata_key_id"]
        if values["metadata_key_type"] == "shared_key":
            key = self.metadata_keys.get(key_id)
            key = key if key is not None and key["deleted"] is None else None
        else:
            key = next((u["gpgkey"] for u in self.users.values()
                        if u["gpgkey"]["id"] == key_id and not u["gpgkey"]["deleted"]), None)
        if key is None or not self._is_message_for_key(values["metadata"], key["fingerprint"]):
            fail("metadata", rule, message)

    def _v5_update_rules(self, item_id, old_metadata, values, fail, personal_message):
        """The update-only rules: personal (user_key) metadata only on an item with one user permission, and a v4
        item upgraded only when the settings allow it."""
        if values["metadata_key_type"] == "user_key":
            perms = self._aco_permissions(item_id)
            if len(perms) != 1 or perms[0]["aro"] == "Group":
                fail("metadata_key_type", "isMetadataKeyTypeSharedOnSharedItem", personal_message)
        if old_metadata is None and not self.settings["allow_v4_v5_upgrade"]:
            fail("metadata", "v4_to_v5_upgrade_allowed",
                 "The settings selected by your administrator prevent from upgrading v4 to v5.")
