"""Issue #23 (1): a server that quotes the request in its error quotes the secret in the form it was sent.

JSON bodies go out with non-ASCII escaped (\\u00e9) and quotes and backslashes escaped; headers are
quoted by the local servers' echo as a Python repr. Each secret below carries an ASCII tail that every
escaped form keeps as it is ("Secret99", "rich-42"): that tail must appear nowhere in what a run shows,
at -vvv, from a module, a lookup in the agent or in the worker, and a role.
"""

from __future__ import annotations

import json
import os

import pytest

from integration.reliability import assert_clean_errors, run_tasks

# The error shapes of each product, as test_leak_scan.py uses them.
from integration.test_leak_scan import ECHO_BODIES

PS_SECRET = 'caféSecret99"\\q'
PS_TAIL = "Secret99"
OPP_SECRET = 'Login"Pw\\Zürich-42'
OPP_TAIL = "rich-42"


@pytest.fixture(scope="module")
def ps(sandbox_factory):
    return sandbox_factory("passwordstate")


@pytest.fixture(scope="module")
def opp(sandbox_factory):
    return sandbox_factory("opp")


def run_with_vars(tasks, env, values, tmp_path, args=("-vvv",)):
    varsfile = tmp_path / "vars.json"
    varsfile.write_text(json.dumps(values))
    return run_tasks(tasks, env, args=list(args) + ["-e", "@%s" % varsfile])


def assert_not_shown(result, tail):
    shown = result.stdout + result.stderr
    assert tail not in shown, result
    assert "********" in shown, result  # the echo itself was shown, blanked
    assert_clean_errors(result)


def test_passwordstate_module_write_echoed(ps, tmp_path):
    ps.add_faults({"kind": "echo", "status": 400, "method": "POST", "path": "/api/passwords",
                   "body": ECHO_BODIES["passwordstate"]})
    try:
        result = run_with_vars("""
    - name: create, the server quotes the request
      pwman.secrets.passwordstate_password:
        list_id: 11
        title: echo-target
        username: echo
        password: "{{ secret }}"
      ignore_errors: true
      register: created
    - ansible.builtin.assert:
        that: created is failed and 'HTTP 400' in created.msg
""", ps.env, {"secret": PS_SECRET}, tmp_path)
    finally:
        ps.clear_faults()
    assert result.rc == 0, result
    assert_not_shown(result, PS_TAIL)


@pytest.mark.parametrize("cache", ["true", "false"])
def test_opp_lookup_login_echoed(opp, tmp_path, cache):
    opp.add_faults({"kind": "echo", "status": 400, "method": "POST", "path": "/auth",
                    "body": ECHO_BODIES["opp"]})
    try:
        result = run_with_vars("""
    - name: read, the login is quoted back
      ansible.builtin.debug:
        msg: "{{ lookup('pwman.secrets.opp', 'Wells Fargo', login_password=secret) }}"
      ignore_errors: true
      register: read
    - ansible.builtin.assert:
        that: read is failed and 'HTTP 400' in read.msg
""", dict(opp.env, PWMAN_SECRETS_CACHE=cache), {"secret": OPP_SECRET}, tmp_path)
    finally:
        opp.clear_faults()
    assert result.rc == 0, result
    assert_not_shown(result, OPP_TAIL)


def test_opp_module_password_change_echoed(opp, tmp_path):
    """opp_user sends the old and the new login password in one JSON body."""
    opp.add_faults({"kind": "echo", "status": 400, "method": "POST", "path": "/user$",
                    "body": ECHO_BODIES["opp"]})
    try:
        result = run_with_vars("""
    - name: change the login password, the server quotes the request
      pwman.secrets.opp_user:
        new_password: "{{ secret }}"
      ignore_errors: true
      register: changed
    - ansible.builtin.assert:
        that: changed is failed
""", opp.env, {"secret": OPP_SECRET}, tmp_path)
    finally:
        opp.clear_faults()
    assert result.rc == 0, result
    assert_not_shown(result, OPP_TAIL)


def test_role_sync_write_echoed(ps, opp, tmp_path):
    """The sync role writes an OPP password to Passwordstate: the server quotes it back."""
    ps.add_faults({"kind": "echo", "status": 400, "method": "POST", "path": "/api/passwords",
                   "body": ECHO_BODIES["passwordstate"]})
    env = dict(ps.env, **opp.env)
    try:
        result = run_with_vars("""
    - name: an OPP item whose password the role copies
      pwman.secrets.opp_item:
        name: echo-sync-{{ suffix }}
        category: Banking
        password: "{{ secret }}"
    - name: copy it to Passwordstate
      ansible.builtin.include_role:
        name: pwman.secrets.sync
      vars:
        sync_jobs:
          - source: {product: opp, category: Banking}
            destination: {product: passwordstate, list_id: 11}
            names: ["echo-sync-{{ suffix }}"]
      ignore_errors: true
""", env, {"secret": PS_SECRET, "suffix": os.urandom(3).hex()}, tmp_path)
    finally:
        ps.clear_faults()
    assert PS_TAIL not in result.stdout + result.stderr, result
    assert "********" in result.stdout, result
