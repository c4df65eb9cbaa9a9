"""Passwordstate client: tolerant parsing of recorded answers, error shapes, keys, dates."""

from __future__ import annotations

import datetime
import json
import os

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._errors import (
    Ambiguous,
    ApiError,
    ConfigError,
    NotFound,
)
from ansible_collections.pwman.secrets.plugins.module_utils._http import HttpClient, HttpResponse
from ansible_collections.pwman.secrets.plugins.module_utils._error_shapes import passwordstate_error_message
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter
from ansible_collections.pwman.secrets.plugins.module_utils._passwordstate_client import (
    PasswordstateClient,
    checked_iso_date,
    normalize_record,
    parse_generic_field_info,
    parse_server_date,
    public_record,
)

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "passwordstate")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


class FakeHttp(HttpClient):
    """The real HttpClient (status checks, error_for, redaction) with canned answers and recorded requests."""

    def __init__(self, answers):
        super().__init__("Passwordstate", "https://ps.example.com", retries=0,
                         error_parser=passwordstate_error_message, sleep=lambda _s: None)
        self.answers = list(answers)
        self.sent = []

    def _send(self, method, path, params, json_body, data, headers, allow_redirects):
        self.sent.append({"method": method, "path": path, "params": params, "json": json_body, "headers": headers})
        status, body, extra = self.answers.pop(0)
        head = {"Content-Type": "application/json; charset=utf-8"}
        head.update(extra or {})
        return HttpResponse("Passwordstate", method, path, status, head, body.encode("utf-8"), self.redact)


def client(answers, **options):
    opts = {"api_key": "system-key-123", "list_api_keys": None, "generator_api_key": None, "reason": None,
            "date_format": "DD/MM/YYYY", "auth": "apikey"}
    opts.update(options)
    http = FakeHttp([(a[0], a[1], a[2] if len(a) > 2 else None) for a in answers])
    return PasswordstateClient(OptionAdapter.from_dict(opts), http=http), http


def test_doc_shape_record_without_list_id_and_with_username_spelling():
    record = normalize_record(json.loads(fixture("password_doc_shape.json"))[0])
    assert record["PasswordID"] == 46411
    assert record["UserName"] == "login2"
    assert record["PasswordListID"] is None
    assert record["_generic_info"] == {}
    assert parse_server_date(record["ExpiryDate"]) == datetime.date(2012, 8, 23)


def test_type_drift_and_unknown_fields_ignored():
    record = normalize_record(json.loads(fixture("password_newer_fields.json"))[0])
    assert record["PasswordID"] == 5001 and record["PasswordListID"] == 11
    assert record["AccountTypeID"] == 0 and record["AllowExport"] is False
    assert record["Notes"] == ""
    assert "OTPUri" not in record and "WebUser_ID" not in record and "GenericFieldInfo" not in record
    assert record["_generic_info"][3] == {"name": "Recovery Code", "type": ""}
    shown = public_record(record, with_secrets=False)
    assert "Password" not in shown and "GenericField3" not in shown
    assert shown["GenericFields"] == {}
    assert public_record(record)["GenericFields"] == {"Tenant": "EU", "Port": "443", "Recovery Code": "Recovery-7731-Alpha"}
    assert shown["expiry_date"] == "2029-02-01"
    assert public_record(record, "MM/DD/YYYY")["expiry_date"] == "2029-01-02"
    assert normalize_record(dict(json.loads(fixture("password_newer_fields.json"))[0], AllowExport="True"))[
        "AllowExport"] is True


def test_generic_field_info_as_dict_or_list_or_garbage():
    assert parse_generic_field_info({}) == {}
    assert parse_generic_field_info([]) == {}
    assert parse_generic_field_info(None) == {}
    assert parse_generic_field_info({"GenericField2": {"DisplayName": "Host"}}) == {2: {"name": "Host", "type": ""}}
    assert parse_generic_field_info([{"GenericFieldID": 4, "DisplayName": "Port"}, "x", {"GenericFieldID": "bad"}]) == \
        {4: {"name": "Port", "type": ""}}


def test_dates():
    assert parse_server_date("15/01/2013") == datetime.date(2013, 1, 15)
    assert parse_server_date("1/2/2029", "MM/DD/YYYY") == datetime.date(2029, 1, 2)
    assert parse_server_date("2051-05-12") == datetime.date(2051, 5, 12)
    assert parse_server_date("2051-05-12T00:00:00") == datetime.date(2051, 5, 12)
    assert parse_server_date("15/01/2013 12:29:07 PM") == datetime.date(2013, 1, 15)
    assert parse_server_date("") is None and parse_server_date("soon") is None
    assert checked_iso_date("2027-06-30") == "2027-06-30" and checked_iso_date("") == ""
    with pytest.raises(ConfigError):
        checked_iso_date("30/06/2027")


