# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: preload
type: aggregate
short_description: Load this collection's lookups in ansible-playbook itself, before it forks its workers
version_added: 1.0.0
description:
  - Ansible runs every task in a newly forked worker process, and a worker loads each lookup plugin it uses again.
    For this collection's lookups that costs a few milliseconds a task (Ansible's collection loader, the lookup's
    modules and option definitions), most of what a lookup answered by the lookup agent costs.
  - With this callback enabled, ansible-playbook loads the lookups C(pwman.secrets.passbolt),
    C(pwman.secrets.passwordstate), C(pwman.secrets.passwordstate_generate) and C(pwman.secrets.opp) once, when
    the playbook starts, and every worker inherits them. It also starts the lookup agent then (in a short-lived
    process, so the playbook does not wait for it), so the first lookup of the run finds it running.
  - It prints nothing. Without O(login), it logs in nowhere and reads no credential. Lookups that are not used cost
    nothing more than their loading (a few milliseconds, once). When anything fails here, the lookups load as usual
    in the workers (the reason is shown with -vvv).
  - Enable it with C(callbacks_enabled = pwman.secrets.preload) in the C([defaults]) section of C(ansible.cfg) or
    C(ANSIBLE_CALLBACKS_ENABLED=pwman.secrets.preload).
  - With O(login=true), it also has the agent log in, in the background, to each product whose lookup is configured
    by the environment or C(ansible.cfg) alone (its base URL set there), with those settings, and read what the
    lookups choose from, so that the first lookup finds the session open. A lookup given other settings (variables,
    keywords) opens its own session as usual. Off by default, since a product configured there but not used by the
    playbook would be logged in to all the same.
requirements:
  - Enabled in C(callbacks_enabled) (it is not enabled by default, as every callback of a collection).
options:
  login:
    description: Log in ahead, as said above.
    type: bool
    default: false
    env:
      - name: PWMAN_SECRETS_PRELOAD_LOGIN
    ini:
      - section: pwman_secrets
        key: preload_login
"""

EXAMPLES = r"""
# ansible.cfg
# [defaults]
# callbacks_enabled = pwman.secrets.preload
#
# [pwman_secrets]
# preload_login = true
"""

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import lookup_loader
from ansible.utils.display import Display

display = Display()
LOOKUPS = ("passbolt", "passwordstate", "passwordstate_generate", "opp")
LOGINS = ("passbolt", "opp")  # the lookups whose sessions log in (Passwordstate's API keys need none)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "pwman.secrets.preload"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        try:
            lookups = {name: lookup_loader.get("pwman.secrets." + name) for name in LOOKUPS}
            preparations = []
            if self.get_option("login"):
                for name in LOGINS:
                    try:
                        options = _configured_options(lookups[name])
                    except Exception as exc:  # pylint: disable=broad-except
                        # the type only: an option's message may quote the value it refused
                        display.vvv("pwman.secrets.preload: no login ahead for %s (%s; a lookup says why)"
                                    % (name, type(exc).__name__))
                        continue
                    if options is not None:
                        preparations.append({"plugin": name, "options": options})
            from ansible_collections.pwman.secrets.plugins.plugin_utils import _agent_client  # pylint: disable=import-outside-toplevel

            _agent_client.start_in_background(preparations)
        except Exception as exc:  # pylint: disable=broad-except
            display.vvv("pwman.secrets.preload: nothing preloaded (%s: %s)" % (type(exc).__name__, exc))


def _configured_options(lookup):
    """The options a lookup has from the environment and ansible.cfg alone, or None when they name no server or
    the lookup does not use the agent."""
    lookup.set_options(var_options={}, direct={})
    if not lookup.get_option("cache") or not lookup.get_option("base_url"):
        return None
    return lookup._resolved_options()  # pylint: disable=protected-access
