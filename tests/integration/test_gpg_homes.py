"""Issue #23 (5, 6): where GnuPG homes go when their places are taken, and who may judge a home dead.

5. Another user holds /dev/shm/pwman-gpg-<uid> and $TMPDIR/pwman-gpg-<uid>: no home may go to a fourth,
   undocumented place; the error says what to do. A home in a fallback place left by SIGKILL is removed
   (with its gpg-agent) by the next run, whatever place that run uses itself.
6. Two PID namespaces share one runtime directory (containers): a client that cannot see the owner's pid
   must not take a live home for a dead one's.

/dev/shm is the machine's: the squatting runs happen in a mount namespace of their own with a private
/dev/shm (unshare), so that other tests' homes are not touched; without unshare they are skipped.
"""

from __future__ import annotations

import glob
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from integration.conftest import COLLECTIONS, ansible_env
from integration.reliability import write_play
from integration.test_agent_security import pb, pb_users  # noqa: F401  pylint: disable=unused-import

pytestmark = [pytest.mark.filterwarnings("ignore"), pytest.mark.xdist_group("gpg-homes")]

SQUATTER = 65534
PRIVATE_SHM = ('mount -t tmpfs -o mode=1777 tmpfs /dev/shm && mkdir -m 700 /dev/shm/pwman-gpg-{uid} && '
               'chown {squatter} /dev/shm/pwman-gpg-{uid} && "$@"; rc=$?; ls -a /dev/shm > {listing}; exit $rc')


def can_unshare(*flags):
    if os.getuid() != 0 or not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", *flags, "true"], capture_output=True, check=False).returncode == 0


@pytest.fixture()
def tmpdir_short():
    """A TMPDIR with a short path: a gpg-agent's socket in a home under it must fit the 108 bytes of a socket path."""
    path = tempfile.mkdtemp(prefix="pw23-")
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


def squat(tmpdir):
    """TMPDIR's pwman-gpg-<uid>, held by another user."""
    squatted = tmpdir / ("pwman-gpg-%d" % os.getuid())
    squatted.mkdir(mode=0o700)
    os.chown(str(squatted), SQUATTER, SQUATTER)


def in_private_shm(cmd, listing):
    """`cmd` in a mount namespace whose /dev/shm is its own, /dev/shm/pwman-gpg-<uid> held by another user."""
    script = PRIVATE_SHM.format(uid=os.getuid(), squatter=SQUATTER, listing=listing)
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"] + cmd


def playbook_cmd(play):
    return ["ansible-playbook", "-i", "localhost,", "-c", "local", play]


def run_env(server_env, tmpdir, xdg=None):
    env = ansible_env(server_env)
    env.pop("XDG_RUNTIME_DIR", None)
    if xdg:
        env["XDG_RUNTIME_DIR"] = xdg
    env["TMPDIR"] = str(tmpdir)
    return env


LOOKUP = """
    - name: read
      ansible.builtin.debug:
        msg: "RESULT=<<{{ lookup('pwman.secrets.passbolt', 'legacy-string') }}>>"
"""


@pytest.mark.skipif(not can_unshare("-m"), reason="needs root and unshare -m (a private /dev/shm)")
def test_squatted_places_fail_clearly_and_no_other_place_is_used(pb, tmp_path, tmpdir_short):  # noqa: F811
    tmpdir = tmpdir_short
    squat(tmpdir)
    listing = tmp_path / "shm-listing"
    play = write_play(LOOKUP)
    try:
        done = subprocess.run(in_private_shm(playbook_cmd(play), str(listing)), env=run_env(pb.env, tmpdir),
                              capture_output=True, text=True, timeout=300, check=False)
    finally:
        os.unlink(play)
    shown = done.stdout + done.stderr
    assert done.returncode != 0 and "RESULT=<<legacy" not in shown, shown
    uid = os.getuid()
    assert "/dev/shm/pwman-gpg-%d (it is owned by uid %d)" % (uid, SQUATTER) in shown, shown
    assert "%s/pwman-gpg-%d (it is owned by uid %d)" % (tmpdir, uid, SQUATTER) in shown, shown
    assert "Set XDG_RUNTIME_DIR or TMPDIR" in shown, shown
    assert sorted(os.listdir(str(tmpdir))) == ["pwman-gpg-%d" % uid], "a home went to an undocumented place"
    assert not os.listdir(str(tmpdir / ("pwman-gpg-%d" % uid)))
    assert [n for n in listing.read_text().split() if n.startswith("pwman")] == ["pwman-gpg-%d" % uid]


def gpg_agents_of(path):
    """The gpg-agent processes whose command line names `path` (their home)."""
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                cmdline = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        if "gpg-agent" in cmdline and path in cmdline:
            found.append(int(pid))
    return found


