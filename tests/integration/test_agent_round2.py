"""Issue #23 (2, 3, 4): the lookup agent attacked again, on the local servers.

Each test is one attack: a file swapped at a path with a line break, a second copy of the collection, a
core dump of the agent, an agent that outlives its last session. Every test gets its own runtime
directory (its own agent) and stops it at the end.
"""

from __future__ import annotations

import glob
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

import pytest

from integration.conftest import REPO
from integration.reliability import run_tasks, write_play
from integration.test_agent_security import agent_dir, agent_env, agent_ping, homes_of, opp, pb, pb_users, read  # noqa: F401  pylint: disable=unused-import
from sandbox import harness

pytestmark = [pytest.mark.filterwarnings("ignore"), pytest.mark.xdist_group("gpg-homes")]


# -- 4. a path with a line break ------------------------------------------------------------------------------

def test_key_swap_at_a_path_with_a_line_break(pb, agent_dir, tmp_path):
    users = pb_users(pb)
    folder = tmp_path / "deploy\nkeys"
    folder.mkdir()
    key_file = folder / "deploy.asc"
    key_file.write_text(users["ada"]["private_key"])
    env = agent_env({k: v for k, v in pb.env.items() if k not in ("PASSBOLT_PRIVATE_KEY", "PASSBOLT_USER_ID")},
                    agent_dir, PASSBOLT_PRIVATE_KEY_FILE=str(key_file))
    value, error, dummy = read("lookup('pwman.secrets.passbolt', 'legacy-string')", env)
    assert value == "legacy-string-pw-1", error
    key_file.write_text(users["betty"]["private_key"])  # another user's key, at the same path
    value, error, result = read("lookup('pwman.secrets.passbolt', 'legacy-string')", env)
    assert value is None, "the swapped key was answered from the first key's session"
    assert "passphrase" in error, result


def test_ca_swap_at_a_path_with_a_line_break(sandbox_factory, agent_dir, tmp_path):
    server = sandbox_factory("opp", tls=True)
    other = sandbox_factory("opp", tls=True)  # another throw-away CA
    folder = tmp_path / "trust\nstore"
    folder.mkdir()
    bundle = folder / "ca.pem"
    shutil.copy(server.ca_path, str(bundle))
    env = agent_env(dict(server.env, PW23_CA=str(bundle)), agent_dir)
    expr = "lookup('pwman.secrets.opp', 'Wells Fargo', retries=0, ca_path=lookup('ansible.builtin.env', 'PW23_CA'))"
    value, error, dummy = read(expr, env)
    assert value == "wf-Secret-1!", error
    shutil.copy(other.ca_path, str(bundle))
    value, error, result = read(expr, env)
    assert value is None, "a session verified with the old CA bundle was reused"
    assert "TLS error" in error, result


def agent_sockets(agent_dir):
    return glob.glob(os.path.join(agent_dir, "*", "agent-*.sock"))


def agent_pid(agent_dir):
    pid, dummy = agent_ping(agent_dir)
    return pid


# -- 2. the agent is tied to the code it runs ----------------------------------------------------------------

def copy_of_the_collection(tmp_path, patch=True):
    """A second copy of this collection, same version, in a playbook-adjacent collections/ directory (returned: the
    playbooks' directory); `patch`: its OPP lookup marks what it answers."""
    root = tmp_path / "play" / "collections" / "ansible_collections" / "pwman" / "secrets"
    for part in ("plugins", "meta"):
        shutil.copytree(os.path.join(REPO, part), str(root / part), ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.path.join(REPO, "galaxy.yml"), str(root / "galaxy.yml"))
    if patch:
        lookup = root / "plugins" / "plugin_utils" / "_opp_lookup.py"
        text = lookup.read_text()
        assert "results.append(item[field])" in text
        lookup.write_text(text.replace("results.append(item[field])", "results.append('copy-2:' + str(item[field]))"))
    return str(tmp_path / "play")


