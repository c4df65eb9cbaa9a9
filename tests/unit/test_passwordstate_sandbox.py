"""The Passwordstate imitation answers like the documented API (no network: dispatch in process)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from sandbox.common.httpserver import Request
from sandbox.passwordstate import seed_data as S
from sandbox.passwordstate.app import create_app


def app():
    server = create_app({})
    server.seed("demo")
    return server


def call(server, method, path, headers=None, body=b""):
    response = server.dispatch(Request(method, path, headers or {}, body, ("127.0.0.1", 1)))
    return response.status, (json.loads(response.body) if response.body else None)


def test_query_all_vs_password_id_and_drift():
    server = app()
    key = {"APIKey": S.list_api_key(S.PLAIN_LIST_ID)}
    status, body = call(server, "GET", "/api/passwords/11?QueryAll", key)
    assert status == 200 and len(body) == 5 and body[0]["PasswordListID"] == "11"
    status, body = call(server, "GET", "/api/passwords/11", key)
    assert status == 404  # without QueryAll the id is a PasswordID
    status, body = call(server, "GET", "/api/passwords?QueryAll", {"APIKey": S.SYSTEM_API_KEY})
    assert status == 200 and body[0]["PasswordListID"] == "11" and body[0]["PasswordList"] == "Web Sites"


def test_apikey_query_parameter_and_form_body_accepted():
    server = app()
    status, body = call(server, "GET", "/api/passwords/5001?apikey=" + S.list_api_key(S.PLAIN_LIST_ID))
    assert status == 200 and body[0]["Password"] == "Web-Alice-Pass-1"
    form = urlencode({"PasswordListID": 11, "Title": "form", "Username": "u", "password": "Form-Pass-1",
                      "apikey": S.list_api_key(S.PLAIN_LIST_ID)}).encode()
    status, body = call(server, "POST", "/api/passwords",
                        {"Content-Type": "application/x-www-form-urlencoded"}, form)
    assert status == 201 and isinstance(body, list) and body[0]["UserName"] == "u"


def test_errors_keys_and_reason():
    server = app()
    status, body = call(server, "GET", "/api/passwords/5001", {"APIKey": S.list_api_key(S.STRICT_LIST_ID)})
    assert status == 401 and body[0]["errors"][0] == {"message": "No Authorization"}
    status, dummy = call(server, "GET", "/api/generatepassword", {"APIKey": S.SYSTEM_API_KEY})
    assert status == 401
    status, dummy = call(server, "GET", "/api/passwords/7001", {"APIKey": S.SYSTEM_API_KEY})
    assert status == 401
    status, dummy = call(server, "GET", "/api/passwords/7001", {"APIKey": S.SYSTEM_API_KEY, "Reason": "x"})
    assert status == 200
    status, body = call(server, "GET", "/api/searchpasswords/11?Title=zzz", {"APIKey": S.SYSTEM_API_KEY})
    assert status == 404 and "No Passwords found" in body[0]["errors"][1]["phrase"]


def test_search_and_or_and_dates():
    server = app()
    key = {"APIKey": S.SYSTEM_API_KEY}
    dummy, body = call(server, "GET", "/api/searchpasswords/11?Title=web", key)
    assert [r["PasswordID"] for r in body] == [5001, 5002]
    dummy, body = call(server, "GET", "/api/searchpasswords/11?Title=web&UserName=admin&AndOr=AND", key)
    assert [r["PasswordID"] for r in body] == [5002]
    dummy, body = call(server, "GET", "/api/searchpasswords/11?ExpiryDateRange=ExpiryDate>2030-01-01", key)
    assert [r["PasswordID"] for r in body] == [5003] and body[0]["ExpiryDate"] == "31/12/2030"
    dummy, body = call(server, "GET", "/api/searchpasswords/11?ExpiryDate=2029-02-01", key)
    assert [r["PasswordID"] for r in body] == [5001]


def test_move_and_copy():
    server = app()
    system = {"APIKey": S.SYSTEM_API_KEY, "Content-Type": "application/json"}
    body = json.dumps({"PasswordID": 5004, "DestinationPasswordListID": S.STRICT_LIST_ID}).encode()
    status, answer = call(server, "POST", "/api/passwords/copy", system, body)
    assert status == 201 and answer[0]["Title"] == "shared" and answer[0]["PasswordID"] != 5004
    status, answer = call(server, "PUT", "/api/passwords/move", system, body)
    assert status == 200 and answer[0]["PasswordID"] == 5004
    status, answer = call(server, "GET", "/api/passwords/%d?QueryAll" % S.STRICT_LIST_ID, {"APIKey": S.SYSTEM_API_KEY})
    assert sorted(r["Title"] for r in answer).count("shared") == 2
    # the plain list's own key cannot move a record into a list it does not hold
    own = {"APIKey": S.list_api_key(S.PLAIN_LIST_ID), "Content-Type": "application/json"}
    body = json.dumps({"PasswordID": 5005, "DestinationPasswordListID": S.STRICT_LIST_ID}).encode()
    assert call(server, "PUT", "/api/passwords/move", own, body)[0] == 401
    assert call(server, "PUT", "/api/passwords/move", own, b'{"PasswordID": "x"}')[0] == 400


# -- issue 15: the imitation sends the recorded shapes (tests/sandbox/passwordstate/README.md names the sources) --

def test_issue15_record_and_list_shapes_match_the_recordings():
    server = app()
    key = {"APIKey": S.SYSTEM_API_KEY}
    dummy, body = call(server, "GET", "/api/passwords/5001", key)
    record = body[0]
    for name in ("Domain", "HostName", "AccountType", "PasswordList", "AccountTypeID", "OTP", "OTPUri"):
        assert name in record, name
    assert record["PasswordListID"] == "11" and record["PasswordList"] == "Web Sites"
    for entry in record["GenericFieldInfo"]:
        assert set(entry) == {"DisplayName", "GenericFieldID", "Value"}, entry
    dummy, body = call(server, "GET", "/api/passwords?QueryAll", key)
    assert {type(r["PasswordListID"]) for r in body} == {str} and "TreePath" not in body[0]
    dummy, body = call(server, "GET", "/api/searchpasswords?Title=web", key)
    assert {r["PasswordListID"] for r in body} == {"11", "12"}
    dummy, body = call(server, "GET", "/api/passwordlists/11", key)
    assert "PasswordResetOptions" not in body[0] and body[0]["HidePasswords"] in (False, "False:True:False")
    assert body[0]["SiteID"] == 0 and body[0]["SiteLocation"] == "Internal"


def test_issue15_specific_search_fields_and_and_or():
    server = app()
    key = {"APIKey": S.SYSTEM_API_KEY}
    status, body = call(server, "GET", "/api/searchpasswords/11?HostName=intranet01", key)
    assert status == 200 and [r["PasswordID"] for r in body] == [5001]
    status, body = call(server, "GET", "/api/searchpasswords/11?Title=web&HostName=nothere&AndOr=AND", key)
    assert status == 404
    status, body = call(server, "GET", "/api/searchpasswords/11?ADDomainNetBIOS=CORP", key)
    assert status == 200 and [r["PasswordID"] for r in body] == [5001, 5002]
    status, body = call(server, "GET", "/api/searchpasswords?AccountType=Web%20Site&Title=web&AndOr=AND", key)
    assert status == 200 and [r["PasswordID"] for r in body] == [5001]
    status, body = call(server, "GET", "/api/searchpasswords?SiteID=0&Title=db-primary&AndOr=AND", key)
    assert status == 200 and [r["PasswordID"] for r in body] == [6001]
    status, body = call(server, "GET", "/api/searchpasswords?SiteID=7&Title=db-primary&AndOr=AND", key)
    assert status == 404


def test_issue15_dates_follow_the_default_locale_both_ways():
    server = app()
    key = {"APIKey": S.SYSTEM_API_KEY, "Content-Type": "application/json"}
    body = {"PasswordListID": 11, "Title": "dated", "Password": "Dated-Pass-1", "ExpiryDate": "2029-02-01"}
    status, answer = call(server, "POST", "/api/passwords", key, json.dumps(body).encode())
    assert status == 400 and "ExpiryDate" in answer[0]["errors"][1]["phrase"]
    assert set(answer[0]["errors"][0]) == {"message"}
    body["ExpiryDate"] = "1/2/2029"
    status, answer = call(server, "POST", "/api/passwords", key, json.dumps(body).encode())
    assert status == 201 and answer[0]["ExpiryDate"] == "1/2/2029"
    server.settings["date_format"] = "%-m/%-d/%Y"
    dummy, answer = call(server, "GET", "/api/passwords/%d" % answer[0]["PasswordID"], key)
    assert answer[0]["ExpiryDate"] == "2/1/2029"   # unpadded, like PasswordState-Management issue #163


def test_issue15_exclude_password_prevent_auditing_and_error_key():
    server = app()
    key = {"APIKey": S.SYSTEM_API_KEY}
    dummy, body = call(server, "GET", "/api/passwords/11?QueryAll&ExcludePassword=true", key)
    assert all("Password" not in r for r in body)
    assert server.audits == []
    call(server, "GET", "/api/searchpasswords/11?Title=web&PreventAuditing=true", key)
    assert server.audits == []
    call(server, "GET", "/api/searchpasswords/11?Title=web", key)
    assert [pid for pid, dummy in server.audits] == [5001, 5002]
    server.settings["error_key"] = "error"
    status, body = call(server, "GET", "/api/passwords/5001", {"APIKey": "wrong"})
    assert status == 401 and "errors" not in body[0] and "Invalid API Key" in json.dumps(body)


def _recorded(*names):
    import os  # pylint: disable=import-outside-toplevel
    keys = set()
    for name in names:
        path = os.path.join(os.path.dirname(__file__), "fixtures", "passwordstate", name)
        with open(path, encoding="utf-8") as handle:
            for item in json.load(handle):
                keys.update(item)
    return keys


def test_issue15_every_field_the_imitation_sends_was_seen_in_a_recording():
    server = app()
    key = {"APIKey": S.SYSTEM_API_KEY}
    record_keys = _recorded("record_ruby_get_password.json", "record_psm_issue159_v95.json",
                            "search_psm_hostname.json")
    list_keys = _recorded("list_ruby_get_password_list.json", "list_psm_list_response.json")
    for path in ("/api/passwords/5001", "/api/passwords/11?QueryAll", "/api/searchpasswords?Title=web"):
        dummy, body = call(server, "GET", path, key)
        for record in body:
            assert set(record) - record_keys == set(), (path, set(record) - record_keys)
    dummy, body = call(server, "GET", "/api/passwordlists", key)
    for lst in body:
        assert set(lst) - list_keys == set(), set(lst) - list_keys


# -- issue 26: history entries and Password Lists in the recorded field sets and order --

def _recorded_keys(name):
    import os  # pylint: disable=import-outside-toplevel
    path = os.path.join(os.path.dirname(__file__), "fixtures", "passwordstate", name)
    with open(path, encoding="utf-8") as handle:
        return [list(entry) for entry in json.load(handle)]


def test_issue26_history_entries_have_the_recorded_fields_in_their_order():
    server = app()
    key = {"APIKey": S.SYSTEM_API_KEY, "Content-Type": "application/json"}
    call(server, "PUT", "/api/passwords", key, json.dumps({"PasswordID": 5001, "Notes": "history"}).encode())
    call(server, "PUT", "/api/passwords", key, json.dumps({"PasswordID": 5001, "Notes": "again"}).encode())
    status, body = call(server, "GET", "/api/passwordhistory/5001", key)
    assert status == 200 and len(body) == 2
    recorded = _recorded_keys("history_psm_password_history.json")
    assert [list(entry) for entry in body] == recorded
    assert body[0]["Notes"] == "history" and body[1]["Notes"] == "rotated yearly"  # newest first
    assert body[0]["AccountType"] == "Web Site" and isinstance(body[0]["AccountTypeID"], int)


def test_issue26_password_lists_have_the_fields_of_the_newer_recording_in_their_order():
    server = app()
    key = {"APIKey": S.SYSTEM_API_KEY}
    (recorded,) = _recorded_keys("list_ruby_get_password_list.json")
    for path in ("/api/passwordlists/11", "/api/passwordlists", "/api/searchpasswordlists?PasswordList=web"):
        status, body = call(server, "GET", path, key)
        assert status == 200 and body, path
        for lst in body:
            assert list(lst) == recorded, path
    dummy, body = call(server, "GET", "/api/passwordlists/11", key)
    assert body[0]["OneTimePasswords"] is True  # list 11 holds a record with a one-time password
