"""Errors that say what to fix (issue 24, point 5): each case names the option, the environment variable or the
value to write, for the lookup and for a module of the product.
"""

from __future__ import annotations

import json

import pytest

from integration.reliability import assert_clean_errors, run_tasks

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def servers(sandbox_factory):
    return {product: sandbox_factory(product) for product in ("opp", "passwordstate", "passbolt")}


def failing(label, task):
    return """
    - name: %s
%s      register: %s
      ignore_errors: true
""" % (label, task, "hint_" + label)


def checks(expected):
    """An assert task: each registered result failed and its message holds each text."""
    pairs = [["hint_" + label, text] for label, texts in expected.items() for text in texts]
    return """
    - name: The messages say what to fix
      ansible.builtin.assert:
        that:
          - lookup('ansible.builtin.vars', item.0) is failed
          - item.1 in lookup('ansible.builtin.vars', item.0).msg
        fail_msg: "{{ item.0 }}: {{ lookup('ansible.builtin.vars', item.0).msg | default('') }}"
      loop: %s
""" % json.dumps(pairs)


def run(tasks, expected, env):
    result = run_tasks(tasks + checks(expected), env)
    assert result.rc == 0, result
    assert_clean_errors(result)
    return result


def test_unset_passbolt_passphrase_names_the_variable(servers):
    env = {k: v for k, v in servers["passbolt"].env.items() if k != "PASSBOLT_PASSPHRASE"}
    tasks = failing("lookup", "      ansible.builtin.set_fact:\n        x: \"{{ lookup('pwman.secrets.passbolt', 'db-primary') }}\"\n") \
        + failing("module", "      pwman.secrets.passbolt_resource_info:\n        name: db-primary\n")
    hint = "needs a passphrase and none was given. Set option 'passphrase' (or the PASSBOLT_PASSPHRASE environment variable)"
    run(tasks, {"lookup": [hint], "module": [hint]}, env)


def test_unset_passwordstate_key_names_the_variable(servers):
    env = {k: v for k, v in servers["passwordstate"].env.items() if k != "PASSWORDSTATE_API_KEY"}
    tasks = failing("lookup", "      ansible.builtin.set_fact:\n        x: \"{{ lookup('pwman.secrets.passwordstate', 'web') }}\"\n") \
        + failing("module", "      pwman.secrets.passwordstate_password_info:\n        title: web\n") \
        + failing("no_list", "      pwman.secrets.passwordstate_password_info:\n        password_id: 5001\n"
                             "        list_id: null\n")
    hint = "set option 'api_key' (or the PASSWORDSTATE_API_KEY environment variable)"
    run(tasks, {"lookup": ["No API key for Password List 11: " + hint], "module": [hint], "no_list": ["PASSWORDSTATE_API_KEY"]},
        env)


def test_https_to_an_http_port_says_the_port_speaks_http(servers):
    env = dict(servers["opp"].env)
    url = env["OPP_BASE_URL"].replace("http://", "https://")
    tasks = failing("lookup", "      ansible.builtin.set_fact:\n        x: \"{{ lookup('pwman.secrets.opp', 'wifi', base_url='%s', retries=0) }}\"\n" % url) \
        + failing("module", "      pwman.secrets.opp_item_info:\n        base_url: %s\n        retries: 0\n" % url)
    hint = "that port speaks plain http. Use an http:// base_url for it"
    result = run(tasks, {"lookup": [hint], "module": [hint]}, env)
    assert "Set ca_path" not in result.stdout


def test_opp_field_word_chars_and_duplicate_categories(servers):
    env = dict(servers["opp"].env)
    tasks = failing("field", "      ansible.builtin.set_fact:\n        x: \"{{ lookup('pwman.secrets.opp', 'wifi', field='pin') }}\"\n") \
        + failing("bad_regex", "      pwman.secrets.opp_item:\n        name: hints\n        generate_password: true\n"
                               "        word_chars: '[a-z'\n") \
        + failing("no_word", "      pwman.secrets.opp_item:\n        name: hints\n        generate_password: true\n"
                             "        word_chars: '[0-9]'\n") \
        + failing("category", "      ansible.builtin.set_fact:\n        x: \"{{ lookup('pwman.secrets.opp', 'admin console', category='Web') }}\"\n") \
        + """
    - name: One of the two categories called Web, by id
      ansible.builtin.assert:
        that: lookup('pwman.secrets.opp', 'admin console', category='id:3', field='url') == 'https://web.example/admin'
"""
    run(tasks, {
        "field": ["Option 'field' must be one of password, username, account, url, blob, name, id, category, all, "
                  "got 'pin'"],
        "bad_regex": ["Option 'word_chars' is not a valid regular expression", "such as '[a-z]'"],
        "no_word": ["failed to generate a password", "word_chars"],
        "category": ["2 OPP categories are named 'Web' (ids 3, 4); choose one with category='id:3'"],
    }, env)
