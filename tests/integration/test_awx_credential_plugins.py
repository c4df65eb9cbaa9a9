"""Issue #17 (2): the AWX credential plugins, installed with pip into a fresh venv from the repository,
loaded through their entry points as AWX loads them, and called against the local servers over TLS
with a private CA (every field kind, not found, ambiguous, wrong credentials, untrusted CA).

Each call runs with its own HOME, TMPDIR, XDG_RUNTIME_DIR and working directory: after every call
(not at exit) nothing may be left there - no GnuPG home, no socket, no file - nor any process
(gpg-agent) that names them. Errors must name what was not found and never hold a secret.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import urllib.request

import pytest
import yaml

import awx_rules
from sandbox.opp import seed_data as opp_seed
from sandbox.passbolt import seed_data as pb_seed
from sandbox.passwordstate import seed_data as ps_seed

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WHEELHOUSE = os.path.join(REPO, ".tmp", "awx-wheelhouse")
DRIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "awx_plugin_driver.py")
NAMES = {"pwman_passbolt": "Passbolt Secret Lookup", "pwman_passwordstate": "Passwordstate Password Lookup",
         "pwman_opp": "OpenPassPhrase Item Lookup"}
SIX_DIGITS = "^[0-9]{6}$"


@pytest.fixture(scope="session")
def awx_python(tmp_path_factory):
    """A fresh venv holding the package pip-built from ./awx-credential-plugins and its dependencies only.

    Fast and offline after the first run: the dependencies come from a wheelhouse kept in .tmp/, the
    package is built without build isolation (setuptools from requirements-dev.txt).
    """
    root = str(tmp_path_factory.mktemp("awx-python"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    if not os.path.isdir(WHEELHOUSE) or len(os.listdir(WHEELHOUSE)) < 2:
        subprocess.run(pip + ["wheel", "-w", WHEELHOUSE, "requests>=2.25", "python-gnupg>=0.5.0"],
                       check=True, env=env, capture_output=True)
    # Built from a copy of the two directories it takes files from: no stale build/ from an earlier run, and
    # no __pycache__ file that a test on the other pytest-xdist worker writes while setuptools lists the tree.
    source = os.path.join(root, "source")
    for part in ("awx-credential-plugins", "plugins"):
        shutil.copytree(os.path.join(REPO, part), os.path.join(source, part),
                        ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    built = subprocess.run(pip + ["wheel", "--no-deps", "--no-build-isolation", "-w", root,
                                  os.path.join(source, "awx-credential-plugins")],
                           env=env, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    venv = os.path.join(root, "venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, env=env)
    python = os.path.join(venv, "bin", "python")
    subprocess.run(pip + ["--python", python, "install", "--no-index", "--find-links", WHEELHOUSE,
                          "--find-links", root, "pwman-secrets-awx"], check=True, env=env, capture_output=True)
    return python


@pytest.fixture(scope="session")
def tls_servers(sandbox_factory):
    """HTTPS with a throw-away CA (certificate for 127.0.0.1 and localhost; Passbolt checks a login's
    domain against its own URL, so it is reached as the URL it announces)."""
    servers = {p: sandbox_factory(p, tls=True) for p in ("passbolt", "passwordstate", "opp")}
    for server in servers.values():
        server.url = server.base_url
    return servers


def call_plugins(python, calls):
    """Run the driver in the plugin venv; returns its JSON answer. Each call is checked for traces."""
    scratch = tempfile.mkdtemp(prefix="pwman-awx-")
    # XDG_RUNTIME_DIR is a memory file system on a real host (/run/user/<uid>): /dev/shm stands in.
    run = tempfile.mkdtemp(prefix="pwman-awx-run-", dir="/dev/shm" if os.path.isdir("/dev/shm") else scratch)
    roots = {name: os.path.join(scratch, name) for name in ("home", "tmp", "cwd")}
    for path in roots.values():
        os.mkdir(path, 0o700)
    roots["run"] = run
    env = {"PATH": os.environ["PATH"], "HOME": roots["home"], "TMPDIR": roots["tmp"],
           "XDG_RUNTIME_DIR": roots["run"], "LANG": "C.UTF-8"}
    try:
        proc = subprocess.run([python, DRIVER], input=json.dumps({"calls": calls, "watch": sorted(roots.values())}),
                              capture_output=True, text=True, env=env, cwd=roots["cwd"], timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr[-3000:]
        answer = json.loads(proc.stdout)
        left = [os.path.join(path, name) for path in roots.values() for name in os.listdir(path)]
        # Only the GnuPG homes' own directory may stay, empty and private (see awx_plugin_driver.traces).
        assert left in ([], [os.path.join(roots["run"], "pwman-gpg")]), left
        assert all(not os.listdir(path) and os.stat(path).st_mode & 0o777 == 0o700 for path in left)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(run, ignore_errors=True)
    for call, result in zip(calls, answer["results"]):
        assert result["left"] == [], (call, result["left"])
    return answer


def account_kit(server, ca_path):
    """The account kit Passbolt's extension exports (base64 of JSON), with the server key read over TLS."""
    context = ssl.create_default_context(cafile=ca_path)
    with urllib.request.urlopen(server.url + "/auth/verify.json", timeout=30, context=context) as response:  # noqa: S310
        server_key = json.loads(response.read())["body"]["keydata"]
    kit = {"domain": server.url, "user_id": server.env["PASSBOLT_USER_ID"],
           "user_private_armored_key": server.env["PASSBOLT_PRIVATE_KEY"], "server_public_armored_key": server_key}
    return base64.b64encode(json.dumps(kit).encode("utf-8")).decode("ascii")


