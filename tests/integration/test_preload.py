"""Issue 25: the pwman.secrets.preload callback loads our lookups in ansible-playbook itself, before it forks its
workers, starts the lookup agent then and (login=true) opens the sessions the environment configures.

A probe lookup from a throw-away collection next to ours tells, in a worker, which of our modules the worker got
from ansible-playbook (in sys.modules before any of our lookups ran in it). Each test has its own agent.
"""

from __future__ import annotations

import os
import re
import stat

import pytest

from integration.conftest import COLLECTIONS
from integration.reliability import run_tasks
from integration.test_agent_security import agent_dir, agent_env, agent_ping, pb, pb_users  # noqa: F401  pylint: disable=unused-import

pytestmark = pytest.mark.xdist_group("preload")

OURS = "ansible_collections.pwman.secrets.plugins.lookup.passbolt"
PROBE = '''
import sys
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return [[name in sys.modules for name in terms]]
'''
PROBE_TASK = '''
    - name: probe
      ansible.builtin.debug:
        msg: "PROBE={{ lookup('pwtest.probe.loaded', '%s') }}"
''' % OURS
LOOKUPS = '''
    - ansible.builtin.debug:
        msg: "VALUE={{ lookup('pwman.secrets.passbolt', '%s') }}"
'''


@pytest.fixture()
def collections(tmp_path):
    """Our collection and the probe's, for ANSIBLE_COLLECTIONS_PATH."""
    folder = tmp_path / "probe" / "ansible_collections" / "pwtest" / "probe"
    (folder / "plugins" / "lookup").mkdir(parents=True)
    (folder / "plugins" / "lookup" / "loaded.py").write_text(PROBE)
    return "%s:%s" % (COLLECTIONS, tmp_path / "probe")


def play(env, tasks, args=()):
    result = run_tasks(tasks, env, args=args)
    assert result.rc == 0, result
    return result


def test_workers_inherit_the_lookups_and_the_run_logs_in_once(pb, agent_dir, collections):
    env = agent_env(pb.env, agent_dir, ANSIBLE_COLLECTIONS_PATH=collections,
                    ANSIBLE_CALLBACKS_ENABLED="pwman.secrets.preload", PWMAN_SECRETS_PRELOAD_LOGIN="true")
    pb.reset_stats()
    names = ("legacy-string", "app-api", "vpn")
    result = play(env, PROBE_TASK + "".join(LOOKUPS % name for name in names))
    assert "PROBE=[True]" in result.stdout, result  # a worker found our lookup loaded already
    values = re.findall(r"VALUE=(\S+)\"", result.stdout)
    assert len(values) == 3 and values[0] == "legacy-string-pw-1", result
    # the callback's login and the three lookups shared one session
    assert pb.stats()["logins"] == 1, pb.stats()

    # without the callback, a worker loads the lookup itself
    plain = {k: v for k, v in env.items() if k != "ANSIBLE_CALLBACKS_ENABLED"}
    assert "PROBE=[False]" in play(plain, PROBE_TASK).stdout


def test_the_agent_starts_with_the_playbook_and_logs_in_only_when_asked(pb, agent_dir, collections):
    env = agent_env(pb.env, agent_dir, ANSIBLE_COLLECTIONS_PATH=collections,
                    ANSIBLE_CALLBACKS_ENABLED="pwman.secrets.preload")
    pb.reset_stats()
    play(env, PROBE_TASK)  # no lookup of ours at all
    pid, dummy = agent_ping(agent_dir)
    assert pid is not None  # started by the callback
    assert pb.stats()["logins"] == 0  # login is off by default
    play(dict(env, PWMAN_SECRETS_PRELOAD_LOGIN="true"), PROBE_TASK)
    assert pb.stats()["logins"] == 1


def test_a_preload_that_cannot_work_leaves_the_play_alone(pb, tmp_path, collections):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(str(shared), 0o777)  # not sticky: no agent here, and no cache
    assert not os.stat(str(shared)).st_mode & stat.S_ISVTX
    env = agent_env(pb.env, str(shared), ANSIBLE_COLLECTIONS_PATH=collections,
                    ANSIBLE_CALLBACKS_ENABLED="pwman.secrets.preload", PWMAN_SECRETS_PRELOAD_LOGIN="true")
    result = play(env, PROBE_TASK + LOOKUPS % "legacy-string", args=["-vvv"])
    assert "pwman.secrets.preload: nothing preloaded" in result.stdout and "writable by others" in result.stdout
    assert "VALUE=legacy-string-pw-1" in result.stdout, result  # the lookup ran in the worker, as without the agent


def test_the_session_opened_ahead_serves_only_its_credential(pb, agent_dir, collections):
    """An attack on the login ahead: it opens Ada's session (the environment's); a lookup of the run that gives
    Betty's credentials must get Betty's own session, never an answer from Ada's."""
    betty = pb_users(pb)["betty"]
    env = agent_env(pb.env, agent_dir, ANSIBLE_COLLECTIONS_PATH=collections,
                    ANSIBLE_CALLBACKS_ENABLED="pwman.secrets.preload", PWMAN_SECRETS_PRELOAD_LOGIN="true",
                    BETTY_KEY=betty["private_key"], BETTY_PASSPHRASE=betty["passphrase"], BETTY_ID=betty["id"])
    pb.reset_stats()
    as_betty = ("user_id=lookup('ansible.builtin.env', 'BETTY_ID'), private_key=lookup('ansible.builtin.env', "
                "'BETTY_KEY'), passphrase=lookup('ansible.builtin.env', 'BETTY_PASSPHRASE')")
    result = play(env, '''
    - name: Ada's personal password, asked with Betty's credentials
      ansible.builtin.set_fact:
        got: "{{ lookup('pwman.secrets.passbolt', 'personal-mail', %s) }}"
      ignore_errors: true
      register: r
    - ansible.builtin.debug:
        msg: "BETTY={{ 'refused' if r is failed else got }}"
''' % as_betty)
    assert "BETTY=refused" in result.stdout and "No Passbolt resource" in result.stdout, result
    assert pb.stats()["logins"] == 2, pb.stats()  # Ada's, ahead, and Betty's own
