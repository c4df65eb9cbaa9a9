"""ansible-lint passes at the root of the collection as ansible-galaxy installs it (issue 24, point 8), with the
production profile: the tarball carries .ansible-lint, which leaves out the test targets and the changelogs."""

from __future__ import annotations

import glob
import os
import subprocess

import pytest

from integration.conftest import REPO

pytestmark = pytest.mark.filterwarnings("ignore")


def test_ansible_lint_passes_at_the_installed_collection_root(tmp_path):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections"), ANSIBLE_NOCOLOR="1")
    subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", str(tmp_path), REPO], env=env,
                   capture_output=True, check=True, timeout=300)
    tarball = glob.glob(str(tmp_path / "pwman-secrets-*.tar.gz"))[0]
    installed = subprocess.run(["ansible-galaxy", "collection", "install", "-p", str(tmp_path / "collections"), tarball],
                               env=env, capture_output=True, text=True, check=True, timeout=300)
    assert "WARNING" not in installed.stderr, installed.stderr
    root = tmp_path / "collections" / "ansible_collections" / "pwman" / "secrets"
    assert (root / ".ansible-lint").is_file()
    for profile in ([], ["--profile", "production"]):
        lint = subprocess.run(["ansible-lint", "--offline", "--nocolor"] + profile, cwd=str(root), env=env,
                              capture_output=True, text=True, timeout=900, check=False)
        assert lint.returncode == 0, lint.stdout[-6000:] + lint.stderr[-3000:]
        assert "Profile 'production' was required, and it passed" in lint.stdout + lint.stderr, lint.stderr[-3000:]
