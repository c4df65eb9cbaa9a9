"""pwman.secrets.passbolt lookup against the local Passbolt imitation (real ansible-playbook runs).

One server for the module. Expected values come from tests/sandbox/passbolt/seed_data.py
and the server's admin API, handed to the targets as extra vars (JSON).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.request

import pytest

from sandbox.common.httpserver import ADMIN_HEADER, ADMIN_PREFIX
from sandbox.passbolt import crypto as sandbox_crypto
from sandbox.passbolt.account_kit import account_kit
from sandbox.passbolt import seed_data as SD

pytestmark = pytest.mark.filterwarnings("ignore")


def _expected_resources(folder_paths):
    out = {}
    for res in SD.RESOURCES:
        secret = res["secret"]
        totp_data = secret.get("totp") or {}
        fields = {}
        names = {f["id"]: f["metadata_key"] for f in res.get("metadata_custom_fields", [])}
        for field in secret.get("custom_fields", []):
            fields[names[field["id"]]] = field["secret_value"]
        out[res["key"]] = {
            "id": res["id"],
            "name": res["name"],
            "type": res["type"],
            "metadata": res["metadata"],
            "password": secret.get("password", ""),
            "username": res["username"],
            "uri": res["uris"][0] if res["uris"] else "",
            "uris": res["uris"],
            "description": secret.get("description") or res["description"],
            "folder": res["folder"] or "",
            "folder_id": folder_paths.get(res["folder"]),
            "totp_secret": totp_data.get("secret_key", ""),
            "custom_fields": fields,
        }
    return out


def _totp_codes(secret, seconds=600):
    """Every code valid from 30 s ago to `seconds` from now (the playbook runs in between)."""
    now = time.time()
    return sorted({sandbox_crypto.totp(secret, now + delta) for delta in range(-30, seconds, 30)})


def _current_fingerprint(server):
    request = urllib.request.Request(server.base_url + "/auth/verify.json")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return json.loads(response.read())["body"]["fingerprint"]


@pytest.fixture(scope="module")
def passbolt(sandbox_factory):
    return sandbox_factory("passbolt", seed="test")


@pytest.fixture(scope="module")
def users(passbolt):
    return {u["short"]: u for u in passbolt.admin("GET", "users")}


def _vars(server, users):
    totp_secret = SD.RESOURCES_BY_KEY["v4-totp"]["secret"]["totp"]["secret_key"]
    return {
        "pb_seed": _expected_resources(SD.FOLDER_IDS),
        "pb_users": users,
        "pb_totp_codes": _totp_codes(totp_secret),
        "pb_admin_url": server.base_url + ADMIN_PREFIX,
        "pb_admin_header": ADMIN_HEADER,
        "pb_admin_token": server.admin_token,
        "pb_base_url": server.base_url,
        "pb_server_fingerprint": _current_fingerprint(server),
    }


def _env(server, users, **extra):
    env = dict(server.env)
    env["PASSBOLT_SERVER_FINGERPRINT"] = _current_fingerprint(server)
    env.update(extra)
    return env


def _run(target, name, server, users, extra_vars=None, env=None):
    data = _vars(server, users)
    data.update(extra_vars or {})
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(data, handle)
        path = handle.name
    try:
        result = target(name, env=env or _env(server, users), args=("-e", "@" + path))
        print(result)  # shown by pytest when the test fails
        return result
    finally:
        os.unlink(path)


def test_lookup_reads_every_type_field_and_filter(target, passbolt, users):
    passbolt.reset_stats()
    result = _run(target, "lookup_passbolt", passbolt, users)
    assert result.rc == 0, result
    # Secrets never reach the output.
    for res in SD.RESOURCES:
        password = res["secret"].get("password")
        if password:
            assert password not in result.stdout
    stats = passbolt.stats()
    # Every lookup call logs in once with JWT; the many-terms case made exactly one list request (checked in
    # the playbook too); no lookup ever asked for one resource or one secret at a time.
    assert stats["by_route"].get("GET /secrets/resource", 0) == 0
    assert not any(route.startswith("GET /resources/") for route in stats["by_route"])
    assert stats["refreshes"] == 0


def _account_kit(server, user, path):
    """The account kit the web UI exports, with the server's current key."""
    path.write_text(account_kit(server.base_url, user["id"], user["private_key"], username=user["username"],
                                first_name="Ada", last_name="Lovelace", user_public_armored_key=user["public_key"],
                                security_token={"code": "ADA", "color": "#000000", "textcolor": "#ffffff"}))
    return path


