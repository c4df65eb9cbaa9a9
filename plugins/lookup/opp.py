# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: opp
author: pwman.secrets contributors (@pwman)
short_description: Read items from an OpenPassPhrase (OPP) server
version_added: 0.1.0
description:
  - Returns a field of OpenPassPhrase items found by name (optionally within a category) or by id.
  - Reads the user's whole vault with ONE C(GET /fetchall) per call, whatever the number of terms,
    and decrypts nothing locally (the server decrypts with the phrase).
  - A term that matches no item, or several items, is an error that names the candidates; it is never a guess.
options:
  _terms:
    description:
      - Item names, or C(id:<number>) for an item id.
    type: list
    elements: str
    required: true
  category:
    description:
      - Only consider items in the category with this name, or C(id:<number>) for the category with that id.
      - OPP allows several categories with one name; naming such a category is an error that lists their ids,
        so give C(id:<number>) instead.
      - An empty string means items without a category.
    type: str
  field:
    description:
      - What to return for each term.
      - V(all) returns the whole item as a dictionary (with its password and its category name).
    type: str
    default: password
    choices: [password, username, account, url, blob, name, id, category, all]
extends_documentation_fragment:
  - pwman.secrets.connection
  - pwman.secrets.opp
  - pwman.secrets.opp.plugins
  - pwman.secrets.cache
notes:
  - The phrase is sent in the C(x-opp-phrase) header only and is redacted from every error message.
"""

EXAMPLES = r"""
- name: Read a password (connection from OPP_BASE_URL, OPP_USERNAME, OPP_PASSWORD, OPP_PHRASE)
  ansible.builtin.debug:
    msg: "{{ lookup('pwman.secrets.opp', 'Wells Fargo') }}"
  no_log: true

- name: Two items with the same name live in different categories; pick one
  ansible.builtin.set_fact:
    infra_admin_user: "{{ lookup('pwman.secrets.opp', 'admin console', category='Infrastructure', field='username') }}"

- name: Two categories are called Web; pick one by its id
  ansible.builtin.set_fact:
    web_admin_user: "{{ lookup('pwman.secrets.opp', 'admin console', category='id:3', field='username') }}"

- name: By id, the whole item
  ansible.builtin.set_fact:
    router: "{{ lookup('pwman.secrets.opp', 'id:2', field='all') }}"
  no_log: true

- name: Several terms cost one request
  ansible.builtin.set_fact:
    urls: "{{ query('pwman.secrets.opp', 'Wells Fargo', 'core router', field='url') }}"

- name: Explicit connection
  ansible.builtin.set_fact:
    secret: >-
      {{ lookup('pwman.secrets.opp', 'mail', base_url=opp_url,
                login_username=opp_user, login_password=opp_password, phrase=opp_phrase) }}
  no_log: true
  vars:  # from your inventory and vault; here the values `make sandbox` exports
    opp_url: "{{ lookup('ansible.builtin.env', 'OPP_BASE_URL') }}"
    opp_user: "{{ lookup('ansible.builtin.env', 'OPP_USERNAME') }}"
    opp_password: "{{ lookup('ansible.builtin.env', 'OPP_PASSWORD') }}"
    opp_phrase: "{{ lookup('ansible.builtin.env', 'OPP_PHRASE') }}"
"""

RETURN = r"""
_raw:
  description:
    - One entry per term, in order; the requested field (a string, the id as a number), or with O(field=all) a dictionary.
  type: list
  elements: raw
  contains:
    id:
      description: Item id (O(field=all)).
      type: int
    name:
      description: Item name (O(field=all)).
      type: str
    url:
      description: URL (O(field=all)).
      type: str
    account:
      description: Account (O(field=all)).
      type: str
    username:
      description: User name (O(field=all)).
      type: str
    password:
      description: Password (O(field=all)).
      type: str
    blob:
      description: Free text (O(field=all)).
      type: str
    category_id:
      description: Category id, or null (O(field=all)).
      type: int
    category:
      description: Category name, or null (O(field=all)).
      type: str
"""

from ansible_collections.pwman.secrets.plugins.plugin_utils._runtime_cache import cached_imports

with cached_imports():
    from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_base import PwmanLookupBase


class LookupModule(PwmanLookupBase):
    """The work is in plugin_utils/_opp_lookup.py (it runs in the lookup agent, or here with cache=false)."""
