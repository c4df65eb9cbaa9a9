"""Issue #13: the lookup agent attacked as an attacker would, on the local servers.

Each test is one attack: a cached session, answer or key must never reach another credential,
another OS user or a later run. Every test gets its own runtime directory, so it starts its own
agent (with short, configurable timeouts) and stops it at the end.
"""

from __future__ import annotations

import base64
import glob
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from integration.reliability import run_tasks
from sandbox import harness

from ansible_collections.pwman.secrets.plugins.module_utils import _gpg

# Looks at what every process leaves in the shared GnuPG homes directory: these tests share one pytest-xdist worker.
pytestmark = [pytest.mark.filterwarnings("ignore"), pytest.mark.xdist_group("gpg-homes")]

RESULT = re.compile(r"RESULT=<<(.*?)>>")


@pytest.fixture()
def agent_dir():
    path = tempfile.mkdtemp(prefix="pw13-")
    yield path
    harness.stop_lookup_agents(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def pb(sandbox_factory):
    return sandbox_factory("passbolt", seed="test")


@pytest.fixture(scope="module")
def opp(sandbox_factory):
    return sandbox_factory("opp")


@pytest.fixture(scope="module")
def tls_pb(sandbox_factory):
    """Passbolt on HTTPS with a throw-away CA (its certificate names 127.0.0.1)."""
    return sandbox_factory("passbolt", seed="test", tls=True)


def agent_env(server_env, agent_dir, **extra):
    env = dict(server_env, PWMAN_SECRETS_CACHE="true", PWMAN_SECRETS_RUNTIME_DIR=agent_dir)
    env.update(extra)
    return env


def read(expr, env, args=(), header="", directory=None):
    """Evaluate one lookup expression in a play; returns (value or None, error text or None, result)."""
    tasks = """
    - name: read
      ansible.builtin.set_fact:
        got: "{{{{ {expr} }}}}"
      ignore_errors: true
      register: r
    - ansible.builtin.debug:
        msg: "RESULT=<<{{{{ ('FAILED:' ~ r.msg) if r is failed else got }}}}>>"
""".format(expr=expr)
    result = run_tasks(tasks, env, args=args, header=header, directory=directory)
    found = RESULT.findall(result.stdout)
    assert result.rc == 0 and found, result
    value = found[-1]
    if value.startswith("FAILED:"):
        return None, value, result
    return value, None, result


def agent_ping(agent_dir):
    """(pid of the agent running under agent_dir, its stats) or (None, None)."""
    for path in harness.agent_sockets(agent_dir):
        try:
            pid = harness.ask_agent(path, {"op": "ping"})["pid"]
            return pid, harness.ask_agent(path, {"op": "stats"})
        except OSError:
            continue
    return None, None


def homes_of(pid):
    """The GnuPG homes that process `pid` owns (their names start with its pid)."""
    base = _gpg.home_base()
    return sorted(glob.glob(os.path.join(base, "%d-*" % pid)))


def pb_users(pb):
    return {u["short"]: u for u in pb.admin("GET", "users")}


# -- 1. a cache keyed by a path, not by the credential ---------------------------------------------------

def test_key_swap_at_a_fixed_path(pb, agent_dir, tmp_path):
    users = pb_users(pb)
    key_file = tmp_path / "deploy.asc"
    key_file.write_text(users["ada"]["private_key"])
    env = agent_env({k: v for k, v in pb.env.items() if k not in ("PASSBOLT_PRIVATE_KEY", "PASSBOLT_USER_ID")},
                    agent_dir, PASSBOLT_PRIVATE_KEY_FILE=str(key_file))
    value, error, dummy = read("lookup('pwman.secrets.passbolt', 'legacy-string')", env)
    assert value == "legacy-string-pw-1", error
    # Job B: another key at the same path, the same passphrase (which does not unlock it).
    key_file.write_text(users["betty"]["private_key"])
    value, error, result = read("lookup('pwman.secrets.passbolt', 'legacy-string')", env)
    assert value is None, "job B read job A's secret through A's session"
    assert "passphrase" in error, result


def test_kit_swap(pb, agent_dir, tmp_path):
    users = pb_users(pb)
    kit_file = tmp_path / "deploy.passbolt"

    def kit(user):
        body = {"domain": pb.base_url, "user_id": user["id"], "user_private_armored_key": user["private_key"]}
        return base64.b64encode(json.dumps(body).encode("utf-8")).decode("ascii")

    kit_file.write_text(kit(users["ada"]))
    env = agent_env({"PASSBOLT_PASSPHRASE": users["ada"]["passphrase"]}, agent_dir,
                    PASSBOLT_ACCOUNT_KIT=str(kit_file))
    value, error, dummy = read("lookup('pwman.secrets.passbolt', 'legacy-string')", env)
    assert value == "legacy-string-pw-1", error
    kit_file.write_text(kit(users["betty"]))  # betty's user id and key, inside the same file
    value, error, result = read("lookup('pwman.secrets.passbolt', 'legacy-string')", env)
    assert value is None, "the swapped kit was answered from the first kit's session"
    assert "passphrase" in error, result


# -- 2. the agent used the environment of the run that started it ---------------------------------------

def test_env_var_in_an_earlier_run(tls_pb, opp, agent_dir):
    tls = tls_pb
    # Run 1 only reads OPP, with PASSBOLT_VERIFY=false in its environment: it starts the agent.
    value, error, dummy = read("lookup('pwman.secrets.opp', 'Wells Fargo')",
                               agent_env(opp.env, agent_dir, PASSBOLT_VERIFY="false"))
    assert value == "wf-Secret-1!", error
    # Run 2 sets nothing (and even says validate_certs=true): the unknown CA must be refused.
    value, error, result = read("lookup('pwman.secrets.passbolt', 'legacy-string', validate_certs=true, retries=0)",
                                agent_env(tls.env, agent_dir))
    assert value is None, "TLS verification was off because of an earlier run's environment"
    assert "TLS error" in error, result


@pytest.mark.parametrize("cache", ["true", "false"])
def test_explicit_option_beats_env_var(tls_pb, agent_dir, cache):
    server = tls_pb
    env = agent_env(server.env, agent_dir, PASSBOLT_VERIFY="false", PWMAN_SECRETS_CACHE=cache)
    value, error, result = read("lookup('pwman.secrets.passbolt', 'legacy-string', validate_certs=true, retries=0)",
                                env)
    assert value is None, "PASSBOLT_VERIFY=false beat an explicit validate_certs=true"
    assert "TLS error" in error, result
    # Not set explicitly: the variable applies (compatibility with anatomicjc.passbolt).
    value, error, dummy = read("lookup('pwman.secrets.passbolt', 'legacy-string')", env)
    assert value == "legacy-string-pw-1", error


def test_ca_bundle_contents_change(tls_pb, sandbox_factory, agent_dir, tmp_path):
    server = sandbox_factory("opp", tls=True, tls_hostnames=["localhost"])
    bundle = tmp_path / "ca.pem"
    shutil.copy(server.ca_path, str(bundle))
    expr = "lookup('pwman.secrets.opp', 'Wells Fargo', retries=0, ca_path=%r, base_url=%r)" % (
        str(bundle), server.base_url.replace("127.0.0.1", "localhost"))
    env = agent_env(server.env, agent_dir)
    value, error, dummy = read(expr, env)
    assert value == "wf-Secret-1!", error
    shutil.copy(tls_pb.ca_path, str(bundle))  # only the bundle's contents change: another CA
    value, error, result = read(expr, env)
    assert value is None, "a session verified with the old CA bundle was reused"
    assert "TLS error" in error, result


class CountingProxy:
    """A plain HTTP forward proxy on 127.0.0.1 that counts what it forwards."""

    def __init__(self):
        import http.server  # pylint: disable=import-outside-toplevel
        import urllib.request  # pylint: disable=import-outside-toplevel

        proxy = self
        self.count = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def _forward(self):
                proxy.count += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "proxy-connection")}
                request = urllib.request.Request(self.path, data=body, method=self.command, headers=headers)
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                try:
                    response = opener.open(request, timeout=30)
                    status, rheaders, data = response.status, response.headers, response.read()
                except urllib.error.HTTPError as exc:
                    status, rheaders, data = exc.code, exc.headers, exc.read()
                self.send_response(status)
                for key, value in rheaders.items():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_proxy_variable_change(opp, agent_dir):
    proxy = CountingProxy()
    try:
        env = agent_env(opp.env, agent_dir, NO_PROXY="", no_proxy="")
        value, error, dummy = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env)
        assert value == "wf-Secret-1!", error
        assert proxy.count == 0
        env.update(HTTP_PROXY=proxy.url, http_proxy=proxy.url)  # only the proxy variable changes
        value, error, dummy = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env)
        assert value == "wf-Secret-1!", error
        assert proxy.count >= 1, "the second run's requests did not go through its proxy"
    finally:
        proxy.close()