def resource_id(name, username=None):
    return next(r["id"] for r in pb_seed.RESOURCES if r["name"] == name and (username is None or r["username"] == username))


def cases(servers):
    """(plugin, inputs + metadata, expected value or ('error', words it must hold))."""
    pb, ps, opp = servers["passbolt"], servers["passwordstate"], servers["opp"]
    pbc = {"base_url": pb.url, "user_id": pb.env["PASSBOLT_USER_ID"], "private_key": pb.env["PASSBOLT_PRIVATE_KEY"],
           "passphrase": pb.env["PASSBOLT_PASSPHRASE"], "server_fingerprint": pb.env["PASSBOLT_SERVER_FINGERPRINT"],
           "ca_path": pb.ca_path}
    psc = {"base_url": ps.url, "api_key": ps.env["PASSWORDSTATE_API_KEY"], "ca_path": ps.ca_path}
    oppc = {"base_url": opp.url, "username": opp.env["OPP_USERNAME"], "password": opp.env["OPP_PASSWORD"],
            "phrase": opp.env["OPP_PHRASE"], "ca_path": opp.ca_path}
    err = "error"
    return [
        # Passbolt: every kind of field, v4 and v5 resources
        ("pwman_passbolt", dict(pbc, resource="db-primary", folder="Infra/Databases"), "db-primary-pw-1"),
        ("pwman_passbolt", dict(pbc, resource=resource_id("legacy-string")), "legacy-string-pw-1"),
        ("pwman_passbolt", dict(pbc, resource="app-api", field="username"), "api"),
        ("pwman_passbolt", dict(pbc, resource="legacy-string", field="uri"), "https://legacy.example.com"),
        ("pwman_passbolt", dict(pbc, resource="db-primary", field="description"), "primary database, encrypted note"),
        ("pwman_passbolt", dict(pbc, resource="db-primary", field="folder"), "Infra/Databases"),
        ("pwman_passbolt", dict(pbc, resource="vpn", field="id"), resource_id("vpn")),
        ("pwman_passbolt", dict(pbc, resource="vpn", field="totp"), ("match", SIX_DIGITS)),
        ("pwman_passbolt", dict(pbc, resource="vpn", field="totp_secret"), pb_seed._TOTP["secret_key"]),  # pylint: disable=protected-access
        ("pwman_passbolt", dict(pbc, resource="custom-fields", field="api_key"), "cf-api-key-1"),
        ("pwman_passbolt", dict(pbc, resource="personal-mail"), "personal-mail-pw-1"),
        ("pwman_passbolt", dict(pbc, resource="dup-name", username="dup-apps"), "dup-apps-pw-1"),
        ("pwman_passbolt", {"account_kit": account_kit(pb, pb.ca_path), "passphrase": pbc["passphrase"],
                            "ca_path": pb.ca_path, "resource": "app-api"}, "app-api-pw-1"),
        ("pwman_passbolt", dict(pbc, resource="no-such-resource"), (err, "No Passbolt resource matches", "no-such-resource")),
        ("pwman_passbolt", dict(pbc, resource="dup-name"), (err, "2 Passbolt resources match", "dup-name")),
        ("pwman_passbolt", dict(pbc, resource="app-api", field="no_such_field"), (err, "no_such_field")),
        ("pwman_passbolt", dict(pbc, resource="app-api", field="uris"), (err, "not one text value")),
        ("pwman_passbolt", dict(pbc, resource="app-api", passphrase="wrong-passphrase-9"), (err, "Wrong passphrase")),
        ("pwman_passbolt", dict(pbc, resource="app-api", ca_path=""), (err, "TLS")),
        ("pwman_passbolt", dict(pbc, resource="app-api", private_key=""), (err, "private key or the account kit")),
        # Passwordstate: by id and by list + title, plain, generic and OTP fields
        ("pwman_passwordstate", dict(psc, password_id="5001"), "Web-Alice-Pass-1"),
        ("pwman_passwordstate", dict(psc, password_id="5001", field="username"), "alice"),
        ("pwman_passwordstate", dict(psc, password_id="5001", field="GenericField1"), "CORP"),
        ("pwman_passwordstate", dict(psc, password_id="5001", field="Recovery Code"), "Recovery-7731-Alpha"),
        ("pwman_passwordstate", dict(psc, password_id="5001", field="expiry_date"), "2029-02-01"),
        ("pwman_passwordstate", dict(psc, password_id="5003", field="otp"), ("match", SIX_DIGITS)),
        ("pwman_passwordstate", dict(psc, title="web", list_id="11"), "Web-Alice-Pass-1"),
        ("pwman_passwordstate", dict(psc, title="shared", list_id="11", username="dev"), "Shared-Dev-Pass-5"),
        ("pwman_passwordstate", dict(psc, api_key=ps_seed.LISTS[11]["api_key"], title="mail", list_id="11"),
         "Mail-Bob-Pass-3"),
        ("pwman_passwordstate", dict(psc, title="shared", list_id="11"), (err, "2 Passwordstate passwords match", "5004", "5005")),
        ("pwman_passwordstate", dict(psc, password_id="999999"), (err, "not found", "999999")),
        ("pwman_passwordstate", dict(psc, title="no-such-title", list_id="11"), (err, "No Passwordstate password matches", "no-such-title")),
        ("pwman_passwordstate", dict(psc, password_id="5001", field="No Such Field"), (err, "No Such Field")),
        ("pwman_passwordstate", dict(psc, password_id="5001", api_key="ps-wrong-key-000"), (err, "HTTP 401", "Invalid API Key")),
        ("pwman_passwordstate", dict(psc, password_id="5001", ca_path=""), (err, "TLS")),
        ("pwman_passwordstate", dict(psc), (err, "password_id")),
        # OPP: every field, by name, category and id
        ("pwman_opp", dict(oppc, item="Wells Fargo"), "wf-Secret-1!"),
        ("pwman_opp", dict(oppc, item="Wells Fargo", field="username"), "mylogin"),
        ("pwman_opp", dict(oppc, item="Wells Fargo", field="account"), "01457XA8900"),
        ("pwman_opp", dict(oppc, item="Wells Fargo", field="url"), "https://wellsfargo.example"),
        ("pwman_opp", dict(oppc, item="Wells Fargo", field="blob"), "pin: 1234"),
        ("pwman_opp", dict(oppc, item="Wells Fargo", field="name"), "Wells Fargo"),
        ("pwman_opp", dict(oppc, item="Wells Fargo", field="category"), "Banking"),
        ("pwman_opp", dict(oppc, item="Wells Fargo", field="id"), ("match", "^[0-9]+$")),
        ("pwman_opp", dict(oppc, item="admin console", category="Infrastructure"), "infra-Console-3!"),
        ("pwman_opp", dict(oppc, item="admin console"), (err, "2 OPP items are named", "admin console")),
        ("pwman_opp", dict(oppc, item="no-such-item"), (err, "No OPP item named", "no-such-item")),
        ("pwman_opp", dict(oppc, item="Wells Fargo", password="wrong-Pa55"), (err, "refused", "check username and password")),
        ("pwman_opp", dict(oppc, item="Wells Fargo", phrase="wrong phrase"), (err, "Incorrect passphrase")),
        ("pwman_opp", dict(oppc, item="Wells Fargo", ca_path=""), (err, "TLS")),
    ]


