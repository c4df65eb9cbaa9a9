"""Sharing, folders and groups of the local Passbolt imitation, on the raw HTTP answer (no collection code).

Each expectation names the passbolt_api 5.x file that decides it (issue 14)."""

from __future__ import annotations

import json
import uuid

import pytest

from sandbox.passbolt import seed_data as SD
from test_passbolt_server import ADA, BETTY, CAROL, DAME, ada, body, client, server  # noqa: F401  pylint: disable=unused-import

RESOURCE_INVALID = "Could not validate resource data."
FOLDER_INVALID = "Could not validate folder data."


@pytest.fixture(scope="module")
def betty(client):  # noqa: F811 - the imported fixture
    return client.session("betty")


def refused(response, status, message):
    """The body of an error answer after checking its status and header message."""
    payload = body(response, status)
    assert response.json()["header"]["message"] == message
    return payload


def new_row(aro_id, ptype=1, aro="User"):
    return {"is_new": True, "aro": aro, "aro_foreign_key": aro_id, "type": ptype}


def state_of(server, rid):  # noqa: F811
    return next(r for r in server.admin("GET", "state")["resources"] if r["id"] == rid)


# -- PUT /share/resource, POST /share/simulate/resource ------------------------------------------
def test_share_permission_rows_validation(server, ada):  # noqa: F811
    """PermissionsUpdatePermissionsService + PermissionsTable::validationDefault/buildRules: the first refused
    row stops everything; row 0's errors are a JSON list ([0 => ...]), row 1's an object."""
    rid = SD.resource("v4-pdt")["id"]
    sim = server.base_url + "/share/simulate/resource/%s.json" % rid
    errors = refused(ada.post(sim, json={"permissions": [new_row(BETTY, 3)]}, timeout=10), 400, RESOURCE_INVALID)
    assert errors == {"permissions": [{"type": {"inList": "The type should be one of the following: 1, 7, 15."}}]}
    rows = [new_row(BETTY), {"aro": "Robot", "aro_foreign_key": "x"}, new_row(str(uuid.uuid4()))]
    errors = refused(ada.post(sim, json={"permissions": rows}, timeout=10), 400, RESOURCE_INVALID)
    assert errors == {"permissions": {"1": {
        "aro": {"inList": "The access request object type should be one of the following: Group, User."},
        "aro_foreign_key": {"uuid": "The identifier of the access request object should be a valid UUID."},
        "type": {"_empty": "The type should not be empty."}}}}
    for unknown in (str(uuid.uuid4()), DAME):  # DAME is inactive (IsActiveRule)
        errors = refused(ada.post(sim, json={"permissions": [new_row(unknown)]}, timeout=10), 400, RESOURCE_INVALID)
        assert errors == {"permissions": [{"aro_foreign_key": {
            "aro_exists": "The access request object does not exist."}}]}
    errors = refused(ada.post(sim, json={"permissions": [new_row(ADA)]}, timeout=10), 400, RESOURCE_INVALID)
    assert errors == {"permissions": [{"aco_foreign_key": {"permission_unique": "A permission already exists for "
                                       "the given access control object and access request object."}}]}
    errors = refused(ada.post(sim, json={"permissions": [{"id": str(uuid.uuid4()), "delete": True}]}, timeout=10),
                     400, RESOURCE_INVALID)
    assert errors == {"permissions": [{"id": {"exists": "The permission does not exist."}}]}
    refused(ada.post(sim, json={"permissions": ["x"]}, timeout=10), 400, "The permissions data must be an array.")
    refused(ada.post(sim, json={"permissions": {"a": new_row(BETTY)}}, timeout=10), 400,
            "The permissions data array keys must be integers.")
    # no rows, or a row without a type: nothing changes (Hash::get(...) ?? [], updatePermission)
    owner = state_of(server, rid)["permissions"][0]
    assert body(ada.post(sim, json={}, timeout=10)) == {"changes": {"added": [], "removed": []}}
    assert body(ada.post(sim, json={"permissions": [{"id": owner["id"]}]}, timeout=10))["changes"]["added"] == []
    share = server.base_url + "/share/resource/%s.json" % rid
    assert body(ada.put(share, json={"permissions": [{"id": owner["id"]}]}, timeout=10)) is None
    assert state_of(server, rid)["permissions"] == [owner]
    # a row sees the rows before it: delete then re-add the same user is no duplicate, and leaves an owner
    rows = [{"id": owner["id"], "delete": True}, new_row(ADA, 15)]
    assert body(ada.post(sim, json={"permissions": rows}, timeout=10)) == {"changes": {"added": [], "removed": []}}


