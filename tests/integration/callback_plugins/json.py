# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: a `json` stdout callback for the leak scan, as ansible.posix.json behaves (that collection is not
installed here): every task result of every host, as the strategy hands it to the callback, printed as one JSON
document when the run ends. Only what the callback is given is printed, so it shows what such a callback (or a
tool that stores results, like AWX) would keep."""

from __future__ import annotations

import json

from ansible.parsing.ajson import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: json
type: stdout
short_description: every task result as one JSON document (test helper)
description: Prints every task result, per play and task, as one JSON document at the end of the run.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "json"

    def __init__(self):
        super().__init__()
        self.plays = []

    def v2_playbook_on_play_start(self, play):
        self.plays.append({"play": play.get_name(), "tasks": []})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.plays[-1]["tasks"].append({"task": task.get_name(), "hosts": {}})

    def _record(self, result, status):
        entry = dict(result._result)  # pylint: disable=protected-access
        entry["status"] = status
        self.plays[-1]["tasks"][-1]["hosts"].setdefault(result._host.get_name(), []).append(entry)  # pylint: disable=protected-access

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_item_on_ok(self, result):
        self._record(result, "item ok")

    def v2_runner_item_on_failed(self, result):
        self._record(result, "item failed")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        summary = {host: stats.summarize(host) for host in sorted(stats.processed)}
        self._display.display(json.dumps({"plays": self.plays, "stats": summary}, cls=AnsibleJSONEncoder,
                                         indent=2, sort_keys=True))
