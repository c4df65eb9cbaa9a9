"""`make sandbox` / `make demo`: start every available local server, write .sandbox/env (and, with Passbolt,
.sandbox/account-kit.passbolt), and either wait for Ctrl-C / SIGTERM or run one command with that
environment, then stop them all.

    python -m sandbox.run [--env-file .sandbox/env] [--products a,b] [--export NAME=VALUE] [-- COMMAND ...]
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import time

from sandbox import harness
from sandbox.passbolt.account_kit import account_kit
from sandbox.server import available_products


def write_env_file(path, servers, extra=()):
    os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
    lines = ["# Written by `make sandbox`: the local servers' URLs and demo credentials (test data only)."]
    for server in servers:
        for name, value in sorted(server.env.items()):
            lines.append("export %s=%s" % (name, shlex.quote(str(value))))
    for name, value in extra:
        lines.append("export %s=%s" % (name, shlex.quote(value)))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)


def write_account_kit(path, server):
    """The account kit of the Passbolt server's demo user, as the web UI exports it (account-kit.passbolt)."""
    env = server.env
    kit = account_kit(env["PASSBOLT_BASE_URL"], env["PASSBOLT_USER_ID"], env["PASSBOLT_PRIVATE_KEY"])
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(kit)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env-file", default=".sandbox/env")
    parser.add_argument("--products", default=",".join(available_products()))
    parser.add_argument("--seed", default="demo")
    parser.add_argument("--export", action="append", default=[], metavar="NAME=VALUE",
                        help="another variable for the env file (where Ansible finds the collection and its Python)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    products = [p for p in args.products.split(",") if p]
    kit_file = os.path.join(os.path.dirname(os.path.abspath(args.env_file)), "account-kit.passbolt")
    servers = []
    stopping = []

    def stop(*_):
        stopping.append(True)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        for product in products:
            server = harness.start(product, seed=args.seed)
            servers.append(server)
            print("sandbox: %s listening on %s" % (product, server.base_url), flush=True)
        write_env_file(args.env_file, servers, [item.partition("=")[::2] for item in args.export])
        for server in servers:
            if server.product == "passbolt":
                write_account_kit(kit_file, server)
        env = dict(os.environ)
        for server in servers:
            env.update({k: str(v) for k, v in server.env.items()})
        if command:
            return subprocess.call(command, env=env)
        print("sandbox: environment written to %s (source it); Ctrl-C stops the servers" % args.env_file, flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        for server in servers:
            server.stop()
        for path in (args.env_file, kit_file):
            if os.path.exists(path):
                os.unlink(path)


if __name__ == "__main__":
    sys.exit(main())
