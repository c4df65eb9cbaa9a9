"""The thin lookup plugins: what a worker loads, and what shapes a call rather than a session."""

from __future__ import annotations

import importlib
import sys

import pytest
import yaml

from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_runtime import load_implementation

LOOKUPS = ("opp", "passbolt", "passwordstate", "passwordstate_generate")
# Fragment options that still only shape one call: the Passwordstate list (its key comes from list_api_keys).
FRAGMENT_CALL_OPTIONS = {"passwordstate": {"list_id"}}


@pytest.mark.parametrize("name", LOOKUPS)
def test_call_options_are_the_plugins_own_options(name):
    """A lookup's own options shape one call; the fragments' (connection, credentials, cache) pick the session."""
    module = importlib.import_module("ansible_collections.pwman.secrets.plugins.lookup." + name)
    own = set(yaml.safe_load(module.DOCUMENTATION)["options"]) - {"_terms"}
    assert own | FRAGMENT_CALL_OPTIONS.get(name, set()) == set(load_implementation(name).CALL_OPTIONS)


PRODUCT_MODULES = ("_client", "_api", "_gpg", "_write", "_totp")


def _is_product_module(name):
    leaf = name.rsplit(".", 1)[1]
    return any(part in leaf for part in PRODUCT_MODULES) or leaf.endswith("_lookup")


def test_worker_imports_stay_light():
    """Loading a lookup plugin (to ask the agent) must not load any product client."""
    prefix = "ansible_collections.pwman.secrets.plugins."
    for name in list(sys.modules):
        if name.startswith(prefix + "lookup.") or (name.startswith(prefix) and _is_product_module(name)):
            del sys.modules[name]
    import importlib  # pylint: disable=import-outside-toplevel

    for plugin in LOOKUPS:
        importlib.import_module(prefix + "lookup." + plugin)
    loaded = sorted(n for n in sys.modules if n.startswith(prefix) and _is_product_module(n))
    assert loaded == []
