"""The roles pwman.secrets.rotate and pwman.secrets.sync, and the collection playbooks rotate.yml and sync.yml,
end to end against the local servers (each started once for this module).

Few ansible-playbook runs, many assertions each: the playbooks assert the behaviour, pytest checks the
recap, the summaries and that no seed secret reaches the output.
"""

from __future__ import annotations

import re

import pytest

from sandbox.opp import seed_data as OPP
from sandbox.passbolt import seed_data as PB
from sandbox.passwordstate import seed_data as PS

pytestmark = pytest.mark.filterwarnings("ignore")

SECRETS = tuple(p["Password"] for p in PS.PASSWORDS.values()) + tuple(i["password"] for i in OPP.ITEMS) + (
    OPP.DEMO_PASSWORD, OPP.DEMO_PHRASE, "db-primary-pw-1", PB.RESOURCES[0]["secret"]["password"])


def check(result, changed=None):
    errors = [line for line in (result.stdout + result.stderr).splitlines() if "fatal:" in line or "ERROR" in line]
    assert result.rc == 0, "%s\n%r" % ("\n".join(errors), result)
    shown = result.stdout + result.stderr
    leaked = [secret for secret in SECRETS if secret in shown]
    assert not leaked, "secrets in the playbook output: %s" % leaked
    if changed is not None:
        assert re.search(r"localhost\s+: ok=\d+\s+changed=%d\s" % changed, result.stdout), result
    return result


def summary_counts(stdout):
    """The counts of the last `Report the copy` task."""
    found = re.findall(r'"created": (\d+),.*?"skipped": (\d+),\s*"unchanged": (\d+),\s*"updated": (\d+)', stdout, re.S)
    assert found, stdout[-3000:]
    created, skipped, unchanged, updated = (int(n) for n in found[-1])
    return {"created": created, "updated": updated, "unchanged": unchanged, "skipped": skipped}


SYNC_VARS = """
sync_jobs:
  - source: {product: passwordstate, list_id: 11}
    destination: {product: opp, category: Synced}
    names: [web, shared]
  - source: {product: opp, category: Banking}
    destination: {product: passwordstate, list_id: 15}
  - source: {product: passwordstate, list_id: 11}
    destination: {product: passbolt, folder: Synced/Web}
    names: [web-admin]
    label: to passbolt
"""

SYNC_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: First real run (the check-mode run before wrote nothing, so everything is created)
      ansible.builtin.include_role:
        name: pwman.secrets.sync

    - ansible.builtin.assert:
        that:
          - "sync_summary.created | sort == ['opp -> passwordstate: Wells Fargo', 'passwordstate -> opp: web',
                                            'to passbolt: web-admin']"
          - sync_summary.updated == [] and sync_summary.unchanged == []
          - "sync_summary.skipped == ['passwordstate -> opp: shared (several source entries have this name)']"

    - name: The fields arrived, mapped
      ansible.builtin.assert:
        that:
          - web.name == 'web' and web.username == 'alice' and web.url == 'https://intranet.example.com'
          - web.blob == 'Intranet login' and web.category == 'Synced'
          - web.password == lookup('pwman.secrets.passwordstate', '5001')
          - "wf.UserName == 'mylogin' and wf.URL == 'https://wellsfargo.example' and wf.Description == 'pin: 1234'"
          - wf.Password == lookup('pwman.secrets.opp', 'Wells Fargo', category='Banking')
          - pb.username == 'admin' and pb.uri == 'https://intranet.example.com/admin' and pb.folder == 'Synced/Web'
          - pb.password == lookup('pwman.secrets.passwordstate', '5002')
      vars:
        web: "{{ lookup('pwman.secrets.opp', 'web', category='Synced', field='all') }}"
        wf: "{{ lookup('pwman.secrets.passwordstate', 'Wells Fargo', list_id=15, field='all') }}"
        pb: "{{ lookup('pwman.secrets.passbolt', 'web-admin', folder='Synced/Web', field='all') }}"
      no_log: true

    - name: A source password changes
      pwman.secrets.passwordstate_password:
        password_id: 5001
        password: Web-Alice-Pass-1-changed

    - name: Copy that one entry again - it is updated
      ansible.builtin.include_role:
        name: pwman.secrets.sync
      vars:
        sync_jobs:
          - source: {product: passwordstate, list_id: 11}
            destination: {product: opp, category: Synced}
            names: [web]

    - ansible.builtin.assert:
        that:
          - "sync_summary.updated == ['passwordstate -> opp: web']"
          - sync_summary.created == [] and sync_summary.unchanged == [] and sync_summary.skipped == []
          - lookup('pwman.secrets.opp', 'web', category='Synced') == 'Web-Alice-Pass-1-changed'
      no_log: true
