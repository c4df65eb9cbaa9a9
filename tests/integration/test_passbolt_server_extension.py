"""What Passbolt's browser extension sends and relies on, asserted on the raw HTTP answer of the local Passbolt
imitation against passbolt_api 5.x (sources named in tests/sandbox/passbolt/README.md, rows "found in issue 27"):
form bodies as PHP and CakePHP read them, PUT /metadata/keys/private/{id}.json, resource types listed and refused."""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
import uuid

import pytest
import requests

from sandbox.passbolt import seed_data as SD
# the raw client and its fixtures (one server for this module)
from test_passbolt_server import ADA, BETTY, _metadata_key, ada, body, client, server  # noqa: F401  pylint: disable=unused-import

TYPES = SD.RESOURCE_TYPE_IDS
NO_KEY_ID = "There is no user associated with this key. No key id set."
NOT_DELETED_TYPE = {"resource_type_id": {"resource_type_is_not_soft_deleted": "The resource type should not be deleted."}}
NOT_FOR_THE_KEY = {"data": {"isValidEncryptedMetadataPrivateKey":
                            "The data is not valid. Please make sure it is encrypted for the correct key."}}


@pytest.fixture(scope="module")
def betty(client):  # pylint: disable=redefined-outer-name
    return client.session("betty")


@pytest.fixture(scope="module")
def mkey(client, ada):  # pylint: disable=redefined-outer-name
    return _metadata_key(client, ada)


def _message(response):
    return response.json()["header"]["message"]


def _refused(response, status=400):
    """(body, message) of an error answer."""
    return body(response, status), _message(response)


def _multipart(fields, boundary="----passboltFormBoundary7MA4YWxk"):
    """A body as the browser's FormData writes it: (Content-Type, bytes)."""
    out = b""
    for name, value in fields:
        out += b"--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (
            boundary.encode(), name.encode(), value.encode())
    return "multipart/form-data; boundary=" + boundary, out + b"--%s--\r\n" % boundary.encode()


def _send(http, url, fields, encoding, method="POST", headers=None):
    """POST (or another method) `fields` as multipart/form-data or application/x-www-form-urlencoded."""
    if encoding == "multipart":
        ctype, data = _multipart(fields)
    else:
        ctype, data = "application/x-www-form-urlencoded", urllib.parse.urlencode(fields).encode()
    return http.request(method, url, data=data, headers=dict(headers or {}, **{"Content-Type": ctype}), timeout=10)


def _metadata(client, slug, name, fingerprint):  # pylint: disable=redefined-outer-name
    text = json.dumps({"object_type": "PASSBOLT_RESOURCE_METADATA", "resource_type_id": TYPES[slug], "name": name,
                       "username": "", "uris": [], "description": ""})
    result = client.gpg.encrypt(text, [fingerprint], always_trust=True)
    assert result.ok, result.status
    return str(result)


def _v5(client, mkey, slug, name):  # pylint: disable=redefined-outer-name
    return {"resource_type_id": TYPES[slug], "metadata": _metadata(client, slug, name, mkey["fingerprint"]),
            "metadata_key_id": mkey["id"], "metadata_key_type": "shared_key",
            "secrets": [{"data": client.encrypt("pw", client.users["ada"]["fingerprint"], "ada")}]}