def secrets_of(servers):
    """Everything that must never appear in an error: credentials and every stored secret."""
    pb, ps, opp = servers["passbolt"], servers["passwordstate"], servers["opp"]
    found = {pb.env["PASSBOLT_PASSPHRASE"], ps.env["PASSWORDSTATE_API_KEY"], opp.env["OPP_PASSWORD"],
             opp.env["OPP_PHRASE"], "wrong-passphrase-9", "ps-wrong-key-000", "wrong-Pa55", "wrong phrase",
             ps_seed.LISTS[11]["api_key"]}
    found.update(line for line in pb.env["PASSBOLT_PRIVATE_KEY"].splitlines() if len(line) > 20)
    found.update(r["secret"].get("password") for r in pb_seed.RESOURCES if r["secret"].get("password"))
    found.update(p["Password"] for p in ps_seed.PASSWORDS.values() if p.get("Password"))
    found.update(i["password"] for i in opp_seed.ITEMS)
    return {s for s in found if s}


def test_awx_credential_plugins(awx_python, tls_servers):
    calls = cases(tls_servers)
    answer = call_plugins(awx_python, [{"plugin": p, "kwargs": kw} for p, kw, dummy in calls])

    # Loaded through both entry-point groups AWX reads, the same objects, and inputs AWX accepts.
    for group, plugins in answer["groups"].items():
        assert {ns: p["name"] for ns, p in plugins.items() if ns in NAMES} == NAMES, group
        for ns in NAMES:
            assert plugins[ns]["same"], (group, ns)
            assert awx_rules.input_errors(plugins[ns]["inputs"], plugin=True) == [], ns
    # Same ids, labels and help as the custom credential types (extensions/awx/credential_types).
    for ns in NAMES:
        with open(os.path.join(REPO, "extensions", "awx", "credential_types", ns[6:] + ".yml"), encoding="utf-8") as handle:
            ctype = {f["id"]: f for f in yaml.safe_load(handle)["inputs"]["fields"]}
        for field in answer["groups"]["awx_plugins.credentials"][ns]["inputs"]["fields"]:
            if field["id"] in ctype:
                assert (field["label"], field.get("help_text")) == (ctype[field["id"]]["label"],
                                                                    ctype[field["id"]].get("help_text")), (ns, field)
    # The collection's clients, from the installed package (not this checkout), without Ansible.
    assert answer["client_file"].startswith(os.path.dirname(os.path.dirname(awx_python)))
    assert not answer["ansible_loaded"]

    secrets = secrets_of(tls_servers)
    for (plugin, kwargs, expected), result in zip(calls, answer["results"]):
        shown = {k: v for k, v in kwargs.items() if k not in ("private_key", "account_kit")}
        if isinstance(expected, tuple) and expected[0] == "error":
            assert "error" in result, (plugin, shown, result)
            assert result["type"] == "LookupFailed", result
            assert result["error"].startswith(NAMES[plugin] + ": "), result
            for word in expected[1:]:
                assert word in result["error"], (plugin, shown, result["error"])
            leaked = [s for s in secrets if s in result["error"]]
            assert not leaked, (plugin, shown, result["error"])
        elif isinstance(expected, tuple):
            assert re.match(expected[1], result.get("value", "")), (plugin, shown, result)
        else:
            assert result.get("value") == expected, (plugin, shown, result)


