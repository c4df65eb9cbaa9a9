"""Issue #13, unit level: trust in the runtime directory, options resolved by the worker, sessions
keyed by the credential, per-session idle close, the agent's maximum age and answers of ended runs."""

from __future__ import annotations

import os
import time

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils import _agent_wire, _runtime_dir
from ansible_collections.pwman.secrets.plugins.module_utils._http import HttpClient, proxies_for
from ansible_collections.pwman.secrets.plugins.module_utils._options import (
    CREDENTIAL_DIGEST,
    ENVIRONMENT,
    request_environment,
    resolved_options,
)
from ansible_collections.pwman.secrets.plugins.plugin_utils import _agent, _agent_client
from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_runtime import LookupImplementation, LookupRuntime


def test_untrusted_directories(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(str(shared), 0o775)
    assert "writable by others" in _runtime_dir.untrusted_reason(str(shared))
    os.chmod(str(shared), 0o1777)  # sticky, like /tmp
    assert _runtime_dir.untrusted_reason(str(shared)) is None
    os.chmod(str(shared), 0o700)
    if os.getuid() == 0:
        os.chown(str(shared), 65534, 65534)
        assert "owned by uid 65534" in _runtime_dir.untrusted_reason(str(shared / "."))


def test_runtime_dir_in_a_group_writable_place_is_refused(tmp_path, monkeypatch):
    os.chmod(str(tmp_path), 0o770)
    monkeypatch.setenv("PWMAN_SECRETS_RUNTIME_DIR", str(tmp_path))
    with pytest.raises(_agent_wire.UntrustedPlace, match="writable by others"):
        _agent_client.socket_path()
    os.chmod(str(tmp_path), 0o700)
    (tmp_path / ("pwman-secrets-%d" % os.getuid())).mkdir(mode=0o700)
    os.chmod(str(tmp_path / ("pwman-secrets-%d" % os.getuid())), 0o770)
    with pytest.raises(_agent_wire.UntrustedPlace, match="writable by others"):
        _agent_client.socket_path()


def test_files_under_home_reach_the_agent_as_absolute_paths(tmp_path, monkeypatch):
    """`account_kit='~/kit'`: the agent has another HOME (it serves every run of the user); it gets the worker's file."""
    (tmp_path / "account-kit.passbolt").write_text("kit")
    monkeypatch.setenv("HOME", str(tmp_path))
    values = resolved_options({"account_kit": "~/account-kit.passbolt"}, {}, environ={})
    assert values["account_kit"] == str(tmp_path / "account-kit.passbolt")


def test_credential_digest_follows_file_contents(tmp_path):
    key = tmp_path / "deploy.asc"
    key.write_text("key A")
    first = resolved_options({"private_key_file": str(key)}, {}, environ={})
    again = resolved_options({"private_key_file": str(key)}, {}, environ={})
    key.write_text("key B")
    swapped = resolved_options({"private_key_file": str(key)}, {}, environ={})
    assert first[CREDENTIAL_DIGEST] == again[CREDENTIAL_DIGEST] != swapped[CREDENTIAL_DIGEST]
    bundle = tmp_path / "ca.pem"
    bundle.write_text("CA 1")
    one = resolved_options({}, {}, environ={"REQUESTS_CA_BUNDLE": str(bundle)})
    bundle.write_text("CA 2")
    two = resolved_options({}, {}, environ={"REQUESTS_CA_BUNDLE": str(bundle)})
    assert one[CREDENTIAL_DIGEST] != two[CREDENTIAL_DIGEST]


def test_proxies_are_resolved_from_the_runs_environment():
    environment = request_environment({"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2",
                                       "NO_PROXY": "internal.example", "PATH": "/bin"})
    assert environment["proxies"] == {"https": "http://lower:2", "no": "internal.example"}
    assert proxies_for("https://pb.example.com", environment) == {"https": "http://lower:2"}
    assert proxies_for("https://internal.example", environment) == {}
    runtime = LookupRuntime(LookupImplementation)
    plain = runtime.client_key(resolved_options({"base_url": "x"}, {}, environ={}))
    proxied = runtime.client_key(resolved_options({"base_url": "x"}, {}, environ={"HTTPS_PROXY": "http://p:3"}))
    assert plain != proxied


def test_http_sessions_ignore_the_process_environment(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    client = HttpClient("X", "https://pb.example.com", environment={"proxies": {}, "ca_bundle": None})
    assert client.session.trust_env is False
    assert client.proxies == {} and client.ca_bundle is None
    given = HttpClient("X", "https://pb.example.com", environment={"proxies": {"https": "http://p:1"},
                                                                   "ca_bundle": "/x/ca.pem"})
    assert given.proxies == {"https": "http://p:1"} and given.ca_bundle == "/x/ca.pem"


def test_verify_variable_below_an_explicit_option():
    environ = {"PASSBOLT_VERIFY": "false"}
    assert resolved_options({"validate_certs": True}, {"validate_certs": "default"}, "PASSBOLT_VERIFY",
                            environ)["validate_certs"] is False
    for origin in ("Direct", "var: ansible_pwman_passbolt_validate_certs", "ini"):
        assert resolved_options({"validate_certs": True}, {"validate_certs": origin}, "PASSBOLT_VERIFY",
                                environ)["validate_certs"] is True
    assert ENVIRONMENT in resolved_options({}, {}, environ={})


class Closing:
    def __init__(self, options):
        self.closed = False
        self.base_url = options.get_option_default("base_url")

    def close(self):
        self.closed = True


class OneClient(LookupImplementation):
    def lookup(self, terms, options):
        return [self.runtime.cached_client(options, Closing)]


def test_idle_sessions_close_and_busy_ones_stay():
    runtime = LookupRuntime(OneClient)
    (first,), dummy = runtime.run_in_agent(["a"], {"base_url": "one"})
    time.sleep(0.3)
    (second,), dummy = runtime.run_in_agent(["a"], {"base_url": "two"})
    runtime.clients_close_idle(0.2)
    assert first.closed and not second.closed
    (again,), dummy = runtime.run_in_agent(["a"], {"base_url": "one"})
    assert again is not first  # a new session, logged in afresh


def test_an_idle_session_closes_while_the_agent_serves_another_then_the_agent_stops(tmp_path):
    """Issue #23 (3): no agent lives on with nothing to serve; one with a session in use does."""
    agent = _agent.Agent(str(tmp_path / "s"), idle_timeout=3600, session_idle=60)
    runtime = agent.lookups["one"] = LookupRuntime(OneClient)
    (first,), dummy = runtime.run_in_agent(["a"], {"base_url": "https://one.example.com"})
    (second,), dummy = runtime.run_in_agent(["a"], {"base_url": "https://user:pw@two.example.com/x"})
    agent.results[("run", "k1", "[]")] = (["answer of one"], "one", runtime.client_key({"base_url": "https://one.example.com"}))
    assert not agent.should_stop(time.time())
    runtime._last_used[runtime.client_key({"base_url": "https://one.example.com"})] -= 120  # pylint: disable=protected-access
    agent.sweep()
    assert first.closed and not second.closed
    assert agent.results == {}  # the answers of a closed session go with it
    assert not agent.should_stop(time.time())
    assert [s["server"] for s in agent.status()["sessions"]] == ["https://two.example.com/x"]  # no password of a URL
    runtime._last_used[runtime.client_key({"base_url": "https://user:pw@two.example.com/x"})] -= 120  # pylint: disable=protected-access
    agent.sweep()
    assert second.closed and agent.should_stop(time.time())


def test_a_session_that_went_idle_before_any_sweep_still_lets_the_agent_stop(tmp_path):
    """The race a loaded machine showed (test_agent_round2, once): the only session opened and went idle between
    two sweeps; the sweep that closed it must still count it, or the agent waits for idle_timeout."""
    agent = _agent.Agent(str(tmp_path / "s"), idle_timeout=3600, session_idle=60)
    runtime = agent.lookups["one"] = LookupRuntime(OneClient)
    (only,), dummy = runtime.run_in_agent(["a"], {"base_url": "https://one.example.com"})
    runtime._last_used[runtime.client_key({"base_url": "https://one.example.com"})] -= 120  # pylint: disable=protected-access
    agent.sweep()  # the first sweep after the lookup finds its session already idle
    assert only.closed and agent.should_stop(time.time())


def test_an_answer_served_again_keeps_its_session_open(tmp_path):
    agent = _agent.Agent(str(tmp_path / "s"), idle_timeout=3600, session_idle=60)
    runtime = agent.lookups["one"] = LookupRuntime(OneClient)
    options = {"base_url": "https://one.example.com"}
    (client,), dummy = runtime.run_in_agent(["a"], options)
    key = runtime.client_key(options)
    agent.results[("run", "k", "[]")] = (["answer"], "one", key)
    runtime._last_used[key] -= 120  # pylint: disable=protected-access
    assert agent._cached(("run", "k", "[]"))["result"] == ["answer"]  # pylint: disable=protected-access
    agent.sweep()
    assert not client.closed


def test_invalidation_is_not_use_and_max_age(tmp_path):
    agent = _agent.Agent(str(tmp_path / "s"), idle_timeout=60, max_age=3600)
    agent.last_used = time.time() - 100
    agent.handle({"op": "invalidate"})
    assert agent.should_stop(time.time())  # idle: the invalidation did not count as use
    young = _agent.Agent(str(tmp_path / "s"), idle_timeout=60, max_age=2)
    assert not young.should_stop(time.time())
    assert young.should_stop(time.time() + 3)  # past its maximum age, however busy


def test_answers_of_ended_runs_are_dropped(tmp_path):
    agent = _agent.Agent(str(tmp_path / "s"))
    live = _agent_client.run_id()
    agent.results[("999999999-1", "k", "[]")] = (["old"], "fake", None)
    agent.results[(live, "k", "[]")] = (["current"], "fake", None)
    agent.runs_seen = {"999999999-1", live}
    agent.sweep()
    assert [value[0] for value in agent.results.values()] == [["current"]]
    assert agent.runs_seen == {live}


def test_agent_environment_is_minimal(monkeypatch):
    monkeypatch.setenv("PASSBOLT_PASSPHRASE", "a secret passphrase")
    monkeypatch.setenv("PWMAN_SECRETS_SESSION_IDLE", "7")
    started = {}

    class Popen:  # records what the agent would be started with
        def __init__(self, args, **kwargs):
            started.update(args=args, env=kwargs["env"])

    monkeypatch.setattr(_agent_client.subprocess, "Popen", Popen)
    _agent_client._spawn("/x/agent.sock")  # pylint: disable=protected-access
    assert "PASSBOLT_PASSPHRASE" not in started["env"]
    assert set(started["env"]) <= set(_agent_client.AGENT_ENVIRONMENT) | {"PYTHONPATH"}
    assert started["args"][-3:] == ["300", "7", "3600"]


def test_a_file_changed_between_worker_and_agent_opens_no_session(tmp_path):
    from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError  # pylint: disable=import-outside-toplevel

    key = tmp_path / "deploy.asc"
    key.write_text("key A")
    options = resolved_options({"private_key_file": str(key)}, {}, environ={})
    key.write_text("key B")  # swapped after the worker read it
    runtime = LookupRuntime(OneClient)
    with pytest.raises(ConfigError, match="changed during the lookup"):
        runtime.run_in_agent(["a"], options)
    key.write_text("key A")
    (client,), dummy = runtime.run_in_agent(["a"], options)
    assert not client.closed


def test_relative_file_options_become_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(str(tmp_path))
    (tmp_path / "kit.passbolt").write_text("kit")
    (tmp_path / "password").write_text("a file that happens to share a field's name")
    values = resolved_options({"account_kit": "kit.passbolt", "field": "password"}, {}, environ={})
    assert values["account_kit"] == str(tmp_path / "kit.passbolt")
    assert values["field"] == "password"


@pytest.mark.parametrize("option,form", [
    ("private_key_file", "{}"), ("ca_path", "{}"), ("private_key", "{}"),
    ("account_kit", "{}\n"), ("account_kit", "  {}  "),  # a kit path read from a file keeps its line end
])
def test_every_file_an_option_reads_is_in_the_digest_whatever_its_name(tmp_path, option, form):
    """Issue #23 (4): a path with a line break (or around white space) that the reader opens escaped the digest.
    (An account kit of more than one line is content: its reader never takes it for a path.)"""
    folder = tmp_path / ("odd name" if option == "account_kit" else "odd\nname")
    folder.mkdir()
    path = folder / ("kit\t.passbolt" if option == "account_kit" else "key\r\n.asc")
    path.write_text("content A")
    value = form.format(path)
    first = resolved_options({option: value}, {}, environ={})
    path.write_text("content B")  # replaced: another user's key, another CA
    second = resolved_options({option: value}, {}, environ={})
    assert first[CREDENTIAL_DIGEST] != second[CREDENTIAL_DIGEST], option


def test_a_ca_directory_with_an_odd_name_is_in_the_digest(tmp_path):
    folder = tmp_path / "ca\ndir"
    folder.mkdir()
    (folder / "a.pem").write_text("CA 1")
    first = resolved_options({"ca_path": str(folder)}, {}, environ={})
    (folder / "a.pem").write_text("CA 2")
    assert resolved_options({"ca_path": str(folder)}, {}, environ={})[CREDENTIAL_DIGEST] != first[CREDENTIAL_DIGEST]
