"""Issue #23 (2): the agent's identity is the code it runs; computing it is cheap and its cache cannot go stale."""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from ansible_collections.pwman.secrets.plugins.plugin_utils import _agent, _agent_client, _agent_identity, _runtime_cache

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


@pytest.fixture()
def copy(tmp_path, monkeypatch):
    """A copy of the collection's code; identities are computed for it."""
    root = tmp_path / "copy"
    shutil.copytree(os.path.join(REPO, "plugins"), str(root / "plugins"), ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(_agent_identity, "collection_root", lambda: str(root))
    monkeypatch.setattr(_agent_identity, "_MEMO", {})
    return root


def fresh_process(monkeypatch):
    """What a new forked worker knows: nothing kept in memory."""
    monkeypatch.setattr(_agent_identity, "_MEMO", {})


def test_same_code_elsewhere_is_another_agent(copy, monkeypatch):
    elsewhere = _agent_identity.code_identity()
    monkeypatch.setattr(_agent_identity, "collection_root", lambda: REPO)  # the same files, at another path
    fresh_process(monkeypatch)
    assert _agent_identity.code_identity() != elsewhere


def test_cached_digest_equals_the_computed_one_and_spares_the_reading(copy, tmp_path, monkeypatch):
    cache = tmp_path / "runtime"
    cache.mkdir(mode=0o700)
    computed = _agent_identity.code_identity()
    fresh_process(monkeypatch)
    assert _agent_identity.code_identity(str(cache)) == computed
    assert len(os.listdir(str(cache))) == 1
    fresh_process(monkeypatch)

    def no_reading(files):
        raise AssertionError("read the files although the digest was kept")

    monkeypatch.setattr(_agent_identity, "_content_digest", no_reading)
    assert _agent_identity.code_identity(str(cache)) == computed


@pytest.mark.parametrize("change", ["same size", "replaced", "new file"])
def test_a_changed_file_changes_the_identity_whatever_the_cache_holds(copy, tmp_path, monkeypatch, change):
    cache = tmp_path / "runtime"
    cache.mkdir(mode=0o700)
    before = _agent_identity.code_identity(str(cache))
    target = copy / "plugins" / "plugin_utils" / "_opp_lookup.py"
    text = target.read_text()
    stat = os.stat(str(target))
    if change == "same size":  # same length, same modification time: only the change time tells
        target.write_text(text.replace("password", "passw0rd", 1))
        os.utime(str(target), ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elif change == "replaced":
        (copy / "new.py").write_text(text + "\n# patched\n")
        os.replace(str(copy / "new.py"), str(target))
    else:
        (copy / "plugins" / "module_utils" / "_extra.py").write_text("X = 1\n")
    fresh_process(monkeypatch)
    assert _agent_identity.code_identity(str(cache)) != before


def test_the_lookup_sends_nothing_to_an_agent_of_other_code(tmp_path, monkeypatch):
    monkeypatch.setenv("PWMAN_SECRETS_RUNTIME_DIR", str(tmp_path))
    path = _agent_client.socket_path()
    impostor = _agent.Agent(path, idle_timeout=60, identity="0" * 64)  # at our socket's name, other code
    received = []
    impostor.handle = lambda payload: received.append(payload) or {"ok": True, "result": ["from other code"]}
    thread = threading.Thread(target=impostor.serve, daemon=True)
    thread.start()
    deadline = time.time() + 5
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.01)
    try:
        with pytest.raises(_agent_client.OtherCode, match="runs other code"):
            _agent_client.request({"op": "lookup", "plugin": "opp", "options": {"phrase": "secret"}, "terms": ["x"]})
        assert received == []
    finally:
        impostor.stopping.set()
        thread.join(5)


def test_digests_of_code_gone_for_a_day_are_pruned(copy, tmp_path, monkeypatch):
    cache = tmp_path / "runtime"
    cache.mkdir(mode=0o700)
    stale = cache / ("code-" + "a" * 32)
    stale.write_text("b" * 64)
    os.utime(str(stale), (time.time() - _runtime_cache.PRUNE_AGE - 60,) * 2)
    _agent_identity.code_identity(str(cache))
    assert not stale.exists() and len(os.listdir(str(cache))) == 1
