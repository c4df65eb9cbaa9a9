"""The OPP imitation behaves like the real server (quirks included), not like our client expects."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests

from sandbox.common.httpserver import SandboxServer
from sandbox.opp import seed_data
from sandbox.opp.app import OppApp

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def opp():
    app = OppApp({})
    srv = SandboxServer(app)
    srv.serve_in_thread()
    app.seed("demo")
    yield app, srv.base_url + "/api/v1"
    srv.shutdown()
    srv.server_close()


def login(base, exp_delta=None, username=seed_data.DEMO_USERNAME, password=seed_data.DEMO_PASSWORD):
    body = {"username": username, "password": password}
    if exp_delta is not None:
        body["exp_delta"] = exp_delta
    return requests.post(base + "/auth", data=json.dumps(body), headers=JSON, timeout=5)


def claims(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def headers(token, phrase=seed_data.DEMO_PHRASE, **extra):
    result = dict(JSON, **{"x-opp-jwt": token})
    if phrase is not None:
        result["x-opp-phrase"] = phrase
    result.update(extra)
    return result


def call(base, method, path, token, body=None, **kw):
    data = None if body is None else json.dumps(body)
    return requests.request(method, base + path, data=data, headers=headers(token, **kw), timeout=5)


def test_health_and_text_html(opp):
    base = opp[1]
    response = requests.get(base + "/health", timeout=5)
    assert response.json() == {"status": "OpenPassPhrase service is running"}
    assert response.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("exp_delta,lifetime", [(None, 300), (0, 300), ("junk", 300), ("60", 60), (3600, 3600)])
def test_token_lifetime(opp, exp_delta, lifetime):
    base = opp[1]
    token = login(base, exp_delta).json()["access_token"]
    found = claims(token)
    assert found["exp"] - found["iat"] == lifetime
    assert set(found) == {"exp", "iat", "nbf", "identity"}


def test_negative_exp_delta_is_expired_and_bearer_is_refused(opp):
    base = opp[1]
    expired = login(base, -60).json()["access_token"]
    response = call(base, "GET", "/fetchall", expired)
    assert response.status_code == 401 and response.json()["description"] == "Signature has expired"
    token = login(base).json()["access_token"]
    response = requests.get(base + "/fetchall", headers=headers("Bearer " + token), timeout=5)
    assert response.status_code == 401
    response = requests.get(base + "/fetchall", timeout=5)
    assert response.json()["description"] == "Request does not contain an access token"
    expected = {"status_code": 401, "error": "Bad Request", "description": "Invalid credentials"}
    assert login(base, password="wrong").json() == expected
    # a token with 5 s left... is still valid thanks to the 10 s leeway
    almost = login(base, -5).json()["access_token"]
    assert call(base, "GET", "/categories", almost).status_code == 200


def test_phrase_and_content_type(opp):
    base = opp[1]
    token = login(base).json()["access_token"]
    assert call(base, "GET", "/items", token, phrase=None).json()["error"] == "Passphrase header missing!"
    assert call(base, "GET", "/items", token, phrase="wrong phrase").json()["error"] == "Incorrect passphrase supplied!"
    response = call(base, "PUT", "/items", token, {"items": [{"name": "x"}]},
                    **{"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 400 and response.json() == {"error": "Invalid Content-Type"}
    assert call(base, "PUT", "/items", token, {"items": []}).status_code == 400
    assert call(base, "DELETE", "/items", token, {"ids": [424242]}, phrase=None).json() == {"result": "success"}
    response = call(base, "PUT", "/items", token, {"items": [{"name": "x", "category_id": 4242}]})
    assert response.status_code == 400


def test_item_shapes_and_full_replacement(opp):
    base = opp[1]
    token = login(base).json()["access_token"]
    created = call(base, "PUT", "/items", token, {"items": [{"name": "shape", "username": "u", "category_id": 1},
                                                            {"name": "loose"}]}).json()
    first, second = created["items"]
    assert first["category"]["name"] == "Banking" and "sort_id" in first and second["category"] == {"id": None}
    updated = call(base, "POST", "/items", token, {"items": [{"id": first["id"], "name": "shape"}]}).json()
    assert updated["items"][0]["username"] == ""
    fetched = call(base, "GET", "/fetchall", token).json()
    mine = [i for i in fetched["items"] if i["id"] == first["id"]][0]
    assert mine["category_id"] is None and mine["username"] == ""
    new = call(base, "POST", "/items", token, {"items": [{"id": 5000, "name": "made by update"}]}).json()
    assert new["items"][0]["id"] == 5000
    call(base, "DELETE", "/items", token, {"ids": [first["id"], second["id"], 5000]}, phrase=None)


@pytest.mark.parametrize("genopts,status", [
    ({"numChars": 7}, 400), ({"numChars": 101}, 400), ({"min_length": 4}, 400), ({"max_length": 21}, 400),
    ({"min_length": 10, "max_length": 6}, 400),
])
def test_generation_limits(opp, genopts, status):
    base = opp[1]
    token = login(base).json()["access_token"]
    response = call(base, "PUT", "/items", token, {"items": [{"name": "g"}], "auto_pass": True, "genopts": genopts})
    assert response.status_code == status
    assert set(response.json()) == {"status_code", "error", "description"}


def test_generator_failure_drops_the_connection(opp):
    """Issue 16: a generator failure on the real server closes the connection, no JSON 500."""
    base = opp[1]
    token = login(base).json()["access_token"]
    before = len(call(base, "GET", "/fetchall", token).json()["items"])
    with pytest.raises(requests.exceptions.ConnectionError, match="Remote end closed connection without response"):
        call(base, "PUT", "/items", token, {"items": [{"name": "g"}], "auto_pass": True,
                                            "genopts": {"valid_chars": "[0-9]"}})
    assert len(call(base, "GET", "/fetchall", token).json()["items"]) == before


REAL_SYMBOLS = set("!#$%&()*@^")


def test_generator_like_the_real_one(opp):
    """Issue 16: digits 0-9 and the symbols !#$%&()*@^; cut and shuffled, so not every class always."""
    base = opp[1]
    token = login(base).json()["access_token"]
    items = []
    for length in (8, 16):  # with 2 words (8) the one delimiter must be a symbol to pass the server's check
        body = {"items": [{"name": "c%d" % n} for n in range(100)], "auto_pass": True, "unique": True,
                "genopts": {"numChars": length}}
        items += call(base, "PUT", "/items", token, body).json()["items"]
    passwords = [i["password"] for i in items]
    assert sorted(set(len(p) for p in passwords)) == [8, 16]
    used = set("".join(passwords))
    others = used - set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert others <= REAL_SYMBOLS | set("0123456789"), others
    assert used & set("0123456789"), "no digit in 200 passwords"
    assert any(not (set(p) & (REAL_SYMBOLS | set("0123456789"))) for p in passwords), \
        "every password holds a delimiter: the real server cuts to numChars before anything guarantees one"
    call(base, "DELETE", "/items", token, {"ids": [i["id"] for i in items]}, phrase=None)


