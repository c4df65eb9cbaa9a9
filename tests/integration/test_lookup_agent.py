"""The lookup agent end to end: one login per run across tasks, per-run answers, invalidation
by modules, token refresh, and the same play without the agent for contrast."""

from __future__ import annotations

import json
import time

import pytest

from sandbox.opp import seed_data as opp_seed
from sandbox.passbolt import seed_data as pb_seed
from sandbox.passwordstate import seed_data as ps_seed

AGENT_ON = {"PWMAN_SECRETS_CACHE": "true"}


def extra_vars_file(tmp_path, values):
    path = tmp_path / "vars.json"
    path.write_text(json.dumps(values))
    return ["-e", "@%s" % path]


@pytest.fixture(scope="module")
def opp_server(sandbox_factory):
    return sandbox_factory("opp")


@pytest.mark.parametrize("cache,lookup_logins", [("true", 1), ("false", 4)])
def test_opp_agent(opp_server, target, tmp_path, cache, lookup_logins):
    old = opp_seed.item_by_name("mail")[0]["password"]
    values = {"expected_first": opp_seed.item_by_name("Wells Fargo")[0]["password"],
              "expected_second": opp_seed.item_by_name("core router")[0]["username"],
              "expected_old": old}
    opp_server.reset_stats()
    result = target("lookup_agent_opp", env=dict(opp_server.env, PWMAN_SECRETS_CACHE=cache),
                    args=extra_vars_file(tmp_path, values))
    assert result.rc == 0, result
    stats = opp_server.stats()
    # The module logs in once in its own process; the lookups log in once through the agent
    # (four lookups without it).
    assert stats["logins"] == lookup_logins + 1, stats
    fetchall = stats["by_route"].get("GET /api/v1/fetchall", 0)
    module_fetches = stats["by_route"].get("GET /api/v1/items", 0)
    assert fetchall + module_fetches >= 1
    if cache == "true":
        assert fetchall <= 3 + 1, stats  # 'again' was answered from the cache


def test_passwordstate_agent(sandbox_factory, target, tmp_path):
    server = sandbox_factory("passwordstate")
    values = {"expected_first": ps_seed.PASSWORDS[5003]["Password"]}
    server.reset_stats()
    result = target("lookup_agent_passwordstate", env=dict(server.env, **AGENT_ON),
                    args=extra_vars_file(tmp_path, values))
    assert result.rc == 0, result
    by_route = server.stats()["by_route"]
    generated = sum(n for route, n in by_route.items() if "generatepassword" in route.lower())
    assert generated == 2, by_route


def test_passbolt_agent_refreshes_instead_of_logging_in(sandbox_factory, target, tmp_path):
    server = sandbox_factory("passbolt", config={"access_token_ttl": 2})
    values = {"expected_first": pb_seed.resource("v4-string")["secret"]["password"],
              "expected_second": pb_seed.resource("v5-shared")["secret"]["password"],
              "expected_third": pb_seed.resource("v4-desc")["username"]}
    server.reset_stats()
    env = dict(server.env, **AGENT_ON)
    result = target("lookup_agent_passbolt", env=env, args=extra_vars_file(tmp_path, values))
    assert result.rc == 0, result
    first = server.stats()
    # Within a run the agent answers from what it listed once: one list request for three lookups.
    assert first["by_route"].get("GET /resources.json") == 1, first
    time.sleep(3)  # the 2-second access token expires; the agent lives on
    result = target("lookup_agent_passbolt", env=env, args=extra_vars_file(tmp_path, values))
    assert result.rc == 0, result
    stats = server.stats()
    assert stats["logins"] == 1, stats  # the second run refreshed the session instead of logging in
    assert stats["refreshes"] >= 1, stats
    # A new run reads afresh: its first list is answered 401 (expired token), then retried after the refresh.
    assert stats["by_route"].get("GET /resources.json") == 3, stats
