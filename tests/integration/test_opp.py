"""OpenPassPhrase end to end: real ansible-playbook runs against the local OPP imitation.

One server for the whole module; each target works on its own objects next to the "demo" seed.
"""

from __future__ import annotations

import os
import tempfile

import pytest

from integration.conftest import REPO
from sandbox.opp import seed_data

SECRETS = (seed_data.DEMO_PASSWORD, seed_data.DEMO_PHRASE)


@pytest.fixture(scope="module")
def opp(sandbox_factory):
    return sandbox_factory("opp")


def assert_no_secret(result):
    for secret in SECRETS:
        assert secret not in result.stdout, "secret leaked in stdout"
        assert secret not in result.stderr, "secret leaked in stderr"


def write_playbook(tasks_yaml):
    handle = tempfile.NamedTemporaryFile("w", suffix=".yml", dir=os.path.join(REPO, ".tmp"), delete=False)
    with handle:
        handle.write("- hosts: localhost\n  gather_facts: false\n  tasks:\n" + tasks_yaml)
    return handle.name


def run_tasks(playbook, env, tasks_yaml, args=("-v",)):
    path = write_playbook(tasks_yaml)
    try:
        return playbook(path, env=env, args=args)
    finally:
        os.unlink(path)


@pytest.mark.parametrize("name", ["lookup_opp", "opp_item", "opp_category", "opp_user"])
def test_target(opp, target, name):
    result = target(name, env=opp.env, args=["-v"])
    assert result.rc == 0, result
    assert_no_secret(result)


def test_one_fetchall_and_one_login_per_lookup_call(opp, playbook):
    opp.reset_stats()
    result = run_tasks(playbook, opp.env, """
    - ansible.builtin.assert:
        that:
          - query('pwman.secrets.opp', 'Wells Fargo', 'core router', 'id:6', 'mail', field='username')
            == ['mylogin', 'admin', '', 'me@mail.example']
""")
    assert result.rc == 0, result
    stats = opp.stats()
    assert stats["by_route"].get("GET /api/v1/fetchall") == 1, stats
    assert stats["logins"] == 1, stats
    assert stats["requests"] == 2, stats


def test_expired_token_relogs_in_once(opp, playbook):
    opp.reset_stats()
    opp.admin("POST", "settings", {"expire_next_tokens": 1})
    result = run_tasks(playbook, opp.env, """
    - ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.opp', 'Wells Fargo') == 'wf-Secret-1!'
""")
    assert result.rc == 0, result
    stats = opp.stats()
    assert stats["logins"] == 2, stats
    assert stats["by_route"]["GET /api/v1/fetchall"] == 2, stats


def test_token_refused_twice_is_an_error(opp, playbook):
    opp.admin("POST", "settings", {"expire_next_tokens": 2})
    try:
        result = run_tasks(playbook, opp.env, """
    - ansible.builtin.set_fact:
        x: "{{ lookup('pwman.secrets.opp', 'Wells Fargo') }}"
""")
    finally:
        opp.admin("POST", "settings", {"expire_next_tokens": 0})
    assert result.rc != 0
    assert "HTTP 401" in result.stdout and "Signature has expired" in result.stdout, result
    assert_no_secret(result)


def test_error_shapes(opp, playbook):
    """Real JSON errors, the documented {"result": "error"} shape (even with HTTP 200), HTML pages."""
    opp.clear_faults()
    opp.add_faults(
        {"path": "/fetchall", "kind": "status", "status": 200, "count": 1,
         "body": '{"result": "error", "message": "Documented failure shape"}'},
        {"path": "/fetchall", "kind": "status", "status": 400, "count": 1,
         "body": '{"result": "error", "message": "Documented 400 shape"}'},
        {"path": "/fetchall", "kind": "html", "status": 502, "count": 4},
    )
    opp.admin("POST", "settings", {"crash_next": 0})
    result = run_tasks(playbook, opp.env, """
    - name: documented shape with 200
      ansible.builtin.set_fact:
        x: "{{ lookup('pwman.secrets.opp', 'Wells Fargo') }}"
      ignore_errors: true
      register: doc200
    - name: documented shape with 400
      ansible.builtin.set_fact:
        x: "{{ lookup('pwman.secrets.opp', 'Wells Fargo') }}"
      ignore_errors: true
      register: doc400
    - name: proxy HTML page
      ansible.builtin.set_fact:
        x: "{{ lookup('pwman.secrets.opp', 'Wells Fargo', retries=0) }}"
      ignore_errors: true
      register: html
    - ansible.builtin.assert:
        that:
          - "'Documented failure shape' in doc200.msg"
          - "'Documented 400 shape' in doc400.msg and 'HTTP 400' in doc400.msg"
          - "'HTTP 502' in html.msg and 'non-JSON' in html.msg"
""")
    opp.clear_faults()
    assert result.rc == 0, result

    opp.admin("POST", "settings", {"crash_next": 1})
    result = run_tasks(playbook, opp.env, """
    - name: server crash (Flask HTML 500 page)
      pwman.secrets.opp_item:
        name: it-crash
        password: Crash-Secret-1!
      ignore_errors: true
      register: crash
    - name: the unauthenticated health route
      ansible.builtin.uri:
        url: "{{ lookup('env', 'OPP_BASE_URL') }}/api/v1/health"
        return_content: true
      register: health
    - ansible.builtin.assert:
        that:
          - crash is failed
          - "'HTTP 500' in crash.msg and '500 Internal Server Error' in crash.msg"
          - (health.content | from_json).status == 'OpenPassPhrase service is running'
""")
    opp.admin("POST", "settings", {"crash_next": 0})
    assert result.rc == 0, result
    assert_no_secret(result)


