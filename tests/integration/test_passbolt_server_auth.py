"""Authentication, MFA, settings and request parsing of the local Passbolt imitation, asserted on the raw HTTP
answer against passbolt_api 5.x (sources named in tests/sandbox/passbolt/README.md, "Authentication")."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import uuid
from datetime import datetime, timezone

import requests
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import PassboltClient

from sandbox.passbolt.crypto import totp
from test_passbolt_server import ADA, BETTY, CAROL, DAME, body, client, server  # noqa: F401  pylint: disable=unused-import

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"


def _message(response):
    return response.json()["header"]["message"]


def _gpgauth_stage1(server, client, http, short):
    fpr = client.users[short]["fingerprint"]
    stage1 = http.post(server.base_url + "/auth/login.json", json={"gpg_auth": {"keyid": fpr}}, timeout=10)
    token = stage1.headers["X-GPGAuth-User-Auth-Token"]
    return fpr, stage1, token


def _gpgauth_login(server, client, short):
    """A GPGAuth session; returns (requests.Session, stage 2 response)."""
    client.fetch_server_key()
    http = requests.Session()
    fpr, dummy, token = _gpgauth_stage1(server, client, http, short)
    armored = urllib.parse.unquote_plus(re.sub(r"\\(.)", r"\1", token))  # quotemeta undone, then urldecode
    nonce = str(client.decrypt(armored, short))
    stage2 = http.post(server.base_url + "/auth/login.json", timeout=10,
                       json={"gpg_auth": {"keyid": fpr, "user_token_result": nonce}})
    assert stage2.status_code == 200, stage2.text
    return http, stage2


# -- GPGAuth -----------------------------------------------------------------------------------
def test_gpgauth_headers_only_on_rendered_non_jwt_answers(server, client):
    """GpgAuthHeadersMiddleware: fixed headers on every answer a controller rendered for a non-JWT request, plus
    the GpgAuthenticator's result (no session: "No key id set."); exceptions and JWT requests get none. The CSRF
    cookie, set on the way out by the inner CsrfProtectionMiddleware, is not on an exception either."""
    anonymous = requests.get(server.base_url + "/auth/verify.json", timeout=10)
    headers = anonymous.headers
    assert headers["X-GPGAuth-Version"] == "1.3.0" and headers["X-GPGAuth-Pubkey-URL"] == "/auth/verify.json"
    assert (headers["X-GPGAuth-Login-URL"], headers["X-GPGAuth-Logout-URL"], headers["X-GPGAuth-Verify-URL"]) == \
        ("/auth/login", "/auth/logout", "/auth/verify")
    assert "X-GPGAuth-User-Auth-Token" in headers["Access-Control-Expose-Headers"]
    assert headers["X-GPGAuth-Debug"] == "There is no user associated with this key. No key id set."
    assert (headers["X-GPGAuth-Authenticated"], headers["X-GPGAuth-Progress"], headers["X-GPGAuth-Error"]) == \
        ("false", "stage0", "true")
    refused = requests.get(server.base_url + "/resources.json", timeout=10)
    body(refused, 403)
    assert not [h for h in refused.headers if h.lower().startswith("x-gpgauth")]
    assert "csrfToken" not in refused.headers.get("Set-Cookie", "")
    jwt = client.session("ada")
    me = jwt.get(server.base_url + "/users/me.json", timeout=10)
    assert body(me)["id"] == ADA and "X-GPGAuth-Version" not in me.headers
    http, dummy = _gpgauth_login(server, client, "betty")
    session_me = http.get(server.base_url + "/users/me.json", timeout=10)
    assert body(session_me)["id"] == BETTY
    assert session_me.headers["X-GPGAuth-Version"] == "1.3.0" and "X-GPGAuth-Debug" not in session_me.headers


def test_gpgauth_stages_as_the_authenticator(server, client):
    """Stage 0 with no armored token: assertGpgMessageIsValid throws (400, no X-GPGAuth-* headers); a null
    server_verify_token is not set (isset): stage 1, whose token is quotemeta(urlencode(armor))."""
    client.fetch_server_key()
    fpr = client.users["betty"]["fingerprint"]
    bad = requests.post(server.base_url + "/auth/verify.json", timeout=10,
                        json={"gpg_auth": {"keyid": fpr, "server_verify_token": "not armored"}})
    body(bad, 400)
    assert _message(bad) == "The server verify token is missing or invalid."
    assert "X-GPGAuth-Progress" not in bad.headers
    null = requests.post(server.base_url + "/auth/login.json", timeout=10,
                         json={"gpg_auth": {"keyid": fpr, "server_verify_token": None}})
    assert null.status_code == 200 and null.headers["X-GPGAuth-Progress"] == "stage1"
    assert _message(null) == "The authentication failed." and null.json()["header"]["code"] == 200
    token = null.headers["X-GPGAuth-User-Auth-Token"]
    assert re.fullmatch(r"(?:[A-Za-z0-9_-]|%[0-9A-F]{2}|\\[+.])+", token), token  # "+" and "." escaped


def test_gpgauth_login_body_last_logged_in_and_logout(server, client):
    """Stage 2's body is the user as findIndex loads it (gpgkey, profile, groups_users, role, last_logged_in; no
    is_mfa_enabled), before the login updates last_logged_in. A second login with a session is a 409; JWT requests
    may not use the route. Logout: GET is off (404), POST needs the CSRF token and renews the session."""
    first, stage2 = _gpgauth_login(server, client, "betty")
    user = body(stage2)
    assert user["id"] == BETTY and {"gpgkey", "profile", "groups_users", "role", "last_logged_in"} <= set(user)
    assert "is_mfa_enabled" not in user
    second, stage2 = _gpgauth_login(server, client, "betty")
    assert re.fullmatch(ISO, body(stage2)["last_logged_in"])  # the first login's
    again = second.post(server.base_url + "/auth/login.json", timeout=10,
                        json={"gpg_auth": {"keyid": client.users["betty"]["fingerprint"]}})
    body(again, 409)
    assert _message(again) == "You are already logged in."
    jwt = client.session("ada")
    for path, route in (("/auth/login.json", "/auth/login"), ("/auth/logout.json", "/auth/logout")):
        refused = jwt.post(server.base_url + path, json={}, timeout=10)
        body(refused, 400)
        assert _message(refused) == "The route %s is not permitted with JWT authentication." % route
    login_page = second.get(server.base_url + "/auth/login.json", timeout=10)
    body(login_page, 404)
    assert _message(login_page) == "Page not found."
    other_method = second.put(server.base_url + "/auth/jwt/login.json", json={}, timeout=10)
    body(other_method, 404)  # a MissingRouteException, as an unknown path
    assert _message(other_method) == "Not Found"
    get = second.get(server.base_url + "/auth/logout.json", timeout=10)
    body(get, 404)
    assert _message(get) == "Not Found"
    no_csrf = second.post(server.base_url + "/auth/logout.json", timeout=10)
    body(no_csrf, 403)
    assert _message(no_csrf) == "Missing or incorrect CSRF cookie type."
    body(second.get(server.base_url + "/users/me.json", timeout=10))  # sets csrfToken
    old_session = second.cookies["passbolt_session"]
    out = second.post(server.base_url + "/auth/logout.json", headers={"X-CSRF-Token": second.cookies["csrfToken"]},
                      timeout=10)
    assert body(out) is None and _message(out) == "You are successfully logged out."
    assert re.match(r"passbolt_session=[0-9a-f]+; path=/; HttpOnly; SameSite=Lax$", out.headers["Set-Cookie"])
    assert second.cookies["passbolt_session"] != old_session
    body(second.get(server.base_url + "/users/me.json", timeout=10), 403)
    body(first.get(server.base_url + "/users/me.json", timeout=10))  # another session lives on


def test_collection_logs_out_of_gpgauth_with_post(server):
    """The collection's GPGAuth logout is a POST with the CSRF token (GET is off on a default Passbolt)."""
    env = server.env
    options = OptionAdapter.from_dict({
        "base_url": env["PASSBOLT_BASE_URL"], "private_key": env["PASSBOLT_PRIVATE_KEY"],
        "passphrase": env["PASSBOLT_PASSPHRASE"], "server_fingerprint": env["PASSBOLT_SERVER_FINGERPRINT"],
        "auth": "gpgauth"})
    pb = PassboltClient(options)
    pb.login()
    session = pb.api.cookie("passbolt_session")
    before = server.stats()["by_route"]
    pb.close(logout=True)
    after = server.stats()["by_route"]
    assert after.get("POST /auth/logout.json", 0) == before.get("POST /auth/logout.json", 0) + 1
    assert after.get("GET /auth/logout.json", 0) == before.get("GET /auth/logout.json", 0)
    dead = requests.get(server.base_url + "/users/me.json", cookies={"passbolt_session": session}, timeout=10)
    body(dead, 403)


