"""Raw requests whose answers were recorded from the real OPP server, and their replay.

The same requests, byte for byte, go to the real server (to record) and to the imitation (to compare):

    python -m sandbox.opp.transcript --record http://127.0.0.1:5000   # a real, empty OPP server

writes tests/unit/fixtures/opp/transcript_real.json and the named *_real.json fixtures. The server must
be fresh: ids and answers depend on the order of the steps. tests/unit/test_opp_transcript.py replays
the steps against the imitation. How the recording was made: tests/sandbox/opp/README.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import socket
from urllib.parse import urlsplit

USER = {"username": "probe", "password": "probe-login-pw", "phrase": "probe phrase"}
JSON = "application/json"
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
# Compared as sent; Date and Server (Werkzeug/x Python/y) are not imitated.
HEADERS = ("content-type", "content-length", "allow", "www-authenticate", "connection",
           "access-control-allow-origin")
FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "unit", "fixtures", "opp")
TRANSCRIPT = os.path.join(FIXTURES, "transcript_real.json")


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_CT = [("Content-Type", JSON)]
_AUTH = _CT + [("x-opp-jwt", "{token}"), ("x-opp-phrase", "{phrase}")]
_NO_PHRASE = _CT + [("x-opp-jwt", "{token}")]


def _step(label, method, path, headers=(), body=None, **extra):
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
    step = {"label": label, "method": method, "path": path, "headers": list(headers), "body": body}
    step.update(extra)
    return step


def _token_steps():
    """Malformed tokens: the PyJWT 2.4.0 descriptions the real server passes on."""
    variants = [
        ("abc", "abc"), ("a.b", "a.b"), ("a.b.c", "a.b.c"), ("a..c", "a..c"),
        ("header not JSON", _b64(b"notjson") + ".{payload}.{signature}"),
        ("header a JSON list", _b64(b"[1]") + ".{payload}.{signature}"),
        ("header alg none", _b64(b'{"alg":"none","typ":"JWT"}') + ".{payload}.{signature}"),
        ("header without alg", _b64(b'{"typ":"JWT"}') + ".{payload}.{signature}"),
        ("header bad padding", "a.{payload}.{signature}"),
        ("header not base64", "!!!.{payload}.{signature}"),
        ("payload not base64", "{header}.!!!.{signature}"),
        ("payload bad padding", "{header}.a.{signature}"),
        ("payload not JSON", "{header}." + _b64(b"notjson") + ".{signature}"),
        ("signature bad padding", "{header}.{payload}.a"),
        ("signature mismatch", "{header}.{payload}." + _b64(b"x" * 32)),
        ("expired", "{expired}"),
    ]
    return [_step("token " + label, "GET", "/categories", [("x-opp-jwt", value), ("x-opp-phrase", "{phrase}")],
                  fixture="error_expired.json" if label == "expired" else None)
            for label, value in variants]


def _fixture_scenario():
    """The state behind the *_real.json fixtures the client's unit tests parse."""
    items = [
        {"name": "Wells Fargo", "url": "https://wellsfargo.example", "account": "01457XA8900",
         "username": "mylogin", "password": "wf-Secret-1!", "blob": "pin: 1234", "category_id": 1},
        {"name": "core router", "username": "admin", "password": "p2", "category_id": 2},
        {"name": "admin console", "username": "root", "password": "p3", "category_id": 2},
        {"name": "admin console", "username": "webadmin", "password": "p4", "category_id": 3},
        {"name": "admin console", "username": "other", "password": "p5", "category_id": 4},
        {"name": "wifi", "password": "wifi-Secret-6!"},
    ]
    return [
        _step("categories PUT", "PUT", "/categories", _AUTH,
              {"category_names": ["Banking", "Infrastructure", "Web", "Web"]}),
        _step("items PUT", "PUT", "/items", _AUTH, {"items": items}),
        _step("items PUT new and loose", "PUT", "/items", _AUTH,
              {"items": [{"name": "new", "username": "u", "password": "ZZ-BLpOGtAeTu=blLOCe", "category_id": 1},
                         {"name": "loose"}]}, fixture="items_create_real.json"),
        _step("items POST update", "POST", "/items", _AUTH, {"items": [{"id": 7, "name": "y", "category_id": 2}]},
              fixture="items_update_real.json"),
        _step("items DELETE", "DELETE", "/items", _NO_PHRASE, {"ids": [7, 8]}),
        _step("categories DELETE cascade", "DELETE", "/categories", _NO_PHRASE, {"ids": [2], "cascade": True}),
        _step("fetchall", "GET", "/fetchall", _AUTH, fixture="fetchall_real.json"),
        # SQLite hands out max(id) + 1: a deleted last id comes back.
        _step("categories PUT after a delete", "PUT", "/categories", _AUTH, {"category_names": ["New"]},
              fixture="categories_create_real.json"),
        _step("items PUT after a delete", "PUT", "/items", _AUTH, {"items": [{"name": "reused id"}]}),
    ]


