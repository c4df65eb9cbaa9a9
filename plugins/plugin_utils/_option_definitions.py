# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Give Ansible a lookup's option definitions before it parses them itself.

Ansible reads a plugin's DOCUMENTATION and doc fragments in every forked worker that loads the
plugin, with a YAML loader that tags every node with its origin. Our lookups' connection and
credential options each have env, ini and vars sources: that parse costs ~17 ms per task, more
than everything else a lookup answered by the agent costs. Ansible skips it when definitions for
the plugin are already registered, so each lookup module registers the same definitions when it is
imported, from the same text, parsed with libyaml's safe loader (~2 ms). On any surprise nothing is
registered and Ansible parses as usual. tests/unit/plugins/plugin_utils/test_option_definitions.py
checks that both ways give the same definitions.
"""

from __future__ import annotations

import importlib

import yaml
from ansible import constants as C
from ansible.utils.plugin_docs import merge_fragment

_COLLECTION = "pwman.secrets"
_FRAGMENT_MODULE = "ansible_collections.pwman.secrets.plugins.doc_fragments."
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def plugin_name(module_name):
    """ansible_collections.pwman.secrets.plugins.lookup.passbolt -> pwman.secrets.passbolt"""
    return "%s.%s" % (_COLLECTION, module_name.rsplit(".", 1)[-1])


def option_definitions(documentation):
    """The `options` of a DOCUMENTATION text with this collection's fragments merged in, as Ansible merges them."""
    doc = yaml.load(documentation, Loader=_LOADER)
    options = doc.get("options") or {}
    for slug in doc.get("extends_documentation_fragment") or []:
        if not slug.startswith(_COLLECTION + "."):
            raise ValueError("fragment %s is not this collection's" % slug)
        name, dummy, var = slug[len(_COLLECTION) + 1:].partition(".")
        fragment_class = importlib.import_module(_FRAGMENT_MODULE + name).ModuleDocFragment
        fragment = yaml.load(getattr(fragment_class, (var or "documentation").upper()), Loader=_LOADER)
        merge_fragment(options, fragment.get("options") or {})
    return options


def register(module_name, documentation, plugin_type="lookup"):
    """Register the definitions of the plugin `module_name` (its __name__) unless Ansible has them.

    Ansible files them under the plugin's Python module name (ansible-core 2.19) or its FQCN (before).
    """
    names = (module_name, plugin_name(module_name))
    try:
        if any(C.config.has_configuration_definition(plugin_type, name) for name in names):
            return
        options = option_definitions(documentation)
        for name in names:
            C.config.initialize_plugin_configuration_definitions(plugin_type, name, options)
    except Exception:  # pylint: disable=broad-except
        return  # Ansible parses the documentation itself
