# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side base class for the collection's lookups."""

from __future__ import annotations

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.pwman.secrets.plugins.module_utils._errors import PwmanError
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter


class PwmanLookupBase(LookupBase):
    """Loads options from keywords, vars, env and ini, then runs `lookup()` with clear errors."""

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        options = OptionAdapter.from_plugin(self)
        try:
            return self.lookup(terms, options)
        except PwmanError as exc:
            raise AnsibleLookupError("%s: %s" % (self._load_name, exc)) from None
        except AnsibleError:
            raise

    def lookup(self, terms, options):
        raise NotImplementedError