def test_who_may_share_a_resource(server, ada, betty):  # noqa: F811
    """ShareController::_assertRequestParameters: 404 only for a missing/deleted resource, 403 otherwise."""
    url = server.base_url + "/share/resource/%s.json"
    refused(ada.put(url % "nope", json={}, timeout=10), 400, "The resource identifier should be a valid UUID.")
    refused(ada.put(url % uuid.uuid4(), json={}, timeout=10), 404, "The resource does not exist.")
    for key in ("v4-desc", "v4-pdt"):  # betty reads v4-desc through group Ops; v4-pdt she cannot see
        refused(betty.put(url % SD.resource(key)["id"], json={"permissions": [new_row(CAROL)]}, timeout=10), 403,
                "You are not authorized to share this resource.")
        refused(betty.post(server.base_url + "/share/simulate/resource/%s.json" % SD.resource(key)["id"], json={},
                           timeout=10), 403, "You are not authorized to share this resource.")


def test_share_secrets(server, client, ada):  # noqa: F811
    """SecretsUpdateSecretsService: secrets of users who keep access are updated, new ones need access (rules
    of SecretsTable), then every user with access must have one."""
    rid = SD.resource("dup-infra")["id"]
    url = server.base_url + "/share/resource/%s.json" % rid

    def enc(short, text="dup-infra-pw-2"):
        plain = json.dumps({"password": text, "description": ""})
        return client.encrypt(plain, client.users[short]["fingerprint"], "ada")
    grant = [new_row(BETTY, 7)]
    errors = refused(ada.put(url, json={"permissions": grant, "secrets": [{"user_id": CAROL, "data": enc("carol")}]},
                             timeout=10), 400, RESOURCE_INVALID)
    assert errors == {"secrets": [{"resource_id": {"has_resource_access": "Access denied."}}]}
    stranger = str(uuid.uuid4())
    errors = refused(ada.put(url, timeout=10, json={"permissions": grant, "secrets": [
        {"user_id": BETTY, "data": enc("betty")}, {"user_id": stranger, "data": enc("betty")}]}), 400, RESOURCE_INVALID)
    assert errors == {"secrets": {"1": {
        "user_id": {"user_exists": "The user does not exist.", "user_is_not_soft_deleted": "The user does not exist."},
        "resource_id": {"has_resource_access": "Access denied."}}}}
    errors = refused(ada.put(url, json={"permissions": grant, "secrets": [{"user_id": BETTY, "data": "plain"}]},
                             timeout=10), 400, RESOURCE_INVALID)
    assert errors == {"secrets": [{"data": {
        "isValidOpenPGPMessage": "The message should be a valid ASCII-armored OpenPGP message."}}]}
    assert state_of(server, rid)["secrets_for"] == [ADA]  # nothing half-written
    # ada's own secret comes along: it is updated, not refused
    mine = enc("ada")
    assert body(ada.put(url, timeout=10, json={"permissions": grant, "secrets": [
        {"user_id": BETTY, "data": enc("betty")}, {"user_id": ADA, "data": mine}]})) is None
    assert sorted(state_of(server, rid)["secrets_for"]) == sorted([ADA, BETTY])
    assert body(ada.get(server.base_url + "/secrets/resource/%s.json" % rid, timeout=10))["data"] == mine
    betty_perm = next(p for p in state_of(server, rid)["permissions"] if p["aro_foreign_key"] == BETTY)
    drop = [{"id": betty_perm["id"], "delete": True}]
    assert body(ada.post(server.base_url + "/share/simulate/resource/%s.json" % rid, json={"permissions": drop},
                         timeout=10)) == {"changes": {"added": [], "removed": [{"User": {"id": BETTY}}]}}
    assert body(ada.put(url, json={"permissions": drop}, timeout=10)) is None
    assert state_of(server, rid)["secrets_for"] == [ADA]


