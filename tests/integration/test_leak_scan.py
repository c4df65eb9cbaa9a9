"""Issue #9: no secret leaks anywhere a run leaves traces, and no GnuPG home or temp file is left.

Per product, one representative playbook (lookups, a module write with diff, failing cases, and a
final failing task so the run itself fails) runs with -vvv, --diff, ANSIBLE_LOG_PATH, and HOME/TMPDIR
in fresh directories. stdout, stderr, the log and every file left under HOME/TMPDIR are searched for
every secret the run handled (login secrets, keys, API keys, tokens issued by the server, passwords
read and written). The one value the play asked to be returned (return_password: true) may appear
in stdout and the log only. Then runs are interrupted (SIGINT to the process group, like Ctrl-C;
SIGTERM to ansible-playbook alone, like `kill`) during a slow request: no pwman-gpg-* home and no
file holding a secret may remain.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from integration.conftest import REPO, ansible_env
from integration.reliability import write_play
from sandbox.opp import seed_data as opp_seed
from sandbox.passwordstate import seed_data as ps_seed

# Looks at what every process leaves in the shared GnuPG homes directory: these tests share one pytest-xdist worker.
pytestmark = [pytest.mark.filterwarnings("ignore"), pytest.mark.xdist_group("gpg-homes")]

COMMON_ARGS = ["-vvv", "--diff"]


@pytest.fixture(scope="module")
def servers(sandbox_factory):
    return {
        "passbolt": sandbox_factory("passbolt", seed="test"),
        "passwordstate": sandbox_factory("passwordstate"),
        "opp": sandbox_factory("opp"),
    }


# -- the playbooks -------------------------------------------------------------------------------------

PLAYS = {
    "passbolt": """
    - name: lookup (value only compared, never shown)
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passbolt', 'legacy-string') == 'legacy-string-pw-1'
          - lookup('pwman.secrets.passbolt', 'app-api', field='description') == 'api secret note'
        quiet: true
    - name: info with secrets under no_log
      pwman.secrets.passbolt_resource_info:
        name: db-primary
        with_secrets: true
      register: info
      no_log: true
    - ansible.builtin.assert:
        that: info.resources[0].password == 'db-primary-pw-1'
        quiet: true
    - name: module write with diff
      pwman.secrets.passbolt_resource:
        name: leak-res
        username: leak
        password: Leak-Pb-Pass-1!
        description: leak note
      diff: true
    - name: rotate, password returned on request (allowed in stdout/log only)
      pwman.secrets.passbolt_resource:
        name: leak-res
        password: Leak-Pb-Returned-2!
        return_password: true
      diff: true
      register: rotated
    - name: failing lookup (unknown name)
      ansible.builtin.set_fact:
        x: "{{ lookup('pwman.secrets.passbolt', 'no-such-resource') }}"
      ignore_errors: true
    - name: failing lookup (wrong passphrase)
      ansible.builtin.set_fact:
        x: "{{ lookup('pwman.secrets.passbolt', 'legacy-string', passphrase='Wrong-Pb-Phrase-77') }}"
      ignore_errors: true
    - name: failing module (wrong passphrase)
      pwman.secrets.passbolt_resource:
        name: leak-res-2
        password: Leak-Pb-Fail-3!
        passphrase: Wrong-Pb-Phrase-78
      ignore_errors: true
    - name: failing module, the run fails here (missing folder)
      pwman.secrets.passbolt_resource:
        name: leak-res-3
        folder: No/Such/Folder
        password: Leak-Pb-Fail-4!
""",
    "passwordstate": """
    - name: lookups
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.passwordstate', 'web') == 'Web-Alice-Pass-1'
          - lookup('pwman.secrets.passwordstate', 'web', field='Recovery Code') == 'Recovery-7731-Alpha'
          - lookup('pwman.secrets.passwordstate_generate') | length >= 16
        quiet: true
    - name: info with secrets under no_log
      pwman.secrets.passwordstate_password_info:
        password_id: 5002
        with_secrets: true
      register: info
      no_log: true
    - name: module write with diff
      pwman.secrets.passwordstate_password:
        title: leak-rec
        username: leak
        password: Leak-Ps-Pass-1!
        generic_fields:
          Recovery Code: Leak-Ps-Generic-9
      diff: true
    - name: rotate, password returned on request
      pwman.secrets.passwordstate_password:
        title: leak-rec
        password: Leak-Ps-Returned-2!
        return_password: true
      diff: true
    - name: failing lookup (wrong API key)
      ansible.builtin.set_fact:
        x: "{{ lookup('pwman.secrets.passwordstate', 'web', api_key='Wrong-Ps-Key-77') }}"
      ignore_errors: true
    - name: failing write (strict policy refuses the password)
      pwman.secrets.passwordstate_password:
        list_id: 12
        title: leak-weak
        password: Leak-Ps-Weak3
        api_key: ps-list12-8c6a4e2f0d9b47c1a3e5f7b9d1c3e5a7
      ignore_errors: true
    - name: failing module, the run fails here (wrong key)
      pwman.secrets.passwordstate_password:
        title: leak-rec-2
        password: Leak-Ps-Fail-4!
        api_key: Wrong-Ps-Key-78
