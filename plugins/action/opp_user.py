# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.pwman.secrets.plugins.plugin_utils._module_action import ModuleWithSettings


class ActionModule(ModuleWithSettings):
    """opp_user, with the settings the opp lookup reads (ansible_pwman_opp_* variables, ansible.cfg [pwman_opp])."""