# -- GET /share/search-aros -------------------------------------------------------------------------
def test_search_aros(server, ada):  # noqa: F811
    """ShareSearchController: users (active) and groups merged by lower-cased name, no pagination."""
    url = server.base_url + "/share/search-aros.json"
    response = ada.get(url, timeout=10)
    aros = body(response)
    assert "pagination" not in response.json()["header"]
    assert [a["id"] for a in aros] == [ADA, SD.GROUP_IDS["Auditors"], BETTY, CAROL, SD.GROUP_IDS["Ops"]]
    users = [a for a in aros if "username" in a]
    assert all({"gpgkey", "profile", "groups_users", "role"} <= set(u) for u in users)
    groups = [a for a in aros if "username" not in a]
    assert all(g["user_count"] == 2 and "groups_users" not in g for g in groups)
    aros = body(ada.get(url, params={"contain[gpgkey]": 1, "filter[search]": "o"}, timeout=10))
    users = [a for a in aros if "username" in a]
    assert users and all("gpgkey" in u and "profile" in u and "role" not in u and "groups_users" not in u
                         for u in users)
    aros = body(ada.get(url, params={"contain[groups_users]": 1, "filter[search]": "ops"}, timeout=10))
    assert [len(a["groups_users"]) for a in aros] == [2]
    refused(ada.get(url, params={"filter[search]": ""}, timeout=10), 400,
            'Invalid filter. "0" is not a valid search filter.')
    refused(ada.get(url, params={"contain[gpgkey]": "yes"}, timeout=10), 400,
            'Invalid contain. "yes" is not a valid contain value.')


# -- PUT /share/folder ------------------------------------------------------------------------------
def test_share_folder(server, ada, betty):  # noqa: F811
    """FoldersShareController / FoldersShareService."""
    base = server.base_url
    folder = body(ada.post(base + "/folders.json", json={"name": "to-share"}, timeout=10))
    url = base + "/share/folder/%s.json"
    refused(ada.put(url % "nope", json={}, timeout=10), 400, "The folder id is not valid.")
    refused(ada.put(url % uuid.uuid4(), json={}, timeout=10), 404, "The folder does not exist.")
    refused(betty.put(url % folder["id"], json={"permissions": [new_row(BETTY, 15)]}, timeout=10), 403,
            "You are not allowed to update the permissions of this folder.")
    assert body(ada.put(url % folder["id"], json={}, timeout=10))["id"] == folder["id"]  # no rows: no change
    perms = body(ada.get(base + "/folders/%s.json" % folder["id"], params={"contain[permissions]": 1},
                         timeout=10))["permissions"]
    errors = refused(ada.put(url % folder["id"], json={"permissions": [{"id": perms[0]["id"], "type": 1}]},
                             timeout=10), 400, FOLDER_INVALID)
    assert errors == {"permissions": {"at_least_one_owner": "At least one owner permission must be provided."}}
    shared = body(ada.put(url % folder["id"], json={"permissions": [new_row(BETTY, 1)]}, timeout=10))
    assert shared["personal"] is True and shared["modified"] == folder["modified"]  # the folder as loaded before
    assert body(ada.get(base + "/folders/%s.json" % folder["id"], timeout=10))["personal"] is False


# -- folders ----------------------------------------------------------------------------------------
def test_folder_create_update_validation(server, ada, betty):  # noqa: F811
    """FoldersCreateService / FoldersUpdateService, MetadataFolderDto, FoldersTable::validationDefault."""
    url = server.base_url + "/folders.json"
    errors = refused(ada.post(url, json={"folder_parent_id": "nope"}, timeout=10), 400, FOLDER_INVALID)
    assert errors == {"name": {"_empty": "The name should not be empty."}}  # the name is checked first
    errors = refused(ada.post(url, json={"name": "x" * 257}, timeout=10), 400, FOLDER_INVALID)
    assert errors == {"name": {"maxLength": "The name length should be maximum 256 characters."}}
    for parent, error in (("nope", {"uuid": "The folder parent id should be a valid UUID."}),
                          (str(uuid.uuid4()), {"folder_exists": "The folder parent must exist."})):
        errors = refused(ada.post(url, json={"name": "x", "folder_parent_id": parent}, timeout=10), 400,
                         FOLDER_INVALID)
        assert errors == {"folder_parent_id": error}
    errors = refused(betty.post(url, json={"name": "x", "folder_parent_id": SD.FOLDER_IDS["Infra"]}, timeout=10),
                     400, FOLDER_INVALID)  # exists, but not hers
    assert errors == {"folder_parent_id": {"has_folder_access": "You are not allowed to create content into the "
                                                                "parent folder."}}
    refused(ada.post(url, json={"name": "x", "metadata": "m"}, timeout=10), 400, "Few fields are missing for the V5.")
    blank = body(ada.post(url, json={"name": " "}, timeout=10))  # blanks are a name
    assert blank["name"] == " " and "permission" not in blank  # contains only on request
    with_perm = body(ada.post(url, params={"contain[permission]": 1}, json={"name": "p"}, timeout=10))
    assert with_perm["permission"]["type"] == 15
    one = server.base_url + "/folders/%s.json" % blank["id"]
    errors = refused(ada.put(one, json={}, timeout=10), 400, FOLDER_INVALID)
    assert errors == {"name": {"_empty": "The name should not be empty."}}
    refused(betty.put(one, json={"name": "mine"}, timeout=10), 404, "The folder does not exist.")
    refused(ada.put(server.base_url + "/folders/nope.json", json={"name": "y"}, timeout=10), 400,
            "The folder id is not valid.")