"""


def test_sync_across_products(all_servers_env, playbook, tmp_path):
    varsfile = tmp_path / "sync_vars.yml"
    varsfile.write_text(SYNC_VARS)
    book = tmp_path / "sync.yml"
    book.write_text(SYNC_PLAYBOOK)

    # check mode: a dry run through the collection playbook; it says what it would create, writes nothing
    dry = check(playbook("pwman.secrets.sync", env=all_servers_env, args=["-e", "@%s" % varsfile, "--check"]))
    assert re.search(r'"skipped": 1,\s*"unchanged": 0,\s*"would create": 3,\s*"would update": 0', dry.stdout), dry
    assert '"created"' not in dry.stdout  # said in rotate's words: what it would do
    # progress: each entry written is named, none is shown as "(censored due to no_log)"; the skipped name once
    assert "censored" not in dry.stdout, dry
    assert "Create or update the OPP item web]" in dry.stdout and "(item=web-admin)" in dry.stdout, dry

    # the role for real, then an update (see SYNC_PLAYBOOK); vars_files, as -e would override the include_role vars
    book.write_text(SYNC_PLAYBOOK.replace("  gather_facts: false\n", "  gather_facts: false\n  vars_files:\n    - %s\n"
                                          % varsfile, 1))
    # at -v Ansible prints every loop item whatever its label: the role's loops must carry no password (issue 16)
    check(playbook(str(book), env=all_servers_env, args=["-v"]))

    # idempotency: the collection playbook again changes nothing and reports everything unchanged
    again = check(playbook("pwman.secrets.sync", env=all_servers_env, args=["-e", "@%s" % varsfile]), changed=0)
    assert summary_counts(again.stdout) == {"created": 0, "updated": 0, "unchanged": 3, "skipped": 1}


ROTATE_VARS = """
rotate_apply_tasks: {apply}
rotate_credentials: "{{{{ all_credentials }}}}"
all_credentials:
  - {{product: passwordstate, password_id: 5003}}
  - {{product: opp, name: Wells Fargo, category: Banking, password_length: 12}}
  - {{product: passbolt, name: db-primary, folder: Infra/Databases, label: the primary database}}
"""

# The apply step of the tests: the new password handed over is the one now stored in the product.
APPLY_OK = """
- name: The new password is on the server
  ansible.builtin.assert:
    that:
      - rotate_new_password | length > 0
      - rotate_new_password == stored
      - rotate_new_password != rotate_old_password
  vars:
    stored: >-
      {{ lookup('pwman.secrets.passwordstate', rotate_credential.password_id | string)
         if rotate_credential.product == 'passwordstate'
         else lookup('pwman.secrets.opp', rotate_credential.name, category=rotate_credential.category)
         if rotate_credential.product == 'opp'
         else lookup('pwman.secrets.passbolt', rotate_credential.name, folder=rotate_credential.folder) }}
  no_log: true

- name: Count the applied credentials
  ansible.builtin.set_fact:
    applied: "{{ applied | default([]) + [rotate_label] }}"
"""

APPLY_FAILS = """
- name: The service refuses the new password
  ansible.builtin.fail:
    msg: service refused the new password