""",
    "opp": """
    - name: lookups
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.opp', 'Wells Fargo') == 'wf-Secret-1!'
          - "lookup('pwman.secrets.opp', 'wifi', field='blob') == 'ssid: home'"
        quiet: true
    - name: module write with diff
      pwman.secrets.opp_item:
        name: leak-item
        username: leak
        password: Leak-Opp-Pass-1!
        blob: leak blob
      diff: true
    - name: rotate, password returned on request
      pwman.secrets.opp_item:
        name: leak-item
        password: Leak-Opp-Returned-2!
        return_password: true
      diff: true
    - name: failing lookup (wrong phrase)
      ansible.builtin.set_fact:
        x: "{{ lookup('pwman.secrets.opp', 'Wells Fargo', phrase='Wrong-Opp-Phrase-77') }}"
      ignore_errors: true
    - name: failing lookup (wrong login password)
      ansible.builtin.set_fact:
        x: "{{ lookup('pwman.secrets.opp', 'Wells Fargo', login_password='Wrong-Opp-Login-76') }}"
      ignore_errors: true
    - name: failing module, the run fails here (wrong phrase)
      pwman.secrets.opp_item:
        name: leak-item-2
        password: Leak-Opp-Fail-4!
        phrase: Wrong-Opp-Phrase-78
""",
}

# return_password: true returns the password (and Passwordstate's Password-type generic fields, in
# `record`): asked for, so allowed where results are shown (stdout, log), nowhere else.
IGNORED = {"passbolt": 3, "passwordstate": 2, "opp": 2}
RETURNED = {"passbolt": {"Leak-Pb-Returned-2!"}, "passwordstate": {"Leak-Ps-Returned-2!", "Leak-Ps-Generic-9"},
            "opp": {"Leak-Opp-Returned-2!"}}


def key_body_line(armored):
    """A distinctive line of the armored key body (not the header, not the checksum)."""
    lines = [line for line in armored.splitlines() if len(line) >= 40 and not line.startswith("-----")]
    return lines[len(lines) // 2]


def secrets_of(product, server):
    """Every secret value the play handled, from the seed, the play and the server's admin API."""
    found = set(RETURNED[product])
    if product == "passbolt":
        users = {u["short"]: u for u in server.admin("GET", "users")}
        found |= {users["ada"]["passphrase"], key_body_line(users["ada"]["private_key"]),
                  "legacy-string-pw-1", "db-primary-pw-1", "primary database, encrypted note",
                  "app-api-pw-1", "api secret note", "Leak-Pb-Pass-1!", "Wrong-Pb-Phrase-77", "Wrong-Pb-Phrase-78",
                  "Leak-Pb-Fail-3!", "Leak-Pb-Fail-4!"}
        tokens = server.admin("GET", "tokens")
        assert tokens["access_tokens"] and tokens["refresh_tokens"]
        found |= set(tokens["access_tokens"]) | set(tokens["refresh_tokens"])
    elif product == "passwordstate":
        found |= {ps_seed.SYSTEM_API_KEY, ps_seed.GENERATOR_API_KEY, ps_seed.list_api_key(12),
                  "Web-Alice-Pass-1", "Recovery-7731-Alpha", "Web-Admin-Pass-2", "Leak-Ps-Pass-1!",
                  "Leak-Ps-Generic-9", "Wrong-Ps-Key-77", "Leak-Ps-Weak3", "Leak-Ps-Fail-4!", "Wrong-Ps-Key-78"}
        history = server.admin("GET", "state")
        # the generated passwords (lookup passwordstate_generate is not recorded: length only)
        found |= {rec["Password"] for rec in history["passwords"].values() if rec.get("Title") == "leak-rec"}
    else:
        found |= {opp_seed.DEMO_PASSWORD, opp_seed.DEMO_PHRASE, "wf-Secret-1!", "Leak-Opp-Pass-1!",
                  "Wrong-Opp-Phrase-77", "Wrong-Opp-Login-76", "Leak-Opp-Fail-4!", "Wrong-Opp-Phrase-78"}
        tokens = server.admin("GET", "tokens")["tokens"]
        assert tokens
        found |= set(tokens)
    return sorted(found)


