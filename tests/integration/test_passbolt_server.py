"""The local Passbolt imitation, driven by a raw client written here (python-gnupg + requests),
not by the collection's plugin code: it must behave like a real Passbolt server."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import uuid

import gnupg
import pytest
import requests

from sandbox.passbolt import seed_data as SD
from sandbox.passbolt.crypto import totp

ADA, BETTY, CAROL, DAME = (SD.user_id(n) for n in ("ada", "betty", "carol", "dame"))


class RawClient:
    """The minimum a third-party client does, from Passbolt's docs."""

    def __init__(self, base_url, gpg, users):
        self.base = base_url
        self.gpg = gpg
        self.users = users  # short -> admin user record
        self.server_fpr = None

    def url(self, path):
        return self.base + path

    def fetch_server_key(self):
        body = requests.get(self.url("/auth/verify.json"), timeout=10).json()["body"]
        imported = self.gpg.import_keys(body["keydata"])
        assert body["fingerprint"] in imported.fingerprints
        self.server_fpr = body["fingerprint"]
        return body

    def encrypt(self, plaintext, recipient_fpr, signer=None):
        kwargs = {"always_trust": True}
        if signer:
            user = self.users[signer]
            kwargs.update(sign=user["fingerprint"], passphrase=user["passphrase"],
                          extra_args=["--pinentry-mode", "loopback"])
        result = self.gpg.encrypt(plaintext, [recipient_fpr], **kwargs)
        assert result.ok, result.status
        return str(result)

    def decrypt(self, armored, short):
        result = self.gpg.decrypt(armored, passphrase=self.users[short]["passphrase"],
                                  extra_args=["--pinentry-mode", "loopback"])
        assert result.ok, result.status
        return result

    def challenge(self, short="ada", signer="same", **overrides):
        payload = {"version": "1.0.0", "domain": self.base, "verify_token": str(uuid.uuid4()),
                   "verify_token_expiry": int(time.time()) + 300}
        payload.update(overrides)
        signer = short if signer == "same" else signer
        return payload, self.encrypt(json.dumps(payload), self.server_fpr, signer)

    def login(self, short="ada", **overrides):
        """JWT login; returns (response, session, decrypted challenge or None)."""
        self.fetch_server_key()
        payload, armored = self.challenge(short, **overrides)
        response = requests.post(self.url("/auth/jwt/login.json"), timeout=30,
                                 json={"user_id": self.users[short]["id"], "challenge": armored})
        if response.status_code != 200:
            return response, None, None
        result = self.decrypt(response.json()["body"]["challenge"], short)
        reply = json.loads(str(result))
        session = requests.Session()
        session.headers["Authorization"] = "Bearer " + reply["access_token"]
        return response, session, dict(reply, _sent=payload, _signer=result.pubkey_fingerprint,
                                       _valid=result.valid)

    def session(self, short="ada"):
        response, session, reply = self.login(short)
        assert response.status_code == 200, response.text
        assert reply["verify_token"] == reply["_sent"]["verify_token"]
        session.refresh_token = reply["refresh_token"]
        return session


@pytest.fixture(scope="module")
def server(sandbox_factory):
    return sandbox_factory("passbolt", seed="test")


@pytest.fixture(scope="module")
def client(server):
    home = tempfile.mkdtemp(prefix="pb-rawclient-")
    os.chmod(home, 0o700)
    with open(os.path.join(home, "gpg-agent.conf"), "w", encoding="utf-8") as handle:
        # a low s2k-count for the agent's own key protection: unlocking a key then costs ms, not 300 ms
        handle.write("allow-loopback-pinentry\ns2k-count 65536\n")
    gpg = gnupg.GPG(gnupghome=home)
    gpg.encoding = "utf-8"
    users = {u["short"]: u for u in server.admin("GET", "users")}
    for user in users.values():
        gpg.import_keys(user["private_key"], passphrase=user["passphrase"])
    yield RawClient(server.base_url, gpg, users)
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=dict(os.environ, GNUPGHOME=home), check=False)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def ada(client):
    return client.session("ada")


def body(response, status=200):
    assert response.status_code == status, response.text
    payload = response.json()
    assert set(payload) == {"header", "body"}
    header = payload["header"]
    assert {"id", "status", "servertime", "action", "message", "url", "code"} <= set(header)
    assert header["code"] == status
    assert header["status"] == ("success" if status < 400 else "error")
    return payload["body"]


# -- envelope, identity ------------------------------------------------------------------------
def test_envelope_unknown_route_and_unauthenticated(server, client):
    response = requests.get(server.base_url + "/no/such/route.json", timeout=10)
    assert body(response, 404) == ""  # ErrorController::beforeRender: "" for a thrown exception without details
    assert response.json()["header"]["url"] == "/no/such/route.json"
    response = requests.get(server.base_url + "/resources.json", timeout=10)
    body(response, 403)
    assert response.json()["header"]["message"] == "You need to login to access this location."
    key = client.fetch_server_key()
    assert key["fingerprint"] == server.env["PASSBOLT_SERVER_FINGERPRINT"]
    assert "BEGIN PGP PUBLIC KEY BLOCK" in key["keydata"]


def test_env(server):
    env = server.env
    assert env["PASSBOLT_USER_ID"] == ADA
    assert env["PASSBOLT_PASSPHRASE"] == "ada-passphrase-1"
    assert "PRIVATE KEY" in env["PASSBOLT_PRIVATE_KEY"]
    assert env["PASSBOLT_BASE_URL"] == server.base_url