def test_awx_plugin_by_id(awx_python, tls_servers):
    """OPP's id:<n> (the id a first call told), and the Passbolt UUID of a v5 resource."""
    opp = tls_servers["opp"]
    oppc = {"base_url": opp.url, "username": opp.env["OPP_USERNAME"], "password": opp.env["OPP_PASSWORD"],
            "phrase": opp.env["OPP_PHRASE"], "ca_path": opp.ca_path}
    first = call_plugins(awx_python, [{"plugin": "pwman_opp", "kwargs": dict(oppc, item="mail", field="id")}])
    item_id = first["results"][0]["value"]
    again = call_plugins(awx_python, [{"plugin": "pwman_opp", "kwargs": dict(oppc, item="id:%s" % item_id)}])
    assert again["results"][0] == {"value": "mail-Secret-5!", "left": []}


def test_awx_plugin_errors_never_quote_an_echoed_secret(awx_python, tls_servers):
    """Issue #23 (1): the server quotes the request in its error (JSON-escaped body, repr of the headers): AWX users
    who may only use the credential read the plugin's error, so no form of the secret may be in it."""
    from integration.test_leak_scan import ECHO_BODIES  # pylint: disable=import-outside-toplevel

    opp, ps = tls_servers["opp"], tls_servers["passwordstate"]
    opp.add_faults({"kind": "echo", "status": 400, "method": "POST", "path": "/auth", "body": ECHO_BODIES["opp"]})
    ps.add_faults({"kind": "echo", "status": 400, "path": "/api/passwords", "body": ECHO_BODIES["passwordstate"]})
    try:
        answer = call_plugins(awx_python, [
            {"plugin": "pwman_opp", "kwargs": {"base_url": opp.url, "username": "echo", "password": 'Login"Pw\\Zürich-42',
                                               "phrase": "phrase-ünï\"-77", "ca_path": opp.ca_path, "item": "mail"}},
            {"plugin": "pwman_passwordstate", "kwargs": {"base_url": ps.url, "api_key": 'ps-key"\\Api-Tail-66',
                                                         "ca_path": ps.ca_path, "password_id": "5001"}},
        ])
    finally:
        opp.clear_faults()
        ps.clear_faults()
    for result in answer["results"]:
        assert result.get("type") == "LookupFailed" and "HTTP 400" in result["error"], result
        assert "********" in result["error"], result
        for tail in ("rich-42", "Api-Tail-66"):
            assert tail not in result["error"], result


