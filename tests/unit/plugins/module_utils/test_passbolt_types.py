"""Resource types from their definitions (the 11 a passbolt_api 5.12 install stores: the imitation's rows, taken from
SlugDefinition.php and the migrations), the JSON Schema checks, and the password expiry helpers."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ApiError, ConfigError
from ansible_collections.pwman.secrets.plugins.module_utils._json_schema import problem
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_expiry import (
    ExpirySettings,
    api_date,
    is_expired,
    parse_duration,
    parse_expiry_option,
    plan_expiry,
    same_date,
)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_types import ResourceTypes
from sandbox.passbolt import seed_data as SD
from sandbox.passbolt.resource_types import resource_type_definition

TYPES = ResourceTypes([{"id": SD.resource_type_id(slug), "slug": slug, "definition": resource_type_definition(slug)}
                       for slug in SD.RESOURCE_TYPE_SLUGS])


@pytest.mark.parametrize("version, fields, slug", [
    # getResourceTypeMatchingResource: the fields must all fit; nothing unset wins, else the fewest unset
    ("v4", {"password"}, "password-and-description"),
    ("v4", {"password", "totp"}, "password-description-totp"),
    ("v4", {"totp"}, "totp"),
    ("v5", {"password"}, "v5-default"),
    ("v5", {"password", "description", "custom_fields"}, "v5-default"),
    ("v5", {"password", "totp"}, "v5-default-with-totp"),
    ("v5", {"totp"}, "v5-totp-standalone"),
    ("v5", {"custom_fields"}, "v5-custom-fields"),
    ("v5", {"description"}, "v5-note"),
    ("v5", {"pin_code"}, "v5-pin-code"),
    ("v5", {"pin_code", "description"}, "v5-pin-code"),
])
def test_the_type_the_extension_chooses(version, fields, slug):
    assert TYPES.best_match(version, fields).slug == slug


def test_no_type_holds_some_fields():
    assert TYPES.best_match("v5", {"pin_code", "password"}) is None
    assert TYPES.best_match("v4", {"custom_fields"}) is None


def test_documents_follow_the_schema():
    assert TYPES.get("password-string").secret_text({"password": "p", "totp": {}}) == "p"
    assert json.loads(TYPES.get("password-and-description").secret_text({"password": "p", "pin_code": "1"})) == \
        {"password": "p"}
    assert json.loads(TYPES.get("v5-pin-code").secret_text({"pin_code": "1234", "password": "x"})) == \
        {"object_type": "PASSBOLT_SECRET_DATA", "pin_code": "1234"}
    meta = TYPES.get("v5-pin-code").metadata_document({"icon": {"type": "passbolt-icon-set", "value": 3},
                                                       "username": ""},
                                                      {"name": "door", "uris": ["x"]}, prune=True)
    assert meta == {"icon": {"type": "passbolt-icon-set", "value": 3}, "object_type": "PASSBOLT_RESOURCE_METADATA",
                    "resource_type_id": SD.resource_type_id("v5-pin-code"), "name": "door"}


@pytest.mark.parametrize("slug, secret_only", [("password-and-description", True), ("password-description-totp", True),
                                               ("v5-note", True), ("v5-default", False), ("v5-pin-code", False),
                                               ("password-string", False), ("totp", False)])
def test_where_the_description_goes(slug, secret_only):
    assert TYPES.get(slug).description_in_secret() is secret_only


@pytest.mark.parametrize("slug, secret, message", [
    ("v5-pin-code", {"pin_code": "12a4"}, r"v5-pin-code, secret: pin_code must match the pattern \^\\d\+\$"),
    ("v5-pin-code", {"pin_code": "123"}, "pin_code must be at least 4 characters long"),
    ("v5-pin-code", {"pin_code": "\u0661\u0662\u0663\u0664"}, "pin_code must match"),  # Arabic-Indic digits: not \d
    ("v5-pin-code", {"description": "x"}, "pin_code is required"),
    ("v5-default-with-totp", {"password": "Pw-Zq9", "totp": {"secret_key": "A", "digits": 9, "algorithm": "SHA1"}},
     r"totp.digits must be less than 9 \(exclusiveMaximum\)"),
    ("v5-default", {"password": "Zq" * 2049}, "password must be at most 4096 characters long"),
    ("password-string", {"password": "Zq" * 2049}, "password must be at most 4096"),
])
def test_secrets_are_checked_without_showing_them(slug, secret, message):
    rtype = TYPES.get(slug)
    with pytest.raises(ConfigError, match=message) as caught:
        rtype.check_secret(rtype.secret_document(secret), set(secret))
    for value in secret.values():
        assert not isinstance(value, str) or value not in str(caught.value)


def test_metadata_is_checked():
    rtype = TYPES.get("v5-default")
    with pytest.raises(ConfigError, match="name must be at most 255 characters"):
        rtype.check_metadata({"name": "n" * 256}, {"name"})
    with pytest.raises(ConfigError, match=r"uris must have at most 32 items \(maxItems\)"):
        rtype.check_metadata({"name": "n", "uris": ["u"] * 33}, {"uris"})
    with pytest.raises(ConfigError, match=r"custom_fields\[0\].type must be one of text, password"):
        rtype.check_metadata({"name": "n", "custom_fields": [{"id": SD.user_id("ada"), "type": "pin"}]},
                             {"custom_fields"})
    with pytest.raises(ConfigError, match="name is required"):
        TYPES.get("password-string").check_metadata({"name": None}, set())
    rtype.check_metadata({"name": "n", "icon": None}, {"name"})  # another client's value: not this task's to judge


def test_any_of_names_the_branch_of_the_value_type():
    schema = {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]}
    assert problem(schema, "abcd", "username") == "username must be at most 3 characters long (maxLength)"
    assert problem(schema, 4, "username") == "username must be a string or null (anyOf)"
    assert problem(schema, None, "username") is None


def test_expiry_option_and_dates():
    assert parse_expiry_option("NOW") == "now" and parse_expiry_option(None) == "auto"
    assert parse_expiry_option("2026-09-30") == datetime(2026, 9, 30, tzinfo=timezone.utc)
    with pytest.raises(ConfigError, match="Option 'expiry' must be auto, keep, never, now or an ISO 8601 date"):
        parse_expiry_option("tomorrow")
    moment = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    assert api_date(moment) == "2026-01-02T03:04:05.678Z"  # luxon's toISO() in UTC, as the extension sends it
    assert same_date("2026-01-02T03:04:05+00:00", "2026-01-02T03:04:05.678Z") and same_date(None, None)
    assert not same_date(None, "2026-01-02T03:04:05+00:00")
    assert is_expired("2026-01-02T03:04:05+00:00", moment) and not is_expired("2026-01-02T03:04:06+00:00", moment)
    assert parse_duration("2w", "x") == 14 * 86400 and parse_duration(3, "x") == 3 * 86400
    with pytest.raises(ConfigError, match="Option 'expires_within' must be a duration"):
        parse_duration("soon", "expires_within")


def test_explicit_expiry_words_need_no_settings():
    now = datetime(2026, 1, 2, tzinfo=timezone.utc)
    assert plan_expiry("keep", "2020-01-01T00:00:00+00:00", None, True, False, now)[:2] == \
        (False, "2020-01-01T00:00:00+00:00")
    assert plan_expiry("never", None, None, False, False, now)[0] is False
    assert plan_expiry("never", "2020-01-01T00:00:00+00:00", None, False, False, now)[:2] == (True, None)
    assert plan_expiry("now", "2020-01-01T00:00:00+00:00", None, False, False, now)[0] is False  # already expired
    assert plan_expiry("now", None, None, False, False, now)[:2] == (True, "2026-01-02T00:00:00.000Z")
    date = parse_expiry_option("2026-03-01T10:00:00Z")
    assert plan_expiry(date, "2026-03-01T10:00:00+00:00", None, False, False, now)[0] is False
    assert plan_expiry("auto", None, None, False, False, now)[0] is False  # no password change: not asked


def hostile(slug, definition):
    return ResourceTypes([{"id": SD.resource_type_id("v5-default"), "slug": "v5-default",
                           "definition": resource_type_definition("v5-default")},
                          {"id": "44444444-4444-4444-4444-444444444444", "slug": slug, "definition": definition}])


def test_a_server_cannot_steer_a_description_into_cleartext():
    """A definition the server changed or added: the description of the server's own types stays where the
    extension keeps it, and a type the collection does not know is never chosen for a task that does not name it."""
    changed = resource_type_definition("password-and-description")
    changed["resource"]["properties"]["description"] = {"type": "string"}
    assert hostile("password-and-description", changed).get("password-and-description").description_in_secret()
    lure = {"resource": {"type": "object", "properties": {"name": {"type": "string"}, "description": {}}},
            "secret": {"type": "object", "properties": {"object_type": {"enum": ["PASSBOLT_SECRET_DATA"]},
                                                        "password": {"type": "string"}}}}
    types = hostile("v5-lure", lure)
    assert types.best_match("v5", {"password"}).slug == "v5-default"  # v5-lure would leave nothing unset
    later = dict(lure, secret={"type": "object", "properties": {"password": {}, "description": {}}})
    assert hostile("v4-later", later).get("v4-later").description_in_secret()  # v4 metadata is cleartext


def test_a_default_expiry_period_that_is_no_date_fails_clearly():
    class Api:  # the server's answer, nothing else
        @staticmethod
        def password_expiry_settings():
            return {"id": "x", "automatic_update": True, "default_expiry_period": 10 ** 12}

    with pytest.raises(ApiError, match="default_expiry_period is not a number of days"):
        ExpirySettings(Api()).after_password_change(datetime.now(timezone.utc))
