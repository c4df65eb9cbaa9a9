"""What a resource write must pass: plugins/PassboltCe/Metadata/src/Model/Dto/MetadataResourceDto.php
(and MetadataPopulateUserKeyIdTrait), src/Model/Table/ResourcesTable.php (validationDefault, validationV5,
buildRules, buildRulesV5, beforeMarshal) and src/Model/Table/SecretsTable.php (validationSaveResource).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sandbox.passbolt import crypto
from sandbox.passbolt import seed_data as SD
from sandbox.passbolt.controllers.core import HttpError, SECRETS_PROVIDED, _message_errors, is_uuid, iso
from sandbox.passbolt.controllers.metadata_rules import populated_user_key_id, v5_field_errors
from sandbox.passbolt.php import _php_array


# MetadataResourceDto::V4_META_PROPS, V5_META_PROPS, ALL_PROPS (what the DTO keeps of a request)
V4_META_PROPS = ("name", "username", "uri", "description")
V5_META_PROPS = ("metadata", "metadata_key_id", "metadata_key_type")
DTO_PROPS = V4_META_PROPS + V5_META_PROPS + ("deleted", "expired", "created", "modified", "created_by", "modified_by",
                                             "resource_type_id", "permissions", "secrets", "creator",
                                             "folder_parent_id")
# ResourceType::V4_RESOURCE_TYPE_SLUGS and V5_RESOURCE_TYPE_SLUGS, in their order (the inList messages list them)
V4_TYPE_SLUGS = ("password-string", "password-and-description", "totp", "password-description-totp")
V5_TYPE_SLUGS = ("v5-password-string", "v5-default", "v5-totp-standalone", "v5-default-with-totp", "v5-custom-fields",
                 "v5-note", "v5-pin-code")
_MISSING = object()


def _type_version(resource_type_id):
    for version, slugs in (("v4", V4_TYPE_SLUGS), ("v5", V5_TYPE_SLUGS)):
        if resource_type_id in [SD.resource_type_id(s) for s in slugs]:
            return version
    return None


def _is_utf8(value, extended=True):
    """Cake's Validation::utf8: a string; without `extended`, no character beyond the BMP."""
    return isinstance(value, str) and (extended or all(ord(c) <= 0xFFFF for c in value))


