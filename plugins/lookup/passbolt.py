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
      - May be left out when O(name) is given.
    type: list
    elements: str
  name:
    description:
      - The name of the resource to return, instead of a term (as in Passbolt's official lookup,
        C(passbolt.passbolt_lookup)). Cannot be combined with terms.
    type: str
  field:
    description:
      - What to return for each resource.
      - V(password), V(username), V(uri) (the first URI), V(uris) (all), V(name), V(description) (the encrypted
        description when the type has one, else the cleartext one), V(id), V(folder) (the folder path),
        V(expired) (the expiry date as the server gives it, or null when the password does not expire; a date in the
        past means Passbolt marks it expired),
      - V(totp) (the current TOTP code computed from the secret), V(totp_secret) (the base32 TOTP secret),
        V(pin_code) (the PIN code of a C(v5-pin-code) resource),
      - V(note) (the encrypted description, from the secret; what Passbolt's official lookup calls C(note) for v5),
        V(metadata_description) (the description kept in the metadata),
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
  description:
    description:
      - Only resources with this description (exact match with the description kept in the metadata, the cleartext
        one of v4 resources), as C(anatomicjc.passbolt)'s filter of that name.
    type: str
  per_uuid:
    description:
      - Every term must be a resource UUID (an error names a term that is not), as in C(anatomicjc.passbolt).
        Without it, UUIDs are recognised too.
    type: bool
    default: false
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
  - Filters O(username), O(uri), O(description) and O(folder) are combined (all must match).
  - A term that matches nothing fails with an error naming the term and the filters; a term that matches several
    resources fails with their UUIDs and folder paths, unless O(first_found=true).
  - A resource whose metadata signature is refused (see O(verify_signatures)) fails the lookup that returns it, with
    an error naming the resource; other resources are still found.
  - "Migrating from Passbolt's official lookup (C(passbolt.passbolt_lookup)) or the lab collection
    C(anatomicjc.passbolt): see the mapping tables of option and field names in the collection's docs/passbolt.md.
    The lab lookup returned a dictionary; its C(.password) is this lookup's default result, the whole dictionary
    is O(field=all)."
  - As the official lookup, this lookup reads the credentials from a C(passbolt) variable, a dictionary with
    C(account_kit) and C(passphrase), when no key is given otherwise (O(account_kit), O(private_key),
    O(private_key_file) and O(user_id) all unset, by keyword, variable or environment). An O(passphrase) given
    otherwise wins over the dictionary's.
"""

EXAMPLES = r"""
- name: Credentials as Passbolt's official lookup takes them (a passbolt variable)
  ansible.builtin.debug:
    msg: "{{ lookup('pwman.secrets.passbolt', name='db-primary', field='note') }}"
  vars:
    passbolt:
      account_kit: "{{ lookup('ansible.builtin.file', '~/account-kit.passbolt') }}"
      passphrase: "{{ vault_passbolt_passphrase }}"
    vault_passbolt_passphrase: "{{ lookup('ansible.builtin.env', 'PASSBOLT_PASSPHRASE') }}"  # from your vault

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

- name: Written for Passbolt's official lookup - the same names work here
  ansible.builtin.set_fact:
    db_note: "{{ lookup('pwman.secrets.passbolt', name='db-primary', field='note', skip_ssl_verification=false) }}"
  no_log: true

- name: Everything about a resource, with an account kit and explicit options
  ansible.builtin.set_fact:
    app: >-
      {{ lookup('pwman.secrets.passbolt', 'app-api', field='all',
                account_kit='~/account-kit.passbolt', passphrase=passbolt_passphrase) }}
  no_log: true
  vars:
    passbolt_passphrase: "{{ lookup('ansible.builtin.env', 'PASSBOLT_PASSPHRASE') }}"  # from your vault
"""

RETURN = r"""
_raw:
  description:
    - One value per term, in the order of the terms. A string for most fields; a list for O(field=uris);
      a dictionary for O(field=all) with keys C(id), C(name), C(username), C(uri), C(uris), C(description),
      C(folder), C(folder_parent_id), C(resource_type), C(resource_type_id), C(metadata_version), C(created),
      C(modified), C(modified_by), C(personal), C(deleted), C(expired), C(password), C(totp) (the current code or
      empty), C(totp_secret), C(pin_code), C(custom_fields).
  type: list
  elements: raw
"""

from ansible_collections.pwman.secrets.plugins.plugin_utils._runtime_cache import cached_imports

with cached_imports():
    from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_base import PwmanLookupBase


class LookupModule(PwmanLookupBase):
    """The work is in plugin_utils/_passbolt_lookup.py (it runs in the lookup agent, or here with cache=false)."""
