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


ISSUE15_AUDIT_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: create with generic fields by display name (names read without passwords)
      pwman.secrets.passwordstate_password:
        list_id: 11
        title: issue15-audit
        password: Issue15-Pass-1
        generic_fields: {Tenant: EU, Port: "8080"}
      register: created
    - ansible.builtin.assert:
        that: [created is changed]
"""


def test_issue15_create_by_display_name_audits_no_password(server, playbook, tmp_path):
    """Point 6: display names come from records read with ExcludePassword=true: no password audited as viewed."""
    before = len(server.admin("GET", "state")["audits"])
    book = tmp_path / "issue15_audit.yml"
    book.write_text(ISSUE15_AUDIT_PLAYBOOK)
    result = playbook(str(book), env=server.env)
    assert result.rc == 0, result
    state = server.admin("GET", "state")
    assert state["audits"][before:] == [], "passwords audited as viewed: %s" % state["audits"][before:]
    created = [p for p in state["passwords"].values() if p["Title"] == "issue15-audit"]
    assert created[0]["GenericField1"] == "EU" and created[0]["GenericField2"] == "8080"


ISSUE15_DATES_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: an expiry date is sent in the server's Default Locale
      pwman.secrets.passwordstate_password:
        list_id: 11
        title: issue15-dates
        password: Issue15-Pass-2
        expiry_date: "2031-12-24"
        date_format: MM/DD/YYYY
      register: created
    - name: a date sent in the wrong locale is refused by the server
      pwman.secrets.passwordstate_password:
        password_id: "{{ created.password_id }}"
        expiry_date: "2031-12-25"
        date_format: DD/MM/YYYY
      register: wrong_locale
      ignore_errors: true
    - ansible.builtin.assert:
        that:
          - created is changed
          - created.record.expiry_date == '2031-12-24'
          - created.record.ExpiryDate == '12/24/2031'
          - wrong_locale is failed
          - "'HTTP 400' in wrong_locale.msg and 'ExpiryDate' in wrong_locale.msg"
"""


def test_issue15_dates_written_in_the_server_locale(server, playbook, tmp_path):
    """Point 4: the date is written in the server's Default Locale (here M/D/YYYY); a wrong one is refused."""
    server.admin("POST", "settings", {"date_format": "%-m/%-d/%Y"})
    try:
        book = tmp_path / "issue15_dates.yml"
        book.write_text(ISSUE15_DATES_PLAYBOOK)
        result = playbook(str(book), env=server.env)
        assert result.rc == 0, result
        state = server.admin("GET", "state")
        created = [p for p in state["passwords"].values() if p["Title"] == "issue15-dates"]
        assert created and created[0]["ExpiryDate"] == "2031-12-24"
    finally:
        server.admin("POST", "settings", {"date_format": "%-d/%-m/%Y"})