# -- 1. form bodies ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_gpgauth_login_with_form_bodies(server, client, encoding):  # pylint: disable=redefined-outer-name
    """The extension's GPGAuth login posts forms (data[gpg_auth][...]): PHP reads multipart/form-data and
    x-www-form-urlencoded POST bodies alike into nested arrays, so stages 0, 1 and 2 work with either."""
    client.fetch_server_key()
    http = requests.Session()
    fpr = client.users["betty"]["fingerprint"]
    nonce = "gpgauthv1.3.0|36|%s|gpgauthv1.3.0" % uuid.uuid4()
    stage0 = _send(http, server.base_url + "/auth/verify.json", [
        ("data[gpg_auth][keyid]", fpr), ("data[gpg_auth][server_verify_token]", client.encrypt(nonce, client.server_fpr))],
        encoding)
    assert stage0.status_code == 200, stage0.text
    assert stage0.headers["X-GPGAuth-Verify-Response"] == nonce and stage0.headers["X-GPGAuth-Progress"] == "stage0"
    stage1 = _send(http, server.base_url + "/auth/login.json", [("data[gpg_auth][keyid]", fpr)], encoding)
    assert stage1.status_code == 200 and stage1.headers["X-GPGAuth-Progress"] == "stage1", stage1.text
    armored = urllib.parse.unquote_plus(re.sub(r"\\(.)", r"\1", stage1.headers["X-GPGAuth-User-Auth-Token"]))
    token = str(client.decrypt(armored, "betty"))
    stage2 = _send(http, server.base_url + "/auth/login.json",
                   [("data[gpg_auth][keyid]", fpr), ("data[gpg_auth][user_token_result]", token)], encoding)
    assert body(stage2)["id"] == BETTY and stage2.headers["X-GPGAuth-Progress"] == "complete"
    assert _message(stage2) == "You are successfully logged in."
    assert body(http.get(server.base_url + "/users/me.json", timeout=10))["id"] == BETTY


def test_malformed_multipart_leaves_no_data(server, client):  # pylint: disable=redefined-outer-name
    """rfc1867_post_handler: a multipart body without boundary, with another boundary, or not multipart at all only
    logs a PHP warning: no data (the login then has no key id: 400 from the authenticator), never a 500. A part
    with neither name nor filename ends the parsing (earlier parts kept); a file part (filename=) is not form data;
    Content-Transfer-Encoding is not decoded; a value runs to the next "\\n--boundary"."""
    url = server.base_url + "/auth/login.json"
    fpr = client.users["betty"]["fingerprint"]
    ctype, good = _multipart([("data[gpg_auth][keyid]", fpr)])
    for content_type, data in (("multipart/form-data", good), (ctype.replace("7MA4", "XXXX"), good),
                               (ctype, b"not a multipart body"), (ctype, b""), ("multipart/form-data; boundary=\"x", good)):
        answer = requests.post(url, data=data, headers={"Content-Type": content_type}, timeout=10)
        assert answer.status_code == 400 and _message(answer) == NO_KEY_ID, (content_type, data)
        assert answer.headers["X-GPGAuth-Debug"] == NO_KEY_ID
    boundary = b"----passboltFormBoundary7MA4YWxk"
    garbled = good[:-len(boundary) - 6] + b"--%s\r\nContent-Disposition: form-data\r\n\r\nx\r\n--%s--\r\n" % (
        boundary, boundary)
    kept = requests.post(url, data=garbled, headers={"Content-Type": ctype}, timeout=10)
    assert kept.status_code == 200 and kept.headers["X-GPGAuth-Progress"] == "stage1", kept.text
    as_file = good.replace(b'keyid]"', b'keyid]"; filename="key.txt"')
    assert _refused(requests.post(url, data=as_file, headers={"Content-Type": ctype}, timeout=10))[1] == NO_KEY_ID
    encoded = good.replace(b"\r\n\r\n", b"\r\nContent-Transfer-Encoding: base64\r\n\r\n").replace(
        fpr.encode(), base64.b64encode(fpr.encode()))
    answer = requests.post(url, data=encoded, headers={"Content-Type": ctype}, timeout=10)
    assert _refused(answer)[1] == "There is no user associated with this key. Invalid fingerprint."
    lf_only = good.replace(b"\r\n", b"\n")  # lines may end with LF only
    assert requests.post(url, data=lf_only, headers={"Content-Type": ctype}, timeout=10).headers[
        "X-GPGAuth-Progress"] == "stage1"


