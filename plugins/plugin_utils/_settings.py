# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a connection or credential option comes from, the same for lookups and modules.

An option given in the task (lookup keyword, module parameter, module_defaults) wins; then the
`ansible_pwman_<product>_<option>` variables; then environment variables, the play's or task's
`environment:` keyword before the controller's own; then `ansible.cfg` (`[pwman_<product>]`); then the
default. Lookups get this from Ansible's option resolution (plus the `environment:` keyword, read here);
modules from their action plugin (plugins/action/), which resolves the variables and ansible.cfg with the
lookup's own option definitions and leaves environment variables to the module, which reads them where
it runs (env fallbacks).
"""

from __future__ import annotations

import importlib

from ansible import constants as C

from ansible_collections.pwman.secrets.plugins.plugin_utils import _option_definitions

_FRAGMENTS = "ansible_collections.pwman.secrets.plugins.doc_fragments."


def task_environment(entries, templar):
    """The `environment:` keyword of a task, its blocks and play, merged as Ansible merges it for modules."""
    merged = {}
    for entry in entries if isinstance(entries, list) else [entries]:
        if not entry:
            continue
        value = templar.template(entry) if templar is not None else entry
        if isinstance(value, dict):
            merged.update(value)
    return {str(name): str(value) for name, value in merged.items() if value is not None}


def env_names(definition):
    return [entry["name"] for entry in definition.get("env") or [] if entry.get("name")]


def from_environment(definition, environment):
    """The value the task's environment gives an option, or None."""
    for name in env_names(definition):
        if environment.get(name) not in (None, ""):
            return environment[name]
    return None


def origin_kind(origin):
    """Direct, var, env, ini or default, from an origin as Ansible's ConfigManager reports it."""
    origin = str(origin or "default")
    if origin in ("Direct", "default"):
        return origin
    for kind in ("var", "env", "keyword", "cli"):
        if origin.startswith(kind + ": "):
            return kind
    return "ini"  # the configuration file's path


def module_option_names(product):
    """The connection and credential options every module of `product` takes (its doc fragments)."""
    names = set()
    for fragment in ("connection", product):
        text = importlib.import_module(_FRAGMENTS + fragment).ModuleDocFragment.DOCUMENTATION
        names.update(_option_definitions.option_definitions(text))
    return sorted(names)


def module_settings(lookup_name, product, args, variables, environment, templar):
    """Options for a module of `product` that `ansible_pwman_*` variables or ansible.cfg give and the task does not.

    `lookup_name` is the name the product lookup's option definitions are registered under (its _load_name).
    An option the task's `environment:` sets is left to the module, as one the controller's environment sets.
    """
    definitions = C.config.get_configuration_definitions("lookup", lookup_name) or {}
    found = {}
    for name in module_option_names(product):
        definition = definitions.get(name)
        if definition is None or args.get(name) is not None or from_environment(definition, environment) is not None:
            continue
        present = {entry["name"]: templar.template(variables[entry["name"]])
                   for entry in definition.get("vars") or [] if entry["name"] in variables}
        value, origin = C.config.get_config_value_and_origin(name, plugin_type="lookup", plugin_name=lookup_name,
                                                             variables=present)
        if value is not None and origin_kind(origin) in ("var", "ini"):
            found[name] = value
    return found
