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
import re
import signal
import subprocess
import time

import pytest

from integration.conftest import REPO, ansible_env
from integration.reliability import write_play
from sandbox.opp import seed_data as opp_seed
from sandbox.passwordstate import seed_data as ps_seed

pytestmark = pytest.mark.filterwarnings("ignore")

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
