"""Settings reach modules as they reach lookups (issue 24, point 3): `ansible.cfg` `[pwman_<product>]`,
`ansible_pwman_<product>_<option>` variables (`-e` too) and the play's `environment:` keyword, in one order:
task option > variable > environment (`environment:` before the controller's) > ansible.cfg > default.

Each case gives the right server URL in the source that must win and a dead one (nothing listens on port 9) in
the source that must lose, then runs the product's lookup and one of its modules in the same play: both must
reach the server. Credentials come only from the sources named (no PASSBOLT_/PASSWORDSTATE_/OPP_ variable is
inherited, see conftest.ansible_env).
"""

from __future__ import annotations

import json

import pytest

from integration.reliability import run_tasks
from sandbox.opp import seed_data as OPP

pytestmark = pytest.mark.filterwarnings("ignore")

DEAD = "http://127.0.0.1:9"

OPP_TASKS = """
    - name: The lookup
      ansible.builtin.assert:
        that: lookup('pwman.secrets.opp', 'Wells Fargo', field='username', retries=0) == 'mylogin'
    - name: A module of the same product
      pwman.secrets.opp_item_info:
        name: wifi
        retries: 0
      register: info
    - ansible.builtin.assert:
        that: info.count == 1
"""


@pytest.fixture(scope="module")
def servers(sandbox_factory):
    return {product: sandbox_factory(product) for product in ("opp", "passwordstate", "passbolt")}


def ini(tmp_path, section, **values):
    path = tmp_path / "ansible.cfg"
    path.write_text("[%s]\n%s\n" % (section, "\n".join("%s = %s" % item for item in values.items())))
    return str(path)


def extra_vars(tmp_path, **values):
    path = tmp_path / "vars.yml"
    path.write_text("".join("%s: %s\n" % (name, json.dumps(value)) for name, value in values.items()))
    return ["-e", "@" + str(path)]


def opp_credentials(prefix):
    """OPP's user, password and phrase as environment variables (prefix OPP_) or variables (ansible_pwman_opp_)."""
    if prefix == "env":
        return {"OPP_USERNAME": OPP.DEMO_USERNAME, "OPP_PASSWORD": OPP.DEMO_PASSWORD, "OPP_PHRASE": OPP.DEMO_PHRASE}
    return {"ansible_pwman_opp_login_username": OPP.DEMO_USERNAME,
            "ansible_pwman_opp_login_password": OPP.DEMO_PASSWORD, "ansible_pwman_opp_phrase": OPP.DEMO_PHRASE}


def check(result):
    assert result.rc == 0, result
    assert OPP.DEMO_PHRASE not in result.stdout + result.stderr
    assert OPP.DEMO_PASSWORD not in result.stdout + result.stderr


def test_ansible_cfg_reaches_modules(servers, tmp_path):
    url = servers["opp"].base_url
    env = dict(opp_credentials("env"), ANSIBLE_CONFIG=ini(tmp_path, "pwman_opp", base_url=url))
    check(run_tasks(OPP_TASKS, env))


def test_variables_reach_modules_and_beat_the_environment(servers, tmp_path):
    url = servers["opp"].base_url
    variables = dict(opp_credentials("vars"), ansible_pwman_opp_base_url=url)
    env = {"OPP_BASE_URL": DEAD, "OPP_PHRASE": "a wrong phrase"}
    check(run_tasks(OPP_TASKS, env, args=extra_vars(tmp_path, **variables) + ["-vvv"]))


def test_environment_beats_ansible_cfg(servers, tmp_path):
    url = servers["opp"].base_url
    env = dict(opp_credentials("env"), OPP_BASE_URL=url, ANSIBLE_CONFIG=ini(tmp_path, "pwman_opp", base_url=DEAD))
    check(run_tasks(OPP_TASKS, env))


def test_play_environment_beats_the_controllers(servers, tmp_path):
    """The `environment:` keyword, as modules always got it, now read by lookups too (as anatomicjc.passbolt did)."""
    url = servers["opp"].base_url
    header = "  environment:\n%s" % "".join("    %s: %s\n" % (name, json.dumps(value)) for name, value in
                                            dict(opp_credentials("env"), OPP_BASE_URL=url).items())
    env = {"OPP_BASE_URL": DEAD, "OPP_PHRASE": "a wrong phrase",
           "ANSIBLE_CONFIG": ini(tmp_path, "pwman_opp", base_url=DEAD)}
    check(run_tasks(OPP_TASKS, env, header=header))


def test_task_options_beat_variables(servers, tmp_path):
    url = servers["opp"].base_url
    variables = dict(opp_credentials("vars"), ansible_pwman_opp_base_url=DEAD)
    tasks = OPP_TASKS.replace("retries=0)", "retries=0, base_url='%s')" % url).replace(
        "        retries: 0\n", "        retries: 0\n        base_url: %s\n" % url)
    check(run_tasks(tasks, {}, args=extra_vars(tmp_path, **variables)))
    # module_defaults count as the task's own options
    header = "  module_defaults:\n    group/pwman.secrets.opp:\n      base_url: %s\n" % url
    tasks = OPP_TASKS.replace("retries=0)", "retries=0, base_url='%s')" % url)
    check(run_tasks(tasks, {}, args=extra_vars(tmp_path, **variables), header=header))


def test_passwordstate_and_passbolt_modules_read_variables_and_ansible_cfg(servers, tmp_path):
    ps, pb = servers["passwordstate"], servers["passbolt"]
    cfg = tmp_path / "ansible.cfg"
    cfg.write_text("[pwman_passwordstate]\nbase_url = %s\nlist_id = 11\n[pwman_passbolt]\nbase_url = %s\nuser_id = %s\n"
                   % (ps.base_url, pb.base_url, pb.env["PASSBOLT_USER_ID"]))
    variables = {"ansible_pwman_passwordstate_api_key": ps.env["PASSWORDSTATE_API_KEY"],
                 "ansible_pwman_passbolt_private_key": pb.env["PASSBOLT_PRIVATE_KEY"],
                 "ansible_pwman_passbolt_passphrase": pb.env["PASSBOLT_PASSPHRASE"]}
    tasks = """
    - pwman.secrets.passwordstate_password_info:
        title: web-admin
      register: ps
    - pwman.secrets.passbolt_resource_info:
        name: db-primary
      register: pb
    - ansible.builtin.assert:
        that:
          - ps.passwords | map(attribute='UserName') | list == ['admin']
          - pb.resources | map(attribute='username') | list == ['postgres']
          - lookup('pwman.secrets.passwordstate', 'web-admin', field='username') == 'admin'
          - lookup('pwman.secrets.passbolt', 'db-primary', field='username') == 'postgres'
"""
    result = run_tasks(tasks, {"ANSIBLE_CONFIG": str(cfg)}, args=extra_vars(tmp_path, **variables))
    assert result.rc == 0, result
