"""Moving from the lab collection anatomicjc.passbolt (issue 24, point 4): its play, rewritten as docs/passbolt.md
says, runs; what cannot be the same fails with a message that says what to write instead.

The credentials are given only as the lab lookup read them: PASSBOLT_BASE_URL, PASSBOLT_PRIVATE_KEY (in the
lab's one-line form, newlines written as \\n) and PASSBOLT_PASSPHRASE in the play's `environment:` (no user id, no
PASSBOLT_* variable in the controller's environment).
"""

from __future__ import annotations

import json

import pytest

from integration.reliability import run_tasks
from sandbox.passbolt import seed_data as PB

pytestmark = pytest.mark.filterwarnings("ignore")

LAB_KEYS = ["name", "uri", "username", "password", "description", "deleted", "created", "modified", "modified_by",
            "resource_type_id", "folder_parent_id", "personal"]

TASKS = """
    - name: The lab's .password is the default result; its dictionary is field='all'
      ansible.builtin.set_fact:
        db_password: "{{ lookup('pwman.secrets.passbolt', 'db-primary') }}"
        db: "{{ lookup('pwman.secrets.passbolt', 'db-primary', field='all') }}"
        note: "{{ lookup('pwman.secrets.passbolt', 'db-primary', field='description') }}"
      no_log: true

    - name: The lab's options
      ansible.builtin.set_fact:
        by_uuid: "{{ lookup('pwman.secrets.passbolt', db.id, per_uuid='true', field='name') }}"
        by_description: "{{ lookup('pwman.secrets.passbolt', 'app-api', description='v5 shared-key metadata',
                                   field='username') }}"
        by_username: "{{ lookup('pwman.secrets.passbolt', 'dup-name', username='dup-apps', field='id') }}"
        by_uri: "{{ lookup('pwman.secrets.passbolt', 'app-api', uri='https://api2.example.com', field='name') }}"

    - name: per_uuid with a name
      ansible.builtin.set_fact:
        fails: "{{ lookup('pwman.secrets.passbolt', 'db-primary', per_uuid=true) }}"
      register: per_uuid_name
      ignore_errors: true

    - name: A description that no resource has
      ansible.builtin.set_fact:
        fails: "{{ lookup('pwman.secrets.passbolt', 'app-api', description='nope') }}"
      register: no_description
      ignore_errors: true

    - name: A module in the same play reads the same environment
      pwman.secrets.passbolt_resource_info:
        name: db-primary
      register: info

    - ansible.builtin.assert:
        that:
          - db_password == %(password)s
          - db.password == db_password
          - db.keys() | list | intersect(%(keys)s) | sort == %(keys)s | sort
          - db.username == 'postgres' and db.uri == 'postgres://db1.example.com:5432' and db.name == 'db-primary'
          - db.description == note and note == 'primary database, encrypted note'
          - db.deleted == false and db.folder_parent_id == %(folder)s
          - by_uuid == 'db-primary' and by_description == 'api' and by_uri == 'app-api'
          - by_username == %(dup_apps)s
          - per_uuid_name is failed
          - "\\"Option 'per_uuid' is true but 'db-primary' is not a resource UUID\\" in per_uuid_name.msg"
          - "'drop per_uuid' in per_uuid_name.msg"
          - no_description is failed
          - "\\"No Passbolt resource matches name or id 'app-api', description 'nope'\\" in no_description.msg"
          - info.count == 1 and info.resources[0].id == db.id
      no_log: false
"""


@pytest.mark.parametrize("cache", ["true", "false"])
def test_anatomicjc_passbolt_play(sandbox_factory, cache):
    server = sandbox_factory("passbolt")
    one_line_key = server.env["PASSBOLT_PRIVATE_KEY"].strip().replace("\n", "\\n")
    header = "  environment:\n%s" % "".join("    %s: %s\n" % (name, json.dumps(value)) for name, value in (
        ("PASSBOLT_BASE_URL", server.base_url), ("PASSBOLT_PRIVATE_KEY", one_line_key),
        ("PASSBOLT_PASSPHRASE", server.env["PASSBOLT_PASSPHRASE"])))
    tasks = TASKS % {"password": json.dumps(PB.resource("v4-desc")["secret"]["password"]), "keys": json.dumps(LAB_KEYS),
                     "folder": json.dumps(PB.FOLDER_IDS["Infra/Databases"]),
                     "dup_apps": json.dumps(PB.resource("dup-apps")["id"])}
    result = run_tasks(tasks, {"PWMAN_SECRETS_CACHE": cache}, header=header)
    assert result.rc == 0, result
    assert PB.USERS["ada"]["passphrase"] not in result.stdout + result.stderr
