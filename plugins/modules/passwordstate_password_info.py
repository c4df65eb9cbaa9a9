#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: passwordstate_password_info
author: pwman.secrets contributors (@pwman)
short_description: Read Click Studios Passwordstate password records, without their secrets by default
version_added: 0.1.0
description:
  - Returns the password records found by O(password_id), or by O(list_id) and O(title) (exact,
    case-insensitive) narrowed by O(username) or O(match_field)/O(match_value), or every record whose fields
    contain O(search), or (with O(list_id) alone) every record of that Password List.
  - Secrets (the password, and the generic fields that may hold secrets - see O(secret_generic_fields)) are left
    out unless O(with_secrets=true). Without O(with_secrets), searches and list reads ask the server to leave the
    passwords out (C(ExcludePassword=true)), so it audits no password as viewed.
  - With O(history=true) each record carries its change history.
options:
  password_id:
    description: A PasswordID.
    type: int
  title:
    description: Title to look for in O(list_id) (or in every list with O(list_id=0)).
    type: str
  username:
    description: Only records with this user name.
    type: str
  match_field:
    description: Only records whose field (name, C(GenericFieldN) or display name) equals O(match_value).
    type: str
  match_value:
    description: The value for O(match_field).
    type: str
  search:
    description: General search - records where any field contains this text.
    type: str
  with_secrets:
    description: Include the password and the generic fields that may hold secrets (also in the history).
    type: bool
    default: false
  history:
    description: Add each record's change history as C(history).
    type: bool
    default: false
  fail_on_missing:
    description: Fail when nothing matches (otherwise RV(passwords) is empty).
    type: bool
    default: false
extends_documentation_fragment:
  - pwman.secrets.connection
  - pwman.secrets.passwordstate
  - pwman.secrets.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Metadata of one record
  pwman.secrets.passwordstate_password_info:
    password_id: 5001
  register: info

- name: Every record titled "shared" in list 11, with history
  pwman.secrets.passwordstate_password_info:
    list_id: 11
    title: shared
    history: true
  register: shared

- name: Full records including passwords
  pwman.secrets.passwordstate_password_info:
    list_id: 11
    search: intranet
    with_secrets: true
  register: full
  no_log: true
"""

RETURN = r"""
passwords:
  description:
    - The records found - documented fields (C(PasswordID), C(PasswordListID), C(Title), C(UserName),
      C(Description), C(GenericField1)..C(GenericField10), C(Notes), C(URL), C(ExpiryDate) as the server writes it,
      C(AllowExport)), C(GenericFields) by display name, C(expiry_date) as C(YYYY-MM-DD), C(Password) only with
      O(with_secrets), C(history) only with O(history).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.pwman.secrets.plugins.module_utils._connection import connection_argument_spec
from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError, NotFound
from ansible_collections.pwman.secrets.plugins.module_utils._module import run_module
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter
from ansible_collections.pwman.secrets.plugins.module_utils._passwordstate_client import (
    PasswordstateClient,
    describe_search,
    passwordstate_auth_argument_spec,
    public_record,
    record_secret_numbers,
)


def argument_spec():
    spec = connection_argument_spec("PASSWORDSTATE")
    spec.update(passwordstate_auth_argument_spec())
    spec.update(
        password_id=dict(type="int", no_log=False),
        list_id=dict(type="int", fallback=(env_fallback, ["PASSWORDSTATE_LIST_ID"])),
        title=dict(type="str"),
        username=dict(type="str"),
        match_field=dict(type="str"),
        match_value=dict(type="str"),
        search=dict(type="str"),
        with_secrets=dict(type="bool", default=False),
        history=dict(type="bool", default=False),
        fail_on_missing=dict(type="bool", default=False),
    )
    return spec


def find(client, params):
    list_id = params["list_id"] or None
    if params["password_id"] is not None:
        try:
            return [client.get_password(params["password_id"], list_id)]
        except NotFound:
            if params["fail_on_missing"]:
                raise
            return []
    if params["search"] is not None:
        found = client.search(list_id, exclude_password=not params["with_secrets"], search=params["search"])
    elif params["title"] or params["username"] or params["match_field"]:
        found = client.find_passwords(list_id, title=params["title"], username=params["username"],
                                      match_field=params["match_field"], match_value=params["match_value"],
                                      exclude_password=not params["with_secrets"])
    elif list_id is not None:
        found = client.list_passwords(list_id, exclude_password=not params["with_secrets"])
    else:
        raise ConfigError("Give password_id, title, username, match_field/match_value, search or list_id.")
    if not found and params["fail_on_missing"]:
        raise NotFound("No Passwordstate password matches %s." % describe_search(
            list_id, params["title"], params["username"], params["match_field"], params["match_value"]))
    return found


def work(module):
    params = module.params
    client = PasswordstateClient(OptionAdapter.from_module(module))
    try:
        records = find(client, params)
        out = []
        for record in records:
            item = public_record(record, client.date_format, with_secrets=params["with_secrets"])
            if params["history"]:
                entries = client.history(record)
                if not params["with_secrets"]:
                    secret = record_secret_numbers(record)
                    for entry in entries:
                        entry.pop("Password", None)
                        for number in secret:
                            entry.pop("GenericField%d" % number, None)
                item["history"] = entries
            out.append(item)
        return {"changed": False, "passwords": out}
    finally:
        client.close()


def main():
    module = AnsibleModule(argument_spec(), supports_check_mode=True,
                           required_together=[("match_field", "match_value")],
                           mutually_exclusive=[("password_id", "title"), ("password_id", "search")])
    run_module(module, lambda: work(module))


if __name__ == "__main__":
    main()
