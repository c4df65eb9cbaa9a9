# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One way to read options, whether they come from a lookup plugin, a module or a plain dict.

Product clients take an OptionAdapter and never care where an option was set (term keyword,
vars, env, ini for lookups; parameters and env fallbacks for modules).
"""

from __future__ import annotations

_MISSING = object()


class OptionAdapter:
    def __init__(self, getter, setter, haver, lister=None):
        self._get = getter
        self._set = setter
        self._has = haver
        self._list = lister

    @classmethod
    def from_dict(cls, options):
        return cls(options.__getitem__, options.__setitem__, options.__contains__, lambda: dict(options))

    @classmethod
    def from_module(cls, module):
        return cls.from_dict(module.params)

    @classmethod
    def from_plugin(cls, plugin):
        def has(name):
            try:
                plugin.get_option(name)
            except KeyError:
                return False
            return True

        # AnsiblePlugin keeps the resolved options of the current call in _options.
        return cls(plugin.get_option, plugin.set_option, has,
                   lambda: dict(getattr(plugin, "_options", {})))  # pylint: disable=protected-access

    def has_option(self, name):
        return self._has(name)

    def get_option(self, name):
        return self._get(name)

    def get_option_default(self, name, default=None):
        if not self._has(name):
            return default
        value = self._get(name)
        return default if value is None else value

    def set_option(self, name, value):
        self._set(name, value)

    def as_dict(self):
        """Every option and its value (what identifies a client session, for instance)."""
        return self._list() if self._list else {}

    def get_options(self, *names):
        return {name: self.get_option_default(name) for name in names}
