"""Issue 22, point 2: password expiry through the collection, with real ansible-playbook runs.

Betty reads shared passwords with the lookup; Ada takes her access away with passbolt_resource; the local server marks
what Betty had read expired, as passbolt_api's PasswordExpiryExpireResourcesService does. passbolt_resource_info and
the lookup return `expired` and select expired and soon-expiring resources; a password change by passbolt_resource
sets `expired` as Passbolt's browser extension does under the server's settings (cleared on a CE server, the default
period ahead on a Pro one, left alone when the feature is off); the rotate role rotates what is expired (dry run, real
run, roll back).
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from integration.passbolt_session import RawSession, as_user, run_tasks, server, users  # noqa: F401  pylint: disable=unused-import
from sandbox.passbolt import seed_data as SD

pytestmark = pytest.mark.xdist_group("passbolt-expiry")  # one server whose state the tests change in turn

SEED_PASSWORDS = tuple(r["secret"].get("password") or "" for r in SD.RESOURCES if r["secret"].get("password"))


@pytest.fixture()
def fresh(server):
    server.admin("POST", "settings", {"password_expiry_enabled": True, "password_expiry_policies_enabled": False})
    server.admin("POST", "reseed", {"profile": "test"})
    return server


def run_book(playbook, tmp_path, env, tasks, args=()):
    return run_tasks(playbook, tmp_path, env, tasks, SEED_PASSWORDS, args)


def expired_on_server(server, key):
    row = next(r for r in server.admin("GET", "state")["resources"] if r["id"] == SD.resource(key)["id"])
    return row["expired"]


def epoch(value):
    return datetime.fromisoformat(value).timestamp()


BETTY_READS = """
    - name: Betty reads two shared passwords
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passbolt', 'app-api') | length > 0
          - lookup('pwman.secrets.passbolt', 'db-primary') | length > 0
      no_log: true
"""

ADA_REMOVES = """
    - name: Ada shares legacy-string with Betty, after Betty's read
      pwman.secrets.passbolt_resource:
        name: legacy-string
        permissions:
          - user: betty@passbolt.dev

    - name: Ada takes Betty's access away (the Ops group's, for db-primary)
      pwman.secrets.passbolt_resource:
        name: "{{ item }}"
        permissions:
          - user: ada@passbolt.dev
            access: owner
        exclusive_permissions: true
      loop: [app-api, db-primary, extension-v5, legacy-string]

    - name: What Passbolt marks expired now
      pwman.secrets.passbolt_resource_info:
        expired: true
      register: expired

    - name: The others
      pwman.secrets.passbolt_resource_info:
        expired: false
        name: "*-*"
      register: not_expired

    # The lookup lists Betty's resources with their secrets in one request, so the server records that she read every
    # password shared with her then (ResourcesIndexController::_logSecretAccesses): all three expire; legacy-string,
    # shared with her after that, does not.
    - name: The server expired what Betty had read, and only that
      ansible.builtin.assert:
        that:
          - expired.resources | map(attribute='name') | sort == ['app-api', 'db-primary', 'extension-v5']
          - expired.resources | map(attribute='is_expired') | unique == [true]
          - expired.resources[0].expired is match('^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+00:00$')
          - "'legacy-string' in not_expired.resources | map(attribute='name')"
          - not_expired.resources | selectattr('name', 'equalto', 'legacy-string') | map(attribute='expired') | first is none
          - lookup('pwman.secrets.passbolt', 'app-api', field='expired') == expired.resources[0].expired
          - lookup('pwman.secrets.passbolt', 'legacy-string', field='expired') is none
          - lookup('pwman.secrets.passbolt', 'db-primary', field='all').expired is match('^\\d{4}-')

    - name: A date three days ahead on legacy-all (not expired yet)
      pwman.secrets.passbolt_resource:
        name: legacy-all
        expiry: "{{ '%Y-%m-%dT%H:%M:%SZ' | strftime(now(utc=true).timestamp() + 3 * 86400) }}"
      register: dated

    - name: The same date again is no change
      pwman.secrets.passbolt_resource:
        name: legacy-all
        expiry: "{{ dated.expired }}"
      register: dated_again

    - name: Expiring within a week, within a day, and within a week but not yet expired
      pwman.secrets.passbolt_resource_info:
        expires_within: "{{ item.within }}"
        expired: "{{ item.expired | default(omit) }}"
      loop: [{within: 7d}, {within: 24h}, {within: 1w, expired: false}]
      register: within

    - name: Dates and selections
      ansible.builtin.assert:
        that:
          - dated is changed and dated.expiry_changed and not dated.is_expired and not dated.password_changed
          - dated_again is not changed and not dated_again.expiry_changed
          - within.results[0].resources | map(attribute='name') | sort == ['app-api', 'db-primary', 'extension-v5',
                                                                           'legacy-all']
          - within.results[1].resources | map(attribute='name') | sort == ['app-api', 'db-primary', 'extension-v5']
          - within.results[2].resources | map(attribute='name') | list == ['legacy-all']
