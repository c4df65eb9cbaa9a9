# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenPassPhrase REST API: one function per endpoint, and the parsing of its bodies.

Every function takes a connection with `call(method, path, body=None, auth=True, phrase=True)`
(see _opp_client.OppConnection) and returns plain Python data. Bodies are parsed whatever
their content type (the real server serves JSON as text/html); both the documented shapes
and the real ones are accepted:

- items: a flat `category_id` (/fetchall) or a nested `category: {"id", "name"}` (/items);
- update answers: `{"result": "success", "items": [...]}` (real) or `{"result": "success"}` (documented);
- errors: `{"status_code", "error", "description"}` (real) or `{"result": "error", "message"}` (documented,
  possibly with HTTP 200).
"""

from __future__ import annotations

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ApiError

ITEM_FIELDS = ("name", "url", "account", "username", "password", "blob")
PRODUCT = "OPP"


# -- parsing ---------------------------------------------------------------------------
def _bad(method, path, what):
    return ApiError(PRODUCT, method, path, None, "unexpected answer: %s" % what)


def check_result(payload, method, path):
    """A 2xx body: a JSON object whose `result` (when present) is not "error"."""
    if not isinstance(payload, dict):
        raise _bad(method, path, "expected a JSON object, got %s" % type(payload).__name__)
    if payload.get("result") == "error":
        message = payload.get("message") or payload.get("description") or payload.get("error") or "error"
        raise ApiError(PRODUCT, method, path, None, str(message))
    return payload


def _as_id(value, method, path, what):
    if value is None:
        return None
    if isinstance(value, bool):
        raise _bad(method, path, "%s id is a boolean" % what)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise _bad(method, path, "%s id %r is not a number" % (what, value))


def _as_text(value):
    return "" if value is None else str(value)


def parse_item(raw, method, path):
    """One item, whatever its shape, as {id, name, url, account, username, password, blob, category_id}."""
    if not isinstance(raw, dict):
        raise _bad(method, path, "an item is not a JSON object")
    item = {"id": _as_id(raw.get("id"), method, path, "item")}
    for field in ITEM_FIELDS:
        item[field] = _as_text(raw.get(field))
    if "category_id" in raw:
        category_id = raw.get("category_id")
    else:
        category = raw.get("category")
        category_id = category.get("id") if isinstance(category, dict) else category
    item["category_id"] = _as_id(category_id, method, path, "category")
    return item


def parse_items(payload, method, path, required=True):
    """The `items` list of a body (None when absent and not required)."""
    check_result(payload, method, path)
    raw = payload.get("items")
    if raw is None and not required:
        return None
    if not isinstance(raw, list):
        raise _bad(method, path, "no 'items' list")
    return [parse_item(entry, method, path) for entry in raw]


def parse_category(raw, method, path):
    if not isinstance(raw, dict):
        raise _bad(method, path, "a category is not a JSON object")
    return {"id": _as_id(raw.get("id"), method, path, "category"), "name": _as_text(raw.get("name"))}


def parse_categories(payload, method, path, required=True):
    check_result(payload, method, path)
    raw = payload.get("categories")
    if raw is None and not required:
        return None
    if not isinstance(raw, list):
        raise _bad(method, path, "no 'categories' list")
    return [parse_category(entry, method, path) for entry in raw]


# -- endpoints -------------------------------------------------------------------------
def health(conn):
    return conn.call("GET", "health", auth=False, phrase=False)


def authenticate(conn, username, password, exp_delta):
    """POST /auth -> the access token (no `result` key in the real answer)."""
    payload = conn.call("POST", "auth", {"username": username, "password": password, "exp_delta": exp_delta},
                        auth=False, phrase=False)
    if isinstance(payload, dict) and payload.get("result") == "error":
        check_result(payload, "POST", "/auth")
    token = payload.get("access_token") if isinstance(payload, dict) else None
    if not isinstance(token, str) or not token:
        raise _bad("POST", "/auth", "no access_token")
    return token


def fetch_all(conn):
    """GET /fetchall -> (categories, items)."""
    payload = conn.call("GET", "fetchall")
    return (parse_categories(payload, "GET", "/fetchall"), parse_items(payload, "GET", "/fetchall"))


def get_categories(conn):
    return parse_categories(conn.call("GET", "categories"), "GET", "/categories")


def create_categories(conn, names):
    """PUT /categories -> the created categories (None if the server does not say)."""
    payload = conn.call("PUT", "categories", {"category_names": list(names)})
    return parse_categories(payload, "PUT", "/categories", required=False)


def update_categories(conn, categories):
    """POST /categories [{"id", "name"}] -> {"result": "success"}."""
    check_result(conn.call("POST", "categories", {"categories": list(categories)}), "POST", "/categories")


def delete_categories(conn, ids, cascade):
    check_result(conn.call("DELETE", "categories", {"ids": list(ids), "cascade": bool(cascade)}, phrase=False),
                 "DELETE", "/categories")


def get_items(conn):
    return parse_items(conn.call("GET", "items"), "GET", "/items")


def _item_body(items, auto_pass, unique, genopts):
    body = {"items": list(items)}
    if auto_pass:
        body["auto_pass"] = True
        body["unique"] = bool(unique)
        if genopts:
            body["genopts"] = dict(genopts)
    return body


def create_items(conn, items, auto_pass=False, unique=False, genopts=None):
    """PUT /items -> the created items (None when the server only says success)."""
    payload = conn.call("PUT", "items", _item_body(items, auto_pass, unique, genopts))
    return parse_items(payload, "PUT", "/items", required=False)


def update_items(conn, items, auto_pass=False, unique=False, genopts=None):
    """POST /items: a FULL replacement of each item -> the items (None with the documented answer)."""
    payload = conn.call("POST", "items", _item_body(items, auto_pass, unique, genopts))
    return parse_items(payload, "POST", "/items", required=False)


def delete_items(conn, ids):
    check_result(conn.call("DELETE", "items", {"ids": list(ids)}, phrase=False), "DELETE", "/items")


def create_user(conn, username, password, phrase):
    check_result(conn.call("PUT", "user", {"username": username, "password": password, "phrase": phrase},
                           auth=False, phrase=False), "PUT", "/user")


def update_user(conn, username, password, new_username="", new_password=""):
    """Both new_* keys are always sent (the real server fails when one is missing); "" means unchanged."""
    body = {"username": username, "password": password,
            "new_username": new_username or "", "new_password": new_password or ""}
    check_result(conn.call("POST", "user", body, auth=False, phrase=False), "POST", "/user")


def delete_user(conn, username, password):
    check_result(conn.call("DELETE", "user", {"username": username, "password": password},
                           auth=False, phrase=False), "DELETE", "/user")