# -- JWT ---------------------------------------------------------------------------------------
def test_jwt_login_success(server, client):
    before = server.stats()["logins"]
    response, session, reply = client.login("ada")
    assert body(response)["challenge"].startswith("-----BEGIN PGP MESSAGE-----")
    assert reply["verify_token"] == reply["_sent"]["verify_token"]
    assert reply["_valid"] and reply["_signer"] == client.server_fpr
    assert reply["version"] == "1.0.0" and reply["domain"] == server.base_url + "/"  # Router::url('/', true)
    me = body(session.get(server.base_url + "/users/me.json", timeout=10))
    assert me["id"] == ADA and me["username"] == "ada@passbolt.dev" and me["gpgkey"]["fingerprint"]
    claims = json.loads(_b64(reply["access_token"].split(".")[1]))
    assert claims["sub"] == ADA and claims["exp"] - time.time() <= 300
    assert server.stats()["logins"] == before + 1
    rsa = body(requests.get(server.base_url + "/auth/jwt/rsa.json", timeout=10))
    assert "BEGIN PUBLIC KEY" in rsa["keydata"]
    jwks = requests.get(server.base_url + "/auth/jwt/jwks.json", timeout=10).json()
    assert jwks["keys"][0]["alg"] == "RS256"


def _b64(text):
    import base64  # pylint: disable=import-outside-toplevel
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# As the real JwtLoginController: every refusal of the challenge itself is a 400 (signature and domain
# errors are BadRequestException subclasses there), a missing/inactive user a 404.
@pytest.mark.parametrize("case,status,message", [
    ("wrong_domain", 400, "The credentials are invalid."),
    ("wrong_version", 400, "The credentials are invalid."),
    ("expired", 400, "The credentials are invalid."),
    ("too_far", 400, "The credentials are invalid."),
    ("not_uuid", 400, "The credentials are invalid."),
    ("unsigned", 400, "The credentials are invalid."),
    ("wrong_signer", 400, "The credentials are invalid."),
    ("not_for_server", 400, "The credentials are invalid."),
    ("inactive", 404, "The user does not exist or is not active or has been deleted."),
    ("unknown_user", 404, "The user does not exist or is not active or has been deleted."),
    ("garbage", 400, "The credentials are invalid."),  # assertArmoredChallenge: a BadRequestException
])
def test_jwt_login_refusals(server, client, case, status, message):
    client.fetch_server_key()
    short, user_id = "ada", ADA
    if case == "wrong_domain":
        dummy, armored = client.challenge(domain="https://evil.example.com")
    elif case == "wrong_version":
        dummy, armored = client.challenge(version="1.0")
    elif case == "expired":
        dummy, armored = client.challenge(verify_token_expiry=int(time.time()) - 5)
    elif case == "too_far":
        dummy, armored = client.challenge(verify_token_expiry=int(time.time()) + 7200)
    elif case == "not_uuid":
        dummy, armored = client.challenge(verify_token="not-a-uuid")
    elif case == "unsigned":
        dummy, armored = client.challenge(signer=None)
    elif case == "wrong_signer":
        dummy, armored = client.challenge(signer="betty")
    elif case == "not_for_server":
        payload = {"version": "1.0.0", "domain": client.base, "verify_token": str(uuid.uuid4()),
                   "verify_token_expiry": int(time.time()) + 300}
        armored = client.encrypt(json.dumps(payload), client.users["ada"]["fingerprint"], "ada")
    elif case == "inactive":
        short, user_id = "dame", DAME
        dummy, armored = client.challenge("dame")
    elif case == "unknown_user":
        user_id = str(uuid.uuid4())
        dummy, armored = client.challenge()
    else:
        armored = "not a pgp message"
    response = requests.post(server.base_url + "/auth/jwt/login.json", timeout=30,
                             json={"user_id": user_id, "challenge": armored})
    assert body(response, status) == "", short
    assert response.json()["header"]["message"] == message


def test_jwt_login_replayed_verify_token(server, client):
    client.fetch_server_key()
    dummy, armored = client.challenge()
    first = requests.post(server.base_url + "/auth/jwt/login.json", json={"user_id": ADA, "challenge": armored},
                          timeout=30)
    body(first)
    again = requests.post(server.base_url + "/auth/jwt/login.json", json={"user_id": ADA, "challenge": armored},
                          timeout=30)
    body(again, 400)
    assert again.json()["header"]["message"] == "The credentials are invalid."


def test_refresh_single_use_with_cookie(server, client):
    dummy, session, reply = client.login("ada")
    before = server.stats()["refreshes"]
    response = requests.post(server.base_url + "/auth/jwt/refresh.json", timeout=10,
                             json={"user_id": ADA, "refresh_token": reply["refresh_token"]})
    new_access = body(response)["access_token"]
    assert set(body(response)) == {"access_token"}
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("refresh_token=") and "httponly" in cookie.lower() and "secure" in cookie.lower()
    new_refresh = cookie.split(";")[0].split("=", 1)[1]
    assert uuid.UUID(new_refresh) and new_refresh != reply["refresh_token"]
    assert server.stats()["refreshes"] == before + 1
    reused = requests.post(server.base_url + "/auth/jwt/refresh.json", timeout=10,
                           json={"user_id": ADA, "refresh_token": reply["refresh_token"]})
    body(reused, 400)
    assert reused.json()["header"]["message"] == "The refresh token provided was already used."
    ok = requests.get(server.base_url + "/users/me.json", headers={"Authorization": "Bearer " + new_access},
                      timeout=10)
    assert body(ok)["id"] == ADA
    again = requests.post(server.base_url + "/auth/jwt/refresh.json", timeout=10,
                          json={"user_id": ADA, "refresh_token": new_refresh})
    body(again)


