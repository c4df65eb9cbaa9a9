# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-user lookup agent process (its client side is plugin_utils/_agent_client.py).

Ansible runs every task in a fresh fork: a lookup that logs in (Passbolt: GPG sign, encrypt,
decrypt, two HTTP calls) and imports requests each time makes large plays slow. The first
lookup starts this agent; later lookups send their options and terms over a Unix socket and
get the answer from a process that already holds a logged-in client.

Safety (docs/security.md): the socket lives in a 0700 directory owned by the user in a trusted place,
both ends check the other's uid (SO_PEERCRED), the socket's name and the agent's greeting name the
code it runs (plugin_utils/_agent_identity.py), the worker resolves every option (the agent reads
no environment of its own and starts with a minimal one), sessions are keyed by the resolved
credential, answers are kept in memory for one ansible-playbook run only (dropped when its process
is gone, or when the session that gave them closes), a write by one of our modules invalidates them,
each session closes after its own idle timeout (GnuPG home removed), the agent exits when its last
session closes, when idle, or at its maximum age, and it writes no core dump.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import time

from ansible_collections.pwman.secrets.plugins.module_utils import _agent_wire as _wire
from ansible_collections.pwman.secrets.plugins.module_utils._no_core import dumpable, no_core_dumps
from ansible_collections.pwman.secrets.plugins.module_utils._version import COLLECTION_VERSION
from ansible_collections.pwman.secrets.plugins.plugin_utils._agent_client import IDLE_TIMEOUT, MAX_AGE, process_started
from ansible_collections.pwman.secrets.plugins.plugin_utils._agent_identity import code_identity, collection_root
from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_runtime import (
    LookupRuntime,
    load_implementation,
    options_key,
)

REQUEST_TIMEOUT = 600
SWEEP_INTERVAL = 0.5


