"""Issue 16: a failing lookup names the plugin once (Ansible already says "The lookup plugin 'x' failed")."""

from __future__ import annotations

import json

import pytest

from integration.reliability import run_tasks

pytestmark = pytest.mark.filterwarnings("ignore")

PLUGINS = ("pwman.secrets.opp", "pwman.secrets.passbolt", "pwman.secrets.passwordstate")


def test_lookup_error_names_the_plugin_once(tmp_path):
    out = tmp_path / "msgs.json"
    tasks = ""
    for index, plugin in enumerate(PLUGINS):
        # no server configured: the plugin's own error
        tasks += """
    - ansible.builtin.set_fact:
        x: "{{ lookup('%s', 'x', base_url='') }}"
      ignore_errors: true
      register: r%d
""" % (plugin, index)
    tasks += """
    - ansible.builtin.copy:
        content: "{{ [r0.msg, r1.msg, r2.msg] | to_json }}"
        dest: %s
""" % out
    result = run_tasks(tasks, {})
    assert result.rc == 0, result
    for plugin, msg in zip(PLUGINS, json.loads(out.read_text())):
        assert "The lookup plugin '%s' failed: " % plugin in msg, msg
        assert msg.count(plugin) == 1, msg