def test_access_token_expiry_and_logout(server, client):
    server.admin("POST", "settings", {"access_token_ttl": 2})
    try:
        dummy, session, reply = client.login("ada")
        body(session.get(server.base_url + "/users/me.json", timeout=10))
        time.sleep(3)
        expired = session.get(server.base_url + "/users/me.json", timeout=10)
        body(expired, 401)
        assert expired.json()["header"]["message"] == "Authentication is required to continue"
    finally:
        server.admin("POST", "settings", {"access_token_ttl": 300})
    dummy, session, reply = client.login("ada")
    out = session.post(server.base_url + "/auth/jwt/logout.json", json={"refresh_token": reply["refresh_token"]},
                       timeout=10)
    body(out)
    body(session.get(server.base_url + "/users/me.json", timeout=10))  # a JWT stays valid until it expires
    dead = requests.post(server.base_url + "/auth/jwt/refresh.json", timeout=10,
                         json={"user_id": ADA, "refresh_token": reply["refresh_token"]})
    body(dead, 400)
    body(requests.get(server.base_url + "/users/me.json", headers={"Authorization": "Bearer garbage"},
                      timeout=10), 401)


def test_tampered_login_responses(server, client):
    server.admin("POST", "tamper", {"mode": "verify_token"})
    response, dummy, reply = client.login("ada")
    assert response.status_code == 200 and reply["verify_token"] != reply["_sent"]["verify_token"]
    server.admin("POST", "tamper", {"mode": "signature"})
    response, dummy, reply = client.login("ada")
    assert response.status_code == 200 and reply["_signer"] != client.server_fpr
    assert reply["verify_token"] == reply["_sent"]["verify_token"]
    response, dummy, reply = client.login("ada")  # one shot
    assert reply["_signer"] == client.server_fpr


# -- GPGAuth -----------------------------------------------------------------------------------
def test_gpgauth_login_and_csrf(server, client):
    client.fetch_server_key()
    fpr = client.users["betty"]["fingerprint"]
    http = requests.Session()
    # stage 0: the server proves it holds its key
    nonce = "gpgauthv1.3.0|36|%s|gpgauthv1.3.0" % uuid.uuid4()
    stage0 = http.post(server.base_url + "/auth/verify.json", timeout=10, json={"gpg_auth": {
        "keyid": fpr, "server_verify_token": client.encrypt(nonce, client.server_fpr)}})
    assert stage0.status_code == 200 and stage0.json()["header"]["status"] == "error"  # a "partial success"
    assert stage0.headers["X-GPGAuth-Verify-Response"] == nonce
    assert stage0.headers["X-GPGAuth-Progress"] == "stage0"
    unknown = http.post(server.base_url + "/auth/login.json", json={"gpg_auth": {"keyid": "A" * 40}}, timeout=10)
    body(unknown, 400)
    assert unknown.json()["header"]["message"].startswith("There is no user associated with this key.")
    # stage 1 (the browser extension's {"data": {...}} wrapper)
    stage1 = http.post(server.base_url + "/auth/login.json", json={"data": {"gpg_auth": {"keyid": fpr}}},
                       timeout=10)
    assert stage1.status_code == 200 and stage1.json()["header"]["status"] == "error"
    assert stage1.headers["X-GPGAuth-Progress"] == "stage1"
    token = stage1.headers["X-GPGAuth-User-Auth-Token"]
    assert "\\+" in token
    armored = urllib.parse.unquote_plus(token.replace("\\+", " "))
    assert urllib.parse.unquote(token).replace("\\+", " ") == armored  # the other usual way to decode it
    decrypted = client.decrypt(armored, "betty")
    assert decrypted.valid and decrypted.pubkey_fingerprint == client.server_fpr  # signed by the server
    plain = str(decrypted)
    assert plain.startswith("gpgauthv1.3.0|36|") and plain.endswith("|gpgauthv1.3.0")
    # stage 2 with a wrong result, then the right one
    wrong = http.post(server.base_url + "/auth/login.json", timeout=10,
                      json={"gpg_auth": {"keyid": fpr, "user_token_result": "gpgauthv1.3.0|36|x|gpgauthv1.3.0"}})
    assert wrong.status_code == 400 and wrong.headers["X-GPGAuth-Error"] == "true"
    # stage 1 again, as a PHP-style form
    stage1 = http.post(server.base_url + "/auth/login.json", data={"data[gpg_auth][keyid]": fpr}, timeout=10)
    token = stage1.headers["X-GPGAuth-User-Auth-Token"]
    plain = str(client.decrypt(urllib.parse.unquote_plus(token.replace("\\+", " ")), "betty"))
    stage2 = http.post(server.base_url + "/auth/login.json", timeout=10,
                       json={"gpg_auth": {"keyid": fpr, "user_token_result": plain}})
    assert body(stage2)["id"] == BETTY
    assert stage2.headers["X-GPGAuth-Authenticated"] == "true"
    # issue 14, point 2: the login POST is exempt from the CSRF middleware and sets no csrfToken cookie;
    # the first GET that arrives without one gets it (a sha512 hex token)
    assert "passbolt_session" in http.cookies and "csrfToken" not in http.cookies
    me = http.get(server.base_url + "/users/me.json", timeout=10)
    assert body(me)["id"] == BETTY
    assert re.fullmatch(r"[0-9a-f]{128}", http.cookies["csrfToken"]), me.headers.get("Set-Cookie")
    again = http.get(server.base_url + "/users/me.json", timeout=10)
    assert "csrfToken" not in again.headers.get("Set-Cookie", "")  # only when the request had none
    folder = {"name": "betty-folder"}
    body(http.post(server.base_url + "/folders.json", json=folder, timeout=10), 403)
    created = http.post(server.base_url + "/folders.json", json=folder, timeout=10,
                        headers={"X-CSRF-Token": http.cookies["csrfToken"]})
    assert body(created)["name"] == "betty-folder"
    body(http.post(server.base_url + "/auth/logout.json", timeout=10,
                   headers={"X-CSRF-Token": http.cookies["csrfToken"]}))
    body(http.get(server.base_url + "/users/me.json", timeout=10), 403)


