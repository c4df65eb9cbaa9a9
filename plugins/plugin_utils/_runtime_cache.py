# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small files a forked worker reuses instead of recomputing them, in the user's private runtime directory
(module_utils/_runtime_dir.py), and the import of this collection's modules from compiled code kept there.

Kept: only values derived from this collection's code (never from a credential or an answer): the code's identity
digest (_agent_identity.py), compiled modules (below) and option definitions (_option_definitions.py). Each is named
by a digest of what it was made from, including the source files' inode, size, modification and change times: a
file that is written or replaced gets another change time (set by the kernel), so a stale entry is never found
under the new name. Entries made more than a day ago are removed (one still used is made again).

Compiled modules: Ansible's collection loader compiles a module's source on every import (ansible-core keeps no
bytecode for collections), and every forked worker imports a lookup's modules again: ~1 ms a module. While a lookup
module imports its base (`cached_imports`), plugin_utils and module_utils modules are loaded with Python's source
loader from code kept here, which works for a read-only installation and whatever PYTHONDONTWRITEBYTECODE says.
Without a trusted runtime directory, modules are compiled as before; packages and other names stay with Ansible.
This file and _runtime_dir.py are compiled in every worker (they find the cache): both are kept small.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import marshal
import os
import sys
import time

PRUNE_AGE = 86400
PREFIXES = ("code-", "pyc-", "def-")
_STATE = {"folder": None, "looking": False}
_PACKAGES = ("ansible_collections.pwman.secrets.plugins.plugin_utils",
             "ansible_collections.pwman.secrets.plugins.module_utils")


def folder():
    """The private runtime directory, or None: not trusted, or being found right now (by the import of
    _runtime_dir itself, which is never kept)."""
    if _STATE["folder"] is None and not _STATE["looking"]:
        _STATE["looking"] = True
        try:
            from ansible_collections.pwman.secrets.plugins.module_utils._runtime_dir import runtime_dir  # pylint: disable=import-outside-toplevel

            _STATE["folder"] = runtime_dir()
        except Exception:  # pylint: disable=broad-except
            _STATE["folder"] = ""
        finally:
            _STATE["looking"] = False
    return _STATE["folder"] or None


def stat_line(path, info=None):
    """What names a file's current contents (see the module's docstring); `info`: its stat, when known already."""
    info = info or os.stat(path)
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


def prune(where):
    """Entries made from code that changed since (or of a copy not used) a day ago go: one still used is made again."""
    limit = time.time() - PRUNE_AGE
    try:
        with os.scandir(where) as entries:
            old = [entry.path for entry in entries if entry.name.startswith(PREFIXES) and entry.stat().st_mtime < limit]
    except OSError:
        return
    for path in old:
        try:
            os.unlink(path)
        except OSError:
            pass


def _code_entry(where, path):
    made_from = "%s\0%s" % (importlib.util.MAGIC_NUMBER.hex(), stat_line(path))
    return os.path.join(where, "pyc-" + hashlib.sha256(made_from.encode("utf-8", "surrogateescape")).hexdigest()[:32])


class CachedLoader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname):
        where = folder()
        if not where:
            return super().get_code(fullname)
        path = self.get_filename(fullname)
        entry = _code_entry(where, path)
        data = read(entry, 1 << 24)
        if data:
            try:
                return marshal.loads(data)
            except (ValueError, EOFError, TypeError):
                pass
        code = compile(self.get_data(path), path, "exec", dont_inherit=True)
        if _code_entry(where, path) == entry:  # unchanged while read: safe to keep
            write(entry, marshal.dumps(code))
        return code


class CachedFinder:
    """A meta path finder for the leaf modules of _PACKAGES, found in their package's own folders."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):  # pylint: disable=unused-argument
        package, dummy, leaf = fullname.rpartition(".")
        if package not in _PACKAGES or not leaf.isidentifier():
            return None
        for where in getattr(sys.modules.get(package), "__path__", None) or ():
            source = os.path.join(where, leaf + ".py")
            if os.path.isfile(source):
                return importlib.util.spec_from_file_location(fullname, source, loader=CachedLoader(fullname, source))
        return None


@contextlib.contextmanager
def cached_imports():
    """Within this block, imports of _PACKAGES' modules use the kept code; sys.meta_path is restored after."""
    sys.meta_path.insert(0, CachedFinder)
    try:
        yield
    finally:
        sys.meta_path.remove(CachedFinder)
