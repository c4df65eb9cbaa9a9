# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the collection's modules: library checks and turning errors into fail_json."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.pwman.secrets.plugins.module_utils._agent_wire import notify_invalidate
from ansible_collections.pwman.secrets.plugins.module_utils._errors import PwmanError
from ansible_collections.pwman.secrets.plugins.module_utils._no_core import no_core_dumps

try:
    import requests  # noqa: F401  pylint: disable=unused-import
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()


def require_requests(module):
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)


def run_module(module, work):
    """Run `work()` and turn a PwmanError into a clean fail_json (no traceback, no secret).

    After a real change, a lookup agent on this host forgets its cached answers, so a lookup
    in a later task of the same run sees the new value.
    """
    require_requests(module)
    no_core_dumps(hard=True)  # the module's own process: it holds credentials and answers, and runs no task
    try:
        result = work()
    except PwmanError as exc:
        notify_invalidate()
        module.fail_json(msg=str(exc))
    if result.get("changed") and not module.check_mode:
        notify_invalidate()
    module.exit_json(**result)