# -- 3. who answers on the socket ----------------------------------------------------------------------

FAKE_AGENT = r"""
import json, os, socket, struct, sys
path, log = sys.argv[1], sys.argv[2]
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
os.chmod(path, 0o777)
server.listen(8)
open(log + ".ready", "w").close()
while True:
    conn, _ = server.accept()
    size = struct.unpack("!I", conn.recv(4))[0]
    data = b""
    while len(data) < size:
        data += conn.recv(size - len(data))
    with open(log, "ab") as handle:
        handle.write(data + b"\n")
    answer = json.dumps({"ok": True, "result": ["attacker-chosen"], "pid": 1}).encode()
    conn.sendall(struct.pack("!I", len(answer)) + answer)
    conn.close()
"""


def test_fake_agent_of_another_uid(opp, agent_dir):
    if os.getuid() != 0 or not shutil.which("useradd"):
        pytest.skip("needs root and useradd to create a throw-away user and its socket")
    name = "pw13fake"
    try:
        pwd.getpwnam(name)
        created = False
    except KeyError:
        subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
        created = True
    try:
        _fake_agent_attack(opp, agent_dir, pwd.getpwnam(name))
    finally:
        if created:
            subprocess.run(["userdel", name], check=False)


def _fake_agent_attack(opp, agent_dir, user):
    # Start the real agent once to learn the socket path, then stop it.
    env = agent_env(opp.env, agent_dir)
    value, error, dummy = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env)
    assert value == "wf-Secret-1!", error
    socket_path = glob.glob(os.path.join(agent_dir, "*", "agent-*.sock"))[0]
    harness.stop_lookup_agents(agent_dir)
    # The attacker's agent listens as another uid, on a socket it made in its own directory...
    own = tempfile.mkdtemp(prefix="pw13-fake-")
    os.chown(own, user.pw_uid, user.pw_gid)
    log = os.path.join(own, "received")
    python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable  # readable by the other user
    fake = subprocess.Popen([python, "-c", FAKE_AGENT, os.path.join(own, "s"), log],  # pylint: disable=consider-using-with
                            user=user.pw_uid, group=user.pw_gid, cwd=own)
    try:
        deadline = time.time() + 10
        while not os.path.exists(log + ".ready") and time.time() < deadline:
            time.sleep(0.05)
        # ...then swapped in at the agent's path (what a rename exchange in a shared directory does).
        os.rename(os.path.join(own, "s"), socket_path)
        value, error, result = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env, args=["-v"])
        assert value == "wf-Secret-1!", (error, result)
        assert not os.path.exists(log) or os.path.getsize(log) == 0, "the fake agent received a request"
        assert "uid %d" % user.pw_uid in result.stdout, result  # -v says why the agent was not used
    finally:
        fake.kill()
        fake.wait()
        shutil.rmtree(own, ignore_errors=True)
        if os.path.exists(socket_path):
            os.unlink(socket_path)


