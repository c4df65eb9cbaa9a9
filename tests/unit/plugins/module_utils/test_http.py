"""The shared HTTP core against a real local HTTP server (no mocks of requests)."""

from __future__ import annotations

import email.utils
import json
import socket
import time

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._error_shapes import (
    opp_error_message,
    passbolt_error_message,
    passwordstate_error_message,
)
from ansible_collections.pwman.secrets.plugins.module_utils._errors import ApiError, ConnectionFailed, Redactor
from ansible_collections.pwman.secrets.plugins.module_utils._http import HttpClient, retry_after_seconds
from ansible_collections.pwman.secrets.plugins.module_utils._version import USER_AGENT
from sandbox.common.httpserver import App, FaultRule, Response, SandboxServer

SECRET = "S3cr3t-Value-That-Must-Not-Leak"


@pytest.fixture()
def server():
    app = App()
    app.seen = []

    @app.route("GET", "/ok")
    def ok(request):
        app.seen.append(dict(request.headers))
        return Response.json({"hello": "world"})

    @app.route("POST", "/create")
    def create(request):
        return Response.json({"created": True}, status=201)

    @app.route("GET", "/slow")
    def slow(request):
        time.sleep(1.5)
        return Response.json({})

    @app.route("GET", "/echo-secret")
    def echo_secret(request):
        return Response.json({"header": {"status": "error", "message": "bad password %s" % SECRET}, "body": {}},
                             status=400)

    srv = SandboxServer(app)
    srv.serve_in_thread()
    yield app, srv
    srv.shutdown()
    srv.server_close()


def client(srv, **kwargs):
    sleeps = []
    kwargs.setdefault("error_parser", passbolt_error_message)
    http = HttpClient("Test", srv.base_url, sleep=sleeps.append, **kwargs)
    return http, sleeps


def test_get_and_user_agent(server):
    app, srv = server
    http = client(srv)[0]
    response = http.request("GET", "/ok")
    assert response.json() == {"hello": "world"}
    assert app.seen[0]["User-Agent"] == USER_AGENT


def test_session_is_reused(server):
    app, srv = server
    http = client(srv)[0]
    http.request("GET", "/ok")
    first = http.session
    http.request("GET", "/ok")
    assert http.session is first
    assert http.request_count == 2


def test_get_retried_on_503_with_retry_after(server):
    app, srv = server
    app.faults.append(FaultRule(
        {"path": "^/ok$", "kind": "status", "status": 503, "retry_after": 7, "count": 2}))
    http, sleeps = client(srv, retries=3)
    assert http.request("GET", "/ok").json() == {"hello": "world"}
    assert sleeps == [7.0, 7.0]
    assert app.stats["by_route"]["GET /ok"] == 3


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retry_statuses_exhausted(server, status):
    app, srv = server
    app.faults.append(FaultRule({"path": "^/ok$", "kind": "status", "status": status}))
    http, sleeps = client(srv, retries=2)
    with pytest.raises(ApiError) as err:
        http.request("GET", "/ok")
    assert err.value.status == status
    assert len(sleeps) == 2
    assert app.stats["by_route"]["GET /ok"] == 3
    # exponential backoff with jitter: the second wait is longer on average, and bounded
    assert all(0 < s <= 8 for s in sleeps)


def test_backoff_grows(server):
    srv = server[1]
    http = client(srv)[0]
    assert http._backoff(0) <= 0.5 and http._backoff(3) >= 2.0  # pylint: disable=protected-access


def test_create_never_retried(server):
    app, srv = server
    app.faults.append(FaultRule({"path": "^/create$", "kind": "status", "status": 503, "count": 1}))
    http, sleeps = client(srv, retries=3)
    with pytest.raises(ApiError) as err:
        http.request("POST", "/create", json_body={"name": "x"})
    assert err.value.status == 503
    assert sleeps == []
    assert app.stats["by_route"]["POST /create"] == 1


def test_write_marked_idempotent_is_retried(server):
    app, srv = server
    app.faults.append(FaultRule({"path": "^/create$", "kind": "status", "status": 502, "count": 1}))
    http, sleeps = client(srv, retries=3)
    assert http.request("POST", "/create", json_body={}, idempotent=True).status == 201
    assert len(sleeps) == 1


def test_connection_refused_retried_for_get_only():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    sleeps = []
    http = HttpClient("Test", "http://127.0.0.1:%d" % port, retries=2, sleep=sleeps.append)
    with pytest.raises(ConnectionFailed) as err:
        http.request("GET", "/x")
    assert "Cannot reach http://127.0.0.1:%d" % port in str(err.value)
    assert len(sleeps) == 2
    sleeps.clear()
    with pytest.raises(ConnectionFailed):
        http.request("POST", "/x", json_body={})
    assert sleeps == []


def test_timeout(server):
    srv = server[1]
    http = client(srv, timeout=0.3, retries=0)[0]
    with pytest.raises(ConnectionFailed) as err:
        http.request("GET", "/slow")
    assert "Timed out after 0.3 s on GET /slow" in str(err.value)


def test_connection_reset_is_connection_failed(server):
    app, srv = server
    app.faults.append(FaultRule({"path": "^/ok$", "kind": "reset", "count": 1}))
    http, sleeps = client(srv, retries=1)
    assert http.request("GET", "/ok").json() == {"hello": "world"}
    assert len(sleeps) == 1


