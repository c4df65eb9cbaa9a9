"""Issue 22, point 3: every resource type the server defines, through passbolt_resource (real ansible-playbook runs).

Each of the 11 types a passbolt_api 5.12 install defines (GET /resource-types.json, the imitation's rows from
SlugDefinition.php and the migrations) is created, updated, left alone when nothing changes, and read back; values
that break the type's JSON schema are refused before any request; a type changes as Passbolt's browser extension
changes it (ResourceFormEntity::addSecret, getResourceTypeMatchingResource, upgradeToV5) or the change is refused.
"""

from __future__ import annotations

import json

import pytest

from integration.passbolt_session import run_tasks, server  # noqa: F401  pylint: disable=unused-import
from sandbox.common.httpserver import ADMIN_HEADER, ADMIN_PREFIX
from sandbox.passbolt import seed_data as SD

pytestmark = pytest.mark.xdist_group("passbolt-resource-types")

SECRETS = ("It-Type-Pw-1", "It-Type-Pw-2", "It-Type-Pw-3", "It-Type-Note-1", "It-Type-Note-2", "It-Type-Note-3",
           "It-Cf-Secret-1", "JBSWY3DPEHPK3PXP", "GEZDGNBVGY3TQOJQ", "It-Pin-Code", "It-V4-Desc-1", "27182818")


def run_book(playbook, tmp_path, env, tasks, args=()):
    return run_tasks(playbook, tmp_path, env, tasks, SECRETS + ("48151623", "16234815"), args)


def writes(server):
    return [k for k in server.stats()["by_route"] if k.split()[0] in ("POST", "PUT", "DELETE")
            and "/auth/" not in k]


def stored_types(server):
    return {r["id"]: next(s for s, i in SD.RESOURCE_TYPE_IDS.items() if i == r["resource_type_id"])
            for r in server.admin("GET", "state")["resources"]}


EVERY_TYPE = """
    - name: One resource of every type the server defines
      pwman.secrets.passbolt_resource: &every_type
        name: "it-{{ item.type }}"
        resource_type: "{{ item.type }}"
        password: "{{ item.password | default(omit) }}"
        description: "{{ item.description | default(omit) }}"
        note: "{{ item.note | default(omit) }}"
        totp: "{{ item.totp | default(omit) }}"
        custom_fields: "{{ item.custom_fields | default(omit) }}"
        pin_code: "{{ item.pin_code | default(omit) }}"
        username: "{{ item.username | default(omit) }}"
        uri: "{{ item.uri | default(omit) }}"
      loop: "{{ types }}"
      loop_control:
        label: "{{ item.type }}"
      register: created
      no_log: true

    - name: The same again changes nothing
      pwman.secrets.passbolt_resource: *every_type
      loop: "{{ types }}"
      loop_control:
        label: "{{ item.type }}"
      register: again
      no_log: true

    - name: Read back with the lookup and passbolt_resource_info
      pwman.secrets.passbolt_resource_info:
        name: "it-*"
        with_secrets: true
      register: info
      no_log: true

    - name: Created as asked, read back, idempotent
      ansible.builtin.assert:
        that:
          - created.results | map(attribute='changed') | unique == [true]
          - created.results | map(attribute='resource_type') | list == types | map(attribute='type') | list
          - again.results | map(attribute='changed') | unique == [false]
          - by_name['it-password-string'].password == 'It-Type-Pw-1'
          - by_name['it-password-string'].description == 'clear v4 description'
          - by_name['it-password-and-description'].description == 'It-V4-Desc-1'
          - by_name['it-totp'].totp_secret == 'JBSWY3DPEHPK3PXP' and 'password' not in by_name['it-totp']
          - by_name['it-password-description-totp'].totp.digits == 8
          - by_name['it-v5-default'].note == 'It-Type-Note-1'
          - lookup('pwman.secrets.passbolt', 'it-v5-default', field='metadata_description') == 'v5 metadata description'
          - by_name['it-v5-default'].custom_fields.token == 'It-Cf-Secret-1'
          - by_name['it-v5-default'].custom_fields | length == 1
          - by_name['it-v5-default-with-totp'].totp.algorithm == 'SHA256'
          - by_name['it-v5-totp-standalone'].username == '' and 'password' not in by_name['it-v5-totp-standalone']
          - by_name['it-v5-custom-fields'].custom_fields.region == 'eu-west-1'
          - by_name['it-v5-custom-fields'].custom_fields | length == 1
          - by_name['it-v5-note'].description == 'It-Type-Note-2' and by_name['it-v5-note'].note == 'It-Type-Note-2'
          - by_name['it-v5-pin-code'].pin_code == '48151623' and by_name['it-v5-pin-code'].note == 'It-Pin-Code'
          - by_name['it-v5-pin-code'].uris == []
          - lookup('pwman.secrets.passbolt', 'it-v5-pin-code', field='pin_code') == '48151623'
          - lookup('pwman.secrets.passbolt', 'it-v5-note', field='note') == 'It-Type-Note-2'
          - lookup('pwman.secrets.passbolt', 'it-v5-custom-fields', field='region') == 'eu-west-1'
      vars:
        by_name: "{{ dict(info.resources | map(attribute='name') | zip(info.resources)) }}"
      no_log: true

    - name: Every type takes a new secret value
      pwman.secrets.passbolt_resource:
        name: "it-{{ item.type }}"
        password: "{{ item.new.password | default(omit) }}"
        totp: "{{ item.new.totp | default(omit) }}"
        description: "{{ item.new.description | default(omit) }}"
        custom_fields: "{{ item.new.custom_fields | default(omit) }}"
        pin_code: "{{ item.new.pin_code | default(omit) }}"
      loop: "{{ types }}"
      loop_control:
        label: "{{ item.type }}"
      register: every_update
      no_log: true

    - name: Updated in place, each keeping its type
      ansible.builtin.assert:
        that:
          - every_update.results | map(attribute='changed') | unique == [true]
          - every_update.results | map(attribute='resource_type') | list == types | map(attribute='type') | list
          - lookup('pwman.secrets.passbolt', 'it-password-string') == 'It-Type-Pw-3'
          - lookup('pwman.secrets.passbolt', 'it-totp', field='all').totp_secret == 'GEZDGNBVGY3TQOJQ'
          - lookup('pwman.secrets.passbolt', 'it-v5-note', field='note') == 'It-Type-Note-3'
          - lookup('pwman.secrets.passbolt', 'it-v5-pin-code', field='pin_code') == '27182818'
          - lookup('pwman.secrets.passbolt', 'it-v5-custom-fields', field='region') == 'eu-central-1'
      no_log: true
"""

