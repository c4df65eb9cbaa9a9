"""`make bench`: the performance scenarios of issue 8, printed as a table.

For each product whose local server exists:
  S1  one host, 50 tasks, each with one lookup of a different secret, forks 5
  S2  100 hosts, three secrets in group_vars used by two tasks each, forks 5
  S3  (Passbolt) one lookup call with 500 terms, against gpg decrypting the same 500 secrets
  S5  S2 with 1,000 hosts and forks 20
  S4  S1 twice with the same agent, the access token expiring in between (refresh, not re-login);
      the figures are the second run's
The baseline of S1/S2/S5 is the same play with ansible.builtin.env lookups, run in the same
invocation, alternating with the measured play (--rounds rounds, medians): each round runs the
baseline, the play with a new lookup agent (cold: start, first login) and the play again with the
same agent (warm: logged in, a new run, so nothing answered before is reused). Printed per row:
logins and HTTP requests of one run, wall time, ratio to env, extra ms per lookup task (host x
task) over env, and the agent's resident memory after the run. Figures only: nothing here asserts
a time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

from sandbox import harness  # noqa: E402  pylint: disable=wrong-import-position
from sandbox.passbolt.account_kit import account_kit  # noqa: E402  pylint: disable=wrong-import-position
from sandbox.server import available_products  # noqa: E402  pylint: disable=wrong-import-position

BENCH_ENTRIES = 500
ROUNDS = [3]
# What the measured plays (not the env baseline) get on top of the servers' environment (--no-preload empties it).
MEASURED_ENV = {"ANSIBLE_CALLBACKS_ENABLED": "pwman.secrets.preload", "PWMAN_SECRETS_PRELOAD_LOGIN": "true"}
# How each product's lookup names the i-th bench secret.
TERM = {
    "passbolt": "bench-%03d",
    "passwordstate": "bench-%03d",
    "opp": "bench-%03d",
}


def passbolt_account_kit(server, workdir):
    """Users of the Passbolt scenarios log in with the account kit the web UI exports: it carries the
    server key, so a login is one request (POST /auth/jwt/login.json)."""
    path = os.path.join(workdir, "account-kit.passbolt")
    with open(path, "w", encoding="ascii") as handle:
        handle.write(account_kit(server.env["PASSBOLT_BASE_URL"], server.env["PASSBOLT_USER_ID"],
                                 server.env["PASSBOLT_PRIVATE_KEY"]))
    os.chmod(path, 0o600)
    return {"PASSBOLT_ACCOUNT_KIT": path, "PASSBOLT_PASSPHRASE": server.env["PASSBOLT_PASSPHRASE"]}


def client_env(server, product, workdir):
    """What the measured plays get: the server's client environment (Passbolt: the account kit)."""
    if product == "passbolt":
        return passbolt_account_kit(server, workdir)
    return server.env


def ansible_env(server_env, workdir, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PASSBOLT_", "PASSWORDSTATE_", "OPP_"))}
    env.update(server_env)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".tmp", "collections"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_NOCOLOR": "1",
        "PWMAN_SECRETS_RUNTIME_DIR": workdir,
    })
    env.update(extra or {})
    return env


