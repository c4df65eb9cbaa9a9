# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The user's private runtime directory: the lookup agent's socket and the caches of plugin_utils/_runtime_cache.py.

Kept apart from _agent_wire.py (which re-exports it) and small: a forked worker compiles this file on every lookup,
before the compiled-code cache, which lives in this directory, can be found.
"""

from __future__ import annotations

import os
import stat
import tempfile


class AgentUnavailable(Exception):
    """The agent could not be reached or started; callers fall back to in-process lookups."""


class UntrustedPlace(AgentUnavailable):
    """The socket's directory or the process answering on it is not this user's alone."""


def untrusted_reason(path):
    """Why `path` (a directory) and its parents could be changed by another user, or None.

    Trusted: every one of them owned by root or this user, and not writable by group or others
    unless sticky (like /tmp: others cannot rename or remove what is ours).
    """
    uid = os.getuid()
    current = os.path.abspath(path)
    while True:
        try:
            info = os.stat(current)
        except OSError as exc:
            return "cannot check %s: %s" % (current, exc.strerror)
        if info.st_uid not in (0, uid):
            return "%s is owned by uid %d" % (current, info.st_uid)
        if info.st_mode & 0o022 and not info.st_mode & stat.S_ISVTX:
            return "%s is writable by others and not sticky" % current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def runtime_base():
    """Where the private directory is made: PWMAN_SECRETS_RUNTIME_DIR, else XDG_RUNTIME_DIR, else the temp dir."""
    return os.environ.get("PWMAN_SECRETS_RUNTIME_DIR") or os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()


def runtime_dir():
    """A private per-user directory for the socket (in runtime_base())."""
    base = runtime_base()
    reason = untrusted_reason(base)
    if reason:
        raise UntrustedPlace("not using the lookup agent: %s" % reason)
    path = os.path.join(base, "pwman-secrets-%d" % os.getuid())
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise AgentUnavailable("cannot create %s: %s" % (path, exc)) from None
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise UntrustedPlace("not using the lookup agent: %s is not a directory owned by this user" % path)
    if info.st_mode & 0o022:
        raise UntrustedPlace("not using the lookup agent: %s is writable by others" % path)
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path
