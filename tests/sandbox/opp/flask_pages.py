"""How the real OPP server frames its answers: Flask 2.3 on Werkzeug's server, as opp's Dockerfile runs it
(`python3 opp/flask/__init__.py`, which also applies flask_cors). Recorded in
tests/unit/fixtures/opp/transcript_real.json; sources in tests/sandbox/opp/README.md.
"""

from __future__ import annotations

import json

from sandbox.common.httpserver import Response

HTML = "text/html; charset=utf-8"
# Werkzeug sends its status strings upper-case ("400 BAD REQUEST").
REASONS = {200: "OK", 400: "BAD REQUEST", 401: "UNAUTHORIZED", 404: "NOT FOUND", 405: "METHOD NOT ALLOWED",
           500: "INTERNAL SERVER ERROR"}

PAGE_400 = ("<!doctype html>\n<html lang=en>\n<title>400 Bad Request</title>\n<h1>Bad Request</h1>\n"
            "<p>The browser (or proxy) sent a request that this server could not understand.</p>\n")
PAGE_404 = ("<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
            "<p>The requested URL was not found on the server. If you entered the URL manually please "
            "check your spelling and try again.</p>\n")
PAGE_405 = ("<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n"
            "<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n")
PAGE_500 = ("<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
            "<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable "
            "to complete your request. Either the server is overloaded or there is an error in the "
            "application.</p>\n")


def answer(status, body, content_type=HTML, headers=()):
    """Every answer: Werkzeug's reason, flask_cors' header, and the connection closed (Werkzeug's
    server closes after each answer)."""
    headers = list(headers) + [("Access-Control-Allow-Origin", "*"), ("Connection", "close")]
    return Response(status, body, content_type, headers, reason=REASONS.get(status))


def jsonify(payload, status=200, headers=()):
    """flask.jsonify outside debug mode: sorted keys, no spaces, a newline, application/json."""
    return answer(status, json.dumps(payload, separators=(",", ":"), sort_keys=True) + "\n",
                  "application/json", headers)


def allow(methods):
    """Flask's Allow header: the route's methods with HEAD (for GET) and OPTIONS, in the order of a
    Python set, which changes from process to process on the real server too."""
    methods = set(methods) | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
    return ("Allow", ", ".join(methods))
