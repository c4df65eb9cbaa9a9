"""LookupRuntime: one client per distinct session, reused across calls in the agent; PwmanLookupBase options."""

from __future__ import annotations

import subprocess
import sys

from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_runtime import (
    LookupImplementation,
    LookupRuntime,
    load_implementation,
)


class Client:
    made = []

    def __init__(self, options):
        self.base_url = options.get_option("base_url")
        self.forgotten = 0
        self.closed = False
        Client.made.append(self)

    def forget_data(self):
        self.forgotten += 1

    def close(self):
        self.closed = True


class Lookup(LookupImplementation):
    CALL_OPTIONS = ("field",)

    def lookup(self, terms, options):
        client = self.runtime.cached_client(options, Client)
        return [client.base_url + "/" + t for t in terms]


def test_sessions_keyed_by_their_own_options():
    Client.made = []
    lookup = LookupRuntime(Lookup)
    a1, cacheable = lookup.run_in_agent(["x"], {"base_url": "https://a", "user": "ada", "field": "password"})
    a2, dummy = lookup.run_in_agent(["y"], {"base_url": "https://a", "user": "ada", "field": "username"})
    b1, dummy = lookup.run_in_agent(["x"], {"base_url": "https://b", "user": "ada", "field": "password"})
    c1, dummy = lookup.run_in_agent(["x"], {"base_url": "https://a", "user": "betty", "field": "password"})
    assert (a1, a2, b1, c1) == (["https://a/x"], ["https://a/y"], ["https://b/x"], ["https://a/x"])
    assert cacheable is True
    assert len(Client.made) == 3  # a/ada (reused for another field), b/ada, a/betty


def test_forget_data_reaches_clients_before_their_next_use():
    Client.made = []
    lookup = LookupRuntime(Lookup)
    options = {"base_url": "https://a"}
    lookup.run_in_agent(["x"], options)
    lookup.clients_forget_data()
    assert Client.made[0].forgotten == 0
    lookup.run_in_agent(["x"], options)
    assert Client.made[0].forgotten == 1
    lookup.clients_close()
    assert Client.made[0].closed


def test_time_based_fields_are_not_cacheable():
    lookup = LookupRuntime(Lookup)
    assert lookup.run_in_agent(["x"], {"base_url": "https://a", "field": "totp"})[1] is False


def test_unknown_keyword_option_is_refused():
    """A typo in a lookup keyword is an error naming it, not silently ignored."""
    import pytest  # pylint: disable=import-outside-toplevel
    from ansible.errors import AnsibleLookupError  # pylint: disable=import-outside-toplevel
    from ansible.plugins.loader import lookup_loader  # pylint: disable=import-outside-toplevel

    plugin = lookup_loader.get("pwman.secrets.opp")
    with pytest.raises(AnsibleLookupError) as err:
        plugin.run(["x"], variables={}, bogus_option=1, cache=False)
    assert "unknown option 'bogus_option'" in str(err.value)


def test_implementations_load_by_lookup_name():
    for name in ("passbolt", "opp", "passwordstate", "passwordstate_generate"):
        implementation = load_implementation(name)
        assert issubclass(implementation, LookupImplementation) and implementation is not LookupImplementation
    assert load_implementation("passwordstate_generate").CACHE_RESULTS is False


def test_agent_side_imports_no_ansible():
    """The agent process loads the implementations and clients without Ansible (a 0.4 s import)."""
    code = ("import sys\n"
            "from ansible_collections.pwman.secrets.plugins.plugin_utils import _agent, _lookup_runtime\n"
            "for name in ('passbolt', 'opp', 'passwordstate', 'passwordstate_generate'):\n"
            "    _lookup_runtime.load_implementation(name)\n"
            "print(sorted(m for m in sys.modules if m == 'ansible' or m.startswith('ansible.')))\n")
    paths = [p for p in sys.path if p]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": ":".join(paths), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]"
