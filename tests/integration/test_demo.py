"""The collection's demo playbook (pwman.secrets.demo) against all three local servers, as `make demo` runs it."""

from __future__ import annotations

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
