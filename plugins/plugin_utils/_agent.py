# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-user lookup agent process (its client side is plugin_utils/_agent_client.py).

Ansible runs every task in a fresh fork: a lookup that logs in (Passbolt: GPG sign, encrypt,
decrypt, two HTTP calls) and imports requests each time makes large plays slow. The first
lookup starts this agent; later lookups send their options and terms over a Unix socket and
get the answer from a process that already holds a logged-in client.

Safety: the socket lives in a 0700 directory owned by the user, every connection's peer uid
is checked (SO_PEERCRED), nothing is written to disk but the socket and a lock file, results
are cached in memory for one ansible-playbook run only (keyed by that process), a write by
one of our modules invalidates them, and the agent exits after an idle timeout.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys
import threading
import time

from ansible_collections.pwman.secrets.plugins.module_utils import _agent_wire as _wire
from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_runtime import (
    LookupRuntime,
    load_implementation,
    options_key,
)

IDLE_TIMEOUT = 300
REQUEST_TIMEOUT = 600


# -- the agent -----------------------------------------------------------------------------
class Agent:
    def __init__(self, path, idle_timeout=IDLE_TIMEOUT):
        self.path = path
        self.idle_timeout = idle_timeout
        self.last_used = time.time()
        self.lookups = {}
        self.results = {}
        self.pending = {}
        self.lock = threading.Lock()
        self.plugin_lock = threading.Lock()
        self.counters = {"requests": 0, "cache_hits": 0}
        self.runs_seen = set()
        self.stopping = threading.Event()

    def plugin(self, name):
        # One runtime per lookup, whatever the number of concurrent first calls: it holds the
        # logged-in clients. No Ansible import here: only the implementation and its clients load.
        with self.plugin_lock:
            if name not in self.lookups:
                self.lookups[name] = LookupRuntime(load_implementation(name))
            return self.lookups[name]

    def handle(self, payload):
        op = payload.get("op")
        self.last_used = time.time()
        if op == "ping":
            return {"ok": True, "pid": os.getpid()}
        if op == "stats":
            return {"ok": True, "counters": dict(self.counters), "cached": len(self.results)}
        if op == "invalidate":
            with self.lock:
                self.results.clear()
                for instance in self.lookups.values():
                    instance.clients_forget_data()
            return {"ok": True}
        if op == "stop":
            self.stopping.set()
            return {"ok": True}
        if op == "lookup":
            return self.lookup(payload)
        return {"ok": False, "error": "unknown agent operation"}

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
        """The cached answer (under self.lock), or None."""
        if key not in self.results:
            return None
        self.counters["cache_hits"] += 1
        return {"ok": True, "result": self.results[key]}

    def _lookup(self, key, plugin, options, terms):
        from ansible_collections.pwman.secrets.plugins.module_utils._errors import PwmanError  # pylint: disable=import-outside-toplevel

        instance = self.plugin(plugin)
        with self.lock:
            if key[0] not in self.runs_seen:
                # A new ansible-playbook run: answers and client-side data from earlier runs may be stale.
                self.runs_seen.add(key[0])
                for other in self.lookups.values():
                    other.clients_forget_data()
        try:
            result, cacheable = instance.run_in_agent(terms, options)
        except PwmanError as exc:
            return {"ok": False, "error": str(exc)}
        except Exception as exc:  # pylint: disable=broad-except
            return {"ok": False, "error": "unexpected %s in the lookup agent; run with cache=false for details"
                    % type(exc).__name__}
        if cacheable:
            with self.lock:
                self._forget_finished_runs()
                self.results[key] = result
        return {"ok": True, "result": result}

    def _forget_finished_runs(self):
        alive = {}
        for key in list(self.results):
            run = key[0]
            if run not in alive:
                alive[run] = _run_alive(run)
            if not alive[run]:
                del self.results[key]

    def peer_allowed(self, conn):
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        uid = struct.unpack("3i", creds)[1]
        return uid == os.getuid()

    def serve_connection(self, conn):
        try:
            conn.settimeout(REQUEST_TIMEOUT)
            if not self.peer_allowed(conn):
                return
            payload = _wire.recv(conn)
            try:
                answer = self.handle(payload)
            except Exception as exc:  # pylint: disable=broad-except
                answer = {"ok": False, "error": "agent error: %s" % type(exc).__name__}
            _wire.send(conn, answer)
        except (OSError, ValueError, ConnectionError):
            pass
        finally:
            conn.close()

    def serve(self):
        old_umask = os.umask(0o177)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            server.bind(self.path)
        finally:
            os.umask(old_umask)
        bound_inode = os.stat(self.path).st_ino
        server.listen(64)
        server.settimeout(0.25)
        try:
            while not self.stopping.is_set():
                if time.time() - self.last_used > self.idle_timeout:
                    break
                try:
                    conn, dummy = server.accept()
                except socket.timeout:
                    continue
                self.last_used = time.time()
                threading.Thread(target=self.serve_connection, args=(conn,), daemon=True).start()
        finally:
            server.close()
            try:
                if os.stat(self.path).st_ino == bound_inode:
                    os.unlink(self.path)
            except OSError:
                pass
            for instance in self.lookups.values():
                instance.clients_close()


def _run_alive(run):
    if not run:
        return True
    pid, dummy, started = str(run).partition("-")
    try:
        with open("/proc/%s/stat" % pid, encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[19] == started
    except (OSError, IndexError):
        return False


def _exit_on_signal(signum, frame):  # pylint: disable=unused-argument
    raise SystemExit(0)


def main(argv):
    if len(argv) >= 2 and argv[0] == "serve":
        idle = int(argv[2]) if len(argv) > 2 else IDLE_TIMEOUT
        # SIGTERM ends the agent through its finally blocks: clients closed, keyrings removed.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        Agent(argv[1], idle).serve()
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
