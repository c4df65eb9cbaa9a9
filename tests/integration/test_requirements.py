"""Issue 16: the runtime requirements.

- requests is required at a version that fixes CVE-2023-32681, CVE-2024-35195 and CVE-2024-47081 (2.32.4);
- requests-ntlm is an optional runtime requirement (requirements-ntlm.txt), documented with `auth: windows`;
  without it a lookup and a module with `auth: windows` fail with a clear message naming the package.
"""

from __future__ import annotations

import os
import re

import pytest

from integration.conftest import REPO
from integration.reliability import assert_clean_errors, run_tasks

pytestmark = pytest.mark.filterwarnings("ignore")

FIXED_REQUESTS = (2, 32, 4)


def requirement_lines(name):
    with open(os.path.join(REPO, name), encoding="utf-8") as handle:
        return [line.split("#", 1)[0].strip() for line in handle if line.split("#", 1)[0].strip()]


def test_requests_pinned_to_a_fixed_version():
    specs = [line for line in requirement_lines("requirements.txt") if re.match(r"requests\b(?!-)", line)]
    assert len(specs) == 1, specs
    found = re.fullmatch(r"requests\s*>=\s*(\d+)\.(\d+)\.(\d+)", specs[0])
    assert found, "requests must have a minimum version: %r" % specs[0]
    assert tuple(int(n) for n in found.groups()) >= FIXED_REQUESTS, specs[0]


def test_requests_ntlm_is_an_optional_runtime_requirement():
    assert not any(line.startswith("requests-ntlm") for line in requirement_lines("requirements.txt"))
    assert any(line.startswith("requests-ntlm") for line in requirement_lines("requirements-ntlm.txt"))
    assert "-r requirements-ntlm.txt" in requirement_lines("requirements-dev.txt")
    with open(os.path.join(REPO, "plugins", "doc_fragments", "passwordstate.py"), encoding="utf-8") as handle:
        fragment = handle.read()
    auth_doc = fragment[fragment.index("  auth:"):]
    assert "requirements-ntlm.txt" in auth_doc and "requests_ntlm" in auth_doc


@pytest.fixture(scope="module")
def server(sandbox_factory):
    return sandbox_factory("passwordstate")


def test_auth_windows_without_requests_ntlm(server, tmp_path):
    """A requests_ntlm that cannot be imported (shadowed on PYTHONPATH), for the lookup and the module."""
    shadow = tmp_path / "shadow" / "requests_ntlm"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named requests_ntlm')\n")
    env = dict(server.env, PYTHONPATH=str(tmp_path / "shadow") + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PASSWORDSTATE_AUTH="windows", PASSWORDSTATE_WINDOWS_USERNAME="DEMO\\ansible",
               PASSWORDSTATE_WINDOWS_PASSWORD="Win-Ansible-Pass-7")
    result = run_tasks("""
    - name: lookup
      ansible.builtin.set_fact:
        x: "{{ lookup('pwman.secrets.passwordstate', 'web') }}"
      ignore_errors: true
      register: by_lookup
    - name: module
      pwman.secrets.passwordstate_password_info:
        password_id: 5001
      ignore_errors: true
      register: by_module
    - ansible.builtin.assert:
        that:
          - by_lookup is failed and by_module is failed
          - "'auth=windows needs the Python package requests_ntlm (pip install requests-ntlm)' in by_lookup.msg"
          - "'auth=windows needs the Python package requests_ntlm (pip install requests-ntlm)' in by_module.msg"
""", env)
    assert result.rc == 0, result
    assert "Win-Ansible-Pass-7" not in result.stdout + result.stderr
    assert_clean_errors(result)
