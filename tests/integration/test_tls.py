"""Issue #9: TLS. Per product, the server on HTTPS with a throw-away CA and a certificate for
`localhost` only:

- default validate_certs refuses the unknown CA with a clear message (names TLS and ca_path);
- ca_path with the right name (https://localhost) works, for a lookup and for a module;
- the same certificate reached as https://127.0.0.1 (a certificate for another name) is refused
  even with ca_path; so is an OPP server whose certificate is for "wrong.example";
- Passbolt: server-key pinning refuses a swapped server key (admin rotate-server-key).
"""

from __future__ import annotations

import json

import pytest

from integration.reliability import run_tasks

pytestmark = pytest.mark.filterwarnings("ignore")

LOOKUPS = {
    "opp": ("lookup('pwman.secrets.opp', 'Wells Fargo'%s)", "wf-Secret-1!", "opp_item_info", {"name": "Wells Fargo"}),
    "passwordstate": ("lookup('pwman.secrets.passwordstate', 'web'%s)", "Web-Alice-Pass-1",
                      "passwordstate_password_info", {"title": "web"}),
    "passbolt": ("lookup('pwman.secrets.passbolt', 'legacy-string'%s)", "legacy-string-pw-1",
                 "passbolt_resource_info", {"name": "legacy-string"}),
}
URL_VAR = {"opp": "OPP_BASE_URL", "passwordstate": "PASSWORDSTATE_BASE_URL", "passbolt": "PASSBOLT_BASE_URL"}


def q(text):
    return "'%s'" % text


def tls_tasks(product, server, extra_checks="", good_url=None, wrong=None):
    """`wrong`: (base_url, ca_path) of a certificate for another name (default: this server at 127.0.0.1)."""
    expr, expected, info_module, info_args = LOOKUPS[product]
    good_url = good_url or server.base_url.replace("127.0.0.1", "localhost")
    wrong_url, wrong_ca = wrong or (server.base_url, server.ca_path)
    module_args = dict(info_args, base_url=good_url, ca_path=server.ca_path)
    return """
    - name: default validate_certs, unknown CA
      ansible.builtin.set_fact:
        x: "{{{{ {default} }}}}"
      ignore_errors: true
      register: untrusted
    - name: ca_path, but a certificate for another name
      ansible.builtin.set_fact:
        x: "{{{{ {wrong} }}}}"
      ignore_errors: true
      register: wrong_name
    - name: module through ca_path
      pwman.secrets.{info_module}: {module_args}
      register: info
    - ansible.builtin.assert:
        that:
          - untrusted is failed
          - "'TLS error' in untrusted.msg and 'certificate verify failed' in untrusted.msg"
          - "'ca_path' in untrusted.msg"
          - wrong_name is failed
          - "'TLS error' in wrong_name.msg"
          - "'match' in wrong_name.msg or 'mismatch' in wrong_name.msg"
          - {good} == {expected}
          - info is not failed
{extra}
""".format(default=expr % ", retries=0", wrong=expr % (", retries=0, ca_path=%s, base_url=%s" % (q(wrong_ca), q(wrong_url))),
           good=expr % (", ca_path=%s, base_url=%s" % (q(server.ca_path), q(good_url))),
           expected=json.dumps(expected), info_module=info_module, module_args=json.dumps(module_args),
           extra=extra_checks)


def check(result):
    assert result.rc == 0, result
    assert "Traceback" not in result.stdout + result.stderr, result


@pytest.mark.parametrize("product", ["opp", "passwordstate"])
def test_tls(sandbox_factory, product):
    server = sandbox_factory(product, tls=True, tls_hostnames=["localhost"])
    assert server.base_url.startswith("https://127.0.0.1")
    tasks = tls_tasks(product, server)
    if product == "opp":
        other = sandbox_factory("opp", tls=True, tls_hostnames=["wrong.example"])
        tasks += """
    - name: a certificate for wrong.example
      ansible.builtin.set_fact:
        x: "{{{{ lookup('pwman.secrets.opp', 'Wells Fargo', retries=0, base_url={url}, ca_path={ca}) }}}}"
      ignore_errors: true
      register: wrong_example
    - ansible.builtin.assert:
        that:
          - wrong_example is failed
          - "'TLS error' in wrong_example.msg and 'match' in wrong_example.msg"
""".format(url=q(other.base_url.replace("127.0.0.1", "localhost")), ca=q(other.ca_path))
    check(run_tasks(tasks, server.env))


def test_tls_passbolt_and_pinning(sandbox_factory):
    # Passbolt checks the domain of a login against its own URL: the good server is reached as 127.0.0.1
    # (certificate for localhost and 127.0.0.1); the wrong name is a second server, for wrong.example.
    server = sandbox_factory("passbolt", seed="test", tls=True)
    other = sandbox_factory("passbolt", seed="test", tls=True, tls_hostnames=["wrong.example"])
    good_url = server.base_url
    check(run_tasks(tls_tasks("passbolt", server, good_url=good_url, wrong=(other.base_url, other.ca_path)),
                    server.env))
    server.admin("POST", "rotate-server-key", {})
    result = run_tasks("""
    - name: the server key changed under the pinned fingerprint
      ansible.builtin.set_fact:
        x: "{{{{ lookup('pwman.secrets.passbolt', 'legacy-string', ca_path={ca}, base_url={url}) }}}}"
      ignore_errors: true
      register: swapped
    - ansible.builtin.assert:
        that:
          - swapped is failed
          - "'fingerprint' in swapped.msg"
        fail_msg: "{{{{ swapped.msg }}}}"
""".format(ca=q(server.ca_path), url=q(good_url)), server.env)
    check(result)