def test_forms_on_every_endpoint_as_php_reads_them(server, client, ada):  # pylint: disable=redefined-outer-name
    """Any endpoint: a POST form (either encoding) is $_POST; a PUT/PATCH/DELETE body is parsed only when
    x-www-form-urlencoded (ServerRequestFactory: parse_str), a multipart PUT leaves no data. PHP names: " " and "."
    of the base name become "_", "a[0][b]" nests (0..n-1 keys: a list)."""
    folders = server.base_url + "/folders.json"
    for encoding in ("multipart", "urlencoded"):
        created = body(_send(ada, folders, [("name", "form-%s" % encoding)], encoding))
        assert created["name"] == "form-%s" % encoding
    fid = created["id"]
    renamed = body(_send(ada, server.base_url + "/folders/%s.json" % fid, [("name", "renamed")], "urlencoded", "PUT"))
    assert renamed["name"] == "renamed"
    errors, message = _refused(_send(ada, server.base_url + "/folders/%s.json" % fid, [("name", "x")], "multipart", "PUT"))
    assert (errors, message) == ({"name": {"_empty": "The name should not be empty."}}, "Could not validate folder data.")
    resource = body(_send(ada, server.base_url + "/resources.json", [
        ("name", "form-resource"), ("resource_type_id", TYPES["password-string"]),
        ("secrets[0][data]", client.encrypt("pw", client.users["ada"]["fingerprint"], "ada"))], "multipart"))
    assert resource["name"] == "form-resource" and [s["user_id"] for s in resource["secrets"]] == [ADA]
    client.fetch_server_key()
    dummy, challenge = client.challenge("ada")
    login = _send(requests, server.base_url + "/auth/jwt/login.json", [(" user.id", ADA), ("challenge", challenge)],
                  "urlencoded")
    assert _message(login) == "The authentication was a success.", login.text  # " user.id" is user_id
    dummy, challenge = client.challenge("ada")
    refused = _send(requests, server.base_url + "/auth/jwt/login.json", [("user-id", ADA), ("challenge", challenge)],
                    "urlencoded")
    assert _refused(refused)[1] == "The credentials are invalid."


def test_form_method_override_csrf_field_and_input_limits(server, client, ada):  # pylint: disable=redefined-outer-name
    """ServerRequestFactory::marshalBodyAndRequestMethod: a form's `_method` (or X-Http-Method-Override) is the
    method the router sees, taken as it is (lower case matches no route); CsrfProtectionMiddleware takes the form's
    `_csrfToken`; PHP keeps max_input_vars (1000) variables of a form (a POST: one more, then it stops)."""
    fid = body(_send(ada, server.base_url + "/folders.json", [("name", "override")], "urlencoded"))["id"]
    url = server.base_url + "/folders/%s.json" % fid
    assert body(_send(ada, url, [("_method", "PUT"), ("name", "overridden")], "multipart"))["name"] == "overridden"
    body(_send(ada, url, [("name", "by-header")], "urlencoded", headers={"X-Http-Method-Override": "PUT"}))
    assert body(ada.get(url, timeout=10))["name"] == "by-header"
    lower = _send(ada, url, [("_method", "put"), ("name", "lower")], "urlencoded")
    assert _refused(lower, 404) == ("", "Not Found")
    session = requests.Session()
    body(session.get(server.base_url + "/auth/verify.json", timeout=10))  # a csrfToken cookie
    no_login = _send(session, server.base_url + "/folders.json", [("_csrfToken", session.cookies["csrfToken"]),
                                                                  ("name", "x")], "multipart")
    assert _refused(no_login, 403)[1] == "You need to login to access this location."  # the CSRF check passed
    junk = [("junk%d" % index, "x") for index in range(1000)]
    created = body(_send(ada, server.base_url + "/folders.json", junk + [("name", "1001st")], "urlencoded"))
    assert created["name"] == "1001st"
    errors, dummy = _refused(_send(ada, server.base_url + "/folders.json", junk + [("more", "x"), ("name", "y")],
                                   "urlencoded"))
    assert errors == {"name": {"_empty": "The name should not be empty."}}
    errors, dummy = _refused(_send(ada, url, junk + [("name", "1001st")], "urlencoded", "PUT"))  # parse_str: 1000
    assert errors == {"name": {"_empty": "The name should not be empty."}}


