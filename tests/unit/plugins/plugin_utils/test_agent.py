"""The per-user lookup agent: wire protocol, caching per run, invalidation, privacy, lifecycle."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError
from ansible_collections.pwman.secrets.plugins.plugin_utils import _agent, _agent_client

SECRET = "agent-test-secret-value"


class FakeLookup:
    def __init__(self):
        self.calls = 0
        self.forgotten = 0
        self.closed = 0

    def run_in_agent(self, terms, options, notes=None):
        self.calls += 1
        if notes is not None:
            notes.append([1, "looked up %d term(s)" % len(terms)])
        if terms == ["bad"]:
            raise ConfigError("Option 'field' is wrong")
        if terms == ["crash"]:
            raise RuntimeError("boom with " + SECRET)
        return [t.upper() for t in terms], options.get("field") != "totp"

    def clients_forget_data(self):
        self.forgotten += 1

    def prepare_in_agent(self, options):
        self.prepared = getattr(self, "prepared", []) + [options]
        if options.get("bad"):
            raise ConfigError("Option 'base_url' is wrong")

    def clients_close(self):
        self.closed += 1


@pytest.fixture()
def agent(tmp_path, monkeypatch):
    monkeypatch.setenv("PWMAN_SECRETS_RUNTIME_DIR", str(tmp_path))
    path = _agent_client.socket_path()
    instance = _agent.Agent(path, idle_timeout=60)
    fake = FakeLookup()
    instance.lookups["fake"] = fake
    thread = threading.Thread(target=instance.serve, daemon=True)
    thread.start()
    deadline = time.time() + 5
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.01)
    yield instance, fake, path
    instance.stopping.set()
    thread.join(5)


def ask(terms, run="run-1", options=None):
    return _agent_client.request({"op": "lookup", "plugin": "fake", "run": run,
                                  "options": options or {"field": "password"}, "terms": terms})


def test_private_locations(agent, tmp_path):
    instance, fake, path = agent
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0


def test_round_trip_and_cache_per_run(agent):
    instance, fake, path = agent
    # the implementation's messages come back with the answer that made them (the worker shows them), once
    assert ask(["a", "b"]) == {"ok": True, "result": ["A", "B"], "notes": [[1, "looked up 2 term(s)"]]}
    assert ask(["a", "b"]) == {"ok": True, "result": ["A", "B"]}
    assert fake.calls == 1
    ask(["a", "b"], run="run-2")
    assert fake.calls == 2
    ask(["a", "b"], options={"field": "username"})
    assert fake.calls == 3


def test_time_based_answers_not_cached(agent):
    instance, fake, path = agent
    ask(["x"], options={"field": "totp"})
    ask(["x"], options={"field": "totp"})
    assert fake.calls == 2


def test_invalidate(agent):
    instance, fake, path = agent
    ask(["a"])
    assert fake.forgotten == 1  # a new run: client data from earlier runs is stale
    assert _agent_client.invalidate("passbolt") is True
    assert fake.forgotten == 2
    ask(["a"])
    assert fake.calls == 2


def test_errors(agent):
    # a failed lookup's messages come back too (e.g. which resources a name search passed by)
    assert ask(["bad"]) == {"ok": False, "error": "Option 'field' is wrong", "notes": [[1, "looked up 1 term(s)"]]}
    answer = ask(["crash"])
    assert answer["ok"] is False
    assert "RuntimeError" in answer["error"] and SECRET not in answer["error"]


def test_stats_and_unknown_op(agent):
    ask(["a"])
    ask(["a"])
    stats = _agent_client.request({"op": "stats"})
    assert stats["counters"] == {"requests": 2, "cache_hits": 1}
    assert _agent_client.request({"op": "nope"})["ok"] is False


def test_invalidate_without_agent_is_silent(tmp_path, monkeypatch):
    monkeypatch.setenv("PWMAN_SECRETS_RUNTIME_DIR", str(tmp_path))
    assert _agent_client.invalidate() is False


def test_idle_timeout_removes_socket(tmp_path, monkeypatch):
    monkeypatch.setenv("PWMAN_SECRETS_RUNTIME_DIR", str(tmp_path))
    path = _agent_client.socket_path()
    instance = _agent.Agent(path, idle_timeout=0.5)
    instance.lookups["fake"] = FakeLookup()
    thread = threading.Thread(target=instance.serve, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert not os.path.exists(path)
    assert instance.lookups["fake"].closed == 1


def test_spawned_agent_process(tmp_path, monkeypatch):
    """The real thing: the first request starts a detached agent process; stop ends it."""
    monkeypatch.setenv("PWMAN_SECRETS_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("PWMAN_SECRETS_AGENT_IDLE", "30")
    first = _agent_client.request({"op": "ping"})
    second = _agent_client.request({"op": "ping"})
    assert first["ok"] and first["pid"] == second["pid"] != os.getpid()
    assert _agent_client.request({"op": "stop"})["ok"]
    deadline = time.time() + 5
    while os.path.exists(_agent_client.socket_path()) and time.time() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(_agent_client.socket_path())


def test_runtime_dir_refuses_foreign_symlink(tmp_path, monkeypatch):
    monkeypatch.setenv("PWMAN_SECRETS_RUNTIME_DIR", str(tmp_path))
    target = tmp_path / "elsewhere"
    target.mkdir()
    os.symlink(str(target), str(tmp_path / ("pwman-secrets-%d" % os.getuid())))
    with pytest.raises(_agent_client.AgentUnavailable):
        _agent_client.socket_path()


def _run_id_in_child(queue):
    queue.put(_agent_client.run_id())


def test_run_id_names_the_run_process():
    """ansible-playbook itself (play names, hosts:) is its own run; a forked worker names its parent."""
    import multiprocessing  # pylint: disable=import-outside-toplevel

    assert _agent_client.run_id().startswith("%d-" % os.getpid())
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_run_id_in_child, args=(queue,))
    child.start()
    assert queue.get(timeout=10) == _agent_client.run_id()
    child.join(10)
    assert _agent._run_alive(_agent_client.run_id())  # pylint: disable=protected-access
    assert not _agent._run_alive("999999999-1")  # pylint: disable=protected-access


def test_invalidate_reaches_an_agent_of_another_python(tmp_path, monkeypatch):
    """Modules often run under another interpreter than the lookups: every agent of the user is told."""
    from ansible_collections.pwman.secrets.plugins.module_utils._agent_wire import notify_invalidate, runtime_dir

    monkeypatch.setenv("PWMAN_SECRETS_RUNTIME_DIR", str(tmp_path))
    path = os.path.join(runtime_dir(), "agent-0123456789ab.sock")
    assert path != _agent_client.socket_path()
    instance = _agent.Agent(path, idle_timeout=60)
    fake = FakeLookup()
    instance.lookups["fake"] = fake
    thread = threading.Thread(target=instance.serve, daemon=True)
    thread.start()
    deadline = time.time() + 5
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.01)
    try:
        assert notify_invalidate("opp") is True
        assert fake.forgotten == 1
    finally:
        instance.stopping.set()
        thread.join(5)


def test_identical_requests_together_make_one_lookup(agent):
    """Forks that evaluate the same group_vars at once: the first asks the server, the others wait for it."""
    instance, fake, path = agent
    release = threading.Event()
    real = fake.run_in_agent

    def slow(terms, options, notes=None):
        release.wait(5)
        return real(terms, options, notes)

    fake.run_in_agent = slow
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(ask(["same"]))) for dummy in range(5)]
    for thread in threads:
        thread.start()
    deadline = time.time() + 5
    while instance.counters["requests"] < 5 and time.time() < deadline:
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(5)
    # one lookup: its answer (with its messages) to the first, the cached answer to the others
    assert sorted(answers, key=len) == [{"ok": True, "result": ["SAME"]}] * 4 + [
        {"ok": True, "result": ["SAME"], "notes": [[1, "looked up 1 term(s)"]]}]
    assert fake.calls == 1


def test_waiting_requests_redo_a_failed_or_uncacheable_one(agent):
    instance, fake, path = agent
    assert ask(["x"], options={"field": "totp"})["ok"]
    assert ask(["x"], options={"field": "totp"})["ok"]
    assert ask(["bad"])["ok"] is False and ask(["bad"])["ok"] is False
    assert fake.calls == 4
    assert instance.pending == {}


def test_a_runtime_dir_too_deep_for_a_socket_is_said_at_once(tmp_path, monkeypatch):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True, mode=0o700)
    monkeypatch.setenv("PWMAN_SECRETS_RUNTIME_DIR", str(deep))
    with pytest.raises(_agent_client.AgentUnavailable, match="longer than a Unix socket allows .*PWMAN_SECRETS_RUNTIME_DIR"):
        _agent_client.request({"op": "stats"})
    assert os.listdir(str(deep / ("pwman-secrets-%d" % os.getuid()))) == []  # no agent was started, nothing bound


def test_a_process_keeps_its_connection_and_leaves_it_when_the_agent_goes(agent):
    """Issue 25: a worker's lookups share one connection; a forked child never uses its parent's; a kept connection to
    an agent that stopped is left for the agent that runs now."""
    instance, fake, path = agent
    ask(["a"])
    kept = _agent_client._KEPT[_agent_client._kept_key()]  # pylint: disable=protected-access
    ask(["b"])
    assert _agent_client._KEPT[_agent_client._kept_key()] is kept and fake.calls == 2  # pylint: disable=protected-access
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(writer, b"1" if _agent_client._kept_key() not in _agent_client._KEPT else b"0")  # pylint: disable=protected-access
        os._exit(0)  # pylint: disable=protected-access
    os.waitpid(child, 0)
    assert os.read(reader, 1) == b"1"
    os.close(reader)
    os.close(writer)

    instance.stopping.set()
    deadline = time.time() + 5
    while os.path.exists(path) and time.time() < deadline:
        time.sleep(0.01)
    successor = _agent.Agent(path, idle_timeout=60)
    other = FakeLookup()
    successor.lookups["fake"] = other
    thread = threading.Thread(target=successor.serve, daemon=True)
    thread.start()
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.01)
    try:
        assert ask(["c"], run="run-2")["result"] == ["C"]
        assert other.calls == 1 and fake.calls == 2
        assert _agent_client._KEPT[_agent_client._kept_key()] is not kept  # pylint: disable=protected-access
    finally:
        successor.stopping.set()
        thread.join(5)


def test_prepare_opens_a_session_for_the_runs_lookups(agent):
    """Issue 25: the preload callback's login (op prepare) starts the run: the run's lookups find what it read."""
    instance, fake, path = agent
    assert _agent_client.request({"op": "prepare", "plugin": "fake", "run": "run-7", "options": {"u": 1}}) == {"ok": True}
    assert fake.prepared == [{"u": 1}] and fake.forgotten == 1
    ask(["a"], run="run-7")
    assert fake.forgotten == 1  # the same run: nothing read by the login is forgotten
    answer = _agent_client.request({"op": "prepare", "plugin": "fake", "run": "run-8", "options": {"bad": 1}})
    assert answer == {"ok": False, "error": "Option 'base_url' is wrong"}
