# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Passbolt writes for the modules, composed from the thin API and the PassboltClient (go-passbolt style).

Nothing here logs in, resolves folders or encrypts on its own: it uses PassboltClient (login,
describe_resources, resolve_folder, users_with_keys, encrypt_for_users, encrypt_metadata) and
PassboltApi (one call per endpoint). It adds what the writers need on top:

- `passbolt_auth_argument_spec()` - module parameters for the Passbolt credentials (the client has none);
- the v4/v5 choice for new resources (/metadata/types/settings.json) and the check that a type is offered (the type,
  secret and metadata of a resource are planned in _passbolt_resource_plan from the server's type definitions);
- resource create / update (secret re-encrypted for every user with access) / delete;
- permissions: resolution of users and groups, planning (with the no-owner refusal), sharing
  with share-simulate, user_key metadata moved to the shared key before sharing;
- folders by path (create missing levels, v4 or v5 as the server's settings ask), move, rename, delete
  (cascade), share (a personal v5 folder moved to the shared metadata key first).

Every `plan_*` function only reads; every write happens in an `apply_*`/`*_create`/... call,
so a module can validate everything before the first write.
"""

from __future__ import annotations

import uuid

from ansible_collections.pwman.secrets.plugins.module_utils._errors import (
    Ambiguous,
    ApiError,
    ConfigError,
    NotFound,
    PwmanError,
)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import is_uuid
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_folders import folder_entry, folder_metadata

MASK = "********"
ACCESS_TYPES = {"read": 1, "update": 7, "owner": 15}
ACCESS_NAMES = {value: name for name, value in ACCESS_TYPES.items()}

TOTP_ALGORITHMS = ("SHA1", "SHA256", "SHA512")


def permissions_argument_spec():
    return dict(
        permissions=dict(type="list", elements="dict", options=dict(
            user=dict(type="str"),
            group=dict(type="str"),
            access=dict(type="str", choices=list(ACCESS_TYPES), default="read"),
        ), mutually_exclusive=[["user", "group"]], required_one_of=[["user", "group"]]),
        exclusive_permissions=dict(type="bool", default=False),
    )


def _list_body(body, method, path, what):
    if not isinstance(body, list):
        raise ApiError("Passbolt", method, path, 200, "the answer is not a list of %s" % what)
    return [x for x in body if isinstance(x, dict)]


class PassboltWriter:
    """Writes for one logged-in PassboltClient. `check_mode` turns every write into a no-op."""

    def __init__(self, client, check_mode=False):
        self.client = client
        self.api = client.api
        self.check_mode = check_mode
        self._type_settings = None
        self._key_settings = None
        self._users = None
        self._groups = None

    # -- server settings and resource types -------------------------------------------------
    def type_settings(self):
        if self._type_settings is None:
            try:
                body = self.api.metadata_types_settings()
            except ApiError as exc:
                if exc.status != 404:
                    raise
                body = None  # a v4-only server has no metadata plugin
            if not isinstance(body, dict):
                body = {"default_resource_types": "v4", "allow_creation_of_v4_resources": True,
                        "allow_creation_of_v5_resources": False}
            self._type_settings = body
        return self._type_settings

    def key_settings(self):
        if self._key_settings is None:
            try:
                body = self.api.metadata_keys_settings()
            except ApiError as exc:
                if exc.status != 404:
                    raise
                body = None
            self._key_settings = body if isinstance(body, dict) else {"allow_usage_of_personal_keys": False}
        return self._key_settings

    def creation_version(self, wanted_slug=None):
        """'v4' or 'v5' for a new resource: the type asked for, else the server's default if allowed."""
        settings = self.type_settings()
        allowed = {"v4": bool(settings.get("allow_creation_of_v4_resources", True)),
                   "v5": bool(settings.get("allow_creation_of_v5_resources", False))}
        if wanted_slug:
            version = "v5" if wanted_slug.startswith("v5-") else "v4"
            if not allowed[version]:
                raise ConfigError("The Passbolt server does not allow the creation of %s resources "
                                  "(resource_type %s)." % (version, wanted_slug))
            return version
        default = str(settings.get("default_resource_types") or "v4")
        if allowed.get(default):
            return default
        for version in ("v5", "v4"):
            if allowed[version]:
                return version
        raise ConfigError("The Passbolt server allows neither v4 nor v5 resource creation.")

    def check_offered_type(self, slug, view=None):
        """Refuse to create a resource of a type the server's index does not list, or to change one to it: the
        server may still store it, but Passbolt's browser extension drops such resources from its list
        (filterByResourceTypes). An existing resource keeps the type it has."""
        if view is not None and view.type_slug == slug:
            return
        if slug not in set(self.client.resource_types_index().values()):
            raise ConfigError("The Passbolt server does not offer resource type %s (GET /resource-types.json does not "
                              "list it, e.g. its TOTP resource types plugin is off): Passbolt's browser extension would "
                              "not show such a resource. Choose another resource_type, or leave out totp." % slug)

    def _my_gpgkey_id(self):
        me = next((u for u in self.client.users_with_keys() if u.get("id") == self.client.user_id), None)
        key_id = ((me or {}).get("gpgkey") or {}).get("id")
        if not key_id:
            raise PwmanError("Cannot find the id of the user's own key (GET /users.json contain[gpgkey]).")
        return key_id

    def metadata_key_type_for_create(self, wanted, shared):
        """shared_key unless user_key is asked for (and allowed); sharing needs the shared key."""
        if wanted == "user_key":
            if shared:
                raise ConfigError("metadata_key_type=user_key cannot be used with permissions for other users or "
                                  "groups: a resource with personal metadata cannot be shared.")
            if not self.key_settings().get("allow_usage_of_personal_keys", False):
                raise ConfigError("The Passbolt server does not allow personal metadata keys "
                                  "(metadata_key_type=user_key).")
            return "user_key"
        return "shared_key"


def checked_totp(value):
    """The module's totp dict -> Passbolt's totp object (validated)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not value.get("secret_key"):
        raise ConfigError("Option 'totp' needs at least secret_key (base32).")
    secret = "".join(str(value["secret_key"]).split()).upper().rstrip("=")
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    if not secret or any(c not in alphabet for c in secret):
        raise ConfigError("Option 'totp.secret_key' must be base32 (A-Z, 2-7).")
    digits = value.get("digits") or 6
    algorithm = str(value.get("algorithm") or "SHA1").upper()
    period = value.get("period") or 30
    try:
        digits, period = int(digits), int(period)
    except (TypeError, ValueError):
        raise ConfigError("Options 'totp.digits' and 'totp.period' must be whole numbers.") from None
    if digits < 6 or digits > 8:
        raise ConfigError("Option 'totp.digits' must be 6, 7 or 8.")
    if algorithm not in TOTP_ALGORITHMS:
        raise ConfigError("Option 'totp.algorithm' must be one of %s." % ", ".join(TOTP_ALGORITHMS))
    if period < 1:
        raise ConfigError("Option 'totp.period' must be at least 1.")
    return {"secret_key": secret, "digits": digits, "algorithm": algorithm, "period": period}


def same_totp(current, wanted):
    if not isinstance(current, dict) or not isinstance(wanted, dict):
        return current == wanted
    try:
        return (str(current.get("secret_key", "")).replace(" ", "").upper().rstrip("=") == wanted["secret_key"]
                and int(current.get("digits") or 6) == wanted["digits"]
                and str(current.get("algorithm") or "SHA1").upper() == wanted["algorithm"]
                and int(current.get("period") or 30) == wanted["period"])
    except (TypeError, ValueError):
        return False


# -- custom fields ------------------------------------------------------------------------------
def merge_custom_fields(view_meta_fields, secret_custom_fields, wanted):
    """(metadata_fields, secret_fields) after setting {name: value}; existing ids are kept, others kept as is."""
    meta = [dict(f) for f in view_meta_fields or []]
    secret = {f.get("id"): dict(f) for f in secret_custom_fields or [] if isinstance(f, dict)}
    by_name = {f.get("metadata_key"): f for f in meta if f.get("metadata_key")}
    for name, value in (wanted or {}).items():
        if name in by_name:
            fid = by_name[name]["id"]
            by_name[name].pop("metadata_value", None)
            entry = secret.get(fid) or {"id": fid, "type": by_name[name].get("type", "text")}
            entry["secret_value"] = str(value)
            secret[fid] = entry
        else:
            fid = str(uuid.uuid4())
            field = {"id": fid, "type": "text", "metadata_key": name}
            meta.append(field)
            by_name[name] = field
            secret[fid] = {"id": fid, "type": "text", "secret_value": str(value)}
    ordered = [secret[f["id"]] for f in meta if f.get("id") in secret]
    return meta, ordered


# -- users, groups and permissions --------------------------------------------------------------
class Principals:
    """Users and groups of the server, for permissions given by e-mail/name (or UUID)."""

    def __init__(self, client):
        self.client = client
        self._users = None
        self._groups = None

    def users(self):
        if self._users is None:
            self._users = _list_body(self.client.users_with_keys(), "GET", "/users.json", "users")
        return self._users

    def groups(self):
        if self._groups is None:
            self._groups = _list_body(self.client.api.groups_list(), "GET", "/groups.json", "groups")
        return self._groups

    def user(self, ref):
        ref = str(ref).strip()
        found = [u for u in self.users() if (is_uuid(ref) and u.get("id") == ref)
                 or str(u.get("username", "")).lower() == ref.lower()]
        if not found:
            raise NotFound("Passbolt user %r not found (give the user's e-mail or UUID; the user must be active)."
                           % ref)
        return found[0]

    def group(self, ref):
        ref = str(ref).strip()
        found = [g for g in self.groups() if (is_uuid(ref) and g.get("id") == ref) or g.get("name") == ref]
        if not found:
            found = [g for g in self.groups() if str(g.get("name", "")).lower() == ref.lower()]
        if not found:
            raise NotFound("Passbolt group %r not found." % ref)
        if len(found) > 1:
            raise Ambiguous("%d Passbolt groups are named %r (%s): use the group's UUID."
                            % (len(found), ref, ", ".join(g["id"] for g in found)))
        return found[0]

    def resolve(self, permissions):
        """Module permissions -> [{"aro", "aro_foreign_key", "type", "label"}]; unknown names fail here."""
        resolved = {}
        errors = []
        for entry in permissions or []:
            access = ACCESS_TYPES[entry.get("access") or "read"]
            try:
                if entry.get("user"):
                    user = self.user(entry["user"])
                    key = ("User", user["id"])
                    label = {"user": user.get("username")}
                else:
                    group = self.group(entry["group"])
                    key = ("Group", group["id"])
                    label = {"group": group.get("name")}
            except (NotFound, Ambiguous) as exc:
                errors.append(str(exc))
                continue
            if key in resolved and resolved[key]["type"] != access:
                raise ConfigError("permissions: %s is listed twice with different access." % list(label.values())[0])
            resolved[key] = {"aro": key[0], "aro_foreign_key": key[1], "type": access, "label": label}
        if errors:
            raise NotFound(" ".join(errors))
        return list(resolved.values())

    def label(self, perm):
        """{user: email} or {group: name} for a permission row (from contain[permissions.*] or our lists)."""
        if perm.get("aro") == "User":
            user = perm.get("user") if isinstance(perm.get("user"), dict) else None
            name = user.get("username") if user else None
            if not name:
                name = next((u.get("username") for u in self.users() if u.get("id") == perm.get("aro_foreign_key")),
                            perm.get("aro_foreign_key"))
            return {"user": name}
        group = perm.get("group") if isinstance(perm.get("group"), dict) else None
        name = group.get("name") if group else None
        if not name:
            name = next((g.get("name") for g in self.groups() if g.get("id") == perm.get("aro_foreign_key")),
                        perm.get("aro_foreign_key"))
        return {"group": name}


def public_permissions(principals, rows):
    """[{user|group, access}] sorted: users first, then groups."""
    out = []
    for row in rows:
        entry = dict(principals.label(row))
        entry["access"] = ACCESS_NAMES.get(row.get("type"), str(row.get("type")))
        out.append(entry)
    return sorted(out, key=lambda e: ("user" not in e, str(e.get("user") or e.get("group"))))


def plan_permissions(aco, aco_id, current, wanted, exclusive, what):
    """The share rows to send (empty: nothing to do), and the permissions after; refuses to leave no owner.

    `current`: the object's permission rows ({id, aro, aro_foreign_key, type});
    `wanted`: Principals.resolve() output. Raises ConfigError before anything is sent.
    """
    by_key = {(p.get("aro"), p.get("aro_foreign_key")): p for p in current if isinstance(p, dict)}
    want = {(w["aro"], w["aro_foreign_key"]): w for w in wanted}
    rows = []
    after = []
    for key, perm in by_key.items():
        if key in want:
            new_type = want[key]["type"]
            if new_type != perm.get("type"):
                rows.append({"id": perm["id"], "aro": key[0], "aro_foreign_key": key[1], "aco": aco,
                             "aco_foreign_key": aco_id, "type": new_type, "is_new": False})
            after.append(dict(perm, type=new_type))
        elif exclusive:
            rows.append({"id": perm["id"], "aro": key[0], "aro_foreign_key": key[1], "aco": aco,
                         "aco_foreign_key": aco_id, "type": perm.get("type"), "delete": True, "is_new": False})
        else:
            after.append(dict(perm))
    for key, entry in want.items():
        if key not in by_key:
            rows.append({"is_new": True, "aro": key[0], "aro_foreign_key": key[1], "aco": aco,
                         "aco_foreign_key": aco_id, "type": entry["type"]})
            after.append({"aro": key[0], "aro_foreign_key": key[1], "type": entry["type"],
                          "user": None, "group": None})
    if rows and not any(p.get("type") == ACCESS_TYPES["owner"] for p in after):
        raise ConfigError("Refusing to change the permissions of %s: nobody would be owner afterwards. Give at least "
                          "one user or group access: owner." % what)
    return rows, after


def users_reached(principals, rows):
    """User ids reached by permission rows (groups expanded with GET /groups.json?contain[groups_users])."""
    ids = set()
    group_ids = set()
    for row in rows:
        if row.get("aro") == "User":
            ids.add(row.get("aro_foreign_key"))
        else:
            group_ids.add(row.get("aro_foreign_key"))
    if group_ids:
        body = _list_body(principals.client.api.groups_list(contain=("groups_users",)), "GET", "/groups.json",
                          "groups")
        for group in body:
            if group.get("id") in group_ids:
                ids.update(gu.get("user_id") for gu in group.get("groups_users") or [] if isinstance(gu, dict))
    return ids


# -- resource writes ----------------------------------------------------------------------------
class ResourceWriter(PassboltWriter):
    """Create, update, delete, move and share resources."""

    def create(self, rtype, metadata, secret_plain, folder_id, metadata_key_type, expiry=None, send_expiry=False):
        """POST /resources.json; returns the created resource (raw dict). `metadata`: the v5 document, or the v4
        columns (_passbolt_resource_plan)."""
        payload = {"resource_type_id": rtype.id, "secrets": [{"data": self._encrypt_for_me(secret_plain)}]}
        if folder_id:
            payload["folder_parent_id"] = folder_id
        payload.update(self._metadata_payload(rtype, metadata, metadata_key_type))
        if send_expiry:
            payload["expired"] = expiry
        body = self.api.resource_create(payload)
        if not isinstance(body, dict) or not body.get("id"):
            raise ApiError("Passbolt", "POST", "/resources.json", 200, "the answer has no resource id")
        return body

    def update(self, resource_id, rtype, metadata, secret_plain=None, metadata_key_type=None, expiry=None,
               send_expiry=False):
        """PUT /resources/{id}.json with the metadata (always: go-passbolt and the extension send it; the server needs
        it with a v5 secret change), and a new secret for every user with access when `secret_plain` is given."""
        payload = {"resource_type_id": rtype.id}
        payload.update(self._metadata_payload(rtype, metadata, metadata_key_type or "shared_key"))
        if secret_plain is not None:
            users = self.client.users_with_keys({"has-access": resource_id})
            if not users:
                raise ApiError("Passbolt", "GET", "/users.json", 200,
                               "no user has access to resource %s (filter[has-access])" % resource_id)
            payload["secrets"] = self.client.encrypt_for_users(secret_plain, users)
        if send_expiry:
            payload["expired"] = expiry
        return self.api.resource_update(resource_id, payload)

    def _metadata_payload(self, rtype, metadata, key_type):
        if rtype.version == "v4":
            return {name: metadata.get(name) for name in ("name", "username", "uri", "description")}
        armored, key_id = self.client.encrypt_metadata(metadata, key_type)
        if key_type == "user_key":
            key_id = self._my_gpgkey_id()
        return {"metadata": armored, "metadata_key_id": key_id, "metadata_key_type": key_type}

    def delete(self, resource_id):
        return self.api.resource_delete(resource_id)

    def move(self, resource_id, folder_id):
        return self.api.move("resource", resource_id, folder_id)

    def share(self, resource_id, rows, secret_plain):
        """Simulate, encrypt the secret for the users who gain access, then PUT /share/resource."""
        clean = [{k: v for k, v in row.items() if k not in ("user", "group")} for row in rows]
        simulated = self.api.share_simulate(resource_id, clean)
        added = []
        try:
            for entry in (simulated or {}).get("changes", {}).get("added") or []:
                added.append(entry["User"]["id"])
        except (AttributeError, KeyError, TypeError):
            raise ApiError("Passbolt", "POST", "/share/simulate/resource/%s.json" % resource_id, 200,
                           "the answer is not {changes: {added: [{User: {id}}]}}") from None
        secrets = []
        if added:
            if secret_plain is None:
                raise PwmanError("Internal error: the secret is needed to share resource %s." % resource_id)
            users = [u for u in self.client.users_with_keys() if u.get("id") in set(added)]
            missing = set(added) - {u.get("id") for u in users}
            if missing:
                raise PwmanError("Cannot share resource %s: no public key for user(s) %s."
                                 % (resource_id, ", ".join(sorted(missing))))
            secrets = self.client.encrypt_for_users(secret_plain, users)
        return self.api.share_resource(resource_id, clean, secrets)

    def _encrypt_for_me(self, plaintext):
        gpg = self.client.gpg
        return gpg.encrypt_text(plaintext, [gpg.user_fingerprint], what="secret")


# -- folders ------------------------------------------------------------------------------------
def split_path(path):
    return [p for p in str(path or "").strip().split("/") if p != ""]


class FolderWriter(PassboltWriter):
    """Folder lookups by path (reusing client.resolve_folder) and folder writes, v4 or v5 (see _passbolt_folders)."""

    def folder_version(self):
        """'v4' or 'v5' for a new folder: the server's default_folder_type if it allows it, else the one it allows
        (MetadataTypesSettingsDto; a server without the metadata plugin makes v4 folders)."""
        settings = self.type_settings()
        allowed = {"v4": bool(settings.get("allow_creation_of_v4_folders", True)),
                   "v5": bool(settings.get("allow_creation_of_v5_folders", False))}
        default = str(settings.get("default_folder_type") or "v4")
        if allowed.get(default):
            return default
        for version in ("v5", "v4"):
            if allowed[version]:
                return version
        raise ConfigError("The Passbolt server allows neither v4 nor v5 folder creation (its metadata types settings).")

    def _fields(self, name, version, key_type="shared_key", current=None):
        """(the folder's fields for POST/PUT /folders.json, its v5 metadata document or None). v5 metadata is
        written as resource metadata is (PassboltClient.encrypt_metadata): for the newest active shared metadata
        key, signed by you and that key, or for your own key (user_key), signed by you."""
        if version == "v4":
            return {"name": name}, None
        document = folder_metadata(name, current)
        armored, key_id = self.client.encrypt_metadata(document, key_type)
        if key_type == "user_key":
            key_id = self._my_gpgkey_id()
        return {"metadata": armored, "metadata_key_id": key_id, "metadata_key_type": key_type}, document

    def _remember(self, folder_id, parent_id, fields, document):
        self.client.folders()[folder_id] = folder_entry(dict(fields, id=folder_id, folder_parent_id=parent_id), document)

    def find(self, path):
        """The folder id for a path ("" -> None, the root); NotFound / Ambiguous otherwise."""
        ids = self.client.resolve_folder(path)
        if len(ids) > 1:
            raise Ambiguous("%d Passbolt folders have the path %r (%s): use the folder's UUID."
                            % (len(ids), path, ", ".join(ids)))
        return ids[0]

    def plan_path(self, path):
        """(folder_id or None, missing names): the deepest existing folder of `path` and what is missing."""
        parts = split_path(path)
        if not parts:
            return None, []
        if is_uuid(path):
            return self.find(path), []
        for depth in range(len(parts), 0, -1):
            try:
                return self.find("/".join(parts[:depth])), parts[depth:]
            except NotFound:
                continue
        return None, parts

    def ensure_path(self, path, create):
        """The id of folder `path`, creating missing levels when `create` (check mode: None, changed).

        Returns (folder_id, created_paths).
        """
        parent, missing = self.plan_path(path)
        if not missing:
            return parent, []
        if not create:
            parts = split_path(path)
            existing = "/".join(parts[:len(parts) - len(missing)])
            raise NotFound("Passbolt folder %r not found (no folder %r under %r); set create_folders=true to "
                           "create it." % (path, missing[0], existing or "the root"))
        created = []
        parts = split_path(path)
        base = parts[:len(parts) - len(missing)]
        for name in missing:
            base.append(name)
            created.append("/".join(base))
            if self.check_mode:
                parent = None
                continue
            parent = self.create(name, parent)["id"]
        return parent, created

    def create(self, name, parent_id):
        """POST /folders.json in the format the server's metadata types settings ask for (folder_version)."""
        fields, document = self._fields(name, self.folder_version())
        body = self.api.folder_create(fields, parent_id)
        if not isinstance(body, dict) or not body.get("id"):
            raise ApiError("Passbolt", "POST", "/folders.json", 200, "the answer has no folder id")
        self._remember(body["id"], body.get("folder_parent_id", parent_id), fields, document)
        return body

    def rename(self, folder_id, name):
        """PUT /folders/{id}.json in the folder's own format: a v5 folder keeps its key type (a shared one moves to
        the newest active metadata key) and the other fields of its metadata."""
        folder = self.client.check_folder(folder_id)
        fields, document = self._fields(name, folder["metadata_version"], folder["metadata_key_type"] or "shared_key",
                                        folder["metadata"])
        self.api.folder_update(folder_id, fields)
        self._remember(folder_id, folder["folder_parent_id"], fields, document)

    def make_shareable(self, folder_id):
        """A personal v5 folder (user_key metadata) goes to the shared metadata key before it is shared: the server
        refuses to share it otherwise (MetadataFolderDto::assertShareable). True when it had to (or would)."""
        folder = self.client.check_folder(folder_id)
        if folder["metadata_key_type"] != "user_key":
            return False
        if not self.check_mode:
            fields, document = self._fields(folder["name"], "v5", "shared_key", folder["metadata"])
            self.api.folder_update(folder_id, fields)
            self._remember(folder_id, folder["folder_parent_id"], fields, document)
        return True

    def move(self, folder_id, parent_id):
        self.api.move("folder", folder_id, parent_id)
        self.client.folders()[folder_id]["folder_parent_id"] = parent_id

    def children(self, folder_id):
        """(sub-folder ids, resource ids) directly in a folder."""
        folders = [f["id"] for f in self.client.folders().values() if f.get("folder_parent_id") == folder_id]
        resources = [r["id"] for r in self.client.list_resources(filters={"has-parent": [folder_id]}, contain=())]
        return folders, resources

    def delete(self, folder_id, cascade):
        params = {"cascade": 1} if cascade else None
        # The thin API's folder_delete has no cascade parameter: the same call with it.
        self.api.call("DELETE", "/folders/%s.json" % folder_id, params=params, idempotent=True)
        self.client.folders().pop(folder_id, None)

    def permissions(self, folder_id):
        raw = self.api.folders_list(contain=("permissions", "permissions.user.profile", "permissions.group"),
                                    filters={"has-id": [folder_id]})
        body = _list_body(raw, "GET", "/folders.json", "folders")
        found = next((f for f in body if f.get("id") == folder_id), None)
        if found is None:
            raise NotFound("Passbolt folder %s not found." % folder_id)
        return [p for p in found.get("permissions") or [] if isinstance(p, dict)]

    def share(self, folder_id, rows):
        self.make_shareable(folder_id)
        clean = [{k: v for k, v in row.items() if k not in ("user", "group")} for row in rows]
        return self.api.share_folder(folder_id, clean)


__all__ = ["permissions_argument_spec", "PassboltWriter", "ResourceWriter", "FolderWriter", "Principals",
           "plan_permissions", "public_permissions", "checked_totp", "same_totp", "merge_custom_fields", "split_path",
           "MASK", "ACCESS_TYPES", "users_reached"]
