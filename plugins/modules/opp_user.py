#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: opp_user
author: pwman.secrets contributors (@pwman)
short_description: Create, update or delete an OpenPassPhrase (OPP) user
version_added: 0.1.0
description:
  - Manages the OPP user given by O(login_username) and O(login_password) (the C(/user) endpoint needs no token).
  - V(present) creates the user (with O(phrase), which then encrypts all their data) when logging in with
    O(login_username) and O(login_password) fails, and renames the user or changes their password with
    O(new_username) / O(new_password).
  - V(absent) deletes the user B(and all their categories and items). This cannot be undone.
  - OPP cannot tell a missing user from a wrong password at login. If the user exists with another password,
    creation fails with the server's C(User already exists!).
options:
  new_username:
    description:
      - Rename the user. Idempotent; when the old name no longer logs in but the new one does, nothing is done.
    type: str
  new_password:
    description:
      - Change the user's password. Idempotent the same way.
    type: str
  state:
    description: Whether the user should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - pwman.secrets.connection
  - pwman.secrets.opp
attributes:
  check_mode:
    support: full
    description: Uses a login to find out whether the user exists.
  diff_mode:
    support: full
    description: Only the user name is shown.
notes:
  - O(phrase) is needed to create a user (at least 6 characters); it is the only key to their data and cannot
    be changed or recovered through the API.
  - Module of the C(pwman.secrets.opp) action group (C(module_defaults)).
"""

EXAMPLES = r"""
- name: The pipeline's credentials (keep yours in a vault; these are new random ones)
  ansible.builtin.set_fact:
    pipeline_password: "{{ lookup('ansible.builtin.password', '/dev/null', length=24) }}"
    new_pipeline_password: "{{ lookup('ansible.builtin.password', '/dev/null', length=24) }}"
    pipeline_phrase: "{{ lookup('ansible.builtin.password', '/dev/null', length=32) }}"
  no_log: true

- name: A user for the deployment pipeline
  pwman.secrets.opp_user:
    login_username: pipeline
    login_password: "{{ pipeline_password }}"
    phrase: "{{ pipeline_phrase }}"

- name: Change their password
  pwman.secrets.opp_user:
    login_username: pipeline
    login_password: "{{ pipeline_password }}"
    new_password: "{{ new_pipeline_password }}"

- name: Delete the user and ALL their data
  pwman.secrets.opp_user:
    login_username: pipeline
    login_password: "{{ new_pipeline_password }}"
    state: absent
"""

RETURN = r"""
changed:
  description: Whether the user was (or would be) created, updated or deleted.
  returned: always
  type: bool
user:
  description: The user name after the task (before it for O(state=absent)).
  returned: always
  type: dict
  contains:
    username:
      description: User name.
      type: str
    exists:
      description: Whether the user exists after the task (null in check mode when unknown).
      type: bool
password_changed:
  description: Whether the user's password was (or would be) changed.
  returned: when O(state=present)
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pwman.secrets.plugins.module_utils import _opp_api as api
from ansible_collections.pwman.secrets.plugins.module_utils._connection import connection_argument_spec, require
from ansible_collections.pwman.secrets.plugins.module_utils._errors import ApiError, ConfigError
from ansible_collections.pwman.secrets.plugins.module_utils._module import run_module
from ansible_collections.pwman.secrets.plugins.module_utils._opp_client import OppConnection, opp_auth_argument_spec
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter

DELETE_WARNING = ("OPP user %r was deleted together with ALL of their categories and items; "
                  "this cannot be undone.")


def can_login(conn, username, password):
    """True when the server accepts these credentials (one POST /auth)."""
    conn.username, conn.password = username, password
    conn.redactor.add(password)
    try:
        conn.login()
    except ApiError as exc:
        if exc.status in (400, 401) and "credentials" in str(exc.message).lower():
            return False
        raise
    return True


def work(module):
    options = OptionAdapter.from_module(module)
    require(options, "login_username", "OPP_USERNAME")
    require(options, "login_password", "OPP_PASSWORD")
    conn = OppConnection(options)
    conn.redactor.add(module.params["new_password"])
    try:
        return _work(module, conn)
    finally:
        conn.close()


def _work(module, conn):
    params = module.params
    check = module.check_mode
    username, password = params["login_username"], params["login_password"]
    new_username, new_password = params["new_username"] or "", params["new_password"] or ""

    if params["state"] == "absent":
        if new_username or new_password:
            raise ConfigError("Options 'new_username' and 'new_password' cannot be used with state=absent.")
        if check:
            exists = can_login(conn, username, password)
            result = {"changed": exists, "user": {"username": username, "exists": False if exists else None}}
            if not exists:
                module.warn("Check mode: cannot log in as %r; the user is missing or the password differs." % username)
            else:
                module.warn("Deleting OPP user %r would delete ALL of their categories and items." % username)
                result["diff"] = {"before": {"username": username}, "after": {}}
            return result
        try:
            api.delete_user(conn, username, password)
        except ApiError as exc:
            if "does not exist" in str(exc.message):
                return {"changed": False, "user": {"username": username, "exists": False}}
            raise
        module.warn(DELETE_WARNING % username)
        return {"changed": True, "user": {"username": username, "exists": False},
                "diff": {"before": {"username": username}, "after": {}}}

    final_username = new_username or username
    if can_login(conn, username, password):
        wants_update = (new_username and new_username != username) or (new_password and new_password != password)
        if not wants_update:
            return {"changed": False, "password_changed": False, "user": {"username": username, "exists": True}}
        if not check:
            api.update_user(conn, username, password,
                            new_username if new_username != username else "",
                            new_password if new_password != password else "")
        return {"changed": True, "password_changed": bool(new_password and new_password != password),
                "user": {"username": final_username, "exists": True},
                "diff": {"before": {"username": username}, "after": {"username": final_username}}}

    if new_username or new_password:
        if can_login(conn, final_username, new_password or password):
            return {"changed": False, "password_changed": False, "user": {"username": final_username, "exists": True}}

    # Create the user (with the final name and password).
    phrase = params["phrase"]
    if not phrase:
        raise ConfigError("Cannot log in as %r: to create the user, option 'phrase' (or OPP_PHRASE) is required." % username)
    if len(phrase.strip()) < 6:
        raise ConfigError("Option 'phrase' must be at least 6 characters long.")
    if not check:
        try:
            api.create_user(conn, final_username, new_password or password, phrase)
        except ApiError as exc:
            if "already exists" in str(exc.message):
                raise ConfigError("OPP user %r exists but refused the given password: %s" % (final_username, exc)) from None
            raise
    return {"changed": True, "password_changed": True, "user": {"username": final_username, "exists": True},
            "diff": {"before": {}, "after": {"username": final_username}}}


def main():
    spec = connection_argument_spec("OPP")
    spec.update(opp_auth_argument_spec())
    spec.update(
        new_username=dict(type="str"),
        new_password=dict(type="str", no_log=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    run_module(module, lambda: work(module))


if __name__ == "__main__":
    main()