# -- 2. PUT /metadata/keys/private/{id}.json ----------------------------------------------------------------------------
def _private_key_row(server, session):  # pylint: disable=redefined-outer-name
    keys = body(session.get(server.base_url + "/metadata/keys.json?contain[metadata_private_keys]=1", timeout=10))
    return keys[0]["metadata_private_keys"][0]


def test_metadata_private_key_update(server, client, ada, betty):  # pylint: disable=redefined-outer-name
    """MetadataPrivateKeysUpdateController/Service: data not empty, then the id, then `data` a string; only the
    caller's row (another's: 404), once (the row's modified_by is the caller: 400); MetadataPrivateKeysTable: ascii,
    not empty, parsable, then a message for the caller's key with one recipient (its signature is not checked);
    the answer is the row with data, modified and modified_by updated."""
    row = _private_key_row(server, betty)
    ada_row = _private_key_row(server, ada)
    assert row["user_id"] == BETTY and row["modified_by"] is None  # the server shared it (issue 21)
    url = server.base_url + "/metadata/keys/private/%s.json"
    anonymous = requests.put(url % row["id"], json={"data": "x"}, timeout=10)
    assert _refused(anonymous, 403)[1] == "Missing or incorrect CSRF cookie type."
    assert _refused(betty.put(url % "uuid", json={}, timeout=10)) == ("", "The request data can not be empty.")
    assert _refused(betty.put(url % "uuid", json={"data": "x"}, timeout=10))[1] == \
        "The private key identifier should be a UUID."
    for payload in ({"data": 5}, {"metadata_key_id": row["metadata_key_id"]}, [1]):
        assert _refused(betty.put(url % row["id"], json=payload, timeout=10))[1] == "The request data is invalid."
    for other in (ada_row["id"], str(uuid.uuid4())):
        assert _refused(betty.put(url % other, json={"data": "x"}, timeout=10), 404)[1] == \
            "The metadata private key does not exist or has been deleted."
    plain = str(client.decrypt(row["data"], "betty"))
    to_betty = client.encrypt(plain, client.users["betty"]["fingerprint"], "ada")  # signed by another user: accepted
    to_ada = client.encrypt(plain, client.users["ada"]["fingerprint"], "betty")
    both = client.gpg.encrypt(plain, [client.users["betty"]["fingerprint"], client.users["ada"]["fingerprint"]],
                              always_trust=True)
    refusals = (
        ("", {"data": {"_empty": "The data should not be empty."}}),
        ("\U0001F525", {"data": {"ascii": "The data should be a valid ASCII string.",
                                 "isValidOpenPGPMessage": "The message should be a valid ASCII-armored OpenPGP message."}}),
        (to_ada, NOT_FOR_THE_KEY), (str(both), NOT_FOR_THE_KEY),
        (to_betty.replace("-----END PGP MESSAGE-----", "\n-----END PGP MESSAGE-----"), NOT_FOR_THE_KEY))
    for data, errors in refusals:
        answer = betty.put(url % row["id"], json={"data": data}, timeout=10)
        assert _refused(answer) == (errors, "The metadata private key could not be validated."), data
    updated = body(betty.post(url % row["id"].upper(), json={"data": to_betty, "user_id": ADA}, timeout=10))
    assert list(updated) == ["id", "metadata_key_id", "user_id", "data", "created", "modified", "created_by",
                             "modified_by"]
    assert (updated["id"], updated["user_id"], updated["data"], updated["modified_by"], updated["created_by"]) == \
        (row["id"], BETTY, to_betty, BETTY, None)
    assert updated["created"] == row["created"] and updated["modified"] >= row["modified"]
    assert _private_key_row(server, betty) == updated
    again = betty.put(url % row["id"], json={"data": to_betty}, timeout=10)
    assert _refused(again)[1] == "The metadata private key was already edited by the user."
    own = ada.put(url % ada_row["id"], json={"data": ada_row["data"]}, timeout=10)  # the seeding admin: already hers
    assert _refused(own)[1] == "The metadata private key was already edited by the user."


