# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # OpenPassPhrase connection and credentials. Modules use DOCUMENTATION (environment variables are
    # fallbacks in their argument spec); lookups add PLUGINS for env/ini/vars sources.
    # Secrets have no ini: entry on purpose.
    DOCUMENTATION = r"""
options:
  base_url:
    description:
      - Root URL of the OpenPassPhrase server. The client adds C(/api/v1) unless the URL already ends with it.
      - If not set, the E(OPP_BASE_URL) environment variable is used.
    type: str
  login_username:
    description:
      - User name to log in with.
      - If not set, the E(OPP_USERNAME) environment variable is used.
    type: str
  login_password:
    description:
      - Password to log in with.
      - If not set, the E(OPP_PASSWORD) environment variable is used.
    type: str
  phrase:
    description:
      - The secret phrase that unlocks the user's encrypted data.
      - If not set, the E(OPP_PHRASE) environment variable is used.
      - It is sent in the C(x-opp-phrase) header only, never logged, never written to disk.
    type: str
  token_lifetime:
    description:
      - Lifetime in seconds of the access token requested at login (the C(exp_delta) of C(POST /auth)).
      - A module logs in once per task; the lookup agent keeps its login across lookups (the lookups' C(cache) option). When the server
        refuses an expired token, the client logs in again, once.
    type: int
    default: 300
"""

    PLUGINS = r"""
options:
  base_url:
    env:
      - name: OPP_BASE_URL
    ini:
      - section: pwman_opp
        key: base_url
    vars:
      - name: ansible_pwman_opp_base_url
  login_username:
    env:
      - name: OPP_USERNAME
    ini:
      - section: pwman_opp
        key: login_username
    vars:
      - name: ansible_pwman_opp_login_username
  login_password:
    env:
      - name: OPP_PASSWORD
    vars:
      - name: ansible_pwman_opp_login_password
  phrase:
    env:
      - name: OPP_PHRASE
    vars:
      - name: ansible_pwman_opp_phrase
  token_lifetime:
    env:
      - name: OPP_TOKEN_LIFETIME
    ini:
      - section: pwman_opp
        key: token_lifetime
    vars:
      - name: ansible_pwman_opp_token_lifetime
  validate_certs:
    ini:
      - section: pwman_opp
        key: validate_certs
    vars:
      - name: ansible_pwman_opp_validate_certs
  ca_path:
    ini:
      - section: pwman_opp
        key: ca_path
    vars:
      - name: ansible_pwman_opp_ca_path
  timeout:
    ini:
      - section: pwman_opp
        key: timeout
    vars:
      - name: ansible_pwman_opp_timeout
  retries:
    ini:
      - section: pwman_opp
        key: retries
    vars:
      - name: ansible_pwman_opp_retries
"""
