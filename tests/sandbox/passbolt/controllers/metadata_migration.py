"""The administrator's upgrade of v4 items to v5 done by the server itself: `bin/cake passbolt metadata
migrate_all_items` (plugins/PassboltCe/Metadata/src/Command/MigrateAllItemsCommand.php running
Service/Migration/MigrateAllV4ItemsToV5Service.php over the services MetadataPlugin::bootstrap collects:
MigrateAllV4ResourcesToV5Service.php, then MigrateAllV4FoldersToV5Service.php). The imitation runs it from its admin
API (admin.py, `POST metadata-migrate`), as the command has no HTTP route.
"""

from __future__ import annotations

import json

from sandbox.passbolt import seed_data as SD
from sandbox.passbolt.controllers.core import iso
from sandbox.passbolt.php import php_json_encode

# ResourceType::getV5Mapping()
V5_MAPPING = {SD.resource_type_id(v4): SD.resource_type_id(v5) for v4, v5 in (
    ("password-string", "v5-password-string"), ("password-and-description", "v5-default"),
    ("totp", "v5-totp-standalone"), ("password-description-totp", "v5-default-with-totp"))}


class MigrationRefused(ValueError):
    """The BadRequestException of MetadataSettingsAwareTrait::assertV5*CreationEnabled."""


class MetadataMigrationMixin:
    def migrate_all_v4_items(self):
        """MigrateAllV4ItemsToV5Service::migrate: each service in turn; a refused one (BadRequestException) is an
        error for its entity, the others' migrated ids and errors (JSON-encoded) are listed by entity. As in the
        source, a refused service leaves `$result` as the previous service left it, which is then reported again
        under the refused entity's name."""
        result = {"success": True, "migrated": [], "errors": []}
        service_result = None
        for entity, service in (("resources", self.migrate_all_v4_resources), ("folders", self.migrate_all_v4_folders)):
            try:
                service_result = service()
            except MigrationRefused as exc:
                result["errors"].append({"error_message": str(exc), "entity": entity})
            if service_result and service_result["migrated"]:
                result["migrated"].append({"entity": entity, "ids": service_result["migrated"]})
            if service_result and service_result["errors"]:
                result["errors"].append({"error_message": "Errors (encoded): " + php_json_encode(service_result["errors"]),
                                         "entity": entity})
        result["success"] = not result["errors"]
        return result

    def migrate_all_v4_resources(self):
        """MigrateAllV4ResourcesToV5Service::migrate: every resource of a v4 type (deleted ones included: the query
        has no deleted condition) gets v5 metadata written and signed by the server (setSignKeyWithServerKey): a
        resource with one user permission becomes personal (user_key, for that user's key), any other shared
        (shared_key, for the latest active metadata key). modified_by is kept (the source's TODO); `modified`
        changes (Timestamp behaviour). Returns the command's result {success, migrated, errors}."""
        if not self.settings["allow_v5_create"]:
            raise MigrationRefused("Resource creation/modification with encrypted metadata not allowed.")
        result = {"success": True, "migrated": [], "errors": []}
        todo = [r for r in self.resources.values() if r["resource_type_id"] in V5_MAPPING]
        if not todo:
            result["errors"].append({"error_message": "No resources to migrate."})
        for res in todo:
            perms = self._aco_permissions(res["id"])
            if not perms:
                result["errors"].append({"resource_id": res["id"],
                                         "error_message": "No permission found for resource ID %s" % res["id"]})
                continue
            # MetadataResourceDto::getClearTextMetadata: one uri (null when none), the future fields null
            plain = json.dumps({"object_type": "PASSBOLT_RESOURCE_METADATA",
                                "resource_type_id": V5_MAPPING[res["resource_type_id"]], "name": res["name"],
                                "username": res["username"], "uris": [res["uri"]], "description": res["description"],
                                "autofill_mappings": None, "custom_fields": None, "color": None, "icon": None})
            if len(perms) == 1 and perms[0]["aro"] == "User":
                owner = self.users[perms[0]["aro_foreign_key"]]
                metadata = self.server_encrypt(plain, owner["gpgkey"]["fingerprint"])
                key_id, key_type = owner["gpgkey"]["id"], "user_key"
            else:
                key = max(self._active_metadata_keys(), key=lambda k: k["created"])  # getLatestActiveKey
                metadata = self.server_encrypt(plain, key["fingerprint"])
                key_id, key_type = key["id"], "shared_key"
            res.update(name=None, username=None, uri=None, description=None, metadata=metadata,
                       resource_type_id=V5_MAPPING[res["resource_type_id"]], metadata_key_id=key_id,
                       metadata_key_type=key_type, modified=iso())
            result["migrated"].append(res["id"])
        result["success"] = not result["errors"]
        return result

    def migrate_all_v4_folders(self):
        """MigrateAllV4FoldersToV5Service::migrate: every folder with a name gets v5 metadata (getClearTextMetadata:
        the name, `color`, `description`, `icon` null) written and signed by the server (setSignKeyWithServerKey):
        a folder with one permission becomes personal (migratePersonal: user_key, for that user's key; a group's
        permission has no user, an error), any other shared (migrateShared: shared_key, for the latest active
        metadata key). The name is cleared, `modified` changes (Timestamp behaviour), modified_by is kept (the
        source's TODO). Returns {success, migrated, errors}."""
        if not self.settings["allow_v5_folder_create"]:
            raise MigrationRefused("Folder creation/modification with encrypted metadata not allowed.")
        result = {"success": True, "migrated": [], "errors": []}
        todo = [f for f in self.folders.values() if f["name"] is not None]
        if not todo:
            result["errors"].append({"error_message": "No folders to migrate."})
        for folder in todo:
            error = self._migrate_folder(folder)
            if error:
                result["errors"].append({"folder_id": folder["id"], "error_message": error})
            else:
                result["migrated"].append(folder["id"])
        result["success"] = not result["errors"]
        return result

    def _migrate_folder(self, folder):
        """One folder of MigrateAllV4FoldersToV5Service::migrate; the error message, or None when migrated."""
        if folder["metadata"] is not None:
            return 'Folder ID "%s" is already V5' % folder["id"]
        perms = self._aco_permissions(folder["id"])
        if not perms:
            return "No permission found for folder ID %s" % folder["id"]
        plain = php_json_encode({"object_type": "PASSBOLT_FOLDER_METADATA", "name": folder["name"], "color": None,
                                 "description": None, "icon": None})
        if len(perms) == 1:
            owner = self.users.get(perms[0]["aro_foreign_key"]) if perms[0]["aro"] == "User" else None
            if owner is None:
                return ("No user provided. The metadata could not be encrypted for permission id: %s."
                        % perms[0]["id"])
            metadata = self.server_encrypt(plain, owner["gpgkey"]["fingerprint"])
            key_id, key_type = owner["gpgkey"]["id"], "user_key"
        else:
            active = self._active_metadata_keys()
            if not active:  # MetadataKeysTable::getLatestActiveKey: firstOrFail
                return "Record not found in table `metadata_keys`."
            key = max(active, key=lambda k: k["created"])
            metadata = self.server_encrypt(plain, key["fingerprint"])
            key_id, key_type = key["id"], "shared_key"
        folder.update(name=None, metadata=metadata, metadata_key_id=key_id, metadata_key_type=key_type, modified=iso())
        return None
