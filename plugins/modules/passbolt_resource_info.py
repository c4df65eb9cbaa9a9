#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: passbolt_resource_info
author: pwman.secrets contributors (@pwman)
short_description: List Passbolt resources, optionally with their secrets
version_added: 0.1.0
description:
  - Lists the Passbolt resources the user can see that match all the given filters, with their metadata (v5
    metadata is decrypted), folder path and permissions.
  - Secrets (password, TOTP secret, encrypted description, custom field values) are decrypted and returned only with
    O(with_secrets=true).
  - Read-only; it never writes to the server.
options:
  id:
    description: Only the resources with these UUIDs.
    type: list
    elements: str
  name:
    description:
      - Only resources whose name matches this shell-style pattern (C(*), C(?), C([...]); case-sensitive, the whole
        name must match). A name without wildcards is an exact match.
    type: str
  name_regex:
    description: Only resources whose name matches this Python regular expression (C(re.search), case-sensitive).
    type: str
  folder:
    description:
      - Only resources directly in this folder (a path like V(Infra/Databases) resolved level by level, or a folder
        UUID; V(/) is the root).
    type: str
  recursive:
    description: With O(folder), include the resources of its sub-folders too.
    type: bool
    default: false
  username:
    description: Only resources with this user name (exact match).
    type: str
  uri:
    description: Only resources with this URI (exact match with one of their URIs).
    type: str
  shared_with_group:
    description: Only resources shared with this group (name or UUID).
    type: str
  owned_by_me:
    description: Only resources the user owns (V(true)), or does not own (V(false)).
    type: bool
  expired:
    description:
      - Only the resources Passbolt marks expired (V(true)), that is whose expiry date (RV(resources[].expired)) has
        passed, as the server sets it when someone who read a shared password loses access, or as a client set it;
        or only the others (V(false)).
      - The server has no such filter (C(GET /resources.json) does not take one); the list is filtered here, as
        Passbolt's browser extension filters it.
    type: bool
  expires_within:
    description:
      - Only the resources whose expiry date comes within this time from now, those already expired included
        (combine with O(expired=false) for the ones not expired yet). A duration like V(30d), V(12h), V(2w), V(90m)
        or a number of days.
    type: str
  with_secrets:
    description:
      - Decrypt and return the secrets too (RV(resources[].password), RV(resources[].totp_secret),
        RV(resources[].custom_fields) values, RV(resources[].pin_code), RV(resources[].note), encrypted
        descriptions).
      - The result then holds secrets; use C(no_log) on the task.
    type: bool
    default: false
extends_documentation_fragment:
  - pwman.secrets.connection
  - pwman.secrets.passbolt
  - ansible.builtin.action_common_attributes
  - pwman.secrets.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - Module group C(pwman.secrets.passbolt) lets you set connection options once with C(module_defaults).
"""

EXAMPLES = r"""
- name: Everything in Infra and below, without secrets
  pwman.secrets.passbolt_resource_info:
    folder: Infra
    recursive: true
  register: infra

- name: Their names
  ansible.builtin.debug:
    msg: "{{ infra.resources | map(attribute='name') | list }}"

- name: Resources whose name matches a regular expression, owned by someone else
  pwman.secrets.passbolt_resource_info:
    name_regex: "^db-(primary|apps)$"
    owned_by_me: false

- name: What Passbolt marks expired, in Infra and below
  pwman.secrets.passbolt_resource_info:
    folder: Infra
    recursive: true
    expired: true
  register: expired

- name: Passwords that expire in the next 30 days (not yet expired)
  pwman.secrets.passbolt_resource_info:
    expires_within: 30d
    expired: false
  register: expiring

- name: Database resources shared with Ops, with their passwords
  pwman.secrets.passbolt_resource_info:
    name: "db-*"
    shared_with_group: Ops
    with_secrets: true
  register: ops_dbs
  no_log: true