def literal_secrets(product):
    """The secret literals of a play; they go to an extra-vars file, never into the playbook text
    (ansible-core quotes playbook source lines around an error: that is the author's text, not a leak)."""
    text = PLAYS[product]
    found = set(re.findall(r"'((?:[A-Za-z]+-)+[A-Za-z0-9]+[!]?)'", text))
    found |= set(re.findall(r"(?:password|passphrase|phrase|api_key|login_password|Recovery Code): "
                            r"((?:[A-Za-z]+-)*[A-Za-z0-9]+!?)\n", text))
    found = {v for v in found if any(c.isdigit() for c in v) and "pwman" not in v}
    return sorted(found | {v for v in EXTRA_LITERALS if v in text})


EXTRA_LITERALS = ("Recovery-7731-Alpha", "api secret note", "ps-list12-8c6a4e2f0d9b47c1a3e5f7b9d1c3e5a7")


def templated_play(product, tmp_path):
    """The play with its secret literals replaced by variables; returns (play text, extra-vars args)."""
    text = PLAYS[product]
    values = {}
    for index, literal in enumerate(literal_secrets(product)):
        name = "s%d" % index
        values[name] = literal
        text = text.replace("'%s'" % literal, "sec.%s" % name)
        text = text.replace(": %s\n" % literal, ": \"{{ sec.%s }}\"\n" % name)
    assert not any(v in text for v in values.values()), text
    path = tmp_path / "secret-vars.json"
    path.write_text(json.dumps({"sec": values}))
    return text, ["-e", "@%s" % path]


def make_dirs(tmp_path):
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    return home, tmp, tmp_path / "ansible.log"


def run_env(server, home, tmp, log):
    return ansible_env(dict(server.env, HOME=str(home), TMPDIR=str(tmp), ANSIBLE_LOG_PATH=str(log),
                            ANSIBLE_DIFF_ALWAYS="1", ANSIBLE_LOCAL_TEMP=str(home / ".ansible" / "tmp")))


def files_under(*roots):
    out = {}
    for root in roots:
        for dirpath, dummy, names in os.walk(str(root)):
            for name in names:
                path = os.path.join(dirpath, name)
                try:
                    with open(path, "rb") as handle:
                        out[path] = handle.read().decode("utf-8", errors="replace")
                except OSError:
                    out[path] = ""
    return out


def stale_gpg_homes(since):
    """GnuPG homes (issue #13: on a memory file system, named by their owner) whose owner is gone."""
    from ansible_collections.pwman.secrets.plugins.module_utils import _agent_wire, _gpg  # pylint: disable=import-outside-toplevel

    base = _gpg.home_base()
    left = []
    for name in os.listdir(base) if base else []:
        pid, dummy, rest = name.partition("-")
        path = os.path.join(base, name)
        try:
            fresh = os.stat(path).st_mtime >= since
        except OSError:
            continue
        if fresh and pid.isdigit() and _agent_wire.process_started(int(pid)) != rest.partition("-")[0]:
            left.append(path)
    return left


def leftovers(tmp, home, since=None):
    """GnuPG homes and temp files a run left behind."""
    left = [os.path.join(str(tmp), n) for n in os.listdir(str(tmp))]
    if since is not None:
        left += stale_gpg_homes(since)
    ansible_tmp = home / ".ansible" / "tmp"
    if ansible_tmp.is_dir():
        left += [str(ansible_tmp / n) for n in os.listdir(str(ansible_tmp))]
    for dirpath, dirs, dummy in os.walk(str(home)):
        left += [os.path.join(dirpath, d) for d in dirs if d.startswith("pwman-gpg-")]
    return sorted(left)


@pytest.mark.parametrize("product", ["passbolt", "passwordstate", "opp"])
def test_no_secret_anywhere(servers, tmp_path, product):
    server = servers[product]
    home, tmp, log = make_dirs(tmp_path)
    started = time.time() - 1
    text, extra = templated_play(product, tmp_path)
    path = write_play(text)
    try:
        proc = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", path] + COMMON_ARGS + extra,
                              env=run_env(server, home, tmp, log), capture_output=True, text=True,
                              timeout=300, cwd=REPO, check=False)
    finally:
        os.unlink(path)
    report = "rc=%s\n%s\n%s" % (proc.returncode, proc.stdout[-15000:], proc.stderr[-3000:])
    assert proc.returncode == 2, report  # the last task fails on purpose
    # every task ran: only the last one failed, the expected failures were ignored
    assert "failed=1 " in proc.stdout and "ignored=%d " % IGNORED[product] in proc.stdout, report
    assert "Conditional" not in proc.stdout, report
    assert "Traceback" not in proc.stdout + proc.stderr, report
    assert log.is_file()
    sources = {"stdout": proc.stdout, "stderr": proc.stderr, "log": log.read_text(errors="replace")}
    sources.update(files_under(home, tmp))
    hits = []
    for secret in secrets_of(product, server):
        for where, text in sources.items():
            if secret in text and not (secret in RETURNED[product] and where in ("stdout", "log")):
                hits.append((secret[:12] + "...", where))
    assert not hits, hits
    assert leftovers(tmp, home, started) == []


