"""Start and stop the local product servers from Python (tests, benchmarks, `make sandbox`)."""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

from sandbox.common.httpserver import ADMIN_HEADER, ADMIN_PREFIX

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STARTUP_TIMEOUT = 120


class ServerHandle:
    """A running product server: its URL, client environment and admin API."""

    def __init__(self, product, process, ready, state_dir, owns_state_dir):
        self.product = product
        self.process = process
        self.base_url = ready["base_url"]
        self.admin_token = ready["admin_token"]
        self.ca_path = ready.get("ca_path")
        self.env = ready["env"]
        self.ready = ready
        self.state_dir = state_dir
        self._owns_state_dir = owns_state_dir

    def admin(self, method, name, payload=None):
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(self.base_url + ADMIN_PREFIX + name, data=data, method=method)
        request.add_header(ADMIN_HEADER, self.admin_token)
        request.add_header("Content-Type", "application/json")
        context = None
        if self.base_url.startswith("https"):
            import ssl  # pylint: disable=import-outside-toplevel

            context = ssl.create_default_context(cafile=self.ca_path)
            context.check_hostname = False
        with urllib.request.urlopen(request, timeout=30, context=context) as response:  # noqa: S310 - loopback only
            body = response.read()
        return json.loads(body) if body else None

    def stats(self):
        return self.admin("GET", "stats")

    def reset_stats(self):
        return self.admin("POST", "stats/reset", {})

    def add_faults(self, *rules):
        return self.admin("POST", "faults", list(rules))

    def clear_faults(self):
        return self.admin("DELETE", "faults")

    def stop(self):
        _end(self.process)
        stop_gpg_agents(self.state_dir)
        if self._owns_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class StartAborted(Exception):
    """start() gave up because its caller asked it to (abort() became true)."""


# A signal to the caller's process group can still reach a server between its fork and its setsid (Python
# unblocks signals in the child first): it dies of it, and the caller, signalled too, is stopping anyway.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _turns_true(condition, timeout):
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            return False
        time.sleep(0.02)
    return True


def _exited(process, timeout):
    """Whether the process ended within timeout seconds, without reaping it: while it is an unreaped zombie its
    process group id cannot be given to anyone else."""
    deadline = time.time() + timeout
    while True:
        if os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        if time.time() > deadline:
            return False
        time.sleep(0.02)


def _signal_group(process, signum):
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def _end(process):
    """End a server and every process of its group (it leads one: a gpg or node child it is waiting for)."""
    if process.returncode is None:
        _signal_group(process, signal.SIGTERM)
        if not _exited(process, 10):
            _signal_group(process, signal.SIGKILL)
            _exited(process, 60)
        _signal_group(process, signal.SIGKILL)  # children that outlived it
    process.wait()


def stop_gpg_agents(root):
    """Stop the gpg-agent of every GnuPG home under `root`: a server ended by a signal runs no atexit
    handler, and an agent whose home is deleted under it may linger."""
    for directory, dummy, files in os.walk(root):
        if "gpg-agent.conf" in files or "pubring.kbx" in files or "S.gpg-agent" in files:
            try:
                subprocess.run(["gpgconf", "--homedir", directory, "--kill", "gpg-agent"], check=False, timeout=30,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            except (OSError, subprocess.TimeoutExpired):
                pass


def processes_naming(path):
    """(pid, command line) of every process whose command line holds `path` (Linux /proc)."""
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()) if os.path.isdir("/proc") else ():
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if path in cmdline:
            found.append((int(pid), cmdline.strip()))
    return found


def still_running(paths, timeout):
    """The processes naming one of `paths` that are still there after up to `timeout` seconds (a gpg-agent
    told to stop, the watcher that waits for its server: they end on their own, shortly)."""
    deadline = time.time() + timeout
    while True:
        left = [found for path in paths for found in processes_naming(path)]
        if not left or time.time() > deadline:
            return left
        time.sleep(0.1)


