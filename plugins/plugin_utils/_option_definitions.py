# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Give Ansible a lookup's option definitions before it parses them itself.

Ansible reads a plugin's DOCUMENTATION and doc fragments in every forked worker that loads the
plugin, with a YAML loader that tags every node with its origin. Our lookups' connection and
credential options each have env, ini and vars sources: that parse costs ~17 ms per task, more
than everything else a lookup answered by the agent costs. Ansible skips it when definitions for
the plugin are already registered, so each lookup module registers the same definitions when it is
imported, from the same text, composed by libyaml and built by `_build` below (~3 ms),
and kept in the private runtime directory (_runtime_cache.py) for the next worker, named by the text,
Ansible's version and the doc fragments' and this file's stat. On any surprise nothing is registered and
Ansible parses as usual. tests/unit/plugins/plugin_utils/test_option_definitions.py checks that both ways give the same definitions.
"""

from __future__ import annotations

import hashlib
import importlib
import marshal
import os

import yaml
from ansible import constants as C
from ansible.release import __version__ as ANSIBLE_VERSION
from ansible.utils.plugin_docs import merge_fragment

from ansible_collections.pwman.secrets.plugins.plugin_utils import _runtime_cache

_COLLECTION = "pwman.secrets"
_FRAGMENT_MODULE = "ansible_collections.pwman.secrets.plugins.doc_fragments."
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALARS = {
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:null": lambda value: None,
    "tag:yaml.org,2002:bool": lambda value: value.lower() in ("yes", "true", "on", "y"),
}


def _build(node):
    """Plain data from composed YAML: the tags our documentation uses, else the safe constructor.

    A third of the cost of yaml.load: the generic constructor's per-node bookkeeping is what makes it slow.
    """
    if isinstance(node, yaml.MappingNode):
        if any(key.tag == "tag:yaml.org,2002:merge" for key, dummy in node.value):
            return _LOADER("").construct_document(node)
        return {_build(key): _build(value) for key, value in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_build(item) for item in node.value]
    convert = _SCALARS.get(node.tag)
    if convert is None or (node.tag == "tag:yaml.org,2002:int" and not node.value.lstrip("-+").isdigit()):
        return _LOADER("").construct_object(node, deep=True)
    return convert(node.value)


def _load(text):
    return _build(yaml.compose(text, Loader=_LOADER))


def plugin_name(module_name):
    """ansible_collections.pwman.secrets.plugins.lookup.passbolt (or just passbolt) -> pwman.secrets.passbolt"""
    return "%s.%s" % (_COLLECTION, module_name.rsplit(".", 1)[-1])


def option_definitions(documentation):
    """The `options` of a DOCUMENTATION text with this collection's fragments merged in, as Ansible merges them."""
    doc = _load(documentation)
    options = doc.get("options") or {}
    for slug in doc.get("extends_documentation_fragment") or []:
        if not slug.startswith(_COLLECTION + "."):
            raise ValueError("fragment %s is not this collection's" % slug)
        name, dummy, var = slug[len(_COLLECTION) + 1:].partition(".")
        fragment_class = importlib.import_module(_FRAGMENT_MODULE + name).ModuleDocFragment
        fragment = _load(getattr(fragment_class, (var or "documentation").upper()))
        merge_fragment(options, fragment.get("options") or {})
    return options


def _cache_entry(documentation):
    folder = _runtime_cache.folder()
    if not folder:
        return None
    fragments = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "doc_fragments")
    made_from = [ANSIBLE_VERSION, _runtime_cache.stat_line(os.path.abspath(__file__)), documentation]
    with os.scandir(fragments) as entries:
        made_from += sorted(_runtime_cache.stat_line(entry.path) for entry in entries if entry.name.endswith(".py"))
    digest = hashlib.sha256("\0".join(made_from).encode("utf-8", "surrogateescape")).hexdigest()
    return os.path.join(folder, "def-" + digest[:32])


def cached_option_definitions(documentation):
    """option_definitions(documentation), from the runtime cache when an earlier worker made them."""
    try:
        entry = _cache_entry(documentation)
    except OSError:
        entry = None
    data = _runtime_cache.read(entry, 1 << 22) if entry else None
    if data:
        try:
            return marshal.loads(data)
        except (ValueError, EOFError, TypeError):
            pass
    options = option_definitions(documentation)
    if entry:
        try:
            _runtime_cache.write(entry, marshal.dumps(options))
        except ValueError:
            pass  # a value marshal cannot keep: computed again next time
    return options


def register(module_name, documentation, plugin_type="lookup"):
    """Register the definitions of the plugin `module_name` (its __name__) unless Ansible has them.

    Ansible files them under the plugin's Python module name (ansible-core 2.19) or its FQCN (before).
    """
    names = (module_name, plugin_name(module_name))
    try:
        if any(C.config.has_configuration_definition(plugin_type, name) for name in names):
            return
        options = cached_option_definitions(documentation)
        for name in names:
            C.config.initialize_plugin_configuration_definitions(plugin_type, name, options)
    except Exception:  # pylint: disable=broad-except
        return  # Ansible parses the documentation itself