def play(workdir, name, hosts, tasks, group_vars=None, forks=5):
    """Write inventory + playbook; returns the ansible-playbook command."""
    inventory = os.path.join(workdir, name + ".ini")
    with open(inventory, "w", encoding="utf-8") as handle:
        handle.write("[bench]\n")
        for index in range(hosts):
            handle.write("h%03d ansible_connection=local\n" % index)
        if group_vars:
            handle.write("[bench:vars]\n")
            for key, value in group_vars.items():
                handle.write("%s=%s\n" % (key, json.dumps(value)))
    playbook = os.path.join(workdir, name + ".yml")
    lines = ["- hosts: bench", "  gather_facts: false", "  tasks:"]
    for index, expression in enumerate(tasks):
        lines += ["    - name: t%03d" % index,
                  "      ansible.builtin.debug:",
                  "        msg: \"{{ (%s) | length }}\"" % expression]
    with open(playbook, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return ["ansible-playbook", "-i", inventory, "-f", str(forks), playbook]


def timed(cmd, env):
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit("bench play failed: %s" % " ".join(cmd))
    return elapsed


def lookup_expr(product, index):
    return "lookup('pwman.secrets.%s', '%s')" % (product, TERM[product] % index)


def agent_rss_kib(workdir):
    """Resident memory (KiB) of the lookup agents listening under `workdir`, summed (status op: the agent's pid)."""
    total = 0
    for path in harness.agent_sockets(workdir):
        try:
            pid = harness.ask_agent(path, {"op": "status"})["pid"]
            with open("/proc/%d/status" % pid, encoding="ascii") as status:
                total += int(next(line for line in status if line.startswith("VmRSS:")).split()[1])
        except (OSError, ValueError, KeyError, StopIteration):
            continue
    return total


def scenario_tasks(server, product, workdir, name, hosts, tasks, group_vars, baseline_tasks, baseline_vars,
                   extra_env=None, warm_run_after=None, forks=5):
    """Baseline and measured plays alternate for `rounds` rounds; the medians are reported (a shared machine is
    noisy). Each round: the baseline, the play with a fresh lookup agent (cold), and the play again with the same
    agent (warm; with `warm_run_after`, that many seconds later). Returns {"cold": ..., "warm": ...}, each
    (stats, measured median, baseline median, agent RSS KiB); the counts are those of one round's run."""
    env = ansible_env(client_env(server, product, workdir), workdir, dict(MEASURED_ENV, **(extra_env or {})))
    base_env = ansible_env({}, workdir)
    base_command = play(workdir, name + "-base", hosts, baseline_tasks, baseline_vars, forks)
    command = play(workdir, name, hosts, tasks, group_vars, forks)
    baselines, measures, stats, rss = [], {"cold": [], "warm": []}, {}, {}
    for dummy in range(ROUNDS[0]):
        baselines.append(timed(base_command, base_env))
        for kind in ("cold", "warm"):
            if kind == "warm" and warm_run_after:
                time.sleep(warm_run_after)
            server.reset_stats()
            measures[kind].append(timed(command, env))
            stats[kind] = server.stats()
            rss[kind] = agent_rss_kib(workdir)
        harness.stop_lookup_agents(workdir)
    baseline = statistics.median(baselines)
    return {kind: (stats[kind], statistics.median(measures[kind]), baseline, rss[kind]) for kind in measures}


def s1(server, product, workdir, name="s1", warm_run_after=None):
    tasks = [lookup_expr(product, i) for i in range(50)]
    base = ["lookup('ansible.builtin.env', 'HOME')"] * 50
    return scenario_tasks(server, product, workdir, "%s-%s" % (name, product), 1, tasks, None, base, None,
                          warm_run_after=warm_run_after)


def s2(server, product, workdir, hosts=100, forks=5, name="s2"):
    secrets = {"bench_s%d" % i: "{{ %s }}" % lookup_expr(product, i) for i in range(3)}
    base_vars = {"bench_s%d" % i: "{{ lookup('ansible.builtin.env', 'HOME') }}" for i in range(3)}
    uses = ["bench_s0 ~ bench_s1 ~ bench_s2"] * 2
    return scenario_tasks(server, product, workdir, "%s-%s" % (name, product), hosts, uses, secrets, uses, base_vars,
                          forks=forks)


def s3_passbolt(server, workdir):
    """One lookup with 500 terms, against gpg alone decrypting the same 500 secrets."""
    terms = ", ".join("'%s'" % (TERM["passbolt"] % i) for i in range(BENCH_ENTRIES))
    env = ansible_env(client_env(server, "passbolt", workdir), workdir, {"PWMAN_SECRETS_CACHE": "false"})
    cmd = play(workdir, "s3-passbolt", 1, ["query('pwman.secrets.passbolt', %s)" % terms])
    server.reset_stats()
    measured = timed(cmd, env)
    stats = server.stats()
    baseline = gpg_baseline(server, workdir)
    return stats, measured, baseline


def gpg_baseline(server, workdir):
    """Time gpg alone decrypting each of the bench secrets, one gpg call per secret, warm agent."""
    secrets = server.admin("GET", "bench-secrets")  # [{"data": armored}] encrypted to the demo user
    home = tempfile.mkdtemp(prefix="bench-gpg-", dir=workdir)
    env = dict(os.environ, GNUPGHOME=home)
    # The agent protects imported keys as the collection's own GnuPG home does (s2k-count 65536).
    with open(os.path.join(home, "gpg-agent.conf"), "w", encoding="ascii") as handle:
        handle.write("s2k-count 65536\n")
    try:
        subprocess.run(["gpg", "--batch", "--import"], input=server.env["PASSBOLT_PRIVATE_KEY"].encode(),
                       env=env, capture_output=True, check=True)
        base = ["gpg", "--batch", "--quiet", "--decrypt"]
        # Unlock the key once; then the agent is warm and holds it, as in "one gpg decrypt with a warm agent".
        passphrase = server.env["PASSBOLT_PASSPHRASE"].encode() + b"\n"
        subprocess.run(base[:2] + ["--pinentry-mode", "loopback", "--passphrase-fd", "0", "--decrypt"],
                       input=passphrase + secrets[0]["data"].encode(), env=env, capture_output=True, check=True)
        start = time.monotonic()
        for entry in secrets:
            subprocess.run(base, input=entry["data"].encode(), env=env, capture_output=True, check=True)
        return time.monotonic() - start
    finally:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)


