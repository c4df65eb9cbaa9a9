"""The ways a request to the real OPP server ends other than with an answer of its handler."""

from __future__ import annotations


class OppError(Exception):
    """opp/api/v1/base_handler.py OppError: {"status_code", "error", "description"} (indent 4), text/html."""

    def __init__(self, error, desc=None, status=400, headers=None):
        super().__init__(error)
        self.error = error or ""
        self.desc = desc or ""
        self.status = status or 400
        self.headers = headers or []


class JWTError(Exception):
    """opp/flask/flask_jwt.py JWTError: the same three keys through flask.jsonify, application/json."""

    def __init__(self, error, description, status=401, headers=None):
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or []


class BadRequest(Exception):
    """Flask's request.get_json() on a body that is not JSON (or none): Werkzeug's 400 page."""


class GeneratorCrash(Exception):
    """The password generator failed: the real server drops the connection (shared/api/opp.md)."""


class Crash(Exception):
    """An unhandled error in the real server (TypeError, KeyError, a failed commit): Flask's 500 page."""
