"""Run inside a venv holding only pwman-secrets-awx: load the credential plugins as AWX does (entry
points) and call their backends. Reads {"calls": [{"plugin": ..., "kwargs": {...}}]} on stdin and
writes JSON: the plugins each entry-point group gives, and one {"value"} or {"error"} per call."""

from __future__ import annotations

import json
import os
import sys
import time
from importlib.metadata import entry_points

GROUPS = ("awx_plugins.credentials", "awx.credential_plugins")


def group(name):
    found = entry_points()
    selected = found.select(group=name) if hasattr(found, "select") else found.get(name, [])
    return {ep.name: ep.load() for ep in selected}


def traces(roots):
    """What a call left: files under `roots` (HOME, TMPDIR, XDG_RUNTIME_DIR, cwd: where GnuPG homes
    and sockets go) and processes (a gpg-agent) that name one of them."""
    left = [os.path.join(d, f) for root in roots for d, dirs, files in os.walk(root) for f in dirs + files]
    # The GnuPG homes' own directory ($XDG_RUNTIME_DIR/pwman-gpg, 0700) stays for the next client; empty.
    left = [path for path in left if not (os.path.basename(path) == "pwman-gpg" and not os.listdir(path))]
    for pid in (p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if any(root in cmdline for root in roots):
            left.append("process %s: %s" % (pid, cmdline[:120]))
    return left


def after_call(roots):
    """Traces once the call is over (a killed gpg-agent takes a moment to exit)."""
    deadline = time.time() + 3
    left = traces(roots)
    while left and time.time() < deadline:
        time.sleep(0.1)
        left = traces(roots)
    return left


def main():
    request = json.load(sys.stdin)
    loaded = {name: group(name) for name in GROUPS}
    plugins = loaded[GROUPS[0]]
    roots = request.get("watch", [])
    results = []
    for call in request.get("calls", []):
        try:
            result = {"value": plugins[call["plugin"]].backend(**call["kwargs"])}
        except Exception as exc:  # pylint: disable=broad-except
            result = {"error": str(exc), "type": type(exc).__name__}
        result["left"] = after_call(roots)
        results.append(result)
    module = sys.modules.get("ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client")
    json.dump({
        "groups": {g: {ns: {"name": p.name, "inputs": p.inputs, "same": p is plugins.get(ns)} for ns, p in eps.items()}
                   for g, eps in loaded.items()},
        "results": results,
        "client_file": getattr(module, "__file__", None),
        "ansible_loaded": "ansible" in sys.modules,
    }, sys.stdout)


if __name__ == "__main__":
    main()
