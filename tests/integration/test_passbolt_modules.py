"""pwman.secrets Passbolt modules (passbolt_resource, passbolt_folder, passbolt_resource_info) end to end.

Real ansible-playbook runs against the local Passbolt imitation: one server with v5 as the default
resource version, one that only creates v4 resources. The targets assert the behaviour; the playbooks
check "nothing written" through the server's stats (admin API), pytest checks the server's state.
"""

from __future__ import annotations

import json
import os
import tempfile

import pytest

from sandbox.common.httpserver import ADMIN_HEADER, ADMIN_PREFIX
from sandbox.passbolt import seed_data as SD

pytestmark = pytest.mark.filterwarnings("ignore")

# Passwords the playbooks set; they must never reach the output.
EXPLICIT_SECRETS = ("It-Db-Pass-1!", "It-Db-Pass-2!", "It-Never-Shown-3!", "It-V4-Pass-1!", "It-Cf-Value-9",
                    "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ")


@pytest.fixture(scope="module")
def v5_server(sandbox_factory):
    return sandbox_factory("passbolt", seed="test", config={"metadata_default": "v5"})


@pytest.fixture(scope="module")
def v4_server(sandbox_factory):
    return sandbox_factory("passbolt", seed="test", config={"metadata_default": "v4", "allow_v5_create": False})


def _vars(server, **extra):
    users = {u["short"]: u for u in server.admin("GET", "users")}
    data = {
        "pb_users": users,
        "pb_admin_url": server.base_url + ADMIN_PREFIX,
        "pb_admin_header": ADMIN_HEADER,
        "pb_admin_token": server.admin_token,
        "pb_base_url": server.base_url,
        "pb_seed_ids": {r["key"]: r["id"] for r in SD.RESOURCES},
        "pb_folder_ids": SD.FOLDER_IDS,
        "pb_group_ids": SD.GROUP_IDS,
    }
    data.update(extra)
    return data


def _run(target, name, server, **extra):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(_vars(server, **extra), handle)
        path = handle.name
    try:
        result = target(name, env=dict(server.env), args=("-e", "@" + path))
    finally:
        os.unlink(path)
    assert result.rc == 0, result
    shown = result.stdout + result.stderr
    leaked = [s for s in EXPLICIT_SECRETS + tuple(r["secret"].get("password") or "" for r in SD.RESOURCES)
              if s and s in shown]
    assert not leaked, "secrets in the playbook output: %s" % leaked
    return result


def test_passbolt_resource_info(target, v5_server):
    _run(target, "passbolt_resource_info", v5_server)
    stats = v5_server.stats()
    writes = [k for k in stats["by_route"] if k.split()[0] in ("POST", "PUT", "DELETE") and "/auth/" not in k]
    assert writes == [], writes


def test_passbolt_resource_v5(target, v5_server):
    _run(target, "passbolt_resource", v5_server, pb_version="v5")
    state = v5_server.admin("GET", "state")
    by_name = {r["name"]: r for r in state["resources"] if r["name"]}
    # v5 resources keep no cleartext name on the server
    assert "it-db" not in by_name
    assert not any(r["name"] == "never-created" for r in state["resources"])


def test_passbolt_resource_v4(target, v4_server):
    _run(target, "passbolt_resource", v4_server, pb_version="v4")
    state = v4_server.admin("GET", "state")
    names = {r["name"] for r in state["resources"]}
    assert "it-v4" in names and "it-v4-gone" not in names
    it_v4 = next(r for r in state["resources"] if r["name"] == "it-v4")
    ids = {u: SD.user_id(u) for u in ("ada", "betty", "carol")}
    # shared with the Ops group (betty) only: a secret for ada and betty, none for carol
    assert it_v4["secrets_for"] == sorted([ids["ada"], ids["betty"]])


def test_passbolt_folder(target, v5_server):
    before = sorted(f["id"] for f in v5_server.admin("GET", "state")["folders"])
    _run(target, "passbolt_folder", v5_server)
    # the folders the target made (v5: no name on the server) are gone again, check mode made none
    assert sorted(f["id"] for f in v5_server.admin("GET", "state")["folders"]) == before
