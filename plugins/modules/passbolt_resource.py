#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: passbolt_resource
author: pwman.secrets contributors (@pwman)
short_description: Create, update, rotate, share and delete Passbolt resources
version_added: 0.1.0
description:
  - Manages one Passbolt resource (a password, with its user name, URIs, description, TOTP and custom fields),
    its folder and its permissions.
  - The resource is found by O(id), or by O(name). When several resources have that name, O(username), O(uri)
    and O(folder) narrow the choice; several resources left is an error listing their UUIDs and folders. When
    exactly one resource has the name, it is the one managed (O(folder) then moves it, O(username) and O(uri)
    update it). When none matches, O(state=present) creates it.
  - New resources are v4 (cleartext metadata) or v5 (metadata encrypted with the organisation's shared metadata
    key, or the user's own key with O(metadata_key_type=user_key)), following the server's
    C(/metadata/types/settings.json) - its default when allowed, else the version it allows. Existing resources
    keep their version.
  - What a resource holds, how its secret and metadata are written and which values are valid come from its type's
    definition on the server (C(GET /resource-types.json)), that is each type's secret and metadata JSON
    schemas. Every type the server defines can be written (password, description, note, TOTP, custom fields, PIN code, and a type a newer
    server adds with the same schema rules), and every value is checked against the schema before anything is sent.
  - The type is chosen as Passbolt's browser extension chooses it, unless O(resource_type) is given. Among the
    server's types of the resource's version, the one that holds the fields given (the first with nothing left
    unset, else the one leaving the fewest unset). An existing resource keeps its type until a field it has no place
    for is set; it then changes to the type that holds its fields. A change to the type in O(resource_type) is made
    when that type holds everything the resource holds, and a v4 resource becomes v5 when the server's metadata
    settings allow the upgrade; a change that would drop data, or turn v5 back into v4, is refused before anything
    is sent.
  - When the password changes (or a resource is created), its expiry date (C(expired)) is set as Passbolt's clients
    set it under the server's password expiry settings (C(GET /password-expiry/settings.json)), see O(expiry).
  - A new secret is encrypted for every user who has access, as the server requires. Sharing encrypts the secret
    for exactly the users who gain access (C(share/simulate)); a v5 resource with personal metadata is moved to the
    shared metadata key before it is shared.
  - All input (users, groups, folders, password options, TOTP) is checked before the first write; a no-op sends no
    write request at all.
options:
  state:
    description: V(present) creates or updates the resource, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  id:
    description:
      - UUID of an existing resource. With O(name) too, the resource must have that name (use O(new_name) to rename).
    type: str
  name:
    description: Name of the resource; finds it, and is required to create it.
    type: str
  new_name:
    description: Rename the resource found by O(id) or O(name).
    type: str
  username:
    description: User name stored with the resource; narrows the search when several resources have O(name).
    type: str
  uri:
    description:
      - The resource's URI (for v5 resources, the first of O(uris), the others are kept). Narrows the search when
        several resources have O(name).
    type: str
  uris:
    description:
      - All URIs (v5 resources). A v4 resource holds one URI only. Mutually exclusive with O(uri).
    type: list
    elements: str
  description:
    description:
      - The description. For the types whose metadata has no description (v4 C(password-and-description) and
        C(password-description-totp)) and for the standalone note (C(v5-note), a type whose secret holds the
        description only) it is stored encrypted in the secret, otherwise in the metadata (encrypted for v5
        resources, cleartext for v4).
    type: str
  note:
    description:
      - The encrypted note (the secret's C(description)) of the types that have one, for example C(v5-default)
        (whose O(description) is the metadata's) or C(v5-pin-code). For the types where O(description) is already
        the encrypted one, both options set the same field.
    type: str
  pin_code:
    description:
      - The PIN code of a C(v5-pin-code) resource (or of any type whose secret has a C(pin_code)); its schema
        wants 4 to 12 digits. Setting it on a resource whose type has no PIN code is refused.
    type: str
  totp:
    description: A TOTP to store with the resource (the type becomes one with TOTP).
    type: dict
    suboptions:
      secret_key:
        description: The base32 TOTP secret.
        type: str
        required: true
      digits:
        description: Digits of a code.
        type: int
        default: 6
      algorithm:
        description: HMAC algorithm.
        type: str
        choices: [SHA1, SHA256, SHA512]
        default: SHA1
      period:
        description: Seconds a code is valid.
        type: int
        default: 30
  custom_fields:
    description:
      - Custom fields to set (v5 resources), name to value. Names are stored in the metadata, values encrypted in
        the secret. Fields not listed are kept.
    type: dict
  resource_type:
    description:
      - The resource type by slug, any type the server's C(GET /resource-types.json) lists (for example
        C(v5-default), C(v5-pin-code), C(password-and-description)). By default it is chosen from the fields and
        the server's v4/v5 setting.
      - For an existing resource, the type to change it to; see the description above for what is allowed.
    type: str
  expiry:
    description:
      - The resource's expiry date (C(expired); Passbolt lists a resource whose date has passed as expired).
      - V(auto) does what Passbolt's clients do when the password changes or a resource is created, following the
        server's password expiry settings. With automatic update on, the date becomes now plus the default expiry
        period (a Pro server's policy), or is cleared when there is none (a CE server); with the settings off, or
        without the password expiry plugin, it is left alone. Other changes never touch it.
      - V(keep) never changes it. V(never) clears it (the password does not expire). V(now) marks the password
        expired now (a resource already expired keeps its date). An ISO 8601 date or date and time (V(2026-09-30),
        V(2026-09-30T12:00:00Z); no zone is UTC) sets that date.
    type: str
    default: auto
  metadata_key_type:
    description:
      - For a new v5 resource, encrypt its metadata with the organisation's shared metadata key (V(shared_key)) or
        with the user's own key (V(user_key), if the server allows personal keys; such a resource is re-encrypted
        with the shared key when it gets shared).
    type: str
    choices: [shared_key, user_key]
    default: shared_key
  folder:
    description:
      - Folder path like V(Infra/Databases), resolved level by level from the root (folder names are not unique),
        or a folder UUID. V(/) is the root. The resource is created in, or moved to, this folder.
    type: str
  create_folders:
    description: Create the missing folders of O(folder) instead of failing.
    type: bool
    default: false
  permissions:
    description:
      - Who has access. Each entry has O(permissions[].user) (e-mail or UUID) or O(permissions[].group) (name or
        UUID), and O(permissions[].access).
      - Listed users and groups get exactly that access; others keep theirs unless O(exclusive_permissions=true).
      - A change that would leave the resource without an owner is refused before anything is sent.
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
    description: Remove every permission not listed in O(permissions) (including yours, if you are not listed).
    type: bool
    default: false
  password:
    description:
      - The password to store.
      - Cannot be combined with O(generate_password=true) or O(rotate=true); V(false) for either is accepted
        (for a O(rotate) set from a template), as in every module of the collection.
    type: str
  generate_password:
    description: Generate a random password (with Python's C(secrets)) when the resource is created.
    type: bool
    default: false
  password_length:
    description: Length of a generated password.
    type: int
    default: 24
  password_chars:
    description:
      - Character classes of a generated password (V(ascii_lowercase), V(ascii_uppercase), V(ascii_letters),
        V(digits), V(punctuation)) or literal sets of characters; at least one of each is used.
    type: list
    elements: str
    default: [ascii_lowercase, ascii_uppercase, digits, punctuation]
  update_password:
    description: V(always) sets O(password) when it differs from the stored one; V(on_create) only when creating.
    type: str
    choices: [always, on_create]
    default: always
  rotate:
    description:
      - Generate a new password now for the existing resource, whatever the current one (never a no-op).
      - A missing resource is an error (nothing is written), unless O(generate_password=true) is given too; it then
        creates the resource with a generated password. The same rule holds for every module of the collection.
    type: bool
    default: false
  return_password:
    description: Return the stored password in RV(password).
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
  - The diff shows the changed fields; passwords, TOTP secrets, PIN codes, custom field values, notes and encrypted
    descriptions (of the types that keep the description in the secret) are shown as C(********).
  - Module group C(pwman.secrets.passbolt) lets you set connection options once with C(module_defaults).
  - The diff shows the expiry date (C(expired)) before and after.
  - A resource is never created with, or changed to, a type that the server's C(/resource-types.json) does not list
    (for example C(totp) when the server's TOTP resource types plugin is off), since Passbolt's browser extension would not
    show it. The task fails before anything is sent.
  - Secrets and v5 metadata are written as Passbolt's browser extension writes them (UTF-8 literal data, text
    signatures).
"""

EXAMPLES = r"""
- name: A database password, generated once, in a folder created if needed (credentials from PASSBOLT_*)
  pwman.secrets.passbolt_resource:
    name: db-orders
    username: orders
    uri: postgres://db1.example.com:5432/orders
    description: Orders database owner
    folder: Infra/Databases
    create_folders: true
    generate_password: true
    update_password: on_create

- name: Share it with a user and a group
  pwman.secrets.passbolt_resource:
    name: db-orders
    folder: Infra/Databases
    permissions:
      - user: betty@passbolt.dev
        access: update
      - group: Ops
        access: read
  register: orders

- name: Exactly these permissions (others are removed), the resource given by its id
  pwman.secrets.passbolt_resource:
    id: "{{ orders.id }}"
    permissions:
      - user: ada@passbolt.dev
        access: owner
      - group: Auditors
    exclusive_permissions: true

- name: Rotate the password and get it back
  pwman.secrets.passbolt_resource:
    name: db-orders
    folder: Infra/Databases
    rotate: true
    password_length: 32
    return_password: true
  register: rotated
  no_log: true

- name: A v5 resource with TOTP and custom fields
  pwman.secrets.passbolt_resource:
    name: vpn-gateway
    uris: [https://vpn.example.com, https://vpn2.example.com]
    password: "{{ vault_vpn_password }}"
    totp:
      secret_key: "{{ vault_vpn_totp }}"
    custom_fields:
      pin: "{{ vault_vpn_pin }}"
  vars:  # from your vault
    vault_vpn_password: "{{ lookup('ansible.builtin.password', '/dev/null', length=20) }}"
    vault_vpn_totp: JBSWY3DPEHPK3PXP
    vault_vpn_pin: "4711"
  no_log: true

- name: A door code (the v5-pin-code type), with an encrypted note
  pwman.secrets.passbolt_resource:
    name: server-room-door
    resource_type: v5-pin-code
    pin_code: "{{ vault_door_pin }}"
    note: Badge reader on the left
  vars:  # from your vault
    vault_door_pin: "4711"
  no_log: true

- name: Mark a password expired now (rotate it later with the pwman.secrets.rotate role)
  pwman.secrets.passbolt_resource:
    name: db-orders
    folder: Infra/Databases
    expiry: now

- name: Delete
  pwman.secrets.passbolt_resource:
    name: db-orders
    folder: Infra/Databases
    state: absent
"""

RETURN = r"""
id:
  description: UUID of the resource (null when created in check mode, or when absent).
  returned: always
  type: str
  sample: 4e6a1c1e-5a0b-4c55-8f3e-2d5d2b7f1d0a
name:
  description: Name of the resource.
  returned: when the resource exists (or would be created)
  type: str
  sample: db-orders
username:
  description: User name of the resource.
  returned: when the resource exists (or would be created)
  type: str
uris:
  description: URIs of the resource.
  returned: when the resource exists (or would be created)
  type: list
  elements: str
folder:
  description: Folder path of the resource ("" for the root).
  returned: when the resource exists (or would be created)
  type: str
  sample: Infra/Databases
folder_id:
  description: UUID of the folder (null for the root, or when the folder is created in check mode).
  returned: when the resource exists (or would be created)
  type: str
resource_type:
  description: Slug of the resource type.
  returned: when the resource exists (or would be created)
  type: str
  sample: v5-default
metadata_version:
  description: V(v4) (cleartext metadata) or V(v5) (encrypted metadata).
  returned: when the resource exists (or would be created)
  type: str
metadata_key_type:
  description: V(shared_key) or V(user_key) for v5 resources, null for v4.
  returned: when the resource exists (or would be created)
  type: str
permissions:
  description: Who has access, as C({user|group, access}) entries (users first).
  returned: when the resource exists (or would be created)
  type: list
  elements: dict
  sample: [{"user": "ada@passbolt.dev", "access": "owner"}, {"group": "Ops", "access": "read"}]
created_folders:
  description: Folder paths created (or that would be created in check mode) for O(folder).
  returned: always
  type: list
  elements: str
password_changed:
  description: The stored password was (or would be) changed.
  returned: always
  type: bool
expired:
  description:
    - The resource's expiry date after the task, as the server gives it (V(2026-09-30T12:00:00+00:00)), or null when
      it has none. A date in the past means Passbolt lists the password as expired.
  returned: when O(state=present)
  type: str
is_expired:
  description: RV(expired) has passed (Passbolt lists the password as expired).
  returned: when O(state=present)
  type: bool
expiry_changed:
  description: The expiry date was (or would be) changed, see RV(expiry_reason).
  returned: when O(state=present)
  type: bool
expiry_reason:
  description: Why the expiry date changed.
  returned: when RV(expiry_changed) is true
  type: str
  sample: a new password gets no expiry date under the server's password expiry settings
password:
  description: The stored password (after the change).
  returned: when O(return_password=true) and the resource has a password (not for a password generated in check mode)
  type: str
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pwman.secrets.plugins.module_utils._errors import Ambiguous, ConfigError, NotFound
from ansible_collections.pwman.secrets.plugins.module_utils._module import run_module
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import (
    PassboltClient, is_uuid, passbolt_argument_spec, signature_notes)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_expiry import is_expired, parse_expiry_option
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_resource_plan import (
    current_metadata,
    current_secret,
    existing_type,
    make_plan,
    masked_view,
)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_write import (
    MASK,
    FolderWriter,
    Principals,
    ResourceWriter,
    checked_totp,
    permissions_argument_spec,
    plan_permissions,
    public_permissions,
    split_path,
)
from ansible_collections.pwman.secrets.plugins.module_utils._password import (
    check_password_options,
    password_argument_spec,
)

# The server's own types whose description is encrypted in the secret: a description given with one of them is
# masked before the server is asked (after it, the type's definition decides).
SECRET_DESCRIPTION_TYPES = ("password-and-description", "password-description-totp", "v5-note")
CONTAIN = ("secret", "resource-type", "permission", "permissions", "permissions.user.profile", "permissions.group")


def argument_spec():
    spec = passbolt_argument_spec()
    spec.update(password_argument_spec())
    for name in ("generate_password", "password_length", "password_chars", "update_password", "return_password"):
        spec[name]["no_log"] = False  # not secrets: silences Ansible's "no_log not set" warning
    spec.update(permissions_argument_spec())
    spec.update(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        id=dict(type="str"),
        name=dict(type="str"),
        new_name=dict(type="str"),
        username=dict(type="str"),
        uri=dict(type="str"),
        uris=dict(type="list", elements="str"),
        description=dict(type="str"),
        note=dict(type="str", no_log=True),
        totp=dict(type="dict", options=dict(
            secret_key=dict(type="str", required=True, no_log=True),
            digits=dict(type="int", default=6),
            algorithm=dict(type="str", choices=["SHA1", "SHA256", "SHA512"], default="SHA1"),
            period=dict(type="int", default=30),
        )),
        custom_fields=dict(type="dict", no_log=True),
        pin_code=dict(type="str", no_log=True),
        resource_type=dict(type="str"),
        metadata_key_type=dict(type="str", choices=["shared_key", "user_key"], default="shared_key"),
        folder=dict(type="str"),
        create_folders=dict(type="bool", default=False),
        expiry=dict(type="str", default="auto"),
    )
    return spec


def check_static(params):
    """Everything that can be checked without the server."""
    check_password_options(params)
    if not params["id"] and not params["name"]:
        raise ConfigError("Give the resource's id or name.")
    if params["id"] and not is_uuid(params["id"]):
        raise ConfigError("Option 'id' must be a resource UUID, got %r." % str(params["id"])[:60])
    if params["uri"] is not None and params["uris"] is not None:
        raise ConfigError("Options 'uri' and 'uris' are mutually exclusive.")
    if params["exclusive_permissions"] and params["permissions"] is None:
        raise ConfigError("Option 'exclusive_permissions' needs 'permissions'.")
    for key in ("name", "new_name"):
        if params[key] is not None and not str(params[key]).strip():
            raise ConfigError("Option '%s' must not be empty." % key)
    parse_expiry_option(params["expiry"])
    return checked_totp(params["totp"])


def describe_matches(client, views):
    return "; ".join("%s in %s" % (v.id, "/" + client.folder_path(v.folder_parent_id))
                     for v in sorted(views, key=lambda m: m.id))


def find_resource(client, folders, params):
    """The ResourceView to manage, or None."""
    if params["id"]:
        raws = client.list_resources(filters={"has-id": [params["id"]]}, contain=CONTAIN)
        views = [v for v in client.describe_resources(raws) if v.id == params["id"]]
        if not views:
            if params["state"] == "absent":
                return None
            raise NotFound("Passbolt resource %s not found (or not visible to this user); to create a resource give "
                           "its name instead of id." % params["id"])
        view = views[0]
        if params["name"] is not None and view.name != params["name"]:
            raise ConfigError("Options 'id' and 'name' conflict: resource %s is named %r, not %r (to rename it use "
                              "new_name)." % (view.id, view.name, params["name"]))
        return view
    views = [v for v in client.describe_resources(client.list_resources(contain=CONTAIN))
             if v.name == params["name"]]
    if len(views) <= 1:
        return views[0] if views else None
    narrowed = views
    if params["username"] is not None:
        narrowed = [v for v in narrowed if (v.username or "") == params["username"]]
    if params["uri"] is not None:
        narrowed = [v for v in narrowed if params["uri"] in v.uris]
    if params["uris"] is not None:
        narrowed = [v for v in narrowed if list(v.uris) == list(params["uris"])]
    if params["folder"] is not None:
        try:
            folder_id = folders.find(params["folder"])
        except NotFound:
            return None  # the folder does not exist yet: a new resource there
        narrowed = [v for v in narrowed if v.folder_parent_id == folder_id]
    if len(narrowed) > 1:
        raise Ambiguous("%d Passbolt resources are named %r: %s. Add username, uri or folder, or use the id."
                        % (len(narrowed), params["name"], describe_matches(client, narrowed)))
    return narrowed[0] if narrowed else None


def hide_values(module, client, *values):
    """Values of encrypted fields given as options (the description of the types that encrypt it) are secrets:
    masked in every result and message, the task's own arguments included."""
    for value in values:
        if value:
            module.no_log_values.add(value)
            client.redactor.add(value)


def work(module):
    params = module.params
    if params["resource_type"] in SECRET_DESCRIPTION_TYPES and params["description"]:
        module.no_log_values.add(params["description"])
    wanted_totp = check_static(params)
    client = PassboltClient(OptionAdapter.from_module(module))
    try:
        result = run(module, client, params, wanted_totp)
        result.update(signature_notes(module, client))
        return result
    finally:
        client.close()


def run(module, client, params, wanted_totp):
    client.login()
    writer = ResourceWriter(client, module.check_mode)
    folders = FolderWriter(client, module.check_mode)
    principals = Principals(client)
    view = find_resource(client, folders, params)
    if view is not None and params["state"] != "absent":
        client.check_view(view)  # its metadata signature (issue 14); deleting it stays possible
    result = {"changed": False, "id": view.id if view else None, "created_folders": [], "password_changed": False}

    if params["state"] == "absent":
        if view is None:
            return result
        result["changed"] = True
        if module._diff:
            client.decrypt_secrets([view])
            result["diff"] = {"before": current_state(client, principals, view), "after": {}}
        if not module.check_mode:
            writer.delete(view.id)
        result["id"] = view.id
        return result

    if view is not None:
        client.decrypt_secrets([view])
    plan = make_plan(client, writer, folders, principals, params, view, wanted_totp)
    if plan.type.description_in_secret():
        hide_values(module, client, params["description"], plan.secret.get("description"))

    # -- writes (everything above only read) ----------------------------------------------------------
    folder_id = view.folder_parent_id if view is not None else None
    if plan.folder_given:
        folder_id = plan.folder_target
    if plan.folder_missing:
        folder_id, created = folders.ensure_path(params["folder"], True)
        result["created_folders"] = created
    changed = bool(plan.create or plan.meta_changed or plan.secret_changed or plan.needs_move
                   or plan.share_rows or plan.folder_missing)
    resource_id = view.id if view is not None else None
    expired = plan.expiry_value if plan.expiry_send else plan.expired_before
    if not module.check_mode:
        if plan.create:
            created = writer.create(plan.type, plan.metadata, plan.secret_plain, folder_id, plan.key_type,
                                    plan.expiry_value, plan.expiry_send)
            resource_id = created["id"]
            expired = created.get("expired")
            if folder_id:
                inherit_folder_permissions(client, writer, folders, plan, resource_id, folder_id, params)
        else:
            if plan.meta_changed or plan.secret_changed:
                answer = writer.update(resource_id, plan.type, plan.metadata,
                                       plan.secret_plain if plan.secret_changed else None, plan.key_type,
                                       plan.expiry_value, plan.expiry_send)
                expired = answer.get("expired") if isinstance(answer, dict) else expired
            if plan.needs_move:
                writer.move(resource_id, folder_id)
        if plan.share_rows:
            rows = plan.share_rows
            if plan.create:
                # re-plan against the real permissions of the new resource (ids, inherited folder permissions)
                current = resource_permissions(client, resource_id)
                rows, dummy = plan_permissions("Resource", resource_id, current, plan.wanted_permissions,
                                               params["exclusive_permissions"], "resource %s" % params["name"])
            if rows:
                writer.share(resource_id, rows, plan.secret_plain)

    result.update(changed=changed, id=resource_id, password_changed=plan.password_changed, expired=expired,
                  is_expired=is_expired(expired), expiry_changed=plan.expiry_changed)
    if plan.expiry_changed:
        result["expiry_reason"] = plan.expiry_reason
    after_permissions = public_permissions(principals, plan.permissions_after)
    folder_path = "/".join(split_path(params["folder"])) if plan.folder_missing else client.folder_path(folder_id)
    if params["folder"] is not None and is_uuid(params["folder"]):
        folder_path = client.folder_path(folder_id)
    uris = plan.metadata.get("uris") if plan.type.version == "v5" else \
        ([plan.metadata["uri"]] if plan.metadata.get("uri") else [])
    result.update(name=plan.metadata.get("name"), username=plan.metadata.get("username") or "",
                  uris=list(uris or []), folder=folder_path,
                  folder_id=None if module.check_mode and plan.folder_missing else folder_id,
                  resource_type=plan.slug, metadata_version=plan.type.version,
                  metadata_key_type=plan.key_type, permissions=after_permissions)
    if changed and not module.check_mode and resource_id:
        result["permissions"] = public_permissions(principals, resource_permissions(client, resource_id))
    generated_not_stored = module.check_mode and plan.password_changed and params["password"] is None
    if params["return_password"] and plan.secret.get("password") is not None and not generated_not_stored:
        result["password"] = plan.secret["password"]
    if module._diff and changed:
        before = current_state(client, principals, view) if view is not None else {}
        after = masked_view(plan.type, plan.metadata, plan.secret, folder_path, after_permissions, plan.key_type,
                            expired, plan.custom_field_names)
        if view is not None:
            old = current_secret(view, existing_type(client, view))
            for name in ("password", "description", "totp", "pin_code"):
                label = "description" if name == "description" and plan.type.description_in_secret() else \
                    "note" if name == "description" else name
                if label in after and after[label] == MASK and before.get(label) == MASK and \
                        plan.secret.get(name) != old.get(name):
                    after[label] = MASK + " (changed)"
        result["diff"] = {"before": before, "after": after}
    return result


def inherit_folder_permissions(client, writer, folders, plan, resource_id, folder_id, params):
    """A new resource in a shared folder gets the folder's permissions, as the Passbolt web extension does.

    Some servers add them on creation without the other users' secrets: then the secret is sent again for
    everyone with access. Permissions given in the task win over the folder's.
    """
    current = resource_permissions(client, resource_id)
    if any(not (p.get("aro") == "User" and p.get("aro_foreign_key") == client.user_id) for p in current):
        writer.update(resource_id, plan.type, plan.metadata, plan.secret_plain, plan.key_type)
    explicit = {(w["aro"], w["aro_foreign_key"]) for w in plan.wanted_permissions}
    inherited = [{"aro": p.get("aro"), "aro_foreign_key": p.get("aro_foreign_key"), "type": p.get("type")}
                 for p in folders.permissions(folder_id)
                 if (p.get("aro"), p.get("aro_foreign_key")) not in explicit
                 and not (p.get("aro") == "User" and p.get("aro_foreign_key") == client.user_id)]
    if inherited and not params["exclusive_permissions"]:
        plan.wanted_permissions = inherited + list(plan.wanted_permissions)
        plan.share_rows = plan.share_rows or [True]  # re-planned against the real permissions below


def resource_permissions(client, resource_id):
    raws = client.list_resources(filters={"has-id": [resource_id]},
                                 contain=("permissions", "permissions.user.profile", "permissions.group"))
    found = next((r for r in raws if r.get("id") == resource_id), None)
    return [p for p in (found or {}).get("permissions") or [] if isinstance(p, dict)]


def current_state(client, principals, view):
    """The diff's "before": what the resource holds now, secrets masked."""
    rtype = client.resource_type(view.resource_type_id)
    perms = [p for p in view.raw.get("permissions") or [] if isinstance(p, dict)]
    return masked_view(rtype, current_metadata(view), current_secret(view, rtype),
                       client.folder_path(view.folder_parent_id), public_permissions(principals, perms),
                       view.metadata_key_type, view.expired, list(view.custom_fields()))


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
    )
    run_module(module, lambda: work(module))


if __name__ == "__main__":
    main()
