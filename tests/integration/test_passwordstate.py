"""Passwordstate end to end: real ansible-playbook runs against the local imitation (one server per module)."""

from __future__ import annotations

import pytest

from sandbox.passwordstate import seed_data as S

SECRETS_NEVER_SHOWN = ("Web-Alice-Pass-1", "Web-Admin-Pass-2", "Mail-Bob-Pass-3", "Shared-Ops-Pass-4",
                       "Shared-Dev-Pass-5", "Db-Primary-Strong-Pass-#2029", "Break-Glass-Root-Pass-9",
                       "Recovery-7731-Alpha", "Srv01-Admin-Pass-8", "Explicit-Pass-123", "Queued-New-Pass-1",
                       S.SYSTEM_API_KEY, S.GENERATOR_API_KEY) + tuple(lst["api_key"] for lst in S.LISTS.values())


@pytest.fixture(scope="module")
def server(sandbox_factory):
    return sandbox_factory("passwordstate")


def extra_vars(server):
    return {
        "ps_list11_key": S.list_api_key(S.PLAIN_LIST_ID),
        "ps_list12_key": S.list_api_key(S.STRICT_LIST_ID),
        "ps_admin_url": server.base_url + "/__sandbox__/",
        "ps_admin_token": server.admin_token,
    }


def run(target, server, name):
    result = target(name, env=server.env, extra_vars=extra_vars(server), args=["-v"])
    assert result.rc == 0, result
    shown = result.stdout + result.stderr
    leaked = [secret for secret in SECRETS_NEVER_SHOWN if secret in shown]
    assert not leaked, "secrets in the playbook output: %s" % leaked
    return result


def test_lookup_passwordstate(target, server):
    server.reset_stats()
    run(target, server, "lookup_passwordstate")
    stats = server.stats()
    # many terms share a session, identical terms are fetched once; no write ever
    assert stats["writes"] == 0


def test_lookup_passwordstate_generate(target, server):
    run(target, server, "lookup_passwordstate_generate")


def test_passwordstate_password(target, server):
    run(target, server, "passwordstate_password")
    state = server.admin("GET", "state")
    # the queued reset did not change the stored password
    assert state["passwords"]["8001"]["Password"] == "Srv01-Admin-Pass-8"
    assert 8001 in state["pending_resets"]
    assert "CHG-2 integration test" in state["reasons"]


def test_passwordstate_password_info(target, server):
    run(target, server, "passwordstate_password_info")


def test_legacy_redirect_and_empty_status(target, server, playbook, tmp_path):
    """Older servers answer a wrong key with a 302; "No Passwords found" with another status is still empty."""
    server.admin("POST", "settings", {"legacy_auth_redirect": True, "empty_status": 200})
    try:
        book = tmp_path / "legacy.yml"
        book.write_text(LEGACY_PLAYBOOK)
        result = playbook(str(book), env=server.env)
        assert result.rc == 0, result
    finally:
        server.admin("POST", "settings", {"legacy_auth_redirect": False, "empty_status": 404})


LEGACY_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: wrong key, legacy server
      ansible.builtin.debug:
        msg: "{{ lookup('pwman.secrets.passwordstate', 'web', api_key='wrong-key') }}"
      register: legacy
      ignore_errors: true
    - name: empty search with another status
      pwman.secrets.passwordstate_password_info:
        list_id: 15
        title: nothing-here
      register: empty
    - ansible.builtin.assert:
        that:
          - legacy is failed
          - "'authorization failed' in legacy.msg and 'generalerror' in legacy.msg"
          - empty.passwords == []
"""
