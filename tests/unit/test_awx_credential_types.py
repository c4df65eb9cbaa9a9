"""AWX credential types: AWX accepts them, they inject exactly what the plugins read, and nothing
multiline goes into the environment (container runs pass it as KEY=VALUE lines)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
import yaml

import awx_rules

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TYPES = os.path.join(REPO, "extensions", "awx", "credential_types")
SECRET_FIELDS = {"private_key", "account_kit", "passphrase", "api_key", "generator_api_key", "password", "phrase"}
# Options a client cannot work without, as env variables must bring them (lookup option names).
INJECTED = {
    "passbolt": {"base_url", "user_id", "private_key_file", "account_kit", "passphrase"},
    "passwordstate": {"base_url", "api_key"},
    "opp": {"base_url", "login_username", "login_password", "phrase"},
}
# Inputs AWX must insist on (Passbolt: URL and user may come from the account kit).
REQUIRED = {
    "passbolt": {"private_key", "passphrase"},
    "passwordstate": {"base_url", "api_key"},
    "opp": {"base_url", "username", "password", "phrase"},
}
ARMORED = ("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlIYEaw6l9BYJKwYBBAHaRw8BAQdA\nDA==\n=epNp\n"
           "-----END PGP PRIVATE KEY BLOCK-----\n")
SAMPLE = {
    "passbolt": {"base_url": "https://passbolt.example.com", "user_id": "507b5be3-61a5-55a6-b1ec-ef53c7882db2",
                 "private_key": ARMORED, "account_kit": "eyJkb21haW4iOiAi\nLi4uIn0=\n", "passphrase": "pass phrase",
                 "server_fingerprint": "D776 29B4"},
    "passwordstate": {"base_url": "https://ps.example.com", "api_key": "ps-key-0b7d6c2f", "list_id": "11",
                      "generator_api_key": "ps-gen-5e2a9c1d"},
    "opp": {"base_url": "https://opp.example.com", "username": "demo", "password": "opp-Pa55-word",
            "phrase": "a secret phrase"},
}


def lookup_env(product):
    """{option: [env names]} as the lookup declares them (what ansible-doc shows users)."""
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-doc"), "-t", "lookup", "--json",
           "pwman.secrets.%s" % product]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".tmp", "collections"))
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    options = json.loads(out)["pwman.secrets.%s" % product]["doc"]["options"]
    return {name: [e["name"] for e in spec.get("env", [])] for name, spec in options.items()}


def load(product):
    with open(os.path.join(TYPES, product + ".yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def sources(ctype, template):
    """The inputs a template reads, directly or through the file it names."""
    fields = [f["id"] for f in ctype["inputs"]["fields"]]
    return [fid for fid in fields if "{{ %s " % fid in template or "{{ %s}}" % fid in template
            or "tower.filename.%s " % fid in template or "{%% if %s %%}" % fid in template]


@pytest.mark.parametrize("product", sorted(INJECTED))
def test_credential_type(product):
    ctype = load(product)
    fields = {f["id"]: f for f in ctype["inputs"]["fields"]}
    for fid, field in fields.items():
        assert field.get("secret", False) == (fid in SECRET_FIELDS), "%s.%s secret flag" % (product, fid)
    assert set(ctype["inputs"].get("required", [])) == REQUIRED[product]
    injected = ctype["injectors"]["env"]
    env_by_option = lookup_env(product)
    readable = {name for names in env_by_option.values() for name in names}
    for var, template in injected.items():
        assert var in readable, "%s injects %s, which no option reads" % (product, var)
        assert len(set(sources(ctype, template))) == 1, "%s: %s must come from exactly one input" % (product, var)
    for option in INJECTED[product]:
        assert any(n in injected for n in env_by_option[option]), "%s: option %s is not injected" % (product, option)


@pytest.mark.parametrize("product", sorted(INJECTED))
def test_awx_accepts_credential_type(product):
    ctype = load(product)
    assert awx_rules.input_errors(ctype["inputs"]) == []
    assert awx_rules.injector_errors(ctype["inputs"], ctype["injectors"]) == []


def test_awx_rules_can_refuse():
    """The rules above are not a rubber stamp."""
    assert awx_rules.input_errors({"fields": [{"id": "tower", "label": "x"}, {"id": "a", "label": "A", "type": "boolean",
                                                                              "secret": True}]})
    assert awx_rules.input_errors({"fields": [{"id": "a-b", "label": "x"}]})
    assert awx_rules.injector_errors({"fields": [{"id": "a", "label": "A"}]}, {"env": {"X": "{{ b }}"}})
    assert awx_rules.injector_errors({"fields": [{"id": "a", "label": "A"}]}, {"env": {"ANSIBLE_X": "{{ a }}"}})


@pytest.mark.parametrize("product", sorted(INJECTED))
def test_no_injected_env_value_spans_lines(product, tmp_path):
    """Rendered as AWX renders it, every env value is one line, and the env.list of a container run
    (KEY=VALUE lines) gives the job back exactly that environment; keys travel as 0600 files."""
    ctype = load(product)
    env, safe_env, dummy = awx_rules.render(ctype, SAMPLE[product], str(tmp_path))
    assert env and all("\n" not in value and "\r" not in value for value in env.values()), env
    assert awx_rules.parse_env_list(awx_rules.env_list_text(env)) == env
    for secret in (v for k, v in SAMPLE[product].items() if k in SECRET_FIELDS):
        assert secret not in json.dumps(safe_env), "the job's stored environment shows a secret"
    files = awx_rules.host_paths({k: v for k, v in env.items() if v.startswith("/runner/")}, str(tmp_path))
    for var, path in files.items():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, var
    if product == "passbolt":
        with open(files["PASSBOLT_PRIVATE_KEY_FILE"], encoding="utf-8") as handle:
            assert handle.read() == ARMORED
        with open(files["PASSBOLT_ACCOUNT_KIT"], encoding="utf-8") as handle:
            assert handle.read() == SAMPLE["passbolt"]["account_kit"]


def test_multiline_env_breaks_env_list():
    """What the Passbolt type did before: the armored key in an env var does not survive env.list."""
    env = {"PASSBOLT_PRIVATE_KEY": ARMORED, "PASSBOLT_PASSPHRASE": "x"}
    try:
        parsed = awx_rules.parse_env_list(awx_rules.env_list_text(env))
    except ValueError as exc:
        assert "invalid variable" in str(exc)
    else:
        assert parsed != env


def test_passbolt_empty_inputs_left_out(tmp_path):
    """Key, account kit and passphrase only: URL, user and fingerprint come from the kit, so their
    variables are empty; the key file is always named (an empty path option would mean the cwd)."""
    values = {"private_key": ARMORED, "account_kit": "a2l0\n", "passphrase": "pp"}
    env, dummy, dummy2 = awx_rules.render(load("passbolt"), values, str(tmp_path))
    assert env["PASSBOLT_PRIVATE_KEY_FILE"].startswith("/runner/env/")
    assert env["PASSBOLT_ACCOUNT_KIT"].startswith("/runner/env/")
    assert env["PASSBOLT_BASE_URL"] == env["PASSBOLT_USER_ID"] == env["PASSBOLT_SERVER_FINGERPRINT"] == ""
    env, dummy, dummy2 = awx_rules.render(load("passbolt"), {"private_key": ARMORED, "passphrase": "pp"}, str(tmp_path))
    assert env["PASSBOLT_ACCOUNT_KIT"] == ""
