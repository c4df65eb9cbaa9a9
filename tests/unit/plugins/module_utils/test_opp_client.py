"""OPP client: parsing of recorded bodies (real and documented shapes), error messages, base URL,
merge-before-update, and the session against the local OPP imitation run in a thread."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils import _opp_api as api
from ansible_collections.pwman.secrets.plugins.module_utils._errors import (
    Ambiguous,
    ApiError,
    ConfigError,
    ConnectionFailed,
    NotFound,
)
from ansible_collections.pwman.secrets.plugins.module_utils._opp_client import (
    OppConnection,
    OppData,
    api_base_url,
    full_item,
    generation_failure,
    genopts_from,
    opp_error_text,
)
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter
from sandbox.common.httpserver import App, FaultRule, Response, SandboxServer
from sandbox.opp import seed_data
from sandbox.opp.app import OppApp

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "fixtures", "opp")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return json.load(handle)


# -- base URL ---------------------------------------------------------------------------
@pytest.mark.parametrize("given,expected", [
    ("https://opp.example", "https://opp.example/api/v1"),
    ("https://opp.example/", "https://opp.example/api/v1"),
    ("https://opp.example/api/v1", "https://opp.example/api/v1"),
    ("https://opp.example/api/v1/", "https://opp.example/api/v1"),
    ("https://example.com/opp", "https://example.com/opp/api/v1"),
])
def test_api_base_url(given, expected):
    assert api_base_url(given) == expected


def options(**values):
    base = {"base_url": None, "login_username": None, "login_password": None, "phrase": None,
            "token_lifetime": 300, "validate_certs": True, "ca_path": None, "timeout": 5, "retries": 0}
    base.update(values)
    return OptionAdapter.from_dict(base)


def test_connection_requires_base_url_and_checks_lifetime():
    with pytest.raises(ConfigError, match="base_url"):
        OppConnection(options())
    with pytest.raises(ConfigError, match="token_lifetime"):
        OppConnection(options(base_url="http://127.0.0.1:1", token_lifetime=0))
    conn = OppConnection(options(base_url="http://127.0.0.1:1/api/v1/"))
    assert conn.base_url == "http://127.0.0.1:1/api/v1"


# -- error shapes -----------------------------------------------------------------------
@pytest.mark.parametrize("name,expected", [
    ("error_passphrase_missing.json", "Passphrase header missing!"),
    ("error_wrong_phrase.json", "Incorrect passphrase supplied!"),
    ("error_genopts.json",
     "Invalid password generation options! For sanity's sake, numChars must be between 8 and 100 characters."),
    ("error_generation_500.json", "Exception during password generation!"),
    ("error_expired.json", "Invalid token: Signature has expired"),
    ("error_no_token.json", "Request does not contain an access token"),
    ("error_credentials.json", "Invalid credentials"),
    ("error_content_type.json", "Invalid Content-Type"),
    ("error_documented.json", "Item not found"),
])
def test_error_shapes(name, expected):
    assert opp_error_text(fixture(name)) == expected


def test_error_text_of_nonsense():
    assert opp_error_text([]) is None
    assert opp_error_text({"result": "success"}) is None


def test_documented_error_with_status_200_is_an_error():
    with pytest.raises(ApiError, match="Item not found"):
        api.check_result(fixture("error_documented.json"), "GET", "/items")


# -- parsing ----------------------------------------------------------------------------------
def test_fetchall_real_shape():
    data = OppData(api.parse_categories(fixture("fetchall_real.json"), "GET", "/fetchall"),
                   api.parse_items(fixture("fetchall_real.json"), "GET", "/fetchall"))
    assert data.one_item(name="Wells Fargo")["password"] == "wf-Secret-1!"
    assert data.one_item(item_id=6)["category_id"] is None
    assert data.one_item(name="wifi", category="")["id"] == 6
    with pytest.raises(Ambiguous, match="2 OPP items are named 'admin console'"):
        data.one_item(name="admin console")
    with pytest.raises(Ambiguous, match=r"2 OPP categories are named 'Web' \(ids 3, 4\); choose one with "
                                        r"category='id:3'"):
        data.one_item(name="admin console", category="Web")
    # either of the two categories called Web, by its id
    assert data.one_item(name="admin console", category="id:3")["id"] == 4
    assert data.one_item(name="admin console", category="id:4")["id"] == 5
    assert data.one_item(name="wifi", category="id:4", missing_ok=True) is None
    assert [i["id"] for i in data.in_category(data.items, "id:1")] == [1]
    with pytest.raises(NotFound, match=r"No OPP category with id 9 \(category 'id:9'\)"):
        data.one_item(name="admin console", category="id:9", missing_ok=True)
    with pytest.raises(NotFound, match="No OPP item named 'nope'"):
        data.one_item(name="nope")
    with pytest.raises(NotFound, match="id 99"):
        data.one_item(item_id=99)
    assert data.one_item(name="Wells Fargo", category="Missing", missing_ok=True) is None
    public = data.public_item(data.one_item(item_id=1))
    assert "password" not in public and public["category"] == "Banking"


def test_fetchall_documented_shape():
    categories = api.parse_categories(fixture("fetchall_documented.json"), "GET", "/fetchall")
    items = api.parse_items(fixture("fetchall_documented.json"), "GET", "/fetchall")
    assert categories == [{"id": 1, "name": "category1"}, {"id": 2, "name": "category2"}]
    assert items[0]["category_id"] == 1 and items[0]["password"] == "mypassword"


def test_items_nested_category_shapes():
    created = api.parse_items(fixture("items_create_real.json"), "PUT", "/items")
    assert [i["category_id"] for i in created] == [1, None]
    documented = api.parse_items(fixture("items_create_documented.json"), "PUT", "/items")
    assert documented[0]["id"] is None and documented[0]["category_id"] == 1
    updated = api.parse_items(fixture("items_update_real.json"), "POST", "/items", required=False)
    assert updated[0]["id"] == 7 and updated[0]["category_id"] == 2
    assert api.parse_items(fixture("items_update_documented.json"), "POST", "/items", required=False) is None
    assert api.parse_categories(fixture("categories_create_real.json"), "PUT", "/categories")[0]["id"] == 5


@pytest.mark.parametrize("payload", [
    [], {"result": "success", "items": {}}, {"result": "success", "items": ["x"]},
    {"result": "success", "items": [{"id": "seven"}]}, {"result": "success", "items": [{"id": True}]},
])
def test_surprising_bodies_are_api_errors_naming_the_endpoint(payload):
    with pytest.raises(ApiError, match="/fetchall"):
        api.parse_items(payload, "GET", "/fetchall")


# -- merge before update ------------------------------------------------------------------
def test_full_item_keeps_every_field():
    current = api.parse_items(fixture("fetchall_real.json"), "GET", "/fetchall")[0]
    merged = full_item(current, {"url": "https://new.example", "ignored": "x"})
    assert merged == {"id": 1, "name": "Wells Fargo", "url": "https://new.example", "account": "01457XA8900",
                      "username": "mylogin", "password": "wf-Secret-1!", "blob": "pin: 1234", "category_id": 1}
    assert full_item(current, {"category_id": None})["category_id"] is None


def test_genopts_limits():
    assert genopts_from({"password_length": 24}) == {"numChars": 24}
    assert genopts_from({"password_length": 8, "word_min_length": 5, "word_max_length": 20,
                         "word_chars": "[a-z]"}) == {"numChars": 8, "min_length": 5, "max_length": 20,
                                                     "valid_chars": "[a-z]"}
    for bad, message in (({"password_length": 7}, "8 and 100"), ({"password_length": 101}, "8 and 100"),
                         ({"word_min_length": 4}, "5 and 15"), ({"word_min_length": 16}, "5 and 15"),
                         ({"word_max_length": 21}, "5 and 20"),
                         ({"word_min_length": 9, "word_max_length": 6}, "cannot be larger"),
                         ({"word_chars": "[a-z"}, "'word_chars' is not a valid regular expression"),
                         ({"word_chars": "(a"}, "'word_chars' is not a valid regular expression")):
        with pytest.raises(ConfigError, match=message):
            genopts_from(bad)


# -- against the local imitation ----------------------------------------------------------------
class RecordingOpp(OppApp):
    """The OPP imitation, remembering each request's headers and body."""

    def dispatch(self, request):
        self.seen.append((request.method, request.path, dict(request.headers), request.body))
        return super().dispatch(request)


