"""Issue #9: faults on the wire. Per product, one playbook drives the server's fault injection
(admin API through ansible.builtin.uri) between tasks and asserts:

- reads: 503 with Retry-After, 502, connection reset, truncated body, HTML error page are retried
  and the lookup succeeds; the same faults, persistent, end in a clear error naming the status /
  content type / connection problem, without a traceback;
- creates that fail AFTER the server acted are not re-sent blindly: the task reports an error,
  running it again finds the record, and the server holds exactly one (checked by pytest from the
  server's admin state too);
- interrupted updates leave the record whole: Passbolt secrets still decrypt for every user who
  shares the resource (same value for all), OPP full-replacement updates never blank fields;
- a token that expired mid-run is recovered (OPP login again, Passbolt refresh or login again).
"""

from __future__ import annotations

import json

import pytest

from integration.reliability import NO_TRACEBACK, run_tasks
from sandbox.common.httpserver import ADMIN_HEADER, ADMIN_PREFIX

pytestmark = pytest.mark.filterwarnings("ignore")


class Faults:
    """Collects fault sets; a task switches to one with a url lookup of the admin API (in-process, cheap)."""

    def __init__(self):
        self.sets = {}

    def expr(self, *rules):
        name = "f%d" % len(self.sets)
        self.sets[name] = list(rules)
        return ("lookup('ansible.builtin.url', adm_url ~ 'faults/replace?rules=' ~ (fault_sets.%s | to_json "
                "| urlencode), headers=adm_headers, split_lines=false) is string" % name)

    def __call__(self, *rules):
        """A task: replace the server's fault rules by `rules`."""
        return """
    - name: faults {label}
      ansible.builtin.assert:
        that: "{expr}"
        quiet: true
""".format(label=",".join(r["kind"] for r in rules) or "cleared", expr=self.expr(*rules))

    def vars_file(self, server, tmp_path, **extra):
        data = {"adm_url": server.base_url + ADMIN_PREFIX, "adm_headers": {ADMIN_HEADER: server.admin_token},
                "fault_sets": self.sets}
        data.update(extra)
        path = tmp_path / "vars.json"
        path.write_text(json.dumps(data))
        return ["-e", "@%s" % path]


def settings(values):
    return """
    - ansible.builtin.uri:
        url: "{{{{ adm_url }}}}settings"
        method: POST
        headers: "{{{{ adm_headers }}}}"
        body_format: json
        body: {values}
""".format(values=json.dumps(values))


# The transient faults a read must survive, and what the error says when they do not stop.
READ_FAULTS = [
    ({"kind": "status", "status": 503, "retry_after": 1}, ["HTTP 503"]),
    ({"kind": "status", "status": 502}, ["HTTP 502"]),
    ({"kind": "reset"}, ["Cannot reach"]),
    ({"kind": "truncate"}, ["Cannot reach"]),
    ({"kind": "html", "status": 502}, ["HTTP 502", "text/html"]),
]


def read_fault_tasks(faults, route, lookup_expr, expected):
    """For each fault: once (retried, the lookup succeeds), then persistent (a clear error)."""
    out = []
    for index, (rule, words) in enumerate(READ_FAULTS):
        once = dict(rule, path=route, method="GET", count=1)
        always = dict(rule, path=route, method="GET", count=50)
        if "retry_after" in always:
            always["retry_after"] = 0
        out.append("""
    - name: read through one {kind} fault
      ansible.builtin.assert:
        that:
          - "{setup}"
          - {lookup} == {expected}
        quiet: true
    - name: persistent {kind} fault is a clear error
      ansible.builtin.set_fact:
        x: "{{{{ ({setup2}) and {lookup2} }}}}"
      ignore_errors: true
      register: err{index}
    - ansible.builtin.assert:
        that:
          - err{index} is failed
{checks}
          - "'Traceback' not in err{index}.msg"
        fail_msg: "{{{{ err{index}.msg }}}}"
""".format(kind=rule["kind"], lookup=lookup_expr % "", expected=json.dumps(expected), setup=faults.expr(once),
           setup2=faults.expr(always), lookup2=lookup_expr % ", retries=1", index=index,
           checks="\n".join("          - \"'%s' in err%d.msg\"" % (w, index) for w in words)))
    # A non-retryable answer: an HTML page with 200 where JSON was expected.
    out.append("""
    - name: HTML page with 200
      ansible.builtin.set_fact:
        x: "{{{{ ({setup}) and {lookup} }}}}"
      ignore_errors: true
      register: html200
    - ansible.builtin.assert:
        that:
          - html200 is failed
          - "'non-JSON' in html200.msg and 'text/html' in html200.msg"
        fail_msg: "{{{{ html200.msg }}}}"
""".format(lookup=lookup_expr % "",
           setup=faults.expr({"kind": "html", "status": 200, "path": route, "method": "GET", "count": 1})))
    out.append(faults())
    return "".join(out)