# -- MFA ---------------------------------------------------------------------------------------
def test_mfa_required_then_verified(server, client):
    session = client.session("carol")
    denied = session.get(server.base_url + "/resources.json", timeout=10)
    assert [r.status_code for r in denied.history] == [302]  # to /mfa/verify/error.json, as the real server
    assert body(denied, 403)["mfa_providers"] == ["totp"]
    assert denied.json()["header"]["message"] == "MFA authentication is required."
    assert denied.json()["header"]["url"] == "/mfa/verify/error.json"
    assert "totp" in denied.json()["body"]["providers"]
    bad = session.post(server.base_url + "/mfa/verify/totp.json", json={"totp": "000000"}, timeout=10)
    if totp(client.users["carol"]["totp_secret"]) != "000000":
        body(bad, 400)
    ok = session.post(server.base_url + "/mfa/verify/totp.json", timeout=10,
                      json={"totp": totp(client.users["carol"]["totp_secret"])})
    body(ok)
    assert "passbolt_mfa" in session.cookies
    names = {r.get("name") for r in body(session.get(server.base_url + "/resources.json", timeout=10))}
    assert names == set()  # carol has no resource but is now allowed in
    again = session.post(server.base_url + "/mfa/verify/totp.json", timeout=10,
                         json={"totp": totp(client.users["carol"]["totp_secret"])})
    assert body(again, 400) == ""  # not required any more
    # the verification follows a refreshed access token
    refreshed = session.post(server.base_url + "/auth/jwt/refresh.json", timeout=10,
                             json={"user_id": CAROL, "refresh_token": session.refresh_token})
    session.headers["Authorization"] = "Bearer " + body(refreshed)["access_token"]
    body(session.get(server.base_url + "/users/me.json", timeout=10))
    # the MFA cookie does not work for another login session (the session id is the access token,
    # which only differs from one second to the next: {iss, sub, exp})
    time.sleep(1.1)
    other = client.session("carol")
    other.cookies.set("passbolt_mfa", session.cookies["passbolt_mfa"])
    body(other.get(server.base_url + "/resources.json", timeout=10), 403)


# -- resources ---------------------------------------------------------------------------------
def _metadata_key(client, ada):
    keys = body(ada.get(client.base + "/metadata/keys.json?contain[metadata_private_keys]=1", timeout=10))
    assert len(keys) == 1 and len(keys[0]["metadata_private_keys"]) == 1
    private = json.loads(str(client.decrypt(keys[0]["metadata_private_keys"][0]["data"], "ada")))
    assert private["object_type"] == "PASSBOLT_METADATA_PRIVATE_KEY" and private["passphrase"] == ""
    imported = client.gpg.import_keys(private["armored_key"])
    assert keys[0]["fingerprint"] in imported.fingerprints
    return keys[0]


def test_resource_types(server, ada):
    types = body(ada.get(server.base_url + "/resource-types.json", timeout=10))
    by_slug = {t["slug"]: t["id"] for t in types}
    assert by_slug["password-and-description"] == "a28a04cd-6f53-518a-967c-9963bf9cec51"
    assert by_slug["v5-default"] == "dd1f723d-0d1e-513f-8218-4055dc0530d0"
    assert by_slug["v5-totp-standalone"] == "bb2280b5-c4d9-569c-9337-62b307f1139c"


def test_resource_list_with_secrets_v4_and_v5(server, client, ada):
    response = ada.get(server.base_url + "/resources.json?contain[secret]=1&contain[permission]=1"
                                         "&contain[permissions.user.profile]=1&contain[permissions.group]=1",
                       timeout=10)
    resources = {r["id"]: r for r in body(response)}
    assert response.json()["header"]["pagination"]["count"] == len(resources)
    v4 = resources[SD.resource("v4-desc")["id"]]
    assert v4["name"] == "db-primary" and v4["permission"]["type"] == 15
    secret = json.loads(str(client.decrypt(v4["secrets"][0]["data"], "ada")))
    assert secret["password"] == "db-primary-pw-1"
    assert any(p["aro"] == "Group" and p["group"]["name"] == "Ops" for p in v4["permissions"])
    assert any(p["aro"] == "User" and p["user"]["profile"]["first_name"] == "Ada" for p in v4["permissions"])
    string = resources[SD.resource("v4-string")["id"]]
    assert str(client.decrypt(string["secrets"][0]["data"], "ada")) == "legacy-string-pw-1"
    _metadata_key(client, ada)
    v5 = resources[SD.resource("v5-shared")["id"]]
    assert "name" not in v5 and v5["metadata_key_type"] == "shared_key"
    meta = json.loads(str(client.gpg.decrypt(v5["metadata"])))
    assert meta["name"] == "app-api" and meta["object_type"] == "PASSBOLT_RESOURCE_METADATA"
    mine = resources[SD.resource("v5-user")["id"]]
    assert mine["metadata_key_type"] == "user_key"
    assert json.loads(str(client.decrypt(mine["metadata"], "ada")))["name"] == "personal-mail"
    tricky = resources[SD.resource("tricky")["id"]]
    assert tricky["name"] == "web & co / 50%"
    own = body(ada.get(server.base_url + "/secrets/resource/%s.json" % v4["id"], timeout=10))
    assert own["user_id"] == ADA and own["resource_id"] == v4["id"]


