"""Messages written (and read) as Passbolt's browser extension 5.x writes them: openpgp.js 6 under Node.

tests/openpgpjs/extension.mjs does the work with the extension's own OpenPGP library, pinned in
tests/openpgpjs/package.json (`make node-deps` installs it). What it writes differs from GnuPG's output
in ways clients trip on: UTF-8 literal data, text signatures, and openpgp.js's binary salt notation.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL_DIR = os.path.join(os.path.dirname(os.path.dirname(HERE)), "openpgpjs")
SCRIPT = os.path.join(TOOL_DIR, "extension.mjs")


class ExtensionToolMissing(RuntimeError):
    pass


def node_binary():
    node = shutil.which("node") or shutil.which("nodejs")
    if not node or not os.path.isdir(os.path.join(TOOL_DIR, "node_modules", "openpgp")):
        raise ExtensionToolMissing("Node.js and openpgp.js are needed to write data as Passbolt's browser extension "
                                   "does: run `make node-deps` (npm ci in tests/openpgpjs).")
    return node


def run(op, jobs, timeout=300):
    """Run `op` ("encrypt" or "decrypt") on a list of jobs in one Node process; returns one result per job."""
    if not jobs:
        return []
    done = subprocess.run([node_binary(), SCRIPT], input=json.dumps({"op": op, "jobs": jobs}).encode("utf-8"),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError("openpgp.js %s failed: %s" % (op, done.stderr.decode("utf-8", "replace")[-2000:]))
    return json.loads(done.stdout.decode("utf-8"))["results"]


def encrypt_many(jobs, cache_dir=None):
    """[{"text", "encryption_keys": [armored], "signing_keys": [{"armored", "passphrase"}]}] -> armored messages.

    With a cache directory, a batch already written for the same keys and texts is read back instead of being
    written again (the keys come from the sandbox key cache, so the messages stay valid); a failed job raises."""
    path = None
    if cache_dir:
        digest = hashlib.sha256(json.dumps(jobs, sort_keys=True).encode("utf-8")).hexdigest()[:24]
        path = os.path.join(cache_dir, "extension-messages-%s.json" % digest)
        try:
            with open(path, encoding="utf-8") as handle:
                cached = json.load(handle)
            if isinstance(cached, list) and len(cached) == len(jobs):
                return cached
        except (OSError, ValueError):
            pass
    results = run("encrypt", jobs)
    failed = [r["error"] for r in results if "error" in r]
    if failed:
        raise RuntimeError("openpgp.js could not encrypt: %s" % failed[0])
    armored = [r["armored"] for r in results]
    if path:
        os.makedirs(cache_dir, mode=0o700, exist_ok=True)
        tmp = "%s.%d.tmp" % (path, os.getpid())
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
            json.dump(armored, handle)
        os.replace(tmp, path)
    return armored


def decrypt(message, private_armored, passphrase, verification_keys=()):
    """Decrypt and verify as the extension's library does: {"text", "literal_format", "signatures"} or {"error"}."""
    return run("decrypt", [{"message": message, "decryption_key": {"armored": private_armored, "passphrase": passphrase},
                            "verification_keys": list(verification_keys)}])[0]
