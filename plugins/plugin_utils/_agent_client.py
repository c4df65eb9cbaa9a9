# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lookup side of the agent: find it, start it when needed, ask it.

Loaded in every forked worker that runs one of our lookups, so it imports nothing heavy:
the product clients only ever load in the agent process (plugin_utils/_agent.py).
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import subprocess
import sys
import time

from ansible_collections.pwman.secrets.plugins.module_utils import _agent_wire as _wire
from ansible_collections.pwman.secrets.plugins.module_utils._agent_wire import AgentUnavailable  # noqa: F401
from ansible_collections.pwman.secrets.plugins.module_utils._agent_wire import process_started
from ansible_collections.pwman.secrets.plugins.module_utils._runtime_dir import runtime_base
from ansible_collections.pwman.secrets.plugins.plugin_utils._agent_identity import code_identity

IDLE_TIMEOUT = 300
MAX_AGE = 3600
CONNECT_TIMEOUT = 15
# What the agent's environment holds: nothing that affects a request or holds a secret.
AGENT_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "XDG_RUNTIME_DIR", "HOME")
# Lifetimes, in seconds (tests set them short).
LIFETIME_VARIABLES = (("PWMAN_SECRETS_AGENT_IDLE", IDLE_TIMEOUT), ("PWMAN_SECRETS_SESSION_IDLE", None),
                      ("PWMAN_SECRETS_AGENT_MAX_AGE", MAX_AGE))
REQUEST_TIMEOUT = 600


class OtherCode(AgentUnavailable):
    """The process answering on our socket runs other code than this lookup: nothing is sent to it."""


# Set by freeze() in ansible-playbook before it forks (the preload callback): what its workers inherit.
_FROZEN = {}


def identity_and_socket():
    """(the identity of this collection's code, the socket of its agent)."""
    base = _wire.runtime_dir()
    identity = _FROZEN.get(("identity", base)) or code_identity(base)
    return identity, _wire.socket_path(identity, base)


def freeze():
    """In a process whose workers fork from it with this code loaded (the preload callback): the code's identity
    and the run's start time, worked out once here, not again in each worker. The identity names the code loaded
    now, which is what the workers run."""
    base = _wire.runtime_dir()
    _FROZEN[("identity", base)] = code_identity(base)
    _FROZEN[("started", os.getpid())] = process_started(os.getpid())


def socket_path():
    return identity_and_socket()[1]


def run_id():
    """Identify the ansible-playbook run: the process itself, or in a forked worker its parent.

    Workers are multiprocessing children of ansible-playbook; lookups templated in ansible-playbook
    itself (play names, hosts:, vars_prompt defaults) run in the run's own process.
    """
    parent = multiprocessing.parent_process()
    pid = parent.pid if parent is not None else os.getpid()
    started = _FROZEN.get(("started", pid)) or process_started(pid)
    return "%d-%s" % (pid, started or "0")


# -- client side ---------------------------------------------------------------------------
def _connect(path, identity):
    """A connection to the agent at `path`, once its greeting said it runs the code `identity` names."""
    sock = _wire.connect_existing(path, CONNECT_TIMEOUT)
    try:
        greeting = _wire.recv(sock)
    except (OSError, ValueError):
        sock.close()
        raise ConnectionError("the lookup agent at %s sent no greeting" % path) from None
    sock.settimeout(REQUEST_TIMEOUT)
    if not isinstance(greeting, dict) or greeting.get(_wire.GREETING) != identity:
        sock.close()
        raise OtherCode("the process on %s runs other code than this lookup (another copy or version of the "
                        "collection); nothing was sent to it" % path)
    return sock


def _collections_root():
    """The directory that holds ansible_collections/, for the agent's own imports."""
    here = os.path.abspath(__file__)
    for dummy in range(5):
        here = os.path.dirname(here)
    return os.path.dirname(here)


def _lifetimes():
    values = []
    for name, default in LIFETIME_VARIABLES:
        try:
            value = int(os.environ.get(name) or (values[0] if default is None else default))
        except ValueError:
            value = values[0] if default is None else default
        values.append(str(max(1, value)))
    return values