def test_group_writable_runtime_dir(opp, tmp_path):
    shared = tempfile.mkdtemp(prefix="pw13-shared-")
    try:
        os.chmod(shared, 0o775)  # group-writable, no sticky bit
        env = agent_env(opp.env, shared)
        value, error, result = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env, args=["-v"])
        assert value == "wf-Secret-1!", error
        assert not glob.glob(os.path.join(shared, "*", "agent-*.sock")), "an agent listens in an untrusted directory"
        assert "writable by others" in result.stdout, result
    finally:
        harness.stop_lookup_agents(shared)
        shutil.rmtree(shared, ignore_errors=True)


# -- 4. key material on disk ---------------------------------------------------------------------------

def test_keys_protected_in_memory_homes(pb, agent_dir):
    value, error, dummy = read("lookup('pwman.secrets.passbolt', 'app-api')", agent_env(pb.env, agent_dir))
    assert value == "app-api-pw-1", error  # v5 metadata: the shared metadata key was imported
    pid, dummy = agent_ping(agent_dir)
    homes = homes_of(pid)
    assert homes, "no GnuPG home of the agent under %s" % _gpg.home_base()
    keys = [p for home in homes for p in glob.glob(os.path.join(home, "private-keys-v1.d", "*.key"))]
    assert len(keys) >= 4, keys  # the user's key and subkey, the metadata key and subkey
    for path in keys:
        with open(path, "rb") as handle:
            text = handle.read()
        assert b"(protected-private-key" in text and b"(private-key" not in text, path