def test_a_second_copy_never_talks_to_the_first_copys_agent(opp, agent_dir, tmp_path):
    env = agent_env(opp.env, agent_dir)
    value, error, dummy = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env)
    assert value == "wf-Secret-1!", error
    first = agent_sockets(agent_dir)
    assert len(first) == 1
    # A playbook-adjacent copy (or a patched one, or an upgrade that kept the version) with the same version.
    copy = copy_of_the_collection(tmp_path)
    value, error, dummy = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env, directory=copy)
    assert value == "copy-2:wf-Secret-1!", "the copy's lookup was answered by the first copy's agent: %s" % (error or value)
    assert len(agent_sockets(agent_dir)) == 2, "the copy has no agent of its own"
    # And the first copy is still answered by its own agent.
    value, error, dummy = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env)
    assert value == "wf-Secret-1!", error


def test_a_copy_with_the_same_files_elsewhere_has_its_own_agent(opp, agent_dir, tmp_path):
    env = agent_env(opp.env, agent_dir)
    value, error, dummy = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env)
    assert value == "wf-Secret-1!", error
    copy = copy_of_the_collection(tmp_path, patch=False)
    value, error, dummy = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env, directory=copy)
    assert value == "wf-Secret-1!", error
    assert len(agent_sockets(agent_dir)) == 2, "two copies of the code at two paths share one agent"


FAKE_SAME_USER_AGENT = r"""
import json, os, socket, struct, sys
path, log = sys.argv[1], sys.argv[2]
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(8)
open(log + ".ready", "w").close()
while True:
    conn, _ = server.accept()
    greeting = json.dumps({"greeting": "0" * 64, "pid": os.getpid()}).encode()
    conn.sendall(struct.pack("!I", len(greeting)) + greeting)
    conn.settimeout(3)
    try:
        data = conn.recv(1 << 20)
    except OSError:
        data = b""
    with open(log, "ab") as handle:
        handle.write(data)
    conn.close()
"""


def test_the_lookup_checks_the_agents_identity_before_sending(opp, agent_dir, tmp_path):
    env = agent_env(opp.env, agent_dir)
    value, error, dummy = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env)
    assert value == "wf-Secret-1!", error
    path = agent_sockets(agent_dir)[0]
    harness.stop_lookup_agents(agent_dir)
    log = str(tmp_path / "received")
    fake = subprocess.Popen([sys.executable, "-c", FAKE_SAME_USER_AGENT, path, log])  # pylint: disable=consider-using-with
    try:
        deadline = time.time() + 10
        while not os.path.exists(log + ".ready") and time.time() < deadline:
            time.sleep(0.05)
        value, error, result = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env, args=["-v"])
        assert value == "wf-Secret-1!", (error, result)
        assert not os.path.exists(log) or os.path.getsize(log) == 0, "the process of other code received the request"
        assert "runs other code" in result.stdout, result
    finally:
        fake.kill()
        fake.wait()


def test_status_and_stop(pb, opp, agent_dir):
    env = agent_env(dict(pb.env, **opp.env), agent_dir)
    tasks = """
    - ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.opp', 'Wells Fargo') == 'wf-Secret-1!'
          - lookup('pwman.secrets.passbolt', 'legacy-string') == 'legacy-string-pw-1'
        quiet: true
    - ansible.builtin.debug:
        msg: "STATUS={{ query('pwman.secrets.lookup_agent', 'status') | to_json }}=END"
"""
    result = run_tasks(tasks, env)
    assert result.rc == 0, result
    status = json.loads(result.stdout.split("STATUS=", 1)[1].split("=END", 1)[0].replace('\\"', '"'))
    assert len(status) == 1 and status[0]["this_collection"] and status[0]["code"] == REPO, status
    assert sorted((s["lookup"], s["server"]) for s in status[0]["sessions"]) == sorted(
        [("opp", opp.base_url + "/api/v1"), ("passbolt", pb.base_url)]), status
    assert status[0]["dumpable"] is False, status
    for secret in (opp.env["OPP_PASSWORD"], opp.env["OPP_PHRASE"], pb.env["PASSBOLT_PASSPHRASE"], "wf-Secret-1!",
                   "legacy-string-pw-1"):
        assert secret not in result.stdout, secret
    pid = status[0]["pid"]
    homes = homes_of(pid)
    assert homes, "the Passbolt session has no GnuPG home"
    # From a shell, as docs/security.md says.
    from integration.conftest import ansible_env  # pylint: disable=import-outside-toplevel

    shell = subprocess.run(["ansible", "localhost", "-m", "ansible.builtin.debug", "-a",
                            "msg={{ query('pwman.secrets.lookup_agent', 'stop') }}"],
                           env=ansible_env(env), capture_output=True, text=True, timeout=120, check=False)
    assert shell.returncode == 0, shell.stdout + shell.stderr
    assert '"stopped": true' in shell.stdout, shell.stdout
    assert not agent_sockets(agent_dir) and not os.path.exists("/proc/%d" % pid), "the agent is still there"
    assert not any(os.path.exists(home) for home in homes), "the agent's GnuPG homes are still there"


