# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Options every product client shares. Product fragments add base_url and credentials,
    # and their PLUGINS variants add env/ini/vars sources for lookups.
    DOCUMENTATION = r"""
options:
  validate_certs:
    description:
      - Verify the server's TLS certificate. Only set to V(false) for throw-away test servers.
    type: bool
    default: true
  ca_path:
    description:
      - Path to a PEM CA bundle (or a directory of hashed CA certificates) that signed the server certificate.
    type: path
  timeout:
    description:
      - Seconds to wait for the server on each request.
    type: int
    default: 30
  retries:
    description:
      - How many times a request that is safe to repeat (reads, and writes the client knows are idempotent)
        is retried after a connection error or an HTTP 429, 502, 503 or 504 answer, with exponential backoff
        that honours C(Retry-After). A create is never sent twice.
    type: int
    default: 3
notes:
  - Lookups and modules read each connection and credential option from the first of - the task (lookup keyword,
    module parameter, C(module_defaults)); the C(ansible_pwman_<product>_<option>) variable; the environment
    variable, from the play's or task's C(environment) keyword before the controller's environment; the
    C(ansible.cfg) section C([pwman_<product>]); the default. Modules get the variables and C(ansible.cfg) entries
    through their action plugin, on the controller; C(ansible-doc -t lookup pwman.secrets.<product>) lists them.
"""