@pytest.fixture(scope="module")
def server():
    app = RecordingOpp({})
    app.seen = []
    srv = SandboxServer(app)
    srv.serve_in_thread()
    app.seed("demo")
    yield app, srv.base_url
    srv.shutdown()
    srv.server_close()


def demo_options(base_url, **extra):
    values = dict(base_url=base_url, login_username=seed_data.DEMO_USERNAME,
                  login_password=seed_data.DEMO_PASSWORD, phrase=seed_data.DEMO_PHRASE)
    values.update(extra)
    return options(**values)


def test_session_headers_and_single_login(server):
    app, base_url = server
    app.seen.clear()
    app.reset_stats()
    conn = OppConnection(demo_options(base_url, token_lifetime=1234))
    data = OppData.load(conn)
    api.get_categories(conn)
    created = api.create_items(conn, [{"name": "unit-item", "password": "Unit-Secret-1!"}])
    api.delete_items(conn, [created[0]["id"]])
    assert data.one_item(name="Wells Fargo")["password"] == "wf-Secret-1!"
    assert app.stats["logins"] == 1
    auth = app.seen[0]
    assert auth[1] == "/api/v1/auth"
    assert json.loads(auth[3])["exp_delta"] == 1234
    for method, path, headers, body in app.seen:
        assert headers.get("Content-Type") == "application/json", (method, path)
        if path != "/api/v1/auth":
            assert headers["x-opp-jwt"] == conn.token and not headers["x-opp-jwt"].startswith("Bearer")
    # DELETE needs no phrase; everything else sends it
    phrases = {(seen[0], seen[1]): seen[2].get("x-opp-phrase") for seen in app.seen}
    assert phrases[("GET", "/api/v1/fetchall")] == seed_data.DEMO_PHRASE
    assert phrases[("DELETE", "/api/v1/items")] is None
    conn.close()


