# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the lookup agent listens and how to talk to it (stdlib only, cheap to import).

Shared by the agent (plugins/plugin_utils/_agent.py) and by modules, which tell a running
agent to forget cached answers after they changed a secret.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import socket
import struct
import sys
import tempfile

from ansible_collections.pwman.secrets.plugins.module_utils._version import COLLECTION_VERSION

MAX_MESSAGE = 64 * 1024 * 1024


class AgentUnavailable(Exception):
    """The agent could not be reached or started; callers fall back to in-process lookups."""


def runtime_dir():
    """A private per-user directory for the socket (XDG_RUNTIME_DIR, else the temp dir)."""
    base = os.environ.get("PWMAN_SECRETS_RUNTIME_DIR") or os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    path = os.path.join(base, "pwman-secrets-%d" % os.getuid())
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise AgentUnavailable("cannot create %s: %s" % (path, exc)) from None
    info = os.lstat(path)
    if os.path.islink(path) or not os.path.isdir(path) or info.st_uid != os.getuid():
        raise AgentUnavailable("%s is not a directory owned by this user" % path)
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def socket_path():
    """One agent per collection version and Python: a changed install never talks to old code."""
    flavour = hashlib.sha256(("%s|%s" % (COLLECTION_VERSION, sys.executable)).encode("utf-8")).hexdigest()[:12]
    return os.path.join(runtime_dir(), "agent-%s.sock" % flavour)


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


def connect_existing(path=None, timeout=600):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path or socket_path())
    except OSError:
        sock.close()
        raise
    return sock


def notify_invalidate(product=None):
    """Tell every agent of this user to forget cached answers; silent when none runs (e.g. a remote host).

    Every agent, not just ours: a module often runs under another Python than the controller's
    lookups (ansible_python_interpreter), whose agent has another socket name.
    """
    try:
        paths = glob.glob(os.path.join(runtime_dir(), "agent-*.sock"))
    except (OSError, AgentUnavailable):
        return False
    told = False
    for path in paths:
        try:
            sock = connect_existing(path, timeout=5)
        except OSError:
            continue
        try:
            send(sock, {"op": "invalidate", "product": product})
            told = bool(recv(sock).get("ok")) or told
        except (OSError, ValueError, ConnectionError):
            pass
        finally:
            sock.close()
    return told
