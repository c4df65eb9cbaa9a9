# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: passwordstate
author: pwman.secrets contributors (@pwman)
short_description: Read a password, or any field, from Click Studios Passwordstate
version_added: 0.1.0
description:
  - Finds Passwordstate password records by PasswordID or by title and returns one field of each
    (the password by default).
  - A term made only of digits is a PasswordID; any other term is a title, matched exactly and
    case-insensitively. Titles are searched on the server (which matches substrings) and the answers are
    re-checked, so C(web) does not match C(web-admin). No match, or several, is an error that says so.
  - Titles are searched in O(list_id); O(list_id=0) searches every shared Password List, which needs the
    system-wide key in O(api_key). For PasswordID terms O(list_id) only chooses the key.
  - All terms share one HTTP session; identical terms are fetched once.
options:
  _terms:
    description: PasswordIDs or titles.
    required: true
    type: list
    elements: str
  username:
    description: Only records with this user name (exact, case-insensitive).
    type: str
  match_field:
    description:
      - Only records whose field O(match_field) equals O(match_value) (case-insensitive). A field name
        (V(Description), V(URL), V(Notes), V(HostName), V(Domain), V(AccountType)...),
        V(GenericField1)..V(GenericField10), or the display name of a generic field (for example V(Port)).
      - Standard fields and V(GenericFieldN) use the server's specific search (V(Domain) as C(ADDomainNetBIOS));
        a display name uses a general search.
    type: str
  match_value:
    description: The value O(match_field) must have.
    type: str
  field:
    description:
      - What to return for each record. V(password) (default), any record field (V(username), V(title),
        V(description), V(notes), V(url), V(HostName), V(Domain), V(AccountType), V(PasswordList),
        V(ExpiryDate) as the server writes it, V(expiry_date) as C(YYYY-MM-DD), V(PasswordID), V(PasswordListID)),
        V(GenericField1)..V(GenericField10), a generic field's display name,
        V(otp) for the current one-time code, or V(all) for the whole record as a dictionary.
    type: str
    default: password
extends_documentation_fragment:
  - pwman.secrets.connection
  - pwman.secrets.passwordstate
  - pwman.secrets.passwordstate.plugins
  - pwman.secrets.cache
notes:
  - Every password read is audited by Passwordstate. Records of a list that requires a reason need O(reason).
"""

EXAMPLES = r"""
- name: A password by PasswordID (connection from PASSWORDSTATE_* environment variables)
  ansible.builtin.debug:
    msg: "{{ lookup('pwman.secrets.passwordstate', '5001') }}"
  no_log: true

- name: A password by title in a list, with that list's own key
  ansible.builtin.set_fact:
    db_password: >-
      {{ lookup('pwman.secrets.passwordstate', 'db-primary', list_id=12,
                list_api_keys={12: vault_ps_list12_key}) }}
  no_log: true
  vars:  # keep it in a vault; this is the key of the local server's list 12
    vault_ps_list12_key: ps-list12-8c6a4e2f0d9b47c1a3e5f7b9d1c3e5a7

- name: Disambiguate two records with the same title by user name
  ansible.builtin.set_fact:
    ops_password: "{{ lookup('pwman.secrets.passwordstate', 'shared', username='ops') }}"
  no_log: true

- name: A generic field by its display name, of the record found by its AD domain
  ansible.builtin.debug:
    msg: "{{ lookup('pwman.secrets.passwordstate', 'web', match_field='Domain', match_value='CORP', field='Port') }}"

- name: The current one-time code
  ansible.builtin.set_fact:
    otp: "{{ lookup('pwman.secrets.passwordstate', 'mail', field='otp') }}"
  no_log: true

- name: Several records at once, as dictionaries
  ansible.builtin.set_fact:
    records: "{{ query('pwman.secrets.passwordstate', 'web', 'mail', field='all') }}"
  no_log: true

- name: A list that requires a reason
  ansible.builtin.set_fact:
    root_pw: "{{ lookup('pwman.secrets.passwordstate', 'root-breakglass', list_id=13, reason='Change CHG-1234') }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description:
    - One value per term - the chosen field (a string), or a dictionary for O(field=all) with the documented
      record fields (C(PasswordID), C(PasswordListID) as integers, C(Title), C(UserName), C(Description),
      C(GenericField1)..C(GenericField10), C(Notes), C(URL), C(Password), C(ExpiryDate), C(AllowExport)...),
      C(GenericFields) (display name -> value) and C(expiry_date) (C(YYYY-MM-DD) or empty).
  type: list
  elements: raw
"""

from ansible_collections.pwman.secrets.plugins.plugin_utils._runtime_cache import cached_imports

with cached_imports():
    from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_base import PwmanLookupBase


class LookupModule(PwmanLookupBase):
    """The work is in plugin_utils/_passwordstate_lookup.py (it runs in the lookup agent, or here with cache=false)."""
