# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What identifies a lookup agent: the code it runs, not only the collection's version.

The identity is a digest of the collection's real path, the contents of every file the agent may
import (plugins/module_utils and plugins/plugin_utils), the collection version and the Python
interpreter. The socket's name comes from it, and the agent tells it first thing on every
connection: a second copy of the collection (another path, a patched file, an upgrade that kept the
version) has another agent, and a lookup never sends a request to an agent of other code.

Every forked worker needs the identity once. Reading and hashing the files costs about half a
millisecond, so the digest is kept in the user's private runtime directory under a name made of the
files' inode, size, modification and change times: a file that is written or replaced gets another
change time (set by the kernel), so a stale digest is never found under the new name.
"""

from __future__ import annotations

import hashlib
import os
import sys

from ansible_collections.pwman.secrets.plugins.module_utils._version import COLLECTION_VERSION
from ansible_collections.pwman.secrets.plugins.plugin_utils import _runtime_cache

CODE_FOLDERS = ("module_utils", "plugin_utils")
_MEMO = {}


def collection_root():
    """The collection's real directory (links resolved: two links to one checkout are one copy)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))


def _code_files(root):
    found = []
    for folder in CODE_FOLDERS:
        path = os.path.join(root, "plugins", folder)
        with os.scandir(path) as entries:
            found += [(folder + "/" + entry.name, entry.path, entry.stat()) for entry in entries
                      if entry.name.endswith(".py") and entry.is_file()]
    return sorted(found)


def _where():
    return "%s\0%s\0" % (COLLECTION_VERSION, sys.executable)


def _stat_key(root, files):
    digest = hashlib.sha256((_where() + root).encode("utf-8", "surrogateescape"))
    for name, dummy, info in files:
        digest.update(("\0" + _runtime_cache.stat_line(name, info)).encode())
    return digest.hexdigest()


def _content_digest(files):
    digest = hashlib.sha256()
    for name, path, dummy in files:
        with open(path, "rb") as handle:
            data = handle.read()
        digest.update(("%s %d\0" % (name, len(data))).encode("utf-8", "surrogateescape") + data)
    return digest.hexdigest()


def code_identity(cache_dir=None):
    """The identity of the code under this collection's root (hex). `cache_dir`: where the digest may be kept
    (the private runtime directory); without it, the files are read."""
    root = collection_root()
    files = _code_files(root)
    key = _stat_key(root, files)
    if key in _MEMO:
        return _MEMO[key]
    cached = os.path.join(cache_dir, "code-%s" % key[:32]) if cache_dir else None
    content = _read_cached(cached) if cached else None
    if content is None:
        content = _content_digest(files)
        if cached and _stat_key(root, _code_files(root)) == key:  # unchanged while read: safe to keep
            _write_cached(cached, content)
    identity = hashlib.sha256((_where() + root + "\0" + content).encode("utf-8", "surrogateescape")).hexdigest()
    _MEMO[key] = identity
    return identity


def _read_cached(path):
    value = _runtime_cache.read(path, 65)
    try:
        value = value.decode("ascii") if value is not None else None
    except ValueError:
        return None
    return value if value and len(value) == 64 and all(c in "0123456789abcdef" for c in value) else None


def _write_cached(path, value):
    _runtime_cache.write(path, value.encode("ascii"))