def steps():
    """Every request, in order; header values may hold {token}, {expired}, {phrase}, {header},
    {payload}, {signature} (the last three: the parts of {token})."""
    return [
        _step("user PUT", "PUT", "/user", _CT, USER),
        _step("health", "GET", "/health"),
        _step("health HEAD", "HEAD", "/health"),
        _step("health OPTIONS", "OPTIONS", "/health"),
        _step("health POST is 405", "POST", "/health", _CT, {}),
        _step("auth GET is 405", "GET", "/auth"),
        _step("user GET is 405", "GET", "/user"),
        _step("items PATCH is 405", "PATCH", "/items", _AUTH, {}),
        _step("items OPTIONS", "OPTIONS", "/items"),
        _step("unknown path", "GET", "/nope"),
        _step("auth without Content-Type or body", "POST", "/auth"),
        _step("auth without Content-Type", "POST", "/auth", (), {"username": "probe", "password": "x"}),
        _step("auth with an empty Content-Type", "POST", "/auth", [("Content-Type", "")], {"username": "x"}),
        _step("auth JSON without body", "POST", "/auth", _CT),
        _step("auth JSON empty body", "POST", "/auth", _CT, ""),
        _step("auth invalid JSON", "POST", "/auth", _CT, "{bad"),
        _step("auth JSON null", "POST", "/auth", _CT, "null"),
        _step("auth JSON list", "POST", "/auth", _CT, "[]"),
        _step("auth JSON empty object", "POST", "/auth", _CT, {}),
        _step("auth charset", "POST", "/auth", [("Content-Type", JSON + "; charset=utf-8")], USER),
        _step("auth text/plain", "POST", "/auth", [("Content-Type", "text/plain")], USER),
        _step("auth wrong password", "POST", "/auth", _CT, {"username": "probe", "password": "no"},
              fixture="error_credentials.json"),
        _step("auth username only", "POST", "/auth", _CT, {"username": "probe"}),
        _step("auth password not a string", "POST", "/auth", _CT, {"username": "probe", "password": 5}),
        _step("auth unknown user, password not a string", "POST", "/auth", _CT, {"username": "nobody", "password": 5}),
        _step("auth exp_delta Infinity", "POST", "/auth", _CT,
              '{"username": "probe", "password": "probe-login-pw", "exp_delta": Infinity}'),
        _step("auth", "POST", "/auth", _CT, {"username": "probe", "password": "probe-login-pw"}, save="token"),
        _step("auth expired", "POST", "/auth", _CT,
              {"username": "probe", "password": "probe-login-pw", "exp_delta": -60}, save="expired"),
        _step("fetchall without token", "GET", "/fetchall", fixture="error_no_token.json"),
        _step("fetchall Bearer token", "GET", "/fetchall", [("x-opp-jwt", "Bearer {token}")]),
    ] + _token_steps() + [
        _step("fetchall HEAD", "HEAD", "/fetchall", _AUTH),
        _step("items HEAD without phrase", "HEAD", "/items", _NO_PHRASE),
        _step("fetchall without phrase", "GET", "/fetchall", _NO_PHRASE),
        _step("fetchall wrong phrase", "GET", "/fetchall", _NO_PHRASE + [("x-opp-phrase", "wrong")]),
    ] + _fixture_scenario() + [
        _step("categories PUT empty list", "PUT", "/categories", _AUTH, {"category_names": []}),
        _step("categories PUT empty object", "PUT", "/categories", _AUTH, {}),
        _step("categories PUT JSON list", "PUT", "/categories", _AUTH, "[1]"),
        _step("categories PUT invalid JSON", "PUT", "/categories", _AUTH, "{bad"),
        _step("categories PUT without body", "PUT", "/categories", _AUTH),
        _step("categories PUT without Content-Type", "PUT", "/categories",
              [("x-opp-jwt", "{token}"), ("x-opp-phrase", "{phrase}")], {}),
        _step("categories PUT text/plain", "PUT", "/categories",
              [("Content-Type", "text/plain"), ("x-opp-jwt", "{token}"), ("x-opp-phrase", "{phrase}")], {}),
        _step("categories PUT number name", "PUT", "/categories", _AUTH, {"category_names": [5]}),
        _step("categories POST string id", "POST", "/categories", _AUTH, {"categories": [{"id": "1", "name": "Bank"}]}),
        _step("categories POST unknown id", "POST", "/categories", _AUTH, {"categories": [{"id": 77, "name": "C77"}]}),
        _step("categories POST word id", "POST", "/categories", _AUTH, {"categories": [{"id": "abc", "name": "x"}]}),
        _step("categories GET", "GET", "/categories", _AUTH),
        _step("items PUT string category_id", "PUT", "/items", _AUTH, {"items": [{"name": "s", "category_id": "3"}]}),
        _step("items PUT spaced string category_id", "PUT", "/items", _AUTH,
              {"items": [{"name": "sp", "category_id": " 3"}]}),
        _step("items PUT float category_id", "PUT", "/items", _AUTH, {"items": [{"name": "f", "category_id": 3.0}]}),
        _step("items PUT unknown string category_id", "PUT", "/items", _AUTH,
              {"items": [{"name": "u", "category_id": "999"}]}),
        _step("items PUT word category_id", "PUT", "/items", _AUTH, {"items": [{"name": "w", "category_id": "abc"}]}),
        _step("items PUT empty list", "PUT", "/items", _AUTH, {"items": []}),
        _step("items POST string id", "POST", "/items", _AUTH,
              {"items": [{"id": "1", "name": "Wells Fargo", "password": "changed", "category_id": "1"}]}),
        _step("items POST unknown string id", "POST", "/items", _AUTH, {"items": [{"id": "60", "name": "i60"}]}),
        _step("items POST unknown id", "POST", "/items", _AUTH, {"items": [{"id": 50, "name": "i50"}]}),
        _step("items POST word id", "POST", "/items", _AUTH, {"items": [{"id": "abc", "name": "w"}]}),
        _step("items POST unknown category", "POST", "/items", _AUTH,
              {"items": [{"id": 50, "name": "i50", "category_id": 999}]}),
        _step("items POST word id then a known id", "POST", "/items", _AUTH,
              {"items": [{"id": "abc", "name": "w"}, {"id": 50, "name": "i50"}]}),
        _step("items GET", "GET", "/items", _AUTH),
        _step("items DELETE string id", "DELETE", "/items", _NO_PHRASE, {"ids": ["60"]}),
        _step("items DELETE without body", "DELETE", "/items", _NO_PHRASE),
        _step("items DELETE empty list", "DELETE", "/items", _NO_PHRASE, {"ids": []}),
        _step("categories DELETE string id", "DELETE", "/categories", _NO_PHRASE, {"ids": ["3"], "cascade": False}),
        _step("fetchall at the end", "GET", "/fetchall", _AUTH),
        _step("user PUT without Content-Type", "PUT", "/user", (), {"username": "u"}),
        _step("user PUT invalid JSON", "PUT", "/user", _CT, "{bad"),
        _step("user PUT without body", "PUT", "/user", _CT),
        _step("user PUT short phrase", "PUT", "/user", _CT, {"username": "u", "password": "p", "phrase": "short"}),
    ]