"""

PASSWORD_CHANGES = """
    - name: A new password for app-api, in check mode, with a diff
      pwman.secrets.passbolt_resource:
        name: app-api
        rotate: true
      check_mode: true
      diff: true
      register: checked

    - name: Still expired after the check mode run
      pwman.secrets.passbolt_resource_info:
        name: app-api
      register: still

    - name: A new password for app-api (the CE server's settings - automatic update, no period - clear the date)
      pwman.secrets.passbolt_resource:
        name: app-api
        rotate: true
      diff: true
      register: cleared

    - name: A new password for db-primary, keeping its expiry date
      pwman.secrets.passbolt_resource:
        name: db-primary
        rotate: true
        expiry: keep
      register: kept

    - name: A description change leaves the date alone
      pwman.secrets.passbolt_resource:
        name: legacy-all
        username: admin2
      register: renamed

    - name: Mark legacy-all expired now, twice
      pwman.secrets.passbolt_resource:
        name: legacy-all
        expiry: now
      loop: [1, 2]
      register: marked

    - name: A bad expiry value
      pwman.secrets.passbolt_resource:
        name: legacy-all
        expiry: next tuesday
      register: bad
      ignore_errors: true

    - name: What the expiry rules did
      ansible.builtin.assert:
        that:
          - checked is changed and checked.password_changed and checked.expiry_changed
          - checked.expired is none and not checked.is_expired
          - checked.diff.before.expired is match('^\\d{4}-') and checked.diff.after.expired is none
          - still.resources[0].is_expired
          - cleared is changed and cleared.expiry_changed and cleared.expired is none
          - "'no expiry date' in cleared.expiry_reason"
          - kept is changed and not kept.expiry_changed and kept.is_expired
          - renamed is changed and not renamed.expiry_changed and renamed.expired is not none
          - not renamed.is_expired
          - marked.results[0] is changed and marked.results[0].is_expired
          - marked.results[1] is not changed
          - bad is failed and "Option 'expiry' must be auto, keep, never, now or an ISO 8601 date" in bad.msg
"""


def test_expired_by_a_lost_access_listed_selected_and_cleared(fresh, users, playbook, tmp_path):
    run_book(playbook, tmp_path, as_user(fresh, users["betty"]), BETTY_READS)
    assert expired_on_server(fresh, "v5-shared") is None
    start = time.time()
    run_book(playbook, tmp_path, fresh.env, ADA_REMOVES)
    for key in ("v5-shared", "v4-desc", "ext-v5-shared"):
        assert start - 3 <= epoch(expired_on_server(fresh, key)) <= time.time(), key
    assert expired_on_server(fresh, "v4-string") is None
    fresh.reset_stats()
    run_book(playbook, tmp_path, fresh.env, PASSWORD_CHANGES)
    assert expired_on_server(fresh, "v5-shared") is None
    assert epoch(expired_on_server(fresh, "v4-desc")) <= time.time()  # keep
    assert epoch(expired_on_server(fresh, "v4-pdt")) <= time.time()
    writes = [k for k in fresh.stats()["by_route"] if k.startswith(("PUT", "POST")) and "/auth/" not in k]
    assert writes, writes


PRO_AND_OFF = """
    - name: A new password and a new resource on a server with a 90-day default period
      pwman.secrets.passbolt_resource:
        name: "{{ item.name }}"
        password: "{{ item.password }}"
      loop:
        - {name: app-api, password: It-Expiry-Pw-1}
        - {name: it-new-with-period, password: It-Expiry-Pw-2}
      register: pro
      no_log: true

    - name: Both got a date 90 days ahead
      ansible.builtin.assert:
        that:
          - pro.results | map(attribute='expiry_changed') | unique == [true]
          - pro.results | map(attribute='is_expired') | unique == [false]
          - "'90 days ahead' in pro.results[0].expiry_reason"
"""

FEATURE_OFF = """
    - name: A new password with the feature off
      pwman.secrets.passbolt_resource:
        name: db-primary
        password: It-Expiry-Pw-3
      register: feature_off
      no_log: true

    - name: The date is left alone
      ansible.builtin.assert:
        that:
          - feature_off is changed and not feature_off.expiry_changed and feature_off.is_expired
"""


def test_a_pro_period_and_the_feature_off(fresh, users, playbook, tmp_path):
    fresh.admin("POST", "settings", {"password_expiry_policies_enabled": True})
    with RawSession(fresh.base_url, users["ada"]) as ada:
        status, answer = ada.call("POST", "/password-expiry/settings.json", {
            "automatic_expiry": True, "automatic_update": True, "policy_override": False,
            "default_expiry_period": 90})
        assert status == 200, answer
        setting_id = answer["body"]["id"]
    run_book(playbook, tmp_path, fresh.env, PRO_AND_OFF)
    ahead = epoch(expired_on_server(fresh, "v5-shared")) - time.time()
    assert 89.9 * 86400 < ahead <= 90 * 86400, ahead
    new = next(r for r in fresh.admin("GET", "state")["resources"] if r["expired"] and r["id"] != SD.resource("v5-shared")["id"])
    assert 89.9 * 86400 < epoch(new["expired"]) - time.time() <= 90 * 86400

    with RawSession(fresh.base_url, users["ada"]) as ada:
        body = {"name": "db-primary", "resource_type_id": SD.resource_type_id("password-and-description"),
                "expired": "2021-06-01T00:00:00Z"}
        assert ada.call("PUT", "/resources/%s.json" % SD.resource("v4-desc")["id"], body)[0] == 200
        assert ada.call("DELETE", "/password-expiry/settings/%s.json" % setting_id)[0] == 200
    run_book(playbook, tmp_path, fresh.env, FEATURE_OFF)
    assert expired_on_server(fresh, "v4-desc") == "2021-06-01T00:00:00+00:00"


APPLY_OK = """
- name: The new password is on the server, the old one is gone
  ansible.builtin.assert:
    that:
      - rotate_new_password | length == 20
      - rotate_new_password == lookup('pwman.secrets.passbolt', rotate_credential.id)
      - rotate_new_password != rotate_old_password
      - rotate_credential.resource.folder is match('^Infra')
  no_log: true

- name: Count the applied credentials
  ansible.builtin.set_fact:
    applied: "{{ applied | default([]) + [rotate_credential.resource.name] }}"
"""

APPLY_FAILS = """
- name: The service refuses the new password
  ansible.builtin.fail:
    msg: service refused the new password
"""

MARK_EXPIRED = """
    - name: Mark three passwords expired, two of them in Infra (vpn, db-primary) and one in Apps (app-api)
      pwman.secrets.passbolt_resource:
        name: "{{ item }}"
        expiry: now
      loop: [vpn, db-primary, app-api]
"""

ROTATE = """
    - name: Rotate what is expired in Infra and below
      ansible.builtin.include_role:
        name: pwman.secrets.rotate
      vars:
        rotate_apply_tasks: {apply_ok}
        rotate_password_length: 20
        rotate_credentials:
          - {{product: passbolt, expired: true, folder: Infra}}

    - name: Both rotated and applied; no longer expired; app-api untouched
      ansible.builtin.assert:
        that:
          - applied | sort == ['db-primary', 'vpn']
          - rotate_report | map(attribute='credential') | sort == ['passbolt Infra/Databases/db-primary', 'passbolt Infra/vpn']
          - rotate_report | map(attribute='status') | unique == ['rotated']
          - rotate_report | map(attribute='expired') | unique == [none]
          - lookup('pwman.secrets.passbolt', 'app-api', field='expired') is not none
          - lookup('pwman.secrets.passbolt', 'vpn', field='expired') is none

    - name: Nothing left to rotate in Infra
      ansible.builtin.include_role:
        name: pwman.secrets.rotate
      vars:
        rotate_apply_tasks: {apply_ok}
        rotate_credentials:
          - {{product: passbolt, expired: true, folder: Infra}}

    - name: An empty selection
      ansible.builtin.assert:
        that: rotate_report == []

    - name: What app-api holds before
      ansible.builtin.set_fact:
        before_password: "{{{{ lookup('pwman.secrets.passbolt', 'app-api') }}}}"
        before_expired: "{{{{ lookup('pwman.secrets.passbolt', 'app-api', field='expired') }}}}"
      no_log: true

    - name: A failing apply step puts the password and the expiry date back
      block:
        - name: Rotate app-api (selected by its name) with an apply step that fails
          ansible.builtin.include_role:
            name: pwman.secrets.rotate
          vars:
            rotate_apply_tasks: {apply_fails}
            rotate_credentials:
              - {{product: passbolt, expired: true, name: "app-*", label: apps}}
      rescue:
        - name: The role failed, saying it restored the password; app-api is as before
          ansible.builtin.assert:
            that:
              - "'Applying the new password of passbolt Apps/app-api failed' in ansible_failed_result.msg"
              - "'The previous password was restored.' in ansible_failed_result.msg"
              - lookup('pwman.secrets.passbolt', 'app-api') == before_password
              - lookup('pwman.secrets.passbolt', 'app-api', field='expired') == before_expired
          no_log: true
"""


def test_rotate_what_passbolt_marks_expired(fresh, playbook, tmp_path):
    apply_ok = tmp_path.parent / ("apply-ok-%s.yml" % tmp_path.name)
    apply_ok.write_text(APPLY_OK)
    apply_fails = tmp_path.parent / ("apply-fails-%s.yml" % tmp_path.name)
    apply_fails.write_text(APPLY_FAILS)
    run_book(playbook, tmp_path, fresh.env, MARK_EXPIRED)
    before = {k: expired_on_server(fresh, k) for k in ("v5-totp", "v4-desc", "v5-shared")}
    assert all(before.values())

    # the dry run: the collection playbook in check mode lists what it would rotate and changes nothing
    varsfile = tmp_path.parent / ("rotate-vars-%s.yml" % tmp_path.name)
    varsfile.write_text("rotate_apply_tasks: /nonexistent.yml\nrotate_credentials:\n"
                        "  - {product: passbolt, expired: true, folder: Infra}\n")
    dry = playbook("pwman.secrets.rotate", env=fresh.env, args=["-e", "@%s" % varsfile, "--check"])
    assert dry.rc == 0, dry
    assert dry.stdout.count("(check mode: nothing changed)") == 2, dry
    assert "Would rotate passbolt Infra/vpn" in dry.stdout and "Would rotate passbolt Infra/Databases/db-primary" in \
        dry.stdout and "app-api" not in dry.stdout
    assert {k: expired_on_server(fresh, k) for k in before} == before

    run_book(playbook, tmp_path, fresh.env, ROTATE.format(apply_ok=apply_ok, apply_fails=apply_fails))
    assert expired_on_server(fresh, "v5-totp") is None and expired_on_server(fresh, "v4-desc") is None
    assert expired_on_server(fresh, "v5-shared") == before["v5-shared"]
