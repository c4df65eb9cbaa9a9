"""Groups: src/Controller/Groups/GroupsIndexController.php and GroupsViewController.php (GroupsFindersTrait).
"""

from __future__ import annotations

from sandbox.passbolt.controllers.core import HttpError, is_uuid


class GroupsMixin:
    # GroupsIndexController / GroupsViewController contain allow-lists (user_count is not in them)
    GROUP_CONTAINS = ("modifier", "modifier.profile", "my_group_user", "users", "groups_users", "groups_users.user",
                      "groups_users.user.profile", "groups_users.user.gpgkey", "user", "group_user",
                      "group_user.user", "group_user.user.profile", "group_user.user.gpgkey")

    def h_groups(self, req):
        """GroupsIndexController: every non-deleted group for any user; filters has-users / has-managers (all the
        given users, as members / as managers); no pagination and no ORDER BY (the `order` parameter is dropped by
        QueryStringComponent::rewriteLegacyItems): the imitation answers in name order, one order a database may use."""
        me, dummy = self.current_user(req)
        contain = self.isset_contains(req, self.GROUP_CONTAINS)
        groups = [g for g in self.groups.values() if not g["deleted"]]
        has_users = self.qlist(req, "filter[has-users]")
        if has_users:
            wanted = {x for v in has_users for x in v.split(",")}
            groups = [g for g in groups if wanted <= {gu["user_id"] for gu in g["groups_users"]}]
        has_managers = self.qlist(req, "filter[has-managers]")
        if has_managers:
            wanted = {x for v in has_managers for x in v.split(",")}
            groups = [g for g in groups
                      if wanted <= {gu["user_id"] for gu in g["groups_users"] if gu["is_admin"]}]
        groups.sort(key=lambda g: g["name"])
        return self.envelope(req, [self.fmt_group(g, me["id"], contain) for g in groups])

    def h_group(self, req, gid):
        me, dummy = self.current_user(req)
        if not is_uuid(gid):
            raise HttpError(400, "The group id is not valid.")  # GroupsViewController
        contain = self.isset_contains(req, self.GROUP_CONTAINS)
        group = self.groups.get(gid)
        if group is None or group["deleted"]:
            raise HttpError(404, "The group does not exist.")
        return self.envelope(req, self.fmt_group(group, me["id"], contain))


ROUTES = (
    ("GET", r"/groups\.json", "h_groups"),
    ("GET", r"/groups/(?P<gid>[^/]+)\.json", "h_group"),
)
