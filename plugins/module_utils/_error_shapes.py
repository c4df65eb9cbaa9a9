# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each product's error body, turned into one human message (or None when the body has none)."""

from __future__ import annotations


def _flatten_validation(body):
    """Passbolt validation errors: {field: {rule: message}} (possibly nested for secrets.0.data)."""
    found = []

    def walk(prefix, node):
        if isinstance(node, dict):
            for key, value in node.items():
                walk("%s.%s" % (prefix, key) if prefix else str(key), value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk("%s.%s" % (prefix, index), value)
        elif isinstance(node, str):
            field = prefix.rsplit(".", 1)[0] if "." in prefix else prefix
            found.append("%s: %s" % (field, node))

    walk("", body)
    return found


def passbolt_error_message(payload):
    if not isinstance(payload, dict):
        return None
    header = payload.get("header")
    message = header.get("message") if isinstance(header, dict) else None
    details = _flatten_validation(payload.get("body")) if isinstance(payload.get("body"), dict) else []
    if details:
        return "%s (%s)" % (message or "Validation error", "; ".join(details[:10]))
    return message


def passwordstate_error_message(payload):
    """[{"errors": [{"message": "..."}, {"phrase": "..."}]}], also accepted without the outer list; newer servers
    key entries "error" (ruby-passwordstate reads message, phrase or error), as a text or the same list."""
    if isinstance(payload, list) and payload:
        payload = payload[0]
    if not isinstance(payload, dict):
        return None
    errors = payload.get("errors", payload.get("error"))
    if isinstance(errors, str):
        return errors or None
    if isinstance(errors, dict):
        errors = [errors]
    if not isinstance(errors, list):
        return None
    parts = []
    for entry in errors:
        if isinstance(entry, dict):
            for key in ("message", "phrase", "error"):
                if entry.get(key):
                    parts.append(str(entry[key]))
        elif isinstance(entry, str) and entry:
            parts.append(entry)
    return " - ".join(parts) or None


def opp_error_message(payload):
    """Real server: {"status_code", "error", "description"}; documented: {"result": "error", "message"}."""
    if not isinstance(payload, dict):
        return None
    for key in ("description", "message", "error", "msg"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
    return None
