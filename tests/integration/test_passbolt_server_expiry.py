"""Password expiry on the local Passbolt imitation, on the raw HTTP answer (issue 22, point 2; no collection code).

passbolt_api 5.x, plugins/PassboltCe/PasswordExpiry: the settings endpoints (PasswordExpirySettings{Get,Set,Delete}
Controller, PasswordExpirySettingsForm, PasswordExpirySettingsDto), the settings a fresh install turns on
(PasswordExpiryEnableOnInstanceCreationService) and the automatic expiry when a user loses access to a password they
had read (PasswordExpiryExpireResourcesService, run by ResourcesShareService; the secret accesses are the Log plugin's,
recorded by ResourcesIndexController, ResourcesViewController and SecretsViewController). A Pro server's settings
(plugins/PassboltEe/PasswordExpiryPolicies) behind the setting `password_expiry_policies_enabled`.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest
import requests

from sandbox.passbolt import seed_data as SD
from test_passbolt_server import ADA, BETTY, ada, body, client, server  # noqa: F401  pylint: disable=unused-import

pytestmark = pytest.mark.xdist_group("passbolt-server-expiry")

INVALID = "Could not validate the password expiry settings."
SETTINGS = "/password-expiry/settings.json"


@pytest.fixture(scope="module")
def betty(client):  # noqa: F811 - the imported fixture
    return client.session("betty")


@pytest.fixture()
def fresh(server):  # noqa: F811
    server.admin("POST", "settings", {"password_expiry_enabled": True, "password_expiry_policies_enabled": False})
    server.admin("POST", "reseed", {"profile": "test"})
    yield server
    server.admin("POST", "settings", {"password_expiry_enabled": True, "password_expiry_policies_enabled": False})


def url(server, path):  # noqa: F811
    return server.base_url + path


def refused(response, status, message):
    payload = body(response, status)
    assert response.json()["header"]["message"] == message
    return payload


def epoch(value):
    return datetime.fromisoformat(value).timestamp()


def expired_of(server, session, rid):  # noqa: F811
    return body(session.get(url(server, "/resources/%s.json" % rid), timeout=10))["expired"]


def permission_id(server, rid, aro_id):  # noqa: F811
    row = next(r for r in server.admin("GET", "state")["resources"] if r["id"] == rid)
    return next(p["id"] for p in row["permissions"] if p["aro_foreign_key"] == aro_id)


def remove(server, session, rid, aro_id):  # noqa: F811
    rows = [{"id": permission_id(server, rid, aro_id), "delete": True}]
    assert body(session.put(url(server, "/share/resource/%s.json" % rid), json={"permissions": rows}, timeout=10)) is None


def test_a_fresh_install_has_the_settings_on(fresh, ada, betty):  # noqa: F811
    """PasswordExpiryEnableOnInstanceCreationService: the first administrator's setup stores automatic expiry and
    update; any user reads them (the DTO's toArray: no expiry_notification); no session: the login error."""
    refused(requests.get(url(fresh, SETTINGS), timeout=10), 403, "You need to login to access this location.")
    settings = body(betty.get(url(fresh, SETTINGS), timeout=10))
    assert list(settings) == ["id", "automatic_expiry", "automatic_update", "policy_override", "default_expiry_period",
                              "created", "created_by", "modified", "modified_by"]
    assert (settings["automatic_expiry"], settings["automatic_update"], settings["policy_override"],
            settings["default_expiry_period"]) == (True, True, False, None)
    assert settings["created_by"] == settings["modified_by"] == ADA
    plugins = body(betty.get(url(fresh, "/settings.json"), timeout=10))["passbolt"]["plugins"]
    assert plugins["passwordExpiry"] == {"version": "1.0.0", "enabled": True}
    assert "passwordExpiryPolicies" not in plugins


def test_settings_writes_admins_only_and_the_form(fresh, ada, betty):  # noqa: F811
    """PasswordExpirySettingsSetController (POST and PUT) and DeleteController: administrators only, before the form;
    the CE form wants both flags true (inList), absent ones are null (sanitizeData): `_empty`."""
    refused(betty.post(url(fresh, SETTINGS), json={}, timeout=10), 403, "Access restricted to administrators.")
    refused(betty.delete(url(fresh, "/password-expiry/settings/foo.json"), timeout=10), 403,
            "Access restricted to administrators.")
    errors = refused(ada.post(url(fresh, SETTINGS), json={}, timeout=10), 400, INVALID)
    assert errors == {"automatic_expiry": {"_empty": "This field cannot be left empty"},
                      "automatic_update": {"_empty": "This field cannot be left empty"}}
    errors = refused(ada.put(url(fresh, SETTINGS), json={"automatic_expiry": False, "automatic_update": "yes"},
                             timeout=10), 400, INVALID)
    assert errors == {"automatic_expiry": {"inList": "The automatic_expiry field must be true."},
                      "automatic_update": {"boolean": "The provided value must be a boolean",
                                           "inList": "The automatic_update field must be true."}}
    before = body(ada.get(url(fresh, SETTINGS), timeout=10))
    after = body(ada.post(url(fresh, SETTINGS), json={"automatic_expiry": 1, "automatic_update": "1",
                                                      "default_expiry_period": 30}, timeout=10))
    # createOrUpdateSetting keeps the row; the CE form drops default_expiry_period
    assert after["id"] == before["id"] and after["created"] == before["created"]
    assert after["default_expiry_period"] is None and after["automatic_update"] is True

    refused(ada.delete(url(fresh, "/password-expiry/settings/foo.json"), timeout=10), 400,
            "The identifier should be a valid UUID.")
    refused(ada.delete(url(fresh, "/password-expiry/settings/%s.json" % BETTY), timeout=10), 404,
            "The password expiry setting does not exist.")
    assert body(ada.delete(url(fresh, "/password-expiry/settings/%s.json" % before["id"]), timeout=10)) is None
    assert body(betty.get(url(fresh, SETTINGS), timeout=10)) == {"automatic_expiry": False, "automatic_update": False}
    again = body(ada.post(url(fresh, SETTINGS), json={"automatic_expiry": True, "automatic_update": True}, timeout=10))
    assert again["id"] != before["id"]


def test_losing_access_expires_what_the_user_read(fresh, ada, betty):  # noqa: F811
    """ResourcesShareService -> PasswordExpiryExpireResourcesService::expireResourcesForSecrets: a resource whose
    secret the removed user had read (an index with contain[secret], a view, or /secrets/resource) gets `expired` =
    now - 2 s; one they never read does not; an already expired one keeps its date."""
    read_by_index = SD.resource("v5-shared")["id"]   # betty: update
    read_by_secret = SD.resource("ext-v5-shared")["id"]  # betty: update
    never_read = SD.resource("ext-v4")["id"]  # betty: read
    listed = body(betty.get(url(fresh, "/resources.json?contain[secret]=1&filter[has-id][]=%s" % read_by_index),
                            timeout=10))
    assert [r["id"] for r in listed] == [read_by_index] and listed[0]["secrets"]
    assert body(betty.get(url(fresh, "/secrets/resource/%s.json" % read_by_secret), timeout=10))["user_id"] == BETTY
    assert body(betty.get(url(fresh, "/resources.json?filter[has-id][]=%s" % never_read), timeout=10))  # no secret
    assert {expired_of(fresh, ada, rid) for rid in (read_by_index, read_by_secret, never_read)} == {None}

    start = time.time()
    for rid in (read_by_index, read_by_secret, never_read):
        remove(fresh, ada, rid, BETTY)
    for rid in (read_by_index, read_by_secret):
        expired = expired_of(fresh, ada, rid)
        assert expired.endswith("+00:00") and start - 3.5 <= epoch(expired) <= time.time() - 1, expired
    assert expired_of(fresh, ada, never_read) is None


def test_a_group_member_who_read_it_and_the_dates_kept(fresh, ada, betty):  # noqa: F811
    """The group's removal deletes its members' secrets: Betty read db-primary (shared with Ops): expired. A resource
    already expired (a date in the past, set by PUT) keeps its date (findNotExpired); one expiring later is expired
    now."""
    rid = SD.resource("v4-desc")["id"]
    body(betty.get(url(fresh, "/resources/%s.json?contain[secret]=1" % rid), timeout=10))
    remove(fresh, ada, rid, SD.GROUP_IDS["Ops"])
    assert epoch(expired_of(fresh, ada, rid)) <= time.time() - 1

    past, later = SD.resource("ext-v5-shared")["id"], SD.resource("v5-shared")["id"]
    for rid, date in ((past, "2020-01-02T03:04:05.678Z"), (later, "2099-01-01T00:00:00+00:00")):
        current = body(ada.get(url(fresh, "/resources/%s.json" % rid), timeout=10))
        payload = {k: current[k] for k in ("resource_type_id", "metadata", "metadata_key_id", "metadata_key_type")}
        assert body(ada.put(url(fresh, "/resources/%s.json" % rid), json=dict(payload, expired=date),
                            timeout=10))["expired"] == ("2020-01-02T03:04:05+00:00" if rid == past else date)
        body(betty.get(url(fresh, "/secrets/resource/%s.json" % rid), timeout=10))
        remove(fresh, ada, rid, BETTY)
    assert expired_of(fresh, ada, past) == "2020-01-02T03:04:05+00:00"
    assert epoch(expired_of(fresh, ada, later)) <= time.time() - 1


def test_no_automatic_expiry_without_the_settings_or_the_plugin(fresh, ada, betty):  # noqa: F811
    """Deleted settings (the feature off: ResourcesExpireResourcesFallbackService's answer) or the plugin off
    (PASSBOLT_PLUGINS_PASSWORD_EXPIRY_ENABLED=false: no route, 404 "Not Found"): nothing expires."""
    settings = body(ada.get(url(fresh, SETTINGS), timeout=10))
    body(ada.delete(url(fresh, "/password-expiry/settings/%s.json" % settings["id"]), timeout=10))
    rid = SD.resource("v5-shared")["id"]
    body(betty.get(url(fresh, "/secrets/resource/%s.json" % rid), timeout=10))
    remove(fresh, ada, rid, BETTY)
    assert expired_of(fresh, ada, rid) is None

    fresh.admin("POST", "settings", {"password_expiry_enabled": False})
    fresh.admin("POST", "reseed", {"profile": "test"})
    refused(ada.get(url(fresh, SETTINGS), timeout=10), 404, "Not Found")
    assert body(ada.get(url(fresh, "/settings.json"), timeout=10))["passbolt"]["plugins"]["passwordExpiry"] == \
        {"enabled": False}
    body(betty.get(url(fresh, "/secrets/resource/%s.json" % rid), timeout=10))
    remove(fresh, ada, rid, BETTY)
    assert expired_of(fresh, ada, rid) is None


def test_a_pro_server_has_a_default_expiry_period(fresh, ada, betty):  # noqa: F811
    """plugins/PassboltEe/PasswordExpiryPolicies: PasswordExpiryPoliciesSettingsForm (no inList, policy_override
    required, default_expiry_period a natural number or empty, numbers given as strings made integers) and its DTO
    (the defaults of a disabled feature carry policy_override and default_expiry_period)."""
    fresh.admin("POST", "settings", {"password_expiry_policies_enabled": True})
    site = body(betty.get(url(fresh, "/settings.json"), timeout=10))["passbolt"]
    assert site["edition"] == "pro" and site["plugins"]["passwordExpiryPolicies"] == {"version": "1.0.0",
                                                                                      "enabled": True}
    settings = body(ada.get(url(fresh, SETTINGS), timeout=10))
    assert (settings["policy_override"], settings["default_expiry_period"]) == (False, None)  # the install's row
    errors = refused(ada.post(url(fresh, SETTINGS), json={"automatic_expiry": False, "automatic_update": True,
                                                          "default_expiry_period": "ninety"}, timeout=10), 400, INVALID)
    assert errors == {"policy_override": {"_empty": "This field cannot be left empty"},
                      "default_expiry_period": {"naturalNumber": "The provided value must be a natural number"}}
    saved = body(ada.post(url(fresh, SETTINGS), json={"automatic_expiry": False, "automatic_update": True,
                                                      "policy_override": False, "default_expiry_period": "90"},
                          timeout=10))
    assert (saved["automatic_expiry"], saved["automatic_update"], saved["default_expiry_period"]) == (False, True, 90)
    assert body(betty.get(url(fresh, SETTINGS), timeout=10))["default_expiry_period"] == 90
    body(ada.delete(url(fresh, "/password-expiry/settings/%s.json" % saved["id"]), timeout=10))
    assert body(betty.get(url(fresh, SETTINGS), timeout=10)) == {
        "automatic_expiry": False, "automatic_update": False, "policy_override": False, "default_expiry_period": None}