TOTP_2 = {"secret_key": "GEZDGNBVGY3TQOJQ", "digits": 7}
TYPES_VARS = [
    {"type": "password-string", "password": "It-Type-Pw-1", "description": "clear v4 description",
     "new": {"password": "It-Type-Pw-3"}},
    {"type": "password-and-description", "password": "It-Type-Pw-1", "description": "It-V4-Desc-1",
     "new": {"password": "It-Type-Pw-3"}},
    {"type": "totp", "totp": {"secret_key": "JBSWY3DPEHPK3PXP"}, "uri": "https://otp.example.com",
     "new": {"totp": TOTP_2}},
    {"type": "password-description-totp", "password": "It-Type-Pw-1",
     "totp": {"secret_key": "JBSWY3DPEHPK3PXP", "digits": 8}, "new": {"totp": TOTP_2}},
    {"type": "v5-default", "password": "It-Type-Pw-1", "description": "v5 metadata description",
     "note": "It-Type-Note-1", "custom_fields": {"token": "It-Cf-Secret-1"}, "username": "u5",
     "new": {"password": "It-Type-Pw-3"}},
    {"type": "v5-default-with-totp", "password": "It-Type-Pw-2",
     "totp": {"secret_key": "JBSWY3DPEHPK3PXP", "algorithm": "SHA256"}, "new": {"password": "It-Type-Pw-3"}},
    {"type": "v5-totp-standalone", "totp": {"secret_key": "JBSWY3DPEHPK3PXP"}, "new": {"totp": TOTP_2}},
    {"type": "v5-custom-fields", "custom_fields": {"region": "eu-west-1"},
     "new": {"custom_fields": {"region": "eu-central-1"}}},
    {"type": "v5-note", "description": "It-Type-Note-2", "new": {"description": "It-Type-Note-3"}},
    {"type": "v5-pin-code", "pin_code": "48151623", "note": "It-Pin-Code", "new": {"pin_code": "27182818"}},
]


