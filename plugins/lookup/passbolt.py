# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: passbolt
author: pwman.secrets contributors (@pwman)
short_description: Read secrets from Passbolt
version_added: 0.1.0
description:
  - Returns a field (the password by default) of Passbolt resources found by name or UUID.
  - All terms share one login and one list request; secrets are decrypted locally with the user's OpenPGP key.
  - Works with v4 resources (cleartext metadata) and v5 resources (metadata encrypted to the shared metadata key
    or to the user's key), and with every resource type (password, password with description, TOTP, custom fields).
options:
  _terms:
    description:
      - Resource names or resource UUIDs. Names of v5 resources are matched after their metadata is decrypted.
    required: true
    type: list
    elements: str
  field:
    description:
      - What to return for each resource.
      - V(password), V(username), V(uri) (the first URI), V(uris) (all), V(name), V(description) (the encrypted
        description when the type has one, else the cleartext one), V(id), V(folder) (the folder path),
      - V(totp) (the current TOTP code computed from the secret), V(totp_secret) (the base32 TOTP secret),
      - the name of a custom field, or V(all) (a dictionary of everything, secret fields included).
    type: str
    default: password
  username:
    description:
      - Only resources with this user name (exact match).
    type: str
  uri:
    description:
      - Only resources with this URI (exact match with one of their URIs).
    type: str
  folder:
    description:
      - Only resources directly in this folder, given as a path like V(Infra/Databases) resolved level by level
        from the root (folder names are not unique), or as a folder UUID. V(/) means the root.
    type: str
  first_found:
    description:
      - When several resources match a term, return the most recently modified one instead of failing.
    type: bool
    default: false
extends_documentation_fragment:
  - pwman.secrets.connection
  - pwman.secrets.passbolt
  - pwman.secrets.passbolt.plugins
  - pwman.secrets.cache
notes:
  - Filters O(username), O(uri) and O(folder) are combined (all must match).
  - A term that matches nothing fails with an error naming the term and the filters; a term that matches several
    resources fails with their UUIDs and folder paths, unless O(first_found=true).
"""

EXAMPLES = r"""
- name: Database password (credentials from PASSBOLT_* environment variables)
  ansible.builtin.debug:
    msg: "{{ lookup('pwman.secrets.passbolt', 'db-primary') | length }} characters"

- name: Several secrets, one login, one request
  ansible.builtin.set_fact:
    db_passwords: "{{ query('pwman.secrets.passbolt', 'db-primary', 'db-apps') }}"
  no_log: true

- name: Same name in two folders - pick by folder path
  ansible.builtin.set_fact:
    apps_db: "{{ lookup('pwman.secrets.passbolt', 'dup-name', folder='Apps') }}"
  no_log: true

- name: Current TOTP code and a custom field
  ansible.builtin.set_fact:
    otp: "{{ lookup('pwman.secrets.passbolt', 'vpn', field='totp') }}"
    api_key: "{{ lookup('pwman.secrets.passbolt', 'custom-fields', field='api_key') }}"
  no_log: true

- name: Everything about a resource, with an account kit and explicit options
  ansible.builtin.set_fact:
    app: >-
      {{ lookup('pwman.secrets.passbolt', 'app-api', field='all',
                account_kit='~/account-kit.passbolt', passphrase=passbolt_passphrase) }}
  no_log: true
"""

RETURN = r"""
_raw:
  description:
    - One value per term, in the order of the terms. A string for most fields; a list for O(field=uris);
      a dictionary for O(field=all) with keys C(id), C(name), C(username), C(uri), C(uris), C(description),
      C(folder), C(folder_parent_id), C(resource_type), C(metadata_version), C(modified), C(password),
      C(totp) (the current code or empty), C(totp_secret), C(custom_fields).
  type: list
  elements: raw
"""

from ansible_collections.pwman.secrets.plugins.module_utils._errors import Ambiguous, ConfigError, NotFound
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import PassboltClient, is_uuid
from ansible_collections.pwman.secrets.plugins.module_utils._totp import totp_from_secret_data
from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_base import PwmanLookupBase

STANDARD_FIELDS = ("password", "username", "uri", "uris", "name", "description", "id", "folder", "totp",
                   "totp_secret", "all")


def describe_query(term, username, uri, folder):
    parts = ["name or id %r" % term]
    for label, value in (("username", username), ("uri", uri), ("folder", folder)):
        if value is not None:
            parts.append("%s %r" % (label, value))
    return ", ".join(parts)


class LookupModule(PwmanLookupBase):
    CALL_OPTIONS = ("field", "username", "uri", "folder", "first_found")

    def lookup(self, terms, options):
        terms = [str(t).strip() for t in terms or []]
        if not terms:
            return []
        if any(not t for t in terms):
            raise ConfigError("Empty term: give a resource name or UUID.")
        field = str(options.get_option_default("field", "password")).strip() or "password"
        username = options.get_option_default("username")
        uri = options.get_option_default("uri")
        folder = options.get_option_default("folder")
        first_found = bool(options.get_option_default("first_found", False))

        # No logout when the client is closed: the refresh token is kept by the lookup agent for later
        # lookups, or dies with this process (the access token lives minutes).
        client = self.cached_client(options, PassboltClient)
        return self._run(client, terms, field, username, uri, folder, first_found)

    def _run(self, client, terms, field, username, uri, folder, first_found):
        client.login()
        filters = {"has-id": sorted(set(terms))} if all(is_uuid(t) for t in terms) else None
        views = client.describe_resources(client.list_resources(filters=filters))
        folder_ids = None
        if folder is not None and str(folder).strip() != "":
            folder_ids = set(client.resolve_folder(str(folder).strip()))

        chosen = []
        for term in terms:
            matches = [v for v in views
                       if (v.id == term if is_uuid(term) else v.name == term)
                       and (username is None or (v.username or "") == username)
                       and (uri is None or uri in v.uris)
                       and (folder_ids is None or v.folder_parent_id in folder_ids)]
            if not matches:
                raise NotFound("No Passbolt resource matches %s." % describe_query(term, username, uri, folder))
            if len(matches) > 1:
                if not first_found:
                    listed = "; ".join("%s in %s" % (v.id, "/" + client.folder_path(v.folder_parent_id))
                                       for v in sorted(matches, key=lambda m: m.id))
                    raise Ambiguous("%d Passbolt resources match %s: %s. Add a folder, username or uri filter, "
                                    "use the UUID, or set first_found=true."
                                    % (len(matches), describe_query(term, username, uri, folder), listed))
                matches.sort(key=lambda m: (m.modified, m.id), reverse=True)
            chosen.append(matches[0])

        needs_secret = field not in ("username", "uri", "uris", "name", "id", "folder")
        if needs_secret:
            unique = list({v.id: v for v in chosen}.values())
            client.decrypt_secrets(unique)
        return [self._field(client, view, field) for view in chosen]

    def _field(self, client, view, field):
        secret = view.secret or {}
        if field == "password":
            if "password" not in secret:
                raise NotFound("Passbolt resource %r (%s, type %s) has no password."
                               % (view.name, view.id, view.type_slug))
            return secret["password"]
        if field == "username":
            return view.username or ""
        if field == "uri":
            return view.uri
        if field == "uris":
            return list(view.uris)
        if field == "name":
            return view.name or ""
        if field == "id":
            return view.id
        if field == "folder":
            return client.folder_path(view.folder_parent_id)
        if field == "description":
            return view.description_text()
        if field in ("totp", "totp_secret"):
            data = secret.get("totp")
            if not isinstance(data, dict) or not data.get("secret_key"):
                raise NotFound("Passbolt resource %r (%s, type %s) has no TOTP." % (view.name, view.id, view.type_slug))
            return totp_from_secret_data(data) if field == "totp" else data["secret_key"]
        if field == "all":
            data = secret.get("totp") if isinstance(secret.get("totp"), dict) else None
            return {
                "id": view.id,
                "name": view.name or "",
                "username": view.username or "",
                "uri": view.uri,
                "uris": list(view.uris),
                "description": view.description_text(),
                "folder": client.folder_path(view.folder_parent_id),
                "folder_parent_id": view.folder_parent_id,
                "resource_type": view.type_slug,
                "metadata_version": view.version,
                "modified": view.modified,
                "password": secret.get("password", ""),
                "totp": totp_from_secret_data(data) if data and data.get("secret_key") else "",
                "totp_secret": data.get("secret_key", "") if data else "",
                "custom_fields": view.custom_fields(),
            }
        fields = view.custom_fields()
        if field in fields:
            return fields[field]
        known = ", ".join(STANDARD_FIELDS + tuple(sorted(fields)))
        raise NotFound("Passbolt resource %r (%s) has no field %r; known fields: %s." % (view.name, view.id, field, known))
