"""Secrets and sharing: src/Controller/Secrets/SecretsViewController.php, src/Controller/Share/ShareController.php
(share, dry run), ShareSearchController.php (search-aros), with ResourcesShareService,
PermissionsUpdatePermissionsService, PermissionsCreateService and SecretsUpdateSecretsService. The permission
update is shared with the folders' share (folders.py).
"""

from __future__ import annotations

import re
import uuid

from sandbox.passbolt.controllers.core import (HttpError, OWNER, SECRETS_PROVIDED, _message_errors, is_uuid, iso,
                                               like, validation_error)


class ShareMixin:
    def h_secret(self, req, rid):
        """SecretsViewController: the caller's secret of the resource, whatever the reason it has none."""
        me, dummy = self.current_user(req)
        if not is_uuid(rid):
            raise HttpError(400, "The resource identifier should be a valid UUID.")
        res = self.resources.get(rid)
        secret = self.secrets.get((rid, me["id"])) if res is not None and not res["deleted"] else None
        if secret is None:
            raise HttpError(404, "The secret does not exist.")
        self.record_secret_access(me["id"], [secret])  # SecretsViewController::_logSecretAccesses
        return self.envelope(req, dict(secret))

    # -- sharing -------------------------------------------------------------------------------
    # Messages of PermissionsTable::validationDefault / buildRules and PermissionsUpdatePermissionsService.
    PERMISSION_NOT_FOUND = "The permission does not exist."
    AT_LEAST_ONE_OWNER = "At least one owner permission must be provided."

    @staticmethod
    def _php_str(value):
        """(string)$value for a PHP scalar (Validation::inList compares strings); None for anything else."""
        if isinstance(value, bool):
            return "1" if value else ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, (int, float, str)):
            return str(value)
        return None

    @staticmethod
    def _php_rows(data, what):
        """(index, row) of a decoded JSON array as PHP iterates it; keys of a JSON object are ints when they
        look like ints (json_decode), anything else: `what` says which 400 (or a TypeError, a 500, for a
        value that is not an array at all: the services' parameters are typed `array`)."""
        if data is None:
            return []
        if isinstance(data, list):
            return list(enumerate(data))
        if not isinstance(data, dict):
            raise TypeError("%s must be an array" % what)
        return [(int(k) if re.match(r"^(0|-?[1-9][0-9]*)$", k) else k, v) for k, v in data.items()]

    @staticmethod
    def _row_errors(index, errors):
        """[index => errors] as json_encode writes it: a list for index 0, an object otherwise."""
        return [errors] if index == 0 else {str(index): errors}

    @staticmethod
    def _php_truthy(value):
        return value not in (None, False, 0, 0.0, "", "0", [], {})

    def _new_permission_errors(self, current, aro, aro_id, ptype):
        """PermissionsCreateService: validationDefault first (all fields), then buildRules (all rules)."""
        errors = {}
        if aro in (None, ""):
            errors["aro"] = {"_empty": "The access request object type should not be empty."}
        elif self._php_str(aro) not in ("Group", "User"):
            errors["aro"] = {"inList": "The access request object type should be one of the following: Group, User."}
        if aro_id in (None, ""):
            errors["aro_foreign_key"] = {"_empty": "The identifier of the access request object should not be empty."}
        elif not is_uuid(aro_id):
            errors["aro_foreign_key"] = {"uuid": "The identifier of the access request object should be a valid "
                                                 "UUID."}
        if ptype in (None, ""):
            errors["type"] = {"_empty": "The type should not be empty."}
        elif self._php_str(ptype) not in ("1", "7", "15"):
            errors["type"] = {"inList": "The type should be one of the following: 1, 7, 15."}
        if errors:
            return errors
        if any(p["aro_foreign_key"] == aro_id for p in current):
            errors["aco_foreign_key"] = {"permission_unique": "A permission already exists for the given access "
                                                              "control object and access request object."}
        if aro == "User":
            user = self.users.get(aro_id)
            exists = user is not None and not user["deleted"] and user["active"]
        else:
            group = self.groups.get(aro_id)
            exists = group is not None and not group["deleted"]
        if not exists:
            errors["aro_foreign_key"] = {"aro_exists": "The access request object does not exist."}
        return errors

    def _apply_share(self, aco, aco_id, rows):
        """PermissionsUpdatePermissionsService::updatePermissions on a copy of the ACO's permissions.

        Returns (new permission rows, removed rows, errors or None). Rows apply in order (a row sees the rows
        before it) and the first refused row stops everything, as the service throws on it."""
        current = [dict(p) for p in self._aco_permissions(aco_id)]
        removed = []
        for index, row in self._php_rows(rows, "permissions"):
            if not isinstance(row, (dict, list)):
                raise HttpError(400, "The permissions data must be an array.")
            if not isinstance(index, int):
                raise HttpError(400, "The permissions data array keys must be integers.")
            row = row if isinstance(row, dict) else {}
            pid = row.get("id")
            if pid is None:
                aro, aro_id, ptype = row.get("aro", ""), row.get("aro_foreign_key", ""), row.get("type", "")
                errors = self._new_permission_errors(current, aro, aro_id, ptype)
                if errors:
                    return current, removed, self._row_errors(index, errors)
                current.append({"id": None, "aco": aco, "aco_foreign_key": aco_id, "aro": aro,
                                "aro_foreign_key": aro_id, "type": int(self._php_str(ptype))})
                continue
            if not isinstance(pid, str):
                raise TypeError("getPermission(string $permissionId)")
            perm = next((p for p in current if p["id"] == pid), None)
            if perm is None:
                return current, removed, self._row_errors(index, {"id": {"exists": self.PERMISSION_NOT_FOUND}})
            if self._php_truthy(row.get("delete")):
                current.remove(perm)
                removed.append(perm)
            elif "type" in row and row["type"] != perm["type"]:  # updatePermission: no type, no change
                ptype = row["type"]
                if ptype in (None, ""):
                    error = {"_empty": "The type should not be empty."}
                elif self._php_str(ptype) not in ("1", "7", "15"):
                    error = {"inList": "The type should be one of the following: 1, 7, 15."}
                else:
                    perm["type"] = int(self._php_str(ptype))
                    continue
                return current, removed, self._row_errors(index, {"type": error})
        if not any(p["type"] == OWNER for p in current):
            return current, removed, {"at_least_one_owner": self.AT_LEAST_ONE_OWNER}
        return current, removed, None

    def _save_permissions(self, aco_id, new_perms):
        for pid in [p["id"] for p in self._aco_permissions(aco_id)]:
            del self.permissions[pid]
        now = iso()
        for perm in new_perms:
            row = dict(perm)
            if row["id"] is None:
                row["id"] = str(uuid.uuid4())
                row["created"] = now
                row["modified"] = now
            elif self.permissions.get(row["id"], row)["type"] != row["type"]:
                row["modified"] = now
            self.permissions[row["id"]] = row

    def _share_checks(self, me, rid):
        """ShareController::_assertRequestParameters: 404 only for a missing or deleted resource; a resource
        the caller cannot see or only reads is a 403."""
        if not is_uuid(rid):
            raise HttpError(400, "The resource identifier should be a valid UUID.")
        res = self.resources.get(rid)
        if res is None or res["deleted"]:
            raise HttpError(404, "The resource does not exist.")
        perm = self._permission_of(me["id"], rid)
        if perm is None or perm["type"] < OWNER:
            raise HttpError(403, "You are not authorized to share this resource.")
        if res["metadata"] is not None and res["metadata_key_type"] == "user_key":
            raise HttpError(400, "Resource metadata key type is invalid.")
        return res

    def _share_permissions(self, rid, data):
        """ResourcesShareService::updatePermissions: (new rows, removed rows), or the 400."""
        new_perms, removed, errors = self._apply_share("Resource", rid, data.get("permissions"))
        if errors is not None:
            raise validation_error({"permissions": errors}, "Could not validate resource data.")
        return new_perms, removed

    def h_share_simulate(self, req, rid):
        """ShareController::dryRun: the users who would gain / lose access (groups expanded)."""
        me, dummy = self.current_user(req)
        self._share_checks(me, rid)
        new_perms, dummy = self._share_permissions(rid, self.data(req))
        before = self._users_with_access(rid)
        after = self._expand(new_perms)
        return self.envelope(req, {"changes": {
            "added": [{"User": {"id": uid}} for uid in sorted(after - before)],
            "removed": [{"User": {"id": uid}} for uid in sorted(before - after)]}})

    def _share_secret_errors(self, row, uid, has_secret, added, after):
        """Secrets table validation (data; user_id on create), then its create rules, for one share secret."""
        errors = {}
        update = uid in has_secret  # SecretsUpdateSecretsService::updateSecret patches `data` only
        if not update:
            if uid in (None, ""):
                errors["user_id"] = {"_empty": "The user identifier should not be empty."}
            elif not is_uuid(uid):
                errors["user_id"] = {"uuid": "The user identifier should be a valid UUID."}
        data = row.get("data", "")
        if "data" in row or not update:
            if data in (None, ""):
                errors["data"] = {"_empty": "The message should not be empty."}
            elif _message_errors(data):
                errors["data"] = _message_errors(data)
        if errors or update:
            return errors
        user = self.users.get(uid)
        user_errors = {}
        if uid in added:
            user_errors["secret_unique"] = "A secret already exists for the given user and resource."
            user_errors["secret_revision_unique"] = ("A secret already exists for the given user, resource and "
                                                     "secret revision.")
        if user is None:
            user_errors["user_exists"] = "The user does not exist."
        if user is None or user["deleted"]:
            user_errors["user_is_not_soft_deleted"] = "The user does not exist."
        if user_errors:
            errors["user_id"] = user_errors
        if uid not in after:
            errors["resource_id"] = {"has_resource_access": "Access denied."}
        return errors

    def _share_secrets(self, rid, rows, after):
        """SecretsUpdateSecretsService::updateSecrets: update the secrets of users who have one, add the others
        (each must have access once the permissions changed), drop those of users who lost access, then every
        user with access must have a secret. Returns ({user_id: data}, errors or None)."""
        has_secret = {uid for (res_id, uid) in self.secrets if res_id == rid}
        written = {}
        for index, row in self._php_rows(rows, "secrets"):
            if not isinstance(row, dict):
                raise TypeError("a secrets row must be an array")
            uid = row.get("user_id")
            errors = self._share_secret_errors(row, uid, has_secret, set(written) - has_secret, after)
            if errors:
                return written, self._row_errors(index, errors)
            if uid in has_secret and "data" not in row:
                continue
            written[uid] = row["data"]
        with_secret = has_secret | set(written)
        if after:  # deleteLostAccessSecrets
            with_secret &= after
        if with_secret != after:
            return written, {"secrets_provided": SECRETS_PROVIDED}
        return written, None

    def h_share_resource(self, req, rid):
        """ShareController::share / ResourcesShareService::share; the answer's body is null."""
        me, dummy = self.current_user(req)
        self._share_checks(me, rid)
        data = self.data(req)
        new_perms, dummy = self._share_permissions(rid, data)
        after = self._expand(new_perms)
        written, errors = self._share_secrets(rid, data.get("secrets"), after)
        if errors is not None:
            raise validation_error({"secrets": errors}, "Could not validate resource data.")
        self._save_permissions(rid, new_perms)
        for uid, payload in written.items():
            self._set_secret(rid, uid, payload, me["id"])
        lost = []
        for (res_id, uid) in [k for k in self.secrets if k[0] == rid]:
            if after and uid not in after:
                del self.secrets[(res_id, uid)]
                lost.append((uid, res_id))
        self.expire_for_lost_secrets(lost)  # ResourcesShareService::share, in the same transaction
        return self.envelope(req, None)

    def h_search_aros(self, req):
        """ShareSearchController::searchArosToShareWith: at most 25 active users and 25 groups, merged and sorted
        by lower-cased username / name, without pagination. No contain: users get gpgkey, profile, groups_users
        and role (UsersTable::findIndex defaults); any allowed contain turns the other two of
        groups_users/gpgkey/role off. Groups carry user_count, and groups_users when asked."""
        me, dummy = self.current_user(req)
        search = self.search_keyword(req) or ""
        asked = self.isset_contains(req, ("groups_users", "gpgkey", "role"))
        if asked:
            contain = dict({"groups_users": False, "gpgkey": False, "role": False}, **asked)
        else:
            contain = {"groups_users": True, "gpgkey": True, "role": True}
        users = [u for u in sorted(self.users.values(), key=lambda u: u["username"])
                 if u["active"] and not u["deleted"] and like(search, u["username"], u["first_name"], u["last_name"])][:25]
        groups = [g for g in sorted(self.groups.values(), key=lambda g: g["name"])
                  if not g["deleted"] and like(search, g["name"])][:25]
        out = [(u["username"].lower(), self.fmt_user(u, gpgkey=contain["gpgkey"], role=contain["role"],
                                                     groups_users=contain["groups_users"])) for u in users]
        group_contain = {"user_count": True, "groups_users": bool(asked.get("groups_users"))}
        out += [(g["name"].lower(), self.fmt_group(g, me["id"], group_contain)) for g in groups]
        out.sort(key=lambda pair: pair[0])
        return self.envelope(req, [item for dummy, item in out])


ROUTES = (
    ("GET", r"/secrets/resource/(?P<rid>[^/]+)\.json", "h_secret"),
    ("PUT", r"/share/resource/(?P<rid>[^/]+)\.json", "h_share_resource"),
    ("POST", r"/share/simulate/resource/(?P<rid>[^/]+)\.json", "h_share_simulate"),
    ("GET", r"/share/search-aros\.json", "h_search_aros"),
)
