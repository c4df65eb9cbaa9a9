"""Passbolt thin API layer, envelopes, error shapes, account kit and credential parsing (no server)."""

from __future__ import annotations

import base64
import json
import os

import pytest
import requests

from ansible_collections.pwman.secrets.plugins.module_utils._error_shapes import passbolt_error_message
from ansible_collections.pwman.secrets.plugins.module_utils._errors import ApiError, ConfigError, Redactor
from ansible_collections.pwman.secrets.plugins.module_utils._http import HttpClient
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_api import PassboltApi
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_auth import (
    _cookie_from_headers,
    decode_gpgauth_token,
    mfa_code,
)
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import (
    ResourceView,
    connection_options,
    is_uuid,
    parse_account_kit,
    parse_secret,
    passbolt_credentials,
)

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "passbolt")
PRIVATE_KEY = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nxxxx\n-----END PGP PRIVATE KEY BLOCK-----\n"
SERVER_KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nyyyy\n-----END PGP PUBLIC KEY BLOCK-----\n"
USER_ID = "f848277c-5398-58f8-a82a-72397af2d450"


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


class FakeRaw:
    def __init__(self, status, body, headers=None):
        self.status_code = status
        self.content = body.encode("utf-8") if isinstance(body, str) else body
        self.headers = requests.structures.CaseInsensitiveDict(headers or {"Content-Type": "application/json"})