"""

RETURN = r"""
resources:
  description: The matching resources, sorted by folder path then name.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: UUID.
      type: str
    name:
      description: Name.
      type: str
    username:
      description: User name.
      type: str
    uri:
      description: The first URI ("" when none).
      type: str
    uris:
      description: All URIs.
      type: list
      elements: str
    description:
      description:
        - The cleartext (v4) or metadata (v5) description. With O(with_secrets=true), the encrypted description of
          the types that have one when it is not empty.
      type: str
    folder:
      description: Folder path ("" for the root).
      type: str
    folder_id:
      description: UUID of the folder (null for the root).
      type: str
    resource_type:
      description: Slug of the resource type.
      type: str
    metadata_version:
      description: V(v4) or V(v5).
      type: str
    metadata_key_type:
      description: V(shared_key) or V(user_key) (v5), null (v4).
      type: str
    modified:
      description: Last modification time as the server sends it.
      type: str
    expired:
      description:
        - The expiry date as the server sends it (V(2026-09-30T12:00:00+00:00)), or null when the password does not
          expire.
      type: str
    is_expired:
      description: The expiry date has passed (Passbolt lists the password as expired).
      type: bool
    access:
      description: The user's own access (V(read), V(update), V(owner)).
      type: str
    permissions:
      description: Who has access, as C({user|group, access}) entries.
      type: list
      elements: dict
    custom_field_names:
      description: Names of the custom fields.
      type: list
      elements: str
    password:
      description: The password.
      returned: with O(with_secrets=true), for types with a password
      type: str
    totp_secret:
      description: The base32 TOTP secret.
      returned: with O(with_secrets=true), for types with a TOTP
      type: str
    totp:
      description: The TOTP settings (C(secret_key), C(digits), C(algorithm), C(period)).
      returned: with O(with_secrets=true), for types with a TOTP
      type: dict
    custom_fields:
      description: Custom fields, name to value.
      returned: with O(with_secrets=true)
      type: dict
    note:
      description: The encrypted note (the secret's description) of the types that have one.
      returned: with O(with_secrets=true), for types with an encrypted note
      type: str
    pin_code:
      description: The PIN code.
      returned: with O(with_secrets=true), for types with a PIN code
      type: str
count:
  description: Number of matching resources.
  returned: always
  type: int
signature_notes:
  description:
    - At C(-vvv), what the signature checks accepted and why, for example metadata or a copy of the metadata key
      that the server signed itself. The lookup says the same on the display at C(-vvv). Items accepted only because
      O(verify_signatures=false) are warnings, at every verbosity.
  returned: at C(-vvv) when there is something to say
  type: list
  elements: str
  sample: ["The metadata of resource 0f6b0a48-6f5c-4a14-9d3a-2b7d1c1f4e55 is signed by the server key (the server wrote it itself)."]
"""

import fnmatch
import re
from datetime import datetime, timedelta, timezone

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError
from ansible_collections.pwman.secrets.plugins.module_utils._module import run_module
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import (
    PassboltClient, is_uuid, passbolt_argument_spec, signature_notes)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_expiry import (
    is_expired,
    parse_date,
    parse_duration,
)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_write import (
    ACCESS_NAMES,
    FolderWriter,
    Principals,
    public_permissions,
)

CONTAIN = ("resource-type", "permission", "permissions", "permissions.user.profile", "permissions.group")


def argument_spec():
    spec = passbolt_argument_spec()
    spec.update(
        id=dict(type="list", elements="str"),
        name=dict(type="str"),
        name_regex=dict(type="str"),
        folder=dict(type="str"),
        recursive=dict(type="bool", default=False),
        username=dict(type="str"),
        uri=dict(type="str"),
        shared_with_group=dict(type="str"),
        owned_by_me=dict(type="bool"),
        expired=dict(type="bool"),
        expires_within=dict(type="str"),
        with_secrets=dict(type="bool", default=False),
    )
    return spec


def work(module):
    params = module.params
    regex = None
    if params["name_regex"] is not None:
        try:
            regex = re.compile(params["name_regex"])
        except re.error as exc:
            raise ConfigError("Option 'name_regex' is not a valid regular expression: %s" % exc) from None
    for value in params["id"] or []:
        if not is_uuid(value):
            raise ConfigError("Option 'id' must list resource UUIDs, got %r." % str(value)[:60])
    if params["expires_within"] is not None:
        parse_duration(params["expires_within"], "expires_within")
    client = PassboltClient(OptionAdapter.from_module(module))
    try:
        result = run(client, params, regex)
        result.update(signature_notes(module, client))
        return result
    finally:
        client.close()


def run(client, params, regex):
    client.login()
    principals = Principals(client)
    folders = FolderWriter(client, check_mode=True)
    filters = {}
    if params["id"]:
        filters["has-id"] = sorted(set(params["id"]))
    if params["shared_with_group"]:
        filters["is-shared-with-group"] = principals.group(params["shared_with_group"])["id"]
    if params["owned_by_me"]:
        filters["is-owned-by-me"] = True
    folder_ids = None
    if params["folder"] is not None:
        root = folders.find(params["folder"])
        folder_ids = {root}
        if params["recursive"]:
            folder_ids = descendants(client, root)
    contain = CONTAIN + (("secret",) if params["with_secrets"] else ())
    views = client.describe_resources(client.list_resources(filters=filters or None, contain=contain))
    if params["owned_by_me"] is False:
        views = [v for v in views if (v.raw.get("permission") or {}).get("type") != 15]
    if params["name"] is not None:
        views = [v for v in views if fnmatch.fnmatchcase(v.name or "", params["name"])]
    if regex is not None:
        views = [v for v in views if regex.search(v.name or "")]
    if params["username"] is not None:
        views = [v for v in views if (v.username or "") == params["username"]]
    if params["uri"] is not None:
        views = [v for v in views if params["uri"] in v.uris]
    if folder_ids is not None:
        views = [v for v in views if v.folder_parent_id in folder_ids]
    now = datetime.now(timezone.utc)
    if params["expired"] is not None:
        views = [v for v in views if is_expired(v.expired, now) == params["expired"]]
    if params["expires_within"] is not None:
        horizon = now + timedelta(seconds=parse_duration(params["expires_within"], "expires_within"))
        views = [v for v in views if v.expired and parse_date(v.expired) is not None
                 and parse_date(v.expired) <= horizon]
    views = [client.check_view(v) for v in views]
    if params["with_secrets"] and views:
        client.decrypt_secrets(views)
    out = [describe(client, principals, v, params["with_secrets"]) for v in views]
    out.sort(key=lambda r: (r["folder"], r["name"], r["id"]))
    return {"changed": False, "resources": out, "count": len(out)}


def descendants(client, root):
    """A folder id and all its sub-folders' ids (None: the root, so everything)."""
    every = client.folders()
    if root is None:
        return {None} | set(every)
    found = {root}
    grew = True
    while grew:
        grew = False
        for fid, folder in every.items():
            if fid not in found and folder.get("folder_parent_id") in found:
                found.add(fid)
                grew = True
    return found


def describe(client, principals, view, with_secrets):
    perms = [p for p in view.raw.get("permissions") or [] if isinstance(p, dict)]
    own = view.raw.get("permission") if isinstance(view.raw.get("permission"), dict) else {}
    out = {
        "id": view.id,
        "name": view.name or "",
        "username": view.username or "",
        "uri": view.uri,
        "uris": list(view.uris),
        "description": view.description or "",
        "folder": client.folder_path(view.folder_parent_id),
        "folder_id": view.folder_parent_id,
        "resource_type": view.type_slug,
        "metadata_version": view.version,
        "metadata_key_type": view.metadata_key_type,
        "modified": view.modified,
        "expired": view.expired,
        "is_expired": is_expired(view.expired),
        "access": ACCESS_NAMES.get(own.get("type")),
        "permissions": public_permissions(principals, perms),
        "custom_field_names": sorted(f.get("metadata_key") for f in view.metadata_custom_fields
                                     if f.get("metadata_key")),
    }
    if with_secrets:
        secret = view.secret or {}
        out["description"] = view.description_text()
        if "password" in secret:
            out["password"] = secret.get("password")
        totp = secret.get("totp")
        if isinstance(totp, dict):
            out["totp"] = dict(totp)
            out["totp_secret"] = totp.get("secret_key", "")
        out["custom_fields"] = view.custom_fields()
        for name, key in (("note", "description"), ("pin_code", "pin_code")):
            if isinstance(secret.get(key), str):
                out[name] = secret[key]
    return out


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, lambda: work(module))


if __name__ == "__main__":
    main()
