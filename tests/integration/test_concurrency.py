"""Issue #9: concurrency. 20 hosts (local connections, forks 20) at once.

- writes: every host creates its own entry in each product (20 writers per product at once), then
  rotates one of them (round robin over the products, ~7 concurrent rotations per product, next to
  the other products' work); afterwards every entry is present exactly once and holds its last
  password (no lost update, no duplicate);
- the lookup agent (PWMAN_SECRETS_CACHE=true): 20 hosts doing lookups at once get the right
  answers, with ONE login per product (Passbolt, OPP; Passwordstate has no login, its answers are
  checked).
"""

from __future__ import annotations

import time

import pytest

from integration.conftest import AGENT_DIR
from integration.reliability import run_tasks
from sandbox import harness
from sandbox.opp import seed_data as opp_seed

pytestmark = pytest.mark.filterwarnings("ignore")

HOSTS = 20


@pytest.fixture(scope="module")
def servers(sandbox_factory):
    return {"passbolt": sandbox_factory("passbolt", seed="test"), "passwordstate": sandbox_factory("passwordstate"),
            "opp": sandbox_factory("opp")}


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    path = tmp_path_factory.mktemp("inv") / "hosts.ini"
    lines = ["h%02d ansible_connection=local rotate_in=%s\n" % (i, ("opp", "ps", "pb")[i % 3]) for i in range(HOSTS)]
    path.write_text("[many]\n" + "".join(lines))
    return str(path)


def all_env(servers, **extra):
    env = {}
    for server in servers.values():
        env.update(server.env)
    env.update(extra)
    return env


def test_parallel_creates_and_rotations(servers, inventory):
    tasks = """
    - name: create (OPP)
      pwman.secrets.opp_item:
        name: "cc-{{ inventory_hostname }}"
        username: "{{ inventory_hostname }}"
        password: "Cc-Opp-{{ inventory_hostname }}-1!"
    - name: create (Passwordstate)
      pwman.secrets.passwordstate_password:
        title: "cc-{{ inventory_hostname }}"
        username: "{{ inventory_hostname }}"
        password: "Cc-Ps-{{ inventory_hostname }}-1!"
    - name: create (Passbolt)
      pwman.secrets.passbolt_resource:
        name: "cc-{{ inventory_hostname }}"
        username: "{{ inventory_hostname }}"
        password: "Cc-Pb-{{ inventory_hostname }}-1!"
    - name: rotate (OPP) - one product per host (round robin) keeps the run short
      pwman.secrets.opp_item:
        name: "cc-{{ inventory_hostname }}"
        password: "Cc-Opp-{{ inventory_hostname }}-2!"
      when: rotate_in == 'opp'
    - name: rotate (Passwordstate)
      pwman.secrets.passwordstate_password:
        title: "cc-{{ inventory_hostname }}"
        password: "Cc-Ps-{{ inventory_hostname }}-2!"
      when: rotate_in == 'ps'
    - name: rotate (Passbolt)
      pwman.secrets.passbolt_resource:
        name: "cc-{{ inventory_hostname }}"
        password: "Cc-Pb-{{ inventory_hostname }}-2!"
      when: rotate_in == 'pb'
    - name: every entry once, with its rotated password (a duplicate name would be an ambiguity error)
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.opp', 'cc-' ~ inventory_hostname) == 'Cc-Opp-%s-%s!' % (inventory_hostname, v.opp)
          - lookup('pwman.secrets.passwordstate', 'cc-' ~ inventory_hostname)
            == 'Cc-Ps-%s-%s!' % (inventory_hostname, v.ps)
          - lookup('pwman.secrets.passbolt', 'cc-' ~ inventory_hostname) == 'Cc-Pb-%s-%s!' % (inventory_hostname, v.pb)
      vars:
        v: "{{ {'opp': 1, 'ps': 1, 'pb': 1} | combine({rotate_in: 2}) }}"
        quiet: true
"""
    # the final check reads through the lookup agent (one login per product): cheaper, and it
    # checks that the modules' changes invalidated the agent's answers
    result = run_tasks(tasks, all_env(servers, PWMAN_SECRETS_CACHE="true"), hosts="many",
                       args=["-i", inventory, "-f", str(HOSTS)])
    assert result.rc == 0, result
    assert "failed=0" in result.stdout and result.stdout.count("failed=0") == HOSTS, result
    wanted = sorted("cc-h%02d" % i for i in range(HOSTS))
    titles = [p["Title"] for p in servers["passwordstate"].admin("GET", "state")["passwords"].values()]
    assert sorted(t for t in titles if t.startswith("cc-")) == wanted
    assert len(servers["opp"].admin("GET", "state")["items"]) == len(opp_seed.ITEMS) + HOSTS


def test_lookup_agent_under_load(servers, inventory):
    harness.stop_lookup_agents(AGENT_DIR)  # an agent left by an earlier test would already hold a session
    time.sleep(0.5)
    for server in servers.values():
        server.reset_stats()
    tasks = """
    - name: 20 hosts read at once through the agent
      ansible.builtin.assert:
        that:
          - lookup('pwman.secrets.opp', 'Wells Fargo') == 'wf-Secret-1!'
          - lookup('pwman.secrets.opp', 'core router', field='username') == 'admin'
          - lookup('pwman.secrets.passwordstate', 'web') == 'Web-Alice-Pass-1'
          - lookup('pwman.secrets.passbolt', 'legacy-string') == 'legacy-string-pw-1'
          - lookup('pwman.secrets.passbolt', 'app-api', field='username') == 'api'
        quiet: true
"""
    result = run_tasks(tasks, all_env(servers, PWMAN_SECRETS_CACHE="true"), hosts="many",
                       args=["-i", inventory, "-f", str(HOSTS)])
    assert result.rc == 0, result
    assert result.stdout.count("failed=0") == HOSTS, result
    assert servers["opp"].stats()["logins"] == 1, servers["opp"].stats()
    assert servers["passbolt"].stats()["logins"] == 1, servers["passbolt"].stats()
