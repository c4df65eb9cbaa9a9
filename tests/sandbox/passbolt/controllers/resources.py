"""Resources and resource types: src/Controller/Resources/ResourcesIndexController.php,
ResourcesViewController.php, ResourcesAddController.php, ResourcesUpdateController.php,
ResourcesDeleteController.php (with ResourcesAddService, ResourcesUpdateService, MetadataResourcesRenderService);
plugins/PassboltCe/ResourceTypes/src/Controller/ResourceTypesIndexController.php, ResourceTypesViewController.php,
ResourceTypesDeleteController.php, ResourceTypesUpdateController.php (and the TotpResourceTypes plugin's finder).
The validation of writes is in resource_validation.py.
"""

from __future__ import annotations

import uuid

from sandbox.passbolt import seed_data as SD
from sandbox.passbolt.controllers.core import HttpError, OWNER, UPDATE, is_uuid, iso, validation_error
from sandbox.passbolt.controllers.resource_validation import (V4_META_PROPS, V5_META_PROPS, _MISSING,
                                                              _parse_datetime, _type_version)


V4_SLUGS = ("password-string", "password-and-description", "totp", "password-description-totp")
# ResourceTypesFinderService::find() leaves these out of GET /resource-types.json (they still exist); the
# TotpResourceTypes plugin (on by default) replaces it by TotpResourceTypesFinderService, which lists every type.
TOTP_TYPE_SLUGS = ("totp", "password-description-totp")


