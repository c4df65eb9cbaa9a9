# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small files a forked worker reuses instead of recomputing them, in the user's private runtime directory.

Only values derived from this collection's code (never from a credential or an answer): the code's identity
digest (_agent_identity.py), compiled modules (_cached_import.py) and option definitions (_option_definitions.py). Each is named by a digest of what it was
made from, including the source files' inode, size, modification and change times: a file that is written or
replaced gets another change time (set by the kernel), so a stale entry is never found under the new name.
Entries made more than a day ago are removed (one still used is made again).
"""

from __future__ import annotations

import os
import time

PRUNE_AGE = 86400
PREFIXES = ("code-", "pyc-", "def-")
_STATE = {"folder": None, "looking": False}


def folder():
    """The private runtime directory (_agent_wire.runtime_dir), or None: not trusted, or being found right now
    (the import of _agent_wire itself, by _cached_import.py)."""
    if _STATE["folder"] is None and not _STATE["looking"]:
        _STATE["looking"] = True
        try:
            from ansible_collections.pwman.secrets.plugins.module_utils._agent_wire import runtime_dir  # pylint: disable=import-outside-toplevel

            _STATE["folder"] = runtime_dir()
        except Exception:  # pylint: disable=broad-except
            _STATE["folder"] = ""
        finally:
            _STATE["looking"] = False
    return _STATE["folder"] or None


def stat_line(path):
    """What names a file's current contents (see the module's docstring)."""
    info = os.stat(path)
    return "%s %d %d %d %d" % (path, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def read(path, limit):
    """The bytes of `path` (at most `limit`), or None."""
    try:
        with open(path, "rb") as handle:
            return handle.read(limit)
    except OSError:
        return None


def write(path, data):
    """Write `data` to `path` atomically (a temporary file, then renamed); silent on failure."""
    temporary = "%s.%d" % (path, os.getpid())
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.rename(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
    prune(os.path.dirname(path))


def prune(folder):
    """Entries made from code that changed since (or of a copy not used) a day ago go: one still used is made again."""
    limit = time.time() - PRUNE_AGE
    try:
        with os.scandir(folder) as entries:
            old = [entry.path for entry in entries if entry.name.startswith(PREFIXES) and entry.stat().st_mtime < limit]
    except OSError:
        return
    for path in old:
        try:
            os.unlink(path)
        except OSError:
            pass
