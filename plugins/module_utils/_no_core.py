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


def _prctl():
    try:
        import ctypes  # pylint: disable=import-outside-toplevel

        return ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None  # not Linux


def no_core_dumps(hard=False):
    """This process writes no core dump. `hard`: for good (the hard limit too; the lookup agent); else only the
    soft limit, so that a program a task starts after us may raise it again."""
    try:
        import resource  # pylint: disable=import-outside-toplevel

        soft, limit = resource.getrlimit(resource.RLIMIT_CORE)
        if soft != 0 or (hard and limit != 0):
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0 if hard else limit))
    except (ImportError, ValueError, OSError):
        pass
    prctl = _prctl()
    if prctl is not None:
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def dumpable():
    """The process's dumpable flag (None where it cannot be read)."""
    prctl = _prctl()
    return None if prctl is None else bool(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))
