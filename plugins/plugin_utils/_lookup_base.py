# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side base class for the collection's lookups.

The lookup plugin files only document options; the work is in plugin_utils/_<name>_lookup.py,
run by a LookupRuntime (plugin_utils/_lookup_runtime.py). With the `cache` option on (the default
for lookups that declare it), `run()` hands the work to the per-user agent (plugin_utils/_agent.py),
which keeps clients logged in across Ansible's forked workers; otherwise, or when the agent cannot
be used, the lookup runs in-process.
"""

from __future__ import annotations

import os
import sys

from ansible import constants as C
from ansible.errors import AnsibleLookupError, AnsibleOptionsError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.pwman.secrets.plugins.module_utils._no_core import no_core_dumps
from ansible_collections.pwman.secrets.plugins.module_utils._options import resolved_options
from ansible_collections.pwman.secrets.plugins.plugin_utils import _agent_client as _agent
from ansible_collections.pwman.secrets.plugins.plugin_utils import _option_definitions
from ansible_collections.pwman.secrets.plugins.plugin_utils._settings import (
    env_names,
    from_environment,
    origin_kind,
    task_environment,
)

display = Display()
# Compatibility variables read like an option's env entry, below an explicit option (see _options.py).
VERIFY_VARIABLES = {"passbolt": "PASSBOLT_VERIFY"}
# Passbolt's official lookup (passbolt.passbolt_lookup) reads its credentials from a `passbolt` variable, a
# dictionary with `account_kit` and `passphrase`. They are read there when no key is given in any other way (the
# options below unset); each of them fills its option unless set (an explicit passphrase wins).
DICTIONARY_VARIABLES = {"passbolt": ("passbolt", ("account_kit", "passphrase"),
                                     ("account_kit", "private_key", "private_key_file", "user_id"))}


class PwmanLookupBase(LookupBase):
    """Loads options from keywords, vars, env and ini, then runs the implementation with clear errors."""

    def __init_subclass__(cls, **kwargs):
        # A lookup plugin's class is made when Ansible imports it, just before Ansible would parse its
        # documentation for the option definitions: register them first, the fast way.
        super().__init_subclass__(**kwargs)
        documentation = getattr(sys.modules.get(cls.__module__), "DOCUMENTATION", None)
        if documentation:
            _option_definitions.register(cls.__module__, documentation)

    @property
    def short_name(self):
        return (self._load_name or type(self).__module__).rsplit(".", 1)[-1]

    @property
    def fqcn(self):
        return _option_definitions.plugin_name(self.short_name)

    def run(self, terms, variables=None, **kwargs):
        # This process is about to hold credentials and answers (the worker's fork, or ansible-playbook itself).
        no_core_dumps()
        try:
            self.set_options(var_options=variables, direct=kwargs)
        except AnsibleOptionsError as exc:
            raise AnsibleLookupError(self._choice_error(kwargs) or str(exc)) from None
        environment = task_environment((variables or {}).get("environment"), self._templar)
        if environment:
            self._options_from_task_environment(environment, variables, kwargs)
        self._options_from_dictionary_variable(variables)
        unknown = sorted(set(kwargs) - set(self._options))
        if unknown:
            raise AnsibleLookupError("unknown option%s %s; see ansible-doc -t lookup %s"
                                     % ("s" if len(unknown) > 1 else "",
                                        ", ".join(repr(name) for name in unknown), self.fqcn))
        options = self._resolved_options(dict(os.environ, **environment) if environment else None)
        if self._agent_enabled():
            answer = self._ask_agent(terms, options)
            if answer is not None:
                self._show_notes(answer.get("notes"))
                if answer.get("ok"):
                    return answer["result"]
                raise AnsibleLookupError(str(answer.get("error")))  # Ansible names the plugin
        # Imported here: a worker that asks the agent never loads them.
        from ansible_collections.pwman.secrets.plugins.module_utils._errors import PwmanError  # pylint: disable=import-outside-toplevel
        from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter  # pylint: disable=import-outside-toplevel
        from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_runtime import (  # pylint: disable=import-outside-toplevel
            LookupRuntime,
            load_implementation,
        )

        runtime = LookupRuntime(load_implementation(self.short_name))
        notes = []
        try:
            return runtime.run(terms, OptionAdapter.from_dict(options), notes)
        except PwmanError as exc:
            raise AnsibleLookupError(str(exc)) from None  # Ansible names the plugin: "The lookup plugin 'x' failed: "
        finally:
            runtime.clients_close()
            self._show_notes(notes)

    def _choice_error(self, kwargs):
        """Ansible's error for a value out of an option's choices does not list them (ansible-core 2.19): this does."""
        for name in (self._load_name, self.fqcn):
            definitions = C.config.get_configuration_definitions("lookup", name) or {}
            for option, definition in sorted(definitions.items()):
                choices = definition.get("choices")
                if choices and option in kwargs and kwargs[option] not in choices:
                    return "Option '%s' must be one of %s, got %r." % (option, ", ".join(map(str, choices)),
                                                                       kwargs[option])
        return None

    def _show_notes(self, notes):
        """The implementation's messages ([verbosity, text]), at their verbosity (0: a warning)."""
        for verbosity, text in notes if isinstance(notes, list) else []:
            if int(verbosity) <= 0:
                display.warning("%s: %s" % (self.fqcn, text))
            else:
                display.verbose("%s: %s" % (self.fqcn, text), caplevel=int(verbosity) - 1)

    def _options_from_task_environment(self, environment, variables, kwargs):
        """The play's or task's `environment:` keyword, read like the controller's environment but before it.

        Modules get it as their environment; the lab lookup anatomicjc.passbolt read it too.
        """
        definitions = C.config.get_configuration_definitions("lookup", self._load_name) or {}
        for name, definition in definitions.items():
            value = from_environment(definition, environment)
            if value is None:
                continue
            dummy, origin = C.config.get_config_value_and_origin(name, plugin_type="lookup", plugin_name=self._load_name,
                                                                 variables=variables, direct=kwargs)
            if origin_kind(origin) not in ("Direct", "var"):
                self.set_option(name, value)
                getattr(self, "_origins", {})[name] = "env: " + env_names(definition)[0]

    def _options_from_dictionary_variable(self, variables):
        name, keys, blockers = DICTIONARY_VARIABLES.get(self.short_name, (None, (), ()))
        if not name or any(self._options.get(key) not in (None, "") for key in blockers):
            return
        found = (variables or {}).get(name)
        if not hasattr(found, "get"):
            return
        for key in keys:
            value = found.get(key)
            if self._options.get(key) in (None, "") and value not in (None, ""):
                self._options[key] = self._templar.template(value) if self._templar is not None else value

    # -- agent ------------------------------------------------------------------------
    def _agent_enabled(self):
        try:
            return bool(self.get_option("cache"))
        except KeyError:
            return False

    def _resolved_options(self, environ=None):
        """Every option as this run resolves it (the agent reads no environment of its own)."""
        plain = {name: value for name, value in self._options.items() if name != "cache"}
        return resolved_options(plain, getattr(self, "_origins", None) or {}, VERIFY_VARIABLES.get(self.short_name),
                                environ)

    def _ask_agent(self, terms, options):
        try:
            return _agent.request({"op": "lookup", "plugin": self.short_name, "run": _agent.run_id(),
                                   "options": options, "terms": list(terms)})
        except _agent.AgentUnavailable as exc:
            display.v("%s: lookup agent unavailable (%s); running in-process" % (self.fqcn, exc))
            return None