class ResourcesMixin:
    # -- resource types & metadata -------------------------------------------------------------
    def _assert_resource_types_plugin(self):
        """Without the ResourceTypes plugin its routes do not exist: a MissingRouteException, 404 "Not Found"."""
        if not self.settings["resource_types_enabled"]:
            raise HttpError(404, "Not Found")

    def h_resource_types(self, req):
        """ResourceTypesIndexController::index (passbolt.v5.enabled): the finder's types (every one with the
        TotpResourceTypes plugin, on by default; without it, not totp / password-description-totp), not deleted ones,
        or only deleted ones with filter[is-deleted]; contain[resources_count] (its non-deleted resources) for
        admins; no pagination (->all())."""
        self._assert_resource_types_plugin()
        me, dummy = self.current_user(req)
        deleted = self._bool_filter(req, "filter[is-deleted]")
        count = me["role"] == "admin" and self.contains(req, "resources_count")
        out = []
        for slug in SD.RESOURCE_TYPE_SLUGS:
            if slug in TOTP_TYPE_SLUGS and not self.settings["totp_resource_types_enabled"]:
                continue
            if (slug in self.resource_types_deleted) != bool(deleted):
                continue
            row = self.fmt_resource_type(slug)
            if count:
                row["resources_count"] = sum(1 for r in self.resources.values()
                                             if r["resource_type_id"] == row["id"] and not r["deleted"])
            out.append(row)
        return self.envelope(req, out)

    def h_resource_type(self, req, tid):
        """ResourceTypesViewController::view: the table's row, listed or not, deleted or not."""
        self._assert_resource_types_plugin()
        self.current_user(req)
        slug = next((s for s, i in SD.RESOURCE_TYPE_IDS.items() if i == tid), None)
        if not is_uuid(tid):
            raise HttpError(400, "The resource identifier should be a valid UUID.")  # sic, ResourceTypesViewController
        if slug is None:
            raise HttpError(404, "The resource type does not exist.")
        return self.envelope(req, self.fmt_resource_type(slug, decoded=False))

    def _resource_type_for_admin(self, req, tid):
        """ResourceTypesDelete/UpdateController and ResourceTypesDeleteService: an admin, a UUID, an existing type."""
        me, dummy = self.current_user(req)
        if me["role"] != "admin":
            raise HttpError(403, "Access restricted to administrators.")
        return me

    @staticmethod
    def _resource_type_slug(tid):
        if not is_uuid(tid):
            raise HttpError(400, "The resource type identifier should be a UUID.")
        slug = next((s for s, i in SD.RESOURCE_TYPE_IDS.items() if i == tid.lower()), None)
        if slug is None:
            raise HttpError(404, "The resource type does not exist.")
        return slug

    def h_resource_type_delete(self, req, tid):
        """DELETE /resource-types/{id}.json: ResourceTypesDeleteService::delete, a soft delete (`deleted` set).
        The "last of the default version" / "only one" checks count every stored type (deleted ones too) and never
        refuse with the 11 types of an install."""
        self._assert_resource_types_plugin()
        self._resource_type_for_admin(req, tid)
        slug = self._resource_type_slug(tid)
        if slug in self.resource_types_deleted:
            raise HttpError(400, "The resource type is already deleted.")
        if any(r["resource_type_id"] == SD.resource_type_id(slug) and not r["deleted"] for r in self.resources.values()):
            raise HttpError(400, "The resource type can not be deleted as resources of this type still exist.")
        self.resource_types_deleted[slug] = iso()
        return self.envelope(req, None)

    def h_resource_type_undelete(self, req, tid):
        """PUT /resource-types/{id}.json: ResourceTypesUpdateController (only `{"deleted": null}`), then
        ResourceTypesDeleteService::undoDelete."""
        self._assert_resource_types_plugin()
        self._resource_type_for_admin(req, tid)
        data = self.data(req)
        self.assert_not_empty_array_data(data)
        if "deleted" not in data or data["deleted"] is not None:
            raise HttpError(400, "The deleted field must be set to null.")
        if len(data) > 1:
            raise HttpError(400, "It is not allowed to update these resource type properties.")
        slug = self._resource_type_slug(tid)
        if slug not in self.resource_types_deleted:
            raise HttpError(400, "The resource type is not deleted.")
        del self.resource_types_deleted[slug]
        return self.envelope(req, None)

    # -- resources -----------------------------------------------------------------------------
    def _visible_resources(self, uid):
        return [r for r in self.resources.values() if not r["deleted"] and self._permission_of(uid, r["id"])]

    def h_resources(self, req):
        me, dummy = self.current_user(req)
        items = self._visible_resources(me["id"])
        has_id = self.qlist(req, "filter[has-id]")
        if has_id:
            items = [r for r in items if r["id"] in set(has_id)]
        group = (self.qlist(req, "filter[is-shared-with-group]") or [None])[0]
        if group:
            items = [r for r in items if any(p["aro"] == "Group" and p["aro_foreign_key"] == group
                                             for p in self._aco_permissions(r["id"]))]
        if self._flag(req, "filter[is-owned-by-me]"):
            items = [r for r in items if self._permission_of(me["id"], r["id"])["type"] == OWNER]
        if self._flag(req, "filter[is-shared-with-me]"):
            items = [r for r in items if self._permission_of(me["id"], r["id"])["type"] != OWNER]
        if self._flag(req, "filter[is-favorite]"):
            items = []
        parents = self.qlist(req, "filter[has-parent]", keep_blank=True)
        if parents:  # an empty value is the root
            wanted = {p or None for p in parents}
            items = [r for r in items if self._folder_parent_for(me["id"], r["folder_parent_id"]) in wanted]
        mkt = req.arg("filter[metadata_key_type]")
        if mkt:
            if mkt not in ("user_key", "shared_key"):
                raise HttpError(400, 'Invalid filter. "%s" is not a valid value for filter metadata_key_type.' % mkt)
            items = [r for r in items if r["metadata_key_type"] == mkt]
        items.sort(key=lambda r: (r["name"] is not None, r["name"] or ""))  # ORDER BY Resources.name ASC
        out = [self.fmt_resource(r, me["id"], req) for r in items]
        self._log_secret_accesses(me, out)
        return self.listing(req, out)

    def _log_secret_accesses(self, me, rendered):
        """ResourcesIndexController / ResourcesViewController::_logSecretAccesses: every secret contained in the
        answer is a secret access (the Log plugin's SecretAccessesTable), which the automatic expiry looks at."""
        for item in rendered:
            self.record_secret_access(me["id"], item.get("secrets") or [])

    def _get_resource_or_error(self, uid, rid):
        if not is_uuid(rid):
            raise HttpError(400, "The resource identifier should be a valid UUID.")
        res = self._visible_resource(uid, rid)
        if res is None:
            raise HttpError(404, "The resource does not exist.")
        return res

    def h_resource_get(self, req, rid):
        me, dummy = self.current_user(req)
        res = self._get_resource_or_error(me["id"], rid)
        out = self.fmt_resource(res, me["id"], req)
        self._log_secret_accesses(me, [out])
        return self.envelope(req, out)

    def _render_resource(self, res, uid, is_v5):
        """findView(contain creator, favorite, modifier, secret, permission), then
        MetadataResourcesRenderService::renderResource: the payload's version decides which fields go."""
        out = self.fmt_resource(res, uid, _Contain("creator", "favorite", "modifier", "secret", "permission"))
        for key in V4_META_PROPS + V5_META_PROPS:
            out[key] = res[key]
        for key in V4_META_PROPS if is_v5 else V5_META_PROPS:
            del out[key]
        return out

    def h_resource_create(self, req):
        me, dummy = self.current_user(req)
        dto, is_v5 = self._resource_dto(me, self.data(req))
        # MetadataSettingsAwareTrait::assertCreationAllowedByMetadataSettings (creation only)
        if is_v5 and not self.settings["allow_v5_create"]:
            raise HttpError(400, "Resource creation/modification with encrypted metadata not allowed.")
        if not is_v5 and not self.settings["allow_v4_create"]:
            raise HttpError(400, "Resource creation with cleartext metadata not allowed.")
        values = self._resource_values(dto, is_v5, force_default_type=not self.settings["resource_types_enabled"])
        # ResourcesAddService::buildEntity: the first secret is the creator's, whatever user_id says
        rows, secrets_error = dto.get("secrets", _MISSING), None
        if rows is _MISSING:
            secrets_error = {"_required": "The owner secret is required."}
        elif rows is None:
            secrets_error = {"_empty": "The secrets should not be empty."}
        else:
            rows = [dict(rows[0], user_id=me["id"])] + rows[1:] if isinstance(rows, list) and rows \
                and isinstance(rows[0], dict) else [{}]
            if len(rows) > 1:
                secrets_error = {"hasAtMost": "The secrets should contain only the secret of the owner."}
        rows = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
        errors = self._resource_errors(values, is_v5, True, secrets_error, rows)
        if errors:
            raise validation_error(errors)
        errors = self._resource_rule_errors(None, values, is_v5, None)
        if errors:
            raise validation_error(errors)
        # Folders' ResourcesAfterCreateService, after the save (rolled back on error)
        folder_id = dto.get("folder_parent_id")
        if folder_id is not None:
            perm = self._permission_of(me["id"], folder_id) if is_uuid(folder_id) else None
            if not is_uuid(folder_id):
                errors = {"uuid": "The folder parent identifier should be a valid UUID."}
            elif folder_id not in self.folders:
                errors = {"folder_exists": "The folder parent does not exist."}
            elif perm is None or perm["type"] < UPDATE:
                errors = {"has_folder_access": "You are not allowed to create content into the parent folder."}
            if errors:
                raise validation_error({"folder_parent_id": errors})
        now = iso()
        rid = str(uuid.uuid4())
        res = {"id": rid, "folder_parent_id": folder_id, "created": now, "modified": now, "created_by": me["id"],
               "modified_by": me["id"], "deleted": False, "expired": None, "metadata": None, "metadata_key_id": None,
               "metadata_key_type": None, "name": None, "username": None, "uri": None, "description": None}
        res.update(values)
        res["expired"] = _parse_datetime(res["expired"])
        self.resources[rid] = res
        # Only the owner's permission: inheriting a shared folder's permissions is the client's job (a share call).
        self._add_permission("Resource", rid, "User", me["id"], OWNER)
        self._set_secret(rid, me["id"], rows[0]["data"], me["id"])
        return self.envelope(req, self._render_resource(res, me["id"], is_v5),
                             message="The resource has been added successfully.")

    def h_resource_update(self, req, rid):
        me, dummy = self.current_user(req)
        if not is_uuid(rid):
            raise HttpError(400, "The resource identifier should be a valid UUID.")
        dto, is_v5 = self._resource_dto(me, self.data(req))
        # ResourcesUpdateService::getResource: the caller's highest permission (none for a deleted resource)
        perm = self._permission_of(me["id"], rid)
        res = self.resources.get(rid)
        if perm is None or res is None or res["deleted"]:
            raise HttpError(404, "The resource does not exist.")
        if perm["type"] < UPDATE:
            raise HttpError(403, "You are not allowed to update this resource.")
        if (not self.settings["resource_types_enabled"] and dto.get("resource_type_id") is not None
                and dto["resource_type_id"] != SD.resource_type_id("password-string")):
            raise HttpError(400, "Additional resource types are not enabled on this server.")  # presetOrAssert...
        values = self._resource_values(dto, is_v5)
        if is_v5:  # v4 fields cleared (an upgrade)
            values.update(name=None, username=None, uri=None, description=None)
        rows = dto.get("secrets") or None  # Hash::get(..., 'secrets', []) then empty(): no secret update
        if rows is not None:
            rows = [r for r in (rows if isinstance(rows, list) else []) if isinstance(r, dict)]
        errors = self._resource_errors(values, is_v5, False, None, rows)
        if errors:
            raise validation_error(errors)
        errors = self._resource_rule_errors(res, values, is_v5, None if rows is None else
                                            [r.get("user_id") for r in rows])
        if errors:
            raise validation_error(errors)
        if _type_version(res["resource_type_id"]) == "v5" and _type_version(values["resource_type_id"]) == "v4":
            # MetadataResourceUpdateListener: an allowed downgrade drops the encrypted metadata
            values.update(metadata=None, metadata_key_id=None, metadata_key_type=None)
        res.update(values)
        if "expired" in values:
            res["expired"] = _parse_datetime(values["expired"])
        res["modified"] = iso()
        res["modified_by"] = me["id"]
        for row in rows or []:
            # new secret rows (the SecretRevisions plugin keeps the old ones as a revision)
            self.secrets.pop((rid, row["user_id"]), None)
            self._set_secret(rid, row["user_id"], row["data"], me["id"])
        return self.envelope(req, self._render_resource(res, me["id"], is_v5),
                             message="The resource has been updated successfully.")

    def h_resource_delete(self, req, rid):
        """ResourcesDeleteController + ResourcesTable::softDelete: update permission needed (403 when the caller
        only reads it, 404 when it cannot see it); username, uri and description are cleared."""
        me, dummy = self.current_user(req)
        res = self._get_resource_or_error(me["id"], rid)
        if self._permission_of(me["id"], rid)["type"] < UPDATE:
            raise HttpError(403, "You do not have the permission to delete this resource.")
        res.update(deleted=True, modified=iso(), modified_by=me["id"], username=None, uri=None, description=None)
        for key in [k for k in self.secrets if k[0] == rid]:
            del self.secrets[key]
        for pid in [p["id"] for p in self._aco_permissions(rid)]:
            del self.permissions[pid]
        return self.envelope(req, None, message="The resource has been deleted successfully.")


class _NoContain:
    query = {}


class _Contain:
    def __init__(self, *names):
        self.query = {"contain[%s]" % n: ["1"] for n in names}


ROUTES = (
    ("GET", r"/resource-types\.json", "h_resource_types"),
    ("GET", r"/resource-types/(?P<tid>[^/]+)\.json", "h_resource_type"),
    ("DELETE", r"/resource-types/(?P<tid>[^/]+)\.json", "h_resource_type_delete"),
    ("PUT", r"/resource-types/(?P<tid>[^/]+)\.json", "h_resource_type_undelete"),
    ("GET", r"/resources\.json", "h_resources"),
    ("POST", r"/resources\.json", "h_resource_create"),
    ("GET", r"/resources/(?P<rid>[^/]+)\.json", "h_resource_get"),
    ("PUT", r"/resources/(?P<rid>[^/]+)\.json", "h_resource_update"),
    ("DELETE", r"/resources/(?P<rid>[^/]+)\.json", "h_resource_delete"),
)
