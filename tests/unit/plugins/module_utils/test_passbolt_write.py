"""Pure helpers of the Passbolt write layer: permissions planning, TOTP, custom fields."""

from __future__ import annotations

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import _secret_values
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_write import (
    checked_totp,
    merge_custom_fields,
    plan_permissions,
    same_totp,
)

ME = "11111111-1111-1111-1111-111111111111"
BETTY = "22222222-2222-2222-2222-222222222222"
OPS = "33333333-3333-3333-3333-333333333333"
CURRENT = [{"id": "p1", "aro": "User", "aro_foreign_key": ME, "type": 15},
           {"id": "p2", "aro": "User", "aro_foreign_key": BETTY, "type": 1}]


def want(aro, key, access):
    return {"aro": aro, "aro_foreign_key": key, "type": access, "label": {}}


def test_permissions_add_update_keep():
    rows, after = plan_permissions("Resource", "r1", CURRENT, [want("User", BETTY, 7), want("Group", OPS, 1)],
                                   False, "x")
    assert {"id": "p2", "aro": "User", "aro_foreign_key": BETTY, "aco": "Resource", "aco_foreign_key": "r1",
            "type": 7, "is_new": False} in rows
    assert any(r.get("is_new") and r["aro_foreign_key"] == OPS and r["type"] == 1 for r in rows)
    assert len(rows) == 2 and len(after) == 3


def test_permissions_noop_sends_nothing():
    rows, after = plan_permissions("Resource", "r1", CURRENT, [want("User", BETTY, 1)], False, "x")
    assert rows == [] and len(after) == 2


def test_permissions_exclusive_deletes_others():
    rows, dummy = plan_permissions("Resource", "r1", CURRENT, [want("User", ME, 15)], True, "x")
    assert rows == [{"id": "p2", "aro": "User", "aro_foreign_key": BETTY, "aco": "Resource",
                     "aco_foreign_key": "r1", "type": 1, "delete": True, "is_new": False}]


@pytest.mark.parametrize("wanted, exclusive", [([want("User", BETTY, 7)], True), ([want("User", ME, 7)], False)])
def test_permissions_without_owner_refused(wanted, exclusive):
    with pytest.raises(ConfigError, match="nobody would be owner"):
        plan_permissions("Resource", "r1", CURRENT, wanted, exclusive, "resource 'x'")


def test_totp_validation_and_comparison():
    wanted = checked_totp({"secret_key": "jbsw y3dp", "digits": 6, "algorithm": "sha1", "period": 30})
    assert wanted == {"secret_key": "JBSWY3DP", "digits": 6, "algorithm": "SHA1", "period": 30}
    assert same_totp({"secret_key": "JBSWY3DP", "digits": "6", "algorithm": "SHA1", "period": 30}, wanted)
    assert not same_totp({"secret_key": "JBSWY3DP", "digits": 8, "algorithm": "SHA1", "period": 30}, wanted)
    for bad in ({"secret_key": "not base32!"}, {"secret_key": "JBSW", "digits": 5}, {"secret_key": ""}):
        with pytest.raises(ConfigError):
            checked_totp(bad)


def test_merge_custom_fields_keeps_ids_and_others():
    meta = [{"id": "f1", "type": "password", "metadata_key": "api_key"},
            {"id": "f2", "type": "text", "metadata_key": "region"}]
    secret = [{"id": "f1", "type": "password", "secret_value": "old"},
              {"id": "f2", "type": "text", "secret_value": "eu"}]
    new_meta, new_secret = merge_custom_fields(meta, secret, {"api_key": "new", "pin": "1234"})
    assert [f["metadata_key"] for f in new_meta] == ["api_key", "region", "pin"]
    assert new_secret[0] == {"id": "f1", "type": "password", "secret_value": "new"}
    assert new_secret[1]["secret_value"] == "eu"
    assert new_secret[2]["secret_value"] == "1234" and new_secret[2]["id"] == new_meta[2]["id"]


def test_pin_code_is_a_secret_value():
    """Every decrypted secret value is given to the redactor (PassboltClient.decrypt_secrets)."""
    secret = {"object_type": "PASSBOLT_SECRET_DATA", "pin_code": "4242", "description": "door"}
    assert set(_secret_values(secret)) == {"4242", "door"}
