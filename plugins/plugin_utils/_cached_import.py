# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Import this collection's plugin_utils and module_utils modules from compiled code kept between workers.

Ansible's collection loader compiles a module's source on every import (ansible-core 2.19 keeps no
bytecode for collections), and every forked worker imports a lookup's modules again: ~10 ms per
task, the largest part of what a lookup answered by the agent costs. This finder, placed before
Ansible's while a lookup module imports its base, loads those modules with Python's source loader, but keeps their compiled code in the
user's private runtime directory (_runtime_cache.py: named by the source's path, inode, size and
times and the interpreter's bytecode version), which works for a read-only installation and
whatever PYTHONDONTWRITEBYTECODE says. Without a trusted runtime directory, modules are compiled as
before. Packages and every other name stay with Ansible's loader.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import marshal
import os
import sys

# Loaded by Ansible's loader, before the finder exists.
from ansible_collections.pwman.secrets.plugins.plugin_utils import _runtime_cache

_PACKAGES = ("ansible_collections.pwman.secrets.plugins.plugin_utils",
             "ansible_collections.pwman.secrets.plugins.module_utils")


def _entry(folder, path):
    made_from = "%s\0%s" % (importlib.util.MAGIC_NUMBER.hex(), _runtime_cache.stat_line(path))
    return os.path.join(folder, "pyc-" + hashlib.sha256(made_from.encode("utf-8", "surrogateescape")).hexdigest()[:32])


class CachedLoader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname):
        folder = _runtime_cache.folder()
        if not folder:
            return super().get_code(fullname)
        path = self.get_filename(fullname)
        entry = _entry(folder, path)
        data = _runtime_cache.read(entry, 1 << 24)
        if data:
            try:
                return marshal.loads(data)
            except (ValueError, EOFError, TypeError):
                pass
        code = compile(self.get_data(path), path, "exec", dont_inherit=True)
        if _entry(folder, path) == entry:  # unchanged while read: safe to keep
            _runtime_cache.write(entry, marshal.dumps(code))
        return code


class CachedFinder:
    """A meta path finder for the leaf modules of _PACKAGES, found in their package's own folders."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):  # pylint: disable=unused-argument
        package, dummy, leaf = fullname.rpartition(".")
        if package not in _PACKAGES or not leaf.isidentifier():
            return None
        for folder in getattr(sys.modules.get(package), "__path__", None) or ():
            source = os.path.join(folder, leaf + ".py")
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
