"""The local-server framework itself: admin guard, stats, faults, runner env file."""

from __future__ import annotations

import json
import os
import stat
import urllib.error
import urllib.request

import pytest

from sandbox.common.httpserver import ADMIN_HEADER, App, Response, SandboxServer
from sandbox.run import write_env_file


@pytest.fixture()
def served():
    app = App()

    @app.route("GET", r"/items/(?P<item_id>\d+)")
    def item(request, item_id):
        return Response.json({"id": int(item_id), "q": request.arg("QueryAll", "absent")})

    srv = SandboxServer(app)
    srv.serve_in_thread()
    yield app, srv
    srv.shutdown()
    srv.server_close()


def get(url, headers=None, method="GET", data=None):
    request = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
        return response.status, json.loads(response.read() or b"null")


def test_routing_query_and_404(served):
    app, srv = served
    assert get(srv.base_url + "/items/7?queryall") == (200, {"id": 7, "q": ""})
    with pytest.raises(urllib.error.HTTPError) as err:
        get(srv.base_url + "/nothing")
    assert err.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as err:
        get(srv.base_url + "/items/7", method="DELETE")
    assert err.value.code == 405


def test_admin_requires_token(served):
    app, srv = served
    with pytest.raises(urllib.error.HTTPError) as err:
        get(srv.base_url + "/__sandbox__/stats")
    assert err.value.code == 403
    get(srv.base_url + "/items/1")
    status, stats = get(srv.base_url + "/__sandbox__/stats", {ADMIN_HEADER: app.admin_token})
    assert stats["requests"] == 1 and stats["by_route"] == {"GET /items/1": 1}


def test_fault_after_handler_ran(served):
    app, srv = served
    calls = []

    @app.route("POST", "/create")
    def create(request):
        calls.append(1)
        return Response.json({"ok": True})

    get(srv.base_url + "/__sandbox__/faults", {ADMIN_HEADER: app.admin_token, "Content-Type": "application/json"},
        "POST", json.dumps({"path": "^/create$", "kind": "status", "status": 500, "when": "after", "count": 1}).encode())
    with pytest.raises(urllib.error.HTTPError) as err:
        get(srv.base_url + "/create", method="POST", data=b"{}")
    assert err.value.code == 500
    assert calls == [1]  # the server acted before the fault
    assert get(srv.base_url + "/create", method="POST", data=b"{}")[0] == 200


def test_env_file_is_private_and_quoted(tmp_path):
    class Fake:
        env = {"OPP_PHRASE": "it's a phrase", "OPP_BASE_URL": "http://127.0.0.1:1"}

    path = str(tmp_path / "sub" / "env")
    write_env_file(path, [Fake()])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = open(path, encoding="utf-8").read()
    assert "export OPP_PHRASE='it'\"'\"'s a phrase'" in text


def test_env_file_carries_the_extra_variables_make_sandbox_gives(tmp_path):
    """`make sandbox` adds where Ansible finds the collection and its Python: `source .sandbox/env` is enough."""
    class Fake:
        env = {"OPP_BASE_URL": "http://127.0.0.1:1"}

    path = str(tmp_path / "env")
    write_env_file(path, [Fake()], [("ANSIBLE_COLLECTIONS_PATH", "/a b/collections"),
                                    ("ANSIBLE_PYTHON_INTERPRETER", "/venv/bin/python")])
    text = open(path, encoding="utf-8").read()
    assert "export ANSIBLE_COLLECTIONS_PATH='/a b/collections'\n" in text
    assert "export ANSIBLE_PYTHON_INTERPRETER=/venv/bin/python\n" in text