def row(product, scenario, stats, measured, baseline, rss=None, tasks=None):
    over = "%.1f" % ((measured - baseline) * 1000.0 / tasks) if tasks else "-"
    return (product, scenario, stats.get("logins", 0), stats.get("requests", 0), measured, baseline,
            measured / baseline if baseline else float("nan"), over, "%d" % (rss / 1024.0) if rss else "-")


def rows_of(product, label, figures, tasks):
    """The cold and warm rows of one scenario; `tasks`: lookup tasks (host x task) per run."""
    return [row(product, "%s, %s agent" % (label, kind), *figures[kind], tasks=tasks) for kind in ("cold", "warm")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", default=",".join(available_products()))
    parser.add_argument("--scenarios", default="s1,s2,s3,s4,s5")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-preload", action="store_true",
                        help="measure without the pwman.secrets.preload callback (the lookups load in every worker)")
    args = parser.parse_args(argv)
    ROUNDS[0] = args.rounds
    if args.no_preload:
        MEASURED_ENV.clear()
    scenarios = args.scenarios.split(",")
    rows = []
    workdir = tempfile.mkdtemp(prefix="pwman-bench-")
    os.chmod(workdir, 0o700)
    load = os.getloadavg()
    try:
        for product in [p for p in args.products.split(",") if p]:
            server = harness.start(product, seed="bench", config={"bench_entries": BENCH_ENTRIES})
            try:
                if "s1" in scenarios:
                    rows += rows_of(product, "S1 50 tasks x 1 lookup", s1(server, product, workdir), 50)
                if "s2" in scenarios:
                    rows += rows_of(product, "S2 100 hosts x 2 tasks x 3 vars", s2(server, product, workdir), 200)
                if "s5" in scenarios:
                    rows += rows_of(product, "S5 1000 hosts x 2 tasks x 3 vars, forks 20",
                                    s2(server, product, workdir, hosts=1000, forks=20, name="s5"), 2000)
                if "s3" in scenarios and product == "passbolt":
                    rows.append(row(product, "S3 1 lookup x 500 terms (vs gpg)", *s3_passbolt(server, workdir)))
                if "s4" in scenarios and product == "passbolt":
                    # Tokens live 3 s; a second run 4 s after the first finds its token expired.
                    server.admin("POST", "settings", {"access_token_ttl": 3})
                    figures = s1(server, product, workdir, name="s4", warm_run_after=4)["warm"]
                    rows.append(row(product, "S4 2 runs of S1, token expired between (refreshes %d)"
                                    % figures[0].get("refreshes", 0), *figures, tasks=50))
            finally:
                server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    header = ("product", "scenario", "logins", "HTTP requests", "wall s", "env s", "ratio", "ms/task over env",
              "agent RSS MiB")
    widths = [max(len(str(r[i])) if not isinstance(r[i], float) else 7 for r in rows + [header])
              for i in range(len(header))]
    print("load average at start %.2f, at end %.2f (%d cores)" % (load[0], os.getloadavg()[0], os.cpu_count() or 0))
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for r in rows:
        cells = [str(c) if not isinstance(c, float) else "%.2f" % c for c in r]
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