@pytest.mark.skipif(not can_unshare("-m"), reason="needs root and unshare -m (a private /dev/shm)")
def test_a_fallback_home_left_by_sigkill_is_removed_by_the_next_run(pb, tmp_path, tmpdir_short):  # noqa: F811
    """/dev/shm is taken: the home goes to $TMPDIR/pwman-gpg-<uid> (documented). Its owner is killed outright;
    the next run, whose own homes go to $XDG_RUNTIME_DIR, removes it and its gpg-agent."""
    tmpdir = tmpdir_short
    base = tmpdir / ("pwman-gpg-%d" % os.getuid())
    pb.add_faults({"kind": "latency", "path": "/resources\\.json", "delay": 30, "count": 1})
    play = write_play("    - pwman.secrets.passbolt_resource_info: {name: legacy-string}\n")
    proc = subprocess.Popen(in_private_shm(playbook_cmd(play), str(tmp_path / "listing")),  # pylint: disable=consider-using-with
                            env=run_env(dict(pb.env, PWMAN_SECRETS_CACHE="false"), tmpdir),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        stale = None
        deadline = time.time() + 60
        while stale is None and time.time() < deadline:
            stale = next(iter(glob.glob(str(base / "[0-9]*-*"))), None)
            time.sleep(0.1)
        assert stale, "no GnuPG home in %s" % base
        deadline = time.time() + 30
        while not gpg_agents_of(stale) and time.time() < deadline:
            time.sleep(0.1)
        assert gpg_agents_of(stale), "the home has no gpg-agent yet"
        os.kill(int(os.path.basename(stale).split("-")[0]), signal.SIGKILL)
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        pb.clear_faults()
        os.unlink(play)
    assert os.path.isdir(stale) and gpg_agents_of(stale)  # SIGKILL leaves both behind...
    runtime = tempfile.mkdtemp(prefix="pw23-run-", dir="/dev/shm")
    play = write_play(LOOKUP)
    try:
        done = subprocess.run(playbook_cmd(play), env=run_env(dict(pb.env, PWMAN_SECRETS_CACHE="false"), tmpdir,
                                                              xdg=runtime),
                              capture_output=True, text=True, timeout=300, check=False)
        assert "RESULT=<<legacy-string-pw-1>>" in done.stdout, done.stdout + done.stderr
        assert not os.path.exists(stale), "the next run left the stale home in the fallback place"
        deadline = time.time() + 10
        while gpg_agents_of(stale) and time.time() < deadline:
            time.sleep(0.1)
        assert not gpg_agents_of(stale), "the stale home's gpg-agent still runs"
    finally:
        os.unlink(play)
        shutil.rmtree(runtime, ignore_errors=True)


OWNER = r"""
import sys
from ansible_collections.pwman.secrets.plugins.module_utils._gpg import GpgContext
key_file, passphrase = sys.argv[1], sys.argv[2]
context = GpgContext()
with open(key_file, encoding="utf-8") as handle:
    context.load_user_key(handle.read(), passphrase)
print(context.home, flush=True)
sys.stdin.readline()
try:
    context.sign_clear("signed after the sweep")
    print("SIGNED", flush=True)
except Exception as exc:
    print("FAILED %s: %s" % (type(exc).__name__, exc), flush=True)
context.close()
"""
SWEEPER = r"""
from ansible_collections.pwman.secrets.plugins.module_utils._gpg import remove_stale_homes
print("REMOVED=%d" % remove_stale_homes())
"""


@pytest.mark.skipif(not can_unshare("--pid", "--fork", "--mount-proc"),
                    reason="needs root and unshare --pid (a second PID namespace)")
def test_a_client_in_another_pid_namespace_keeps_a_live_home_and_removes_a_dead_one(pb, tmp_path):  # noqa: F811
    user = pb_users(pb)["ada"]
    key_file = tmp_path / "key.asc"
    key_file.write_text(user["private_key"])
    runtime = tempfile.mkdtemp(prefix="pw23-ns-", dir="/dev/shm")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_RUNTIME_DIR": runtime, "PYTHONPATH": COLLECTIONS}
    owners = []
    try:
        for dummy in range(2):
            owner = subprocess.Popen([sys.executable, "-c", OWNER, str(key_file), user["passphrase"]],  # pylint: disable=consider-using-with
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            owners.append((owner, owner.stdout.readline().strip()))
        (live, live_home), (dead, dead_home) = owners
        assert os.path.isdir(live_home) and os.path.isdir(dead_home)
        dead.kill()  # killed outright: its home stays, with its gpg-agent
        dead.wait()
        # Containers sharing the runtime directory: in the sweeper's PID namespace, neither owner's pid exists.
        sweep = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-c", SWEEPER],
                               env=env, capture_output=True, text=True, timeout=120, check=False)
        assert sweep.returncode == 0, sweep.stderr
        assert os.path.isdir(live_home), "a live home was removed from another PID namespace"
        assert not os.path.exists(dead_home), "the home of a process killed outright stays"
        live.stdin.write("go\n")
        live.stdin.flush()
        assert live.stdout.readline().strip() == "SIGNED", "the owner's next signature failed"
        live.wait(60)
    finally:
        for owner, dummy in owners:
            if owner.poll() is None:
                owner.kill()
                owner.wait()
        shutil.rmtree(runtime, ignore_errors=True)
    print(json.dumps(sweep.stdout))