def test_relogin_once_on_expired_token(server):
    app, base_url = server
    app.reset_stats()
    app.settings["expire_next_tokens"] = 1
    conn = OppConnection(demo_options(base_url))
    OppData.load(conn)
    assert app.stats["logins"] == 2
    assert app.stats["by_route"]["GET /api/v1/fetchall"] == 2
    app.settings["expire_next_tokens"] = 2
    conn = OppConnection(demo_options(base_url))
    with pytest.raises(ApiError, match="HTTP 401.*Signature has expired"):
        OppData.load(conn)
    app.settings["expire_next_tokens"] = 0


def test_wrong_phrase_and_wrong_password_are_clear_and_redacted(server):
    base_url = server[1]
    conn = OppConnection(demo_options(base_url, phrase="a wrong phrase"))
    with pytest.raises(ApiError) as info:
        OppData.load(conn)
    assert "Incorrect passphrase supplied!" in str(info.value)
    assert "a wrong phrase" not in str(info.value)
    conn = OppConnection(demo_options(base_url, login_password="a wrong password"))
    with pytest.raises(ApiError) as info:
        OppData.load(conn)
    assert "Invalid credentials" in str(info.value) and "login_password" in str(info.value)
    assert "a wrong password" not in str(info.value)


def test_missing_phrase_is_a_config_error(server):
    base_url = server[1]
    conn = OppConnection(demo_options(base_url, phrase=None))
    with pytest.raises(ConfigError, match="phrase.*OPP_PHRASE"):
        OppData.load(conn)