def test_resource_filters(server, ada):
    base = server.base_url + "/resources.json"
    dup = [SD.resource("dup-infra")["id"], SD.resource("dup-apps")["id"]]
    got = body(ada.get(base, params={"filter[has-id][]": dup}, timeout=10))
    assert sorted(r["id"] for r in got) == sorted(dup)
    infra = body(ada.get(base, params={"filter[has-parent][]": SD.FOLDER_IDS["Infra"]}, timeout=10))
    assert {r["id"] for r in infra} == {r["id"] for r in SD.RESOURCES if r["folder"] == "Infra"}
    ops = body(ada.get(base, params={"filter[is-shared-with-group]": SD.GROUP_IDS["Ops"]}, timeout=10))
    assert [r["name"] for r in ops] == ["db-primary"]
    shared = body(ada.get(base, params={"filter[is-shared-with-me]": 1}, timeout=10))
    assert [r["name"] for r in shared] == ["betty-shared"]
    owned = body(ada.get(base, params={"filter[is-owned-by-me]": 1}, timeout=10))
    assert "betty-shared" not in {r.get("name") for r in owned}
    user_key = body(ada.get(base, params={"filter[metadata_key_type]": "user_key"}, timeout=10))
    # sorted by Resources.name, which v5 resources do not store: their order among themselves is the database's
    assert sorted(r["id"] for r in user_key) == sorted(r["id"] for r in SD.RESOURCES
                                                       if r["metadata"] == "v5-user" and r["owner"] == "ada")
    root = body(ada.get(base, params={"filter[has-parent][]": ""}, timeout=10))
    assert {r["id"] for r in root} >= {r["id"] for r in SD.RESOURCES if r["folder"] is None and r["owner"] == "ada"}
    assert not any(r["folder_parent_id"] for r in root)
    bad = ada.get(base, params={"filter[has-id][]": "nope"}, timeout=10)
    body(bad, 400)
    assert bad.json()["header"]["message"] == 'Invalid filter. "nope" is not a valid resource id for filter has-id.'
    body(ada.get(server.base_url + "/resources/%s.json" % uuid.uuid4(), timeout=10), 404)
    body(ada.get(server.base_url + "/resources/not-a-uuid.json", timeout=10), 400)


def test_create_v4_v5_and_settings(server, client, ada):
    types = SD.RESOURCE_TYPE_IDS
    secret = client.encrypt(json.dumps({"password": "new-pw", "description": ""}),
                            client.users["ada"]["fingerprint"], "ada")
    created = body(ada.post(server.base_url + "/resources.json", timeout=10, json={
        "name": "created-v4", "username": "u", "uri": "https://x", "resource_type_id": types["password-and-description"],
        "folder_parent_id": SD.FOLDER_IDS["Apps"], "secrets": [{"data": secret}]}))
    assert created["name"] == "created-v4" and created["folder_parent_id"] == SD.FOLDER_IDS["Apps"]
    mkey = _metadata_key(client, ada)
    metadata = client.encrypt(json.dumps({"object_type": "PASSBOLT_RESOURCE_METADATA", "name": "created-v5",
                                          "resource_type_id": types["v5-default"], "uris": [], "username": "",
                                          "description": ""}), mkey["fingerprint"], "ada")
    v5 = {"resource_type_id": types["v5-default"], "metadata": metadata, "metadata_key_id": mkey["id"],
          "metadata_key_type": "shared_key", "secrets": [{"data": secret}]}
    created5 = body(ada.post(server.base_url + "/resources.json", json=v5, timeout=10))
    assert created5["metadata_key_type"] == "shared_key" and "name" not in created5
    # both v4 and v5 fields: refused
    both = ada.post(server.base_url + "/resources.json", json=dict(v5, name="x"), timeout=10)
    assert body(both, 400) == ""
    assert both.json()["header"]["message"] == "V4 related fields are not supported for V5."
    partial = ada.post(server.base_url + "/resources.json", json=dict(v5, metadata_key_type=None), timeout=10)
    assert partial.json()["header"]["message"] == "Few fields are missing for the V5."
    # not a PGP message
    bad = dict(v5, secrets=[{"data": "hello"}])
    errors = body(ada.post(server.base_url + "/resources.json", json=bad, timeout=10), 400)
    assert errors == {"secrets": [{"data": {  # a PHP list: Entity::getErrors() keys the secrets by position
        "isValidOpenPGPMessage": "The message should be a valid ASCII-armored OpenPGP message."}}]}
    # settings refuse v4
    server.admin("POST", "settings", {"allow_v4_create": False, "metadata_default": "v5"})
    try:
        settings = body(ada.get(server.base_url + "/metadata/types/settings.json", timeout=10))
        assert settings["default_resource_types"] == "v5" and settings["allow_creation_of_v4_resources"] is False
        refused = ada.post(server.base_url + "/resources.json", timeout=10, json={
            "name": "refused", "resource_type_id": types["password-and-description"], "secrets": [{"data": secret}]})
        body(refused, 400)
        assert refused.json()["header"]["message"] == "Resource creation with cleartext metadata not allowed."
    finally:
        server.admin("POST", "settings", {"allow_v4_create": True})


def test_validation_error_shape(server, ada):
    response = ada.post(server.base_url + "/resources.json", json={
        "resource_type_id": SD.RESOURCE_TYPE_IDS["password-and-description"]}, timeout=10)
    errors = body(response, 400)
    assert errors["name"] == {"_required": "A name is required."}
    assert isinstance(errors["secrets"], dict)
    assert response.json()["header"]["message"] == "Could not validate resource data."