def check(result):
    assert result.rc == 0, result
    for word in NO_TRACEBACK[:1]:
        assert word not in result.stdout + result.stderr, result


# -- OPP --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def opp(sandbox_factory):
    return sandbox_factory("opp")


def test_opp_faults(opp, tmp_path):
    faults = Faults()
    tasks = read_fault_tasks(faults, "/api/v1/fetchall", "lookup('pwman.secrets.opp', 'Wells Fargo'%s)", "wf-Secret-1!")
    tasks += faults({"kind": "reset", "path": "/api/v1/items", "method": "PUT", "when": "after", "count": 1})
    tasks += """
    - name: create, the answer is lost after the server stored it
      pwman.secrets.opp_item: &create
        name: fault-item
        username: fault-user
        url: https://fault.example
        blob: fault blob
        password: Fault-Opp-1!
      ignore_errors: true
      register: lost
    - name: the same create again
      pwman.secrets.opp_item: *create
      register: again
    - name: exactly one (a duplicate name would make the lookup ambiguous)
      ansible.builtin.set_fact:
        item: "{{ lookup('pwman.secrets.opp', 'fault-item', field='all') }}"
    - ansible.builtin.assert:
        that:
          - lost is failed and 'Cannot reach' in lost.msg
          - again is not changed
          - item.password == 'Fault-Opp-1!' and item.username == 'fault-user'
"""
    tasks += faults({"kind": "status", "status": 503, "path": "/api/v1/items", "method": "POST", "count": 5})
    tasks += """
    - name: update refused before the server acted
      pwman.secrets.opp_item:
        name: fault-item
        url: https://fault2.example
      ignore_errors: true
      register: refused
"""
    tasks += faults({"kind": "reset", "path": "/api/v1/items", "method": "POST", "when": "after", "count": 1})
    tasks += """
    - name: update whose answer is lost after the server replaced the item
      pwman.secrets.opp_item:
        name: fault-item
        blob: new blob
      ignore_errors: true
      register: cut
"""
    tasks += faults()
    tasks += """
    - name: the full-replacement item is intact
      ansible.builtin.set_fact:
        item: "{{ lookup('pwman.secrets.opp', 'fault-item', field='all') }}"
    - ansible.builtin.assert:
        that:
          - refused is failed and 'HTTP 503' in refused.msg
          - cut is failed and 'Cannot reach' in cut.msg
          - item.url == 'https://fault.example'
          - item.blob == 'new blob'
          - item.username == 'fault-user'
          - item.password == 'Fault-Opp-1!'
"""
    tasks += settings({"expire_next_tokens": 1})
    tasks += """
    - name: a write with a token that is already expired
      pwman.secrets.opp_item:
        name: fault-item
        account: acc-9
      register: expired
    - ansible.builtin.assert:
        that:
          - expired is changed
          - lookup('pwman.secrets.opp', 'fault-item', field='account') == 'acc-9'
"""
    check(run_tasks(tasks, opp.env, args=faults.vars_file(opp, tmp_path)))
    state = opp.admin("GET", "state")
    assert len(state["items"]) == 7  # 6 seeded + fault-item, once


# -- Passwordstate ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pws(sandbox_factory):
    return sandbox_factory("passwordstate")


def test_passwordstate_faults(pws, tmp_path):
    faults = Faults()
    tasks = read_fault_tasks(faults, "/api/", "lookup('pwman.secrets.passwordstate', 'web'%s)", "Web-Alice-Pass-1")
    tasks += faults({"kind": "status", "status": 502, "path": "/api/passwords", "method": "POST", "when": "after",
                     "count": 1})
    tasks += """
    - name: create, the server stored it but a proxy answered 502
      pwman.secrets.passwordstate_password: &create
        title: fault-rec
        username: fault-user
        description: fault record
        password: Fault-Ps-1!
      ignore_errors: true
      register: lost
    - name: the same create again
      pwman.secrets.passwordstate_password: *create
      register: again
    - name: the record
      pwman.secrets.passwordstate_password_info:
        title: fault-rec
        with_secrets: true
      register: info
      no_log: true
    - ansible.builtin.assert:
        that:
          - lost is failed and 'HTTP 502' in lost.msg
          - again is not changed
          - info.passwords | length == 1
          - info.passwords[0].Password == 'Fault-Ps-1!'
"""
    tasks += faults({"kind": "reset", "path": "/api/passwords", "method": "PUT", "count": 1})
    tasks += """
    - name: update through one reset (a field-only PUT is repeatable)
      pwman.secrets.passwordstate_password:
        title: fault-rec
        description: fault record 2
      register: updated
    - ansible.builtin.assert:
        that:
          - updated is changed
          - updated.record.Description == 'fault record 2'
          - updated.record.UserName == 'fault-user'
"""
    tasks += faults()
    check(run_tasks(tasks, pws.env, args=faults.vars_file(pws, tmp_path)))
    state = pws.admin("GET", "state")
    assert [p["Title"] for p in state["passwords"].values()].count("fault-rec") == 1


