"""How entities are written out, shared by several controllers: users (UsersTable::findIndex, profiles, roles),
groups (GroupsFindersTrait), permissions, resource types (ResourceTypesTable's result formatter), resources
(ResourcesTable finders, the contains of ResourcesIndex/ViewController) and folders (FoldersFindersTrait).
"""

from __future__ import annotations

import json
import re
import uuid

from sandbox.passbolt import seed_data as SD
from sandbox.passbolt.controllers.core import HttpError, normalize_boolean
from sandbox.passbolt.resource_types import RESOURCE_TYPE_NAMES, resource_type_definition


ROLES_CREATED = "2012-07-04T13:39:25+00:00"  # roles are rows seeded at install; any fixed date
# The folders table's columns in their order (V2130AddFoldersTable; the metadata columns come after `name`:
# V4100AddMetadataFieldsToFolders).
FOLDER_COLUMNS = ("id", "name", "metadata", "metadata_key_id", "metadata_key_type", "created", "modified",
                  "created_by", "modified_by")


class FormattingMixin:
    # ------------------------------------------------------------------ formatting
    def fmt_profile(self, user):
        return {"id": str(uuid.uuid5(SD.NAMESPACE, "profile:" + user["id"])), "user_id": user["id"],
                "first_name": user["first_name"], "last_name": user["last_name"],
                "created": user["created"], "modified": user["modified"],
                "avatar": {"url": {"medium": "img/avatar/user_medium.png", "small": "img/avatar/user.png"}}}

    def fmt_role(self, user):
        return {"id": str(uuid.uuid5(SD.NAMESPACE, "role:" + user["role"])), "name": user["role"],
                "description": "Organization administrator" if user["role"] == "admin" else "Logged in user",
                "created": ROLES_CREATED, "modified": ROLES_CREATED}

    def fmt_user(self, user, gpgkey=False, profile=True, role=True, groups_users=False, mfa=False):
        """`last_logged_in` is a users column since 5.4 (migration V540AddLastLoggedInToUsers), set at each login
        (UpdateUserLastLoggedInListener), so every user row carries it. `mfa`: add is_mfa_enabled
        (IsMfaEnabledQueryService, only where the caller may see it)."""
        out = {"id": user["id"], "role_id": self.fmt_role(user)["id"], "username": user["username"],
               "active": user["active"], "deleted": user["deleted"], "disabled": None,
               "created": user["created"], "modified": user["modified"],
               "last_logged_in": user.get("last_logged_in")}
        if mfa:
            out["is_mfa_enabled"] = bool(user["mfa"])
        if profile:
            out["profile"] = self.fmt_profile(user)
        if role:
            out["role"] = self.fmt_role(user)
        if gpgkey:
            out["gpgkey"] = dict(user["gpgkey"])
        if groups_users:
            out["groups_users"] = [gu for g in self.groups.values() for gu in g["groups_users"]
                                   if gu["user_id"] == user["id"]]
        return out

    @staticmethod
    def isset_contains(request, allowed):
        """QueryStringComponent::get for contains: {name: bool} of the allowed `contain[x]` present.

        Unlisted names are dropped (unsetUnwantedQueryItems); true/1 and false/0 are booleans, any other value is a
        400 (validateContain). Finders that test `isset($options['contain'][x])` (folders, my_group_user, modifier)
        contain x even for contain[x]=0."""
        out = {}
        for key, values in request.query.items():
            match = re.match(r"^contain\[([^\]]+)\]$", key)
            if not match or match.group(1) not in allowed:
                continue
            value = normalize_boolean(values[0])
            if not isinstance(value, bool):
                raise HttpError(400, 'Invalid contain. "%s" is not a valid contain value.' % value)
            out[match.group(1)] = value
        return out

    def fmt_contained_user(self, user, profile=False, gpgkey=False, avatar=True):
        """A Users row reached through an association (Creator, Modifier, GroupsUsers.Users...): its columns,
        without the role or is_mfa_enabled that only UsersTable::findIndex adds. The profile has an `avatar`
        only where the finder adds AvatarsTable::addContainAvatar() (folders: yes; GroupsFindersTrait: no)."""
        out = self.fmt_user(user, gpgkey=gpgkey, profile=profile, role=False)
        out.pop("is_mfa_enabled", None)
        if profile and not avatar:
            out["profile"].pop("avatar", None)
        return out

    def fmt_group(self, group, uid, contain):
        """A group as GroupsFindersTrait::findIndex contains it; `contain` from isset_contains."""
        out = {k: group[k] for k in ("id", "name", "deleted", "created", "modified", "created_by", "modified_by")}

        def on(*names):
            return any(contain.get(n) for n in names)
        if "modifier" in contain or "modifier.profile" in contain:  # isset(): contain[modifier]=0 contains it too
            modifier = self.users.get(group["modified_by"])
            out["modifier"] = self.fmt_contained_user(modifier, profile="modifier.profile" in contain,
                                                      avatar=False) if modifier else None
        if on("users", "user"):  # belongsToMany through GroupsUsers: each user carries its _joinData row
            out["users"] = [dict(self.fmt_contained_user(self.users[gu["user_id"]]), _joinData=dict(gu))
                            for gu in group["groups_users"] if gu["user_id"] in self.users]
        if "my_group_user" in contain:
            out["my_group_user"] = next((dict(gu) for gu in group["groups_users"] if gu["user_id"] == uid), None)
        with_profile = on("groups_users.user.profile", "group_user.user.profile")
        with_gpgkey = on("groups_users.user.gpgkey", "group_user.user.gpgkey")
        with_user = with_profile or with_gpgkey or on("groups_users.user", "group_user.user")
        if with_user or on("groups_users", "group_user"):
            rows = []
            for gu in group["groups_users"]:
                row = dict(gu)
                if with_user:
                    user = self.users.get(gu["user_id"])
                    row["user"] = self.fmt_contained_user(user, profile=with_profile, gpgkey=with_gpgkey,
                                                          avatar=False) if user else None
                rows.append(row)
            out["groups_users"] = rows
        if "user_count" in contain:  # only ShareSearchController asks for it
            out["user_count"] = len(group["groups_users"])
        return out

    def fmt_permission(self, perm, request=None, prefix="permissions"):
        out = dict(perm)
        if request is not None:
            if perm["aro"] == "User" and (self.contains(request, prefix + ".user.profile")
                                          or self.contains(request, prefix + ".user")):
                user = self.users.get(perm["aro_foreign_key"])
                out["user"] = self.fmt_user(user, profile=self.contains(request, prefix + ".user.profile")) if user else None
            if perm["aro"] == "Group" and self.contains(request, prefix + ".group"):
                group = self.groups.get(perm["aro_foreign_key"])
                out["group"] = {k: group[k] for k in ("id", "name", "deleted", "created", "modified",
                                                      "created_by", "modified_by")} if group else None
        return out

    def fmt_resource_type(self, slug, with_definition=True, decoded=True):
        rtid = SD.resource_type_id(slug)
        name, description = RESOURCE_TYPE_NAMES[slug]
        out = {"id": rtid, "slug": slug, "name": name,
               "description": description, "created": "2020-01-01T00:00:00+00:00",
               "modified": "2020-01-01T00:00:00+00:00", "deleted": self.resource_types_deleted.get(slug)}
        if with_definition:
            # The index's result formatter json_decode()s the stored definition; a view returns the stored string.
            definition = resource_type_definition(slug)
            out["definition"] = definition if decoded else json.dumps(definition, separators=(",", ":"))
        return out

    def _folder_parent_for(self, uid, folder_id):
        """Passbolt keeps the parent per user: a folder the user cannot see is the root for them."""
        if folder_id and self._visible_folder(uid, folder_id) is not None:
            return folder_id
        return None

    def fmt_resource(self, res, uid, request):
        out = {"id": res["id"], "resource_type_id": res["resource_type_id"],
               "folder_parent_id": self._folder_parent_for(uid, res["folder_parent_id"]),
               "expired": res["expired"], "deleted": res["deleted"], "created": res["created"],
               "modified": res["modified"], "created_by": res["created_by"], "modified_by": res["modified_by"]}
        users = self._users_with_access(res["id"])
        out["personal"] = len(users) <= 1
        if res["metadata"] is not None:
            out.update(metadata=res["metadata"], metadata_key_id=res["metadata_key_id"],
                       metadata_key_type=res["metadata_key_type"])
        else:
            out.update(name=res["name"], username=res["username"], uri=res["uri"], description=res["description"])
        if self.contains(request, "secret"):
            secret = self.secrets.get((res["id"], uid))
            out["secrets"] = [dict(secret)] if secret else []
        if self.contains(request, "resource-type"):
            slug = next((s for s, i in SD.RESOURCE_TYPE_IDS.items() if i == res["resource_type_id"]), None)
            out["resource_type"] = self.fmt_resource_type(slug) if slug else None
        if self.contains(request, "permission"):
            perm = self._permission_of(uid, res["id"])
            out["permission"] = dict(perm) if perm else None
        if self.contains(request, "permissions") or self.contains(request, "permissions.user.profile") or \
                self.contains(request, "permissions.group"):
            out["permissions"] = [self.fmt_permission(p, request) for p in self._aco_permissions(res["id"])]
        if self.contains(request, "creator"):
            out["creator"] = self.fmt_user(self.users[res["created_by"]], role=False)
        if self.contains(request, "modifier"):
            out["modifier"] = self.fmt_user(self.users[res["modified_by"]], role=False)
        if self.contains(request, "favorite"):
            out["favorite"] = None
        return out

    def _child_item(self, item, uid, fields):
        """A contained child (ChildrenResources / ChildrenFolders): the raw row, every column, without the
        v4/v5 field pruning of the Metadata*RenderService that only the top-level items get; `_joinData` is
        hidden (Resource/Folder entities' $_hidden) or removed (FoldersIndexController)."""
        out = {k: item[k] for k in fields}
        out["folder_parent_id"] = self._folder_parent_for(uid, item["folder_parent_id"])
        out["personal"] = len(self._users_with_access(item["id"])) <= 1
        return out

    def fmt_folder(self, folder, uid, contain, is_v5=None):
        """A folder as FoldersFindersTrait::findIndex gives it, then MetadataFoldersRenderService::renderFolder: a v5
        folder loses its `name`, a v4 one its metadata fields. `is_v5`: the payload's version on create and update
        (the controllers render with the DTO's isV5()), else whether the folder has metadata. `contain` from
        isset_contains: the finder tests isset($options['contain'][x]), so contain[x]=0 contains x too."""
        out = self._child_item(folder, uid, FOLDER_COLUMNS)
        if is_v5 is None:
            is_v5 = bool(folder["metadata"])
        for field in ("name",) if is_v5 else ("metadata", "metadata_key_id", "metadata_key_type"):
            del out[field]
        if "permission" in contain:
            perm = self._permission_of(uid, folder["id"])
            out["permission"] = dict(perm) if perm else None
        if {"permissions", "permissions.user.profile", "permissions.group"} & set(contain):
            rows = []
            for perm in self._aco_permissions(folder["id"]):
                row = dict(perm)
                if "permissions.user.profile" in contain:  # belongsTo Users: null for a group's row
                    user = self.users.get(perm["aro_foreign_key"]) if perm["aro"] == "User" else None
                    row["user"] = self.fmt_contained_user(user, profile=True) if user else None
                if "permissions.group" in contain:
                    group = self.groups.get(perm["aro_foreign_key"]) if perm["aro"] == "Group" else None
                    row["group"] = self.fmt_group(group, uid, {}) if group else None
                rows.append(row)
            out["permissions"] = rows
        if "children_resources" in contain:
            out["children_resources"] = [
                self._child_item(r, uid, ("id", "name", "username", "uri", "description", "deleted", "created",
                                          "modified", "created_by", "modified_by", "resource_type_id", "expired",
                                          "metadata", "metadata_key_id", "metadata_key_type"))
                for r in self.resources.values()
                if not r["deleted"] and self._permission_of(uid, r["id"])
                and self._folder_parent_for(uid, r["folder_parent_id"]) == folder["id"]]
        if "children_folders" in contain:
            out["children_folders"] = [
                self._child_item(f, uid, FOLDER_COLUMNS)
                for f in self.folders.values()
                if self._permission_of(uid, f["id"]) and self._folder_parent_for(uid, f["folder_parent_id"]) == folder["id"]]
        for role, field in (("creator", "created_by"), ("modifier", "modified_by")):
            if role in contain or role + ".profile" in contain:
                user = self.users.get(folder[field])
                out[role] = self.fmt_contained_user(user, profile=role + ".profile" in contain) if user else None
        return out
