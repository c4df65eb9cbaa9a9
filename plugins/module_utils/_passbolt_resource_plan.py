# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What passbolt_resource will do to one resource, decided before any write: its type, secret, metadata, expiry,
folder and permissions.

The type and what it holds come from the server's resource type definitions (_passbolt_types): the secret and the
metadata are composed from the type's JSON schemas and checked against them; a type changes as Passbolt's browser
extension changes it (to the type of the same version that holds the fields, ResourceFormEntity::addSecret), or to
the type the task names if it has a place for everything the resource holds; anything else is refused. The password
expiry follows _passbolt_expiry.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_expiry import (
    ExpirySettings,
    parse_expiry_option,
    plan_expiry,
    same_date,
)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_types import KNOWN_TYPES
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_write import (
    ACCESS_TYPES,
    MASK,
    merge_custom_fields,
    plan_permissions,
    same_totp,
)
from ansible_collections.pwman.secrets.plugins.module_utils._password import (
    GENERATE,
    SET,
    generate_password,
    plan_password,
)

# Which option sets each secret field (for messages).
OPTION_OF = {"password": "password or generate_password", "description": "note", "totp": "totp",
             "custom_fields": "custom_fields", "pin_code": "pin_code"}
V4_COLUMNS = ("name", "username", "uri", "description")


class Plan:
    """What the module will do; built before any write."""

    def __init__(self):
        self.create = False
        self.meta_changed = False
        self.secret_changed = False
        self.password_changed = False
        self.folder_given = False
        self.folder_target = None  # folder id (None: the root) when the folder exists
        self.needs_move = False
        self.folder_missing = []   # folder names to create
        self.wanted_permissions = []
        self.custom_field_names = []
        self.share_rows = []
        self.type = None          # the ResourceType written
        self.key_type = None
        self.metadata = {}        # v5: the metadata document; v4: the columns
        self.secret = {}          # the secret's fields (constants left out)
        self.secret_plain = ""    # the secret as it is encrypted
        self.permissions_after = None
        self.expiry_send = False
        self.expiry_value = None
        self.expiry_reason = ""
        self.expired_before = None

    @property
    def slug(self):
        return self.type.slug

    @property
    def expiry_changed(self):
        return self.expiry_send and (self.create and self.expiry_value is not None
                                     or not self.create and not same_date(self.expiry_value, self.expired_before))


# -- what a resource holds now --------------------------------------------------------------------------------
def current_secret(view, rtype):
    """The decrypted secret's fields, without the type's constants (object_type)."""
    secret = dict(view.secret or {}) if view is not None else {}
    return {k: v for k, v in secret.items() if k not in rtype.constants} if rtype is not None else secret


def current_metadata(view):
    """v5: the decrypted metadata document; v4: the cleartext columns."""
    if view is None:
        return {}
    if view.version == "v5":
        return dict(view.metadata or {})
    return {"name": view.name, "username": view.username, "uri": view.uri or None, "description": view.description}


def description_of(rtype, secret, metadata):
    """The value of the module's `description` for a resource of `rtype`."""
    if rtype is not None and rtype.description_in_secret():
        return secret.get("description") or ""
    return metadata.get("description") or ""


def existing_type(client, view):
    """The type of an existing resource (its definition), refusing the ones the server would not let change."""
    rtype = client.resource_type(view.resource_type_id)
    if rtype is None:
        raise ConfigError("Passbolt resource %s is of a resource type the server does not define (id %s): "
                          "passbolt_resource cannot change it; only state=absent works on it."
                          % (view.id, view.resource_type_id))
    if rtype.deleted:
        raise ConfigError("Passbolt resource %s is of resource type %s, which is deleted on the server: the server "
                          "refuses changes to it (resource_type_is_not_soft_deleted); only state=absent works on it."
                          % (view.id, rtype.slug))
    return rtype