def test_get_password_sends_key_in_header_only_and_reason():
    ps, http = client([(200, fixture("password_newer_fields.json"))], reason="CHG-1")
    record = ps.get_password("5001")
    assert record["Password"] == "Web-Alice-Pass-1"
    sent = http.sent[0]
    assert sent["path"] == "/api/passwords/5001"
    assert sent["headers"] == {"APIKey": "system-key-123", "Reason": "CHG-1"}
    assert not sent["params"]
    # secrets read are redacted from later messages
    assert "Web-Alice-Pass-1" not in http.redact("oops Web-Alice-Pass-1")


def test_per_list_keys_with_fallback():
    ps, http = client([(200, "[]"), (200, "[]")], api_key="system-key-123", list_api_keys={"12": "list-12-key"})
    ps.search(12, Title="x")
    ps.search(11, Title="x")
    assert http.sent[0]["headers"]["APIKey"] == "list-12-key"
    assert http.sent[1]["headers"]["APIKey"] == "system-key-123"
    ps2, dummy = client([], api_key=None, list_api_keys={"12": "list-12-key"})
    with pytest.raises(ConfigError, match="list_api_keys"):
        ps2.key_for_list(11)
    with pytest.raises(ConfigError, match="system-wide"):
        ps2.system_key()


def test_exact_title_rechecked_and_ambiguity():
    ps, http = client([(200, fixture("search_all_lists.json"))] * 2)
    with pytest.raises(Ambiguous, match="5001, 6002"):
        ps.find_one(None, title="WEB")
    assert http.sent[0]["path"] == "/api/searchpasswords" and http.sent[0]["params"] == {"Title": "WEB"}
    found = ps.find_passwords(None, title="web", username="dbweb")
    assert [r["PasswordID"] for r in found] == [6002]
    assert http.sent[1]["params"] == {"Title": "web", "UserName": "dbweb", "AndOr": "AND"}


def test_no_passwords_found_is_empty_whatever_the_status():
    for status in (404, 200, 400):
        ps, dummy = client([(status, fixture("error_no_passwords.json"))])
        assert ps.search(11, Title="zzz") == []
    ps, dummy = client([(404, fixture("error_no_passwords.json"))])
    with pytest.raises(NotFound):
        ps.find_one(11, title="zzz")


def test_no_authorization_error_shape():
    ps, dummy = client([(401, fixture("error_no_authorization.json"))], api_key="a-secret-key-value")
    with pytest.raises(ApiError) as info:
        ps.get_password(5001)
    text = str(info.value)
    assert "HTTP 401" in text and "No Authorization - Invalid API Key" in text and "check api_key" in text
    assert "a-secret-key-value" not in text


def test_legacy_redirect_is_an_authorization_failure():
    ps, dummy = client([(302, "<html>moved</html>", {"Location": "/error/generalerror.aspx?aspxerrorpath=/api/"})])
    with pytest.raises(ApiError, match="authorization failed.*generalerror"):
        ps.get_password(5001)


def test_non_json_and_surprising_bodies():
    ps, dummy = client([(200, "<html><title>Login</title></html>", {"Content-Type": "text/html"})])
    with pytest.raises(ApiError, match="non-JSON"):
        ps.get_password(1)
    ps, dummy = client([(200, '"just a string"')])
    with pytest.raises(ApiError, match="JSON array"):
        ps.get_password(1)
    ps, dummy = client([(200, '[{"Title": "no id"}]')])
    with pytest.raises(ApiError, match="without a PasswordID"):
        ps.get_password(1)


def test_missing_password_is_not_found():
    body = '[{"errors": [{"message": "Not Found"}, {"phrase": "Password ID 9 does not exist"}]}]'
    ps, dummy = client([(404, body)])
    with pytest.raises(NotFound, match="9 not found"):
        ps.get_password(9)


def test_generic_fields_by_name_number_and_missing_info():
    ps, dummy = client([(200, fixture("password_newer_fields.json")), (200, fixture("password_gfi_dict.json"))])
    record = ps.get_password(5001)
    assert ps.field_value(record, "port") == "443"
    assert ps.field_value(record, "GenericField3") == "Recovery-7731-Alpha"
    assert ps.field_value(record, "expiry_date") == "2029-02-01"
    assert ps.field_value(record, "username") == "alice"
    with pytest.raises(NotFound, match="Tenant \\(GenericField1\\)"):
        ps.field_value(record, "nope")
    bare = ps.get_password(8001)
    assert ps.field_value(bare, "GenericField1") == "srv01"
    with pytest.raises(NotFound, match="GenericFieldInfo is empty"):
        ps.field_value(bare, "Domain or Host")


