"""An imitation of a real OpenPassPhrase (OPP) server, quirks included.

It does what openpassphrase/opp does (opp/flask/json_server.py, opp/flask/flask_jwt.py,
opp/api/v1/*.py, opp/db/*.py) run as its Dockerfile runs it, on SQLite; what each answer is and
where it comes from: README.md here; the recorded answers: tests/unit/fixtures/opp/transcript_real.json.
In short:
- routes under /api/v1; GET /health needs nothing; POST /auth returns {"access_token"}
  (an HS256 JWT: exp, iat, nbf, identity; 300 s by default; 10 s leeway);
- the token travels in `x-opp-jwt` (a value with a space, e.g. "Bearer x", is rejected);
- `x-opp-phrase` unlocks the data; every field is AES-256-CBC encrypted with SHA-256(phrase);
- non-GET requests must send exactly `Content-Type: application/json`;
- success bodies are JSON served as text/html; handler errors are 400 {"status_code", "error",
  "description"} (also text/html); a password generator failure closes the connection with no
  answer (shared/api/opp.md); JWT errors are 401 through flask.jsonify; a crash is an HTML page;
- POST /items is a full replacement and returns the items; an unknown id creates an item.

Test data only; the JWT secret is random per process.
"""

from __future__ import annotations

import calendar
import json
import secrets
from collections import OrderedDict
from datetime import datetime, timedelta

from sandbox.common.httpserver import App, Response
from sandbox.opp import generator, seed_data, tokens
from sandbox.opp.cipher import AESCipher, check_password, hash_password
from sandbox.opp.errors import BadRequest, Crash, GeneratorCrash, JWTError, OppError
from sandbox.opp.flask_pages import PAGE_400, PAGE_404, PAGE_405, PAGE_500, allow, answer, jsonify
from sandbox.opp.sqlite_values import Affinity, Unbindable

API = "/api/v1"
DEFAULT_EXP_DELTA = 300
FIELDS = ("name", "url", "account", "username", "password", "blob")
_UNBINDABLE = object()  # a category id no row can hold