# -- the plan ---------------------------------------------------------------------------------------------------
def make_plan(client, writer, folders, principals, params, view, wanted_totp):  # noqa: C901
    plan = Plan()
    exists = view is not None
    plan.create = not exists
    types = client.resource_types()
    old_type = existing_type(client, view) if exists else None
    old_secret = current_secret(view, old_type)
    old_meta = current_metadata(view)

    # -- version, and the type asked for
    asked = None
    if params["resource_type"]:
        asked = types.get(params["resource_type"])
        if asked is None and old_type is not None and old_type.slug == params["resource_type"]:
            asked = old_type  # a type the index leaves out (its plugin off): the resource keeps it
        if asked is None and params["resource_type"] in KNOWN_TYPES:
            writer.check_offered_type(params["resource_type"], view)  # a type of the server's that it does not list
        if asked is None:
            raise ConfigError("Option 'resource_type': the Passbolt server defines no resource type %r (GET "
                              "/resource-types.json lists %s)." % (params["resource_type"], ", ".join(types.slugs())))
    if exists:
        version = view.version
        if asked is not None and asked.version != version:
            if version == "v5":
                raise ConfigError("Resource %s is v5 (encrypted metadata); it cannot become %s: Passbolt's clients "
                                  "never turn a v5 resource back into v4." % (view.id, asked.slug))
            if not writer.type_settings().get("allow_v4_v5_upgrade"):
                raise ConfigError("Resource %s is v4; it cannot become %s: the server's metadata settings do not allow "
                                  "upgrading v4 resources to v5 (allow_v4_v5_upgrade)." % (view.id, asked.slug))
            version = "v5"
    else:
        if not params["name"]:
            raise ConfigError("Option 'name' is required to create a resource.")
        version = writer.creation_version(asked.slug if asked else None)

    # -- folder (checked now, created later)
    if params["folder"] is not None:
        folder_target, missing = folders.plan_path(params["folder"])
        if missing and not params["create_folders"]:
            folders.ensure_path(params["folder"], False)  # raises the NotFound with the right message
        plan.folder_missing = missing
        plan.folder_target = folder_target if not missing else None
        plan.folder_given = True
        plan.needs_move = exists and (bool(missing) or folder_target != view.folder_parent_id)

    # -- the secret fields this task sets
    secret = dict(old_secret)
    given = set()
    absent = "no Passbolt resource named %r%s" % (
        params["name"], " in folder %r" % params["folder"] if params.get("folder") else "")
    action, value = plan_password(params, exists, old_secret.get("password") if exists else None, missing=absent)
    if action == GENERATE:
        value = generate_password(params["password_length"], params["password_chars"])
    if action in (SET, GENERATE):
        secret["password"] = value
        given.add("password")
        plan.password_changed = True
    if wanted_totp is not None and not same_totp(old_secret.get("totp"), wanted_totp):
        secret["totp"] = wanted_totp
        given.add("totp")
    if params["pin_code"] is not None and str(params["pin_code"]) != old_secret.get("pin_code"):
        secret["pin_code"] = str(params["pin_code"])
        given.add("pin_code")
    if params["note"] is not None and params["note"] != (old_secret.get("description") or ""):
        secret["description"] = params["note"]
        given.add("description")
    meta_fields = [f for f in old_meta.get("custom_fields") or [] if isinstance(f, dict)] \
        if version == "v5" and isinstance(old_meta.get("custom_fields"), list) else []
    if params["custom_fields"]:
        if version == "v4":
            raise ConfigError("custom_fields need a v5 resource; %s." % (
                "resource %s is v4" % view.id if exists else "the server creates v4 resources"))
        current_cf = view.custom_fields() if exists else {}
        if any(str(v) != str(current_cf.get(k)) for k, v in params["custom_fields"].items()):
            meta_fields, secret_cf = merge_custom_fields(meta_fields, old_secret.get("custom_fields"),
                                                         params["custom_fields"])
            secret["custom_fields"] = secret_cf
            given.add("custom_fields")
    plan.custom_field_names = [f.get("metadata_key") for f in meta_fields if f.get("metadata_key")]

    # -- the type: asked for, kept, or the one of the version that holds the fields (the extension's addSecret)
    holding = {k for k, v in secret.items() if v is not None}
    if asked is not None:
        target = asked
    elif exists and given <= set(old_type.secret_properties) and version == old_type.version:
        target = old_type
    else:
        target = types.best_match(version, holding or {"password"})
        if target is None:
            raise ConfigError("No resource type of the Passbolt server holds %s in a %s resource (GET "
                              "/resource-types.json lists %s)." % (" and ".join(sorted(holding)), version,
                                                                   ", ".join(types.slugs())))
    writer.check_offered_type(target.slug, view)
    if not exists and target.slug == "v5-password-string":
        raise ConfigError("The Passbolt server refuses to create v5-password-string resources "
                          "(isNotV5PasswordStringType); choose another resource_type.")
    plan.type = target
    changed_type = exists and target.id != old_type.id

    # -- the description: the note in the secret, or the metadata's description; moved with the type
    meta = dict(old_meta) if exists and version == view.version else _upgraded_metadata(old_meta) if exists else {}
    moved = set()
    if params["description"] is not None:
        if target.description_in_secret():
            if "description" in given and secret["description"] != params["description"]:
                raise ConfigError("Options 'description' and 'note' both set the encrypted note of a %s resource; "
                                  "give one." % target.slug)
            if params["description"] != (old_secret.get("description") or ""):
                secret["description"] = params["description"]
                given.add("description")
        elif "description" in target.metadata_properties:
            meta["description"] = params["description"]
        else:
            raise ConfigError("Resource type %s has no description." % target.slug)
    if "description" in given and not target.holds("description", "secret"):
        raise ConfigError("Resource type %s has no encrypted note (option note)." % target.slug)
    if changed_type:
        _move_description(target, secret, meta, moved)
        _refuse_losses(view, old_type, target, secret, meta)

    # -- the metadata
    new_name = params["new_name"] or params["name"] or (old_meta.get("name") if exists else None)
    values = {"name": new_name}
    for option in ("username",):
        if params[option] is not None:
            values[option] = params[option]
    if params["uris"] is not None or params["uri"] is not None:
        uris = _uris(params, meta, view)
        values["uris" if target.version == "v5" else "uri"] = uris if target.version == "v5" else (uris[:1] or [None])[0]
        if target.version == "v4" and len(uris) > 1:
            raise ConfigError("A v4 resource holds one URI; got %d." % len(uris))
    if "description" in meta and (params["description"] is not None or "description" in moved):
        values["description"] = meta["description"]
    if target.version == "v5" and "custom_fields" in given:
        values["custom_fields"] = meta_fields
    for option in ("username", "uris", "uri"):
        if option in values and not target.holds(option, "metadata"):
            raise ConfigError("Resource type %s has no %s." % (target.slug, option))
    if not exists:
        for name, default in (("username", ""), ("uris", []), ("description", ""), ("custom_fields", [])):
            if target.version == "v5" and target.holds(name, "metadata"):
                values.setdefault(name, default)
        if target.version == "v4":
            values.setdefault("username", None)
            values.setdefault("description", None)
    plan.metadata = _metadata_after(target, meta, values, changed_type)
    target.check_metadata(plan.metadata, set(values) if exists else set(plan.metadata))

    # -- the secret document, checked against the type's schema
    for name in target.secret_required():
        if name not in secret and name not in target.constants:
            if name == "description" or (name == "password" and exists and target.version == "v4"):
                # an empty note (v5-note); a v4 resource gaining a password field gets an empty one, as the
                # extension's ResourceFormEntity::addRequiredSecret gives it
                secret[name] = ""
                continue
            if not exists and name == "password":
                raise ConfigError("Give password or generate_password=true to create resource %r (type %s)."
                                  % (params["name"], target.slug))
            raise ConfigError("Resource type %s needs %s: give option %s."
                              % (target.slug, name, OPTION_OF.get(name, name)))
    plan.secret = {k: v for k, v in secret.items() if target.holds(k, "secret")}
    document = target.secret_document(plan.secret)
    if isinstance(document, dict) and not changed_type:  # fields others wrote that the schema does not name: kept
        document.update({k: v for k, v in secret.items() if k not in document and v is not None})
    target.check_secret(document, (given | moved) if exists else set(plan.secret))
    plan.secret_plain = document if isinstance(document, str) else json.dumps(document)

    # -- permissions (resolved now: unknown users/groups fail before any write)
    current_perms = [p for p in (view.raw.get("permissions") or []) if isinstance(p, dict)] if exists else \
        [{"id": None, "aro": "User", "aro_foreign_key": client.user_id, "type": ACCESS_TYPES["owner"]}]
    plan.permissions_after = current_perms
    if params["permissions"] is not None:
        plan.wanted_permissions = principals.resolve(params["permissions"])
        rows, after = plan_permissions("Resource", view.id if exists else None, current_perms,
                                       plan.wanted_permissions, params["exclusive_permissions"],
                                       "resource %r" % (new_name,))
        plan.share_rows = rows
        plan.permissions_after = after
    shared = any(not (p.get("aro") == "User" and p.get("aro_foreign_key") == client.user_id)
                 for p in plan.permissions_after)
    if not exists and plan.folder_target and not params["exclusive_permissions"]:
        shared = shared or any(not (p.get("aro") == "User" and p.get("aro_foreign_key") == client.user_id)
                               for p in folders.permissions(plan.folder_target))  # the folder's are inherited

    # -- metadata key type
    if exists and view.version == "v5":
        plan.key_type = view.metadata_key_type
    elif target.version == "v5":
        plan.key_type = writer.metadata_key_type_for_create(params["metadata_key_type"], shared)
    if exists and target.version == "v5" and plan.key_type == "user_key" and plan.share_rows and shared:
        plan.key_type = "shared_key"  # a personal resource moves to the shared key before it is shared
        plan.meta_changed = True

    # -- expiry
    plan.expired_before = view.expired if exists else None
    plan.expiry_send, plan.expiry_value, plan.expiry_reason = plan_expiry(
        parse_expiry_option(params["expiry"]), plan.expired_before, ExpirySettings(client.api), plan.password_changed,
        not exists, datetime.now(timezone.utc))

    # -- what changed
    if exists:
        if changed_type or any(plan.metadata.get(k) != old_meta.get(k) for k in values) or \
                (version != view.version) or plan.expiry_send:
            plan.meta_changed = True
        if changed_type or given or moved:
            plan.secret_changed = True
    return plan


