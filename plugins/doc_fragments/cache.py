# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The lookup agent (plugin_utils/_agent.py): sessions kept warm across forked workers.
    DOCUMENTATION = r"""
options:
  cache:
    description:
      - Run the lookup in a per-user agent process that stays logged in across tasks and hosts, so a play logs in
        once per server and user instead of once per task.
      - The agent listens on a Unix socket in a private directory (C($XDG_RUNTIME_DIR/pwman-secrets-<uid>) or the
        temporary directory), accepts only the same user, serves only lookups of its own code (this copy of the
        collection, unchanged), keeps everything in memory, writes no core dump, and exits when its last session has
        closed (5 idle minutes after its last lookup). Answers are reused within one C(ansible-playbook) run only, and
        forgotten when one of this collection's modules changes a secret.
      - The P(pwman.secrets.lookup_agent#lookup) lookup shows what the agents hold, or stops them.
      - Set to V(false) to log in and run inside each worker instead.
    type: bool
    default: true
    env:
      - name: PWMAN_SECRETS_CACHE
    ini:
      - section: pwman_secrets
        key: cache
    vars:
      - name: ansible_pwman_cache
"""