def _spawn(path):
    # A minimal environment: the agent outlives this run, and its environment must hold no credential.
    env = {name: os.environ[name] for name in AGENT_ENVIRONMENT if name in os.environ}
    env["PYTHONPATH"] = _collections_root() + os.pathsep + os.environ.get("PYTHONPATH", "")
    with open(os.devnull, "rb") as null_in, open(os.devnull, "wb") as null_out:
        subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", "ansible_collections.pwman.secrets.plugins.plugin_utils._agent",
             "serve", path] + _lifetimes(),
            stdin=null_in, stdout=null_out, stderr=null_out, env=env, close_fds=True, start_new_session=True,
            cwd="/",
        )


def connect():
    """A connection to the running agent, starting it first when needed (one starter at a time)."""
    identity, path = identity_and_socket()
    try:
        return _connect(path, identity)
    except OSError:
        pass
    lock_path = path + ".lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            return _connect(path, identity)
        except OSError:
            pass
        if os.path.exists(path):
            os.unlink(path)
        _spawn(path)
        deadline = time.time() + CONNECT_TIMEOUT
        while time.time() < deadline:
            try:
                return _connect(path, identity)
            except OSError:
                time.sleep(0.005)
        raise AgentUnavailable("the lookup agent did not start within %d s" % CONNECT_TIMEOUT)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def start_in_background(preparations=()):
    """Start the agent unless it runs, and have it open the sessions `preparations` ask for ({"plugin", "options"}
    each), from a short-lived process, without waiting (the preload callback, in ansible-playbook before it forks).
    A lookup that asks before the agent listens waits on the starters' lock as it would for another starter (one
    agent starts); one that asks while its session opens waits on the session's lock (one login)."""
    freeze()
    identity_and_socket()  # no trusted place for the agent, or no room for its socket's path: said here, in the caller
    run = run_id()
    child = os.fork()
    if child == 0:
        try:
            if os.fork() == 0:  # the grandchild does it; the caller reaps the child at once
                try:
                    connect().close()
                    for preparation in preparations:
                        request(dict(preparation, op="prepare", run=run))
                finally:
                    os._exit(0)  # pylint: disable=protected-access
        finally:
            os._exit(0)  # pylint: disable=protected-access
    os.waitpid(child, 0)


# This process's connection to the agent, kept for its next requests: {(pid, runtime base): socket}. A connection
# inherited through fork is the parent's, in the middle of the parent's exchanges: never used by the child.
_KEPT = {}


def _kept_key():
    return os.getpid(), runtime_base()


def request(payload):
    """Send one request to the agent and return its answer (a dict with 'ok'), on this process's kept connection
    when it has one (a lookup only reads: asked again on a new connection when the agent closed the kept one)."""
    key = _kept_key()
    sock = _KEPT.pop(key, None)
    while True:
        kept = sock is not None
        if not kept:
            try:
                sock = connect()
            except OSError as exc:
                raise AgentUnavailable(str(exc)) from None
        try:
            _wire.send(sock, payload)
            answer = _wire.recv(sock)
        except (OSError, ValueError, ConnectionError) as exc:
            sock.close()
            sock = None
            if kept:
                continue
            raise AgentUnavailable("lookup agent failed: %s" % exc) from None
        _KEPT[key] = sock
        return answer


def each_agent(op):
    """Ask every agent of this user (whatever code it runs) `op` (status, stop); one answer per agent, with its socket.
    Nothing is started. After `stop`, waits (up to REQUEST_TIMEOUT) until each agent is gone, sessions closed."""
    answers = []
    for path in _wire.agent_sockets():
        try:
            sock = _wire.connect_existing(path, CONNECT_TIMEOUT)
        except AgentUnavailable as exc:  # another user's process: asked nothing
            answers.append({"ok": False, "error": str(exc), "socket": path})
            continue
        except OSError:
            continue  # a socket left by an agent that is gone
        try:
            answer = _wire.exchange(sock, {"op": op})
        except (OSError, ValueError) as exc:
            answer = {"ok": False, "error": "no answer: %s" % exc}
        finally:
            sock.close()
        answer["socket"] = path
        answers.append(answer)
    if op == "stop":
        deadline = time.time() + REQUEST_TIMEOUT
        for answer in answers:
            pid, started = answer.get("pid"), answer.get("process_started")
            while time.time() < deadline and (process_started(pid) == started if pid and started
                                              else os.path.exists(answer["socket"])):
                time.sleep(0.05)
    return answers


def invalidate(product=None):
    """Forget cached lookup results (after a write). Silent when no agent runs."""
    return _wire.notify_invalidate(product)