def start(product, seed="demo", tls=False, tls_hostnames=None, config=None, state_dir=None, verbose=False,
          abort=None):
    """Start one product server in a child process and wait until it is ready.

    The server runs in its own session: a signal to the caller's process group (Ctrl-C, a service manager's
    SIGTERM) reaches the caller, which stops it. When `abort()` becomes true, or anything interrupts the wait,
    the server and its processes are stopped and the state directory made here removed before the exception
    goes on."""
    owns = state_dir is None
    state_dir = state_dir or tempfile.mkdtemp(prefix="pwman-sandbox-%s-" % product)
    try:
        process, ready = _launch(product, seed, tls, tls_hostnames, config, state_dir, verbose, abort, owns)
    except BaseException:
        stop_gpg_agents(state_dir)
        if owns:
            shutil.rmtree(state_dir, ignore_errors=True)
        still_running([state_dir], 10)
        raise
    return ServerHandle(product, process, ready, state_dir, owns)


def _launch(product, seed, tls, tls_hostnames, config, state_dir, verbose, abort, owns):
    os.chmod(state_dir, 0o700)
    ready_file = os.path.join(state_dir, "ready.json")
    if os.path.exists(ready_file):
        os.unlink(ready_file)
    cmd = [sys.executable, "-m", "sandbox.server", product, "--state-dir", state_dir,
           "--ready-file", ready_file, "--seed", seed, "--config", json.dumps(config or {})]
    if tls:
        cmd.append("--tls")
        for name in tls_hostnames or ():
            cmd += ["--tls-hostname", name]
    if verbose:
        cmd.append("--verbose")
    env = dict(os.environ)
    env["PYTHONPATH"] = TESTS_DIR + os.pathsep + env.get("PYTHONPATH", "")
    if owns:
        # What the server makes with tempfile (a key generation's GnuPG home) is removed with its state
        # directory, even when a signal ends it halfway.
        env["TMPDIR"] = os.path.join(state_dir, "tmp")
        os.makedirs(env["TMPDIR"], mode=0o700, exist_ok=True)
    process = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                               start_new_session=True)
    try:
        deadline = time.time() + STARTUP_TIMEOUT
        while not os.path.exists(ready_file):
            if abort is not None and abort():
                raise StartAborted(product)
            if process.poll() is not None:
                if abort is not None and -process.returncode in STOP_SIGNALS and _turns_true(abort, 2):
                    raise StartAborted(product)
                raise RuntimeError("%s sandbox server exited with %s before it was ready"
                                   % (product, process.returncode))
            if time.time() > deadline:
                raise RuntimeError("%s sandbox server not ready after %s s" % (product, STARTUP_TIMEOUT))
            time.sleep(0.05)
        with open(ready_file, encoding="utf-8") as handle:
            return process, json.load(handle)
    except BaseException:
        _end(process)
        raise


def agent_sockets(runtime_dir):
    """The sockets of the pwman.secrets lookup agents under `runtime_dir` (PWMAN_SECRETS_RUNTIME_DIR)."""
    return glob.glob(os.path.join(runtime_dir, "*", "agent-*.sock"))


def ask_agent(path, payload, timeout=10):
    """One request to the lookup agent at `path`, on the raw wire (a 4-byte length, then JSON); the greeting an
    agent sends first is passed by. No collection code: the tests and the bench check the agent from outside."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(path)
        data = json.dumps(payload).encode("utf-8")
        sock.sendall(struct.pack("!I", len(data)) + data)
        answer = _agent_message(sock)
        return _agent_message(sock) if "greeting" in answer else answer


def _agent_message(sock):
    (size,) = struct.unpack("!I", _agent_bytes(sock, 4))
    return json.loads(_agent_bytes(sock, size))


def _agent_bytes(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the agent closed the connection")
        data += chunk
    return data


def stop_lookup_agents(runtime_dir):
    """Stop every pwman.secrets lookup agent listening under `runtime_dir` (PWMAN_SECRETS_RUNTIME_DIR)."""
    stopped = 0
    for path in agent_sockets(runtime_dir):
        try:
            ask_agent(path, {"op": "stop"}, timeout=5)
            stopped += 1
        except (OSError, ValueError):
            pass
    deadline = time.time() + 5
    while agent_sockets(runtime_dir) and time.time() < deadline:
        time.sleep(0.05)
    return stopped