# -- 3. resource types --------------------------------------------------------------------------------------------------
def test_resource_types_index_lists_every_type_by_default(server, client, ada, betty):  # pylint: disable=redefined-outer-name
    """TotpResourceTypes is on by default (config/default.php): its finder lists every type, totp and
    password-description-totp included; no pagination; deleted ones only with filter[is-deleted]; resources_count for
    admins only. /settings.json says both plugins are on."""
    response = betty.get(server.base_url + "/resource-types.json?contain[resources_count]=1", timeout=10)
    listed = body(response)
    assert [t["slug"] for t in listed] == SD.RESOURCE_TYPE_SLUGS
    assert "pagination" not in response.json()["header"]
    assert all(t["deleted"] is None and "resources_count" not in t for t in listed)
    counted = {t["slug"]: t["resources_count"] for t in body(ada.get(
        server.base_url + "/resource-types.json?contain[resources_count]=1", timeout=10))}
    assert counted["v5-pin-code"] == 0 and counted["totp"] >= 1
    assert body(ada.get(server.base_url + "/resource-types.json?filter[is-deleted]=1", timeout=10)) == []
    bad = ada.get(server.base_url + "/resource-types.json?filter[is-deleted]=maybe", timeout=10)
    assert _refused(bad)[1] == 'Invalid filter. "maybe" is not a valid value for filter is-deleted.'
    plugins = body(betty.get(server.base_url + "/settings.json", timeout=10))["passbolt"]["plugins"]
    assert plugins["resourceTypes"] == plugins["totpResourceTypes"] == {"version": "1.0.0", "enabled": True}
    totp = body(ada.post(server.base_url + "/resources.json", timeout=10, json={
        "name": "listed-totp", "resource_type_id": TYPES["totp"],
        "secrets": [{"data": client.encrypt("{}", client.users["ada"]["fingerprint"], "ada")}]}))
    assert totp["resource_type_id"] == TYPES["totp"]


def test_soft_deleted_resource_type_refused_on_create_and_update(server, client, ada, betty, mkey):  # pylint: disable=redefined-outer-name
    """ResourceTypesDeleteController (admins, v5 on): a soft delete, refused while resources of the type exist; the
    index leaves the type out (filter[is-deleted]=1 lists it), the view still shows it; ResourcesTable::buildRules
    resource_type_is_not_soft_deleted refuses it on create and on update; ResourceTypesUpdateController undeletes."""
    note = TYPES["v5-note"]
    url = server.base_url + "/resource-types/%s.json"
    assert _refused(betty.delete(url % note, timeout=10), 403)[1] == "Access restricted to administrators."
    assert _refused(ada.delete(url % "nope", timeout=10))[1] == "The resource type identifier should be a UUID."
    assert _refused(ada.delete(url % uuid.uuid4(), timeout=10), 404)[1] == "The resource type does not exist."
    assert _refused(ada.delete(url % TYPES["v5-default"], timeout=10))[1] == \
        "The resource type can not be deleted as resources of this type still exist."
    resource = body(ada.post(server.base_url + "/resources.json", json=_v5(client, mkey, "v5-default", "to-note"),
                             timeout=10))
    try:
        deleted = ada.delete(url % note, timeout=10)
        assert body(deleted) is None and _message(deleted) == "The operation was successful."
        assert _refused(ada.delete(url % note, timeout=10))[1] == "The resource type is already deleted."
        assert "v5-note" not in [t["slug"] for t in body(betty.get(server.base_url + "/resource-types.json", timeout=10))]
        only = body(ada.get(server.base_url + "/resource-types.json?filter[is-deleted]=1", timeout=10))
        assert [t["slug"] for t in only] == ["v5-note"] and only[0]["deleted"]
        assert body(betty.get(url % note, timeout=10))["deleted"] == only[0]["deleted"]
        created = ada.post(server.base_url + "/resources.json", json=_v5(client, mkey, "v5-note", "note"), timeout=10)
        assert _refused(created) == (NOT_DELETED_TYPE, "Could not validate resource data.")
        payload = _v5(client, mkey, "v5-note", "to-note")
        del payload["secrets"]
        updated = ada.put(server.base_url + "/resources/%s.json" % resource["id"], json=payload, timeout=10)
        assert _refused(updated) == (NOT_DELETED_TYPE, "Could not validate resource data.")
        for data, message in (({}, "The request data can not be empty."),
                              ({"deleted": "2020-01-01"}, "The deleted field must be set to null."),
                              ({"name": "x"}, "The deleted field must be set to null."),
                              ({"deleted": None, "name": "x"}, "It is not allowed to update these resource type properties.")):
            assert _refused(ada.put(url % note, json=data, timeout=10))[1] == message
        assert _refused(betty.put(url % note, json={"deleted": None}, timeout=10), 403)[1] == \
            "Access restricted to administrators."
    finally:
        restored = ada.put(url % note, json={"deleted": None}, timeout=10)
    assert body(restored) is None
    assert _refused(ada.put(url % note, json={"deleted": None}, timeout=10))[1] == "The resource type is not deleted."
    assert body(ada.post(server.base_url + "/resources.json", json=_v5(client, mkey, "v5-note", "note"),
                         timeout=10))["resource_type_id"] == note


