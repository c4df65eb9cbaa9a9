"""Pure helpers of the Passbolt write layer: permissions planning, type choice, secret composition."""

from __future__ import annotations

import json

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import (
    RESOURCE_TYPE_IDS,
    ResourceView,
    _secret_values,
)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_write import (
    check_writable_type,
    checked_totp,
    choose_type,
    merge_custom_fields,
    plan_permissions,
    same_totp,
    secret_text,
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


@pytest.mark.parametrize("version, password, totp, fields, slug", [
    ("v4", True, False, False, "password-and-description"),
    ("v4", True, True, False, "password-description-totp"),
    ("v4", False, True, False, "totp"),
    ("v5", True, False, False, "v5-default"),
    ("v5", True, True, False, "v5-default-with-totp"),
    ("v5", False, True, False, "v5-totp-standalone"),
    ("v5", False, False, True, "v5-custom-fields"),
    ("v5", True, False, True, "v5-default"),
])
def test_choose_type(version, password, totp, fields, slug):
    assert choose_type(version, password, totp, fields) == slug


def test_custom_fields_need_v5():
    with pytest.raises(ConfigError, match="v5"):
        choose_type("v4", True, False, True)


def test_secret_text_per_type():
    assert secret_text("password-string", {"password": "p"}) == "p"
    expected = {"password": "p", "description": ""}
    assert json.loads(secret_text("password-and-description", {"password": "p"})) == expected
    data = json.loads(secret_text("v5-default-with-totp", {"password": "p", "totp": {"secret_key": "A"},
                                                           "ignored": 1}))
    assert data == {"object_type": "PASSBOLT_SECRET_DATA", "password": "p", "totp": {"secret_key": "A"}}


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


# The v5-pin-code type of passbolt_api 5.12 (ResourceType::SLUG_V5_PIN_CODE, V5120AddStandalonePinCodeResourceType):
# its secret is {"object_type", "pin_code", "description"}, which the writers do not compose.
PIN_CODE_ID = RESOURCE_TYPE_IDS["v5-pin-code"]


def test_pin_code_and_unknown_types_are_not_rewritten():
    pin = ResourceView({"id": "r-pin", "resource_type_id": PIN_CODE_ID, "metadata": "-----BEGIN PGP MESSAGE-----"})
    assert pin.type_slug == "v5-pin-code" and pin.version == "v5"
    with pytest.raises(ConfigError, match=r"resource r-pin is of type v5-pin-code, which passbolt_resource cannot "
                                          r"change .* only state=absent works on it"):
        check_writable_type(pin)
    later = ResourceView({"id": "r-new", "resource_type_id": "44444444-4444-4444-4444-444444444444", "name": "n"})
    with pytest.raises(ConfigError, match="unknown to this collection .resource type id 44444444-"):
        check_writable_type(later)
    known = ResourceView({"id": "r-v5", "resource_type_id": RESOURCE_TYPE_IDS["v5-default"], "metadata": "x"})
    assert check_writable_type(known) is known


def test_pin_code_is_a_secret_value():
    """Every decrypted secret value is given to the redactor (PassboltClient.decrypt_secrets)."""
    secret = {"object_type": "PASSBOLT_SECRET_DATA", "pin_code": "4242", "description": "door"}
    assert set(_secret_values(secret)) == {"4242", "door"}
