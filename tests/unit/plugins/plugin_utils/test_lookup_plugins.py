"""The thin lookup plugins: what a worker loads, and what shapes a call rather than a session."""

from __future__ import annotations

import sys

from ansible_collections.pwman.secrets.plugins.lookup import passwordstate_generate
from ansible_collections.pwman.secrets.plugins.plugin_utils._passwordstate_generate_lookup import MANUAL


def test_generator_call_options_cover_every_manual_option():
    assert set(MANUAL) | {"qty", "generator_id"} == set(passwordstate_generate.GENERATOR_OPTIONS)


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

    for plugin in ("opp", "passbolt", "passwordstate", "passwordstate_generate"):
        importlib.import_module(prefix + "lookup." + plugin)
    loaded = sorted(n for n in sys.modules if n.startswith(prefix) and _is_product_module(n))
    assert loaded == []