def test_resource_type_plugins_switched_off(server, client, ada):  # pylint: disable=redefined-outer-name
    """PASSBOLT_PLUGINS_TOTP_RESOURCE_TYPES_ENABLED=false: ResourceTypesFinderService leaves out the two v4 TOTP
    types, yet creating one is accepted (no rule looks at the plugin). PASSBOLT_PLUGINS_RESOURCE_TYPES_ENABLED=false:
    no /resource-types routes (404), a create gets password-string whatever it asks (ResourcesAddService::
    buildEntity), an update asking for another type is a 400 (ResourcesUpdateService::presetOrAssertResourceType)."""
    secret = [{"data": client.encrypt("{}", client.users["ada"]["fingerprint"], "ada")}]
    try:
        server.admin("POST", "settings", {"totp_resource_types_enabled": False})
        listed = [t["slug"] for t in body(ada.get(server.base_url + "/resource-types.json", timeout=10))]
        assert listed == [s for s in SD.RESOURCE_TYPE_SLUGS if s not in ("totp", "password-description-totp")]
        plugins = body(ada.get(server.base_url + "/settings.json", timeout=10))["passbolt"]["plugins"]
        assert plugins["totpResourceTypes"] == {"enabled": False}
        unlisted = body(ada.post(server.base_url + "/resources.json", timeout=10, json={
            "name": "unlisted-totp", "resource_type_id": TYPES["password-description-totp"], "secrets": secret}))
        assert unlisted["resource_type_id"] == TYPES["password-description-totp"]
        server.admin("POST", "settings", {"resource_types_enabled": False})
        assert _refused(ada.get(server.base_url + "/resource-types.json", timeout=10), 404) == ("", "Not Found")
        forced = body(ada.post(server.base_url + "/resources.json", timeout=10, json={
            "name": "forced", "resource_type_id": TYPES["totp"], "secrets": secret}))
        assert forced["resource_type_id"] == TYPES["password-string"]
        update = ada.put(server.base_url + "/resources/%s.json" % forced["id"], timeout=10,
                         json={"name": "forced", "resource_type_id": TYPES["totp"]})
        assert _refused(update)[1] == "Additional resource types are not enabled on this server."
    finally:
        server.admin("POST", "settings", {"totp_resource_types_enabled": True, "resource_types_enabled": True})
