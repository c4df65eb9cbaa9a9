#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: passbolt_folder
author: pwman.secrets contributors (@pwman)
short_description: Create, rename, move, share and delete Passbolt folders
version_added: 0.1.0
description:
  - Manages one Passbolt folder, found by O(path) (resolved level by level from the root, since folder names are
    not unique) or by O(id).
  - With O(path), the folder is created when missing (its missing parents too with O(create_folders=true)),
    shared, or deleted.
  - With O(id), the folder can also be renamed (O(name)) and moved (O(parent)). Renames and moves go by id so that
    a second run finds the same folder and changes nothing.
  - A folder that holds folders or resources is deleted only with O(recursive=true), which deletes its content too.
  - Paths go through v4 folders (cleartext name) and v5 folders (Passbolt 4.12 and later, the name in encrypted
    metadata) alike. A new folder gets the format the server's metadata types settings ask for
    (C(default_folder_type), C(allow_creation_of_v4_folders), C(allow_creation_of_v5_folders)); its v5 metadata is
    written as resource metadata is, for the shared metadata key. A rename keeps the folder's format.
  - A v5 folder's name is used only when its metadata is signed as for resources (see O(verify_signatures)); a
    personal v5 folder (user-key metadata, as the server's upgrade leaves one only you can see) moves to the shared
    metadata key before it is shared, since Passbolt does not share it otherwise.
options:
  state:
    description: V(present) creates or updates the folder, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  path:
    description: Path of the folder, like V(Infra/Databases). Mutually exclusive with O(id).
    type: str
  id:
    description: UUID of an existing folder. Mutually exclusive with O(path).
    type: str
  name:
    description: New name of the folder found by O(id).
    type: str
  parent:
    description: Move the folder found by O(id) into this folder path (V(/) is the root) or folder UUID.
    type: str
  create_folders:
    description: Create the missing parents of O(path) (or of O(parent)) instead of failing.
    type: bool
    default: false
  recursive:
    description: With O(state=absent), delete a folder that is not empty, and everything in it.
    type: bool
    default: false
  permissions:
    description:
      - Who has access to the folder. Each entry has O(permissions[].user) (e-mail or UUID) or
        O(permissions[].group) (name or UUID), and O(permissions[].access).
      - Listed users and groups get exactly that access; others keep theirs unless O(exclusive_permissions=true).
      - A change that would leave the folder without an owner is refused before anything is sent.
    type: list
    elements: dict
    suboptions:
      user:
        description: The user's e-mail (user name) or UUID.
        type: str
      group:
        description: The group's name or UUID.
        type: str
      access:
        description: The access level.
        type: str
        choices: [read, update, owner]
        default: read
  exclusive_permissions:
    description: Remove every permission not listed in O(permissions).
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
    support: full
  platform:
    platforms: all
notes:
  - Sharing a folder changes the folder's own permissions; Passbolt does not change the permissions of what the
    folder already holds.
  - Module group C(pwman.secrets.passbolt) lets you set connection options once with C(module_defaults).
"""

EXAMPLES = r"""
- name: A folder and its missing parents
  pwman.secrets.passbolt_folder:
    path: Infra/Databases/Reporting
    create_folders: true
  register: reporting

- name: Share it with a group
  pwman.secrets.passbolt_folder:
    path: Infra/Databases/Reporting
    permissions:
      - group: Ops
        access: update

- name: Rename and move it by id
  pwman.secrets.passbolt_folder:
    id: "{{ reporting.id }}"
    name: BI
    parent: Apps

- name: Delete it with its content
  pwman.secrets.passbolt_folder:
    path: Apps/BI
    state: absent
    recursive: true
"""

RETURN = r"""
id:
  description: UUID of the folder (null when created in check mode, or absent).
  returned: always
  type: str
name:
  description: Name of the folder.
  returned: when the folder exists (or would be created)
  type: str
path:
  description: Path of the folder after the change.
  returned: when the folder exists (or would be created)
  type: str
  sample: Infra/Databases/Reporting
parent_id:
  description: UUID of the parent folder (null for the root).
  returned: when the folder exists
  type: str
metadata_version:
  description:
    - V(v4) for a folder with a cleartext name, V(v5) for one whose name is in encrypted metadata.
    - A new folder gets the format the server's metadata types settings ask for (C(default_folder_type)).
  returned: when the folder exists (or would be created)
  type: str
  sample: v5
permissions:
  description: Who has access, as C({user|group, access}) entries.
  returned: when the folder exists (or would be created)
  type: list
  elements: dict
created_folders:
  description: Folder paths created (or that would be created in check mode).
  returned: always
  type: list
  elements: str
deleted:
  description: What a deletion removed (or would remove) - counts of sub-folders and resources directly inside.
  returned: when O(state=absent) and the folder existed
  type: dict
signature_notes:
  description:
    - At C(-vvv), what the signature checks of v5 folder metadata (and of your copy of the metadata key) accepted
      and why, for example folder metadata the server signed itself when it upgraded v4 folders. Items accepted only
      because O(verify_signatures=false) are warnings, at every verbosity.
  returned: at C(-vvv) when there is something to say
  type: list
  elements: str
  sample: ["The metadata of folder 0f6b0a48-6f5c-4a14-9d3a-2b7d1c1f4e55 is signed by the server key (the server wrote it itself)."]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError, NotFound
from ansible_collections.pwman.secrets.plugins.module_utils._module import run_module
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import (
    PassboltClient, is_uuid, passbolt_argument_spec, signature_notes)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_write import (
    ACCESS_TYPES,
    FolderWriter,
    Principals,
    permissions_argument_spec,
    plan_permissions,
    public_permissions,
    split_path,
)


def argument_spec():
    spec = passbolt_argument_spec()
    spec.update(permissions_argument_spec())
    spec.update(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        path=dict(type="str"),
        id=dict(type="str"),
        name=dict(type="str"),
        parent=dict(type="str"),
        create_folders=dict(type="bool", default=False),
        recursive=dict(type="bool", default=False),
    )
    return spec


def check_static(params):
    if not params["path"] and not params["id"]:
        raise ConfigError("Give the folder's path or id.")
    if params["path"] and params["id"]:
        raise ConfigError("Options 'path' and 'id' are mutually exclusive.")
    if params["id"] and not is_uuid(params["id"]):
        raise ConfigError("Option 'id' must be a folder UUID, got %r." % str(params["id"])[:60])
    if params["path"] is not None and not split_path(params["path"]):
        raise ConfigError("Option 'path' must name a folder (the root cannot be managed).")
    if params["path"] and (params["name"] is not None or params["parent"] is not None):
        raise ConfigError("Options 'name' and 'parent' rename and move the folder found by 'id'; with 'path', "
                          "a second run would not find the folder again. Use id.")
    if params["name"] is not None and (not params["name"].strip() or "/" in params["name"]):
        raise ConfigError("Option 'name' must be a non-empty folder name without '/'.")
    if params["exclusive_permissions"] and params["permissions"] is None:
        raise ConfigError("Option 'exclusive_permissions' needs 'permissions'.")


def work(module):
    params = module.params
    check_static(params)
    client = PassboltClient(OptionAdapter.from_module(module))
    try:
        result = run(module, client, params)
        result.update(signature_notes(module, client))
        return result
    finally:
        client.close()


def find(client, folders, params):
    if params["id"]:
        folder = client.folders().get(params["id"])
        if folder is None and params["state"] == "present":
            raise NotFound("Passbolt folder %s not found (or not visible to this user); to create a folder give its "
                           "path." % params["id"])
        return folder["id"] if folder else None
    try:
        return folders.find(params["path"])
    except NotFound:
        return None


def ancestors(folders, folder_id):
    """A folder's id and its parents' ids, up to the root or a parent the user cannot see."""
    found = []
    while folder_id and folder_id not in found:
        found.append(folder_id)
        folder_id = (folders.get(folder_id) or {}).get("folder_parent_id")
    return found


def run(module, client, params):
    client.login()
    folders = FolderWriter(client, module.check_mode)
    principals = Principals(client)
    folder_id = find(client, folders, params)
    result = {"changed": False, "id": folder_id, "created_folders": []}

    if params["state"] == "absent":
        if folder_id is None:
            return result
        sub_folders, resources = folders.children(folder_id)
        if (sub_folders or resources) and not params["recursive"]:
            raise ConfigError("Passbolt folder %r is not empty (%d folder(s), %d resource(s)); set recursive=true to "
                              "delete it with its content."
                              % (client.folder_path(folder_id), len(sub_folders), len(resources)))
        path = client.folder_path(folder_id)
        result.update(changed=True, deleted={"folders": len(sub_folders), "resources": len(resources)})
        if module._diff:
            result["diff"] = {"before": {"path": path}, "after": {}}
        if not module.check_mode:
            folders.delete(folder_id, params["recursive"])
        return result

    # -- plan (reads only) ----------------------------------------------------------------------------
    before = None
    missing = []
    if folder_id is None:
        parent_id, missing = folders.plan_path(params["path"])
        if len(missing) > 1 and not params["create_folders"]:
            folders.ensure_path("/".join(split_path(params["path"])[:-1]), False)  # raises NotFound
    else:
        if params["name"] is not None:
            client.check_folder(folder_id)  # a rename keeps what else its v5 metadata holds: it must be readable
        before = {"path": client.folder_path(folder_id), "name": client.folders()[folder_id].get("name")}
    new_name = None
    if folder_id is not None and params["name"] is not None and params["name"] != before["name"]:
        new_name = params["name"]
    move_to = False
    parent_missing = []
    if folder_id is not None and params["parent"] is not None:
        target, parent_missing = folders.plan_path(params["parent"])
        if parent_missing and not params["create_folders"]:
            folders.ensure_path(params["parent"], False)
        if parent_missing:
            move_to = None
        elif target != client.folders()[folder_id].get("folder_parent_id"):
            if target is not None and folder_id in ancestors(client.folders(), target):
                raise ConfigError("Cannot move folder %r into itself or one of its sub-folders (%r)."
                                  % (before["path"], client.folder_path(target)))
            move_to = target
    wanted = principals.resolve(params["permissions"]) if params["permissions"] is not None else None
    current_perms = folders.permissions(folder_id) if folder_id is not None else \
        [{"id": None, "aro": "User", "aro_foreign_key": client.user_id, "type": ACCESS_TYPES["owner"]}]
    rows, after_perms = [], current_perms
    what = "folder %r" % (before["path"] if before else params["path"])
    if wanted is not None:
        rows, after_perms = plan_permissions("Folder", folder_id, current_perms, wanted,
                                             params["exclusive_permissions"], what)
    if before is not None:
        before["permissions"] = public_permissions(principals, current_perms)

    # -- writes -------------------------------------------------------------------------------------------
    changed = bool(missing or new_name or move_to is not False or parent_missing or rows)
    if missing:
        folder_id, created = folders.ensure_path(params["path"], True)
        result["created_folders"] = created
    if not module.check_mode:
        if new_name:
            folders.rename(folder_id, new_name)
        if move_to is not False:
            if parent_missing:
                move_to, created = folders.ensure_path(params["parent"], True)
                result["created_folders"] += created
            folders.move(folder_id, move_to)
        if rows:
            if missing:
                rows, dummy = plan_permissions("Folder", folder_id, folders.permissions(folder_id), wanted,
                                               params["exclusive_permissions"], what)
            if rows:
                folders.share(folder_id, rows)
    elif parent_missing:
        result["created_folders"] += folders.ensure_path(params["parent"], True)[1]

    # -- result ---------------------------------------------------------------------------------------------
    if folder_id is not None and not module.check_mode:
        path = client.folder_path(folder_id)
        name = client.folders()[folder_id].get("name")
        parent_id = client.folders()[folder_id].get("folder_parent_id")
        version = client.folders()[folder_id].get("metadata_version")
        perms = public_permissions(principals, folders.permissions(folder_id)) if changed else \
            public_permissions(principals, current_perms)
    else:
        parts = split_path(params["path"]) if params["path"] else split_path(before["path"])
        if new_name:
            parts[-1] = new_name
        if params["parent"] is not None:
            parent_parts = split_path(params["parent"]) if not is_uuid(params["parent"]) else \
                split_path(client.folder_path(params["parent"]))
            parts = parent_parts + parts[-1:]
        path = "/".join(parts)
        name = parts[-1]
        parent_id = None if folder_id is None else client.folders()[folder_id].get("folder_parent_id")
        version = folders.folder_version() if folder_id is None else client.folders()[folder_id].get("metadata_version")
        perms = public_permissions(principals, after_perms)
    result.update(changed=changed, id=folder_id, name=name, path=path, parent_id=parent_id, permissions=perms,
                  metadata_version=version)
    if module._diff and changed:
        result["diff"] = {"before": before or {}, "after": {"path": path, "name": name, "permissions": perms}}
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, lambda: work(module))


if __name__ == "__main__":
    main()
