"""Issue #9: property-based tests of the parsers of server answers.

Random and malformed answers (any JSON shape, wrong types, non-JSON bytes, odd statuses) go through
each client's parsing code; the only exceptions allowed out are the collection's PwmanError
subclasses (whose messages are safe to show). A KeyError/TypeError/AttributeError would reach the
user as a traceback.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.pwman.secrets.plugins.module_utils._error_shapes import (
    opp_error_message,
    passbolt_error_message,
    passwordstate_error_message,
)
from ansible_collections.pwman.secrets.plugins.module_utils._errors import PwmanError
from ansible_collections.pwman.secrets.plugins.module_utils._http import HttpClient, HttpResponse, describe_non_json
from ansible_collections.pwman.secrets.plugins.module_utils._opp_api import (
    check_result,
    parse_categories,
    parse_category,
    parse_item,
    parse_items,
)
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_api import header_of, unwrap
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import ResourceView, parse_secret
from ansible_collections.pwman.secrets.plugins.module_utils._passwordstate_client import (
    DATE_FORMATS,
    PasswordstateClient,
    checked_iso_date,
    parse_generic_field_info,
    parse_server_date,
    public_record,
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any JSON value, biased to the keys the parsers look for.
KEYS = st.sampled_from([
    "header", "body", "status", "message", "code", "url", "id", "name", "username", "uri", "uris", "description",
    "metadata", "resource_type", "resource_type_id", "slug", "secrets", "secret", "data", "custom_fields",
    "metadata_key", "secret_value", "type", "totp", "password", "result", "items", "categories", "item",
    "category", "PasswordID", "PasswordListID", "Title", "UserName", "Password", "GenericFieldInfo",
    "GenericFieldID", "DisplayName", "FieldType", "GenericField1", "ExpiryDate", "AllowExport", "AccountTypeID",
    "errors", "error", "Message", "phrase", "access_token", "sort_id", "category_id", "blob", "account",
    "validation", "object_type", "folder_parent_id", "modified",
]) | st.text(max_size=12)
SCALARS = (st.none() | st.booleans() | st.integers(min_value=-2 ** 40, max_value=2 ** 40)
           | st.floats(allow_nan=False) | st.text(max_size=30))
JSON = st.recursive(SCALARS, lambda children: st.lists(children, max_size=5)
                    | st.dictionaries(KEYS, children, max_size=8), max_leaves=30)
SMALL = st.recursive(SCALARS, lambda children: st.lists(children, max_size=3)
                     | st.dictionaries(KEYS, children, max_size=4), max_leaves=8)
BODIES = (JSON.map(lambda v: json.dumps(v).encode("utf-8")) | st.binary(max_size=200)
          | st.sampled_from([b"", b"<html><title>502 Bad Gateway</title></html>", b"{", b"[{]", b"null", b"\xff\xfe"]))
STATUSES = st.sampled_from([200, 201, 204, 302, 400, 401, 403, 404, 409, 500, 502, 503])
CONTENT_TYPES = st.sampled_from(["application/json", "text/html", "", "text/plain; charset=utf-8"])


def allowed(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except PwmanError as exc:
        assert str(exc)  # a message to show
        return None


def response(status, body, content_type="application/json", method="GET", path="/x"):
    return HttpResponse("Test", method, path, status, {"Content-Type": content_type}, body, lambda text: text)


# -- error shapes ------------------------------------------------------------------------------------------

@SETTINGS
@given(JSON)
def test_error_shapes(payload):
    for parser in (passbolt_error_message, passwordstate_error_message, opp_error_message):
        message = allowed(parser, payload)
        assert message is None or isinstance(message, str)


@SETTINGS
@given(STATUSES, BODIES, CONTENT_TYPES)
def test_http_error_for_and_json(status, body, content_type):
    for parser in (passbolt_error_message, passwordstate_error_message, opp_error_message):
        http = HttpClient("Test", "https://x.example", error_parser=parser)
        answer = response(status, body, content_type)
        error = http.error_for(answer)
        assert isinstance(error, PwmanError) and str(error)
        allowed(answer.json)
        assert isinstance(describe_non_json(content_type, answer.text, lambda t: t), str)


# -- Passbolt ----------------------------------------------------------------------------------------------

@SETTINGS
@given(STATUSES, BODIES)
def test_passbolt_envelope(status, body):
    answer = response(status, body)
    allowed(unwrap, answer)
    assert isinstance(header_of(answer), dict)


@SETTINGS
@given(st.text(max_size=200) | JSON.map(json.dumps),
       st.sampled_from([None, "password-string", "password-and-description", "totp", "v5-default",
                        "v5-password-string", "v5-custom-fields", "v5-note", "unknown-type"]))
def test_passbolt_parse_secret(text, slug):
    result = allowed(parse_secret, text, slug)
    assert result is None or isinstance(result, dict)


@SETTINGS
@given(st.dictionaries(KEYS, SMALL, max_size=8), st.dictionaries(KEYS, SMALL, max_size=6), SMALL)
def test_passbolt_resource_view(raw, metadata, secret):
    view = allowed(ResourceView, raw)
    if view is None:
        return
    allowed(view.set_metadata, metadata)
    allowed(lambda: view.uri)
    allowed(view.secret_data)
    view.secret = secret if isinstance(secret, dict) else None
    allowed(view.custom_fields)


# -- Passwordstate -----------------------------------------------------------------------------------------

class FakeHttp(HttpClient):
    """The real HttpClient (status checks, errors, redaction) answering one canned response."""

    def __init__(self, status, body, content_type):
        super().__init__("Passwordstate", "https://ps.example.com", retries=0,
                         error_parser=passwordstate_error_message, sleep=lambda dummy: None)
        self.answer = (status, body, content_type)

    def _send(self, method, path, params, json_body, data, headers, allow_redirects):
        status, body, content_type = self.answer
        head = {"Content-Type": content_type}
        if 300 <= status < 400:
            head["Location"] = "/error/generalerror.aspx"
        return HttpResponse("Passwordstate", method, path, status, head, body, self.redact)


def passwordstate_client(status, body, content_type):
    opts = {"api_key": "system-key-123", "list_api_keys": None, "generator_api_key": None, "reason": None,
            "date_format": "DD/MM/YYYY", "auth": "apikey"}
    return PasswordstateClient(OptionAdapter.from_dict(opts), http=FakeHttp(status, body, content_type))


RECORD_LISTS = st.lists(st.dictionaries(KEYS, JSON, max_size=10), max_size=3).map(
    lambda v: json.dumps(v).encode("utf-8"))


@SETTINGS
@given(STATUSES, BODIES | RECORD_LISTS, CONTENT_TYPES)
def test_passwordstate_records(status, body, content_type):
    for call in (lambda c: c.get_password(5001, cached=False), lambda c: c.list_passwords(11),
                 lambda c: c.find_passwords(11, title="web"), lambda c: c.generate(qty=2)):
        client = passwordstate_client(status, body, content_type)
        records = allowed(call, client)
        for record in records or []:
            if isinstance(record, dict) and "PasswordID" in record:
                for fmt in DATE_FORMATS:
                    allowed(public_record, record, fmt, True)
                    allowed(public_record, record, fmt, False)


@SETTINGS
@given(JSON)
def test_passwordstate_generic_field_info(info):
    result = allowed(parse_generic_field_info, info)
    assert result is None or isinstance(result, dict)


@SETTINGS
@given(st.none() | st.text(max_size=30) | st.integers(), st.sampled_from(DATE_FORMATS))
def test_passwordstate_dates(text, fmt):
    allowed(parse_server_date, text, fmt)
    allowed(checked_iso_date, text)


# -- OPP ---------------------------------------------------------------------------------------------------

@SETTINGS
@given(JSON)
def test_opp_parsers(payload):
    allowed(check_result, payload, "GET", "/items")
    for parser in (parse_items, parse_categories):
        for required in (True, False):
            result = allowed(parser, payload, "GET", "/x", required=required)
            assert result is None or isinstance(result, list)
    allowed(parse_item, payload, "GET", "/items")
    allowed(parse_category, payload, "GET", "/categories")
