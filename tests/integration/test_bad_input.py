"""Issue #9: bad input, table-driven, per plugin (every module and lookup).

Wrong types, empty and huge values, unicode, names with `/`, `&`, `%`, `..`, quotes, conflicting and
unknown options. One playbook per product runs every case (ignore_errors + register), then checks each:
failed, a message naming the option (or the object), no traceback, no "MODULE FAILURE"; pytest checks
the server saw no write request at all.
"""

from __future__ import annotations

import json

import pytest

from integration.reliability import run_tasks, write_requests

pytestmark = pytest.mark.filterwarnings("ignore")

HUGE = "x" * 20000
TRICKY = "n\u00e4me/../a&b%2F%25 'q' \"dq\" \u2713"

# (plugin, arguments or lookup expression, words the message must hold (lowercase))
# plugin "lookup:<name>": the expression is the lookup's arguments after the plugin name.
OPP = [
    ("opp_item", {"name": "bi-x", "password": "Bi-Pass-1!", "bogus_option": 1}, ["bogus_option"]),
    ("opp_item", {"name": "bi-x", "password_length": "abc"}, ["password_length"]),
    ("opp_item", {"name": "bi-x", "state": "maybe"}, ["state"]),
    ("opp_item", {"password": "Bi-Pass-1!"}, ["id", "name"]),
    ("opp_item", {"name": "bi-x", "password": "Bi-Pass-1!", "generate_password": True}, ["password", "generate_password"]),
    ("opp_item", {"name": "", "password": "Bi-Pass-1!"}, ["name"]),
    ("opp_item", {"id": "abc"}, ["id"]),
    ("opp_item", {"name": "bi-x", "password": "Bi-Pass-1!", "timeout": "slow"}, ["timeout"]),
    ("opp_item", {"name": "bi-x", "password": "Bi-Pass-1!", "base_url": "not a url"}, ["base_url"]),
    ("opp_item", {"name": "bi-x", "password": "Bi-Pass-1!", "category": TRICKY}, ["category"]),
    ("opp_item", {"name": HUGE, "password": "Bi-Pass-1!", "category": "no-such-category"}, ["category"]),
    ("opp_item", {"id": 999999, "password": "Bi-Pass-1!"}, ["999999"]),
    ("opp_category", {"name": "bi-c", "cascade": "maybe"}, ["cascade"]),
    ("opp_category", {"state": "present"}, ["name"]),
    ("opp_category", {"name": "bi-c", "bogus_option": 1}, ["bogus_option"]),
    ("opp_user", {"bogus_option": 1}, ["bogus_option"]),
    ("opp_user", {"state": "maybe"}, ["state"]),
    ("opp_item_info", {"bogus_option": 1}, ["bogus_option"]),
    ("opp_item_info", {"name": "x", "timeout": "never"}, ["timeout"]),
    ("lookup:opp", "'Wells Fargo', field='nope'", ["field"]),
    ("lookup:opp", "'Wells Fargo', retries='x'", ["retries"]),
    ("lookup:opp", "'Wells Fargo', timeout=-1", ["timeout"]),
    ("lookup:opp", "'%s'" % TRICKY.replace("'", "\\'"), ["no opp item named"]),
    ("lookup:opp", "''", ["empty"]),
    ("lookup:opp", "'%s'" % HUGE, ["no opp item named"]),
    ("lookup:opp", "{'a': 1}", ["term"]),
    ("lookup:opp", "'Wells Fargo', category=['a']", ["category"]),
]