ANSIBLE_OWN = ("ansible-local-", "ansible-tmp-", "ansible_")


def ours(paths):
    """Leftovers that are ours (an interrupted ansible-core leaves its own temp dirs: scanned, not counted)."""
    return [p for p in paths if not os.path.basename(p).startswith(ANSIBLE_OWN)]


SLOW_PLAYS = {
    "passbolt": ("/resources\\.json", """
    - ansible.builtin.debug:
        msg: "{{ lookup('pwman.secrets.passbolt', 'legacy-string') | length }}"
"""),
    "opp": ("/items", """
    - pwman.secrets.opp_item:
        name: slow-item
        password: Slow-Opp-Pass-1!
"""),
    "passwordstate": ("/api/", """
    - ansible.builtin.debug:
        msg: "{{ lookup('pwman.secrets.passwordstate', 'web') | length }}"
"""),
}


@pytest.mark.parametrize("product,signum", [("passbolt", signal.SIGINT), ("passbolt", signal.SIGTERM),
                                            ("opp", signal.SIGTERM), ("passwordstate", signal.SIGINT)])
def test_interrupted_run_leaves_nothing(servers, tmp_path, product, signum):
    server = servers[product]
    route, tasks = SLOW_PLAYS[product]
    home, tmp, log = make_dirs(tmp_path)
    started = time.time() - 1
    server.clear_faults()
    server.add_faults({"path": route, "kind": "latency", "delay": 4.0, "count": 1})
    path = write_play(tasks)
    try:
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            ["ansible-playbook", "-i", "localhost,", "-c", "local", path, "-vvv"],
            env=run_env(server, home, tmp, log), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=REPO, start_new_session=True)
        deadline = time.time() + 60
        # wait until the slow request is in flight (the fault has been hit)
        while time.time() < deadline:
            faults = server.admin("GET", "faults")
            if faults and faults[0]["hits"] >= 1:
                break
            time.sleep(0.1)
        else:
            proc.kill()
            pytest.fail("the slow request never came")
        time.sleep(0.3)
        if signum == signal.SIGINT:
            os.killpg(proc.pid, signum)  # Ctrl-C: the whole foreground group
        else:
            proc.send_signal(signum)  # kill <pid>: ansible-playbook alone
        out, err = proc.communicate(timeout=60)
        # children (workers, module processes) finish their own cleanup
        deadline = time.time() + 15
        while ours(leftovers(tmp, home, started)) and time.time() < deadline:
            time.sleep(0.2)
    finally:
        os.unlink(path)
        server.clear_faults()
    assert proc.returncode != 0
    left = ours(leftovers(tmp, home, started))
    assert left == [], (left, out[-3000:], err[-3000:])
    sources = {"stdout": out, "stderr": err}
    sources.update(files_under(home, tmp))
    if log.exists():
        sources["log"] = log.read_text(errors="replace")
    secrets = {"passbolt": [server.env.get("PASSBOLT_PASSPHRASE", "ada-passphrase-1"), "legacy-string-pw-1"],
               "opp": [opp_seed.DEMO_PASSWORD, opp_seed.DEMO_PHRASE, "Slow-Opp-Pass-1!"],
               "passwordstate": [ps_seed.SYSTEM_API_KEY, "Web-Alice-Pass-1"]}[product]
    hits = [(s[:8], where) for s in secrets for where, text in sources.items() if s in text]
    assert not hits, hits


# -- the widened scan (issue 16) -----------------------------------------------------------------------
# Both roles in every documented mode, every module with --diff and check mode for every secret-bearing
# field, and error paths against a server that quotes the request in its error. One playbook per run,
# the runs side by side (each on its own objects, named with the run's suffix): -v, -vv and -vvv with the
# default output, -v with ANSIBLE_STDOUT_CALLBACK=json, and the same three verbosities with --check.
# Canaries are random per run; a hit in stdout, stderr, the log or a file left under HOME/TMPDIR fails.