def test_update_queued_reset_and_json_body():
    ps, http = client([(200, fixture("password_gfi_dict.json")), (200, fixture("queued_reset.json"))])
    record = ps.get_password(8001)
    updated, queued = ps.update(record, {"Description": "x"}, password="Queued-New-Pass-1")
    assert updated is None and "Queued" in queued["status"] and queued["new_password"] == "Queued-New-Pass-1"
    sent = http.sent[1]
    assert sent["method"] == "PUT" and sent["path"] == "/api/passwords"
    assert sent["json"] == {"PasswordID": 8001, "Description": "x", "Password": "Queued-New-Pass-1"}
    assert "Queued-New-Pass-1" not in http.redact("Queued-New-Pass-1")


def test_create_with_server_generation_and_delete():
    ps, http = client([(201, fixture("password_doc_shape.json")), (204, "")])
    record = ps.create(27, {"Title": "forum4"}, generate=True, compliance_retries=20)
    assert http.sent[0]["json"] == {"PasswordListID": 27, "Title": "forum4", "GeneratePassword": True,
                                    "ComplianceRetries": 20}
    assert record["PasswordListID"] == 27
    ps.delete(record, recycle_bin=False)
    assert http.sent[1]["params"] == {"MoveToRecycleBin": "false"} and http.sent[1]["method"] == "DELETE"


def test_generator_key_fallback_and_qty():
    ps, http = client([(200, fixture("generate_qty.json"))], generator_api_key=None)
    values = ps.generate(qty=2, generator_id=None, minLength=20, specialChars=True)
    assert len(values) == 2
    assert http.sent[0]["headers"]["APIKey"] == "system-key-123"
    assert http.sent[0]["params"] == {"Qty": 2, "minLength": "20", "specialChars": "true"}
    ps, http = client([(200, fixture("generate_qty.json"))], generator_api_key="gen-key-1")
    ps.generate()
    assert http.sent[0]["headers"]["APIKey"] == "gen-key-1" and http.sent[0]["params"] is None


def test_options_validation():
    with pytest.raises(ConfigError, match="api_key"):
        client([], api_key=None)
    with pytest.raises(ConfigError, match="list_api_keys"):
        client([], list_api_keys={"abc": "k"})
    with pytest.raises(ConfigError, match="date_format"):
        client([], date_format="YYYY/DD/MM")
    with pytest.raises(ConfigError, match="single line"):
        client([], reason="a\nb")


# -- issue 15: real record shapes (fixtures re-typed from public recordings, see fixtures/passwordstate/README.md) --

def test_issue15_point1_standard_fields_domain_hostname_accounttype_kept_and_written():
    ps, http = client([(200, fixture("record_eizedev_generic_field_info.json")),
                       (200, fixture("record_eizedev_generic_field_info.json"))])
    record = ps.get_password(999)
    assert ps.field_value(record, "HostName") == "foobar_host"
    assert ps.field_value(record, "host_name") == "foobar_host"
    assert ps.field_value(record, "AccountType") == "Active Directory"
    assert ps.field_value(record, "Domain") == ""
    shown = public_record(record)
    assert shown["HostName"] == "foobar_host" and shown["AccountType"] == "Active Directory" and shown["Domain"] == ""
    ps.update(record, {"HostName": "h2", "Domain": "CORP", "AccountType": "Web Site"})
    body = http.sent[-1]["json"]
    # the API writes the domain as ADDomainNetBIOS (PasswordState-Management New-PasswordStatePassword)
    assert body["HostName"] == "h2" and body["ADDomainNetBIOS"] == "CORP" and body["AccountType"] == "Web Site"
    psm = normalize_record(json.loads(fixture("search_psm_hostname.json"))[0])
    assert psm["Domain"] == "MYDomain" and psm["HostName"] == "HostA" and psm["PasswordList"] == "AD User Accounts"


