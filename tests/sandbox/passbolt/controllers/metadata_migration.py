"""The administrator's upgrade of v4 resources to v5 done by the server itself: `bin/cake passbolt metadata
migrate_all_items` / `migrate_resources` (plugins/PassboltCe/Metadata/src/Command/MigrateAllItemsCommand.php,
MigrateResourcesCommand.php) running Service/Migration/MigrateAllV4ResourcesToV5Service.php. The imitation runs it
from its admin API (admin.py, `POST metadata-migrate`), as the command has no HTTP route.
"""

from __future__ import annotations

import json

from sandbox.passbolt import seed_data as SD
from sandbox.passbolt.controllers.core import iso

# ResourceType::getV5Mapping()
V5_MAPPING = {SD.resource_type_id(v4): SD.resource_type_id(v5) for v4, v5 in (
    ("password-string", "v5-password-string"), ("password-and-description", "v5-default"),
    ("totp", "v5-totp-standalone"), ("password-description-totp", "v5-default-with-totp"))}


class MetadataMigrationMixin:
    def migrate_all_v4_resources(self):
        """MigrateAllV4ResourcesToV5Service::migrate: every resource of a v4 type (deleted ones included: the query
        has no deleted condition) gets v5 metadata written and signed by the server (setSignKeyWithServerKey): a
        resource with one user permission becomes personal (user_key, for that user's key), any other shared
        (shared_key, for the latest active metadata key). modified_by is kept (the source's TODO); `modified`
        changes (Timestamp behaviour). Returns the command's result {success, migrated, errors}."""
        if not self.settings["allow_v5_create"]:
            raise ValueError("Resource creation/modification with encrypted metadata not allowed.")
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
