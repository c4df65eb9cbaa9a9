# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Passwordstate connection and credentials. Modules use DOCUMENTATION (environment variables are
    # fallbacks in their argument spec); lookups add PLUGINS for env/ini/vars sources.
    # Secrets have no ini: entry on purpose.
    DOCUMENTATION = r"""
options:
  base_url:
    description:
      - Base URL of the Passwordstate web site, for example V(https://passwordstate.example.com). The client adds C(/api/).
      - If not set, the E(PASSWORDSTATE_BASE_URL) environment variable is used.
    type: str
  api_key:
    description:
      - API key: a password list's key or the system-wide key. Sent in the C(APIKey) header, never in the URL.
      - If not set, the E(PASSWORDSTATE_API_KEY) environment variable is used.
    type: str
  list_id:
    description:
      - Default password list ID.
      - If not set, the E(PASSWORDSTATE_LIST_ID) environment variable is used.
    type: int
  generator_api_key:
    description:
      - The password generator API key; falls back to O(api_key).
      - If not set, the E(PASSWORDSTATE_GENERATOR_API_KEY) environment variable is used.
    type: str
"""

    PLUGINS = r"""
options:
  base_url:
    env:
      - name: PASSWORDSTATE_BASE_URL
    ini:
      - section: pwman_passwordstate
        key: base_url
    vars:
      - name: ansible_pwman_passwordstate_base_url
  api_key:
    env:
      - name: PASSWORDSTATE_API_KEY
    vars:
      - name: ansible_pwman_passwordstate_api_key
  list_id:
    env:
      - name: PASSWORDSTATE_LIST_ID
    ini:
      - section: pwman_passwordstate
        key: list_id
    vars:
      - name: ansible_pwman_passwordstate_list_id
  generator_api_key:
    env:
      - name: PASSWORDSTATE_GENERATOR_API_KEY
    vars:
      - name: ansible_pwman_passwordstate_generator_api_key
  validate_certs:
    ini:
      - section: pwman_passwordstate
        key: validate_certs
    vars:
      - name: ansible_pwman_passwordstate_validate_certs
  ca_path:
    ini:
      - section: pwman_passwordstate
        key: ca_path
    vars:
      - name: ansible_pwman_passwordstate_ca_path
  timeout:
    ini:
      - section: pwman_passwordstate
        key: timeout
    vars:
      - name: ansible_pwman_passwordstate_timeout
  retries:
    ini:
      - section: pwman_passwordstate
        key: retries
    vars:
      - name: ansible_pwman_passwordstate_retries
"""
