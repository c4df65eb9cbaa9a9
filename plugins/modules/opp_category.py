#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: opp_category
author: pwman.secrets contributors (@pwman)
short_description: Manage a category in OpenPassPhrase (OPP)
version_added: 0.1.0
description:
  - Creates, renames or deletes one OpenPassPhrase category, found by O(name) (or O(id)).
  - OPP allows several categories with the same name. The module reports such duplicates as an error
    naming their ids instead of guessing; give O(id) to act on one of them.
options:
  name:
    description:
      - Name of the category.
    type: str
    required: true
  id:
    description:
      - Id of the category, to pick one of several categories with the same name. It must have O(name)
        (or O(new_name), when already renamed).
    type: int
  new_name:
    description:
      - Rename the category to this name. Idempotent; when O(name) no longer exists but O(new_name) does,
        nothing is done, and when neither exists the category is created as O(new_name).
    type: str
  state:
    description: Whether the category should exist.
    type: str
    choices: [present, absent]
    default: present
  cascade:
    description:
      - With O(state=absent), also delete the items of the category. With V(false) the items are kept, without category.
    type: bool
    default: false
extends_documentation_fragment:
  - pwman.secrets.connection
  - pwman.secrets.opp
attributes:
  check_mode:
    support: full
    description: Reports what would change without changing it.
  diff_mode:
    support: full
    description: Shows the category's name (and item count on deletion) before and after.
notes:
  - Module of the C(pwman.secrets.opp) action group (C(module_defaults)).
"""

EXAMPLES = r"""
- name: A category
  pwman.secrets.opp_category:
    name: Infrastructure

- name: Rename it
  pwman.secrets.opp_category:
    name: Infrastructure
    new_name: Infra

- name: Delete it, keeping its items (they lose their category)
  pwman.secrets.opp_category:
    name: Infra
    state: absent

- name: Delete a category and its items
  pwman.secrets.opp_category:
    name: Old stuff
    state: absent
    cascade: true

- name: Two categories are called Web; delete the one with id 4
  pwman.secrets.opp_category:
    name: Web
    id: 4
    state: absent
"""

RETURN = r"""
changed:
  description: Whether the category was (or would be) created, renamed or deleted.
  returned: always
  type: bool
category:
  description: The category after the task (before it for O(state=absent)); empty when there is none.
  returned: always
  type: dict
  contains:
    id:
      description: Category id (null in check mode for a new category).
      type: int
    name:
      description: Category name.
      type: str
item_count:
  description: How many items the category holds (for O(state=absent), held before the deletion).
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pwman.secrets.plugins.module_utils import _opp_api as api
from ansible_collections.pwman.secrets.plugins.module_utils._connection import connection_argument_spec
from ansible_collections.pwman.secrets.plugins.module_utils._errors import Ambiguous, ConfigError, NotFound
from ansible_collections.pwman.secrets.plugins.module_utils._module import run_module
from ansible_collections.pwman.secrets.plugins.module_utils._opp_client import (
    OppConnection,
    OppData,
    opp_auth_argument_spec,
)
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter


def pick(data, name, wanted_id):
    """The one category called `name` (with id `wanted_id` when given), or None."""
    found = data.categories_named(name)
    if wanted_id is not None:
        found = [c for c in found if c["id"] == wanted_id]
        if not found and data.category_by_id.get(wanted_id):
            raise ConfigError("OPP category id %s is named %r, not %r."
                              % (wanted_id, data.category_by_id[wanted_id]["name"], name))
    if len(found) > 1:
        raise Ambiguous("%d OPP categories are named %r (ids %s): give the id of the one to manage."
                        % (len(found), name, ", ".join(str(c["id"]) for c in found)))
    return found[0] if found else None


def work(module):
    conn = OppConnection(OptionAdapter.from_module(module))
    try:
        return _work(module.params, module.check_mode, conn)
    finally:
        conn.close()


def _work(params, check, conn):
    data = OppData.load(conn)
    name, new_name, wanted_id = params["name"], params["new_name"], params["id"]
    if not name:
        raise ConfigError("Option 'name' must not be empty.")
    if new_name == "":
        raise ConfigError("Option 'new_name' must not be empty.")
    current = pick(data, name, wanted_id)

    def count(category):
        return len([i for i in data.items if category and i["category_id"] == category["id"]])

    if params["state"] == "absent":
        if new_name:
            raise ConfigError("Option 'new_name' cannot be used with state=absent.")
        result = {"changed": current is not None, "category": current or {}, "item_count": count(current)}
        if current is not None:
            if not check:
                api.delete_categories(conn, [current["id"]], params["cascade"])
            result["diff"] = {"before": {"id": current["id"], "name": current["name"], "item_count": count(current)},
                              "after": {}}
        return result

    if current is None and new_name:
        renamed = pick(data, new_name, wanted_id)
        if renamed is not None:
            return {"changed": False, "category": renamed, "item_count": count(renamed)}
    if current is None:
        if wanted_id is not None:
            raise NotFound("No OPP category with id %s." % wanted_id)
        final = new_name or name
        category = {"id": None, "name": final}
        if not check:
            created = api.create_categories(conn, [final]) or []
            created = [c for c in created if c["name"] == final]
            if created:
                category = created[0]
            else:  # the server did not say: read it back
                category = pick(OppData.load(conn), final, None) or category
        return {"changed": True, "category": category, "item_count": 0,
                "diff": {"before": {}, "after": {"name": final}}}

    if new_name and new_name != current["name"]:
        if not check:
            api.update_categories(conn, [{"id": current["id"], "name": new_name}])
        return {"changed": True, "category": {"id": current["id"], "name": new_name}, "item_count": count(current),
                "diff": {"before": {"id": current["id"], "name": current["name"]},
                         "after": {"id": current["id"], "name": new_name}}}
    return {"changed": False, "category": current, "item_count": count(current)}


def main():
    spec = connection_argument_spec("OPP")
    spec.update(opp_auth_argument_spec())
    spec.update(
        name=dict(type="str", required=True),
        id=dict(type="int"),
        new_name=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        cascade=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    run_module(module, lambda: work(module))


if __name__ == "__main__":
    main()