WIDE_PLAY = """
    # ---- Passwordstate: every secret field, check mode and diff
    - name: ps create, check mode
      tags: [modules]
      pwman.secrets.passwordstate_password: &ps_create
        list_id: 11
        title: "leak-{{ s }}"
        username: leak
        password: "{{ c.ps_pw }}"
        notes: plain note
        generic_fields: {Recovery Code: "{{ c.ps_generic }}", Tenant: corp}
      check_mode: true
      diff: true
    - name: ps create
      pwman.secrets.passwordstate_password: *ps_create
      diff: true
    - name: ps update every secret field, check mode
      tags: [modules]
      pwman.secrets.passwordstate_password: &ps_update
        list_id: 11
        title: "leak-{{ s }}"
        password: "{{ c.ps_pw2 }}"
        generic_fields: {Recovery Code: "{{ c.ps_generic2 }}"}
      check_mode: true
      diff: true
    - name: ps update
      tags: [modules]
      pwman.secrets.passwordstate_password: *ps_update
      diff: true
    - name: ps info without secrets
      tags: [modules]
      pwman.secrets.passwordstate_password_info:
        list_id: 11
        title: "leak-{{ s }}"
    - name: ps echo, create refused by a server quoting the request
      tags: [modules]
      pwman.secrets.passwordstate_password:
        list_id: 11
        title: "echo-{{ s }}"
        password: "{{ c.ps_echo }}"
      ignore_errors: true
    - name: ps echo, lookup refused by a server quoting the request (API key in the headers)
      tags: [modules]
      ansible.builtin.set_fact:
        x: "{{ lookup('pwman.secrets.passwordstate', 'echo-lookup-' ~ s, list_id=11) }}"
      ignore_errors: true

    # ---- OPP: password and blob (free text, a secret), check mode and diff
    - name: opp create, check mode
      tags: [modules]
      pwman.secrets.opp_item: &opp_create
        name: "leak-{{ s }}"
        category: "Leak{{ s }}"
        create_category: true
        username: leak
        password: "{{ c.opp_pw }}"
        blob: "{{ c.opp_blob }}"
      check_mode: true
      diff: true
    - name: opp create
      pwman.secrets.opp_item: *opp_create
      diff: true
    - name: opp update password and blob, check mode
      tags: [modules]
      pwman.secrets.opp_item: &opp_update
        name: "leak-{{ s }}"
        password: "{{ c.opp_pw2 }}"
        blob: "{{ c.opp_blob2 }}"
      check_mode: true
      diff: true
    - name: opp update
      tags: [modules]
      pwman.secrets.opp_item: *opp_update
      diff: true
    - name: opp rotate, check mode
      tags: [modules]
      pwman.secrets.opp_item:
        name: "leak-{{ s }}"
        rotate: true
      check_mode: true
      diff: true
    - name: opp info without secrets
      tags: [modules]
      pwman.secrets.opp_item_info:
        category: "Leak{{ s }}"
    - name: opp echo, an item to update
      pwman.secrets.opp_item:
        name: "echo-{{ s }}"
        password: "{{ c.opp_echo_current }}"
        blob: "{{ c.opp_echo_blob }}"
    - name: opp echo, update refused by a server quoting the request (the whole item, current password included)
      tags: [modules]
      pwman.secrets.opp_item:
        name: "echo-{{ s }}"
        url: https://echo.example
      ignore_errors: true

    # ---- Passbolt: password, encrypted description, TOTP secret, custom fields; check mode and diff
    - name: pb create with an encrypted description, check mode
      tags: [modules]
      pwman.secrets.passbolt_resource: &pb_desc
        name: "leak-desc-{{ s }}"
        folder: "Leak{{ s }}"
        create_folders: true
        resource_type: password-and-description
        password: "{{ c.pb_pw }}"
        description: "{{ c.pb_desc }}"
      check_mode: true
      diff: true
    - name: pb create with an encrypted description
      tags: [passbolt]
      pwman.secrets.passbolt_resource: *pb_desc
      diff: true
    - name: pb update the encrypted description and the password
      tags: [modules]
      pwman.secrets.passbolt_resource:
        name: "leak-desc-{{ s }}"
        password: "{{ c.pb_pw2 }}"
        description: "{{ c.pb_desc2 }}"
      diff: true
    - name: pb TOTP and custom fields, check mode
      tags: [modules]
      pwman.secrets.passbolt_resource: &pb_v5
        name: "leak-v5-{{ s }}"
        folder: "Leak{{ s }}"
        resource_type: v5-default-with-totp
        password: "{{ c.pb_v5_pw }}"
        totp: {secret_key: "{{ c.pb_totp }}"}
        custom_fields: {pin: "{{ c.pb_cf }}"}
      check_mode: true
      diff: true
    - name: pb TOTP and custom fields
      tags: [modules]
      pwman.secrets.passbolt_resource: *pb_v5
      diff: true
    - name: pb info without secrets
      tags: [modules]
      pwman.secrets.passbolt_resource_info:
        folder: "Leak{{ s }}"
    - name: pb echo, create refused by a server quoting the request
      tags: [modules]
      pwman.secrets.passbolt_resource:
        name: "echo-{{ s }}"
        resource_type: password-and-description
        password: "{{ c.pb_echo }}"
        description: "{{ c.pb_echo_desc }}"
      ignore_errors: true

    # ---- the sync role: Passwordstate -> OPP, OPP -> Passbolt, Passbolt -> Passwordstate
    - name: sync
      ansible.builtin.include_role:
        name: pwman.secrets.sync
      vars:
        sync_jobs: "{{ jobs[:4 if pb else 2] }}"
        jobs:
          - source: {product: passwordstate, list_id: 11}
            destination: {product: opp, category: "Sync{{ s }}"}
            names: ["leak-{{ s }}"]
          - source: {product: opp, category: "Leak{{ s }}"}
            destination: {product: passwordstate, list_id: 15}
          - source: {product: opp, category: "Leak{{ s }}"}
            destination: {product: passbolt, folder: "Sync{{ s }}"}
          - source: {product: passbolt, folder: "Leak{{ s }}"}
            destination: {product: passwordstate, list_id: 15}
    - name: sync again (unchanged), on_create
      ansible.builtin.include_role:
        name: pwman.secrets.sync
      vars:
        sync_update_password: on_create
        sync_jobs:
          - source: {product: passwordstate, list_id: 11}
            destination: {product: opp, category: "Sync{{ s }}"}
            names: ["leak-{{ s }}"]

    # ---- the rotate role: rotate and apply, then a failing apply step rolled back
    - name: rotate
      ansible.builtin.include_role:
        name: pwman.secrets.rotate
      vars:
        rotate_apply_tasks: "{{ apply_ok }}"
        rotate_credentials: "{{ credentials[:3 if pb else 2] }}"
        credentials:
          - {product: passwordstate, list_id: 11, title: "leak-{{ s }}"}
          - {product: opp, name: "leak-{{ s }}", category: "Leak{{ s }}"}
          - {product: passbolt, name: "leak-desc-{{ s }}", folder: "Leak{{ s }}"}
    - name: rotate with a failing apply step (rolled back)
      block:
        - name: rotate, apply fails
          ansible.builtin.include_role:
            name: pwman.secrets.rotate
          vars:
            rotate_apply_tasks: "{{ apply_fails }}"
            rotate_credentials:
              - {product: opp, name: "leak-{{ s }}", category: "Leak{{ s }}"}
      rescue:
        - name: rolled back
          ansible.builtin.assert:
            that: "'The previous password was restored.' in ansible_failed_result.msg"

    # ---- every password now stored, for the scan (written outside HOME and TMPDIR)
    - name: collect the stored passwords
      ansible.builtin.copy:
        dest: "{{ collected }}"
        mode: "0600"
        content: "{{ stored | to_json }}"
      vars:
        stored: >-
          {{ [lookup('pwman.secrets.passwordstate', 'leak-' ~ s, list_id=11),
              lookup('pwman.secrets.opp', 'leak-' ~ s, category='Leak' ~ s),
              lookup('pwman.secrets.opp', 'leak-' ~ s, category='Sync' ~ s),
              lookup('pwman.secrets.passwordstate', 'leak-' ~ s, list_id=15)]
             + ([lookup('pwman.secrets.passbolt', 'leak-desc-' ~ s, folder='Leak' ~ s),
                 lookup('pwman.secrets.passwordstate', 'leak-desc-' ~ s, list_id=15)] if pb else []) }}
      no_log: true
"""