# -- Passbolt ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pb(sandbox_factory):
    return sandbox_factory("passbolt", seed="test")


def test_passbolt_faults(pb, tmp_path):
    users = {u["short"]: u for u in pb.admin("GET", "users")}
    betty = {"user_id": users["betty"]["id"], "private_key": users["betty"]["private_key"],
             "passphrase": users["betty"]["passphrase"]}
    faults = Faults()
    tasks = read_fault_tasks(faults, "/resources\\.json", "lookup('pwman.secrets.passbolt', 'legacy-string'%s)",
                             "legacy-string-pw-1")
    tasks += faults({"kind": "reset", "path": "/resources\\.json", "method": "POST", "when": "after", "count": 1})
    tasks += """
    - name: create, the answer is lost after the server stored it
      pwman.secrets.passbolt_resource: &create
        name: fault-res
        username: fault-user
        password: Fault-Pb-1!
      ignore_errors: true
      register: lost
    - name: the same create again
      pwman.secrets.passbolt_resource: *create
      register: again
    - name: the resources named so
      pwman.secrets.passbolt_resource_info:
        name: fault-res
      register: info
    - ansible.builtin.assert:
        that:
          - lost is failed and 'Cannot reach' in lost.msg
          - again is not changed
          - info.resources | length == 1
          - lookup('pwman.secrets.passbolt', 'fault-res') == 'Fault-Pb-1!'
"""
    # db-primary is shared with the group Ops (betty): every update re-encrypts for ada and betty.
    tasks += faults({"kind": "html", "status": 500, "path": "/resources/[^/]+\\.json", "method": "PUT", "count": 1})
    tasks += """
    - name: update refused before the server acted
      pwman.secrets.passbolt_resource:
        name: db-primary
        password: Fault-Pb-New-2!
      ignore_errors: true
      register: refused
"""
    tasks += faults()
    tasks += """
    - name: both users still decrypt the old secret
      ansible.builtin.assert:
        that:
          - refused is failed and 'HTTP 500' in refused.msg
          - lookup('pwman.secrets.passbolt', 'db-primary') == 'db-primary-pw-1'
          - lookup('pwman.secrets.passbolt', 'db-primary', **betty) == 'db-primary-pw-1'
"""
    tasks += faults({"kind": "reset", "path": "/resources/[^/]+\\.json", "method": "PUT", "when": "after",
                     "count": 1})
    tasks += """
    - name: update whose answer is lost after the server stored it (a full PUT is repeated)
      pwman.secrets.passbolt_resource:
        name: db-primary
        password: Fault-Pb-New-3!
      ignore_errors: true
      register: cut
"""
    tasks += faults()
    tasks += """
    - name: both users decrypt the same, new secret
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passbolt', 'db-primary') == 'Fault-Pb-New-3!'
          - lookup('pwman.secrets.passbolt', 'db-primary', **betty) == 'Fault-Pb-New-3!'
"""
    tasks += settings({"expire_next_tokens": 1})
    tasks += """
    - name: a write with an access token that is already expired
      pwman.secrets.passbolt_resource:
        name: fault-res
        username: fault-user-2
      register: expired
    - ansible.builtin.assert:
        that:
          - expired is changed
          - lookup('pwman.secrets.passbolt', 'fault-res', field='username') == 'fault-user-2'
"""
    check(run_tasks(tasks, pb.env, args=faults.vars_file(pb, tmp_path, betty=betty)))
    state = pb.admin("GET", "state")
    named = [r for r in state["resources"] if r["name"] == "fault-res"]
    db_primary = [r for r in state["resources"] if r["name"] == "db-primary"][0]
    assert sorted(db_primary["secrets_for"]) == sorted([users["ada"]["id"], users["betty"]["id"]])
    assert len(named) <= 1  # v5 names are encrypted (None here); the info module counted them above
