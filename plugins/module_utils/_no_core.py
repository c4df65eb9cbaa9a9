# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep a process that holds keys, passphrases or answers out of core dumps (stdlib only, cheap).

Two locks, because either alone can be undone: a zero core size (RLIMIT_CORE), which the kernel checks
before writing a dump, and the "not dumpable" flag (prctl PR_SET_DUMPABLE 0, Linux), which also keeps
a process of the same user from reading this one's memory through ptrace or /proc/<pid>/mem. The
flag is not inherited by a program this process starts (exec resets it); the core size is. GnuPG's
gpg and gpg-agent set a zero core size themselves.
"""

from __future__ import annotations

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3
RLIMIT_CORE = 4  # Linux, every architecture (used only where prctl is found)


def _libc():
    """(ctypes, the C library) where the library has prctl (Linux), else (None, None). ctypes is loaded already in
    ansible-playbook; the resource module, a shared library, is not: importing it cost a forked worker ~0.7 ms."""
    try:
        import ctypes  # pylint: disable=import-outside-toplevel

        libc = ctypes.CDLL(None, use_errno=True)
    except (ImportError, OSError):
        return None, None
    return (ctypes, libc) if hasattr(libc, "prctl") else (None, None)


def _zero_core_size(ctypes, libc, hard):
    limits = (ctypes.c_ulong * 2)()  # struct rlimit {rlim_cur, rlim_max}
    if libc.getrlimit(RLIMIT_CORE, limits) != 0:
        return
    if limits[0] != 0 or (hard and limits[1] != 0):
        libc.setrlimit(RLIMIT_CORE, (ctypes.c_ulong * 2)(0, 0 if hard else limits[1]))


def no_core_dumps(hard=False):
    """This process writes no core dump. `hard`: for good (the hard limit too; the lookup agent); else only the
    soft limit, so that a program a task starts after us may raise it again."""
    ctypes, libc = _libc()
    if libc is None:
        _no_core_dumps_portable(hard)
        return
    _zero_core_size(ctypes, libc, hard)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _no_core_dumps_portable(hard):
    """Where there is no prctl (not Linux): the core size through the resource module."""
    try:
        import resource  # pylint: disable=import-outside-toplevel

        soft, limit = resource.getrlimit(resource.RLIMIT_CORE)
        if soft != 0 or (hard and limit != 0):
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0 if hard else limit))
    except (ImportError, ValueError, OSError):
        pass


def dumpable():
    """The process's dumpable flag (None where it cannot be read)."""
    libc = _libc()[1]
    return None if libc is None else bool(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))
