"""README's tables say what `ansible-doc` says: every plugin, and every environment variable the lookups read."""

from __future__ import annotations

import glob
import importlib
import os
import re

from ansible_collections.pwman.secrets.plugins.plugin_utils._option_definitions import option_definitions

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Read for anatomicjc.passbolt users (validate_certs / ca_path), documented in the Passbolt fragment's notes.
COMPATIBILITY_VARIABLES = {"PASSBOLT_VERIFY"}


def readme_section(title):
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    start = text.index("\n## %s" % title)
    end = text.find("\n## ", start + 1)
    return text[start:end]


def plugin_names(kind):
    return {os.path.basename(path)[:-3] for path in glob.glob(os.path.join(REPO, "plugins", kind, "*.py"))}


def test_plugin_table_lists_every_plugin():
    rows = re.findall(r"^\| `pwman\.secrets\.(\w+)` \| (\w+) \|", readme_section("Plugins"), re.M)
    assert sorted(name for name, kind in rows if kind == "module") == sorted(plugin_names("modules"))
    assert sorted(name for name, kind in rows if kind == "lookup") == sorted(plugin_names("lookup"))


def test_environment_table_lists_every_variable_the_lookups_read():
    documented = set()
    for name in plugin_names("lookup"):
        module = importlib.import_module("ansible_collections.pwman.secrets.plugins.lookup." + name)
        for definition in option_definitions(module.DOCUMENTATION).values():
            documented.update(entry["name"] for entry in definition.get("env") or [])
    table = readme_section("Options, environment variables and module_defaults")
    listed = set(re.findall(r"`((?:PASSBOLT|PASSWORDSTATE|OPP|PWMAN_SECRETS)_[A-Z_]+)`", table))
    assert listed == documented | COMPATIBILITY_VARIABLES