def test_issue15_point2_generic_fields_without_a_type_are_secret_until_declared():
    ps, dummy = client([(200, fixture("record_eizedev_generic_field_info.json"))])
    record = ps.get_password(999)
    shown = public_record(record, with_secrets=False)
    # no public answer tells a generic field's type: every generic field is masked (fail safe)
    assert not any(k.startswith("GenericField") and shown[k] for k in shown if k != "GenericFields")
    assert shown["GenericFields"] == {}
    assert "foobar" not in ps.redactor("value foobar here")
    declared, dummy = client([(200, fixture("record_eizedev_generic_field_info.json"))],
                             secret_generic_fields=["Test Field"])
    record = declared.get_password(999)
    shown = public_record(record, with_secrets=False)
    assert "GenericField2" not in shown and "Test Field" not in shown["GenericFields"]
    assert shown["GenericField1"] == "xx" and shown["GenericFields"]["Test Field 2"] == "None"
    assert declared.redactor("value foobar here") != "value foobar here"
    with pytest.raises(ConfigError, match="secret_generic_fields"):
        client([], secret_generic_fields="Test Field")


def test_issue15_point3_match_field_hostname_domain_use_the_specific_search():
    ps, http = client([(200, fixture("search_psm_hostname.json")), (200, fixture("search_psm_hostname.json")),
                       (200, fixture("search_psm_hostname.json"))])
    found = ps.find_passwords(None, match_field="HostName", match_value="hosta")
    assert [r["PasswordID"] for r in found] == [9568, 9578]
    assert http.sent[-1]["params"] == {"HostName": "hosta"}
    ps.find_passwords(None, title="Demo AD Username 1", match_field="Domain", match_value="MYDomain")
    assert http.sent[-1]["params"] == {"Title": "Demo AD Username 1", "ADDomainNetBIOS": "MYDomain", "AndOr": "AND"}
    ps.find_passwords(None, match_field="AccountType", match_value="")
    assert http.sent[-1]["params"] == {"AccountType": ""}


def test_issue15_point4_expiry_date_written_in_the_server_locale_and_read_unpadded():
    record = normalize_record(json.loads(fixture("password_newer_fields.json"))[0])
    for fmt, sent in (("DD/MM/YYYY", "01/02/2029"), ("MM/DD/YYYY", "02/01/2029"), ("YYYY-MM-DD", "2029-02-01")):
        ps, http = client([(200, fixture("password_newer_fields.json")), (201, fixture("password_newer_fields.json"))],
                          date_format=fmt)
        ps.update(record, {"ExpiryDate": "2029-02-01"})
        assert http.sent[-1]["json"]["ExpiryDate"] == sent
        ps.create(11, {"Title": "t", "ExpiryDate": "2029-02-01"}, password="x-Pass-1")
        assert http.sent[-1]["json"]["ExpiryDate"] == sent
    assert public_record(record, "DD/MM/YYYY")["expiry_date"] == "2029-02-01"
    assert public_record(record, "MM/DD/YYYY")["expiry_date"] == "2029-01-02"


def test_issue15_point5_list_id_string_and_errors_keyed_error():
    ps, dummy = client([(200, fixture("search_all_lists.json"))])
    assert [r["PasswordListID"] for r in ps.search(None, Title="web")] == [11, 12, 11]
    record = normalize_record(json.loads(fixture("record_ruby_get_password.json"))[0])
    assert record["PasswordListID"] == 100 and record["PasswordList"] == "Managed Passwords"
    ps, dummy = client([(401, fixture("error_keyed_error.json"))])
    with pytest.raises(ApiError, match="Invalid API Key, or API Key does not have access"):
        ps.get_password(5001)
    assert passwordstate_error_message({"error": [{"message": "No Authorization"}, {"phrase": "p"}]}) == \
        "No Authorization - p"


def test_issue15_point5_exclude_password_and_prevent_auditing_sent():
    ps, http = client([(200, fixture("search_all_lists.json"))] * 2, prevent_auditing=True)
    ps.search(None, Title="web")
    assert http.sent[-1]["params"]["PreventAuditing"] == "true"
    ps.search(None, exclude_password=True, Title="web")
    assert http.sent[-1]["params"]["ExcludePassword"] == "true"


def test_issue15_a_record_read_without_its_password_is_never_served_from_the_cache():
    without = json.dumps([{k: v for k, v in json.loads(fixture("record_ruby_get_password.json"))[0].items()
                           if k != "Password"}])
    ps, http = client([(200, without), (200, fixture("record_ruby_get_password.json"))])
    assert ps.search(100, exclude_password=True, Title="drone-1 @ Zero")[0]["Password"] == ""
    assert ps.get_password(18075)["Password"] == "Ruby-Fixture-Pass-1"
    assert len(http.sent) == 2


def test_issue15_v95_record_with_account_type_and_empty_info_dict():
    record = normalize_record(json.loads(fixture("record_psm_issue159_v95.json"))[0])
    assert record["AccountTypeID"] == 12 and record["AccountType"] == "Web Site"
    assert record["_generic_info"] == {} and record["PasswordListID"] is None
    assert "WebGenericField10_ID" not in public_record(record)