def test_generation(opp):
    base = opp[1]
    token = login(base).json()["access_token"]
    response = call(base, "PUT", "/items", token, {"items": [{"name": "g1", "password": "ignored"}, {"name": "g2"}],
                                                   "auto_pass": True, "genopts": {"numChars": 40, "delimiter": "#"}})
    first, second = [i["password"] for i in response.json()["items"]]
    assert first == second and len(first) == 40 and first != "ignored"
    unique = call(base, "PUT", "/items", token, {"items": [{"name": "g3"}, {"name": "g4"}], "auto_pass": True,
                                                 "unique": True}).json()["items"]
    assert unique[0]["password"] != unique[1]["password"] and len(unique[0]["password"]) == 16
    truthy = call(base, "PUT", "/items", token, {"items": [{"name": "g5", "password": "kept"}],
                                                 "auto_pass": "yes"}).json()["items"]
    assert truthy[0]["password"] == "kept"
    ids = [i["id"] for i in response.json()["items"] + unique + truthy]
    call(base, "DELETE", "/items", token, {"ids": ids}, phrase=None)


def test_categories(opp):
    base = opp[1]
    token = login(base).json()["access_token"]
    made = call(base, "PUT", "/categories", token, {"category_names": ["dup", "dup"]}).json()["categories"]
    assert [c["name"] for c in made] == ["dup", "dup"]
    assert call(base, "POST", "/categories", token, {"categories": [{"id": made[0]["id"], "name": "dup2"}]}).json() \
        == {"result": "success"}
    assert call(base, "DELETE", "/categories", token, {"ids": [], "cascade": True}, phrase=None).status_code == 400
    assert call(base, "DELETE", "/categories", token, {"ids": [made[0]["id"]], "cascade": "yes"},
                phrase=None).status_code == 400
    call(base, "DELETE", "/categories", token, {"ids": [c["id"] for c in made], "cascade": False}, phrase=None)


def test_user_endpoint(opp):
    base = opp[1]

    def put(body):
        return requests.put(base + "/user", data=json.dumps(body), headers=JSON, timeout=5)

    def post(body):
        return requests.post(base + "/user", data=json.dumps(body), headers=JSON, timeout=5)

    assert requests.get(base + "/user", timeout=5).status_code == 405
    assert put({"username": "u1", "password": "p1", "phrase": "short"}).json()["error"].startswith("Passphrase must")
    assert put({"username": "u1", "password": "p1", "phrase": "long enough"}).json() == {"result": "success"}
    assert put({"username": "u1", "password": "p1", "phrase": "long enough"}).json()["error"] == "User already exists!"
    assert post({"username": "u1", "password": "p1", "new_password": "p2"}).status_code == 500  # both keys needed
    assert post({"username": "u1", "password": "p1", "new_username": "", "new_password": "p2"}).json() \
        == {"result": "success"}
    assert login(base, username="u1", password="p2").status_code == 200
    response = requests.delete(base + "/user", data=json.dumps({"username": "u1", "password": "p2"}), headers=JSON,
                               timeout=5)
    assert response.json() == {"result": "success"}
    assert login(base, username="u1", password="p2").status_code == 401


def test_state_is_encrypted(opp):
    app = opp[0]
    dump = json.dumps({"c": app.categories, "i": app.items, "u": app.users})
    for item in seed_data.ITEMS:
        assert item["password"] not in dump
    assert seed_data.DEMO_PHRASE not in dump


def test_time_claims_are_recent(opp):
    base = opp[1]
    found = claims(login(base).json()["access_token"])
    assert abs(found["iat"] - time.time()) < 5
