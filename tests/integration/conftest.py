"""Integration tests: real ansible-playbook runs against the local servers.

A target is tests/integration/targets/<name>/ laid out like an ansible-test target
(tasks/main.yml, aliases). Its `aliases` file names the servers it needs
(`sandbox/passbolt`, `sandbox/passwordstate`, `sandbox/opp`). The playbook asserts the
behaviour itself; pytest checks it passed and can look at server stats.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from sandbox import harness

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The lookup agent's socket directory for this test session (private, removed at the end).
# Test modules also import this file as integration.conftest: both imports share one directory.
# Each pytest-xdist worker has its own (the variable's name carries the worker id).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_AGENT_VAR = "PWMAN_TEST_AGENT_DIR" + ("_" + _WORKER.upper() if _WORKER else "")
AGENT_DIR = os.environ.get(_AGENT_VAR)
if not AGENT_DIR:
    AGENT_DIR = os.environ[_AGENT_VAR] = tempfile.mkdtemp(prefix="pwman-agent-")
    atexit.register(shutil.rmtree, AGENT_DIR, True)  # also in the xdist controller, which runs no test
TARGETS = os.path.join(REPO, "tests", "integration", "targets")
COLLECTIONS = os.path.join(REPO, ".tmp", "collections")


def ansible_env(extra=None, tmp_home=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PASSBOLT_", "PASSWORDSTATE_", "OPP_"))}
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_ROLES_PATH": TARGETS,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        # Most targets check per-call behaviour (logins, pinning, tampering): they run without
        # the lookup agent; test_lookup_agent.py covers it (extra env PWMAN_SECRETS_CACHE=true).
        "PWMAN_SECRETS_CACHE": "false",
        "PWMAN_SECRETS_RUNTIME_DIR": AGENT_DIR,
        "PWMAN_SECRETS_AGENT_IDLE": "120",
    })
    if tmp_home:
        env["HOME"] = tmp_home
    env.update({k: str(v) for k, v in (extra or {}).items()})
    return env


class PlaybookResult:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def __repr__(self):
        return "rc=%s\n--- stdout ---\n%s\n--- stderr ---\n%s" % (self.rc, self.stdout[-20000:], self.stderr[-5000:])


def run_playbook(playbook, env=None, extra_vars=None, args=(), timeout=900, cwd=None):
    """Run ansible-playbook on localhost; returns PlaybookResult."""
    cmd = ["ansible-playbook", "-i", "localhost,", "-c", "local", playbook]
    for key, value in (extra_vars or {}).items():
        cmd += ["-e", "%s=%s" % (key, value)]
    cmd += list(args)
    proc = subprocess.run(cmd, env=ansible_env(env), capture_output=True, text=True, timeout=timeout,
                          cwd=cwd or REPO, check=False)
    result = PlaybookResult(proc)
    if result.rc != 0:
        print(result)  # pytest shows captured output of a failed test in full (assertion texts are cut)
    return result


def run_target(name, env=None, extra_vars=None, args=()):
    """Run integration target `name` (its tasks/main.yml as a role on localhost)."""
    with tempfile.NamedTemporaryFile("w", suffix=".yml", dir=os.path.join(REPO, ".tmp"), delete=False) as handle:
        handle.write("- hosts: localhost\n  gather_facts: false\n  roles:\n    - %s\n" % name)
        playbook = handle.name
    try:
        return run_playbook(playbook, env=env, extra_vars=extra_vars, args=args)
    finally:
        os.unlink(playbook)


def target_servers(name):
    with open(os.path.join(TARGETS, name, "aliases"), encoding="utf-8") as handle:
        return [line.split("/", 1)[1].strip() for line in handle if line.startswith("sandbox/")]


@pytest.fixture(scope="session", autouse=True)
def agent_cleanup():
    yield
    harness.stop_lookup_agents(AGENT_DIR)
    import time  # pylint: disable=import-outside-toplevel

    time.sleep(0.5)
    shutil.rmtree(AGENT_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def sandbox_factory():
    """Start servers on demand; everything started is stopped at the end of the session."""
    started = []

    def start(product, **kwargs):
        server = harness.start(product, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def all_servers_env(sandbox_factory):
    """The environment of a Passwordstate, an OPP and a Passbolt server started for this test module."""
    merged = {}
    for product in ("passwordstate", "opp", "passbolt"):
        merged.update(sandbox_factory(product).env)
    return merged


@pytest.fixture(scope="session")
def playbook():
    return run_playbook


@pytest.fixture(scope="session")
def target():
    return run_target