def test_many_terms_with_an_account_kit_take_three_requests(playbook, passbolt, users, tmp_path):
    """Issue 8, scenario 3: one lookup with many terms: the login (the kit has the server key: no GET
    /auth/verify.json), one list with the secrets, the metadata keys for the v5 shared-key resources, and the
    users' keys for the one secret another user signed."""
    kit_path = _account_kit(passbolt, users["ada"], tmp_path / "account-kit.passbolt")
    names = [SD.RESOURCES_BY_KEY[key]["name"] for key in ("v4-string", "v4-desc", "v4-pdt", "v5-shared", "v5-user",
                                                          "v5-string", "v5-totp", "apps-db", "tricky", "betty-shared")]
    playbook_path = tmp_path / "many.yml"
    playbook_path.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.assert:\n"
        "        that: \"query('pwman.secrets.passbolt', *names, account_kit=kit) | length == names | length\"\n")
    env = {"PASSBOLT_PASSPHRASE": passbolt.env["PASSBOLT_PASSPHRASE"]}
    passbolt.reset_stats()
    result = playbook(str(playbook_path), env=env, args=("-e", json.dumps({"names": names, "kit": str(kit_path)})))
    assert result.rc == 0, result
    stats = passbolt.stats()
    assert stats["logins"] == 1, stats
    # + GET /users.json (issue 14): betty-shared's secret is signed by Betty, whose key is checked
    assert stats["requests"] == 4 and stats["by_route"]["GET /users.json"] == 1, stats
    assert "GET /auth/verify.json" not in stats["by_route"], stats


def test_lookup_authentication_and_errors(target, passbolt, users, tmp_path):
    kit_path = _account_kit(passbolt, users["ada"], tmp_path / "account-kit.passbolt")
    passbolt.reset_stats()
    try:
        result = _run(target, "lookup_passbolt_auth", passbolt, users,
                      extra_vars={"pb_account_kit_path": str(kit_path)})
    finally:
        passbolt.admin("POST", "settings", {"access_token_ttl": 300, "jwt_enabled": True, "gpgauth_enabled": True})
        passbolt.admin("POST", "tamper", {"mode": "none"})
        passbolt.clear_faults()
    assert result.rc == 0, result
    stats = passbolt.stats()
    assert stats["refreshes"] >= 1, stats
    assert stats["by_route"].get("POST /mfa/verify/totp.json", 0) >= 1, stats
    assert stats["by_route"].get("POST /auth/login.json", 0) >= 2, stats


def test_lookup_refuses_a_rotated_server_key(target, passbolt, users, tmp_path):
    """Last: it rotates the server key for good."""
    old = _current_fingerprint(passbolt)
    stale_kit = _account_kit(passbolt, users["ada"], tmp_path / "stale-account-kit.passbolt")
    new = passbolt.admin("POST", "rotate-server-key")["fingerprint"]
    assert old != new
    env = _env(passbolt, users, PASSBOLT_SERVER_FINGERPRINT=old.lower()[:20] + " " + old.lower()[20:])
    result = _run(target, "lookup_passbolt_pinning", passbolt, users,
                  extra_vars={"pb_old_fingerprint": old, "pb_new_fingerprint": new, "pb_stale_kit_path": str(stale_kit)},
                  env=env)
    assert result.rc == 0, result
