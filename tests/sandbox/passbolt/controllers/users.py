"""Users: src/Controller/Users/UsersIndexController.php and UsersViewController.php (UsersFindersTrait,
IsMfaEnabledQueryService).
"""

from __future__ import annotations

from sandbox.passbolt.controllers.core import HttpError, is_uuid, like


class UsersMixin:
    # -- users & groups ------------------------------------------------------------------------
    def h_users(self, req):
        me, dummy = self.current_user(req)
        users = [u for u in self.users.values() if not u["deleted"] and (u["active"] or me["role"] == "admin")]
        search = self.search_keyword(req)
        if search:
            users = [u for u in users if like(search, u["username"], u["first_name"], u["last_name"])]
        groups = self.qlist(req, "filter[has-groups]")
        if groups:
            wanted = {g for v in groups for g in v.split(",")}
            users = [u for u in users if wanted <= self._user_groups(u["id"])]
        access = self.qlist(req, "filter[has-access]")
        if access:
            if len(access) > 1:
                raise HttpError(400, "Multiple has-access filters are not supported.")
            rid = access[0]
            if self._visible_resource(me["id"], rid) is None and self._visible_folder(me["id"], rid) is None:
                raise HttpError(403, "This operation is not allowed for this user.")
            with_access = self._users_with_access(rid)
            users = [u for u in users if u["id"] in with_access]
        if self._flag(req, "filter[is-admin]"):
            users = [u for u in users if u["role"] == "admin"]
        # AddIsMfaEnabledColumnToUsersGrid: contain[is_mfa_enabled] and filter[is-mfa-enabled] exist for admins only
        # (for others the query string component drops them); IsMfaEnabledQueryService::decorateAndFilterForIndex.
        with_mfa = me["role"] == "admin" and self.contains(req, "is_mfa_enabled")
        mfa_filter = req.arg("filter[is-mfa-enabled]") if me["role"] == "admin" else None
        if mfa_filter is not None:
            wanted = {"true": True, "1": True, "false": False, "0": False}.get(mfa_filter.lower())
            if wanted is None:
                raise HttpError(400, 'Invalid filter. "%s" is not a valid value for filter is-mfa-enabled.'
                                % mfa_filter)
            users = [u for u in users if bool(u["mfa"]) == wanted]
        users.sort(key=lambda u: u["username"])
        # UsersTable::findIndex contains gpgkey, profile, groups_users and role unless contain[x]=0 says otherwise
        return self.listing(req, [self.fmt_user(u, gpgkey=self._contain_default(req, "gpgkey"),
                                                profile=self._contain_default(req, "profile"),
                                                role=self._contain_default(req, "role"),
                                                groups_users=self._contain_default(req, "groups_users"),
                                                mfa=with_mfa)
                                  for u in users])

    @staticmethod
    def _contain_default(req, name):
        value = req.arg("contain[%s]" % name)
        return value is None or str(value).strip().lower() not in ("0", "false", "")

    def h_user(self, req, uid):
        me, dummy = self.current_user(req)
        user = me if uid == "me" else self.users.get(uid)
        if not is_uuid(uid) and uid != "me":
            raise HttpError(400, 'The user identifier should be a valid UUID or "me".')  # UsersViewController
        if user is None or user["deleted"] or (not user["active"] and me["role"] != "admin"):
            raise HttpError(404, "The user does not exist.")
        # IsMfaEnabledQueryService::decorateForView: is_mfa_enabled for an admin or for oneself
        return self.envelope(req, self.fmt_user(user, gpgkey=True, groups_users=True,
                                                mfa=me["role"] == "admin" or me["id"] == user["id"]))


ROUTES = (
    ("GET", r"/users\.json", "h_users"),
    ("GET", r"/users/(?P<uid>[^/]+)\.json", "h_user"),
)
