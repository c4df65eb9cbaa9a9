#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: opp_item_info
author: pwman.secrets contributors (@pwman)
short_description: List items of OpenPassPhrase (OPP)
version_added: 0.1.0
description:
  - Lists the OpenPassPhrase items that match all the given filters, with their category name.
  - Reads the user's whole vault with one C(GET /fetchall); read-only, it never writes to the server.
  - Passwords and the free text (C(blob), where PINs and notes are kept) are returned only with
    O(with_secrets=true), as Passbolt's encrypted descriptions are by M(pwman.secrets.passbolt_resource_info).
options:
  name:
    description:
      - Only the items with this exact name.
    type: str
  category:
    description:
      - Only the items in the category with this name, or C(id:<number>) for the category with that id; an empty
        string means items without a category.
      - Several categories with that name are an error (give the id instead); a category name that does not
        exist gives no items, a category id that does not exist is an error.
    type: str
  with_secrets:
    description:
      - Return each item's password and free text in RV(items[].password) and RV(items[].blob). Use C(no_log) on
        the task.
    type: bool
    default: false
extends_documentation_fragment:
  - pwman.secrets.connection
  - pwman.secrets.opp
attributes:
  check_mode:
    support: full
    description: Reads only.
  diff_mode:
    support: none
    description: Reads only.
notes:
  - Module of the C(pwman.secrets.opp) action group (C(module_defaults)).
"""

EXAMPLES = r"""
- name: Every item of the Banking category, with passwords
  pwman.secrets.opp_item_info:
    category: Banking
    with_secrets: true
  register: banking
  no_log: true
"""

RETURN = r"""
items:
  description: The matching items, sorted by category then name then id.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Item id.
      type: int
    name:
      description: Name.
      type: str
    url:
      description: URL.
      type: str
    account:
      description: Account.
      type: str
    username:
      description: User name.
      type: str
    blob:
      description: Free text (OPP users keep PINs and notes there); a secret, like the password.
      type: str
      returned: with O(with_secrets=true)
    category:
      description: Category name, or null.
      type: str
    category_id:
      description: Category id, or null.
      type: int
    password:
      description: Password.
      type: str
      returned: with O(with_secrets=true)
count:
  description: Number of matching items.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pwman.secrets.plugins.module_utils._connection import connection_argument_spec
from ansible_collections.pwman.secrets.plugins.module_utils._module import run_module
from ansible_collections.pwman.secrets.plugins.module_utils._opp_client import (
    OppConnection,
    OppData,
    opp_auth_argument_spec,
)
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter


def work(module):
    params = module.params
    conn = OppConnection(OptionAdapter.from_module(module))
    try:
        data = OppData.load(conn)
    finally:
        conn.close()
    items = data.items
    if params["name"] is not None:
        items = [i for i in items if i["name"] == params["name"]]
    items = data.in_category(items, params["category"])
    out = [data.public_item(i, with_secrets=params["with_secrets"]) for i in items]
    out.sort(key=lambda i: (i["category"] or "", i["name"] or "", i["id"] or 0))
    return {"changed": False, "items": out, "count": len(out)}


def main():
    spec = connection_argument_spec("OPP")
    spec.update(opp_auth_argument_spec())
    spec.update(
        name=dict(type="str"),
        category=dict(type="str"),
        with_secrets=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    run_module(module, lambda: work(module))


if __name__ == "__main__":
    main()