class FakeSession:
    """Plays recorded answers and records what was sent."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.sent = []
        self.headers = {}
        self.cookies = requests.cookies.RequestsCookieJar()

    def request(self, method, url, **kwargs):
        self.sent.append((method, url, kwargs))
        answer = self.answers.pop(0)
        for name, value in answer[2].pop("_cookies", {}).items() if len(answer) > 2 else ():
            self.cookies.set(name, value)
        return FakeRaw(*answer)

    def close(self):
        pass


def make_api(answers, auth=None):
    http = HttpClient("Passbolt", "https://pb.example.com", retries=0, error_parser=passbolt_error_message)
    session = FakeSession(answers)
    http._session = session  # pylint: disable=protected-access
    return PassboltApi(http, auth), session


def test_unwrap_envelope_and_params():
    api, session = make_api([(200, fixture("resources-list.json"))])
    body = api.resources_list(filters={"has-id": ["a", "b"], "is-owned-by-me": True})
    assert len(body) == 2
    method, url, kwargs = session.sent[0]
    assert (method, url) == ("GET", "https://pb.example.com/resources.json")
    assert kwargs["params"]["contain[secret]"] == 1
    assert kwargs["params"]["filter[has-id][]"] == ["a", "b"]
    assert kwargs["params"]["filter[is-owned-by-me]"] == 1


def test_validation_error_message():
    api = make_api([(400, fixture("resources-create-error.json"))])[0]
    with pytest.raises(ApiError) as err:
        api.resource_create({"name": ""})
    text = str(err.value)
    assert "HTTP 400 on POST /resources.json" in text
    assert "Could not validate resource data." in text and "name: A name is required." in text
    assert "secrets.0.data: The message should be a valid OpenPGP message." in text


def test_html_error_page_does_not_crash():
    api = make_api([(502, fixture("html-502.txt"), {"Content-Type": "text/html"})])[0]
    with pytest.raises(ApiError) as err:
        api.verify()
    assert "502 Bad Gateway" in str(err.value) and "non-JSON" in str(err.value)


def test_not_an_envelope_is_an_api_error():
    api = make_api([(200, json.dumps([1, 2]))])[0]
    with pytest.raises(ApiError, match="not a Passbolt envelope"):
        api.verify()


class RecordingAuth:
    def __init__(self):
        self.recovered = []

    def apply(self, method, headers):
        headers["Authorization"] = "Bearer T%d" % len(self.recovered)

    def recover(self, exc):
        self.recovered.append((exc.status, exc.message))
        return True


def test_recover_once_then_retry():
    auth = RecordingAuth()
    api, session = make_api([(401, fixture("jwt-expired.json")), (200, fixture("resources-list.json"))], auth)
    assert len(api.resources_list()) == 2
    assert auth.recovered == [(401, "Expired token")]
    assert session.sent[0][2]["headers"]["Authorization"] == "Bearer T0"
    assert session.sent[1][2]["headers"]["Authorization"] == "Bearer T1"


def test_recover_only_once():
    auth = RecordingAuth()
    api = make_api([(403, fixture("mfa-required.json"))] * 3, auth)[0]
    with pytest.raises(ApiError, match="MFA authentication is required"):
        api.resources_list()
    assert len(auth.recovered) == 1


def test_cookies_kept_and_sent_over_http():
    first = {"Content-Type": "application/json", "_cookies": {"csrfToken": "abc", "refresh_token": "r1"}}
    api, session = make_api([(200, fixture("verify.json"), first), (200, fixture("verify.json"))])
    api.verify()
    assert api.cookie("csrfToken") == "abc" and api.cookie("refresh_token") == "r1"
    api.verify()
    sent = session.sent[1][2]["headers"]["Cookie"]
    assert "csrfToken=abc" in sent and "refresh_token" not in sent


def test_gpgauth_token_unescaping():
    armored = "-----BEGIN PGP MESSAGE-----\n\nhF4D+ab/c=\n-----END PGP MESSAGE-----\n"
    from urllib.parse import quote_plus
    header = quote_plus(armored).replace("+", "\\+").replace(".", "\\.")
    assert decode_gpgauth_token(header) == armored


def test_refresh_cookie_parsing():
    headers = {"Set-Cookie": "passbolt_session=x; path=/, refresh_token=4c5d-ef; expires=Tue, 01 Dec 2026 "
                             "00:00:00 GMT; path=/; secure; httponly"}
    assert _cookie_from_headers(headers, "refresh_token") == "4c5d-ef"
    assert _cookie_from_headers({}, "refresh_token") is None


def test_mfa_code_sources():
    assert mfa_code({"mfa_totp_code": " 123456 "}) == "123456"
    assert len(mfa_code({"mfa_totp_secret": "JBSWY3DPEHPK3PXP"})) == 6
    assert mfa_code({}) is None


def kit_dict(**extra):
    kit = {"domain": "https://pb.example.com", "user_id": USER_ID, "username": "ada@passbolt.dev",
           "first_name": "Ada", "last_name": "Lovelace", "user_public_armored_key": "pub",
           "user_private_armored_key": PRIVATE_KEY, "server_public_armored_key": SERVER_KEY,
           "security_token": {"code": "ADA", "color": "#8bc34a", "textcolor": "#000000"}}
    kit.update(extra)
    return kit


def clearsigned(text):
    body = "\n".join("- " + ln if ln.startswith("-") else ln for ln in text.split("\n"))
    return ("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n%s\n-----BEGIN PGP SIGNATURE-----\n\nwsB0\n"
            "-----END PGP SIGNATURE-----\n" % body)


def test_account_kit_real_shape_base64_of_clearsigned(tmp_path):
    content = base64.b64encode(clearsigned(json.dumps(kit_dict())).encode()).decode()
    assert parse_account_kit(content)["user_id"] == USER_ID
    path = tmp_path / "account-kit.passbolt"
    path.write_text(content)
    kit = parse_account_kit(str(path))
    assert kit["domain"] == "https://pb.example.com" and kit["user_private_armored_key"] == PRIVATE_KEY


def test_account_kit_plain_json_and_base64_json():
    text = json.dumps(kit_dict())
    assert parse_account_kit(text)["username"] == "ada@passbolt.dev"
    assert parse_account_kit(base64.b64encode(text.encode()).decode())["username"] == "ada@passbolt.dev"


@pytest.mark.parametrize("value,match", [
    ("", "empty"),
    ("/nonexistent/account-kit.passbolt", "no such file"),
    ("%%%not-base64%%%", "neither"),
    (base64.b64encode(b"[1]").decode(), "not a JSON object"),
    (json.dumps({"domain": "x"}), "lacks user_id, user_private_armored_key"),
])
def test_account_kit_errors(value, match):
    with pytest.raises(ConfigError, match=match):
        parse_account_kit(value)


def options(**values):
    return OptionAdapter.from_dict(values)


def test_credentials_from_account_kit(monkeypatch):
    monkeypatch.delenv("PASSBOLT_ACCOUNT_KIT", raising=False)
    redactor = Redactor()
    kit = base64.b64encode(json.dumps(kit_dict()).encode()).decode()
    creds = passbolt_credentials(options(account_kit=kit, passphrase="pp-secret-1"), redactor)
    assert creds["base_url"] == "https://pb.example.com" and creds["user_id"] == USER_ID
    assert creds["private_key"].startswith("-----BEGIN PGP PRIVATE KEY BLOCK-----")
    assert creds["server_public_key"] == SERVER_KEY
    assert redactor("pp-secret-1 xxxx") == "******** xxxx"


def test_credentials_explicit_options_win_over_kit(monkeypatch):
    monkeypatch.setenv("PASSBOLT_ACCOUNT_KIT", json.dumps(kit_dict()))
    creds = passbolt_credentials(options(base_url="https://other.example.com", private_key=PRIVATE_KEY,
                                         user_id="0b0c4b8e-0a51-5e8b-a3d1-2f4e5a6b7c8d"))
    assert creds["base_url"] == "https://other.example.com"
    assert creds["user_id"] == "0b0c4b8e-0a51-5e8b-a3d1-2f4e5a6b7c8d"


def test_credentials_key_file_and_escaped_newlines(tmp_path, monkeypatch):
    monkeypatch.delenv("PASSBOLT_ACCOUNT_KIT", raising=False)
    path = tmp_path / "key.asc"
    path.write_text(PRIVATE_KEY)
    assert passbolt_credentials(options(private_key_file=str(path)))["private_key"] == PRIVATE_KEY
    assert passbolt_credentials(options(private_key=str(path)))["private_key"] == PRIVATE_KEY
    one_line = PRIVATE_KEY.strip().replace("\n", "\\n")
    assert passbolt_credentials(options(private_key=one_line))["private_key"] == PRIVATE_KEY


def test_credentials_errors(monkeypatch):
    monkeypatch.delenv("PASSBOLT_ACCOUNT_KIT", raising=False)
    with pytest.raises(ConfigError, match="No Passbolt private key"):
        passbolt_credentials(options(base_url="https://pb.example.com"))
    with pytest.raises(ConfigError, match="user_id"):
        passbolt_credentials(options(private_key=PRIVATE_KEY, user_id="ada"))
    with pytest.raises(ConfigError, match="cannot read"):
        passbolt_credentials(options(private_key_file="/nonexistent/key.asc"))


@pytest.mark.parametrize("verify,validate,ca", [
    (None, True, None), ("false", False, None), ("False", False, None), ("true", True, None),
    ("/etc/ssl/ca.pem", True, "/etc/ssl/ca.pem"),
])
def test_passbolt_verify_env(monkeypatch, verify, validate, ca):
    """PASSBOLT_VERIFY applies where validate_certs/ca_path were not set (lookups: resolved in the worker)."""
    from ansible_collections.pwman.secrets.plugins.module_utils._options import resolved_options

    environ = {} if verify is None else {"PASSBOLT_VERIFY": verify}
    values = resolved_options({"base_url": "https://pb", "validate_certs": True, "ca_path": None},
                              {"validate_certs": "default"}, "PASSBOLT_VERIFY", environ)
    conn = connection_options(options(**values))
    assert conn.get_option_default("validate_certs") is validate
    assert conn.get_option_default("ca_path") == ca
    # An explicit validate_certs=true beats PASSBOLT_VERIFY=false.
    values = resolved_options({"validate_certs": True}, {"validate_certs": "Direct"}, "PASSBOLT_VERIFY", environ)
    assert values["validate_certs"] is True


@pytest.mark.parametrize("verify,validate,ca", [("false", False, None), ("/etc/ssl/ca.pem", None, "/etc/ssl/ca.pem")])
def test_passbolt_verify_env_module_fallback(monkeypatch, verify, validate, ca):
    """Modules: PASSBOLT_VERIFY is an argument-spec fallback, below an explicit parameter."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    monkeypatch.setenv("PASSBOLT_VERIFY", verify)
    from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import passbolt_argument_spec

    spec = passbolt_argument_spec()
    assert ArgumentSpecValidator(spec).validate({}).validated_parameters["ca_path"] == ca
    params = ArgumentSpecValidator(spec).validate({}).validated_parameters
    assert params["validate_certs"] is (True if validate is None else validate)
    assert ArgumentSpecValidator(spec).validate({"validate_certs": True}).validated_parameters["validate_certs"] is True