"""

ROTATE_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: The check-mode run changed nothing
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passwordstate', '5003') == 'Mail-Bob-Pass-3'
          - lookup('pwman.secrets.opp', 'Wells Fargo', category='Banking') == 'wf-Secret-1!'
      no_log: true

    - name: Rotate and apply (Passbolt only in the check-mode run, its logins are slow)
      ansible.builtin.include_role:
        name: pwman.secrets.rotate
      vars:
        rotate_credentials: "{{{{ all_credentials[:2] }}}}"

    - name: Every credential was applied, and holds a new password
      ansible.builtin.assert:
        that:
          - applied == ['passwordstate 5003', 'opp Wells Fargo']
          - rotate_report | map(attribute='status') | unique == ['rotated']
          - lookup('pwman.secrets.passwordstate', '5003') != 'Mail-Bob-Pass-3'
          - lookup('pwman.secrets.opp', 'Wells Fargo', category='Banking') | length == 12
      no_log: true

    - name: A failing apply step rolls Passwordstate back
      vars:
        failing: {{product: passwordstate, password_id: 5004, label: ops}}
      block:
        - name: Rotate with an apply step that fails
          ansible.builtin.include_role:
            name: pwman.secrets.rotate
          vars:
            rotate_apply_tasks: {fails}
            rotate_credentials: "{{{{ [failing] }}}}"
      rescue:
        - name: The role failed, saying it restored the password
          ansible.builtin.assert:
            that:
              - "'Applying the new password of ' ~ failing.label ~ ' failed' in ansible_failed_result.msg"
              - "'The previous password was restored.' in ansible_failed_result.msg"
              - lookup('pwman.secrets.passwordstate', '5004') == 'Shared-Ops-Pass-4'
          no_log: true

    - name: A failing apply step rolls OPP back
      vars:
        failing: {{product: opp, name: core router, category: Infrastructure, label: router}}
      block:
        - name: Rotate with an apply step that fails
          ansible.builtin.include_role:
            name: pwman.secrets.rotate
          vars:
            rotate_apply_tasks: {fails}
            rotate_credentials: "{{{{ [failing] }}}}"
      rescue:
        - name: The role failed, saying it restored the password
          ansible.builtin.assert:
            that:
              - "'Applying the new password of ' ~ failing.label ~ ' failed' in ansible_failed_result.msg"
              - "'The previous password was restored.' in ansible_failed_result.msg"
              - lookup('pwman.secrets.opp', 'core router', category='Infrastructure') == 'router-Secret-2!'
          no_log: true
"""


def test_rotate_check_apply_and_rollback(all_servers_env, playbook, tmp_path):
    apply_ok = tmp_path / "apply_ok.yml"
    apply_ok.write_text(APPLY_OK)
    apply_fails = tmp_path / "apply_fails.yml"
    apply_fails.write_text(APPLY_FAILS)
    varsfile = tmp_path / "rotate_vars.yml"
    varsfile.write_text(ROTATE_VARS.format(apply=apply_ok))

    # check mode, through the collection playbook: every credential is found, nothing rotates
    dry = check(playbook("pwman.secrets.rotate", env=all_servers_env, args=["-e", "@%s" % varsfile, "--check"]), changed=0)
    assert dry.stdout.count("(check mode: nothing changed)") == 3, dry
    # progress: each task says which credential it works on (its label, never a secret)
    for task in ("Find the Passwordstate password of passwordstate 5003", "Find the OPP item of opp Wells Fargo",
                 "Keep in memory the current password of the primary database"):
        assert "TASK [pwman.secrets.rotate : %s]" % task in dry.stdout, dry

    book = tmp_path / "rotate.yml"
    book.write_text(ROTATE_PLAYBOOK.format(fails=apply_fails))
    # vars from a file given with -e would override the include_role vars: load them with vars_files instead
    text = book.read_text().replace("  gather_facts: false\n", "  gather_facts: false\n  vars_files:\n    - %s\n" % varsfile, 1)
    book.write_text(text)
    result = check(playbook(str(book), env=all_servers_env, args=["-v"]))
    assert "rescued=4" in result.stdout, result  # the role's own rescue and ours, twice
    assert "Restore the previous password" in result.stdout
    assert "Rotate the OPP password of opp Wells Fargo]" in result.stdout, result


def test_rotate_finds_exactly_one(all_servers_env, playbook, tmp_path):
    """An entry matching several credentials fails before anything rotates."""
    varsfile = tmp_path / "vars.yml"
    varsfile.write_text("rotate_apply_tasks: /nonexistent.yml\n"
                        "rotate_credentials:\n  - {product: passwordstate, list_id: 11, title: shared}\n")
    result = playbook("pwman.secrets.rotate", env=all_servers_env, args=["-e", "@%s" % varsfile, "--check"])
    assert result.rc != 0, result
    assert "2 Passwordstate passwords match (expected exactly one)" in result.stdout, result