def test_update_requires_every_secret(server, client, ada):
    res = SD.resource("v4-desc")  # shared with group Ops (betty): ada + betty have access
    users = body(ada.get(server.base_url + "/users.json", timeout=10,
                         params={"filter[has-access]": res["id"], "contain[gpgkey]": 1}))
    assert {u["id"] for u in users} == {ADA, BETTY}
    data = json.dumps({"password": "rotated", "description": ""})
    only_ada = [{"user_id": ADA, "data": client.encrypt(data, client.users["ada"]["fingerprint"], "ada")}]
    url = server.base_url + "/resources/%s.json" % res["id"]
    errors = body(ada.put(url, json={"name": "db-primary", "secrets": only_ada}, timeout=10), 400)
    assert list(errors["secrets"]) == ["secrets_provided"]
    full = only_ada + [{"user_id": u["id"], "data": client.encrypt(data, u["gpgkey"]["fingerprint"], "ada")}
                       for u in users if u["id"] != ADA]
    updated = body(ada.put(url, json={"name": "db-primary", "secrets": full}, timeout=10))
    assert updated["name"] == "db-primary"
    betty = client.session("betty")
    mine = body(betty.get(server.base_url + "/secrets/resource/%s.json" % res["id"], timeout=10))
    assert json.loads(str(client.decrypt(mine["data"], "betty")))["password"] == "rotated"
    # betty only reads it
    denied = betty.put(url, json={"name": "hijack"}, timeout=10)
    body(denied, 403)
    assert denied.json()["header"]["message"] == "You are not allowed to update this resource."


def test_share_simulate_share_and_no_owner(server, client, ada):
    res = SD.resource("dup-apps")
    sim_url = server.base_url + "/share/simulate/resource/%s.json" % res["id"]
    add_group = [{"is_new": True, "aro": "Group", "aro_foreign_key": SD.GROUP_IDS["Auditors"], "aco": "Resource",
                  "aco_foreign_key": res["id"], "type": 1}]
    changes = body(ada.post(sim_url, json={"permissions": add_group}, timeout=10))["changes"]
    assert changes["added"] == [{"User": {"id": CAROL}}] and changes["removed"] == []
    share_url = server.base_url + "/share/resource/%s.json" % res["id"]
    missing = body(ada.put(share_url, json={"permissions": add_group}, timeout=10), 400)  # carol's secret
    assert missing == {"secrets": {"secrets_provided": "The secrets of all the users having access to the resource "
                                                       "are required."}}
    data = client.encrypt(json.dumps({"password": "dup-apps-pw-1", "description": ""}),
                          client.users["carol"]["fingerprint"], "ada")
    body(ada.put(share_url, json={"permissions": add_group, "secrets": [{"user_id": CAROL, "data": data}]},
                 timeout=10))
    state = {r["id"]: r for r in server.admin("GET", "state")["resources"]}
    assert set(state[res["id"]]["secrets_for"]) == {ADA, CAROL}
    owner = next(p for p in state[res["id"]]["permissions"] if p["aro_foreign_key"] == ADA)
    errors = body(ada.put(share_url, json={"permissions": [{"id": owner["id"], "type": 1}]}, timeout=10), 400)
    assert errors == {"permissions": {"at_least_one_owner": "At least one owner permission must be provided."}}
    group_perm = next(p for p in state[res["id"]]["permissions"] if p["aro"] == "Group")
    body(ada.put(share_url, json={"permissions": [{"id": group_perm["id"], "delete": True}]}, timeout=10))
    state = {r["id"]: r for r in server.admin("GET", "state")["resources"]}
    assert state[res["id"]]["secrets_for"] == [ADA]
    aros = body(ada.get(server.base_url + "/share/search-aros.json", params={"filter[search]": "bet"}, timeout=10))
    assert [a.get("username") for a in aros] == ["betty@passbolt.dev"]


def test_user_key_resource_cannot_be_shared(server, client, ada):
    res = SD.resource("v5-user")
    perms = [{"is_new": True, "aro": "User", "aro_foreign_key": BETTY, "aco": "Resource",
              "aco_foreign_key": res["id"], "type": 1}]
    data = client.encrypt("x", client.users["betty"]["fingerprint"], "ada")
    refused = ada.put(server.base_url + "/share/resource/%s.json" % res["id"], timeout=10,
                      json={"permissions": perms, "secrets": [{"user_id": BETTY, "data": data}]})
    body(refused, 400)
    assert refused.json()["header"]["message"] == "Resource metadata key type is invalid."


def test_folders(server, ada):
    base = server.base_url
    folders = body(ada.get(base + "/folders.json", params={"filter[search]": "Databases"}, timeout=10))
    assert len(folders) == 2 and {f["folder_parent_id"] for f in folders} == {SD.FOLDER_IDS["Infra"],
                                                                              SD.FOLDER_IDS["Apps"]}
    infra = body(ada.get(base + "/folders/%s.json" % SD.FOLDER_IDS["Infra"], timeout=10,
                         params={"contain[children_resources]": 1, "contain[children_folders]": 1}))
    assert [f["name"] for f in infra["children_folders"]] == ["Databases"]
    assert {r["id"] for r in infra["children_resources"]} == {r["id"] for r in SD.RESOURCES if r["folder"] == "Infra"}
    children = body(ada.get(base + "/folders.json", params={"filter[has-parent][]": SD.FOLDER_IDS["Apps"]},
                            timeout=10))
    assert [f["id"] for f in children] == [SD.FOLDER_IDS["Apps/Databases"]]
    new = body(ada.post(base + "/folders.json", json={"name": "Databases"}, timeout=10))  # names are not unique
    renamed = body(ada.put(base + "/folders/%s.json" % new["id"], json={"name": "Scratch"}, timeout=10))
    assert renamed["name"] == "Scratch"
    body(ada.put(base + "/move/folder/%s.json" % new["id"], json={"folder_parent_id": SD.FOLDER_IDS["Infra"]},
                 timeout=10))
    body(ada.put(base + "/move/folder/%s.json" % SD.FOLDER_IDS["Infra"], json={"folder_parent_id": new["id"]},
                 timeout=10), 400)  # a cycle
    rid = SD.resource("v4-totp")["id"]
    body(ada.put(base + "/move/resource/%s.json" % rid, json={"folder_parent_id": new["id"]}, timeout=10))
    assert body(ada.get(base + "/resources/%s.json" % rid, timeout=10))["folder_parent_id"] == new["id"]
    share = [{"is_new": True, "aro": "User", "aro_foreign_key": BETTY, "aco": "Folder",
              "aco_foreign_key": new["id"], "type": 1}]
    body(ada.put(base + "/share/folder/%s.json" % new["id"], json={"permissions": share}, timeout=10))
    body(ada.delete(base + "/folders/%s.json" % new["id"], timeout=10))
    # FoldersDeleteService::moveFolderContentToRoot: the content goes to the root, not to the parent
    assert body(ada.get(base + "/resources/%s.json" % rid, timeout=10))["folder_parent_id"] is None
    errors = body(ada.post(base + "/folders.json", json={}, timeout=10), 400)
    assert errors == {"name": {"_empty": "The name should not be empty."}}  # the DTO always passes name