# Check mode (--check): both roles and the module checks, on the seed entries (nothing is written).
WIDE_CHECK_PLAY = """
    - name: sync, check mode
      ansible.builtin.include_role:
        name: pwman.secrets.sync
      vars:
        sync_jobs: "{{ jobs[:3 if pb else 1] }}"
        jobs:
          - source: {product: passwordstate, list_id: 11}
            destination: {product: opp, category: "Sync{{ s }}"}
            names: [web, web-admin]
          - source: {product: opp, category: Banking}
            destination: {product: passbolt, folder: "Sync{{ s }}"}
          - source: {product: passbolt, folder: Infra/Databases}
            destination: {product: passwordstate, list_id: 15}
            names: [db-primary]
    - name: rotate, check mode
      ansible.builtin.include_role:
        name: pwman.secrets.rotate
      vars:
        rotate_credentials: "{{ credentials[:3 if pb else 2] }}"
        credentials:
          - {product: passwordstate, password_id: 5001}
          - {product: opp, name: Wells Fargo, category: Banking}
          - {product: passbolt, name: db-primary}
    - name: ps update, check mode
      pwman.secrets.passwordstate_password:
        password_id: 5001
        password: "{{ c.ps_pw }}"
        generic_fields: {Recovery Code: "{{ c.ps_generic }}"}
      diff: true
    - name: opp update, check mode
      pwman.secrets.opp_item:
        name: Wells Fargo
        category: Banking
        password: "{{ c.opp_pw }}"
        blob: "{{ c.opp_blob }}"
      diff: true
    - name: pb update, check mode
      tags: [passbolt]
      pwman.secrets.passbolt_resource:
        name: db-primary
        password: "{{ c.pb_pw }}"
        description: "{{ c.pb_desc }}"
      diff: true
"""