def _upgraded_metadata(columns):
    """v4 columns as v5 metadata (ResourceFormEntity::upgradeToV5 keeps them; the URI becomes the list of URIs)."""
    return {"name": columns.get("name"), "username": columns.get("username") or "",
            "uris": [columns["uri"]] if columns.get("uri") else [], "description": columns.get("description") or ""}


def _uris(params, meta, view):
    uris = list(meta.get("uris") or ([meta["uri"]] if meta.get("uri") else []))
    if params["uris"] is not None:
        return [u for u in params["uris"] if u]
    return ([params["uri"]] if params["uri"] else []) + [u for u in uris[1:] if u != params["uri"]]


def _move_description(target, secret, meta, moved):
    """A type change moves the description where the new type keeps it (ResourceFormEntity::addSecret and
    convertToNote move the metadata description into the secret; convertToMetadataDescription the other way)."""
    in_meta, in_secret = meta.get("description"), secret.get("description")
    if in_meta and not target.holds("description", "metadata") and target.holds("description", "secret") \
            and not in_secret:
        secret["description"] = in_meta
        meta["description"] = None
        moved.add("description")
    elif in_secret and not target.holds("description", "secret") and target.holds("description", "metadata") \
            and not in_meta:
        meta["description"] = in_secret
        secret.pop("description", None)
        moved.add("description")


