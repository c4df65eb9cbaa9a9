# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The work of the pwman.secrets.opp lookup. Loaded only where the lookup really runs (the lookup
agent, or the worker when the agent is off), never just to ask the agent."""

from __future__ import annotations

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError, NotFound
from ansible_collections.pwman.secrets.plugins.module_utils._opp_client import ID_REFERENCE, OppConnection
from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_runtime import LookupImplementation

FIELDS = ("password", "username", "account", "url", "blob", "name", "id", "category", "all")


def parse_term(term):
    """'id:12' -> (None, 12); anything else -> (name, None)."""
    if not isinstance(term, str) or not term.strip():
        raise ConfigError("Each term must be a non-empty item name or id:<number>, got %r." % (term,))
    match = ID_REFERENCE.match(term.strip())
    if match:
        return None, int(match.group(1))
    return term, None


class OppLookup(LookupImplementation):
    CALL_OPTIONS = ("category", "field")

    def lookup(self, terms, options):
        field = options.get_option_default("field", "password")
        if field not in FIELDS:
            raise ConfigError("Option 'field' must be one of %s, got %r." % (", ".join(FIELDS), field))
        category = options.get_option_default("category")
        wanted = [parse_term(term) for term in terms]
        if not wanted:
            return []
        conn = self.runtime.cached_client(options, OppConnection)
        reused = conn.has_snapshot()
        try:
            return self._answers(conn.snapshot(), wanted, category, field)
        except NotFound:
            if not reused:
                raise
            # Read earlier in this run (lookup agent): the item may be newer than that snapshot.
            conn.forget_data()
            return self._answers(conn.snapshot(), wanted, category, field)

    def prepare(self, options):
        """Log in and read what this run's lookups choose from."""
        self.runtime.cached_client(options, OppConnection).snapshot()

    @staticmethod
    def _answers(data, wanted, category, field):
        results = []
        for name, item_id in wanted:
            item = data.one_item(name=name, item_id=item_id, category=category)
            if item_id is not None and not data.in_category([item], category):
                raise NotFound("OPP item id %s is not in category %r." % (item_id, category))
            if field == "all":
                results.append(data.public_item(item, with_secrets=True))
            elif field == "category":
                results.append(data.category_name(item["category_id"]))
            else:
                results.append(item[field])
        return results


IMPLEMENTATION = OppLookup