def test_delete_resource(server, client, ada):
    secret = client.encrypt("pw", client.users["ada"]["fingerprint"], "ada")
    created = body(ada.post(server.base_url + "/resources.json", timeout=10, json={
        "name": "to-delete", "resource_type_id": SD.RESOURCE_TYPE_IDS["password-string"],
        "secrets": [{"data": secret}]}))
    url = server.base_url + "/resources/%s.json" % created["id"]
    body(ada.delete(url, timeout=10))
    body(ada.get(url, timeout=10), 404)
    assert created["id"] not in {r["id"] for r in body(ada.get(server.base_url + "/resources.json", timeout=10))}


def test_users_and_groups(server, ada):
    base = server.base_url
    users = body(ada.get(base + "/users.json", params={"filter[search]": "carol", "contain[gpgkey]": 1},
                         timeout=10))
    assert [u["id"] for u in users] == [CAROL] and users[0]["gpgkey"]["fingerprint"]
    admins = body(ada.get(base + "/users.json", params={"filter[is-admin]": 1}, timeout=10))
    assert [u["id"] for u in admins] == [ADA]
    ops = body(ada.get(base + "/users.json", params={"filter[has-groups]": SD.GROUP_IDS["Ops"]}, timeout=10))
    assert {u["id"] for u in ops} == {ADA, BETTY}
    groups = body(ada.get(base + "/groups.json", params={"filter[has-users][]": CAROL,
                                                         "contain[my_group_user]": 1}, timeout=10))
    assert [g["name"] for g in groups] == ["Auditors"] and groups[0]["my_group_user"]["is_admin"] is True
    managed = body(ada.get(base + "/groups.json", params={"filter[has-managers][]": ADA,
                                                          "contain[groups_users]": 1}, timeout=10))
    assert {g["name"] for g in managed} == {"Ops", "Auditors"}
    assert all(len(g["groups_users"]) == 2 for g in managed)


def test_rotate_server_key(server, client):
    old = client.fetch_server_key()["fingerprint"]
    new = server.admin("POST", "rotate-server-key", {})["fingerprint"]
    assert new != old and client.fetch_server_key()["fingerprint"] == new
    response, dummy, reply = client.login("ada")
    assert response.status_code == 200 and reply["_signer"] == new


def test_pagination_and_php_json_escaping(server, ada):
    response = ada.get(server.base_url + "/resources.json", params={"limit": 2, "page": 2}, timeout=10)
    page = body(response)
    pagination = response.json()["header"]["pagination"]
    assert len(page) == 2 and pagination["limit"] == 2 and pagination["page"] == 2
    assert pagination["count"] > 2
    everything = ada.get(server.base_url + "/resources.json", timeout=10)
    assert everything.json()["header"]["pagination"]["limit"] == 1000000  # ApiPaginationComponent::MAX_LIMIT
    # CakePHP's JsonView escapes "/", "&", "<", ">", "'" and quotes inside strings
    tricky = ada.get(server.base_url + "/resources/%s.json" % SD.resource("tricky")["id"], timeout=10)
    assert "web \\u0026 co \\/ 50%" in tricky.text
    assert body(tricky)["name"] == "web & co / 50%"


def test_logout_without_token_ends_every_refresh_token(server, client):
    dummy, first, reply1 = client.login("betty")
    time.sleep(1.1)
    dummy, second, reply2 = client.login("betty")
    body(second.post(server.base_url + "/auth/jwt/logout.json", json={}, timeout=10))
    for reply in (reply1, reply2):
        dead = requests.post(server.base_url + "/auth/jwt/refresh.json", timeout=10,
                             json={"user_id": BETTY, "refresh_token": reply["refresh_token"]})
        body(dead, 400)


# -- issue 14: the imitation answers like passbolt_api 5.x (each asserted on the raw HTTP answer) ------------
def test_json_answers_have_no_charset(server, client, ada):
    """Point 1: CakePHP's Response adds a charset to text/* types only: JSON is plain application/json."""
    answers = [requests.get(server.base_url + "/auth/verify.json", timeout=10),
               requests.get(server.base_url + "/no/such/route.json", timeout=10),
               requests.get(server.base_url + "/resources.json", timeout=10),
               ada.get(server.base_url + "/users/me.json", timeout=10),
               requests.post(server.base_url + "/auth/login.json", json={"gpg_auth": {"keyid": "A" * 40}}, timeout=10)]
    assert [a.headers["Content-Type"] for a in answers] == ["application/json"] * len(answers)