# -- the exchange ----------------------------------------------------------------------------------
def _read_answer(sock, method):
    """(raw head, body, closed): closed when the server ended the connection after its answer."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data, b"", True
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    match = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    length = 0 if method == "HEAD" or not match else int(match.group(1))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return head, body, True
        body += chunk
    if not re.search(rb"(?im)^connection:\s*close\s*$", head):
        return head, body, False
    try:
        return head, body, sock.recv(1) == b""
    except socket.timeout:
        return head, body, False


def exchange(base_url, step, values):
    """Send one step as raw bytes; the answer as {status_line, headers, body, closed}."""
    parts = urlsplit(base_url)
    lines = ["%s %s/api/v1%s HTTP/1.1" % (step["method"], parts.path.rstrip("/"), step["path"]),
             "Host: %s" % parts.netloc]
    for name, value in step["headers"]:
        lines.append("%s: %s" % (name, value.format_map(values)))
    body = b"" if step["body"] is None else step["body"].encode("utf-8")
    if step["body"] is not None:
        lines.append("Content-Length: %d" % len(body))
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head, raw_body, closed = _read_answer(sock, step["method"])
    head_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in head_lines[1:]:
        name, dummy, value = line.partition(":")
        if name.strip().lower() in HEADERS:
            headers[name.strip().lower()] = value.strip()
    if "allow" in headers:  # a Python set on the real server: the order changes from run to run
        headers["allow"] = sorted(m.strip() for m in headers["allow"].split(","))
    text = raw_body.decode("utf-8")
    return {"status_line": head_lines[0], "headers": headers, "body": JWT.sub("<JWT>", text),
            "raw_body": text, "closed": closed}


def replay(base_url, each=None):
    """Run every step in order against base_url; {label: answer}."""
    values = {"phrase": USER["phrase"], "token": "", "expired": "", "header": "", "payload": "", "signature": ""}
    answers = {}
    for step in steps():
        answer = exchange(base_url, step, values)
        if step.get("save"):
            values[step["save"]] = JWT.search(answer["raw_body"]).group(0)
            if step["save"] == "token":
                values["header"], values["payload"], values["signature"] = values["token"].split(".")
        answers[step["label"]] = answer
        if each:
            each(step, answer)
    return answers


def record(base_url, source):
    answers = replay(base_url)
    for step in steps():
        if step.get("fixture"):
            with open(os.path.join(FIXTURES, step["fixture"]), "w", encoding="utf-8") as handle:
                handle.write(answers[step["label"]]["raw_body"])
    for answer in answers.values():
        del answer["raw_body"]
    with open(TRANSCRIPT, "w", encoding="utf-8") as handle:
        json.dump({"source": source, "answers": answers}, handle, indent=1, sort_keys=True)
        handle.write("\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", metavar="BASE_URL", required=True, help="a fresh real OPP server")
    parser.add_argument("--source", required=True, help="what ran there (commit, versions), kept in the file")
    args = parser.parse_args(argv)
    record(args.record, args.source)


if __name__ == "__main__":
    main()
