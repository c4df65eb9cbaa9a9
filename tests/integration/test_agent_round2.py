"""Issue #23 (2, 3, 4): the lookup agent attacked again, on the local servers.

Each test is one attack: a file swapped at a path with a line break, a second copy of the collection, a
core dump of the agent, an agent that outlives its last session. Every test gets its own runtime
directory (its own agent) and stops it at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile

import pytest

from integration.test_agent_security import agent_env, pb_users, read
from sandbox import harness

pytestmark = [pytest.mark.filterwarnings("ignore"), pytest.mark.xdist_group("gpg-homes")]


@pytest.fixture()
def agent_dir():
    path = tempfile.mkdtemp(prefix="pw23-")
    yield path
    harness.stop_lookup_agents(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def pb(sandbox_factory):
    return sandbox_factory("passbolt", seed="test")


@pytest.fixture(scope="module")
def opp(sandbox_factory):
    return sandbox_factory("opp")


# -- 4. a path with a line break ------------------------------------------------------------------------------

def test_key_swap_at_a_path_with_a_line_break(pb, agent_dir, tmp_path):
    users = pb_users(pb)
    folder = tmp_path / "deploy\nkeys"
    folder.mkdir()
    key_file = folder / "deploy.asc"
    key_file.write_text(users["ada"]["private_key"])
    env = agent_env({k: v for k, v in pb.env.items() if k not in ("PASSBOLT_PRIVATE_KEY", "PASSBOLT_USER_ID")},
                    agent_dir, PASSBOLT_PRIVATE_KEY_FILE=str(key_file))
    value, error, dummy = read("lookup('pwman.secrets.passbolt', 'legacy-string')", env)
    assert value == "legacy-string-pw-1", error
    key_file.write_text(users["betty"]["private_key"])  # another user's key, at the same path
    value, error, result = read("lookup('pwman.secrets.passbolt', 'legacy-string')", env)
    assert value is None, "the swapped key was answered from the first key's session"
    assert "passphrase" in error, result


def test_ca_swap_at_a_path_with_a_line_break(sandbox_factory, agent_dir, tmp_path):
    server = sandbox_factory("opp", tls=True)
    other = sandbox_factory("opp", tls=True)  # another throw-away CA
    folder = tmp_path / "trust\nstore"
    folder.mkdir()
    bundle = folder / "ca.pem"
    shutil.copy(server.ca_path, str(bundle))
    env = agent_env(dict(server.env, PW23_CA=str(bundle)), agent_dir)
    expr = "lookup('pwman.secrets.opp', 'Wells Fargo', retries=0, ca_path=lookup('ansible.builtin.env', 'PW23_CA'))"
    value, error, dummy = read(expr, env)
    assert value == "wf-Secret-1!", error
    shutil.copy(other.ca_path, str(bundle))
    value, error, result = read(expr, env)
    assert value is None, "a session verified with the old CA bundle was reused"
    assert "TLS error" in error, result


def agent_sockets(agent_dir):
    return glob.glob(os.path.join(agent_dir, "*", "agent-*.sock"))