def _refuse_losses(view, old_type, target, secret, meta):
    """A type change that would drop something the resource holds is refused."""
    lost = ["secret field %s" % k for k, v in secret.items() if v not in (None, "", [], {})
            and k not in old_type.constants and not target.holds(k, "secret")]
    for name in ("username", "uris", "uri", "custom_fields", "description"):
        held = old_type.holds(name, "metadata") or old_type.version != target.version
        if meta.get(name) not in (None, "", [], {}) and held and not target.holds(name, "metadata"):
            lost.append("metadata field %s" % name)
    if lost:
        raise ConfigError("Resource %s (%s) cannot become %s: %s would be lost (%s has no place for it). Passbolt's "
                          "browser extension changes a type only to one that holds what the resource holds."
                          % (view.id, old_type.slug, target.slug, ", ".join(lost), target.slug))


def _metadata_after(target, meta, values, changed_type):
    """v5: the metadata document; v4: the four columns (a column the type has no place for: kept while the type
    stays, cleared when it changes)."""
    if target.version == "v5":
        return target.metadata_document(meta, values, prune=changed_type)
    out = {}
    for name in V4_COLUMNS:
        value = values[name] if name in values else meta.get(name)
        if not target.holds(name, "metadata") and name != "name" and changed_type:
            value = None
        out[name] = value if value != "" or name == "name" else None
    return out


# -- what the diff shows ------------------------------------------------------------------------------------------
def masked_view(rtype, metadata, secret, folder, permissions, key_type, expired, custom_field_names):
    """The state of a resource as the diff shows it: secrets masked."""
    secret = secret or {}
    uris = metadata.get("uris") if rtype is None or rtype.version == "v5" else \
        ([metadata["uri"]] if metadata.get("uri") else [])
    out = {"name": metadata.get("name"), "username": metadata.get("username") or "", "uris": list(uris or []),
           "description": description_of(rtype, secret, metadata), "folder": folder,
           "resource_type": rtype.slug if rtype else None, "metadata_key_type": key_type, "permissions": permissions,
           "expired": expired}
    if rtype is not None and rtype.description_in_secret():  # encrypted with the password: a secret, never shown
        out["description"] = MASK if secret.get("description") else ""
    elif secret.get("description"):
        out["note"] = MASK
    for name in ("password", "totp", "pin_code"):
        if secret.get(name) is not None and (rtype is None or rtype.holds(name, "secret")):
            out[name] = MASK
    if custom_field_names:
        out["custom_fields"] = {name: MASK for name in sorted(custom_field_names)}
    return out