def test_update_is_a_full_replacement_on_the_server(server):
    """What the client must protect against: a partial item blanks the other fields."""
    base_url = server[1]
    conn = OppConnection(demo_options(base_url))
    created = api.create_items(conn, [{"name": "full", "username": "u", "password": "Full-Secret-1!", "blob": "b"}])
    item_id = created[0]["id"]
    api.update_items(conn, [{"id": item_id, "url": "https://partial"}])
    partial = OppData.load(conn).item_by_id(item_id)
    assert partial["username"] == "" and partial["password"] == ""
    api.update_items(conn, [full_item(partial, {"username": "u", "password": "Full-Secret-1!"})])
    merged = full_item(OppData.load(conn).item_by_id(item_id), {"url": "https://merged"})
    api.update_items(conn, [merged])
    after = OppData.load(conn).item_by_id(item_id)
    assert (after["username"], after["password"], after["url"]) == ("u", "Full-Secret-1!", "https://merged")
    api.delete_items(conn, [item_id])


def test_secret_echoed_by_a_server_is_redacted():
    app = App()

    @app.route("POST", "/api/v1/auth")
    def auth(request):
        return Response.json({"access_token": "tok-123456"})

    @app.route("GET", "/api/v1/fetchall")
    def fetchall(request):
        return Response.json({"status_code": 400, "error": "Bad",
                              "description": "phrase %s rejected" % request.header("x-opp-phrase")}, status=400)

    srv = SandboxServer(app)
    srv.serve_in_thread()
    try:
        conn = OppConnection(demo_options(srv.base_url))
        with pytest.raises(ApiError) as info:
            OppData.load(conn)
        assert seed_data.DEMO_PHRASE not in str(info.value)
        assert "********" in str(info.value)
    finally:
        srv.shutdown()
        srv.server_close()


def test_html_crash_page_is_reported(server):
    app, base_url = server
    app.settings["crash_next"] = 1
    conn = OppConnection(demo_options(base_url))
    with pytest.raises(ApiError, match="HTTP 500.*non-JSON.*500 Internal Server Error"):
        OppData.load(conn)


def test_update_echoed_by_a_server_hides_the_stored_password_and_blob(server):
    """Issue 16: an update sends the whole item (the current password included); a server that quotes the
    request in its error must not make the client print what /fetchall returned."""
    app, base_url = server
    conn = OppConnection(demo_options(base_url))
    data = OppData.load(conn)
    current = data.one_item(name="Wells Fargo")
    app.faults.append(FaultRule({"kind": "echo", "status": 400, "method": "POST", "path": "/api/v1/items",
                                 "body": '{"status_code": 400, "error": "Bad", "description": "{request}"}'}))
    try:
        with pytest.raises(ApiError) as info:
            api.update_items(conn, [full_item(current, {"url": "https://echo"})])
    finally:
        app.faults = []
    assert "https://echo" in str(info.value)  # the request was quoted
    assert "wf-Secret-1!" not in str(info.value) and "pin: 1234" not in str(info.value)


@pytest.mark.parametrize("exc,genopts,expected", [
    (ConnectionFailed("Cannot reach http://x (PUT /items): Remote end closed connection without response"),
     {"valid_chars": "[0-9]", "numChars": 20},
     "with these generator options: password_length: 20 (genopts.numChars), word_chars: '[0-9]'"),
    (ApiError("OPP", "PUT", "/items", 500, "Exception during password generation!"), {},
     "with the server's default generator options; it answered 'Exception during password generation!'"),
])
def test_generation_failure_names_the_options(exc, genopts, expected):
    error = generation_failure(exc, genopts)
    assert expected in str(error) and "not repeated" in str(error)


def test_other_failures_are_not_generation_failures():
    assert generation_failure(ConnectionFailed("Cannot reach http://x: Connection refused"), {}) is None
    assert generation_failure(ApiError("OPP", "PUT", "/items", 400, "Invalid item data in list!"), {}) is None
