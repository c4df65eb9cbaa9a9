"""`make sandbox` / `make demo`: start every available local server, write .sandbox/env (and, with Passbolt,
a credential file per seeded user and .sandbox/account-kit.passbolt next to it), and either wait for Ctrl-C /
SIGTERM or run one command with that environment, then stop them all.

    python -m sandbox.run [--env-file .sandbox/env] [--products a,b] [--export NAME=VALUE] [-- COMMAND ...]

SIGINT, SIGTERM and SIGHUP, to this process or to its process group, at any moment, stop it the same way:
the servers stop (they run in their own sessions, so only this process stops them), their GnuPG agents
are stopped, every directory and file it made is removed, and it waits until no process it started is
left. A second signal while stopping changes nothing.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import threading

from sandbox import harness
from sandbox.passbolt.account_kit import account_kit
from sandbox.server import available_products

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Passbolt variables that belong to one user; the others (URL, server key) are the server's.
PASSBOLT_USER_VARIABLES = ("PASSBOLT_USER_ID", "PASSBOLT_PRIVATE_KEY", "PASSBOLT_PRIVATE_KEY_FILE",
                           "PASSBOLT_PASSPHRASE", "PASSBOLT_ACCOUNT_KIT", "PASSBOLT_MFA_TOTP_SECRET",
                           "PASSBOLT_MFA_TOTP_CODE")
COMMAND_GRACE = 30  # seconds a command given a signal with us has to finish its own cleanup


def _write_private(path, lines):
    os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)


def _exports(variables):
    return ["export %s=%s" % (name, shlex.quote(str(value))) for name, value in sorted(variables.items())]


def write_env_file(path, servers, extra=()):
    lines = ["# Written by `make sandbox`: the local servers' URLs and demo credentials (test data only)."]
    for server in servers:
        lines += _exports(server.env)
    lines += _exports(dict(extra))
    _write_private(path, lines)


def write_account_kit(path, server):
    """The account kit of the Passbolt server's demo user, as the web UI exports it (account-kit.passbolt)."""
    env = server.env
    _write_private(path, [account_kit(env["PASSBOLT_BASE_URL"], env["PASSBOLT_USER_ID"], env["PASSBOLT_PRIVATE_KEY"])])


def passbolt_user_files(env_file, server):
    """{path: lines}: .sandbox/passbolt-<user>.env for every user the Passbolt server was seeded with."""
    shared = {k: v for k, v in server.env.items() if k not in PASSBOLT_USER_VARIABLES}
    files = {}
    for user in server.admin("GET", "users"):
        variables = dict(shared, PASSBOLT_USER_ID=user["id"], PASSBOLT_PRIVATE_KEY=user["private_key"],
                         PASSBOLT_PASSPHRASE=user["passphrase"])
        if user.get("totp_secret"):
            variables["PASSBOLT_MFA_TOTP_SECRET"] = user["totp_secret"]
        lines = ["# Written by `make sandbox`: Passbolt user %s of the local server (test data only)."
                 % user["username"],
                 "# Source it after %s (the other products' variables) to use Passbolt as this user."
                 % os.path.join(os.path.basename(os.path.dirname(os.path.abspath(env_file))),
                                os.path.basename(env_file))]
        if not user.get("active", True):
            lines.append("# This user is inactive on the server: its login is refused.")
        path = os.path.join(os.path.dirname(os.path.abspath(env_file)), "passbolt-%s.env" % user["short"])
        files[path] = lines + _exports(variables)
    return files


def _say(text, stream=None):
    """A line for the user; a terminal already gone (SIGHUP) is no reason to stop cleaning up."""
    try:
        print("sandbox: " + text, file=stream or sys.stdout, flush=True)
    except (OSError, ValueError):
        pass


class Sandbox:
    """The servers and files of one run, and how they are taken down."""

    def __init__(self, env_file, exports=()):
        self.env_file = env_file
        self.exports = list(exports)  # more NAME=VALUE lines for the env file (--export)
        self.servers = []
        self.files = []
        self.state_dirs = []
        self.signal = None
        self.stopping = threading.Event()

    def on_signal(self, signum, frame):  # pylint: disable=unused-argument
        if self.signal is None:
            self.signal = signum
        self.stopping.set()

    def start(self, products, seed):
        for product in products:
            server = harness.start(product, seed=seed, abort=self.stopping.is_set)
            self.servers.append(server)
            self.state_dirs.append(server.state_dir)
            _say("%s listening on %s" % (product, server.base_url))
            if self.stopping.is_set():
                return False
        self.files.append(self.env_file)
        write_env_file(self.env_file, self.servers, self.exports)
        for server in self.servers:
            if server.product == "passbolt":
                kit_file = os.path.join(os.path.dirname(os.path.abspath(self.env_file)), "account-kit.passbolt")
                self.files.append(kit_file)
                write_account_kit(kit_file, server)
                for path, lines in passbolt_user_files(self.env_file, server).items():
                    self.files.append(path)
                    _write_private(path, lines)
        return not self.stopping.is_set()

    def run_command(self, command):
        """The command's status; when we are signalled, its chance to end on its own (it had the signal too
        when it went to the process group), then a SIGTERM."""
        env = dict(os.environ)
        for server in self.servers:
            env.update({k: str(v) for k, v in server.env.items()})
        with subprocess.Popen(command, env=env) as process:
            while process.poll() is None and not self.stopping.wait(0.2):
                pass
            try:
                return process.wait(timeout=COMMAND_GRACE)
            except subprocess.TimeoutExpired:
                process.terminate()
                return process.wait()

    def stop(self):
        for server in reversed(self.servers):
            server.stop()
        for path in self.files:
            if os.path.exists(path):
                os.unlink(path)
        self._wait_for_helpers()

    def _wait_for_helpers(self):
        """Processes our servers left behind (a gpg-agent, its watcher) name our state directories; they end
        once the servers and agents are stopped. Whatever is still there after a while is ended."""
        for pid, cmdline in harness.still_running(self.state_dirs, 10):
            _say("ending %d left behind: %s" % (pid, cmdline[:100]), sys.stderr)
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env-file", default=".sandbox/env")
    parser.add_argument("--products", default=",".join(available_products()))
    parser.add_argument("--seed", default="demo")
    parser.add_argument("--export", action="append", default=[], metavar="NAME=VALUE",
                        help="another variable for the env file (where Ansible finds the collection and its Python)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    sandbox = Sandbox(args.env_file, [item.partition("=")[::2] for item in args.export])
    for signum in SIGNALS:
        signal.signal(signum, sandbox.on_signal)
    status = 0
    try:
        if sandbox.start([p for p in args.products.split(",") if p], args.seed):
            if command:
                status = sandbox.run_command(command)
            else:
                _say("environment written to %s (source it), a file per Passbolt user next to it; "
                     "Ctrl-C stops the servers" % args.env_file)
                while not sandbox.stopping.wait(1):
                    pass
    except harness.StartAborted:
        pass
    finally:
        if sandbox.signal is not None:
            _say("stopping (%s)" % signal.Signals(sandbox.signal).name)
        sandbox.stop()
    if sandbox.signal is not None:
        _say("stopped")
        if command:
            return status if status else 128 + sandbox.signal
    return status


if __name__ == "__main__":
    sys.exit(main())
