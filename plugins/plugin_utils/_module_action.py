# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of every module of the collection (plugins/action/<module>.py).

It runs the module as Ansible's `normal` action does, after adding the connection and credential options
the task does not set but `ansible_pwman_<product>_<option>` variables or `ansible.cfg` do, resolved on
the controller exactly as the product's lookup resolves them (plugin_utils/_settings.py). So a setting
that works for `lookup('pwman.secrets.opp', ...)` works for `pwman.secrets.opp_item_info` too.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible.plugins.loader import lookup_loader
from ansible.utils.vars import merge_hash

from ansible_collections.pwman.secrets.plugins.plugin_utils._settings import module_settings, task_environment

PRODUCTS = ("passwordstate", "passbolt", "opp")


def product_of(action):
    """pwman.secrets.passwordstate_password_info -> passwordstate"""
    name = str(action).rsplit(".", 1)[-1]
    for product in PRODUCTS:
        if name.startswith(product + "_"):
            return product
    raise ValueError("%s is not a module of a pwman.secrets product" % action)


class ModuleWithSettings(ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        action = getattr(self._task, "resolved_action", None) or self._task.action
        product = product_of(action)
        lookup = lookup_loader.get("pwman.secrets." + product)  # importing it registers its option definitions
        args = dict(self._task.args)
        args.update(module_settings(lookup._load_name, product, args, task_vars or {},  # pylint: disable=protected-access
                                    task_environment(self._task.environment, self._templar), self._templar))
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(module_args=args, task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)  # pylint: disable=protected-access
        return result
