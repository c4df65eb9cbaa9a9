"""An imitation of a real OpenPassPhrase (OPP) server, quirks included.

It follows the behaviour of the open-source Flask server (see ../../../shared/api/opp.md),
not its API document:
- routes under /api/v1; GET /health needs nothing; POST /auth returns {"access_token"}
  (an HS256 JWT: exp, iat, nbf, identity; 300 s by default; 10 s leeway);
- the token travels in `x-opp-jwt` (a value with a space, e.g. "Bearer x", is rejected);
- `x-opp-phrase` unlocks the data; every field is AES-256-CBC encrypted with SHA-256(phrase);
- non-GET requests must send exactly `Content-Type: application/json`;
- success bodies are JSON served as text/html; handler errors are 400 {"status_code", "error",
  "description"} (also text/html); a password generator failure closes the connection with no
  answer (shared/api/opp.md, "Seen on the real server"); JWT errors are 401
  with the same keys (application/json); a crash is an HTML page;
- POST /items is a full replacement and returns the items; an unknown id creates an item.

Test data only; the JWT secret is random per process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import re
import secrets
import time
from collections import OrderedDict

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from sandbox.common.httpserver import App, Response
from sandbox.opp import seed_data

API = "/api/v1"
DEFAULT_EXP_DELTA = 300
LEEWAY = 10
SUCCESS_TYPE = "text/html; charset=utf-8"

FLASK_500 = ("<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
             "<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable "
             "to complete your request. Either the server is overloaded or there is an error in the "
             "application.</p>\n")
FLASK_400 = ("<!doctype html>\n<html lang=en>\n<title>400 Bad Request</title>\n<h1>Bad Request</h1>\n"
             "<p>Failed to decode JSON object: %s</p>\n")
FLASK_404 = ("<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
             "<p>The requested URL was not found on the server. If you entered the URL manually please "
             "check your spelling and try again.</p>\n")
FLASK_405 = ("<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n"
             "<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n")

# Words for the xkcdpass-like generator (lower case, 3 to 12 letters).
WORDS = """
able acid aged also apple arch area army away baby back ball band bank base bath bear beat
bell belt best bird blow blue boat body bomb bond bone book boom born boss both bowl bulk
burn bush busy cake calm came camp card care cart case cash cast cell chat chip city
anchor badge basket battery beacon bishop blanket bottle bridge bucket button cactus camera
candle canyon carbon carpet castle cattle cellar cement center cereal chance cherry circle
clover cobalt coffee comet copper cotton coyote crayon cricket crystal dancer desert dinner
dragon eagle engine falcon feather finger forest fossil galaxy garden ginger glacier goblet
harbor hammer helmet island jacket jungle kettle ladder lantern lemon lizard magnet marble
meadow mirror monkey mountain needle nickel oyster paddle parrot pencil pepper pickle pillow
planet pocket potato puzzle rabbit radish rocket saddle salmon signal silver spider spring
staple summer tablet temple thunder ticket tomato tunnel turtle velvet violin walnut window
winter wizard yellow zipper horse correct orange purple quartz rhythm saturn tornado umbrella
waterfall woodpecker xylophone yesterday lighthouse marathon notebook octopus pineapple
raincoat sandwich telescope trampoline backpack blueberry butterfly chocolate crocodile
dandelion dinosaur elephant evergreen fireplace firework flamingo grasshopper hurricane
""".split()
# The real server's delimiters (shared/api/opp.md, "Seen on the real server").
DELIMITERS = list("0123456789!#$%&()*@^")


class OppError(Exception):
    def __init__(self, error, desc=None, status=400, headers=None):
        super().__init__(error)
        self.error = error or ""
        self.desc = desc or ""
        self.status = status or 400
        self.headers = headers or []


class JWTError(Exception):
    def __init__(self, error, description, status=401, headers=None):
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or []


class GeneratorCrash(Exception):
    """The password generator failed: the real server drops the connection (shared/api/opp.md)."""


class Crash(Exception):
    """An unhandled error: Flask answers with its HTML 500 page."""


# -- crypto ---------------------------------------------------------------------------
class AESCipher:
    """SHA-256(phrase) as the key, AES-256-CBC with a random IV, base64(iv + ciphertext)."""

    def __init__(self, phrase):
        self.key = hashlib.sha256(phrase.encode("utf-8")).digest()

    def encrypt(self, raw):
        if not isinstance(raw, str):
            raise TypeError("not a string")
        padder = padding.PKCS7(128).padder()
        data = padder.update(raw.encode("utf-8")) + padder.finalize()
        iv = os.urandom(16)
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(iv)).encryptor()
        return base64.b64encode(iv + encryptor.update(data) + encryptor.finalize()).decode("ascii")

    def decrypt(self, enc):
        raw = base64.b64decode(enc)
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(raw[:16])).decryptor()
        data = decryptor.update(raw[16:]) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            data = unpadder.update(data) + unpadder.finalize()
        except ValueError:
            raise UnicodeDecodeError("utf-8", b"", 0, 1, "bad padding") from None
        return data.decode("utf-8")


def hash_password(password):
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 1000)
    return salt.hex() + "$" + digest.hex()


def check_password(password, hashed):
    salt, digest = hashed.split("$")
    mine = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), 1000)
    return hmac.compare_digest(mine.hex(), digest)


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- the app --------------------------------------------------------------------------
class OppApp(App):
    product = "opp"

    def __init__(self, config=None):
        super().__init__(config)
        self.jwt_secret = secrets.token_bytes(32)
        self.users = {}        # id -> {"username", "password", "phrase_check"}
        self.categories = {}   # id -> {"user_id", "name", "sort_id"}
        self.items = {}        # id -> {"user_id", fields..., "category_id", "sort_id"}
        self.next_id = {"user": 1, "category": 1, "item": 1}
        self.settings = {"expire_next_tokens": 0, "crash_next": 0, "generation_fails": False}
        self.issued_tokens = []
        self._register()

    # -- helpers ------------------------------------------------------------------------
    def _new_id(self, kind, wanted=None):
        if wanted is not None:
            self.next_id[kind] = max(self.next_id[kind], wanted + 1)
            return wanted
        value = self.next_id[kind]
        self.next_id[kind] += 1
        return value

    @staticmethod
    def ok(payload):
        return Response(200, json.dumps(payload), SUCCESS_TYPE)

    def internal_error(self, request, exc):
        return Response(500, FLASK_500, "text/html; charset=utf-8")

    def not_found(self, request):
        return Response(404, FLASK_404, "text/html; charset=utf-8")

    def method_not_allowed(self, request):
        return Response(405, FLASK_405, "text/html; charset=utf-8")

    def _opp_error(self, exc):
        body = json.dumps(OrderedDict([("status_code", exc.status), ("error", exc.error),
                                       ("description", exc.desc)]), indent=4)
        return Response(exc.status, body, SUCCESS_TYPE, exc.headers)

    def _jwt_error(self, exc):
        body = json.dumps(OrderedDict([("status_code", exc.status), ("error", exc.error),
                                       ("description", exc.description)]))
        return Response(exc.status, body, "application/json", exc.headers)

    def _guard(self, request, handler):
        """Run a handler the way Flask would: OppError/JWTError are JSON, the rest is a crash."""
        try:
            if self.settings["crash_next"] > 0:
                self.settings["crash_next"] -= 1
                raise Crash("injected crash")
            return handler()
        except OppError as exc:
            return self._opp_error(exc)
        except GeneratorCrash:
            return Response.dropped()
        except JWTError as exc:
            return self._jwt_error(exc)
        except _BadJson as exc:
            return Response(400, FLASK_400 % exc, "text/html; charset=utf-8")
        except Exception:  # noqa: BLE001 - the Flask 500 page
            return self.internal_error(request, None)

    @staticmethod
    def _enforce_content_type(request):
        if request.method == "GET":
            return None
        content_type = request.header("Content-Type")
        if content_type is None:
            return Response(400, '{"error": "Mising Content-Type"}', SUCCESS_TYPE)
        if content_type != "application/json":
            return Response(400, '{"error": "Invalid Content-Type"}', SUCCESS_TYPE)
        return None

    @staticmethod
    def _body(request):
        """request.get_json(): None without a body; an HTML 400 when it is not JSON."""
        if not request.body:
            return None
        try:
            return json.loads(request.body.decode("utf-8"))
        except ValueError as exc:
            raise _BadJson(str(exc)) from None

    @staticmethod
    def _payload(request, spec):
        """The real _check_payload: spec is [(name, is_list, required)]."""
        body = OppApp._body(request)
        if not spec:
            return []
        if not body:
            raise OppError("Missing payload!")
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

    # -- JWT ------------------------------------------------------------------------------
    def issue_token(self, user_id, exp_delta):
        now = int(time.time())
        if self.settings["expire_next_tokens"] > 0:
            self.settings["expire_next_tokens"] -= 1
            exp_delta = -3600
        claims = {"exp": now + exp_delta, "iat": now, "nbf": now, "identity": user_id}
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing = ("%s.%s" % (header, payload)).encode("ascii")
        signature = _b64url(hmac.new(self.jwt_secret, signing, hashlib.sha256).digest())
        token = "%s.%s.%s" % (header, payload, signature)
        self.issued_tokens.append(token)  # for the leak-scan tests (admin GET tokens)
        return token

    def decode_token(self, token):
        parts = token.split(".")
        if len(parts) != 3:
            raise JWTError("Invalid token", "Not enough segments")
        try:
            header = json.loads(_b64url_decode(parts[0]))
            claims = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except (ValueError, TypeError):
            raise JWTError("Invalid token", "Invalid header padding") from None
        if not isinstance(header, dict) or header.get("alg") != "HS256":
            raise JWTError("Invalid token", "The specified alg value is not allowed")
        expected = hmac.new(self.jwt_secret, ("%s.%s" % (parts[0], parts[1])).encode("ascii"),
                            hashlib.sha256).digest()
        if not hmac.compare_digest(expected, signature):
            raise JWTError("Invalid token", "Signature verification failed")
        now = time.time()
        for claim in ("exp", "iat", "nbf"):
            if claim not in claims:
                raise JWTError("Invalid token", 'Token is missing the "%s" claim' % claim)
        if claims["exp"] <= now - LEEWAY:
            raise JWTError("Invalid token", "Signature has expired")
        if claims["nbf"] > now + LEEWAY:
            raise JWTError("Invalid token", "The token is not yet valid (nbf)")
        if claims["iat"] > now + LEEWAY:
            raise JWTError("Invalid token", "The token is not yet valid (iat)")
        return claims

    def current_user(self, request):
        value = request.header("x-opp-jwt")
        if not value:
            raise JWTError("Authorization Required", "Request does not contain an access token",
                           headers=[("WWW-Authenticate", 'JWT realm="Login Required"')])
        if len(value.split()) > 1:
            raise JWTError("Invalid JWT header", "Token contains spaces")
        claims = self.decode_token(value)
        user_id = claims.get("identity")
        if user_id not in self.users:
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
        cat = self.categories[cid]
        return {"id": cid, "name": cipher.decrypt(cat["name"]), "sort_id": cat["sort_id"]}

    def item_out(self, iid, cipher, with_category=True):
        item = self.items[iid]
        out = {"id": iid}
        for field in ("name", "url", "account", "username", "password", "blob"):
            out[field] = cipher.decrypt(item[field])
        out["sort_id"] = item["sort_id"]
        if with_category:
            cid = item["category_id"]
            out["category"] = self.category_out(cid, cipher) if cid in self.categories else {"id": cid}
        else:
            out["category_id"] = item["category_id"]
        return out

    def user_items(self, user_id):
        return sorted((i for i, v in self.items.items() if v["user_id"] == user_id),
                      key=lambda i: (self.items[i]["sort_id"] or 0, i))

    def user_categories(self, user_id):
        return sorted((c for c, v in self.categories.items() if v["user_id"] == user_id),
                      key=lambda c: (self.categories[c]["sort_id"] or 0, c))

    # -- password generation (xkcdpass-like) ------------------------------------------------
    def _words(self, genopts):
        genopts = genopts if isinstance(genopts, dict) else {}
        min_length = genopts.get("min_length", 5)
        max_length = genopts.get("max_length", 15)
        valid_chars = genopts.get("valid_chars", ".")
        msg = "Invalid password generation options!"
        if min_length < 5 or min_length > 15:
            raise OppError(msg, "For sanity's sake, minimum word length must be a number in the range "
                                "between 5 and 15.")
        if max_length < 5 or max_length > 20:
            raise OppError(msg, "For sanity's sake, maximum word length must be a number in the range "
                                "between 5 and 20.")
        if min_length > max_length:
            raise OppError(msg, "Minimum length cannot be larger than maximum length.")
        try:
            regexp = re.compile("^%s{%d,%d}$" % (valid_chars, min_length, max_length))
            return [word for word in WORDS if regexp.match(word)]
        except Exception:  # noqa: BLE001 - as the real server
            raise OppError("Exception during wordlist generation!", None, 500) from None

    def _gen_pwd(self, words, genopts):
        """opp/api/v1/items.py _gen_pwd: xkcdpass(numwords=numChars//4, random_delimiters=True,
        case='random'), checked for lower+upper+symbol and length BEFORE it is cut to numChars and
        shuffled, so a password does not always hold every class. Delimiters as seen on the real
        server (shared/api/opp.md): digits 0-9 and !#$%&()*@^. A generator failure (no word to
        choose from) kills the request: the real server closes the connection without an answer."""
        genopts = genopts if isinstance(genopts, dict) else {}
        num_chars = genopts.get("numChars", 16)
        if num_chars < 8 or num_chars > 100:
            raise OppError("Invalid password generation options!",
                           "For sanity's sake, numChars must be between 8 and 100 characters.")
        rng = random.SystemRandom()
        if self.settings["generation_fails"] or not words:
            raise GeneratorCrash("no words to choose from")
        for _attempt in range(50):  # as many tries as the real server
            chosen = ["".join(c.upper() if rng.random() < 0.5 else c for c in rng.choice(words))
                      for _word in range(max(1, num_chars // 4))]
            phrase = chosen[0]
            for word in chosen[1:]:
                phrase += rng.choice(DELIMITERS) + word
            # the real server's check (its class "()-+" is the range ")" to "+")
            if (re.search("[a-z]", phrase) and re.search("[A-Z]", phrase)
                    and re.search(r"[!@#$%^&*()-+=\\_]", phrase) and len(phrase) >= num_chars):
                letters = list(phrase[:num_chars])
                rng.shuffle(letters)
                return "".join(letters)
        raise OppError("Cannot generate compliant password after 50 tries, giving up!", None, 500)

    # -- routes ---------------------------------------------------------------------------------
    def _register(self):
        route = self.route

        @route("GET", API + "/health")
        def health(request):
            return self.ok({"status": "OpenPassPhrase service is running"})

        @route("POST", API + "/auth")
        def auth(request):
            return self._guard(request, lambda: self._auth(request))

        for method in ("PUT", "POST", "DELETE"):
            route(method, API + "/user")(lambda request: self._guard(request, lambda: self._user(request)))
        route("GET", API + "/fetchall")(self._protected(self._fetchall))
        for method in ("GET", "PUT", "POST", "DELETE"):
            route(method, API + "/categories")(self._protected(self._categories))
            route(method, API + "/items")(self._protected(self._items))

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
        def tokens(request):
            """Every JWT issued so far (tests search their output for them)."""
            return Response.json({"tokens": list(self.issued_tokens)})

        @self.admin("POST", "seed")
        def seed(request):
            self.seed((request.json() or {}).get("profile", "demo"))
            return Response.json({"ok": True})

    def _protected(self, handler):
        def wrapped(request):
            def run():
                user_id = self.current_user(request)
                err = self._enforce_content_type(request)
                if err is not None:
                    return err
                return handler(request, user_id)
            return self._guard(request, run)
        return wrapped

    def _auth(self, request):
        content_type = request.header("Content-Type")
        if not content_type:
            raise _BadJson("Missing Content-Type")
        if content_type != "application/json":
            raise JWTError("Bad Request", "Invalid Content-Type", 400)
        data = self._body(request)
        if not isinstance(data, dict):
            raise Crash("data.get on a non-dict")
        username = data.get("username")
        password = data.get("password")
        exp_delta = data.get("exp_delta")
        if not (username and password and len(data) >= 2):
            raise JWTError("Bad Request", "Invalid credentials")
        user_id = None
        for uid, user in self.users.items():
            if user["username"] == username and check_password(str(password), user["password"]):
                user_id = uid
        if user_id is None:
            raise JWTError("Bad Request", "Invalid credentials")
        self.count("logins")
        delta = DEFAULT_EXP_DELTA
        if exp_delta:
            try:
                delta = int(exp_delta)
                if delta > 2 ** 31:
                    delta = DEFAULT_EXP_DELTA
            except (TypeError, ValueError):
                delta = DEFAULT_EXP_DELTA
        return Response.json({"access_token": self.issue_token(user_id, delta)},
                             content_type="application/json")

    # -- /fetchall --------------------------------------------------------------------------------
    def _fetchall(self, request, user_id):
        cipher = self.cipher_for(request, user_id, True)
        return self.ok({"result": "success",
                        "categories": [self.category_out(c, cipher) for c in self.user_categories(user_id)],
                        "items": [self.item_out(i, cipher, False) for i in self.user_items(user_id)]})

    # -- /categories ------------------------------------------------------------------------------
    def _categories(self, request, user_id):
        cipher = self.cipher_for(request, user_id, request.method != "DELETE")
        if request.method == "GET":
            return self.ok({"result": "success",
                            "categories": [self.category_out(c, cipher) for c in self.user_categories(user_id)]})
        if request.method == "PUT":
            (names,) = self._payload(request, [("category_names", True, True)])
            created = []
            for name in names:
                if not name:
                    raise OppError("Empty category name in list!")
                try:
                    created.append(cipher.encrypt(name))
                except (TypeError, AttributeError):
                    raise OppError("Invalid category name in list!") from None
            out = []
            for enc in created:
                cid = self._new_id("category")
                self.categories[cid] = {"user_id": user_id, "name": enc, "sort_id": cid}
                out.append(self.category_out(cid, cipher))
            return self.ok({"result": "success", "categories": out})
        if request.method == "POST":
            (cats,) = self._payload(request, [("categories", True, True)])
            updates = []
            for cat in cats:
                if "id" not in cat:
                    raise OppError("Missing category id in list!")
                if not cat["id"]:
                    raise OppError("Empty category id in list!")
                if "name" not in cat:
                    raise OppError("Missing category name in list!")
                if not cat["name"]:
                    raise OppError("Empty category name in list!")
                try:
                    updates.append((cat["id"], cipher.encrypt(cat["name"])))
                except (TypeError, AttributeError):
                    raise OppError("Invalid category name in list!") from None
            for cid, enc in updates:
                if not isinstance(cid, int):
                    raise OppError("Unable to update categories in the database!")
            for cid, enc in updates:
                old = self.categories.get(cid)
                self.categories[cid] = {"user_id": user_id, "name": enc,
                                        "sort_id": old["sort_id"] if old else cid}
                self._new_id("category", cid)
            return self.ok({"result": "success"})
        # DELETE
        ids, cascade = self._payload(request, [("ids", True, True), ("cascade", False, True)])
        if not ids:
            raise OppError("Empty category id list!")
        if cascade is not True and cascade is not False:
            raise OppError("Invalid cascade value!")
        for cid in [c for c in ids if c in self.categories and self.categories[c]["user_id"] == user_id]:
            for iid in [i for i, v in self.items.items() if v["category_id"] == cid]:
                if cascade:
                    del self.items[iid]
                else:
                    self.items[iid]["category_id"] = None
            del self.categories[cid]
        return self.ok({"result": "success"})

    # -- /items ----------------------------------------------------------------------------------
    def _make_item(self, row, cipher, password, user_id):
        if not isinstance(row, dict):
            raise OppError("Invalid item data in list!")

        def field(key):
            value = row.get(key, "")
            return "" if value is None else value

        values = {k: field(k) for k in ("name", "url", "account", "username", "password", "blob")}
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
        if request.method == "GET":
            return self.ok({"result": "success", "items": [self.item_out(i, cipher) for i in self.user_items(user_id)]})
        if request.method == "DELETE":
            (ids,) = self._payload(request, [("ids", True, True)])
            for iid in ids:
                if iid in self.items and self.items[iid]["user_id"] == user_id:
                    del self.items[iid]
            return self.ok({"result": "success"})
        spec = [("items", True, True), ("auto_pass", False, False), ("unique", False, False),
                ("genopts", False, False)]
        item_list, auto_pass, unique, genopts = self._payload(request, spec)
        common = None
        words = None
        if auto_pass is True:
            words = self._words(genopts)
            if unique is not True:
                common = self._gen_pwd(words, genopts)
        records = []
        for row in item_list:
            item_id = None
            if request.method == "POST":
                if not isinstance(row, dict) or "id" not in row:
                    raise OppError("Missing item id in list!")
                if not row["id"]:
                    raise OppError("Empty item id in list!")
                item_id = row["id"]
            password = None
            if auto_pass is True:
                password = self._gen_pwd(words, genopts) if unique is True else common
            records.append((item_id, self._make_item(row, cipher, password, user_id)))
        verb = "add new items to" if request.method == "PUT" else "update items in"
        failure = OppError("Unable to %s the database!" % verb)
        if request.method == "PUT" and not records:
            raise failure
        for item_id, record in records:
            cid = record["category_id"]
            if cid is not None and (not isinstance(cid, int) or isinstance(cid, bool) or cid not in self.categories):
                raise failure
            if item_id is not None and (not isinstance(item_id, int) or isinstance(item_id, bool)):
                raise failure
        out = []
        for item_id, record in records:
            if request.method == "PUT":
                iid = self._new_id("item")
                record["sort_id"] = iid
                self.items[iid] = record
                out.append(self.item_out(iid, cipher))
            else:
                old = self.items.get(item_id)
                record["sort_id"] = old["sort_id"] if old else None
                self.items[item_id] = record
                self._new_id("item", item_id)
                # The real server answers with the detached objects: category holds the id only.
                shown = self.item_out(item_id, cipher, False)
                shown.pop("category_id")
                shown["sort_id"] = None
                shown["category"] = {"id": record["category_id"]}
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
        uid = self._new_id("user")
        self.users[uid] = {"username": username, "password": hash_password(password),
                           "phrase_check": AESCipher(phrase).encrypt("OK")}
        return uid

    def _user(self, request):
        err = self._enforce_content_type(request)
        if err is not None:
            return err
        if request.method == "PUT":
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
        if request.method == "POST":
            username, password, new_username, new_password = self._payload(
                request, [("username", False, True), ("password", False, True),
                          ("new_username", False, False), ("new_password", False, False)])
            username = self._validate(username, "username")
            password = self._validate(password, "password")
            new_username = new_username.strip()
            new_password = new_password.strip()
            if not (new_username or new_password):
                raise OppError("at least one of: [--new_username, --new_password] is required!")
            uid = self._find_user(username)
            if uid is None:
                raise OppError("User does not exist!")
            if not check_password(password, self.users[uid]["password"]):
                raise OppError("Incorrect password supplied!")
            if new_username and self._find_user(new_username) is not None:
                raise OppError("Username: '%s' already exists!" % new_username)
            if new_username:
                self.users[uid]["username"] = new_username
            if new_password:
                self.users[uid]["password"] = hash_password(new_password)
            return self.ok({"result": "success"})
        # DELETE
        username, password = self._payload(request, [("username", False, True), ("password", False, True)])
        username = self._validate(username, "username")
        password = self._validate(password, "password")
        uid = self._find_user(username)
        if uid is None:
            raise OppError("User does not exist!")
        if not check_password(password, self.users[uid]["password"]):
            raise OppError("Incorrect password supplied!")
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
                cid = self._new_id("category")
                self.categories[cid] = {"user_id": uid, "name": cipher.encrypt(name), "sort_id": cid}
                cat_ids.append(cid)
            for item in seed_data.ITEMS:
                iid = self._new_id("item")
                record = {k: cipher.encrypt(item[k]) for k in ("name", "url", "account", "username", "password", "blob")}
                record.update(user_id=uid, sort_id=iid,
                              category_id=None if item["category"] is None else cat_ids[item["category"]])
                self.items[iid] = record
            if profile == "bench":
                # `make bench`: many distinct items named bench-000, bench-001, ...
                for index in range(int(self.config.get("bench_entries", 500))):
                    iid = self._new_id("item")
                    fields = {"name": "bench-%03d" % index, "url": "", "account": "", "username": "bench",
                              "password": "bench-pw-%03d-x" % index, "blob": ""}
                    record = {k: cipher.encrypt(v) for k, v in fields.items()}
                    record.update(user_id=uid, sort_id=iid, category_id=None)
                    self.items[iid] = record


class _BadJson(Exception):
    pass


def create_app(config):
    return OppApp(config)
