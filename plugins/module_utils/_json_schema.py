# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JSON Schema rules Passbolt's resource type definitions use (GET /resource-types.json), checked in Python.

`problem(schema, value, path)` names the first rule a value breaks, or returns None. The sentence names the field and
the rule, never the value (values are often secrets). Keywords outside this list are ignored, as JSON Schema ignores
keywords it does not know.
"""

from __future__ import annotations

import re

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TYPE_WORDS = {"string": "a string", "number": "a number", "integer": "a whole number", "boolean": "true or false",
              "null": "null", "object": "an object", "array": "a list"}


def _is_type(value, name):
    if name == "string":
        return isinstance(value, str)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "integer":
        whole = isinstance(value, float) and value.is_integer()
        return (isinstance(value, int) and not isinstance(value, bool)) or whole
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    return True  # a type this checker does not know (or PHP's `"type": null`): no constraint


def _types(schema):
    wanted = schema.get("type")
    return [wanted] if isinstance(wanted, str) else [t for t in wanted if isinstance(t, str)] \
        if isinstance(wanted, list) else []


def _number(schema, key):
    value = schema.get(key)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _words(schema):
    """What a schema accepts, in words ("a string or null")."""
    found = []
    for branch in schema.get("anyOf") or [schema]:
        if isinstance(branch, dict):
            found.extend(TYPE_WORDS.get(t, t) for t in _types(branch))
    return " or ".join(dict.fromkeys(found)) or "another value"


def problem(schema, value, path):  # noqa: C901 - one branch per keyword
    """The first rule of `schema` that `value` breaks, as "<path> must ... (<keyword>)"; None when it passes."""
    if not isinstance(schema, dict):
        return None
    types = _types(schema)
    if types and not any(_is_type(value, t) for t in types):
        return "%s must be %s (type)" % (path, " or ".join(TYPE_WORDS.get(t, t) for t in types))
    if isinstance(schema.get("anyOf"), list):
        branches = [b for b in schema["anyOf"] if isinstance(b, dict)]
        if branches and all(problem(b, value, path) for b in branches):
            same_type = [b for b in branches if _types(b) and any(_is_type(value, t) for t in _types(b))]
            if len(same_type) == 1:
                return problem(same_type[0], value, path)
            return "%s must be %s (anyOf)" % (path, _words(schema))
    if isinstance(schema.get("enum"), list) and value not in schema["enum"]:
        return "%s must be one of %s (enum)" % (path, ", ".join(str(v) for v in schema["enum"]))
    if isinstance(value, str):
        return _string_problem(schema, value, path)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_problem(schema, value, path)
    if isinstance(value, list):
        return _array_problem(schema, value, path)
    if isinstance(value, dict):
        return _object_problem(schema, value, path)
    return None


def _string_problem(schema, value, path):
    longest, shortest = _number(schema, "maxLength"), _number(schema, "minLength")
    if longest is not None and len(value) > longest:
        return "%s must be at most %d characters long (maxLength)" % (path, longest)
    if shortest is not None and len(value) < shortest:
        return "%s must be at least %d characters long (minLength)" % (path, shortest)
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            # ECMA-262 regular expressions (JSON Schema's dialect): \d is an ASCII digit, as with re.ASCII
            matched = re.search(pattern, value, re.ASCII)
        except re.error:
            matched = True  # a pattern Python cannot read: not checked here
        if not matched:
            return "%s must match the pattern %s (pattern)" % (path, pattern)
    if schema.get("format") == "uuid" and not UUID_RE.match(value):
        return "%s must be a UUID (format)" % path
    return None


def _number_problem(schema, value, path):
    for key, fails, words in (("minimum", lambda lim: value < lim, "at least"),
                              ("maximum", lambda lim: value > lim, "at most"),
                              ("exclusiveMinimum", lambda lim: value <= lim, "more than"),
                              ("exclusiveMaximum", lambda lim: value >= lim, "less than")):
        limit = _number(schema, key)
        if limit is not None and fails(limit):
            return "%s must be %s %s (%s)" % (path, words, limit, key)
    return None


def _array_problem(schema, value, path):
    most, least = _number(schema, "maxItems"), _number(schema, "minItems")
    if most is not None and len(value) > most:
        return "%s must have at most %d items (maxItems)" % (path, most)
    if least is not None and len(value) < least:
        return "%s must have at least %d items (minItems)" % (path, least)
    if isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found = problem(schema["items"], item, "%s[%d]" % (path, index))
            if found:
                return found
    return None


def _object_problem(schema, value, path):
    for name in schema.get("required") or []:
        if isinstance(name, str) and name not in value:
            return "%s is required (required)" % _join(path, name)
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    for name, sub in properties.items():
        if name in value:
            found = problem(sub, value[name], _join(path, name))
            if found:
                return found
    return None


def _join(path, name):
    return "%s.%s" % (path, name) if path else name
