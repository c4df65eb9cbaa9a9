"""Passwordstate auth=windows: option handling, /winapi/ paths, no API key, NTLM on the shared session."""

from __future__ import annotations

import sys

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ApiError, ConfigError
from ansible_collections.pwman.secrets.plugins.module_utils._http import HttpClient, HttpResponse
from ansible_collections.pwman.secrets.plugins.module_utils._error_shapes import passwordstate_error_message
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter
from ansible_collections.pwman.secrets.plugins.module_utils._passwordstate_client import PasswordstateClient

WIN_PASSWORD = "Win-Secret-Pass-42"
RECORD = '[{"PasswordID": 5001, "Title": "web", "UserName": "alice", "Password": "Web-Alice-Pass-1"}]'
IIS_401 = "<html><head><title>401 - Unauthorized: Access is denied due to invalid credentials.</title></head></html>"


class FakeHttp(HttpClient):
    def __init__(self, answers):
        super().__init__("Passwordstate", "https://ps.example.com", retries=0,
                         error_parser=passwordstate_error_message, sleep=lambda dummy: None)
        self.answers = list(answers)
        self.sent = []

    def _send(self, method, path, params, json_body, data, headers, allow_redirects):
        self.sent.append({"method": method, "path": path, "headers": dict(headers or {}),
                          "session_headers": dict(self.session.headers)})
        status, body, content_type = self.answers.pop(0)
        return HttpResponse("Passwordstate", method, path, status, {"Content-Type": content_type},
                            body.encode("utf-8"), self.redact)


def make(answers=(), **options):
    opts = {"api_key": "system-key-123", "list_api_keys": {11: "list-key-11"}, "generator_api_key": "gen-key-1",
            "reason": None, "date_format": "DD/MM/YYYY", "auth": "windows",
            "windows_username": "DEMO\\ansible", "windows_password": WIN_PASSWORD}
    opts.update(options)
    http = FakeHttp(answers)
    return PasswordstateClient(OptionAdapter.from_dict(opts), http=http), http


def test_windows_auth_uses_winapi_ntlm_and_no_api_key():
    requests_ntlm = pytest.importorskip("requests_ntlm")
    ps, http = make([(200, RECORD, "application/json"), (200, '[{"Password": "Gen-Pass-12345"}]',
                                                         "application/json")])
    assert isinstance(http.session.auth, requests_ntlm.HttpNtlmAuth)
    assert http.session.auth.username == "DEMO\\ansible"
    assert ps.get_password(5001, list_id=11)["Password"] == "Web-Alice-Pass-1"
    assert ps.generate() == ["Gen-Pass-12345"]
    assert [s["path"] for s in http.sent] == ["/winapi/passwords/5001", "/winapi/generatepassword"]
    for sent in http.sent:
        assert not any(k.lower() == "apikey" for k in sent["headers"])
        assert not any(k.lower() == "apikey" for k in sent["session_headers"])
    # the Windows password is a registered secret
    assert WIN_PASSWORD not in ps.redactor("boom %s" % WIN_PASSWORD)


def test_windows_auth_without_api_key_is_fine():
    pytest.importorskip("requests_ntlm")
    ps, dummy = make(api_key=None, list_api_keys=None, generator_api_key=None)
    assert ps.api.prefix == "winapi"
    assert ps.key_for_list(11) is None and ps.system_key() is None and ps.generator_key() is None


def test_windows_auth_without_requests_ntlm(monkeypatch):
    monkeypatch.setitem(sys.modules, "requests_ntlm", None)   # import fails as if not installed
    with pytest.raises(ConfigError) as info:
        make()
    assert "auth=windows needs the Python package requests_ntlm (pip install requests-ntlm)" in str(info.value)


@pytest.mark.parametrize("missing", ["windows_username", "windows_password"])
def test_windows_auth_needs_user_and_password(missing):
    pytest.importorskip("requests_ntlm")
    with pytest.raises(ConfigError) as info:
        make(**{missing: None})
    assert "windows_username" in str(info.value) and "windows_password" in str(info.value)


def test_unknown_auth_is_refused():
    with pytest.raises(ConfigError) as info:
        make(auth="kerberos")
    assert "'auth'" in str(info.value)


def test_auth_is_case_insensitive():
    pytest.importorskip("requests_ntlm")
    ps, dummy = make(auth="Windows")
    assert ps.api.prefix == "winapi"


def test_refused_ntlm_names_auth_windows():
    pytest.importorskip("requests_ntlm")
    ps, dummy = make([(401, IIS_401, "text/html")])
    with pytest.raises(ApiError) as info:
        ps.get_password(5001, list_id=11)
    text = str(info.value)
    assert "HTTP 401" in text and "auth=windows" in text and "windows_password" in text
    assert WIN_PASSWORD not in text


def test_json_401_under_winapi_keeps_the_server_message():
    pytest.importorskip("requests_ntlm")
    body = '[{"errors": [{"message": "No Authorization"}, {"phrase": "A Reason must be provided"}]}]'
    ps, dummy = make([(401, body, "application/json")])
    with pytest.raises(ApiError) as info:
        ps.get_password(7001, list_id=13)
    assert "Reason" in str(info.value)