def test_truncated_body(server):
    app, srv = server
    app.faults.append(FaultRule({"path": "^/ok$", "kind": "truncate"}))
    http = client(srv, retries=0)[0]
    with pytest.raises(ConnectionFailed):
        http.request("GET", "/ok")


def test_html_error_page(server):
    app, srv = server
    app.faults.append(FaultRule({"path": "^/ok$", "kind": "html", "status": 502}))
    http = client(srv, retries=0)[0]
    with pytest.raises(ApiError) as err:
        http.request("GET", "/ok")
    text = str(err.value)
    assert "HTTP 502 on GET /ok" in text
    assert "non-JSON body (text/html)" in text
    assert "502 Bad Gateway" in text
    assert err.value.content_type == "text/html"


def test_non_json_success_body(server):
    app, srv = server

    @app.route("GET", "/html")
    def html(request):
        return Response(200, "<html><title>Login page</title></html>", "text/html")

    http = client(srv)[0]
    response = http.request("GET", "/html")
    with pytest.raises(ApiError) as err:
        response.json()
    assert "non-JSON body (text/html): Login page" in str(err.value)


def test_json_with_lying_content_type(server):
    app, srv = server

    @app.route("GET", "/lying")
    def lying(request):
        return Response(200, json.dumps({"result": "success"}), "text/html")

    http = client(srv)[0]
    assert http.request("GET", "/lying").json() == {"result": "success"}


def test_secret_redacted_from_server_message(server):
    srv = server[1]
    redactor = Redactor()
    redactor.add(SECRET)
    http = client(srv, redactor=redactor)[0]
    with pytest.raises(ApiError) as err:
        http.request("GET", "/echo-secret?password=" + SECRET)
    text = str(err.value)
    assert SECRET not in text
    assert "bad password ********" in text
    assert "password=" not in text  # the query string is never shown
    assert SECRET not in repr(err.value.args)


def test_tls_error_is_clear(tmp_path):
    from sandbox.common.tls import make_tls_material

    tls = make_tls_material(str(tmp_path))
    app = App()

    @app.route("GET", "/ok")
    def ok(request):
        return Response.json({"tls": True})

    srv = SandboxServer(app, tls_cert=tls["cert"], tls_key=tls["key"])
    srv.serve_in_thread()
    try:
        http = HttpClient("Test", srv.base_url, retries=3, sleep=lambda s: None)
        with pytest.raises(ConnectionFailed) as err:
            http.request("GET", "/ok")
        assert "TLS error" in str(err.value) and "ca_path" in str(err.value)
        assert HttpClient("Test", srv.base_url, ca_path=tls["ca_path"]).request("GET", "/ok").json() == {"tls": True}
        assert HttpClient("Test", srv.base_url, validate_certs=False).request("GET", "/ok").json() == {"tls": True}
    finally:
        srv.shutdown()
        srv.server_close()


def test_retry_after_parsing():
    assert retry_after_seconds("12") == 12.0
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= retry_after_seconds(date, now=now) <= 31
    assert retry_after_seconds("garbage") is None
    assert retry_after_seconds(None) is None


@pytest.mark.parametrize("payload,expected", [
    ({"header": {"status": "error", "message": "The resource does not exist."}, "body": None},
     "The resource does not exist."),
    ({"header": {"status": "error", "message": "Could not validate resource data."},
      "body": {"name": {"_required": "A name is required."}, "secrets": {"0": {"data": {"isValidGpgMessage": "bad"}}}}},
     "Could not validate resource data. (name: A name is required.; secrets.0.data: bad)"),
    ("not a dict", None),
])
def test_passbolt_error_shape(payload, expected):
    assert passbolt_error_message(payload) == expected


@pytest.mark.parametrize("payload,expected", [
    ([{"errors": [{"message": "No Authorization"}, {"phrase": "Invalid API Key."}]}],
     "No Authorization - Invalid API Key."),
    ({"errors": [{"message": "Not Found"}, {"phrase": "No Passwords found"}]}, "Not Found - No Passwords found"),
    ([], None),
    ([{"PasswordID": 1}], None),
])
def test_passwordstate_error_shape(payload, expected):
    assert passwordstate_error_message(payload) == expected


@pytest.mark.parametrize("payload,expected", [
    ({"status_code": 400, "error": "Bad Request", "description": "Incorrect passphrase supplied!"},
     "Incorrect passphrase supplied!"),
    ({"result": "error", "message": "Item not found"}, "Item not found"),
    ({"error": "Invalid Content-Type"}, "Invalid Content-Type"),
    ([], None),
])
def test_opp_error_shape(payload, expected):
    assert opp_error_message(payload) == expected


def test_error_parser_used_for_api_error(server):
    app, srv = server

    @app.route("GET", "/ps-error")
    def ps_error(request):
        return Response.json([{"errors": [{"message": "Not Found"}, {"phrase": "Invalid PasswordID"}]}], status=404)

    http = client(srv, error_parser=passwordstate_error_message)[0]
    with pytest.raises(ApiError) as err:
        http.request("GET", "/ps-error")
    assert str(err.value) == "Test API error: HTTP 404 on GET /ps-error: Not Found - Invalid PasswordID"


def test_redirect_is_not_followed(server):
    app, srv = server

    @app.route("GET", "/redirect")
    def redirect(request):
        return Response(302, b"", None, [("Location", "/error/generalerror.aspx")])

    http = client(srv)[0]
    with pytest.raises(ApiError) as err:
        http.request("GET", "/redirect")
    assert err.value.status == 302
    assert "redirect" in str(err.value)