def test_resource_view_v4_and_v5():
    body = json.loads(fixture("resources-list.json"))["body"]
    v4, v5 = ResourceView(body[0]), ResourceView(body[1])
    assert (v4.version, v4.type_slug, v4.name) == ("v4", "password-and-description", "db-primary")
    assert v4.uri == "postgres://db1.example.com:5432"
    assert v4.secret_data().startswith("-----BEGIN PGP MESSAGE-----")
    assert (v5.version, v5.type_slug, v5.metadata_key_type, v5.name) == ("v5", "v5-default", "shared_key", None)
    v5.set_metadata({"object_type": "PASSBOLT_RESOURCE_METADATA", "name": "app-api", "username": "api",
                     "uris": ["https://a", "https://b"], "description": "d",
                     "custom_fields": [{"id": "c1", "type": "text", "metadata_key": "region"}]})
    v5.secret = {"password": "pw", "custom_fields": [{"id": "c1", "type": "text", "secret_value": "eu"}]}
    assert (v5.name, v5.uri, v5.uris) == ("app-api", "https://a", ["https://a", "https://b"])
    assert v5.custom_fields() == {"region": "eu"}
    assert v5.description_text() == "d"


def test_parse_secret_types():
    assert parse_secret('{"not": "json"}', "password-string") == {"password": '{"not": "json"}'}
    assert parse_secret("plain", "v5-password-string") == {"password": "plain"}
    assert parse_secret('{"password": "p", "description": "d"}', "password-and-description")["description"] == "d"
    with pytest.raises(Exception, match="not the expected JSON"):
        parse_secret("oops", "password-and-description")


def test_is_uuid():
    assert is_uuid(USER_ID) and is_uuid(USER_ID.upper()) and not is_uuid("db-primary") and not is_uuid(None)


def test_module_argument_spec_marks_secrets_no_log():
    from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import passbolt_argument_spec

    spec = passbolt_argument_spec()
    for name in ("private_key", "passphrase", "account_kit", "mfa_totp_secret", "mfa_totp_code"):
        assert spec[name]["no_log"] is True
    assert spec["base_url"]["fallback"][1] == ["PASSBOLT_BASE_URL"]
    assert spec["auth"]["choices"] == ["auto", "jwt", "gpgauth"] and spec["auth"]["default"] == "auto"