# -- 3. no core dumps; no agent with nothing to serve -----------------------------------------------------------

def unlimited_core():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def core_limits(pid):
    with open("/proc/%d/limits" % pid, encoding="ascii") as handle:
        line = next(line for line in handle if line.startswith("Max core file size"))
    return line.split()[4:6]


def test_the_agent_writes_no_core_dump(opp, agent_dir, tmp_path):
    env = agent_env(opp.env, agent_dir)
    play = write_play("""
    - ansible.builtin.assert:
        that: lookup('pwman.secrets.opp', 'Wells Fargo') == 'wf-Secret-1!'
""")
    from integration.conftest import ansible_env  # pylint: disable=import-outside-toplevel

    try:
        done = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", play], env=ansible_env(env),
                              capture_output=True, text=True, timeout=300, check=False, preexec_fn=unlimited_core)
    finally:
        os.unlink(play)
    assert done.returncode == 0, done.stdout + done.stderr
    pid = agent_pid(agent_dir)
    # Started by a run with `ulimit -c unlimited`: its own limit is zero, and stays so.
    assert core_limits(pid) == ["0", "0"], core_limits(pid)
    with open("/proc/sys/kernel/core_pattern", encoding="ascii") as handle:
        pattern = handle.read().strip()
    with open("/proc/sys/fs/suid_dumpable", encoding="ascii") as handle:
        suid_dumpable = handle.read().strip()
    if pattern.startswith("|") or suid_dumpable != "0" or not shutil.which("prlimit"):
        pytest.skip("core dumps go to %r (suid_dumpable %s): only the limits are checked" % (pattern, suid_dumpable))
    # Not dumpable: a process of the same user cannot change its limits (that takes ptrace access) unless it may
    # ptrace anything; where it may, a raised limit still writes no core, since the process is not dumpable.
    control = subprocess.Popen(["sleep", "60"])  # pylint: disable=consider-using-with
    try:
        assert subprocess.run(["prlimit", "--pid", str(control.pid), "--core=unlimited:unlimited"],
                              check=False, capture_output=True).returncode == 0, "prlimit works on a dumpable process"
    finally:
        control.kill()
        control.wait()
    raised = subprocess.run(["prlimit", "--pid", str(pid), "--core=unlimited:unlimited"], check=False,
                            capture_output=True, text=True)
    assert raised.returncode == 0 or "not permitted" in raised.stderr, raised.stderr
    core = os.path.join(os.path.realpath("/proc/%d/cwd" % pid), os.path.basename(pattern.replace("%p", str(pid))))
    before = os.stat(core).st_mtime if os.path.exists(core) else None
    os.kill(pid, signal.SIGSEGV)
    deadline = time.time() + 30
    while os.path.exists("/proc/%d" % pid) and time.time() < deadline:
        time.sleep(0.05)
    written = os.path.exists(core) and os.stat(core).st_mtime != before
    if written:
        os.unlink(core)
    assert not written, "the agent wrote a core dump (%s)" % core


def test_the_agent_exits_when_its_last_session_closes(opp, agent_dir):
    env = agent_env(opp.env, agent_dir, PWMAN_SECRETS_SESSION_IDLE="2", PWMAN_SECRETS_AGENT_IDLE="300")
    value, error, dummy = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env)
    assert value == "wf-Secret-1!", error
    pid = agent_pid(agent_dir)
    assert pid
    deadline = time.time() + 20
    while os.path.exists("/proc/%d" % pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not os.path.exists("/proc/%d" % pid), "the agent lives on with no session to serve"
    assert not agent_sockets(agent_dir)
