"""The collection's demo playbook (pwman.secrets.demo) against all three local servers, as `make demo` runs it."""

from __future__ import annotations

import ast
import glob
import importlib.metadata
import os
import re
import subprocess
import sys

from integration.conftest import REPO
from sandbox.opp import seed_data as opp_seed
from sandbox.passbolt import seed_data as pb_seed
from sandbox.passwordstate import seed_data as ps_seed


def seed_secrets():
    values = [r["secret"]["password"] for r in pb_seed.RESOURCES if r["secret"].get("password")]
    values += [u["passphrase"] for u in pb_seed.USERS.values()]
    values += [p["Password"] for p in ps_seed.PASSWORDS.values()]
    values += [ps_seed.SYSTEM_API_KEY, ps_seed.GENERATOR_API_KEY]
    values += [i["password"] for i in opp_seed.ITEMS] + [opp_seed.DEMO_PASSWORD, opp_seed.DEMO_PHRASE]
    return [v for v in values if v]


def test_demo_playbook(sandbox_factory, playbook):
    env = {}
    for product in ("passbolt", "passwordstate", "opp"):
        env.update(sandbox_factory(product).env)
    env["PWMAN_SECRETS_CACHE"] = "true"  # as users run it: through the lookup agent
    result = playbook("pwman.secrets.demo", env=env, args=["-v"])
    assert result.rc == 0, result
    # every product's part ran: its create, rotate and read tasks
    for product in ("Passbolt", "Passwordstate", "OPP"):
        for step in ("create", "rotate", "read"):
            assert any(line.startswith("TASK [%s - " % product) and step in line
                       for line in result.stdout.splitlines()), (product, step)
    assert "failed=0" in result.stdout
    leaked = [value for value in seed_secrets() if value in result.stdout or value in result.stderr]
    assert leaked == [], "secrets printed by the demo"


# -- `make demo` itself (issue 24, point 7) -------------------------------------------------------------
def make_dry_run(target):
    """The commands `make <target>` would run on a fresh clone (nothing built yet), without running them."""
    proc = subprocess.run(["make", "-n", "-B", target, "DEMO_VENV=%s" % os.path.join(REPO, ".tmp", "never-built")],
                          cwd=REPO, capture_output=True, text=True, check=True, timeout=120)
    return proc.stdout


def test_demo_installs_no_test_tool_and_says_what_next():
    commands = make_dry_run("demo")
    assert "requirements-demo.txt" in commands and "requirements-dev.txt" not in commands, commands
    assert "/.venv/" not in commands, commands  # the test venv is neither built nor used
    assert "make sandbox" in commands and "source .sandbox/env" in commands, commands
    commands = make_dry_run("sandbox")
    assert "requirements-dev.txt" not in commands and "--export ANSIBLE_COLLECTIONS_PATH=" in commands, commands


def imported_distributions(paths):
    """The distributions whose modules the files import at module level (what must be installed to load them)."""
    names = set()
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        for node in tree.body:  # module level only: guarded and lazy imports are optional
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    owners = importlib.metadata.packages_distributions()
    return {dist.lower() for name in names if name not in sys.stdlib_module_names for dist in owners.get(name, [name])}


def requirement_closure(path):
    """Every distribution `pip install -r path` installs (its requirements and theirs, as installed here)."""
    wanted, seen = [], set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line.startswith("-r "):
                wanted += sorted(requirement_closure(os.path.join(os.path.dirname(path), line[3:].strip())))
            elif line:
                wanted.append(re.split(r"[<>=!\[ ;]", line, maxsplit=1)[0])
    while wanted:
        name = wanted.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for requirement in importlib.metadata.requires(name) or []:
            if "extra ==" not in requirement:
                wanted.append(re.split(r"[<>=!\[ ;(]", requirement, maxsplit=1)[0])
    return seen


def test_demo_requirements_cover_the_collection_and_the_local_servers():
    files = glob.glob(os.path.join(REPO, "plugins", "**", "*.py"), recursive=True) \
        + glob.glob(os.path.join(REPO, "tests", "sandbox", "**", "*.py"), recursive=True)
    needed = {name.replace("_", "-") for name in imported_distributions(files)} - {"ansible-collections", "sandbox"}
    missing = needed - requirement_closure(os.path.join(REPO, "requirements-demo.txt"))
    assert not missing, "imported at module level but not in requirements-demo.txt: %s" % sorted(missing)