def test_csrf_cookie_is_set_by_a_get_and_required_on_writes(server, client):
    """Point 2 (GPGAuth sessions): see also test_gpgauth_login_and_csrf. A cookie session cannot write
    without X-CSRF-Token equal to its csrfToken cookie; a JWT client is not asked for one."""
    anonymous = requests.get(server.base_url + "/auth/verify.json", timeout=10)
    assert re.search(r"csrfToken=[0-9a-f]{128}; path=/", anonymous.headers["Set-Cookie"])
    post = requests.post(server.base_url + "/auth/login.json", json={"gpg_auth": {"keyid": "A" * 40}}, timeout=10)
    assert "csrfToken" not in post.headers.get("Set-Cookie", "")
    jwt = client.session("betty")
    created = jwt.post(server.base_url + "/folders.json", json={"name": "jwt-no-csrf"}, timeout=10)
    assert body(created)["name"] == "jwt-no-csrf"


def test_resource_type_view_returns_the_stored_definition_string(server, ada):
    """Point 3: ResourceTypesViewController returns the entity (definition: the stored JSON text); only the
    index's result formatter json_decode()s it. The index lists totp and password-description-totp too (the
    TotpResourceTypes plugin, on by default, replaces ResourceTypesFinderService::find; issue 27); the view's bad-id
    message says "resource" (sic)."""
    index = body(ada.get(server.base_url + "/resource-types.json", timeout=10))
    assert all(isinstance(t["definition"], dict) for t in index)
    assert {"totp", "password-description-totp"} <= {t["slug"] for t in index}
    one = body(ada.get(server.base_url + "/resource-types/%s.json" % SD.resource_type_id("v5-default"), timeout=10))
    assert isinstance(one["definition"], str)
    assert json.loads(one["definition"]) == next(t for t in index if t["slug"] == "v5-default")["definition"]
    hidden = body(ada.get(server.base_url + "/resource-types/%s.json" % SD.resource_type_id("totp"), timeout=10))
    assert hidden["slug"] == "totp"
    bad = ada.get(server.base_url + "/resource-types/nope.json", timeout=10)
    body(bad, 400)
    assert bad.json()["header"]["message"] == "The resource identifier should be a valid UUID."


def test_secrets_carry_created_by_and_modified_by(server, ada):
    """Point 4: secrets have created_by/modified_by since 5.7 (migration V570PopulateCreatedByAndModifiedBy...)."""
    rid = SD.resource("betty-shared")["id"]
    secret = body(ada.get(server.base_url + "/secrets/resource/%s.json" % rid, timeout=10))
    assert secret["created_by"] == BETTY and secret["modified_by"] == BETTY and secret["user_id"] == ADA
    listed = body(ada.get(server.base_url + "/resources/%s.json?contain[secret]=1" % rid, timeout=10))
    written_by = {k: listed["secrets"][0][k] for k in ("created_by", "modified_by")}
    assert written_by == {"created_by": BETTY, "modified_by": BETTY}


def test_users_me_role_has_created_and_modified(server, ada):
    """Point 6: the Role entity's created and modified are in the answer."""
    role = body(ada.get(server.base_url + "/users/me.json", timeout=10))["role"]
    assert set(role) >= {"id", "name", "description", "created", "modified"} and role["name"] == "admin"


def test_root_answers_like_passbolt(server, ada):
    """Point 7: GET / is Pages/Home::apiExtApp: a browser is sent to the login page, a JSON client gets the
    authentication error; logged in, a JSON client gets an empty success envelope."""
    browser = requests.get(server.base_url + "/", allow_redirects=False, timeout=10)
    assert browser.status_code == 302
    assert browser.headers["Location"].endswith("/auth/login?redirect=%2F")
    api = requests.get(server.base_url + "/", headers={"Accept": "application/json"}, timeout=10)
    assert body(api, 403) == ""
    assert api.json()["header"]["message"] == "You need to login to access this location."
    mine = ada.get(server.base_url + "/", headers={"Accept": "application/json"}, timeout=10)
    assert body(mine) is None and mine.headers["Content-Type"] == "application/json"


def test_users_index_contains_keys_by_default_and_view_messages(server, ada):
    """Beyond the seven: UsersTable::findIndex contains gpgkey, profile, groups_users and role unless the query
    says contain[x]=0; UsersViewController's bad-id message names "me"."""
    users = body(ada.get(server.base_url + "/users.json", timeout=10))
    assert all({"gpgkey", "profile", "groups_users", "role"} <= set(u) for u in users)
    bare = body(ada.get(server.base_url + "/users.json?contain[gpgkey]=0&contain[groups_users]=0", timeout=10))
    assert all("gpgkey" not in u and "groups_users" not in u and "profile" in u for u in bare)
    bad = ada.get(server.base_url + "/users/nope.json", timeout=10)
    body(bad, 400)
    assert bad.json()["header"]["message"] == 'The user identifier should be a valid UUID or "me".'


def test_healthcheck_and_secret_view_messages(server, ada):
    """Beyond the seven: HealthcheckStatusController answers success(__('OK'), 'OK'); SecretsViewController looks the
    secret up directly: a resource the user cannot see is "The secret does not exist."."""
    health = requests.get(server.base_url + "/healthcheck/status.json", timeout=10)
    assert body(health) == "OK" and health.json()["header"]["message"] == "OK"
    hidden = SD.resource("v5-badsig")["id"]  # Betty's only
    missing = ada.get(server.base_url + "/secrets/resource/%s.json" % hidden, timeout=10)
    body(missing, 404)
    assert missing.json()["header"]["message"] == "The secret does not exist."