PASSWORDSTATE = [
    ("passwordstate_password", {"title": "bi-x", "password": "Bi-Pass-1!", "bogus_option": 1}, ["bogus_option"]),
    ("passwordstate_password", {"title": "bi-x", "password": "Bi-Pass-1!", "generate_password": True},
     ["password", "generate_password"]),
    ("passwordstate_password", {"title": "bi-x", "password": "Bi-Pass-1!", "match_field": "UserName"}, ["match_value"]),
    ("passwordstate_password", {"title": "bi-x", "password": "Bi-Pass-1!", "expiry_date": "not-a-date"}, ["expiry_date"]),
    ("passwordstate_password", {"title": "bi-x", "password": "Bi-Pass-1!", "generic_fields": {"99": "x"}}, ["generic"]),
    ("passwordstate_password", {"title": "bi-x", "password": "Bi-Pass-1!", "generic_fields": "notadict"}, ["generic_fields"]),
    ("passwordstate_password", {"title": "bi-x", "password": "Bi-Pass-1!", "list_id": "abc"}, ["list_id"]),
    ("passwordstate_password", {"title": "", "password": "Bi-Pass-1!"}, ["title"]),
    ("passwordstate_password", {"title": "bi-x", "password": "Bi-Pass-1!", "compliance_retries": "x"}, ["compliance_retries"]),
    ("passwordstate_password", {"password_id": 999999, "password": "Bi-Pass-1!"}, ["999999"]),
    ("passwordstate_password", {"title": TRICKY, "password": "Bi-Pass-1!", "list_id": 999}, ["999"]),
    ("passwordstate_password", {"title": HUGE, "password": "Bi-Pass-1!", "state": "maybe"}, ["state"]),
    ("passwordstate_password_info", {"bogus_option": 1}, ["bogus_option"]),
    ("passwordstate_password_info", {"password_id": 5001, "title": "web"}, ["password_id", "title"]),
    ("passwordstate_password_info", {"password_id": "x"}, ["password_id"]),
    ("lookup:passwordstate", "'web', field='nope'", ["field"]),
    ("lookup:passwordstate", "'web', list_id='abc'", ["list_id"]),
    ("lookup:passwordstate", "'%s'" % TRICKY.replace("'", "\\'"), ["no passwordstate password"]),
    ("lookup:passwordstate", "''", ["title ''"]),
    ("lookup:passwordstate", "'web', match_field='UserName'", ["match_value"]),
    ("lookup:passwordstate", "{'a': 1}", ["{'a': 1}"]),
    ("lookup:passwordstate_generate", "qty=0", ["qty"]),
    ("lookup:passwordstate_generate", "qty='x'", ["qty"]),
    ("lookup:passwordstate_generate", "min_length=10, max_length=5", ["min_length", "max_length"]),
    ("lookup:passwordstate_generate", "generator_id='x'", ["generator_id"]),
]

PASSBOLT = [
    ("passbolt_resource", {"name": "bi-x", "password": "Bi-Pass-1!", "bogus_option": 1}, ["bogus_option"]),
    ("passbolt_resource", {"name": "bi-x", "state": "maybe"}, ["state"]),
    ("passbolt_resource", {"name": "bi-x", "generate_password": True, "password_length": "abc"},
     ["password_length"]),
    ("passbolt_resource", {"name": "bi-x", "password": "Bi-Pass-1!", "generate_password": True},
     ["password", "generate_password"]),
    ("passbolt_resource", {"name": "", "password": "Bi-Pass-1!"}, ["name"]),
    ("passbolt_resource", {"name": "bi-x", "password": "Bi-Pass-1!", "permissions": "everyone"},
     ["dictionary requested"]),
    ("passbolt_resource", {"name": "bi-x", "password": "Bi-Pass-1!", "permissions": [{"user": "nobody@x", "type": "boss"}]},
     ["permissions"]),
    ("passbolt_resource", {"name": "bi-x", "password": "Bi-Pass-1!", "resource_type": "nope"}, ["resource_type"]),
    ("passbolt_resource", {"name": "bi-x", "password": "Bi-Pass-1!", "custom_fields": "str"}, ["custom_fields"]),
    ("passbolt_resource", {"id": "not-a-uuid", "password": "Bi-Pass-1!"}, ["id"]),
    ("passbolt_resource", {"name": "bi-x", "password": "Bi-Pass-1!", "folder": "../.."}, ["folder"]),
    ("passbolt_resource", {"name": HUGE, "password": "Bi-Pass-1!", "folder": TRICKY}, ["folder"]),
    ("passbolt_resource", {"name": "bi-x", "password": "Bi-Pass-1!", "private_key": "garbage"}, ["private key"]),
    ("passbolt_folder", {"path": "Infra", "bogus_option": 1}, ["bogus_option"]),
    ("passbolt_folder", {"state": "present"}, ["path"]),
    ("passbolt_folder", {"path": "bi-f", "permissions": [{"group": "Nope", "access": "read"}]}, ["nope"]),
    ("passbolt_folder", {"path": "bi-f", "recursive": "maybe"}, ["recursive"]),
    ("passbolt_resource_info", {"bogus_option": 1}, ["bogus_option"]),
    ("passbolt_resource_info", {"id": ["not-a-uuid"]}, ["id"]),
    ("passbolt_resource_info", {"name_regex": "("}, ["name_regex"]),
    ("lookup:passbolt", "'legacy-string', field='nope'", ["field"]),
    ("lookup:passbolt", "'%s'" % TRICKY.replace("'", "\\'"), ["no passbolt resource"]),
    ("lookup:passbolt", "''", ["empty"]),
    ("lookup:passbolt", "'legacy-string', private_key='garbage'", ["private key"]),
    ("lookup:passbolt", "'legacy-string', retries='many'", ["retries"]),
    ("lookup:passbolt", "{'a': 1}", ["{'a': 1}"]),
]


