"""Issue 16: one password vocabulary, the same behaviour in every module that stores a password.

A table of steps (password, generate_password, update_password always|on_create, rotate true|false,
return_password) runs, in order, against passwordstate_password, opp_item and passbolt_resource (one
ansible-playbook per module, side by side); every module must give the same outcome (failed, changed, the
password returned).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from integration.conftest import REPO, ansible_env
from integration.reliability import write_play

pytestmark = pytest.mark.filterwarnings("ignore")

P1, P2, P3 = "Vocab-Pass-1!x9", "Vocab-Pass-2!x9", "Vocab-Pass-3!x9"

# (step, module options, expected). Expected password: a literal, "new" (a generated one, different from the
# one before), "same" (the one before), None (no password key: not asked for). "fails": a message part.
STEPS = [
    ("create, rotate false", {"password": P1, "rotate": False, "generate_password": False,
                              "update_password": "on_create", "return_password": True},
     {"changed": True, "password": P1}),
    ("same password again", {"password": P1, "rotate": False, "return_password": True},
     {"changed": False, "password": P1}),
    ("on_create keeps the stored password", {"password": P2, "update_password": "on_create",
                                             "return_password": True},
     {"changed": False, "password": P1}),
    ("always sets it, rotate false", {"password": P2, "update_password": "always", "rotate": False,
                                      "return_password": True},
     {"changed": True, "password": P2}),
    ("generate_password only on create", {"generate_password": True, "return_password": True},
     {"changed": False, "password": P2}),
    ("rotate true generates", {"rotate": True, "return_password": True},
     {"changed": True, "password": "new"}),
    ("rotate false, password not asked for", {"rotate": False, "return_password": False},
     {"changed": False, "password": None}),
    ("password with rotate true", {"password": P3, "rotate": True},
     {"fails": "mutually exclusive"}),
    ("password with generate_password true", {"password": P3, "generate_password": True},
     {"fails": "mutually exclusive"}),
    ("password with generate_password false", {"password": P3, "generate_password": False, "rotate": False,
                                               "return_password": True},
     {"changed": True, "password": P3}),
]
GENERATED_STEPS = [
    ("create generated", {"generate_password": True, "rotate": False, "return_password": True},
     {"changed": True, "password": "new"}),
    ("generate again: kept", {"generate_password": True, "return_password": True},
     {"changed": False, "password": "same"}),
]

# One rule for `rotate: true` on an entry that does not exist: it fails and writes nothing, unless
# generate_password: true says to create it.
ROTATE_STEPS = [
    ("rotate a missing entry", {"rotate": True, "return_password": True}, {"fails": "Nothing to rotate: no "}),
    ("nothing was created: a check-mode rotation fails the same way", {"rotate": True, "_check_mode": True},
     {"fails": "Nothing to rotate: no "}),
    ("rotate with generate_password creates it", {"rotate": True, "generate_password": True, "return_password": True},
     {"changed": True, "password": "new"}),
    ("rotate with generate_password rotates it once it exists",
     {"rotate": True, "generate_password": True, "return_password": True}, {"changed": True, "password": "new"}),
]
ENTRIES = (("vocab-set", STEPS), ("vocab-gen", GENERATED_STEPS), ("vocab-rot", ROTATE_STEPS))

MODULES = {
    "passwordstate_password": lambda name: {"list_id": 11, "title": name},
    "opp_item": lambda name: {"name": name},
    "passbolt_resource": lambda name: {"name": name},
}


def task(module, ident, options, register):
    args = dict(ident, **options)
    check_mode = args.pop("_check_mode", False)
    return ("    - name: %s\n      pwman.secrets.%s: %s\n      register: %s\n      ignore_errors: true\n      no_log: false\n"
            "      check_mode: %s\n" % (register, module, json.dumps(args), register, json.dumps(check_mode)))


def build_play(module, out):
    ident = MODULES[module]
    tasks, names = [], []
    for entry, steps in ENTRIES:
        for index, (dummy, options, dummy2) in enumerate(steps):
            register = "%s_%s_%d" % (module, entry.replace("-", "_"), index)
            tasks.append(task(module, ident(entry), options, register))
            names.append(register)
    for entry, dummy in ENTRIES:
        tasks.append("    - pwman.secrets.%s: %s\n" % (module, json.dumps(dict(ident(entry), state="absent"))))
    tasks.append("    - ansible.builtin.copy:\n        content: \"{{ {%s} | to_json }}\"\n        dest: %s\n"
                 % (", ".join("'%s': %s" % (n, n) for n in names), out))
    return "".join(tasks)


def test_same_vocabulary_same_behaviour(all_servers_env, tmp_path):
    # one ansible-playbook per module, side by side (each on its own product)
    runs = []
    for module in MODULES:
        out = tmp_path / ("%s.json" % module)
        path = write_play(build_play(module, out))
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            ["ansible-playbook", "-i", "localhost,", "-c", "local", path], env=ansible_env(dict(all_servers_env, ANSIBLE_PIPELINING="1")),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
        runs.append((module, out, path, proc))
    results, problems = {}, []
    for module, out, path, proc in runs:
        stdout, stderr = proc.communicate(timeout=600)
        os.unlink(path)
        if proc.returncode != 0:
            problems.append("%s: rc=%s\n%s\n%s" % (module, proc.returncode, stdout[-5000:], stderr[-2000:]))
            continue
        results.update(json.loads(out.read_text()))
    assert not problems, "\n".join(problems)
    for module in MODULES:
        for entry, steps in ENTRIES:
            before = None
            for index, (step, dummy, expected) in enumerate(steps):
                got = results["%s_%s_%d" % (module, entry.replace("-", "_"), index)]
                problems += check_step(module, step, got, expected, before)
                before = got.get("password", before)
    assert not problems, "\n".join(problems)


def check_step(module, step, got, expected, before):
    where = "%s, %s:" % (module, step)
    if "fails" in expected:
        if not got.get("failed") or expected["fails"] not in got.get("msg", ""):
            return ["%s should fail with %r, got %r" % (where, expected["fails"], got.get("msg"))]
        return []
    if got.get("failed"):
        return ["%s failed: %s" % (where, got.get("msg"))]
    problems = []
    if got.get("changed") != expected["changed"]:
        problems.append("%s changed=%s, expected %s" % (where, got.get("changed"), expected["changed"]))
    wanted = expected["password"]
    password = got.get("password")
    if wanted is None:
        ok = "password" not in got
    elif wanted == "new":
        ok = bool(password) and password != before
    elif wanted == "same":
        ok = password == before
    else:  # Ansible masks a returned value equal to a no_log option of the task
        ok = password in (wanted, "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER")
    if not ok:
        problems.append("%s password %s, expected %s" % (where, "returned" if password else "missing", wanted))
    # every module says whether the password was (or would be) set, in the same words
    changed_password = got.get("password_changed")
    if not isinstance(changed_password, bool) or (wanted in ("new", "same") and changed_password != (wanted == "new")):
        problems.append("%s password_changed=%r with password %s" % (where, changed_password, wanted))
    return problems