def test_folder_reads(server, ada):  # noqa: F811
    """FoldersIndexController / FoldersViewController / FoldersFindersTrait (isset() contains)."""
    base = server.base_url
    response = ada.get(base + "/folders.json", params={"filter[has-parent]": "0"}, timeout=10)
    roots = body(response)
    assert "pagination" in response.json()["header"]
    assert {SD.FOLDER_IDS["Infra"], SD.FOLDER_IDS["Apps"]} <= {f["id"] for f in roots}
    assert not any(f["folder_parent_id"] for f in roots)
    refused(ada.get(base + "/folders.json", params={"filter[has-parent]": "nope"}, timeout=10), 400,
            'Invalid filter. "nope" is not a valid parent id for filter has-parent.')
    url = base + "/folders/%s.json" % SD.FOLDER_IDS["Infra"]
    infra = body(ada.get(url, params={"contain[permission]": 0, "contain[creator]": 1}, timeout=10))
    assert infra["permission"]["type"] == 15  # isset($options['contain']['permission'])
    assert infra["creator"]["id"] == ADA and not {"profile", "role", "is_mfa_enabled"} & set(infra["creator"])
    infra = body(ada.get(url, params={"contain[modifier.profile]": 1, "contain[permissions.group]": 1}, timeout=10))
    assert infra["modifier"]["profile"]["first_name"] == "Ada" and "avatar" in infra["modifier"]["profile"]
    assert [p["group"] for p in infra["permissions"]] == [None]  # belongsTo Groups: null for a user's row
    refused(ada.get(base + "/folders/nope.json", timeout=10), 400, "The folder id is not valid.")
    # children are raw rows: every column, not pruned by the Metadata*RenderService; no _joinData
    infra = body(ada.get(url, params={"contain[children_folders]": 1, "contain[children_resources]": 1}, timeout=10))
    child = infra["children_folders"][0]
    assert child["metadata"] is None and child["folder_parent_id"] == SD.FOLDER_IDS["Infra"]
    assert "_joinData" not in child and "metadata" not in infra
    resources = {r["id"]: r for r in infra["children_resources"]}
    v4, v5 = resources[SD.resource("dup-infra")["id"]], resources[SD.resource("v5-totp")["id"]]
    assert v4["name"] == "dup-name" and v4["metadata"] is None and "_joinData" not in v4
    assert v5["name"] is None and v5["metadata_key_type"] == "shared_key"


def test_folder_delete_and_move(server, client, ada, betty):  # noqa: F811
    """FoldersDeleteService (403 for a folder one cannot update; cascade deletes what the caller may update and
    moves the rest to the root) and FoldersRelationsMoveItemInUserTreeService (cycle)."""
    base = server.base_url
    url = base + "/folders/%s.json"
    refused(betty.delete(url % SD.FOLDER_IDS["Infra"], timeout=10), 403, "You are not allowed to delete this folder.")
    refused(ada.delete(url % uuid.uuid4(), timeout=10), 404, "The folder does not exist.")
    errors = refused(ada.put(base + "/move/folder/%s.json" % SD.FOLDER_IDS["Infra"], timeout=10,
                             json={"folder_parent_id": SD.FOLDER_IDS["Infra/Databases"]}), 400,
                     "Could not validate move data.")
    assert errors == {"folder_parent_id": {"cycle": "The folder cannot be moved into one of its descendants."}}
    top = body(ada.post(base + "/folders.json", json={"name": "cascade-top"}, timeout=10))["id"]
    sub = body(ada.post(base + "/folders.json", json={"name": "cascade-sub", "folder_parent_id": top},
                        timeout=10))["id"]
    theirs = body(betty.post(base + "/folders.json", json={"name": "betty-read-only"}, timeout=10))["id"]
    body(betty.put(base + "/share/folder/%s.json" % theirs, json={"permissions": [new_row(ADA, 1)]}, timeout=10))
    body(ada.put(base + "/move/folder/%s.json" % theirs, json={"folder_parent_id": sub}, timeout=10))
    secret = client.encrypt("pw", client.users["ada"]["fingerprint"], "ada")
    rid = body(ada.post(base + "/resources.json", timeout=10, json={
        "name": "in-cascade", "resource_type_id": SD.RESOURCE_TYPE_IDS["password-string"],
        "folder_parent_id": sub, "secrets": [{"data": secret}]}))["id"]
    refused(ada.delete(url % top, params={"cascade": "yes"}, timeout=10), 500, "An internal error occurred.")
    body(ada.delete(url % top, params={"cascade": 1}, timeout=10))
    folders = {f["id"]: f for f in body(ada.get(base + "/folders.json", timeout=10))}
    assert top not in folders and sub not in folders
    assert folders[theirs]["folder_parent_id"] is None  # read only for ada: kept, at the root
    refused(ada.get(base + "/resources/%s.json" % rid, timeout=10), 404, "The resource does not exist.")