class OppApp(App):
    product = "opp"
    http_version = "HTTP/1.0"  # Werkzeug's development server, not threaded (opp/flask/__init__.py)

    def __init__(self, config=None):
        super().__init__(config)
        self.jwt_secret = secrets.token_bytes(32)
        self.users = {}        # id -> {"username", "password", "phrase_check"}
        self.categories = {}   # id -> {"user_id", "name"}
        self.items = {}        # id -> {"user_id", fields..., "category_id"}
        self.affinity = Affinity()
        self.settings = {"expire_next_tokens": 0, "crash_next": 0, "generation_fails": False}
        self.issued_tokens = []
        self.allowed = {}      # path -> the methods of its route
        self._register()

    # -- helpers ------------------------------------------------------------------------
    @staticmethod
    def _new_id(table):
        """SQLite's rowid for a table without AUTOINCREMENT: one more than the largest, so the id of
        a deleted last row is given again."""
        return max(table, default=0) + 1

    @staticmethod
    def ok(payload):
        return answer(200, json.dumps(payload))

    def internal_error(self, request, exc):
        return answer(500, PAGE_500)

    def not_found(self, request):
        return answer(404, PAGE_404)

    def method_not_allowed(self, request):
        return answer(405, PAGE_405, headers=[allow(self.allowed[request.path])])

    def _guard(self, request, handler):
        """Run a handler the way Flask would: OppError/JWTError are JSON, the rest is a crash."""
        try:
            if self.settings["crash_next"] > 0:
                self.settings["crash_next"] -= 1
                raise Crash("injected crash")
            return handler()
        except OppError as exc:
            body = json.dumps(OrderedDict([("status_code", exc.status), ("error", exc.error),
                                           ("description", exc.desc)]), indent=4)
            return answer(exc.status, body, headers=exc.headers)
        except GeneratorCrash:
            return Response.dropped()
        except JWTError as exc:
            return jsonify(OrderedDict([("status_code", exc.status), ("error", exc.error),
                                        ("description", exc.description)]), exc.status, exc.headers)
        except BadRequest:
            return answer(400, PAGE_400)
        except Exception:  # noqa: BLE001 - the Flask 500 page
            return self.internal_error(request, None)

    @staticmethod
    def _enforce_content_type(request):
        """json_server._enforce_content_type: every method but GET (HEAD too)."""
        if request.method == "GET":
            return None
        content_type = request.header("Content-Type")
        if content_type is None:
            return answer(400, '{"error": "Mising Content-Type"}')
        if content_type != "application/json":
            return answer(400, '{"error": "Invalid Content-Type"}')
        return None

    @staticmethod
    def _json(request):
        """Flask's request.get_json(): no body or not JSON -> Werkzeug's 400 page."""
        try:
            return json.loads(request.body)
        except ValueError:
            raise BadRequest() from None

    @staticmethod
    def _payload(request, spec):
        """base_handler._check_payload: spec is [(name, is_list, required)]."""
        body = OppApp._json(request)
        if not body:
            raise OppError("Missing payload!")
        if not isinstance(body, dict):
            raise Crash("TypeError: a JSON %s indexed by name" % type(body).__name__)
        found = []
        for name, is_list, required in spec:
            if name in body:
                value = body[name]
                if is_list and not isinstance(value, list):
                    raise OppError("'%s' object should be in list form!" % name)
                if not is_list and isinstance(value, list):
                    raise OppError("'%s' object should not be in list form!" % name)
                found.append(value)
            elif required is None:
                raise Crash("KeyError: 'required'")  # the real 'phrase' spec has no 'required'
            elif required:
                raise OppError("Required payload object '%s' is missing!" % name)
            else:
                found.append([] if is_list else {})
        return found

    @staticmethod
    def _by_method(request, handlers):
        """BaseResponseHandler.respond: HEAD reaches the handler and is refused there."""
        handler = handlers.get(request.method)
        if handler is None:
            raise OppError("Method not supported!")
        return handler()

    # -- JWT ------------------------------------------------------------------------------
    def issue_token(self, user_id, lifetime):
        """flask_jwt's payload: datetimes, which PyJWT turns into whole seconds."""
        iat = datetime.utcnow()
        if self.settings["expire_next_tokens"] > 0:
            self.settings["expire_next_tokens"] -= 1
            lifetime = timedelta(seconds=-3600)
        exp = iat + lifetime  # OverflowError for a huge negative exp_delta: a 500, as there

        def seconds(moment):
            return calendar.timegm(moment.utctimetuple())

        token = tokens.encode(self.jwt_secret, {"exp": seconds(exp), "iat": seconds(iat), "nbf": seconds(iat),
                                                "identity": user_id})
        self.issued_tokens.append(token)  # for the leak-scan tests (admin GET tokens)
        return token

    @staticmethod
    def _lifetime(exp_delta):
        """flask_jwt._default_jwt_payload_handler: int(exp_delta) when truthy, else the default."""
        default = timedelta(seconds=DEFAULT_EXP_DELTA)
        if not exp_delta:
            return default
        try:
            seconds = int(exp_delta)
            return default if seconds > 2 ** 31 else timedelta(seconds=seconds)
        except Exception:  # noqa: BLE001 - as the real server
            return default

    @staticmethod
    def _bound(convert, value):
        """A value as SQLite binds it into a query; one the driver cannot bind crashes the request."""
        try:
            return convert(value)
        except Unbindable:
            raise Crash("InterfaceError") from None

    def _user_by_id(self, value):
        """api.user_get_by_id: a falsy id finds nobody; the id compared as SQLite compares it."""
        user_id = self._bound(self.affinity.as_id, value) if value else None
        return user_id if user_id in self.users else None

    def current_user(self, request):
        value = request.header("x-opp-jwt")
        if not value:
            raise JWTError("Authorization Required", "Request does not contain an access token",
                           headers=[("WWW-Authenticate", 'JWT realm="Login Required"')])
        if len(value.split()) > 1:
            raise JWTError("Invalid JWT header", "Token contains spaces")
        try:
            claims = tokens.decode(self.jwt_secret, value)
        except tokens.TokenError as exc:
            raise JWTError("Invalid token", str(exc)) from None
        user_id = self._user_by_id(claims["identity"])  # KeyError without the claim: a 500
        if user_id is None:
            raise JWTError("Invalid JWT", "User does not exist")
        return user_id

    def cipher_for(self, request, user_id, require_phrase):
        if not require_phrase:
            return None
        phrase = request.header("x-opp-phrase")
        if phrase is None:
            raise OppError("Passphrase header missing!")
        cipher = AESCipher(phrase)
        try:
            if cipher.decrypt(self.users[user_id]["phrase_check"]) != "OK":
                raise OppError("Incorrect passphrase supplied!")
        except (UnicodeDecodeError, ValueError):
            raise OppError("Incorrect passphrase supplied!") from None
        return cipher

    # -- extraction ---------------------------------------------------------------------------
    def category_out(self, cid, cipher):
        """models.Category.extract: sort_id is the column default 0, which the API never changes."""
        return {"id": cid, "name": cipher.decrypt(self.categories[cid]["name"]), "sort_id": 0}

    def item_out(self, iid, cipher, with_category=True):
        item = self.items[iid]
        out = {"id": iid}
        for field in FIELDS:
            out[field] = cipher.decrypt(item[field])
        out["sort_id"] = 0
        if with_category:
            cid = item["category_id"]
            out["category"] = self.category_out(cid, cipher) if cid in self.categories else {"id": cid}
        else:
            out["category_id"] = item["category_id"]
        return out

    def user_items(self, user_id):
        """ORDER BY sort_id, all 0: SQLite returns them by id."""
        return sorted(i for i, v in self.items.items() if v["user_id"] == user_id)

    def user_categories(self, user_id):
        return sorted(c for c, v in self.categories.items() if v["user_id"] == user_id)

    def _ids(self, values, failure):
        """The integer ids a list of JSON values matches in SQL `id IN (...)`."""
        try:
            return [self.affinity.as_id(value) for value in values]
        except Unbindable:
            raise OppError(failure) from None

    # -- writes, as SQLAlchemy 1.3 makes them ----------------------------------------------------
    def _foreign_key_ok(self, record):
        cid = record.get("category_id")
        return cid is None or cid in self.categories

    def _flush(self, table, pending, failure):
        """INSERT or UPDATE each (raw id, record): the id must become an integer (SQLite's INTEGER
        PRIMARY KEY) and the category must exist (PRAGMA foreign_keys=ON)."""
        for raw_id, record in pending:
            row_id = self.affinity.as_id(raw_id)
            if row_id is None or not self._foreign_key_ok(record):
                raise failure
            table[row_id] = record

    def _merge_all(self, table, rows, failure):
        """api.item_update / api.category_update: session.merge() of each (raw id, record) in one
        transaction. A merge of an id not in the session's identity map SELECTs it, which first
        flushes the earlier merges (autoflush): a bad one fails there, inside the handler's try (400
        `failure`); the last ones are flushed at the commit, after it (a 500)."""
        snapshot = dict(table)
        pending, in_session = [], []
        try:
            for raw_id, record in rows:
                try:
                    hash(raw_id)
                except TypeError:  # an unhashable id cannot be looked up in the identity map
                    raise OppError(failure) from None
                if raw_id not in in_session:
                    self._flush(table, pending, OppError(failure))
                    pending = []
                    try:
                        row_id = self.affinity.as_id(raw_id)
                    except Unbindable:
                        raise OppError(failure) from None
                    if row_id in table:
                        in_session.append(row_id)
                pending.append((raw_id, record))
            self._flush(table, pending, Crash("IntegrityError at the commit"))
        except Exception:
            table.clear()
            table.update(snapshot)
            raise

    # -- routes ---------------------------------------------------------------------------------
    def _endpoint(self, path, methods, handler):
        """A Flask route: its methods, HEAD with GET, and OPTIONS answered by Flask itself."""
        self.allowed[API + path] = methods
        for method in methods + (("HEAD",) if "GET" in methods else ()):
            self.route(method, API + path)(handler)
        self.route("OPTIONS", API + path)(lambda request: answer(200, "", headers=[allow(methods)]))

    def _register(self):
        self._endpoint("/health", ("GET",),
                       lambda request: self.ok({"status": "OpenPassPhrase service is running"}))
        self._endpoint("/auth", ("POST",), lambda request: self._guard(request, lambda: self._auth(request)))
        self._endpoint("/user", ("PUT", "POST", "DELETE"),
                       lambda request: self._guard(request, lambda: self._user(request)))
        self._endpoint("/fetchall", ("GET",), self._protected(self._fetchall))
        self._endpoint("/categories", ("GET", "PUT", "POST", "DELETE"), self._protected(self._categories))
        self._endpoint("/items", ("GET", "PUT", "POST", "DELETE"), self._protected(self._items))

        @self.admin("POST", "settings")
        def settings(request):
            self.settings.update(request.json())
            return Response.json(self.settings)

        @self.admin("GET", "state")
        def state(request):
            """The stored (encrypted) records, as a database dump would show them."""
            return Response.json({
                "users": {str(k): {"username": v["username"], "phrase_check": v["phrase_check"]}
                          for k, v in self.users.items()},
                "categories": {str(k): v for k, v in self.categories.items()},
                "items": {str(k): v for k, v in self.items.items()},
            })

        @self.admin("GET", "tokens")
        def issued(request):
            """Every JWT issued so far (tests search their output for them)."""
            return Response.json({"tokens": list(self.issued_tokens)})

        @self.admin("POST", "seed")
        def seed(request):
            self.seed((request.json() or {}).get("profile", "demo"))
            return Response.json({"ok": True})

    def _protected(self, handler):
        """@jwt_required first, then the content type, then the handler."""
        def wrapped(request):
            def run():
                user_id = self.current_user(request)
                err = self._enforce_content_type(request)
                if err is not None:
                    return err
                return handler(request, user_id)
            return self._guard(request, run)
        return wrapped

    # -- /auth ----------------------------------------------------------------------------------
    def _user_by_name(self, username):
        """api.user_get_by_username: a falsy name finds nobody; SQLite compares a number as text."""
        return self._find_user(self._bound(self.affinity.text, username)) if username else None

    def _auth(self, request):
        """flask_jwt._default_auth_request_handler."""
        content_type = request.header("Content-Type")
        if content_type is None:
            raise Crash("KeyError: 'Content-Type'")  # request.headers['Content-Type']
        if not content_type:
            raise JWTError("Bad Request", "Missing Content-Type", 400)
        if content_type != "application/json":
            raise JWTError("Bad Request", "Invalid Content-Type", 400)
        data = self._json(request)
        if not isinstance(data, dict):
            raise Crash("AttributeError: data.get")
        username, password = data.get("username"), data.get("password")
        if not (username and password and len(data) >= 2):
            raise JWTError("Bad Request", "Invalid credentials")
        user_id = self._user_by_name(username)
        if user_id is None or not check_password(password, self.users[user_id]["password"]):
            raise JWTError("Bad Request", "Invalid credentials")
        self.count("logins")
        return jsonify({"access_token": self.issue_token(user_id, self._lifetime(data.get("exp_delta")))})

    # -- /fetchall --------------------------------------------------------------------------------
    def _fetchall(self, request, user_id):
        cipher = self.cipher_for(request, user_id, True)
        return self._by_method(request, {"GET": lambda: self.ok({
            "result": "success",
            "categories": [self.category_out(c, cipher) for c in self.user_categories(user_id)],
            "items": [self.item_out(i, cipher, False) for i in self.user_items(user_id)]})})

    # -- /categories ------------------------------------------------------------------------------
    def _categories(self, request, user_id):
        cipher = self.cipher_for(request, user_id, request.method != "DELETE")
        return self._by_method(request, {
            "GET": lambda: self.ok({"result": "success", "categories": [
                self.category_out(c, cipher) for c in self.user_categories(user_id)]}),
            "PUT": lambda: self._categories_put(request, user_id, cipher),
            "POST": lambda: self._categories_post(request, user_id, cipher),
            "DELETE": lambda: self._categories_delete(request, user_id),
        })

    @staticmethod
    def _encrypted_name(cipher, name):
        if not name:
            raise OppError("Empty category name in list!")
        try:
            return cipher.encrypt(name)
        except (TypeError, AttributeError):
            raise OppError("Invalid category name in list!") from None

    def _categories_put(self, request, user_id, cipher):
        (names,) = self._payload(request, [("category_names", True, True)])
        created = [self._encrypted_name(cipher, name) for name in names]
        if not created:
            raise Crash("TypeError: api.category_create returned None")
        out = []
        for enc in created:
            cid = self._new_id(self.categories)
            self.categories[cid] = {"user_id": user_id, "name": enc}
            out.append(self.category_out(cid, cipher))
        return self.ok({"result": "success", "categories": out})

    def _categories_post(self, request, user_id, cipher):
        (cats,) = self._payload(request, [("categories", True, True)])
        rows = []
        for cat in cats:
            if not isinstance(cat, dict):
                raise Crash("TypeError: cat['id']")
            if "id" not in cat:
                raise OppError("Missing category id in list!")
            if not cat["id"]:
                raise OppError("Empty category id in list!")
            if "name" not in cat:
                raise OppError("Missing category name in list!")
            rows.append((cat["id"], {"user_id": user_id, "name": self._encrypted_name(cipher, cat["name"])}))
        self._merge_all(self.categories, rows, "Unable to update categories in the database!")
        return self.ok({"result": "success"})

    def _categories_delete(self, request, user_id):
        ids, cascade = self._payload(request, [("ids", True, True), ("cascade", False, True)])
        if not ids:
            raise OppError("Empty category id list!")
        if cascade is not True and cascade is not False:
            raise OppError("Invalid cascade value!")
        wanted = self._ids(ids, "Unable to delete categories from the database!")
        for cid in [c for c in self.user_categories(user_id) if c in wanted]:
            # Category.items: every item of the category, whoever owns it
            for iid in [i for i, v in self.items.items() if v["category_id"] == cid]:
                if cascade:
                    del self.items[iid]
                else:
                    self.items[iid]["category_id"] = None
            del self.categories[cid]
        return self.ok({"result": "success"})

    # -- /items ----------------------------------------------------------------------------------
    def _make_item(self, row, cipher, password, user_id):
        """ResponseHandler.make_item: a missing or null field is stored as ""."""
        if not isinstance(row, dict):
            raise Crash("TypeError: row[key]")
        values = {k: "" if row.get(k) is None else row[k] for k in FIELDS}
        if password:
            values["password"] = password
        try:
            record = {k: cipher.encrypt(v) for k, v in values.items()}
        except (AttributeError, TypeError):
            raise OppError("Invalid item data in list!") from None
        record["category_id"] = row.get("category_id")
        record["user_id"] = user_id
        return record

    def _items(self, request, user_id):
        cipher = self.cipher_for(request, user_id, request.method != "DELETE")
        return self._by_method(request, {
            "GET": lambda: self.ok({"result": "success",
                                    "items": [self.item_out(i, cipher) for i in self.user_items(user_id)]}),
            "PUT": lambda: self._items_write(request, user_id, cipher),
            "POST": lambda: self._items_write(request, user_id, cipher),
            "DELETE": lambda: self._items_delete(request, user_id),
        })

    def _items_delete(self, request, user_id):
        (ids,) = self._payload(request, [("ids", True, True)])
        if ids:
            wanted = self._ids(ids, "Unable to delete items from the database!")
            for iid in [i for i in self.user_items(user_id) if i in wanted]:
                del self.items[iid]
        return self.ok({"result": "success"})

    def _items_write(self, request, user_id, cipher):
        spec = [("items", True, True), ("auto_pass", False, False), ("unique", False, False),
                ("genopts", False, False)]
        item_list, auto_pass, unique, genopts = self._payload(request, spec)
        common = words = None
        if auto_pass is True:
            words = generator.words(genopts)
            if unique is not True:
                common = generator.password(words, genopts, self.settings["generation_fails"])
        rows = []
        for row in item_list:
            item_id = None
            if request.method == "POST":
                if not isinstance(row, dict):
                    raise Crash("TypeError: row['id']")
                if "id" not in row:
                    raise OppError("Missing item id in list!")
                if not row["id"]:
                    raise OppError("Empty item id in list!")
                item_id = row["id"]
            password = None
            if auto_pass is True:
                password = (generator.password(words, genopts, self.settings["generation_fails"])
                            if unique is True else common)
            rows.append((item_id, self._make_item(row, cipher, password, user_id)))
        if request.method == "PUT":
            return self._items_create(rows, cipher)
        return self._items_update(rows, cipher)

    def _stored(self, record):
        """The record as its columns hold it: the category id converted by SQLite (one the driver
        cannot bind fails where the row is written, as a missing category does)."""
        cid = record["category_id"]
        try:
            return dict(record, category_id=None if cid is None else self.affinity.integer(cid))
        except Unbindable:
            return dict(record, category_id=_UNBINDABLE)

    def _items_create(self, rows, cipher):
        """api.item_create flushes inside the handler's try: any failure is the 400."""
        records = [self._stored(record) for dummy, record in rows]
        if not records or not all(self._foreign_key_ok(r) for r in records):
            raise OppError("Unable to add new items to the database!")
        out = []
        for record in records:
            iid = self._new_id(self.items)
            self.items[iid] = record
            out.append(self.item_out(iid, cipher))
        return self.ok({"result": "success", "items": out})

    def _items_update(self, rows, cipher):
        stored = [(item_id, self._stored(record)) for item_id, record in rows]
        self._merge_all(self.items, stored, "Unable to update items in the database!")
        # The answer shows the objects the request built (not merged): ids as sent, no sort_id, and
        # the category as its id only.
        out = []
        for (item_id, record), (dummy, raw) in zip(stored, rows):
            shown = {"id": item_id}
            shown.update((field, cipher.decrypt(record[field])) for field in FIELDS)
            shown.update(sort_id=None, category={"id": raw["category_id"]})
            out.append(shown)
        return self.ok({"result": "success", "items": out})

    # -- /user --------------------------------------------------------------------------------------
    @staticmethod
    def _validate(value, name):
        value = value.strip()  # a non-string crashes, as on the real server
        if not value:
            raise OppError("Input '%s' parameter is empty!" % name)
        return value

    def _find_user(self, username):
        for uid, user in self.users.items():
            if user["username"] == username:
                return uid
        return None

    def create_user(self, username, password, phrase):
        uid = self._new_id(self.users)
        self.users[uid] = {"username": username, "password": hash_password(password),
                           "phrase_check": AESCipher(phrase).encrypt("OK")}
        return uid

    def _user(self, request):
        err = self._enforce_content_type(request)
        if err is not None:
            return err
        return self._by_method(request, {"PUT": lambda: self._user_put(request),
                                         "POST": lambda: self._user_post(request),
                                         "DELETE": lambda: self._user_delete(request)})

    def _user_put(self, request):
        username, password, phrase = self._payload(
            request, [("username", False, True), ("password", False, True), ("phrase", False, None)])
        username = self._validate(username, "username")
        password = self._validate(password, "password")
        phrase = self._validate(phrase, "phrase")
        if len(phrase) < 6:
            raise OppError("Passphrase must be at least 6 characters long!")
        if self._find_user(username) is not None:
            raise OppError("User already exists!")
        self.create_user(username, password, phrase)
        return self.ok({"result": "success"})

    def _checked_user(self, username, password):
        uid = self._find_user(username)
        if uid is None:
            raise OppError("User does not exist!")
        if not check_password(password, self.users[uid]["password"]):
            raise OppError("Incorrect password supplied!")
        return uid

    def _user_post(self, request):
        username, password, new_username, new_password = self._payload(
            request, [("username", False, True), ("password", False, True),
                      ("new_username", False, False), ("new_password", False, False)])
        username = self._validate(username, "username")
        password = self._validate(password, "password")
        new_username = new_username.strip()
        new_password = new_password.strip()
        if not (new_username or new_password):
            raise OppError("at least one of: [--new_username, --new_password] is required!")
        uid = self._checked_user(username, password)
        if new_username and self._find_user(new_username) is not None:
            raise OppError("Username: '%s' already exists!" % new_username)
        if new_username:
            self.users[uid]["username"] = new_username
        if new_password:
            self.users[uid]["password"] = hash_password(new_password)
        return self.ok({"result": "success"})

    def _user_delete(self, request):
        username, password = self._payload(request, [("username", False, True), ("password", False, True)])
        uid = self._checked_user(self._validate(username, "username"), self._validate(password, "password"))
        for cid in [c for c, v in self.categories.items() if v["user_id"] == uid]:
            del self.categories[cid]
        for iid in [i for i, v in self.items.items() if v["user_id"] == uid]:
            del self.items[iid]
        del self.users[uid]
        return self.ok({"result": "success"})

    # -- framework hooks ------------------------------------------------------------------------------
    def env(self, base_url):
        return {"OPP_BASE_URL": base_url, "OPP_USERNAME": seed_data.DEMO_USERNAME,
                "OPP_PASSWORD": seed_data.DEMO_PASSWORD, "OPP_PHRASE": seed_data.DEMO_PHRASE}

    def _seed_item(self, cipher, uid, fields, category_id):
        record = {k: cipher.encrypt(fields[k]) for k in FIELDS}
        record.update(user_id=uid, category_id=category_id)
        self.items[self._new_id(self.items)] = record

    def seed(self, profile):
        if profile in ("empty", "none"):
            return
        with self.lock:
            uid = self._find_user(seed_data.DEMO_USERNAME)
            if uid is None:
                uid = self.create_user(seed_data.DEMO_USERNAME, seed_data.DEMO_PASSWORD, seed_data.DEMO_PHRASE)
            cipher = AESCipher(seed_data.DEMO_PHRASE)
            cat_ids = []
            for name in seed_data.CATEGORIES:
                cid = self._new_id(self.categories)
                self.categories[cid] = {"user_id": uid, "name": cipher.encrypt(name)}
                cat_ids.append(cid)
            for item in seed_data.ITEMS:
                self._seed_item(cipher, uid, item, None if item["category"] is None else cat_ids[item["category"]])
            if profile == "bench":
                # `make bench`: many distinct items named bench-000, bench-001, ...
                for index in range(int(self.config.get("bench_entries", 500))):
                    fields = {"name": "bench-%03d" % index, "url": "", "account": "", "username": "bench",
                              "password": "bench-pw-%03d-x" % index, "blob": ""}
                    self._seed_item(cipher, uid, fields, None)


def create_app(config):
    return OppApp(config)