# -- JWT ---------------------------------------------------------------------------------------
def test_jwt_refresh_and_logout_details(server, client):
    """JwtRefreshTokenAuthenticator: a refresh_token or user_id string selects the body (both validated); the
    cookie is PHP's setcookie() line for "+1 month". The browser's cookie refresh is CSRF-checked. Logout sends no
    cookie, refuses a consumed token, and a non-JWT request to it is unauthenticated."""
    dummy, session, reply = client.login("betty")
    half = requests.post(server.base_url + "/auth/jwt/refresh.json", json={"refresh_token": reply["refresh_token"]},
                         timeout=10)
    body(half, 400)
    assert _message(half) == "The user ID should be a valid UUID."
    renewed = requests.post(server.base_url + "/auth/jwt/refresh.json", timeout=10,
                            json={"user_id": BETTY, "refresh_token": reply["refresh_token"]})
    body(renewed)
    cookie = renewed.headers["Set-Cookie"]
    match = re.fullmatch(r"refresh_token=([0-9a-f-]{36}); expires=(.+ GMT); Max-Age=(\d+); path=/; secure; HttpOnly",
                         cookie)
    assert match, cookie
    expires = datetime.strptime(match.group(2), "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=timezone.utc)
    max_age = int(match.group(3))
    assert 28 * 86400 - 5 <= max_age <= 31 * 86400 and abs(expires.timestamp() - time.time() - max_age) <= 5
    browser = requests.post(server.base_url + "/auth/jwt/refresh.json", timeout=10,
                            headers={"Cookie": "refresh_token=" + match.group(1)})
    body(browser, 403)
    assert _message(browser) == "Missing or incorrect CSRF cookie type."
    out = session.post(server.base_url + "/auth/jwt/logout.json", json={"refresh_token": reply["refresh_token"]},
                       timeout=10)
    body(out, 400)
    assert _message(out) == "The refresh token provided was already used."
    empty = session.post(server.base_url + "/auth/jwt/logout.json", json={"refresh_token": ""}, timeout=10)
    body(empty, 400)
    assert _message(empty) == "The refresh token should be a valid UUID."
    out = session.post(server.base_url + "/auth/jwt/logout.json", json={"refresh_token": match.group(1)}, timeout=10)
    assert body(out) is None and "Set-Cookie" not in out.headers
    anonymous = requests.post(server.base_url + "/auth/jwt/logout.json", json={}, timeout=10)
    body(anonymous, 401)


def test_jwks_and_its_well_known_redirect(server):
    """JwksGetService::getPublicKey fields, no envelope; config/routes.php redirects /.well-known/jwks.json (301)."""
    moved = requests.get(server.base_url + "/.well-known/jwks.json", allow_redirects=False, timeout=10)
    assert moved.status_code == 301 and moved.headers["Location"] == server.base_url + "/auth/jwt/jwks.json"
    keys = requests.get(server.base_url + "/.well-known/jwks.json", timeout=10).json()
    assert set(keys) == {"keys"} and set(keys["keys"][0]) == {"kty", "alg", "use", "e", "n"}


# -- MFA ---------------------------------------------------------------------------------------
def test_mfa_verify_endpoints(server, client):
    """TotpVerifyGet/PostController, TotpVerifyForm's messages, MfaRateLimiterService (more than 4 failures since
    the login: logged out), MfaVerifyAjaxErrorController (always the 403, the MFA cookie cleared), MfaVerifiedCookie."""
    session = client.session("carol")
    url = server.base_url + "/mfa/verify/totp.json"
    ask = session.get(url, timeout=10)
    assert body(ask) is None and _message(ask) == "Please provide the one-time password."
    failures = [({}, {"_required": "An OTP is required."}), ({"totp": ""}, {"_empty": "The OTP should not be empty."}),
                ({"totp": "12ab56"}, {"numeric": "The OTP should be composed of numbers only."}),
                ({"totp": "123"}, {"minLength": "The OTP should be at least 6 characters long."})]
    for payload, error in failures:
        answer = session.post(url, json=payload, timeout=10)
        assert body(answer, 400) == {"totp": error}
        assert _message(answer) == "Something went wrong when validating the one-time password."
    fifth = session.post(url, json={"totp": "1234567"}, timeout=10)
    body(fifth, 400)
    assert _message(fifth) == "You have been logged out due to too many failed attempts."
    dead = requests.post(server.base_url + "/auth/jwt/refresh.json", timeout=10,
                         json={"user_id": CAROL, "refresh_token": session.refresh_token})
    body(dead, 400)
    session = client.session("carol")
    wrong = "000000" if totp(client.users["carol"]["totp_secret"]) != "000000" else "111111"
    assert body(session.post(url, json={"totp": wrong}, timeout=10), 400) == {
        "totp": {"isValidOtp": "This OTP is not valid."}}
    ok = session.post(url, json={"totp": totp(client.users["carol"]["totp_secret"])}, timeout=10)
    body(ok)
    assert re.fullmatch(r"passbolt_mfa=[0-9a-f-]{36}; path=/; HttpOnly", ok.headers["Set-Cookie"]), ok.headers
    after = session.get(url, timeout=10)
    body(after, 400)
    assert _message(after) == "The multi-factor authentication is not required."
    error = session.get(server.base_url + "/mfa/verify/error.json", timeout=10)
    assert body(error, 403)["mfa_providers"] == ["totp"]
    cleared = [c for c in error.raw.headers.getlist("Set-Cookie") if c.startswith("passbolt_mfa=")]
    assert len(cleared) == 1 and re.fullmatch(
        r"passbolt_mfa=[0-9a-f-]{36}; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; path=/; HttpOnly", cleared[0])
    ada = client.session("ada")
    none = ada.get(server.base_url + "/mfa/verify/error.json", timeout=10)
    assert body(none, 403) == {"mfa_providers": [], "providers": []}
    no_settings = ada.get(url, timeout=10)
    body(no_settings, 400)
    assert _message(no_settings) == "No valid multi-factor authentication settings found."


# -- users: is_mfa_enabled, last_logged_in -----------------------------------------------------
def test_is_mfa_enabled_and_last_logged_in_on_users(server, client):
    """IsMfaEnabledQueryService: on the index only for an admin's contain[is_mfa_enabled] (filter is-mfa-enabled,
    admins only); on a view for an admin or oneself. last_logged_in is a users column (5.4+) on every user."""
    ada = client.session("ada")
    betty = client.session("betty")
    plain = body(ada.get(server.base_url + "/users.json", timeout=10))
    assert all("is_mfa_enabled" not in u and "last_logged_in" in u for u in plain)
    by_id = {u["id"]: u for u in plain}
    assert re.fullmatch(ISO, by_id[BETTY]["last_logged_in"])  # logged in just now
    assert by_id[DAME]["last_logged_in"] is None  # never
    listed = body(ada.get(server.base_url + "/users.json?contain[is_mfa_enabled]=1", timeout=10))
    assert {u["id"]: u["is_mfa_enabled"] for u in listed}[CAROL] is True
    assert all(u["is_mfa_enabled"] is False for u in listed if u["id"] != CAROL)
    only = body(ada.get(server.base_url + "/users.json?filter[is-mfa-enabled]=1", timeout=10))
    assert [u["id"] for u in only] == [CAROL] and "is_mfa_enabled" not in only[0]
    bad = ada.get(server.base_url + "/users.json?filter[is-mfa-enabled]=maybe", timeout=10)
    body(bad, 400)
    assert _message(bad) == 'Invalid filter. "maybe" is not a valid value for filter is-mfa-enabled.'
    ignored = body(betty.get(server.base_url + "/users.json?contain[is_mfa_enabled]=1&filter[is-mfa-enabled]=1",
                             timeout=10))
    assert len(ignored) > 1 and all("is_mfa_enabled" not in u for u in ignored)
    assert body(betty.get(server.base_url + "/users/me.json", timeout=10))["is_mfa_enabled"] is False
    assert "is_mfa_enabled" not in body(betty.get(server.base_url + "/users/%s.json" % ADA, timeout=10))
    assert body(ada.get(server.base_url + "/users/%s.json" % CAROL, timeout=10))["is_mfa_enabled"] is True


# -- settings ----------------------------------------------------------------------------------
def test_settings_for_guests_and_users(server, client):
    """SettingsIndexController: a guest gets url/locale, legal/edition and the public plugin settings; a user
    also version, debug, timezone, session timeout, image path, plugin versions; contain[header]=0: no envelope."""
    guest = body(requests.get(server.base_url + "/settings.json", timeout=10))
    assert guest["app"] == {"url": server.base_url + "/", "locale": "en-UK"}
    assert set(guest["passbolt"]) == {"legal", "edition", "plugins"}
    assert guest["passbolt"]["plugins"] == {"jwtAuthentication": {"enabled": True}}
    ada = client.session("ada")
    user = body(ada.get(server.base_url + "/settings.json", timeout=10))
    assert set(user["app"]) == {"url", "locale", "version", "debug", "server_timezone", "session_timeout",
                                "image_storage"}
    assert set(user["app"]["version"]) == {"number", "name"} and user["app"]["debug"] == 0
    plugins = user["passbolt"]["plugins"]
    assert plugins["jwtAuthentication"] == {"version": "3.3.0", "enabled": True}
    assert plugins["multiFactorAuthentication"]["enabled"] is True and "version" in plugins["folders"]
    bare = ada.get(server.base_url + "/settings.json?contain[header]=0", timeout=10).json()
    assert set(bare) == {"app", "passbolt"}


# -- request bodies ----------------------------------------------------------------------------
def test_request_bodies_as_cakephp_parses_them(server):
    """BodyParserMiddleware: invalid JSON is a BadRequestException() ("Bad Request"); valid JSON that is not an
    object, and a body of a type it does not parse, leave no data (here: no user_id, the credentials are invalid)."""
    url = server.base_url + "/auth/jwt/login.json"
    broken = requests.post(url, data=b'{"user_id": ', headers={"Content-Type": "application/json"}, timeout=10)
    body(broken, 400)
    assert _message(broken) == "Bad Request"
    before_login = requests.post(server.base_url + "/folders.json", data=b"{", timeout=10,
                                 headers={"Content-Type": "application/json"})
    body(before_login, 400)  # the body parser runs before authentication
    assert _message(before_login) == "Bad Request"
    payload = json.dumps({"user_id": str(uuid.uuid4()), "challenge": "x"}).encode()
    for data, ctype in ((b"[1, 2]", "application/json"), (payload, "text/plain")):
        answer = requests.post(url, data=data, headers={"Content-Type": ctype}, timeout=10)
        body(answer, 400)
        assert _message(answer) == "The credentials are invalid."
    parsed = requests.post(url, data=payload, headers={"Content-Type": "text/json; charset=UTF-8"}, timeout=10)
    body(parsed, 404)  # parsed: the (unknown) user is looked up