CANARY_NAMES = ("ps_pw", "ps_pw2", "ps_generic", "ps_generic2", "ps_echo", "opp_pw", "opp_pw2", "opp_blob",
                "opp_blob2", "opp_echo_current", "opp_echo_blob", "pb_pw", "pb_pw2", "pb_desc", "pb_desc2",
                "pb_v5_pw", "pb_cf", "pb_echo", "pb_echo_desc")
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
ECHO_BODIES = {
    "opp": '{"status_code": 400, "error": "Invalid item data in list!", "description": "{request}"}',
    "passwordstate": '[{"errors": [{"message": "Bad request"}, {"phrase": "{request}"}]}]',
    "passbolt": '{"header": {"status": "error", "message": "Could not validate resource data: {request}"}, '
                '"body": {}}',
}
# The seed secrets the plays read (roles in check mode, lookups, updates of seed entries).
SEED_SECRETS = ("Web-Alice-Pass-1", "Web-Admin-Pass-2", "Mail-Bob-Pass-3", "Shared-Ops-Pass-4", "Shared-Dev-Pass-5",
                "Recovery-7731-Alpha", "wf-Secret-1!", "pin: 1234", "db-primary-pw-1",
                "primary database, encrypted note")
# (name, verbosity, callback, check, skipped tags). -vvv shows all that -v and -vv show, and more: the full plays
# run at -vvv (and with the json callback); at -v and -vv the roles run (Passwordstate and OPP jobs, with the
# writes they need), without the module cases (tag `modules`) and the Passbolt parts (tag `passbolt`: slow GnuPG).
LIGHT = "modules,passbolt"
WIDE_RUNS = [
    ("v", "-v", "default", False, LIGHT), ("vv", "-vv", "default", False, LIGHT),
    ("vvv", "-vvv", "default", False, ""), ("json", "-v", "json", False, ""),
    ("check-v", "-v", "default", True, LIGHT), ("check-vv", "-vv", "default", True, LIGHT),
    ("check-vvv", "-vvv", "default", True, ""),
]
ECHO_TASKS = 4  # the failures the full play ignores on purpose


def canaries():
    """Fresh random secrets for one run (a prefix that appears nowhere else, then random text)."""
    import secrets as random_source  # pylint: disable=import-outside-toplevel

    values = {name: "Cn%s-%s!" % (name.replace("_", ""), random_source.token_hex(10)) for name in CANARY_NAMES}
    values["pb_totp"] = "".join(random_source.choice(BASE32) for dummy in range(32))
    return values


def wide_secrets(servers):
    found = set(SEED_SECRETS) | {ps_seed.SYSTEM_API_KEY, ps_seed.GENERATOR_API_KEY, opp_seed.DEMO_PASSWORD,
                                 opp_seed.DEMO_PHRASE}
    found |= {i["password"] for i in opp_seed.ITEMS if i.get("password")}
    found |= {i["blob"] for i in opp_seed.ITEMS if len(i.get("blob") or "") >= 6}
    users = {u["short"]: u for u in servers["passbolt"].admin("GET", "users")}
    found |= {users["ada"]["passphrase"], key_body_line(users["ada"]["private_key"])}
    tokens = servers["passbolt"].admin("GET", "tokens")
    found |= set(tokens["access_tokens"]) | set(tokens["refresh_tokens"])
    found |= set(servers["opp"].admin("GET", "tokens")["tokens"])
    state = servers["passwordstate"].admin("GET", "state")
    found |= {rec["Password"] for rec in state["passwords"].values() if rec.get("Password")}
    return found


