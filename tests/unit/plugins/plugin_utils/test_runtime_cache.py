"""Issue #25: a forked worker imports the lookup's modules from compiled code kept by an earlier worker, never stale,
only from the user's private runtime directory, and the option definitions likewise."""

from __future__ import annotations

import marshal
import os
import stat
import subprocess
import sys

import pytest

from ansible_collections.pwman.secrets.plugins.plugin_utils import _agent_client, _option_definitions, _runtime_cache


@pytest.fixture()
def runtime(tmp_path, monkeypatch):
    """A private runtime directory, as _agent_wire.runtime_dir() makes it."""
    base = tmp_path / "run"
    base.mkdir(mode=0o700)
    monkeypatch.setenv("PWMAN_SECRETS_RUNTIME_DIR", str(base))
    monkeypatch.setattr(_runtime_cache, "_STATE", {"folder": None, "looking": False})
    return base / ("pwman-secrets-%d" % os.getuid())


def load(path):
    name = "ansible_collections.pwman.secrets.plugins.plugin_utils._probe_module"
    namespace = {}
    exec(_runtime_cache.CachedLoader(name, str(path)).get_code(name), namespace)  # pylint: disable=exec-used
    return namespace["VALUE"]


def entries(folder, prefix):
    return sorted(name for name in os.listdir(str(folder)) if name.startswith(prefix)) if folder.exists() else []


def test_compiled_code_is_kept_privately_and_never_served_stale(runtime, tmp_path):
    source = tmp_path / "probe.py"
    source.write_text("VALUE = 'one'\n")
    assert load(source) == "one"
    kept = entries(runtime, "pyc-")
    assert len(kept) == 1 and stat.S_IMODE(os.stat(str(runtime / kept[0])).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(runtime)).st_mode) == 0o700
    # The kept code is what is loaded: replace it, and the next worker gets it.
    (runtime / kept[0]).write_bytes(marshal.dumps(compile("VALUE = 'kept'\n", str(source), "exec")))
    assert load(source) == "kept"
    # Same size, same modification time: the change time differs, so the new source is compiled.
    info = os.stat(str(source))
    source.write_text("VALUE = 'two'\n")
    os.utime(str(source), ns=(info.st_atime_ns, info.st_mtime_ns))
    assert load(source) == "two"


def test_a_damaged_entry_is_compiled_again(runtime, tmp_path):
    source = tmp_path / "probe.py"
    source.write_text("VALUE = 3\n")
    assert load(source) == 3
    (runtime / entries(runtime, "pyc-")[0]).write_bytes(b"\x00garbage")
    assert load(source) == 3


def test_no_trusted_runtime_directory_no_cache(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(str(shared), 0o777)  # writable by others, not sticky: never used
    monkeypatch.setenv("PWMAN_SECRETS_RUNTIME_DIR", str(shared))
    monkeypatch.setattr(_runtime_cache, "_STATE", {"folder": None, "looking": False})
    source = tmp_path / "probe.py"
    source.write_text("VALUE = 4\n")
    assert load(source) == 4
    assert os.listdir(str(shared)) == []


def test_option_definitions_kept_equal_and_keyed_by_the_text(runtime):
    from ansible_collections.pwman.secrets.plugins.lookup import opp  # pylint: disable=import-outside-toplevel

    first = _option_definitions.cached_option_definitions(opp.DOCUMENTATION)
    assert entries(runtime, "def-") and first == _option_definitions.option_definitions(opp.DOCUMENTATION)
    assert _option_definitions.cached_option_definitions(opp.DOCUMENTATION) == first
    other = opp.DOCUMENTATION.replace("short_description:", "short_description: changed", 1)
    _option_definitions.cached_option_definitions(other)
    assert len(entries(runtime, "def-")) == 2


WORKER = "\n".join([
    "import builtins, os",
    "import ansible.plugins.loader as loader",
    "ours = ('/plugins/plugin_utils/', '/plugins/module_utils/')",
    "compiled, real = [], builtins.compile",
    "def counting(source, filename, *a, **k):",
    "    if any(part in str(filename) for part in ours): compiled.append(os.path.basename(str(filename)))",
    "    return real(source, filename, *a, **k)",
    "builtins.compile = counting",
    "loader.init_plugin_loader()",
    "plugin = loader.lookup_loader.get('pwman.secrets.opp')",
    "import sys",
    "base = sys.modules['ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_base']",
    "print(type(base.__loader__).__name__, sorted(set(compiled)))",
])


def test_a_second_worker_compiles_none_of_the_lookups_modules(runtime, tmp_path):
    """As two forked workers: the first compiles and keeps the modules, the second compiles none but those that
    find the runtime directory and the cache itself."""
    collections = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or _agent_client._collections_root()  # pylint: disable=protected-access
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, PWMAN_SECRETS_RUNTIME_DIR=str(runtime.parent))
    runs = [subprocess.run([sys.executable, "-c", WORKER], env=env, capture_output=True, text=True, check=True,
                           cwd=str(tmp_path)).stdout.split(" ", 1) for dummy in range(2)]
    assert runs[0][0] == runs[1][0] == "CachedLoader"
    assert "_lookup_base.py" in runs[0][1] and "_options.py" in runs[0][1]
    # _runtime_cache comes through Ansible's loader and _runtime_dir tells where the cache is (Python's own loader,
    # with its own bytecode where it may write it): only they can be compiled; _agent_wire, which told before, is kept.
    assert set(eval(runs[1][1])) <= {"_runtime_dir.py", "_runtime_cache.py"}  # pylint: disable=eval-used
    assert "_runtime_cache.py" in runs[1][1]