def test_stored_data_is_encrypted(opp):
    state = opp.admin("GET", "state")
    blob = repr(state)
    for item in seed_data.ITEMS:
        assert item["password"] not in blob
    for name in seed_data.CATEGORIES:
        assert "'%s'" % name not in blob
    assert seed_data.DEMO_PHRASE not in blob
    assert seed_data.DEMO_PASSWORD not in blob


def test_tls_and_action_group_defaults(sandbox_factory, playbook):
    """HTTPS with a private CA (ca_path), and connection options set once for the opp action group."""
    server = sandbox_factory("opp", tls=True)
    result = run_tasks(playbook, {"PWMAN_URL": server.base_url, "PWMAN_CA": server.ca_path,
                                  "PWMAN_USER": seed_data.DEMO_USERNAME, "PWMAN_PASS": seed_data.DEMO_PASSWORD,
                                  "PWMAN_PHRASE": seed_data.DEMO_PHRASE}, """
    - name: Untrusted certificate
      ansible.builtin.set_fact:
        x: >-
          {{ lookup('pwman.secrets.opp', 'Wells Fargo', base_url=lookup('env', 'PWMAN_URL'), retries=0,
                    login_username=lookup('env', 'PWMAN_USER'), login_password=lookup('env', 'PWMAN_PASS'),
                    phrase=lookup('env', 'PWMAN_PHRASE')) }}
      ignore_errors: true
      register: untrusted
    - name: Modules with group defaults
      module_defaults:
        group/pwman.secrets.opp:
          base_url: "{{ lookup('env', 'PWMAN_URL') }}"
          ca_path: "{{ lookup('env', 'PWMAN_CA') }}"
          login_username: "{{ lookup('env', 'PWMAN_USER') }}"
          login_password: "{{ lookup('env', 'PWMAN_PASS') }}"
          phrase: "{{ lookup('env', 'PWMAN_PHRASE') }}"
      block:
        - pwman.secrets.opp_category:
            name: tls-category
          register: category
        - pwman.secrets.opp_item:
            name: tls-item
            category: tls-category
            password: Tls-Secret-1!
          register: item
    - name: Trusted with ca_path
      ansible.builtin.set_fact:
        trusted: >-
          {{ lookup('pwman.secrets.opp', 'tls-item', base_url=lookup('env', 'PWMAN_URL'),
                    ca_path=lookup('env', 'PWMAN_CA'), login_username=lookup('env', 'PWMAN_USER'),
                    login_password=lookup('env', 'PWMAN_PASS'), phrase=lookup('env', 'PWMAN_PHRASE')) }}
    - ansible.builtin.assert:
        that:
          - untrusted is failed
          - "'TLS error' in untrusted.msg and 'ca_path' in untrusted.msg"
          - category is changed and item is changed
          - trusted == 'Tls-Secret-1!'
""")
    assert result.rc == 0, result
    assert_no_secret(result)


def test_generator_failure_is_named_not_retried(opp, playbook):
    """Issue 16: the server's generator fails (word_chars matches no word) -> the connection closes with
    no answer. The module says the server failed to generate with these options (named), sends the
    write once, and never says 'Cannot reach'."""
    opp.reset_stats()
    result = run_tasks(playbook, opp.env, """
    - pwman.secrets.opp_item:
        name: gen-fail-new
        generate_password: true
        password_length: 20
        word_chars: "[0-9]"
      register: create_fails
      ignore_errors: true
    - pwman.secrets.opp_item:
        name: Wells Fargo
        category: Banking
        rotate: true
        word_chars: "[0-9]"
        word_min_length: 6
      register: rotate_fails
      ignore_errors: true
    - pwman.secrets.opp_item_info:
        name: gen-fail-new
      register: left
    - ansible.builtin.assert:
        that:
          - item is failed
          - "'failed to generate a password with these generator options' in item.msg"
          - "\\"word_chars: '[0-9]' (genopts.valid_chars)\\" in item.msg"
          - "'Cannot reach' not in item.msg and 'not repeated' in item.msg"
      loop: "{{ [create_fails, rotate_fails] }}"
      loop_control: {label: failed task}
    - ansible.builtin.assert:
        that:
          - "'password_length: 20 (genopts.numChars)' in create_fails.msg"
          - "'word_min_length: 6 (genopts.min_length)' in rotate_fails.msg"
          - lookup('pwman.secrets.opp', 'Wells Fargo', category='Banking') == 'wf-Secret-1!'
          - left['items'] == []
""")
    assert result.rc == 0, result
    by_route = opp.stats()["by_route"]
    assert by_route.get("PUT /api/v1/items") == 1 and by_route.get("POST /api/v1/items") == 1, by_route