def test_every_type_the_server_defines(server, playbook, tmp_path):
    """The 10 types a client may create (v5-password-string: the server refuses new ones; the seeded one is updated):
    created, read back, idempotent; then updated (check mode first), refused values and types, type changes."""
    assert {t["type"] for t in TYPES_VARS} | {"v5-password-string"} == set(SD.RESOURCE_TYPE_SLUGS)
    server.admin("POST", "reseed", {"profile": "test"})
    varsfile = tmp_path.parent / ("types-%s.json" % tmp_path.name)
    varsfile.write_text(json.dumps({"types": TYPES_VARS}))
    run_book(playbook, tmp_path, server.env, EVERY_TYPE, args=("-e", "@%s" % varsfile))
    kinds = stored_types(server)
    made = {r["name"]: kinds[r["id"]] for r in server.admin("GET", "state")["resources"] if r["name"]}
    assert made["it-password-string"] == "password-string" and made["it-totp"] == "totp"  # v4: cleartext names

    writes_file = tmp_path.parent / ("writes-%s.yml" % tmp_path.name)
    writes_file.write_text(WRITES.format(url=server.base_url + ADMIN_PREFIX, header=ADMIN_HEADER,
                                         token=server.admin_token))
    server.reset_stats()
    run_book(playbook, tmp_path, server.env, UPDATES.replace("{writes}", str(writes_file)))
    server.reset_stats()
    run_book(playbook, tmp_path, server.env, REFUSED.replace("{writes}", str(writes_file)))
    assert writes(server) == []
    server.admin("POST", "settings", {"allow_v4_v5_upgrade": True})
    try:
        run_book(playbook, tmp_path, server.env, CHANGES)
    finally:
        server.admin("POST", "settings", {"allow_v4_v5_upgrade": False})


UPDATES = """
    - name: Update a value of each kind, in check mode first
      pwman.secrets.passbolt_resource:
        name: "{{ item.name }}"
        pin_code: "{{ item.pin_code | default(omit) }}"
        note: "{{ item.note | default(omit) }}"
        custom_fields: "{{ item.custom_fields | default(omit) }}"
      loop: &updates
        - {name: it-v5-pin-code, pin_code: '16234815'}
        - {name: it-v5-default, note: It-Type-Note-2}
        - {name: it-v5-custom-fields, custom_fields: {region: us-east-2}}
      check_mode: true
      diff: true
      register: checked
      no_log: true

    - ansible.builtin.include_tasks: {writes}

    - name: Nothing written in check mode; secrets masked in the diff
      ansible.builtin.assert:
        that:
          - checked.results | map(attribute='changed') | unique == [true]
          - checked.results[0].diff.before.pin_code == '********'
          - checked.results[0].diff.after.pin_code == '******** (changed)'
          - checked.results[1].diff.after.note == '******** (changed)'
          - pb_writes == []

    - name: Update for real
      pwman.secrets.passbolt_resource:
        name: "{{ item.name }}"
        pin_code: "{{ item.pin_code | default(omit) }}"
        note: "{{ item.note | default(omit) }}"
        custom_fields: "{{ item.custom_fields | default(omit) }}"
      loop: *updates
      register: updated
      no_log: true

    - name: Updated, and kept their type
      ansible.builtin.assert:
        that:
          - updated.results | map(attribute='changed') | unique == [true]
          - updated.results | map(attribute='resource_type') | list == ['v5-pin-code', 'v5-default', 'v5-custom-fields']
          - lookup('pwman.secrets.passbolt', 'it-v5-pin-code', field='pin_code') == '16234815'
          - lookup('pwman.secrets.passbolt', 'it-v5-default', field='note') == 'It-Type-Note-2'
          - lookup('pwman.secrets.passbolt', 'it-v5-custom-fields', field='region') == 'us-east-2'
          - lookup('pwman.secrets.passbolt', 'it-v5-default') == 'It-Type-Pw-3'
      no_log: true

    - name: The seeded v5-password-string resource takes a new password
      pwman.secrets.passbolt_resource:
        name: v5-string
        password: It-Type-Pw-2
      register: v5_string
      no_log: true

    - name: Still a v5-password-string
      ansible.builtin.assert:
        that:
          - v5_string is changed and v5_string.resource_type == 'v5-password-string'
          - lookup('pwman.secrets.passbolt', 'v5-string') == 'It-Type-Pw-2'
      no_log: true
"""

