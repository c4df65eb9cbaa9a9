# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenPassPhrase client: the session (login once, re-login once on 401) and the helpers the
lookup and modules compose (find by name/id/category, merge before update, categories by name)."""

from __future__ import annotations

import re

from ansible_collections.pwman.secrets.plugins.module_utils import _opp_api as api
from ansible_collections.pwman.secrets.plugins.module_utils._connection import (
    build_http_client,
    checked_base_url,
    env_fallback_to,
    require,
)
from ansible_collections.pwman.secrets.plugins.module_utils._error_shapes import opp_error_message
from ansible_collections.pwman.secrets.plugins.module_utils._errors import (
    Ambiguous,
    ApiError,
    ConfigError,
    ConnectionFailed,
    NotFound,
    PwmanError,
    Redactor,
)

PRODUCT = "OPP"
ENV_PREFIX = "OPP"
API_SUFFIX = "/api/v1"
DEFAULT_TOKEN_LIFETIME = 300
MAX_TOKEN_LIFETIME = 2 ** 31
JSON_HEADERS = {"Content-Type": "application/json"}
# An item or a category given by id (lookup terms, category options): id:<number>.
ID_REFERENCE = re.compile(r"^id:\s*(\d+)\s*$")
# Error titles that say nothing the description does not say better.
_GENERIC_ERRORS = frozenset(("", "bad request", "authorization required", "unauthorized", "error"))


def opp_auth_argument_spec():
    """Module parameters for OPP credentials, with the same environment variables as the lookup."""
    return dict(
        login_username=dict(type="str", fallback=env_fallback_to("OPP_USERNAME")),
        login_password=dict(type="str", no_log=True, fallback=env_fallback_to("OPP_PASSWORD")),
        phrase=dict(type="str", no_log=True, fallback=env_fallback_to("OPP_PHRASE")),
        token_lifetime=dict(type="int", default=DEFAULT_TOKEN_LIFETIME, no_log=False,
                            fallback=env_fallback_to("OPP_TOKEN_LIFETIME")),
    )


def api_base_url(url):
    """The server root (or the API root) -> the API root ending in /api/v1."""
    url = url.rstrip("/")
    if url.endswith(API_SUFFIX):
        return url
    return url + API_SUFFIX


def opp_error_text(payload):
    """Every OPP error shape -> one message.

    Real: {"status_code", "error", "description"} ("Invalid token" + "Signature has expired",
    "Invalid password generation options!" + "For sanity's sake, ..."); real, bare:
    {"error": "Invalid Content-Type"}; documented: {"result": "error", "message"}.
    """
    if isinstance(payload, dict):
        error = payload.get("error")
        description = payload.get("description")
        if isinstance(error, str) and isinstance(description, str) and error and description:
            if error.strip().lower() in _GENERIC_ERRORS or description.startswith(error):
                return description
            separator = " " if error.rstrip()[-1:] in "!.?" else ": "
            return error.rstrip() + separator + description
    return opp_error_message(payload)


class OppConnection:
    """One server, one user: logs in once (lazily), sends the token and the phrase, re-logs in once on 401."""

    def __init__(self, options, need_phrase=True):
        self.redactor = Redactor()
        self.username = options.get_option_default("login_username")
        self.password = options.get_option_default("login_password")
        self.phrase = options.get_option_default("phrase")
        self.redactor.add(self.password, self.phrase)
        self.need_phrase = need_phrase
        lifetime = options.get_option_default("token_lifetime", DEFAULT_TOKEN_LIFETIME)
        try:
            lifetime = int(lifetime)
        except (TypeError, ValueError):
            raise ConfigError("Option 'token_lifetime' must be a whole number of seconds, got %r." % (lifetime,)) from None
        if lifetime < 1 or lifetime > MAX_TOKEN_LIFETIME:
            raise ConfigError("Option 'token_lifetime' must be between 1 and %d seconds, got %d."
                              % (MAX_TOKEN_LIFETIME, lifetime))
        self.token_lifetime = lifetime
        self.base_url = api_base_url(checked_base_url(options, "OPP_BASE_URL"))
        self.http = build_http_client(options, PRODUCT, ENV_PREFIX, opp_error_text, self.redactor,
                                      base_url=self.base_url)
        self.token = None
        self._snapshot = None
        self.logins = 0

    # -- credentials ----------------------------------------------------------------------
    def require_login(self):
        require(self, "login_username", "OPP_USERNAME")
        require(self, "login_password", "OPP_PASSWORD")

    def require_phrase(self):
        require(self, "phrase", "OPP_PHRASE")

    def get_option_default(self, name, default=None):
        """So that `require()` can name the missing credential."""
        value = {"login_username": self.username, "login_password": self.password,
                 "phrase": self.phrase}.get(name)
        return default if value is None else value

    def login(self):
        self.require_login()
        self.token = None
        try:
            token = api.authenticate(self, self.username, self.password, self.token_lifetime)
        except ApiError as exc:
            if exc.status in (400, 401) and "credentials" in str(exc.message).lower():
                raise ApiError(PRODUCT, exc.method, exc.path, exc.status,
                               "%s: login as %r refused; check login_username and login_password"
                               % (exc.message, self.username), content_type=exc.content_type) from None
            raise
        self.redactor.add(token)
        self.token = token
        self.logins += 1
        return token

    # -- transport ------------------------------------------------------------------------
    def call(self, method, path, body=None, auth=True, phrase=True):
        """One API call -> the parsed JSON body. Re-logs in once when the token is refused."""
        if auth and self.token is None:
            self.login()
        try:
            return self._send(method, path, body, auth, phrase)
        except ApiError as exc:
            if not auth or exc.status != 401:
                raise
        # The token expired or was revoked: the server refused before acting, so repeating is safe.
        self.login()
        return self._send(method, path, body, auth, phrase)

    def _send(self, method, path, body, auth, phrase):
        headers = dict(JSON_HEADERS)
        if auth:
            headers["x-opp-jwt"] = self.token
        if phrase:
            self.require_phrase()
            headers["x-opp-phrase"] = self.phrase
        idempotent = method in ("GET", "DELETE")
        response = self.http.request(method, "/" + path.lstrip("/"), json_body=body, headers=headers, idempotent=idempotent)
        payload = response.json()
        if isinstance(payload, dict) and payload.get("result") == "error":
            message = opp_error_text(payload) or "error"
            raise ApiError(PRODUCT, method, "/" + path, response.status, self.redactor(message),
                           content_type=response.content_type)
        return payload

    def close(self):
        self.http.close()

    def snapshot(self):
        """One /fetchall, kept until forget_data(): the lookup agent reuses it within one run."""
        if self._snapshot is None:
            self._snapshot = OppData.load(self)
        return self._snapshot

    def has_snapshot(self):
        return self._snapshot is not None

    def forget_data(self):
        self._snapshot = None


# -- helpers ----------------------------------------------------------------------------------
class OppData:
    """One /fetchall snapshot: categories and items, with lookups by name and id."""

    def __init__(self, categories, items):
        self.categories = categories
        self.items = items
        self.category_by_id = {c["id"]: c for c in categories}

    @classmethod
    def load(cls, conn):
        categories, items = api.fetch_all(conn)
        # Every stored password and free text is a secret from now on: an error that echoes an item never shows it.
        conn.redactor.add(*(item[field] for item in items for field in ("password", "blob")))
        return cls(categories, items)

    def category_name(self, category_id):
        if category_id is None:
            return None
        category = self.category_by_id.get(category_id)
        return category["name"] if category else None

    def categories_named(self, name):
        return [c for c in self.categories if c["name"] == name]

    def category_id(self, name, missing_ok=False):
        """The id of the ONE category called `name`, or of category `id:<n>` (None for "" / None, or when no
        category has the name and missing_ok; an id that does not exist is always an error)."""
        if name is None or name == "":
            return None
        match = ID_REFERENCE.match(name)
        if match:
            wanted = int(match.group(1))
            if wanted not in self.category_by_id:
                raise NotFound("No OPP category with id %s (category %r)." % (wanted, name))
            return wanted
        found = self.categories_named(name)
        if len(found) > 1:
            raise Ambiguous("%d OPP categories are named %r (ids %s); choose one with category='id:%s' (for "
                            "example), or rename the duplicates."
                            % (len(found), name, ", ".join(str(c["id"]) for c in found), found[0]["id"]))
        if not found:
            if missing_ok:
                return None
            raise NotFound("No OPP category named %r." % name)
        return found[0]["id"]

    def item_by_id(self, item_id):
        for item in self.items:
            if item["id"] == item_id:
                return item
        return None

    def in_category(self, items, category):
        """The items in `category` (a name, or id:<n>; "" for no category; None: all of them)."""
        if category is None:
            return list(items)
        if category == "":
            return [i for i in items if i["category_id"] is None or i["category_id"] not in self.category_by_id]
        wanted = self.category_id(category, missing_ok=True)
        return [i for i in items if wanted is not None and i["category_id"] == wanted]

    def find_items(self, name, category=None):
        """Items called `name`, in category `category` when given."""
        return self.in_category([i for i in self.items if i["name"] == name], category)

    def describe(self, item):
        category = self.category_name(item["category_id"])
        return "id %s%s" % (item["id"], " in category %r" % category if category else " (no category)")

    def one_item(self, name=None, item_id=None, category=None, missing_ok=False):
        """The one item with `item_id`, or called `name` (in `category`); clear errors otherwise."""
        if item_id is not None:
            item = self.item_by_id(item_id)
            if item is None and not missing_ok:
                raise NotFound("No OPP item with id %s." % item_id)
            return item
        found = self.find_items(name, category)
        where = " in category %r" % category if category else ""
        if len(found) > 1:
            raise Ambiguous("%d OPP items are named %r%s (%s); give the category or the id."
                            % (len(found), name, where, "; ".join(self.describe(i) for i in found)))
        if not found:
            if missing_ok:
                return None
            raise NotFound("No OPP item named %r%s." % (name, where))
        return found[0]

    def public_item(self, item, with_secrets=False):
        """An item as returned to the user: the category name added; the password and the free text
        (`blob`, where OPP users keep PINs and notes: a secret, like Passbolt's encrypted description)
        only when asked."""
        out = {k: item[k] for k in ("id", "name", "url", "account", "username", "category_id")}
        out["category"] = self.category_name(item["category_id"])
        if with_secrets:
            out["blob"] = item["blob"]
            out["password"] = item["password"]
        return out


def full_item(current, changes):
    """The WHOLE item to send to POST /items: the server blanks every field left out."""
    item = {"id": current["id"]}
    for field in api.ITEM_FIELDS:
        item[field] = current.get(field, "") or ""
    item["category_id"] = current.get("category_id")
    for key, value in changes.items():
        if key in api.ITEM_FIELDS or key == "category_id":
            item[key] = value
    return item


def genopts_from(params):
    """Module options -> the server's genopts (only the ones set; validated like the server does)."""
    genopts = {}
    length = params.get("password_length")
    if length is not None:
        if length < 8 or length > 100:
            raise ConfigError("Option 'password_length' must be between 8 and 100 for OPP (server limit), got %d."
                              % length)
        genopts["numChars"] = length
    low = params.get("word_min_length")
    high = params.get("word_max_length")
    if low is not None:
        if low < 5 or low > 15:
            raise ConfigError("Option 'word_min_length' must be between 5 and 15 (server limit), got %d." % low)
        genopts["min_length"] = low
    if high is not None:
        if high < 5 or high > 20:
            raise ConfigError("Option 'word_max_length' must be between 5 and 20 (server limit), got %d." % high)
        genopts["max_length"] = high
    if low is not None and high is not None and low > high:
        raise ConfigError("Option 'word_min_length' (%d) cannot be larger than 'word_max_length' (%d)." % (low, high))
    if params.get("word_chars"):
        try:
            # What the server's generator (xkcdpass) compiles: a broken expression makes it fail without an answer.
            re.compile("^{0}{{{1},{2}}}$".format(params["word_chars"], low or 5, high or 9))
        except re.error as exc:
            raise ConfigError("Option 'word_chars' is not a valid regular expression (%s), got %r. It is the pattern "
                              "of one letter of a word, such as '[a-z]' or '[a-zA-Z]'." % (exc, params["word_chars"]))
        genopts["valid_chars"] = params["word_chars"]
    return genopts


# The module option behind each genopts key, to name them in messages.
GENOPT_OPTIONS = (("numChars", "password_length"), ("min_length", "word_min_length"),
                  ("max_length", "word_max_length"), ("valid_chars", "word_chars"))
# How a request dies when the real server's generator raises (shared/api/opp.md): no answer at all.
_DROPPED = ("Remote end closed connection without response", "Connection reset by peer", "Connection aborted")


def generation_failure(exc, genopts):
    """The error to show when a request asking the server to generate failed in the generator, else None.

    The real server closes the connection without an answer (its source says JSON 500 "Exception
    during password generation!": both are accepted). Writes are never repeated, and the server
    generates before it writes, so nothing was stored.
    """
    if isinstance(exc, ConnectionFailed) and any(text in str(exc) for text in _DROPPED):
        how = "closed the connection without an answer"
    elif isinstance(exc, ApiError) and exc.status == 500 and "generat" in str(exc.message).lower():
        how = "answered %r" % str(exc.message)
    else:
        return None
    given = ["%s: %r (genopts.%s)" % (option, genopts[key], key) for key, option in GENOPT_OPTIONS
             if key in (genopts or {})]
    options = ("these generator options: " + ", ".join(given)) if given else "the server's default generator options"
    return PwmanError("The OPP server failed to generate a password with %s; it %s. Nothing was stored and the "
                      "request was not repeated. Change the generator options (a word_chars expression that no "
                      "word of the server's word list matches, such as '[0-9]', always fails)." % (options, how))
