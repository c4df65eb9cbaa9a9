"""Issue #17 (1, 3): an AWX job, emulated. Each credential type's injectors are rendered by AWX's own
inject_credential (empty inputs left out, key files written to the job's private data dir); the
environment goes through env.list as ansible-runner writes it for a container run and comes back as
podman reads it; then `ansible-runner run` runs a read-only project whose playbook uses each product's
lookup and module with NO connection options, under a per-job HOME and TMPDIR.

The job must succeed, find the right secrets (compared by digest), and show no credential input and
no secret in its stdout or job events.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys

import pytest
import yaml

import awx_rules
from integration.conftest import AGENT_DIR, COLLECTIONS
from sandbox.passbolt.account_kit import account_kit

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TYPES = os.path.join(REPO, "extensions", "awx", "credential_types")

PLAYBOOK = """
- name: An AWX job template using pwman.secrets through credentials only
  hosts: all
  gather_facts: false
  tasks:
    - name: Passbolt lookup
      ansible.builtin.set_fact:
        pb_secret: "{{ lookup('pwman.secrets.passbolt', 'db-primary', folder='Infra/Databases') }}"
      no_log: true
    - name: Passwordstate lookup (list from the credential)
      ansible.builtin.set_fact:
        ps_secret: "{{ lookup('pwman.secrets.passwordstate', 'web') }}"
      no_log: true
    - name: OPP lookup
      ansible.builtin.set_fact:
        opp_secret: "{{ lookup('pwman.secrets.opp', 'Wells Fargo') }}"
      no_log: true
    - name: Passbolt module
      pwman.secrets.passbolt_resource_info:
        name: app-api
        with_secrets: true
      register: pb_info
      no_log: true
    - name: Passwordstate module
      pwman.secrets.passwordstate_password_info:
        password_id: 5003
        with_secrets: true
      register: ps_info
      no_log: true
    - name: OPP module
      pwman.secrets.opp_item_info:
        name: core router
        with_secrets: true
      register: opp_info
      no_log: true
    - name: The right secrets, compared by digest
      ansible.builtin.assert:
        that:
          - pb_secret | hash('sha256') == "%(db-primary-pw-1)s"
          - ps_secret | hash('sha256') == "%(Web-Alice-Pass-1)s"
          - opp_secret | hash('sha256') == "%(wf-Secret-1!)s"
          - pb_info.resources[0].password | hash('sha256') == "%(app-api-pw-1)s"
          - ps_info.passwords[0].Password | hash('sha256') == "%(Mail-Bob-Pass-3)s"
          - opp_info['items'][0].password | hash('sha256') == "%(router-Secret-2!)s"
        quiet: true
