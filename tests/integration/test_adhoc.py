"""Ad-hoc use: `ansible localhost -m pwman.secrets.<module> -a ...` and
`ansible localhost -m debug -a "msg={{ lookup(...) }}"`, one module and one lookup (at least) per product.

Each server is started once for this module; every command is one `ansible` process.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from integration.conftest import REPO, ansible_env
from sandbox.opp import seed_data as OPP
from sandbox.passwordstate import seed_data as PS

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def servers(sandbox_factory):
    return {product: sandbox_factory(product) for product in ("passwordstate", "opp", "passbolt")}


def adhoc(env, module, args, extra=()):
    """Run `ansible localhost -m module -a args`; returns (status, result dict, process)."""
    cmd = ["ansible", "localhost", "-m", module, "-a", args] + list(extra)
    proc = subprocess.run(cmd, env=ansible_env(env), capture_output=True, text=True, timeout=300, cwd=REPO,
                          check=False)
    head, sep, body = proc.stdout.partition(" => ")
    assert sep, "rc=%s\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr)
    status = head.rsplit("|", 1)[-1].strip()
    return status, json.loads(body), proc


def test_passwordstate_module_and_lookup(servers):
    env = servers["passwordstate"].env
    status, result, proc = adhoc(env, "pwman.secrets.passwordstate_password_info", "password_id=5001")
    assert status == "SUCCESS", proc.stdout
    assert result["passwords"][0]["Title"] == "web"
    assert "Password" not in result["passwords"][0]
    assert PS.PASSWORDS[5001]["Password"] not in proc.stdout

    # a change in check mode, with the diff (the password masked)
    status, result, proc = adhoc(env, "pwman.secrets.passwordstate_password",
                                 "password_id=5002 description='changed ad hoc'", extra=["--check", "--diff"])
    assert status == "CHANGED", proc.stdout
    assert PS.PASSWORDS[5002]["Password"] not in proc.stdout

    status, result, proc = adhoc(env, "ansible.builtin.debug",
                                 "msg={{ lookup('pwman.secrets.passwordstate', 'web-admin', field='username') }}")
    assert status == "SUCCESS" and result["msg"] == "admin", proc.stdout

    status, result, proc = adhoc(env, "debug", "msg={{ lookup('pwman.secrets.passwordstate_generate', generator_id=3) }}")
    assert status == "SUCCESS" and re.fullmatch(r"\d{6}", str(result["msg"])), proc.stdout  # the PIN generator


def test_opp_module_and_lookup(servers):
    env = servers["opp"].env
    status, result, proc = adhoc(env, "pwman.secrets.opp_item",
                                 "name=adhoc-item category='Ad hoc' create_category=true username=me password=Adhoc-Pass-1")
    assert status == "CHANGED" and result["item"]["username"] == "me", proc.stdout
    assert result["created_category"]["name"] == "Ad hoc"
    assert "Adhoc-Pass-1" not in proc.stdout

    status, result, proc = adhoc(env, "debug", "msg=\"{{ lookup('pwman.secrets.opp', 'core router', field='url') }}\"")
    assert status == "SUCCESS" and result["msg"] == "https://10.0.0.1", proc.stdout
    assert OPP.DEMO_PHRASE not in proc.stdout + proc.stderr


def test_passbolt_module_and_lookup(servers):
    env = servers["passbolt"].env
    status, result, proc = adhoc(env, "pwman.secrets.passbolt_resource_info", "name=db-primary folder=Infra/Databases")
    assert status == "SUCCESS" and result["count"] == 1, proc.stdout
    assert result["resources"][0]["username"] == "postgres"

    status, result, proc = adhoc(env, "debug",
                                 "msg={{ query('pwman.secrets.passbolt', 'db-primary', 'app-api', field='username') }}")
    assert status == "SUCCESS" and result["msg"] == ["postgres", "api"], proc.stdout


def test_module_error_is_clear(servers):
    """A failing ad-hoc module reports the product's message, not a traceback."""
    env = servers["passwordstate"].env
    status, result, proc = adhoc(env, "pwman.secrets.passwordstate_password_info", "password_id=999999 fail_on_missing=true")
    assert status == "FAILED!", proc.stdout
    assert proc.returncode != 0
    assert "Traceback" not in proc.stdout + proc.stderr
    assert result["msg"]
