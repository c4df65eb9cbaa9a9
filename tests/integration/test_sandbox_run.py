"""`make sandbox`: sandbox.run, started as the Makefile starts it, in its own process group.

Issue 26: SIGINT or SIGTERM to the group, while the servers start or once they run, stops it cleanly:
no traceback, every directory it made gone, no gpg-agent or any other process left.
Issue 21: it writes a credential file per seeded Passbolt user next to .sandbox/env; betty's reads as betty.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from integration.conftest import REPO, run_playbook
from sandbox import harness
from sandbox.passbolt import seed_data as PB

TESTS = os.path.join(REPO, "tests")
SHARED_WITH_BETTY = "db-primary"   # shared with the group Ops, of which betty is a member
NOT_SHARED_WITH_BETTY = "legacy-string"  # ada's alone


def secret_of(name):
    return [r for r in PB.RESOURCES if r["name"] == name][0]["secret"]["password"]


class Sandbox:
    """python -m sandbox.run in a new session, with its own short TMPDIR (gpg-agent socket paths must fit
    108 bytes) so that everything it leaves can be told from what other tests make."""

    def __init__(self, tmp_path):
        self.tmpdir = tempfile.mkdtemp(prefix="sbx-", dir="/tmp")
        self.env_file = str(tmp_path / ".sandbox" / "env")
        self.lines = []
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", "sandbox.run", "--env-file", self.env_file], cwd=TESTS,
            env=dict(os.environ, TMPDIR=self.tmpdir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        self.stderr = []
        threading.Thread(target=self._read, args=(self.process.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self.stderr), daemon=True).start()

    @staticmethod
    def _read(stream, into):
        for line in stream:
            into.append(line)

    def wait_for(self, condition, what, timeout=180):
        deadline = time.time() + timeout
        while not condition():
            assert self.process.poll() is None, (what, self.output())
            assert time.time() < deadline, ("timed out waiting: " + what, self.output())
            time.sleep(0.01)

    def output(self):
        return "".join(self.lines) + "".join(self.stderr)

    def running(self):
        return any("environment written" in line for line in self.lines)

    def starting(self):
        """A server has its directory but is not ready yet (Passbolt, the first, takes a second or more)."""
        return any(not os.path.exists(os.path.join(d, "ready.json"))
                   for d in glob.glob(os.path.join(self.tmpdir, "pwman-sandbox-*")))

    def signal_group(self, signum):
        os.killpg(self.process.pid, signum)
        self.process.wait(timeout=120)
        time.sleep(0.2)  # let the reader threads take the last lines

    def group_alive(self):
        try:
            os.killpg(self.process.pid, 0)
            return True
        except ProcessLookupError:
            return False

    def close(self):
        """Whatever a failed test left: ended, removed."""
        if self.group_alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        for pid, dummy in harness.processes_naming(self.tmpdir):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.tmpdir, ignore_errors=True)


@pytest.fixture()
def sandbox(tmp_path):
    started = Sandbox(tmp_path)
    yield started
    started.close()


def sourced(*files):
    """The variables a shell has after `source`-ing the files, as a user does."""
    script = "set -a; for f in \"$@\"; do . \"$f\"; done; env -0"
    out = subprocess.run(["bash", "-c", script, "-"] + list(files), env={"PATH": os.environ["PATH"]},
                         capture_output=True, check=True).stdout.decode("utf-8")
    pairs = (item.split("=", 1) for item in out.split("\0") if "=" in item)
    return {k: v for k, v in pairs if k.startswith(("PASSBOLT_", "OPP_", "PASSWORDSTATE_"))}


PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: As the user the environment names
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passbolt', shared) == shared_secret
          - (lookup('pwman.secrets.passbolt', private, errors='ignore') is none) == (user == 'betty')
          - lookup('pwman.secrets.opp', 'wifi') | length > 0
"""


def assert_stopped_cleanly(started, signum):
    out = started.output()
    assert "Traceback" not in out, out
    assert os.listdir(started.tmpdir) == [], out
    assert harness.processes_naming(started.tmpdir) == [], out
    assert not started.group_alive()
    assert glob.glob(os.path.join(os.path.dirname(started.env_file), "*")) == []
    assert started.process.returncode == 0, out
    assert "sandbox: stopping (%s)" % signal.Signals(signum).name in out and "sandbox: stopped" in out, out


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_servers_start_stops_it_cleanly(sandbox, signum):
    sandbox.wait_for(sandbox.starting, "a server starting")
    sandbox.signal_group(signum)
    assert_stopped_cleanly(sandbox, signum)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_once_it_runs_stops_it_cleanly_and_betty_has_her_file(sandbox, tmp_path, signum):
    sandbox.wait_for(sandbox.running, "the sandbox to run")
    assert glob.glob(os.path.join(sandbox.tmpdir, "pwman-sandbox-*")) != []
    folder = os.path.dirname(sandbox.env_file)
    files = sorted(os.listdir(folder))
    assert files == sorted(["env", "account-kit.passbolt"] + ["passbolt-%s.env" % short for short in PB.USERS]), files
    for name in files:
        assert stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode) == 0o600, name
    if signum == signal.SIGTERM:  # the lookups once: they are what the files are for, not what stops it
        playbook = tmp_path / "play.yml"
        playbook.write_text(PLAY)
        as_betty = sourced(sandbox.env_file, os.path.join(folder, "passbolt-betty.env"))
        assert as_betty["PASSBOLT_USER_ID"] == PB.USERS["betty"]["id"]
        as_ada = sourced(sandbox.env_file)  # .sandbox/env alone: ada, as before
        assert as_ada["PASSBOLT_USER_ID"] == PB.USERS["ada"]["id"]
        for user, variables in (("betty", as_betty), ("ada", as_ada)):
            result = run_playbook(str(playbook), env=variables, extra_vars={
                "user": user, "shared": SHARED_WITH_BETTY, "shared_secret": secret_of(SHARED_WITH_BETTY),
                "private": NOT_SHARED_WITH_BETTY})
            assert result.rc == 0, result
    sandbox.signal_group(signum)
    assert_stopped_cleanly(sandbox, signum)


def test_a_server_stopped_while_it_generates_its_keys_leaves_nothing(monkeypatch, tmp_path):
    """On a fresh clone (no key cache) the Passbolt server generates keys in GnuPG homes it makes with tempfile:
    they live in its state directory, and its gpg children go with it."""
    base = tempfile.mkdtemp(prefix="sbx-", dir="/tmp")
    monkeypatch.setattr(tempfile, "tempdir", base)

    def generating():
        return bool(glob.glob(os.path.join(base, "pwman-sandbox-passbolt-*", "tmp", "pwman-pbkey-*")))

    try:
        with pytest.raises(harness.StartAborted):
            harness.start("passbolt", config={"key_cache": str(tmp_path / "empty-cache")}, abort=generating)
        assert os.listdir(base) == []
        assert harness.processes_naming(base) == []
    finally:
        for pid, dummy in harness.processes_naming(base):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(base, ignore_errors=True)