def build(cases):
    tasks = []
    for index, (plugin, args, words) in enumerate(cases):
        label = "%d %s %s" % (index, plugin, (args if isinstance(args, str) else json.dumps(args))[:60])
        label = label.replace("{", "(").replace("}", ")")
        if plugin.startswith("lookup:"):
            task = "ansible.builtin.set_fact:\n        x: %s" % json.dumps(
                "{{ lookup('pwman.secrets.%s', %s) }}" % (plugin.split(":", 1)[1], args))
        else:
            task = "pwman.secrets.%s: %s" % (plugin, json.dumps(args))
        checks = " and ".join("%s in m" % json.dumps(w) for w in words)
        tasks.append("""
    - name: {name}
      {task}
      ignore_errors: true
      register: r{i}
    - name: check {i}
      vars:
        m: "{{{{ (r{i}.msg | default('')) | lower }}}}"
      ansible.builtin.assert:
        that:
          - r{i} is failed
          - {checks}
          - "'module failure' not in m and 'traceback' not in m and 'exception' not in m"
          - "'module_stderr' not in r{i} and 'Traceback' not in (r{i} | to_json)"
        fail_msg: {fail}
      ignore_errors: true
      register: a{i}
""".format(name=json.dumps(label), task=task, i=index, checks=json.dumps(checks),
           fail=json.dumps("CASE %s -> {{ (r%d.msg | default(r%d)) | string | truncate(600) }}" % (label, index, index))))
    tasks.append("""
    - name: every case gave a clear error
      ansible.builtin.assert:
        that: bad | length == 0
        fail_msg: "{{{{ bad }}}}"
      vars:
        bad: "{{{{ [{all}] | select('failed') | map(attribute='msg') | list }}}}"
""".format(all=", ".join("a%d" % i for i in range(len(cases)))))
    return "".join(tasks)


@pytest.mark.parametrize("product,cases,seed", [("opp", OPP, "demo"), ("passwordstate", PASSWORDSTATE, "demo"),
                                                ("passbolt", PASSBOLT, "test")])
def test_bad_input(sandbox_factory, product, cases, seed):
    server = sandbox_factory(product, seed=seed)
    server.reset_stats()
    # lookups through the agent (one login): its error path is checked too, and the run is shorter
    result = run_tasks(build(cases), dict(server.env, PWMAN_SECRETS_CACHE="true"))
    assert result.rc == 0, result
    assert "Traceback" not in result.stdout + result.stderr, result
    assert write_requests(server.stats()) == {}, server.stats()["by_route"]