def test_awx_passbolt_plugin_takes_key_material_as_content_only(awx_python, tls_servers, tmp_path):
    """Issue #23 (7): whoever may write a credential is not a user of the AWX host. A path given as the private key or
    the account kit (or as the key inside a kit) is never read, and the error is the same whether it exists or not;
    a CA bundle path (a path by design) that cannot serve gets one error, whether it exists or not."""
    pb = tls_servers["passbolt"]
    kit = base64.b64decode(account_kit(pb, pb.ca_path))
    key_file, kit_file = tmp_path / "key.asc", tmp_path / "kit.passbolt"
    key_file.write_text(pb.env["PASSBOLT_PRIVATE_KEY"])
    kit_file.write_bytes(base64.b64encode(kit))
    os.chmod(str(tmp_path), 0o755)
    kit_naming_a_key = json.dumps(dict(json.loads(kit), user_private_armored_key=str(key_file)))
    base = {"base_url": pb.url, "user_id": pb.env["PASSBOLT_USER_ID"], "passphrase": pb.env["PASSBOLT_PASSPHRASE"],
            "ca_path": pb.ca_path, "resource": "app-api"}
    calls = []
    for field, existing, missing in (("private_key", str(key_file), str(tmp_path / "nokey.asc")),
                                     ("account_kit", str(kit_file), str(tmp_path / "nokit.passbolt")),
                                     ("account_kit", kit_naming_a_key,
                                      kit_naming_a_key.replace(str(key_file), str(tmp_path / "nokey.asc"))),
                                     ("ca_path", str(key_file), str(tmp_path / "nokey.asc"))):
        for value in (existing, missing):
            kwargs = dict(base, **{field: value})
            if field == "ca_path":
                kwargs["private_key"] = pb.env["PASSBOLT_PRIVATE_KEY"]
            calls.append({"plugin": "pwman_passbolt", "kwargs": kwargs})
    answer = call_plugins(awx_python, calls)
    results = answer["results"]
    for call, result in zip(calls, results):
        assert result.get("type") == "LookupFailed", (call, result)  # never the secret app-api-pw-1
    for existing, missing in zip(results[::2], results[1::2]):
        assert existing["error"].replace("nokey", "key").replace("nokit", "kit") == \
            missing["error"].replace("nokey", "key").replace("nokit", "kit"), (existing, missing)
        assert "no such file" not in existing["error"] and "cannot read" not in existing["error"], existing