"""
FOUND = ["db-primary-pw-1", "Web-Alice-Pass-1", "wf-Secret-1!", "app-api-pw-1", "Mail-Bob-Pass-3", "router-Secret-2!"]


def credential_values(servers, passbolt_login):
    """What an admin types into each credential (the sandbox users' keys and passwords). Passbolt:
    URL, user, key and server fingerprint, or key and account kit (which brings URL, user and server key)."""
    pb, ps, opp = (servers[p].env for p in ("passbolt", "passwordstate", "opp"))
    if passbolt_login == "account_kit":
        passbolt = {"account_kit": account_kit(pb["PASSBOLT_BASE_URL"], pb["PASSBOLT_USER_ID"],
                                               pb["PASSBOLT_PRIVATE_KEY"]) + "\n",
                    "private_key": pb["PASSBOLT_PRIVATE_KEY"], "passphrase": pb["PASSBOLT_PASSPHRASE"]}
    else:
        passbolt = {"base_url": pb["PASSBOLT_BASE_URL"], "user_id": pb["PASSBOLT_USER_ID"],
                    "private_key": pb["PASSBOLT_PRIVATE_KEY"], "passphrase": pb["PASSBOLT_PASSPHRASE"],
                    "server_fingerprint": pb["PASSBOLT_SERVER_FINGERPRINT"]}
    return {
        "passbolt": passbolt,
        "passwordstate": {"base_url": ps["PASSWORDSTATE_BASE_URL"], "api_key": ps["PASSWORDSTATE_API_KEY"],
                          "list_id": ps["PASSWORDSTATE_LIST_ID"]},
        "opp": {"base_url": opp["OPP_BASE_URL"], "username": opp["OPP_USERNAME"], "password": opp["OPP_PASSWORD"],
                "phrase": opp["OPP_PHRASE"]},
    }


def write_private_data_dir(pdd, job_env):
    """ansible-runner's input layout: env/envvars, inventory/hosts, project/ (read-only, as AWX mounts it)."""
    with open(os.path.join(pdd, "env", "envvars"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(job_env, handle)
    os.makedirs(os.path.join(pdd, "inventory"))
    with open(os.path.join(pdd, "inventory", "hosts"), "w", encoding="utf-8") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    project = os.path.join(pdd, "project")
    os.makedirs(project)
    digests = {value: hashlib.sha256(value.encode("utf-8")).hexdigest() for value in FOUND}
    with open(os.path.join(project, "site.yml"), "w", encoding="utf-8") as handle:
        handle.write(PLAYBOOK % digests)
    os.chmod(os.path.join(project, "site.yml"), 0o444)
    os.chmod(project, 0o555)


@pytest.fixture(scope="module")
def servers(sandbox_factory):
    return {p: sandbox_factory(p) for p in ("passbolt", "passwordstate", "opp")}


@pytest.mark.parametrize("passbolt_login", ["private_key", "account_kit"])
def test_awx_job(servers, tmp_path, passbolt_login):
    pdd = str(tmp_path / "job")
    os.makedirs(os.path.join(pdd, "env"), mode=0o700)
    values = credential_values(servers, passbolt_login)
    env = {}
    for product, inputs in values.items():
        with open(os.path.join(TYPES, product + ".yml"), encoding="utf-8") as handle:
            ctype = yaml.safe_load(handle)
        injected, dummy, dummy2 = awx_rules.render(ctype, inputs, pdd)
        env.update(injected)
    # Issue 1: a container run gets the environment through env.list; it must arrive whole, and the
    # job runs with what came back. No container here: its /runner mount is the private data dir itself.
    arrived = awx_rules.parse_env_list(awx_rules.env_list_text(env))
    assert arrived == env
    job_env = awx_rules.host_paths(arrived, pdd)
    for var in ("PASSBOLT_PRIVATE_KEY_FILE", "PASSBOLT_ACCOUNT_KIT")[:2 if passbolt_login == "account_kit" else 1]:
        assert stat.S_IMODE(os.stat(job_env[var]).st_mode) == 0o600, var
    home, tmp = str(tmp_path / "home"), str(tmp_path / "tmp")
    os.makedirs(home, mode=0o700)
    os.makedirs(tmp, mode=0o700)
    job_env.update({"HOME": home, "TMPDIR": tmp, "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS, "ANSIBLE_NOCOLOR": "1",
                    "ANSIBLE_FORCE_COLOR": "0", "PWMAN_SECRETS_RUNTIME_DIR": AGENT_DIR, "PWMAN_SECRETS_AGENT_IDLE": "60"})
    write_private_data_dir(pdd, job_env)

    base = {k: v for k, v in os.environ.items() if not k.startswith(("PASSBOLT_", "PASSWORDSTATE_", "OPP_", "ANSIBLE_"))}
    base["PATH"] = os.path.dirname(sys.executable) + os.pathsep + base.get("PATH", "")
    runner = os.path.join(os.path.dirname(sys.executable), "ansible-runner")
    try:
        proc = subprocess.run([runner, "run", pdd, "-p", "site.yml", "--ident", "job1"], env=base,
                              capture_output=True, text=True, timeout=600, check=False)
    finally:
        os.chmod(os.path.join(pdd, "project"), 0o755)
    artifacts = os.path.join(pdd, "artifacts", "job1")
    with open(os.path.join(artifacts, "stdout"), encoding="utf-8") as handle:
        stdout = handle.read()
    print(stdout[-3000:])
    with open(os.path.join(artifacts, "status"), encoding="utf-8") as handle:
        status = handle.read().strip()
    assert proc.returncode == 0 and status == "successful", (status, stdout[-5000:], proc.stderr[-3000:])
    assert "ok: [localhost]" in stdout and "failed=0" in stdout

    events = sorted(glob.glob(os.path.join(artifacts, "job_events", "*.json")))
    assert len(events) > 10
    shown = [stdout, proc.stdout, proc.stderr]
    for path in events:
        with open(path, encoding="utf-8") as handle:
            shown.append(handle.read())
    assert any("Passbolt lookup" in json.dumps(json.loads(text)) for text in shown[3:])
    secret_inputs = [v.strip() for inputs in values.values() for k, v in inputs.items()
                     if k in ("private_key", "account_kit", "passphrase", "api_key", "password", "phrase")]
    private_key = servers["passbolt"].env["PASSBOLT_PRIVATE_KEY"]
    key_lines = [line for line in private_key.splitlines() if len(line) > 20]
    for text in shown:
        leaked = [s for s in secret_inputs + key_lines + FOUND if s in text]
        assert not leaked, leaked
    shutil.rmtree(pdd, ignore_errors=True)
