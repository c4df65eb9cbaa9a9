# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the lookup agent listens and how to talk to it (stdlib only, cheap to import).

Shared by the agent (plugins/plugin_utils/_agent.py) and by modules, which tell a running
agent to forget cached answers after they changed a secret.
"""

from __future__ import annotations

import glob
import json
import os
import socket
import struct

# Where the agent lives is decided in _runtime_dir.py (small: a forked worker compiles it before any cache exists).
from ansible_collections.pwman.secrets.plugins.module_utils._runtime_dir import (
    AgentUnavailable,
    UntrustedPlace,
    runtime_dir,
)

MAX_MESSAGE = 64 * 1024 * 1024
# The agent's first message on every connection names the code it runs (plugin_utils/_agent_identity.py).
GREETING = "greeting"


def process_started(pid):
    """The start time of process `pid` (clock ticks since boot): with the pid, it names one process."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as handle:  # bytes: no codec to load in a forked worker
            return handle.read().rsplit(b")", 1)[1].split()[19].decode("ascii")
    except (OSError, IndexError, ValueError):
        return None


def peer_uid(sock):
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


# A Unix socket's path must fit sun_path (108 bytes on Linux, 104 on BSD and macOS), its final NUL included.
SOCKET_PATH_MAX = 103


def socket_path(identity, base=None):
    """The socket of the agent that runs the code `identity` names (its first 64 bits; the agent's greeting
    tells the rest)."""
    path = os.path.join(base or runtime_dir(), "agent-%s.sock" % identity[:16])
    if len(os.fsencode(path)) > SOCKET_PATH_MAX:
        # said at once: otherwise the agent could not bind it and each lookup would wait for it in vain
        raise AgentUnavailable("the socket path %s is longer than a Unix socket allows (%d bytes); set "
                               "PWMAN_SECRETS_RUNTIME_DIR to a shorter directory" % (path, SOCKET_PATH_MAX))
    return path


def send(sock, payload):
    data = json.dumps(payload).encode("utf-8")
    sock.sendall(struct.pack("!I", len(data)) + data)


def _recv_exact(sock, size):
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise ConnectionError("agent closed the connection")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def recv(sock):
    (size,) = struct.unpack("!I", _recv_exact(sock, 4))
    if size > MAX_MESSAGE:
        raise ConnectionError("agent message too large")
    return json.loads(_recv_exact(sock, size).decode("utf-8"))


def connect_existing(path, timeout=600):
    """A connection to the agent at `path`; UntrustedPlace when another user's process answers there."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
        uid = peer_uid(sock)
    except OSError:
        sock.close()
        raise
    if uid != os.getuid():
        sock.close()
        raise UntrustedPlace("not using the lookup agent: the process on %s runs as uid %d" % (path, uid))
    return sock


def exchange(sock, payload):
    """Send one request, return the answer: the agent's greeting is passed by (an agent from before greetings
    sends none)."""
    send(sock, payload)
    answer = recv(sock)
    if isinstance(answer, dict) and GREETING in answer:
        answer = recv(sock)
    return answer


def agent_sockets(base=None):
    """The sockets of this user's agents, whatever code they run."""
    return sorted(glob.glob(os.path.join(base or runtime_dir(), "agent-*.sock")))


def notify_invalidate(product=None):
    """Tell every agent of this user to forget cached answers; silent when none runs (e.g. a remote host).

    Every agent, not just ours: a module often runs under another Python than the controller's
    lookups (ansible_python_interpreter), whose agent has another socket name.
    """
    try:
        paths = agent_sockets()
    except (OSError, AgentUnavailable):
        return False
    told = False
    for path in paths:
        try:
            sock = connect_existing(path, timeout=5)
        except (OSError, AgentUnavailable):
            continue
        try:
            told = bool(exchange(sock, {"op": "invalidate", "product": product}).get("ok")) or told
        except (OSError, ValueError, ConnectionError):
            pass
        finally:
            sock.close()
    return told