def start_wide_run(servers, tmp_path, name, verbosity, callback, check, skip_tags):
    base = tmp_path / name
    base.mkdir()
    home, tmp, log = make_dirs(base)
    suffix = "%s%s" % (name.replace("-", ""), os.urandom(3).hex())
    values = canaries()
    apply_ok, apply_fails = base / "apply_ok.yml", base / "apply_fails.yml"
    apply_ok.write_text("- name: use the new password\n  ansible.builtin.assert:\n"
                        "    that: rotate_new_password | length > 0\n  no_log: true\n")
    apply_fails.write_text("- name: the service refuses it\n  ansible.builtin.fail:\n    msg: refused\n")
    varsfile = base / "vars.json"
    varsfile.write_text(json.dumps({"c": values, "s": suffix, "pb": not skip_tags, "apply_ok": str(apply_ok),
                                    "apply_fails": str(apply_fails), "collected": str(base / "stored.json")}))
    if not check and not skip_tags:
        # an OPP update sends the whole item, the current password included (POST /items)
        for product, method, contains in (("opp", "POST", values["opp_echo_current"]),
                                          ("passwordstate", None, values["ps_echo"]),
                                          ("passwordstate", "GET", "echo-lookup-" + suffix),
                                          ("passbolt", None, "echo-" + suffix)):
            servers[product].add_faults({"kind": "echo", "status": 400, "contains": contains, "method": method,
                                         "body": ECHO_BODIES[product]})
    env = {}
    for server in servers.values():
        env.update(server.env)
    env = run_env(type("S", (), {"env": env})(), home, tmp, log)
    env.update(ANSIBLE_STDOUT_CALLBACK=callback, ANSIBLE_PIPELINING="1",
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(REPO, "tests", "integration", "callback_plugins"))
    path = write_play(WIDE_CHECK_PLAY if check else WIDE_PLAY)
    cmd = ["ansible-playbook", "-i", "localhost,", "-c", "local", path, verbosity, "-e", "@%s" % varsfile]
    if check:
        cmd += ["--check"]
    if skip_tags:
        cmd += ["--skip-tags", skip_tags]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # pylint: disable=consider-using-with
                            text=True, cwd=REPO)
    return {"name": name, "proc": proc, "path": path, "home": home, "tmp": tmp, "log": log, "base": base,
            "values": values, "callback": callback, "ignored": 0 if check or skip_tags else ECHO_TASKS,
            "started": time.time()}


def test_wide_scan_roles_modules_errors(servers):
    # a short base directory: gpg-agent's socket under TMPDIR must fit the 108 bytes of a socket path
    base = tempfile.mkdtemp(prefix="pwl-")
    try:
        wide_scan(servers, pathlib.Path(base))
    finally:
        shutil.rmtree(base, ignore_errors=True)


def wide_scan(servers, tmp_path):
    runs = [start_wide_run(servers, tmp_path, *spec) for spec in WIDE_RUNS]
    try:
        for run in runs:
            run["out"], run["err"] = run["proc"].communicate(timeout=600)
            run["seconds"] = time.time() - run["started"]
    finally:
        for run in runs:
            os.unlink(run["path"])
            if run["proc"].poll() is None:
                run["proc"].kill()
        for server in servers.values():
            server.clear_faults()
    known = wide_secrets(servers)
    problems = []
    for run in runs:
        report = "%s: rc=%s\n%s\n%s" % (run["name"], run["proc"].returncode, run["out"][-6000:], run["err"][-3000:])
        if run["proc"].returncode != 0:
            problems.append(report)
            continue
        if run["callback"] == "json":
            document = json.loads(run["out"][run["out"].index("{"):])
            if document["stats"]["localhost"]["failures"] or document["stats"]["localhost"]["ignored"] != run["ignored"]:
                problems.append("unexpected stats %s\n%s" % (document["stats"], report))
        else:
            # the echo tasks failed (ignored), nothing else
            if "failed=0 " not in run["out"] or "ignored=%d " % run["ignored"] not in run["out"]:
                problems.append("unexpected recap\n" + report)
        secrets_here = set(run["values"].values()) | known
        stored = run["base"] / "stored.json"
        if stored.exists():
            for value in json.loads(stored.read_text()):
                secrets_here |= set(value if isinstance(value, list) else [value])
        sources = {"stdout": run["out"], "stderr": run["err"], "log": run["log"].read_text(errors="replace")
                   if run["log"].exists() else ""}
        sources.update(files_under(run["home"], run["tmp"]))
        hits = sorted({(secret[:14] + "...", where) for secret in secrets_here if len(secret) >= 6
                       for where, text in sources.items() if secret in text})
        if hits:
            problems.append("%s: secrets in %s" % (run["name"], hits))
        if leftovers(run["tmp"], run["home"]):
            problems.append("%s: left %s" % (run["name"], leftovers(run["tmp"], run["home"])))
    print("wide scan runs (s): " + ", ".join("%s %.0f" % (run["name"], run["seconds"]) for run in runs))
    assert not problems, "\n\n".join(problems)
