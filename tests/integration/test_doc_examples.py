"""Every example a user reads runs against the local servers, as `make sandbox` starts them.

README.md, docs/*.md, the roles' READMEs (YAML blocks, and the `ansible` / `ansible-playbook` lines of shell
blocks) and the EXAMPLES of every plugin (what `ansible-doc` shows), extracted by integration/doc_examples.py.
Each document gets fresh servers of the products it uses, and its examples run in order in a directory of its
own; variables an example uses must be defined by the example (or come from the servers' environment).
"""

from __future__ import annotations

import glob
import os
import subprocess
import tempfile

import pytest
import yaml

from integration import doc_examples
from integration.conftest import ansible_env
from sandbox import harness
from sandbox.opp import seed_data as OPP
from sandbox.passbolt import seed_data as PB
from sandbox.passwordstate import seed_data as PS
from sandbox.run import write_account_kit

pytestmark = pytest.mark.filterwarnings("ignore")

DOCUMENTS = doc_examples.documents()
SEED_SECRETS = [p["Password"] for p in PS.PASSWORDS.values()] + [i["password"] for i in OPP.ITEMS] \
    + [r["secret"]["password"] for r in PB.RESOURCES if r["secret"].get("password")] \
    + [OPP.DEMO_PASSWORD, OPP.DEMO_PHRASE, PS.SYSTEM_API_KEY]


def run(cmd, env, cwd):
    """A command in the document's directory, which is also HOME (examples may name ~/account-kit.passbolt)."""
    return subprocess.run(cmd, env=ansible_env(env, tmp_home=cwd), capture_output=True, text=True, timeout=900,
                          cwd=cwd, check=False)


def failure(where, proc):
    return "%s failed (rc=%s)\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
        where, proc.returncode, proc.stdout[-12000:], proc.stderr[-4000:])


def test_documents_found():
    """The extraction sees every source (a renamed fence or file would otherwise drop examples silently)."""
    sources = {doc.source for doc in DOCUMENTS}
    assert "README.md" in sources and "roles/rotate/README.md" in sources
    plugins = {s for s in sources if s.startswith("plugins/")}
    assert plugins == {os.path.relpath(path, doc_examples.REPO) for path in
                       glob.glob(os.path.join(doc_examples.REPO, "plugins", "*", "*.py"))
                       if "/modules/" in path or "/lookup/" in path}
    tasks = sum(1 if example.kind == "command" else len(yaml.safe_load(example.text))
                for doc in DOCUMENTS for example in doc.runnable())
    assert tasks >= 100  # plays, tasks and commands: 104 when this was written


@pytest.mark.parametrize("doc", DOCUMENTS, ids=[doc.source for doc in DOCUMENTS])
def test_examples_run(doc):
    servers = [harness.start(product) for product in doc.products()]
    try:
        env = {"PWMAN_SECRETS_CACHE": "true"}
        for server in servers:
            env.update(server.env)
        with tempfile.TemporaryDirectory(prefix="pwman-examples-") as directory:
            doc_examples.write_files(doc, directory)
            for server in servers:
                if server.product == "passbolt":  # as `make sandbox` writes it next to .sandbox/env
                    write_account_kit(os.path.join(directory, "account-kit.passbolt"), server)
            for number, (kind, examples) in enumerate(doc_examples.segments(doc)):
                where = ", ".join(example.where for example in examples)
                if kind == "playbook":
                    path = os.path.join(directory, "examples-%d.yml" % number)
                    with open(path, "w", encoding="utf-8") as handle:
                        handle.write(doc_examples.playbook_text(examples))
                    proc = run(["ansible-playbook", path], env, directory)
                else:
                    proc = run(examples[0].command(), env, directory)
                assert proc.returncode == 0, failure(where, proc)
                assert "failed=1" not in proc.stdout and "FAILED" not in proc.stdout, failure(where, proc)
                shown = proc.stdout + proc.stderr
                leaked = [secret for secret in SEED_SECRETS if secret in shown]
                assert not leaked, "%s printed seed secrets" % where
    finally:
        for server in servers:
            server.stop()
