"""Shared helpers of the reliability/security tests (issue #9): inline playbooks, secret scans."""

from __future__ import annotations

import os
import tempfile

from integration.conftest import REPO, run_playbook

NO_TRACEBACK = ("Traceback", "exception")


def write_play(tasks_yaml, hosts="localhost", header="", directory=None):
    """A playbook in `directory` (default .tmp/ of the repository, next to the collections/ that holds this one)."""
    directory = directory or os.path.join(REPO, ".tmp")
    os.makedirs(directory, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("w", suffix=".yml", dir=directory, delete=False)
    with handle:
        handle.write("- hosts: %s\n  gather_facts: false\n%s  tasks:\n" % (hosts, header) + tasks_yaml)
    return handle.name


def run_tasks(tasks_yaml, env, args=(), hosts="localhost", header="", directory=None, **kwargs):
    """Run the given task list (YAML, indented 4 spaces) as a play on localhost (pipelining: faster)."""
    path = write_play(tasks_yaml, hosts=hosts, header=header, directory=directory)
    env = dict(env, ANSIBLE_PIPELINING="1")
    try:
        return run_playbook(path, env=env, args=args, **kwargs)
    finally:
        os.unlink(path)


def assert_clean_errors(result):
    """No Python traceback and no raw exception text in a run's output."""
    for text in (result.stdout, result.stderr):
        for word in NO_TRACEBACK:
            assert word not in text, "%r in output:\n%r" % (word, result)


def write_requests(stats):
    """The non-safe requests in a server's stats (by_route "METHOD /path" -> count)."""
    return {route: n for route, n in stats["by_route"].items()
            if route.split(" ", 1)[0] not in ("GET", "HEAD", "OPTIONS") and "/auth" not in route
            and "login" not in route and "jwt" not in route}
