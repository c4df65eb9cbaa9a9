"""Lookup option definitions registered at import equal what Ansible itself would parse, and spare that parse."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest
import yaml
from ansible.parsing.yaml.loader import AnsibleLoader
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import add_fragments

from ansible_collections.pwman.secrets.plugins.plugin_utils import _agent_client, _option_definitions

LOOKUPS = ("opp", "passbolt", "passwordstate", "passwordstate_generate")


def plain(value):
    """Ansible's loader returns tagged str subclasses; compare values only."""
    return json.loads(json.dumps(value, sort_keys=True))


@pytest.mark.parametrize("name", LOOKUPS)
def test_same_definitions_as_ansible(name):
    module = importlib.import_module("ansible_collections.pwman.secrets.plugins.lookup." + name)
    doc = yaml.load(module.DOCUMENTATION, Loader=AnsibleLoader)
    add_fragments(doc, module.__file__, fragment_loader=fragment_loader, is_module=False)
    ours = _option_definitions.option_definitions(module.DOCUMENTATION)
    assert plain(ours) == plain(doc["options"])
    assert {"cache", "timeout", "validate_certs"} <= set(ours)


def test_plugin_name():
    assert _option_definitions.plugin_name("ansible_collections.pwman.secrets.plugins.lookup.opp") == "pwman.secrets.opp"


def test_foreign_fragment_leaves_the_parse_to_ansible():
    with pytest.raises(ValueError):
        _option_definitions.option_definitions("options: {}\nextends_documentation_fragment: [community.general.x]\n")


def test_loading_a_lookup_skips_ansibles_parse_and_options_still_resolve(tmp_path):
    """In a fresh process (as in a forked worker): no add_fragments call, env sources still apply."""
    code = "\n".join([
        "import ansible.plugins.loader as loader",
        "calls = []",
        "real = loader.add_fragments",
        "loader.add_fragments = lambda *a, **k: (calls.append(1), real(*a, **k))",
        "loader.init_plugin_loader()",
        "plugin = loader.lookup_loader.get('pwman.secrets.opp')",
        "plugin.set_options(var_options={'ansible_pwman_opp_timeout': 7}, direct={'field': 'username'})",
        "print(len(calls), plugin.get_option('base_url'), plugin.get_option('timeout'), plugin.get_option('field'),",
        "      plugin.get_option('cache'))",
    ])
    collections = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or _agent_client._collections_root()  # pylint: disable=protected-access
    env = dict(os.environ, OPP_BASE_URL="https://opp.example", PWMAN_SECRETS_CACHE="false",
               ANSIBLE_COLLECTIONS_PATH=collections)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=str(tmp_path))
    assert out.stdout.split() == ["0", "https://opp.example", "7", "username", "False"]


def test_fast_yaml_builder_matches_the_safe_loader():
    text = ("a: [1, -2, 0x10, 1_000, 1.5, .inf, true, no, ~, null, '3', 2026-11-23, 'x']\n"
            "base: &b {k: v, n: 1}\n"
            "merged:\n  <<: *b\n  n: 2\n"
            "multi: |\n  line one\n  line two\n")
    assert _option_definitions._load(text) == yaml.safe_load(text)  # pylint: disable=protected-access
