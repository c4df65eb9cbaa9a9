"""Folders: plugins/PassboltCe/Folders/src/Controller/Folders/FoldersIndexController.php, FoldersViewController.php,
FoldersCreateController.php, FoldersUpdateController.php, FoldersDeleteController.php, FoldersShareController.php and
FoldersRelations/FoldersRelationsMoveController.php (PUT /move/{resource|folder}/{id}.json); v4 and v5 folders
(plugins/PassboltCe/Metadata/src/Model/Dto/MetadataFolderDto.php, Service/Folders/MetadataFoldersRenderService.php).
"""

from __future__ import annotations

import re
import uuid

from sandbox.passbolt.controllers.core import HttpError, OWNER, UPDATE, is_uuid, iso, like, validation_error
from sandbox.passbolt.controllers.metadata_rules import populated_user_key_id, v5_field_errors

V5_FOLDER_PROPS = ("metadata", "metadata_key_id", "metadata_key_type")  # MetadataFolderDto::V5_META_PROPS


class FoldersMixin:
    # -- folders -------------------------------------------------------------------------------
    # Contain allow-lists of FoldersIndexController / FoldersViewController, and of the create and update
    # controllers (which re-read the folder with them, without the creator/modifier profiles).
    FOLDER_CONTAINS = ("children_resources", "children_folders", "creator", "creator.profile", "modifier",
                       "modifier.profile", "permission", "permissions", "permissions.user.profile", "permissions.group")
    FOLDER_WRITE_CONTAINS = ("children_folders", "children_resources", "creator", "modifier", "permission",
                             "permissions", "permissions.group", "permissions.user.profile")

    def h_folders(self, req):
        """FoldersIndexController: the caller's folders (any permission), paginated, Folders.name ASC; filters
        has-id, has-parent ("", "0", "false": the root), search (case-insensitive LIKE on the name)."""
        me, dummy = self.current_user(req)
        contain = self.isset_contains(req, self.FOLDER_CONTAINS)
        items = [f for f in self.folders.values() if self._permission_of(me["id"], f["id"])]
        has_id = self.qlist(req, "filter[has-id]")
        if has_id:
            items = [f for f in items if f["id"] in set(has_id)]
        search = self.search_keyword(req)
        if search:  # LOWER(Folders.name) LIKE ...: a v5 folder's name is NULL and never matches
            items = [f for f in items if f["name"] is not None and like(search, f["name"])]
        parents = [v for key, vals in req.query.items() if key in ("filter[has-parent]", "filter[has-parent][]")
                   or re.match(r"filter\[has-parent\]\[\d+\]$", key) for v in vals]
        if parents:
            wanted = set()
            for value in parents:
                if value in ("", "0", "false"):
                    wanted.add(None)
                elif is_uuid(value):
                    wanted.add(value)
                else:
                    raise HttpError(400, 'Invalid filter. "%s" is not a valid parent id for filter has-parent.' % value)
            items = [f for f in items if self._folder_parent_for(me["id"], f["folder_parent_id"]) in wanted]
        items.sort(key=lambda f: (f["name"] is not None, (f["name"] or "").lower()))  # NULL first (MySQL)
        return self.listing(req, [self.fmt_folder(f, me["id"], contain) for f in items])

    def h_folder_get(self, req, fid):
        me, dummy = self.current_user(req)
        if not is_uuid(fid):
            raise HttpError(400, "The folder id is not valid.")
        contain = self.isset_contains(req, self.FOLDER_CONTAINS)
        has_id = self.qlist(req, "filter[has-id]")
        folder = self._visible_folder(me["id"], fid)
        if folder is None or (has_id and fid not in has_id):
            raise HttpError(404, "The folder does not exist.")
        return self.envelope(req, self.fmt_folder(folder, me["id"], contain))

    @staticmethod
    def _folder_dto(data):
        """MetadataFolderDto::fromArray (typed ?string properties: anything else is a TypeError, a 500).
        Returns True for a v5 payload (isV5(): metadata given)."""
        for field in ("name", "folder_parent_id", "metadata", "metadata_key_id", "metadata_key_type"):
            if data.get(field) is not None and not isinstance(data[field], str):
                raise TypeError("MetadataFolderDto::$%s must be ?string" % field)
        given = [f for f in ("metadata", "metadata_key_id", "metadata_key_type") if data.get(f) is not None]
        if not given:
            return False
        if len(given) < 3:
            raise HttpError(400, "Few fields are missing for the V5.")
        if data.get("name") is not None:
            raise HttpError(400, "V4 related fields are not supported for V5.")
        return True

    def _check_folder_name(self, name, errors):
        """FoldersTable::validationDefault; the DTO always passes `name` (null when absent), so a missing
        name is "_empty", never "_required"; blanks are a name."""
        if name is None or name == "":
            errors["name"] = {"_empty": "The name should not be empty."}
        elif len(name) > 256:
            errors["name"] = {"maxLength": "The name length should be maximum 256 characters."}

    def _check_parent(self, me, parent_id, errors):
        """FoldersCreateService::validateParentFolder: any existing folder passes folder_exists; one the
        caller cannot see or only reads is has_folder_access."""
        if parent_id is None:
            return
        if not is_uuid(parent_id):
            errors["folder_parent_id"] = {"uuid": "The folder parent id should be a valid UUID."}
        elif parent_id not in self.folders:
            errors["folder_parent_id"] = {"folder_exists": "The folder parent must exist."}
        elif (self._permission_of(me["id"], parent_id) or {"type": 0})["type"] < UPDATE:
            errors["folder_parent_id"] = {"has_folder_access": "You are not allowed to create content into "
                                                               "the parent folder."}

    def _folder_metadata_errors(self, values, folder):
        """FoldersTable::validationV5's fields, then the rules FolderSaveV5AwareTrait adds (buildRulesV5; the
        update-only ones when `folder` is the stored folder)."""
        errors = {}

        def fail(field, rule, message):
            errors.setdefault(field, {})[rule] = message
        v5_field_errors(values, fail)
        if errors:
            return errors
        self._v5_key_rules(values, fail, "The metadata key does not exist.")
        self._v5_encrypted_rule(values, fail, "isValidEncryptedMetadata",
                                "The folder metadata provided cannot be decrypted.")
        if folder is not None:
            self._v5_update_rules(folder["id"], folder["metadata"], values, fail,
                                  "A folder of type personal cannot be shared with other users or a group.")
        return errors

    def h_folder_create(self, req):
        """FoldersCreateController, FoldersCreateService::create: the metadata types settings allow the payload's
        format (assertCreationAllowedByMetadataSettings), then the folder's validation (v4: the name; v5:
        validationV5) and rules (buildRulesV5), then the parent. The answer carries only the contains asked for
        in the query string, rendered for the payload's version."""
        me, dummy = self.current_user(req)
        data = populated_user_key_id(me, self.data(req))
        is_v5 = self._folder_dto(data)
        if is_v5 and not self.settings["allow_v5_folder_create"]:
            raise HttpError(400, "Folder creation/modification with encrypted metadata not allowed.")
        if not is_v5 and not self.settings["allow_v4_folder_create"]:
            raise HttpError(400, "Folder creation with cleartext metadata not allowed.")
        values = {k: data.get(k) for k in V5_FOLDER_PROPS} if is_v5 else {"name": data.get("name")}
        errors = {}
        if is_v5:
            errors = self._folder_metadata_errors(values, None)
        else:
            self._check_folder_name(values["name"], errors)
        if not errors:
            self._check_parent(me, data.get("folder_parent_id"), errors)
        if errors:
            raise validation_error(errors, "Could not validate folder data.")
        contain = self.isset_contains(req, self.FOLDER_WRITE_CONTAINS)
        now = iso()
        fid = str(uuid.uuid4())
        folder = {"id": fid, "name": None, "metadata": None, "metadata_key_id": None, "metadata_key_type": None,
                  "folder_parent_id": data.get("folder_parent_id"), "created": now, "modified": now,
                  "created_by": me["id"], "modified_by": me["id"], "personal": True}
        folder.update(values)
        self.folders[fid] = folder
        self._add_permission("Folder", fid, "User", me["id"], OWNER)
        return self.envelope(req, self.fmt_folder(folder, me["id"], contain, is_v5),
                             message="The folder has been added successfully.")

    def h_folder_update(self, req, fid):
        """FoldersUpdateController, FoldersUpdateService::update: no permission 404, read-only 403; a v4 payload
        changes the name, a v5 one the metadata (the name cleared). Not gated by the creation settings: an upgrade
        of a v4 folder needs allow_v4_v5_upgrade (IsV4ToV5UpgradeAllowedRule), a v5 folder renamed in v4 needs
        allow_v5_v4_downgrade (IsFolderV5ToV4DowngradeAllowedRule) and then loses its metadata
        (MetadataFolderUpdateListener)."""
        me, dummy = self.current_user(req)
        if not is_uuid(fid):
            raise HttpError(400, "The folder id is not valid.")
        data = populated_user_key_id(me, self.data(req))
        is_v5 = self._folder_dto(data)
        perm = self._permission_of(me["id"], fid)
        if perm is None:
            raise HttpError(404, "The folder does not exist.")
        if perm["type"] < UPDATE:
            raise HttpError(403, "You are not allowed to update this folder.")
        folder = self.folders[fid]
        errors = {}
        if is_v5:
            values = dict({k: data.get(k) for k in V5_FOLDER_PROPS}, name=None)
            errors = self._folder_metadata_errors(values, folder)
        else:
            values = {"name": data.get("name")}
            self._check_folder_name(values["name"], errors)
            if not errors and folder["name"] is None and not self.settings["allow_v5_v4_downgrade"]:
                errors = {"name": {"v5_to_v4_downgrade_allowed": "The settings selected by your administrator prevent "
                                                                 "from downgrading folder."}}
            values.update(metadata=None, metadata_key_id=None, metadata_key_type=None)
        if errors:
            raise validation_error(errors, "Could not validate folder data.")
        contain = self.isset_contains(req, self.FOLDER_WRITE_CONTAINS)
        folder.update(values, modified=iso(), modified_by=me["id"])
        return self.envelope(req, self.fmt_folder(folder, me["id"], contain, is_v5),
                             message="The folder has been updated successfully.")

    def h_folder_delete(self, req, fid):
        """FoldersDeleteController / FoldersDeleteService: a folder that exists but that the caller cannot
        update (or see) is a 403."""
        me, dummy = self.current_user(req)
        if not is_uuid(fid):
            raise HttpError(400, "The folder id is not valid.")
        cascade = req.query.get("cascade", [None])[0] if "cascade" in req.query else False
        if isinstance(cascade, str):  # QueryStringComponent::normalizeBoolean; other strings break delete(bool)
            if cascade.lower() in ("true", "1"):
                cascade = True
            elif cascade.lower() in ("false", "0"):
                cascade = False
            else:
                raise TypeError("FoldersDeleteService::delete(bool $cascade)")
        folder = self.folders.get(fid)
        if folder is None:
            raise HttpError(404, "The folder does not exist.")
        if (self._permission_of(me["id"], fid) or {"type": 0})["type"] < UPDATE:
            raise HttpError(403, "You are not allowed to delete this folder.")
        self._delete_folder(me, folder, cascade)
        return self.envelope(req, None, message="The folder has been deleted successfully.")

    def _delete_folder(self, me, folder, cascade):
        """Without cascade every item in the folder goes to the root. With cascade, the items below it that the
        caller can update (user or group permission >= 7) go too (resources soft-deleted, folders deleted, their
        content walked); the others go to the root, and a kept folder's content stays in it."""
        fid = folder["id"]
        deleted_folders = []
        if cascade:
            level = [fid]
            while level:
                nxt = []
                for item in [f for f in self.folders.values() if f["folder_parent_id"] in level] + \
                        [r for r in self.resources.values() if r["folder_parent_id"] in level and not r["deleted"]]:
                    deletable = (self._permission_of(me["id"], item["id"]) or {"type": 0})["type"] >= UPDATE
                    if not deletable:
                        item["folder_parent_id"] = None
                    elif item["id"] in self.folders:
                        deleted_folders.append(item)
                        nxt.append(item["id"])
                    else:
                        self._cascade_soft_delete_resource(me, item)
                level = nxt
        else:
            for item in list(self.folders.values()) + list(self.resources.values()):
                if item["folder_parent_id"] == fid:
                    item["folder_parent_id"] = None
        for gone in deleted_folders + [folder]:
            for pid in [p["id"] for p in self._aco_permissions(gone["id"])]:
                del self.permissions[pid]
            del self.folders[gone["id"]]

    def _cascade_soft_delete_resource(self, me, res):
        """ResourcesTable::softDelete: deleted, v4 username/uri/description cleared, secrets and permissions gone."""
        res.update(deleted=True, folder_parent_id=None, modified=iso(), modified_by=me["id"])
        if res["metadata"] is None:
            res.update(username=None, uri=None, description=None)
        for key in [k for k in self.secrets if k[0] == res["id"]]:
            del self.secrets[key]
        for pid in [p["id"] for p in self._aco_permissions(res["id"])]:
            del self.permissions[pid]

    def _move(self, req, obj_id, kind):
        """PUT /move/{resource|folder}/{id}.json as FoldersRelationsMoveController."""
        me, dummy = self.current_user(req)
        if not is_uuid(obj_id):
            raise HttpError(400, "The object identifier should be a valid UUID.")
        data = self.data(req)
        move_errors = "Could not validate move data."
        if "folder_parent_id" not in data:
            raise validation_error({"folder_parent_id": {"_required": "A folder parent identifier is required."}},
                                   move_errors)
        parent = data["folder_parent_id"]
        if parent is not None and not is_uuid(parent):
            raise validation_error({"folder_parent_id": {
                "uuid": "The folder parent identifier should be a valid UUID."}}, move_errors)
        if kind == "Resource":
            item = self._visible_resource(me["id"], obj_id)
        else:
            item = self._visible_folder(me["id"], obj_id)
        if item is None:
            raise HttpError(404, "The object to move does not exist.")
        if parent is not None and self._visible_folder(me["id"], parent) is None:
            raise validation_error({"folder_parent_id": {"folder_exists": "The folder parent does not exist."}},
                                   move_errors)
        current = self._folder_parent_for(me["id"], item["folder_parent_id"])
        can_update_item = self._permission_of(me["id"], obj_id)["type"] >= UPDATE
        if current is not None and len(self._users_with_access(current)) > 1:
            if self._permission_of(me["id"], current)["type"] < UPDATE:
                raise validation_error({"folder_parent_id": {"has_folder_access": "You are not allowed to move this "
                                                             "item out of its parent folder."}}, move_errors)
            if not can_update_item:
                raise validation_error({"folder_parent_id": {"has_access": "You are not allowed to move this item."}},
                                       move_errors)
        if parent is not None and len(self._users_with_access(parent)) > 1:
            if self._permission_of(me["id"], parent)["type"] < UPDATE:
                raise validation_error({"folder_parent_id": {"has_folder_access": "You are not allowed to create "
                                                             "content into the parent folder."}}, move_errors)
            if not can_update_item:
                raise validation_error({"folder_parent_id": {"has_access": "You are not allowed to move an item in "
                                                             "read only into the parent folder."}}, move_errors)
        if kind == "Folder":
            node = parent
            while node is not None:
                if node == obj_id:  # FoldersRelationsMoveItemInUserTreeService::assertCycleFree
                    raise validation_error({"folder_parent_id": {"cycle": "The folder cannot be moved into one of "
                                                                 "its descendants."}}, move_errors)
                node = self.folders[node]["folder_parent_id"]
        item["folder_parent_id"] = parent  # only the folders relations change, not the item's `modified`
        return self.envelope(req, None, message="The object has been moved successfully.")

    def h_move_resource(self, req, rid):
        return self._move(req, rid, "Resource")

    def h_move_folder(self, req, fid):
        return self._move(req, fid, "Folder")

    def h_share_folder(self, req, fid):
        """FoldersShareController / FoldersShareService::share. An existing folder the caller does not own is a
        403 (the folder is found without an access check); no permission rows: nothing is checked or changed.
        The answer is the folder as loaded before the change (its `personal` included); `modified` is kept."""
        me, dummy = self.current_user(req)
        if not is_uuid(fid):
            raise HttpError(400, "The folder id is not valid.")
        folder = self.folders.get(fid)
        if folder is None:
            raise HttpError(404, "The folder does not exist.")
        perm = self._permission_of(me["id"], fid)
        if perm is None or perm["type"] < OWNER:
            raise HttpError(403, "You are not allowed to update the permissions of this folder.")
        if folder["metadata_key_type"] == "user_key":  # MetadataFolderDto::assertShareable
            raise HttpError(400, "Folder can not be shared")
        answer = self.fmt_folder(folder, me["id"], {})
        rows = self.data(req).get("permissions")
        if not self._php_truthy(rows):
            return self.envelope(req, answer)
        was_personal = len(self._users_with_access(fid)) <= 1
        new_perms, dummy, errors = self._apply_share("Folder", fid, rows)
        if errors is not None:
            raise validation_error({"permissions": errors}, "Could not validate folder data.")
        added = any(p["id"] is None for p in new_perms)
        self._save_permissions(fid, new_perms)
        if was_personal and added:  # moveSelfOrganizedContentWithInsufficientPermissionToRoot
            for item in list(self.folders.values()) + [r for r in self.resources.values() if not r["deleted"]]:
                if item["folder_parent_id"] == fid and self._permission_of(me["id"], item["id"]) is not None \
                        and self._permission_of(me["id"], item["id"])["type"] < UPDATE:
                    item["folder_parent_id"] = None
        return self.envelope(req, answer)


ROUTES = (
    ("PUT", r"/share/folder/(?P<fid>[^/]+)\.json", "h_share_folder"),
    ("GET", r"/folders\.json", "h_folders"),
    ("POST", r"/folders\.json", "h_folder_create"),
    ("GET", r"/folders/(?P<fid>[^/]+)\.json", "h_folder_get"),
    ("PUT", r"/folders/(?P<fid>[^/]+)\.json", "h_folder_update"),
    ("DELETE", r"/folders/(?P<fid>[^/]+)\.json", "h_folder_delete"),
    ("PUT", r"/move/resource/(?P<rid>[^/]+)\.json", "h_move_resource"),
    ("PUT", r"/move/folder/(?P<fid>[^/]+)\.json", "h_move_folder"),
)