# -- groups -----------------------------------------------------------------------------------------
def test_groups_contains_and_ids(server, ada):  # noqa: F811
    """GroupsIndexController / GroupsViewController allow-lists and GroupsFindersTrait::findIndex."""
    base = server.base_url
    response = ada.get(base + "/groups.json", params={"contain[user_count]": 1, "contain[my_group_user]": 0},
                       timeout=10)
    groups = body(response)
    assert "pagination" not in response.json()["header"]
    assert all("user_count" not in g for g in groups)  # not in the allow-list: dropped
    assert all(g["my_group_user"]["user_id"] == ADA for g in groups)  # isset(): =0 contains it too
    ops = SD.GROUP_IDS["Ops"]
    group = body(ada.get(base + "/groups/%s.json" % ops, params={"contain[groups_users.user]": 1,
                                                                 "contain[modifier]": 1}, timeout=10))
    users = [gu["user"] for gu in group["groups_users"]]
    assert {u["id"] for u in users} == {ADA, BETTY}
    assert not any({"profile", "role", "gpgkey", "is_mfa_enabled"} & set(u) for u in users)
    assert group["modifier"]["id"] == ADA
    group = body(ada.get(base + "/groups/%s.json" % ops, params={"contain[groups_users.user.profile]": 1,
                                                                 "contain[users]": 1}, timeout=10))
    profiles = [gu["user"]["profile"] for gu in group["groups_users"]]
    assert [p["user_id"] for p in profiles] == [gu["user_id"] for gu in group["groups_users"]]
    assert not any("avatar" in p for p in profiles)  # GroupsFindersTrait does not contain the avatars
    assert {u["_joinData"]["group_id"] for u in group["users"]} == {ops}
    refused(ada.get(base + "/groups/nope.json", timeout=10), 400, "The group id is not valid.")
    refused(ada.get(base + "/groups/%s.json" % uuid.uuid4(), timeout=10), 404, "The group does not exist.")
    # QueryStringComponent::validateFilterUsers: an empty value (PHP empty(): "0" too) is named by its index
    for value in ("", "0"):
        refused(ada.get(base + "/groups.json", params={"filter[has-users]": ADA + "," + value}, timeout=10), 400,
                'Invalid filter. "1" is not a valid user filter.')
    refused(ada.get(base + "/resources.json", params={"filter[has-id][]": ""}, timeout=10), 400,
            'Invalid filter. "0" is not a valid resource id for filter {1}.')


def test_searches_are_sql_like_patterns(server, ada):  # noqa: F811
    """CaseInsensitiveSearchQueryTrait: LOWER(field) LIKE '%search%', so `_` and `%` in a search are wildcards."""
    def names(path, search, key):
        found = body(ada.get(server.base_url + path, params={"filter[search]": search}, timeout=10))
        return sorted(item[key] for item in found)

    assert names("/users.json", "a_a@", "username") == ["ada@passbolt.dev"]  # `_` stands for the "d"
    assert names("/users.json", "LOVE%ACE", "username") == ["ada@passbolt.dev"]
    assert names("/users.json", "a\\_a", "username") == []  # an escaped `_` is a literal underscore
    every = names("/folders.json", "%", "name")
    assert every and every == sorted(f["name"] for f in body(ada.get(server.base_url + "/folders.json", timeout=10)))
    users = [row for row in body(ada.get(server.base_url + "/share/search-aros.json",
                                         params={"filter[search]": "_etty"}, timeout=10)) if "username" in row]
    assert [u["username"] for u in users] == ["betty@passbolt.dev"]
