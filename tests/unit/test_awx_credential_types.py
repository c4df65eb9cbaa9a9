"""AWX credential types inject exactly what the plugins read, and cover every required option."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TYPES = os.path.join(REPO, "extensions", "awx", "credential_types")
SECRET_FIELDS = {"private_key", "passphrase", "api_key", "generator_api_key", "password", "phrase"}
# What a client cannot work without, per product (lookup option names).
REQUIRED = {
    "passbolt": {"base_url", "user_id", "private_key", "passphrase"},
    "passwordstate": {"base_url", "api_key"},
    "opp": {"base_url", "login_username", "login_password", "phrase"},
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


@pytest.mark.parametrize("product", sorted(REQUIRED))
def test_credential_type(product):
    ctype = load(product)
    fields = {f["id"]: f for f in ctype["inputs"]["fields"]}
    assert len(fields) == len(ctype["inputs"]["fields"]), "duplicate field ids"
    for fid, field in fields.items():
        assert field.get("secret", False) == (fid in SECRET_FIELDS), "%s.%s secret flag" % (product, fid)
    injected = ctype["injectors"]["env"]
    env_by_option = lookup_env(product)
    readable = {name for names in env_by_option.values() for name in names}
    for var, template in injected.items():
        assert var in readable, "%s injects %s, which no option reads" % (product, var)
        used = [fid for fid in fields if "{{ %s " % fid in template or "{{ %s}}" % fid in template]
        assert len(used) == 1, "%s: %s must come from exactly one input" % (product, var)
    for option in REQUIRED[product]:
        names = env_by_option[option]
        var = next((n for n in names if n in injected), None)
        assert var, "%s: required option %s is not injected" % (product, option)
        source = [fid for fid in fields if "{{ %s" % fid in injected[var]][0]
        assert source in ctype["inputs"]["required"], "%s: input %s must be required" % (product, source)