def test_sigkill_of_a_module_then_next_run_removes_the_stale_home(pb, agent_dir, tmp_path, monkeypatch):
    pb.add_faults({"kind": "latency", "path": "/resources\\.json", "delay": 30, "count": 1})
    env = agent_env(pb.env, agent_dir, PWMAN_SECRETS_CACHE="false")
    env["TMPDIR"] = str(tmp_path)  # Ansible's own module payload directory, which SIGKILL leaves, stays in here
    # The homes' directory of these runs alone: any Passbolt client removes the stale homes it finds in its own, so
    # in the shared one a client of another test (another pytest-xdist worker) could remove this one first.
    run_dir = tempfile.mkdtemp(prefix="pw13-run-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    env["XDG_RUNTIME_DIR"] = run_dir
    monkeypatch.setenv("XDG_RUNTIME_DIR", run_dir)  # _gpg.home_base() here: the same directory
    assert _gpg.home_base() == os.path.join(run_dir, "pwman-gpg")
    play = tmp_path / "slow.yml"
    play.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                    "    - pwman.secrets.passbolt_resource_info: {name: legacy-string}\n")
    before = set(glob.glob(os.path.join(_gpg.home_base(), "*")))
    from integration.conftest import ansible_env  # pylint: disable=import-outside-toplevel

    proc = subprocess.Popen(["ansible-playbook", "-i", "localhost,", "-c", "local", str(play)],  # pylint: disable=consider-using-with
                            env=ansible_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        stale = None
        deadline = time.time() + 60
        while stale is None and time.time() < deadline:
            new = set(glob.glob(os.path.join(_gpg.home_base(), "*"))) - before
            stale = next(iter(new), None)
            time.sleep(0.1)
        assert stale, "the module made no GnuPG home under %s" % _gpg.home_base()
        owner = int(os.path.basename(stale).split("-")[0])
        os.kill(owner, signal.SIGKILL)
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        pb.clear_faults()
    try:
        assert os.path.isdir(stale)  # SIGKILL leaves it behind...
        value, error, dummy = read("lookup('pwman.secrets.passbolt', 'legacy-string')", env)
        assert value == "legacy-string-pw-1", error
        assert not os.path.exists(stale), "the next run did not remove the stale home of a dead process"
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


# -- 5. answers crossing runs --------------------------------------------------------------------------

def test_main_process_lookups_in_two_runs_from_one_shell(opp, agent_dir):
    env = agent_env(opp.env, agent_dir)
    # A play name is templated in the ansible-playbook process itself, not in a forked worker.
    header = "  name: \"PLAY-{{ lookup('pwman.secrets.opp', 'Wells Fargo') | length }}\"\n"
    fetched = []
    for dummy in range(2):
        opp.reset_stats()
        value, error, result = read("'no lookup in a worker'", env, header=header)
        assert value == "no lookup in a worker", error
        assert "PLAY [PLAY-12]" in result.stdout, result
        fetched.append(opp.stats()["by_route"].get("GET /api/v1/fetchall", 0))
    # Both runs have the same parent (this process): the second must still read the server afresh.
    assert fetched[1] >= 1, fetched
    # And the answers are dropped once their run is over.
    deadline = time.time() + 10
    cached = None
    while time.time() < deadline:
        cached = agent_ping(agent_dir)[1]["cached"]
        if cached == 0:
            break
        time.sleep(0.2)
    assert cached == 0, "answers of finished runs stay in the agent's memory"


def test_agent_environ_holds_no_credential(pb, opp, agent_dir):
    env = agent_env(dict(pb.env, **opp.env), agent_dir)
    value, error, dummy = read("lookup('pwman.secrets.opp', 'Wells Fargo')", env)
    assert value == "wf-Secret-1!", error
    pid, dummy = agent_ping(agent_dir)
    with open("/proc/%d/environ" % pid, "rb") as handle:
        environ = handle.read().decode("utf-8", errors="replace")
    for name, secret in env.items():
        if name.startswith(("PASSBOLT_", "OPP_", "PASSWORDSTATE_")):
            for part in str(secret).splitlines() or [str(secret)]:
                if len(part) > 6 and "BEGIN PGP" not in part:
                    assert part not in environ, "%s is in the agent's environment" % name


# -- 6. sessions pile up ---------------------------------------------------------------------------------

def test_two_servers_in_turn_first_home_gone_after_idle(pb, opp, agent_dir):
    second = opp
    env = agent_env(pb.env, agent_dir, PWMAN_SECRETS_SESSION_IDLE="2")
    value, error, dummy = read("lookup('pwman.secrets.passbolt', 'legacy-string')", env)
    assert value == "legacy-string-pw-1", error
    pid, dummy = agent_ping(agent_dir)
    first_homes = homes_of(pid)
    assert first_homes, "no GnuPG home for the first session"
    deadline = time.time() + 15
    while time.time() < deadline and any(os.path.exists(h) for h in first_homes):
        time.sleep(0.2)
    assert not any(os.path.exists(h) for h in first_homes), "the idle session kept its GnuPG home"
    # Its last session closed, the agent is gone too (issue #23); the next server gets a fresh one.
    # (An agent that serves another session lives on: tests/unit/plugins/plugin_utils/test_agent_hardening.py.)
    value, error, dummy = read("lookup('pwman.secrets.opp', 'Wells Fargo')",
                               agent_env(second.env, agent_dir, PWMAN_SECRETS_SESSION_IDLE="2"))
    assert value == "wf-Secret-1!", error
    assert agent_ping(agent_dir)[0] not in (None, pid)