# -- the agent -----------------------------------------------------------------------------
class Agent:
    def __init__(self, path, idle_timeout=IDLE_TIMEOUT, session_idle=None, max_age=MAX_AGE, identity=None):
        self.path = path
        self.identity = identity or code_identity()
        self.idle_timeout = idle_timeout
        self.session_idle = idle_timeout if session_idle is None else session_idle
        self.max_age = max_age
        self.started = self.last_used = time.time()
        self.active = 0
        self.lookups = {}
        self.results = {}
        self.pending = {}
        self.lock = threading.Lock()
        self.plugin_lock = threading.Lock()
        self.counters = {"requests": 0, "cache_hits": 0}
        self.runs_seen = set()
        self.stopping = threading.Event()
        self.closing = False  # no new request on a kept connection once the socket's name is gone
        self.had_session = False

    def plugin(self, name):
        # One runtime per lookup, whatever the number of concurrent first calls: it holds the
        # logged-in clients. No Ansible import here: only the implementation and its clients load.
        with self.plugin_lock:
            if name not in self.lookups:
                self.lookups[name] = LookupRuntime(load_implementation(name))
            return self.lookups[name]

    def handle(self, payload):
        op = payload.get("op")
        if op == "ping":
            return {"ok": True, "pid": os.getpid()}
        if op == "stats":
            return {"ok": True, "counters": dict(self.counters), "cached": len(self.results)}
        if op == "status":
            return self.status()
        if op == "invalidate":
            with self.lock:
                self.results.clear()
                for instance in self.lookups.values():
                    instance.clients_forget_data()
            return {"ok": True}
        if op == "stop":
            answer = self.status()
            self.stopping.set()
            return answer
        if op == "lookup":
            # Only a lookup is use: an invalidation by a module extends no lifetime.
            self.last_used = time.time()
            return self.lookup(payload)
        if op == "prepare":
            self.last_used = time.time()
            return self.prepare(payload)
        return {"ok": False, "error": "unknown agent operation"}

    def status(self):
        """What the agent holds, without a secret: its code, and its sessions by lookup and server."""
        now = time.time()
        sessions = []
        with self.plugin_lock:
            runtimes = dict(self.lookups)
        for name, runtime in sorted(runtimes.items()):
            opened = getattr(runtime, "open_sessions", dict)()
            sessions += [{"lookup": name, "server": server, "idle_seconds": int(idle)}
                         for server, idle in sorted(opened.values())]
        return {"ok": True, "pid": os.getpid(), "process_started": process_started(os.getpid()),
                "identity": self.identity, "code": collection_root(), "version": COLLECTION_VERSION,
                "python": sys.executable, "age_seconds": int(now - self.started),
                "idle_seconds": int(now - self.last_used), "sessions": sessions, "answers": len(self.results),
                "dumpable": dumpable()}

    def lookup(self, payload):
        plugin, options, terms = payload["plugin"], payload["options"], payload["terms"]
        key = (payload.get("run"), options_key([plugin, options]), json.dumps(terms, default=str))
        self.counters["requests"] += 1
        # Identical requests that arrive together (forks evaluating the same group_vars) wait for the
        # first one: one server round trip, not one per fork.
        with self.lock:
            answer = self._cached(key)
            if answer is not None:
                return answer
            pending = self.pending.get(key)
            if pending is None:
                self.pending[key] = threading.Event()
        if pending is not None:
            pending.wait(REQUEST_TIMEOUT)
            with self.lock:
                answer = self._cached(key)
            # Else the first one failed or may not be reused (one-time codes, generators): our own go.
            return answer if answer is not None else self._lookup(key, plugin, options, terms)
        try:
            return self._lookup(key, plugin, options, terms)
        finally:
            with self.lock:
                self.pending.pop(key).set()

    def _cached(self, key):
        """The cached answer (under self.lock), or None. Its session counts as used."""
        if key not in self.results:
            return None
        self.counters["cache_hits"] += 1
        result, plugin, session = self.results[key]
        touch = getattr(self.lookups.get(plugin), "touch", None)
        if touch:
            touch(session)
        return {"ok": True, "result": result}

    def _lookup(self, key, plugin, options, terms):
        from ansible_collections.pwman.secrets.plugins.module_utils._errors import PwmanError  # pylint: disable=import-outside-toplevel

        instance = self.plugin(plugin)
        self._run_starts(key[0])
        notes = []
        try:
            result, cacheable = instance.run_in_agent(terms, options, notes)
            self._note_sessions([instance])
        except PwmanError as exc:
            return {"ok": False, "error": str(exc), "notes": notes}
        except Exception as exc:  # pylint: disable=broad-except
            return {"ok": False, "error": "unexpected %s in the lookup agent; run with cache=false for details"
                    % type(exc).__name__, "notes": notes}
        if cacheable:
            session = instance.client_key(options) if hasattr(instance, "client_key") else None
            with self.lock:
                self._forget_finished_runs()
                self.results[key] = (result, plugin, session)
        return {"ok": True, "result": result, "notes": notes}

    def _run_starts(self, run):
        with self.lock:
            if run not in self.runs_seen:
                # A new ansible-playbook run: answers and client-side data from earlier runs may be stale.
                self.runs_seen.add(run)
                for other in self.lookups.values():
                    other.clients_forget_data()

    def prepare(self, payload):
        """Open a session before the run's first lookup asks (the preload callback, plugins/callback/preload.py):
        the lookup that comes meanwhile waits for it on the session's lock, so the run logs in once."""
        from ansible_collections.pwman.secrets.plugins.module_utils._errors import PwmanError  # pylint: disable=import-outside-toplevel

        instance = self.plugin(payload["plugin"])
        self._run_starts(payload.get("run"))
        try:
            instance.prepare_in_agent(payload["options"])
        except PwmanError as exc:
            return {"ok": False, "error": str(exc)}
        except Exception as exc:  # pylint: disable=broad-except
            return {"ok": False, "error": "unexpected %s in the lookup agent" % type(exc).__name__}
        finally:
            self._note_sessions([instance])
        return {"ok": True}

    def _note_sessions(self, runtimes):
        """Once a session has been open, the agent stops when none is left (should_stop)."""
        self.had_session = self.had_session or any(getattr(r, "open_sessions", dict)() for r in runtimes)

    def _forget_finished_runs(self):
        """Drop the answers of runs whose process is gone (under self.lock)."""
        alive = {}
        for key in list(self.results):
            run = key[0]
            if run not in alive:
                alive[run] = _run_alive(run)
            if not alive[run]:
                del self.results[key]
        for run in self.runs_seen:
            if run not in alive:
                alive[run] = _run_alive(run)
        self.runs_seen = {run for run in self.runs_seen if alive[run]}

    def sweep(self):
        """Runs that ended lose their answers; sessions idle for session_idle close (GnuPG home removed), and
        the answers they gave go with them."""
        with self.lock:
            self._forget_finished_runs()
        with self.plugin_lock:
            runtimes = dict(self.lookups)
        # Seen before the idle ones close: a session that opened and went idle between two sweeps (a loaded
        # machine) still counts, or the agent would wait for idle_timeout with nothing to serve.
        self._note_sessions(runtimes.values())
        for runtime in runtimes.values():
            close_idle = getattr(runtime, "clients_close_idle", None)
            if close_idle:
                close_idle(self.session_idle)
        open_now = {name: set(getattr(runtime, "open_sessions", dict)()) for name, runtime in runtimes.items()}
        with self.lock:
            for key, (dummy, plugin, session) in list(self.results.items()):
                if session is not None and session not in open_now.get(plugin, ()):
                    del self.results[key]

    def open_sessions(self):
        with self.plugin_lock:
            runtimes = list(self.lookups.values())
        return sum(len(getattr(runtime, "open_sessions", dict)()) for runtime in runtimes)

    def should_stop(self, now):
        if self.stopping.is_set() or now - self.last_used > self.idle_timeout or now - self.started > self.max_age:
            return True
        # Nothing left to serve: the last session closed (and its answers with it), no request in flight.
        return self.had_session and not self.active and not self.open_sessions()

    def peer_allowed(self, conn):
        return _wire.peer_uid(conn) == os.getuid()

    def serve_connection(self, conn):
        """The requests of one connection, in turn: a worker keeps its connection for its next lookups. A request
        counts in self.active while it is served (serve() counted the first one before this thread started); a
        connection waiting for its next request does not keep the agent from stopping."""
        counted = True
        try:
            conn.settimeout(REQUEST_TIMEOUT)
            if not self.peer_allowed(conn):
                return
            _wire.send(conn, {_wire.GREETING: self.identity, "pid": os.getpid()})
            while True:
                try:
                    payload = _wire.recv(conn)
                except ConnectionError:
                    return  # the client closed it
                if not counted and self.closing:
                    return  # this agent is going: the client asks again on a new connection
                if not counted:
                    with self.lock:
                        self.active += 1
                    counted = True
                try:
                    answer = self.handle(payload)
                except Exception as exc:  # pylint: disable=broad-except
                    answer = {"ok": False, "error": "agent error: %s" % type(exc).__name__}
                _wire.send(conn, answer)
                with self.lock:
                    self.active -= 1
                counted = False
        except (OSError, ValueError, ConnectionError):
            pass
        finally:
            conn.close()
            if counted:
                with self.lock:
                    self.active -= 1

    def serve(self):
        old_umask = os.umask(0o177)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # Bound and listening under a temporary name, then renamed: a client never finds a socket that
        # refuses connections (it would start a second agent).
        temporary = os.path.join(os.path.dirname(self.path), "bind-%d-%x" % (os.getpid(), threading.get_ident() & 0xffff))
        try:
            server.bind(temporary)
        finally:
            os.umask(old_umask)
        server.listen(64)
        os.rename(temporary, self.path)
        bound_inode = os.stat(self.path).st_ino
        server.settimeout(0.25)
        threading.Thread(target=_remove_stale_homes, daemon=True).start()
        next_sweep = time.time() + SWEEP_INTERVAL
        try:
            while not self.should_stop(time.time()):
                if time.time() >= next_sweep:
                    self.sweep()
                    next_sweep = time.time() + SWEEP_INTERVAL
                try:
                    conn, dummy = server.accept()
                except socket.timeout:
                    continue
                with self.lock:
                    self.active += 1
                threading.Thread(target=self.serve_connection, args=(conn,), daemon=True).start()
        finally:
            self.closing = True
            try:
                if os.stat(self.path).st_ino == bound_inode:
                    os.unlink(self.path)
            except OSError:
                pass
            # Connections made before the name went are served: a lookup never finds the agent gone mid-way.
            server.setblocking(False)
            while True:
                try:
                    conn, dummy = server.accept()
                except OSError:
                    break
                conn.setblocking(True)
                with self.lock:
                    self.active += 1
                threading.Thread(target=self.serve_connection, args=(conn,), daemon=True).start()
            server.close()
            # In-flight requests finish before their clients close.
            deadline = time.time() + REQUEST_TIMEOUT
            while self.active and time.time() < deadline:
                time.sleep(0.05)
            for instance in self.lookups.values():
                instance.clients_close()


def _run_alive(run):
    if not run:
        return True
    pid, dummy, started = str(run).partition("-")
    return pid.isdigit() and process_started(int(pid)) == started


def _remove_stale_homes():
    from ansible_collections.pwman.secrets.plugins.module_utils._gpg import remove_stale_homes  # pylint: disable=import-outside-toplevel

    remove_stale_homes()


def _exit_on_signal(signum, frame):  # pylint: disable=unused-argument
    raise SystemExit(0)


def main(argv):
    if len(argv) >= 2 and argv[0] == "serve":
        # Before anything secret is in memory: no core dump, and no other process of the user reads it.
        no_core_dumps(hard=True)
        idle, session_idle, max_age = (list(map(int, argv[2:5])) + [IDLE_TIMEOUT, None, MAX_AGE][len(argv[2:5]):])
        # SIGTERM ends the agent through its finally blocks: clients closed, keyrings removed.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        Agent(argv[1], idle, session_idle, max_age).serve()
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