def _parse_datetime(value):
    """The ISO date of a parsable `expired` (ResourcesTable::beforeMarshal), None otherwise."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return iso(parsed.timestamp())


class ResourceValidationMixin:
    # -- resource writes (ResourcesAddController, ResourcesUpdateController, ResourcesDeleteController) ----------
    def _resource_dto(self, me, data):
        """MetadataPopulateUserKeyIdTrait, then MetadataResourceDto: (the DTO's fields, is_v5)."""
        data = populated_user_key_id(me, data)
        if any(data.get(k) is not None for k in V5_META_PROPS):
            if any(data.get(k) is None for k in V5_META_PROPS):
                raise HttpError(400, "Few fields are missing for the V5.")
            if any(data.get(k) is not None for k in V4_META_PROPS):
                raise HttpError(400, "V4 related fields are not supported for V5.")
        return {k: data[k] for k in DTO_PROPS if k in data}, data.get("metadata") is not None

    @staticmethod
    def _resource_values(dto, is_v5, force_default_type=False):
        """The resource fields a save patches: the DTO's metadata props, expired and the resource type
        (password-string when not given, or on a create without the ResourceTypes plugin: ResourcesAddService::
        buildEntity, ResourcesUpdateService::presetOrAssertResourceType)."""
        values = {k: dto[k] for k in (V5_META_PROPS if is_v5 else V4_META_PROPS) if k in dto}
        if "expired" in dto:
            values["expired"] = dto["expired"]
        rtid = None if force_default_type else dto.get("resource_type_id")
        values["resource_type_id"] = rtid if rtid is not None else SD.resource_type_id("password-string")
        # ResourcesTable::beforeMarshal: a password-and-description resource keeps its description in the secret
        if values["resource_type_id"] == SD.resource_type_id("password-and-description") and values.get("description"):
            values["description"] = None
        return values

    def _resource_errors(self, values, is_v5, creating, secrets_error, secret_rows):
        """ResourcesTable::validationDefault / validationV5 (fields in the validator's order), then the
        secrets' own errors (SecretsTable::validationSaveResource) keyed by position, as Entity::getErrors()."""
        errors = {}

        def fail(field, rule, message):
            errors.setdefault(field, {})[rule] = message

        if not is_v5:
            for field, limit in (("name", 255), ("username", 255), ("uri", 1024), ("description", 10000)):
                if field not in values:
                    if field == "name" and creating:
                        fail("name", "_required", "A name is required.")
                    continue
                value = values[field]
                if value is None or value == "":
                    if field == "name":
                        fail("name", "_empty", "The name should not be empty.")
                    continue
                if field == "uri" and not _is_utf8(value, extended=False):
                    fail("uri", "utf8", "The uri should be a valid BMP-UTF8 string.")
                elif field != "uri" and not _is_utf8(value):
                    fail(field, "utf8Extended", "The %s should be a valid UTF8 string." % field)
                if not isinstance(value, (str, int, float)) or len(str(value)) > limit:
                    fail(field, "maxLength", "The %s length should be maximum %d characters." % (field, limit))
        if values.get("expired") not in (None, "") and _parse_datetime(values["expired"]) is None:
            fail("expired", "expired", "The date could not be parsed.")
        rtid = values["resource_type_id"]
        slugs = V5_TYPE_SLUGS if is_v5 else V4_TYPE_SLUGS
        if not is_uuid(rtid):
            fail("resource_type_id", "uuid", "The resource type identifier should be a valid UUID.")
        if rtid not in [SD.resource_type_id(s) for s in slugs]:
            fail("resource_type_id", "inList", "The resource type should be one of the following: %s."
                 % ", ".join(slugs))
        if secrets_error:
            errors["secrets"] = secrets_error
        if is_v5:
            v5_field_errors(values, fail)
        if not secrets_error and secret_rows:
            by_row = {}
            for index, row in enumerate(secret_rows):
                row_errors = self._secret_row_errors(row)
                if row_errors:
                    by_row[index] = row_errors
            if by_row:
                errors["secrets"] = _php_array(by_row)
        return errors

    @staticmethod
    def _secret_row_errors(row):
        """SecretsTable::validationSaveResource for a new secret (user_id, data)."""
        errors = {}
        if "user_id" not in row:
            errors["user_id"] = {"_required": "A user identifier is required."}
        elif row["user_id"] in (None, ""):
            errors["user_id"] = {"_empty": "The user identifier should not be empty."}
        elif not is_uuid(row["user_id"]):
            errors["user_id"] = {"uuid": "The user identifier should be a valid UUID."}
        if "data" not in row:
            errors["data"] = {"_required": "A message is required."}
        elif row["data"] in (None, ""):
            errors["data"] = {"_empty": "The message should not be empty."}
        elif _message_errors(row["data"]):
            errors["data"] = _message_errors(row["data"])
        return errors

    def _resource_rule_errors(self, res, values, is_v5, secret_users):
        """ResourcesTable::buildRules and, for v5 payloads, buildRulesV5, on the patched resource.
        `res`: the stored resource (None on create); `secret_users`: user ids of the secrets sent on update."""
        errors = {}
        creating = res is None

        def fail(field, rule, message):
            errors.setdefault(field, {})[rule] = message

        new_type = values["resource_type_id"]
        # buildRules resource_type_is_not_soft_deleted (IsNotSoftDeletedRule), create and update: the type the
        # resource gets must not be soft-deleted (a type the index no longer lists). Not checked: whether the index
        # lists it otherwise (the TotpResourceTypes plugin only changes the index).
        if next((s for s, i in SD.RESOURCE_TYPE_IDS.items() if i == new_type), None) in self.resource_types_deleted:
            fail("resource_type_id", "resource_type_is_not_soft_deleted", "The resource type should not be deleted.")
        if not creating:
            if secret_users is not None:
                allowed = self._active_users_with_access(res["id"])
                if len(secret_users) != len(allowed) or allowed - set(secret_users):
                    fail("secrets", "secrets_provided",
                         "The secrets should contain the secrets of all the users having access to the resource.")
            if _type_version(res["resource_type_id"]) == "v5" and _type_version(new_type) == "v4" \
                    and not self.settings["allow_v5_v4_downgrade"]:
                fail("resource_type_id", "v5_to_v4_downgrade_allowed",
                     "The settings selected by your administrator prevent from downgrading resource type.")
        if not is_v5:
            return errors
        self._v5_key_rules(values, fail, "The metadata key does not exist or was deleted.")
        if creating and new_type == SD.resource_type_id("v5-password-string"):
            fail("resource_type_id", "isNotV5PasswordStringType",
                 "It is not allowed to create v5-password-string resource types.")
        self._v5_encrypted_rule(values, fail, "isValidEncryptedResourceMetadata",
                                "The resource metadata provided can not be decrypted.")
        if not creating:
            self._v5_update_rules(res["id"], res["metadata"], values, fail,
                                  "A resource of type personal cannot be shared with other users or a group.")
        return errors

    def _active_users_with_access(self, aco_id):
        """Users::findIndex(Role::USER) with filter has-access: active, not deleted."""
        return {uid for uid in self._users_with_access(aco_id)
                if uid in self.users and self.users[uid]["active"] and not self.users[uid]["deleted"]}

    def _check_secrets(self, rows, expected_users, errors, exact=True):
        """Validate a secrets array: [{user_id?, data}]. Returns {user_id: data}."""
        if not isinstance(rows, list) or not rows:
            errors["secrets"] = {"_required": "The owner secret is required."}
            return {}
        out = {}
        for idx, row in enumerate(rows):
            if not isinstance(row, dict):
                errors.setdefault("secrets", {})[str(idx)] = {"data": {"_required": "A message is required."}}
                continue
            uid = row.get("user_id")
            if not crypto.is_armored_message(row.get("data")):
                errors.setdefault("secrets", {})[str(idx)] = {
                    "data": {"isValidOpenPGPMessage": "The message should be a valid ASCII-armored OpenPGP message."}}
                continue
            out[uid] = row["data"]
        if "secrets" in errors:
            return {}
        if exact and set(out) != set(expected_users):
            errors["secrets"] = {"secrets_provided": "The secrets should contain the secrets of all the users "
                                                     "having access to the resource."}
            return {}
        if not exact and not set(out) <= set(expected_users):
            errors["secrets"] = {"secrets_provided": SECRETS_PROVIDED}
        return out