REFUSED = """
    - name: Values that break the schema, and types that cannot be
      pwman.secrets.passbolt_resource:
        name: "{{ item.name }}"
        resource_type: "{{ item.type | default(omit) }}"
        password: "{{ item.password | default(omit) }}"
        pin_code: "{{ item.pin_code | default(omit) }}"
        uris: "{{ item.uris | default(omit) }}"
        username: "{{ item.username | default(omit) }}"
        note: "{{ item.note | default(omit) }}"
      loop:
        - {name: it-bad-pin, type: v5-pin-code, pin_code: 12a4}
        - {name: it-short-pin, type: v5-pin-code, pin_code: '123'}
        - {name: it-v5-pin-code, pin_code: '1234567890123'}
        - {name: "{{ 'n' * 256 }}", password: It-Type-Pw-1}
        - {name: it-many-uris, password: It-Type-Pw-1, uris: "{{ range(33) | map('string') | list }}"}
        - {name: it-v5-pin-code, uris: [https://door.example.com]}
        - {name: it-v5-totp-standalone, username: someone}
        - {name: it-new-string, type: v5-password-string, password: It-Type-Pw-1}
        - {name: it-no-type, type: v9-teleport, password: It-Type-Pw-1}
        - {name: it-totp, type: totp, note: It-Type-Note-1}
        - {name: it-v5-totp-standalone, note: It-Type-Note-1}
        - {name: it-v5-default-with-totp, type: v5-default}
        - {name: it-v5-default, type: password-and-description}
        - {name: it-password-string, type: v5-default}
      loop_control:
        label: "{{ item.name[:20] }}"
      register: refused
      ignore_errors: true
      no_log: true

    - ansible.builtin.include_tasks: {writes}

    - name: Each refused with the field and the rule, before any request
      ansible.builtin.assert:
        that:
          - refused.results | map(attribute='failed') | unique == [true]
          - "msgs[0] is match('Resource type v5-pin-code, secret. pin_code must match the pattern .+ [(]pattern[)][.]$')"
          - "'\\\\d' in msgs[0]"
          - "'pin_code must be at least 4 characters long (minLength)' in msgs[1]"
          - "'pin_code must be at most 12 characters long (maxLength)' in msgs[2]"
          - "'Resource type v5-default, metadata: name must be at most 255 characters long (maxLength)' in msgs[3]"
          - "'uris must have at most 32 items (maxItems)' in msgs[4]"
          - "'Resource type v5-pin-code has no uris.' in msgs[5]"
          - "'Resource type v5-totp-standalone has no username.' in msgs[6]"
          - "'refuses to create v5-password-string resources' in msgs[7]"
          - "\\"Option 'resource_type': the Passbolt server defines no resource type 'v9-teleport'\\" in msgs[8]"
          - "'v5-pin-code' in msgs[8]"
          - "'Resource type totp has no encrypted note (option note).' in msgs[9]"
          - "'Resource type v5-default-with-totp needs password: give option password or generate_password.'
             in msgs[10]"
          - "'cannot become v5-default: secret field totp would be lost' in msgs[11]"
          - "'it cannot become password-and-description: Passbolt' in msgs[12]"
          - "'do not allow upgrading v4 resources to v5 (allow_v4_v5_upgrade)' in msgs[13]"
          - pb_writes == []
      vars:
        msgs: "{{ refused.results | map(attribute='msg') | list }}"
"""

CHANGES = """
    - name: A TOTP added to a v5-default resource and to a v4 password-string resource
      pwman.secrets.passbolt_resource:
        name: "{{ item }}"
        totp:
          secret_key: JBSWY3DPEHPK3PXP
      loop: [it-v5-default, it-password-string]
      register: with_totp

    - name: The v4 password-string resource, upgraded to v5 as the extension upgrades it
      pwman.secrets.passbolt_resource:
        name: it-password-and-description
        resource_type: v5-default
      register: upgraded

    - name: The types changed as the extension changes them, nothing lost
      ansible.builtin.assert:
        that:
          - with_totp.results | map(attribute='resource_type') | list == ['v5-default-with-totp',
                                                                           'password-description-totp']
          - lookup('pwman.secrets.passbolt', 'it-v5-default', field='note') == 'It-Type-Note-2'
          - lookup('pwman.secrets.passbolt', 'it-v5-default', field='token') == 'It-Cf-Secret-1'
          - lookup('pwman.secrets.passbolt', 'it-v5-default', field='totp_secret') == 'JBSWY3DPEHPK3PXP'
          - lookup('pwman.secrets.passbolt', 'it-password-string', field='note') == 'clear v4 description'
          - lookup('pwman.secrets.passbolt', 'it-password-string', field='metadata_description') == ''
          - upgraded is changed and upgraded.metadata_version == 'v5' and upgraded.resource_type == 'v5-default'
          - upgraded.metadata_key_type == 'shared_key'
          - lookup('pwman.secrets.passbolt', 'it-password-and-description', field='note') == 'It-V4-Desc-1'
          - lookup('pwman.secrets.passbolt', 'it-password-and-description') == 'It-Type-Pw-3'
      no_log: true
"""


WRITES = """
- name: Read the server's request counters
  ansible.builtin.uri:
    url: "{url}stats"
    headers: {{"{header}": "{token}"}}
  register: pb_stats

- name: Write requests since the reset (logins and logouts aside)
  ansible.builtin.set_fact:
    pb_writes: "{{{{ pb_stats.json.by_route | dict2items | selectattr('key', 'match', '(POST|PUT|DELETE|PATCH) /(?!auth/)')
                   | map(attribute='key') | list }}}}"
"""
