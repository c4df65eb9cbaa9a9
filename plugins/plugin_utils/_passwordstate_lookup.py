# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The work of the pwman.secrets.passwordstate lookup. Loaded only where the lookup really runs (the lookup
agent, or the worker when the agent is off), never just to ask the agent."""

from __future__ import annotations

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError
from ansible_collections.pwman.secrets.plugins.module_utils._passwordstate_client import (
    PasswordstateClient,
    public_record,
)
from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_runtime import LookupImplementation


def _is_id(term):
    return isinstance(term, int) and not isinstance(term, bool) or (isinstance(term, str) and term.strip().isdigit())


class PasswordstateLookup(LookupImplementation):
    CALL_OPTIONS = ("list_id", "username", "match_field", "match_value", "field")

    def lookup(self, terms, options):
        if not terms:
            raise ConfigError("Give at least one PasswordID or title.")
        list_id = options.get_option_default("list_id")
        if list_id is not None:
            try:
                list_id = int(list_id)
            except (TypeError, ValueError):
                raise ConfigError("Option 'list_id' must be a whole number, got %r." % (list_id,)) from None
            if list_id == 0:
                list_id = None
        username = options.get_option_default("username")
        match_field = options.get_option_default("match_field")
        match_value = options.get_option_default("match_value")
        if (match_field is None) != (match_value is None):
            raise ConfigError("Options 'match_field' and 'match_value' go together.")
        field = options.get_option_default("field", "password")
        client = self.runtime.cached_client(options, PasswordstateClient)
        results = []
        found = {}
        for term in terms:
            cache_key = str(term).strip()
            if cache_key not in found:
                if _is_id(term):
                    found[cache_key] = client.get_password(int(cache_key), list_id)
                else:
                    found[cache_key] = client.find_one(list_id, title=str(term), username=username,
                                                       match_field=match_field, match_value=match_value)
            record = found[cache_key]
            results.append(self._extract(client, record, field))
        return results

    @staticmethod
    def _extract(client, record, field):
        name = str(field).strip()
        if name.lower() == "all":
            return public_record(record, client.date_format)
        if name.lower() == "otp":
            return client.one_time_password(record)
        return client.field_value(record, name)


IMPLEMENTATION = PasswordstateLookup
