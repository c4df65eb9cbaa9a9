# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side base class for the collection's lookups.

A lookup implements `lookup(terms, options)` and gets its product client through
`self.cached_client(options, factory)`. With the `cache` option on (the default for
lookups that declare it), `run()` hands the work to the per-user agent
(plugin_utils/_agent.py), which keeps clients logged in across Ansible's forked
workers; otherwise, or when the agent cannot be used, the lookup runs in-process.
"""

from __future__ import annotations

import hashlib
import json
import threading

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.pwman.secrets.plugins.plugin_utils import _agent_client as _agent

display = Display()


class PwmanLookupBase(LookupBase):
    """Loads options from keywords, vars, env and ini, then runs `lookup()` with clear errors."""

    # Options that only shape one call's answer; all others identify the client session.
    CALL_OPTIONS = ()
    # Answers that change with time (one-time codes) are never reused within a run.
    TIME_BASED_FIELDS = ("totp", "otp")
    # False for lookups whose every call must reach the server (e.g. password generators).
    CACHE_RESULTS = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._session_locks = {}
        self._locks_guard = threading.Lock()
        self._generation = 0
        self._client_generation = {}

    @property
    def short_name(self):
        return (self._load_name or type(self).__module__).rsplit(".", 1)[-1]

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        unknown = sorted(set(kwargs) - set(self._options))
        if unknown:
            raise AnsibleLookupError("%s: unknown option%s %s; see ansible-doc -t lookup %s"
                                     % (self._load_name, "s" if len(unknown) > 1 else "",
                                        ", ".join(repr(name) for name in unknown), self._load_name))
        if self._agent_enabled():
            answer = self._ask_agent(terms)
            if answer is not None:
                if answer.get("ok"):
                    return answer["result"]
                raise AnsibleLookupError("%s: %s" % (self._load_name, answer.get("error")))
        # Imported here: a worker that asks the agent never loads them.
        from ansible_collections.pwman.secrets.plugins.module_utils._errors import PwmanError  # pylint: disable=import-outside-toplevel
        from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter  # pylint: disable=import-outside-toplevel

        try:
            return self.lookup(terms, OptionAdapter.from_plugin(self))
        except PwmanError as exc:
            raise AnsibleLookupError("%s: %s" % (self._load_name, exc)) from None
        finally:
            self.clients_close()

    def lookup(self, terms, options):
        raise NotImplementedError

    # -- agent ------------------------------------------------------------------------
    def _agent_enabled(self):
        try:
            return bool(self.get_option("cache"))
        except KeyError:
            return False

    def _plain_options(self):
        return {name: value for name, value in self._options.items() if name != "cache"}

    def _ask_agent(self, terms):
        try:
            return _agent.request({"op": "lookup", "plugin": self.short_name, "run": _agent.run_id(),
                                   "options": self._plain_options(), "terms": list(terms)})
        except _agent.AgentUnavailable as exc:
            display.vvv("%s: lookup agent unavailable (%s); running in-process" % (self._load_name, exc))
            return None

    def run_in_agent(self, terms, options):
        """Called by the agent: one lookup, serialised per client session; returns (result, cacheable)."""
        key = self._client_key(options)
        with self._session_lock(key):
            client = self._clients.get(key)
            if client is not None and self._client_generation.get(key) != self._generation:
                forget = getattr(client, "forget_data", None)
                if forget:
                    forget()
            self._client_generation[key] = self._generation
            from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter  # pylint: disable=import-outside-toplevel

            result = self.lookup(terms, OptionAdapter.from_dict(dict(options)))
        return result, self.CACHE_RESULTS and options.get("field") not in self.TIME_BASED_FIELDS

    # -- clients ----------------------------------------------------------------------
    def _client_key(self, options):
        if not isinstance(options, dict):
            options = options.as_dict()
        session = {k: v for k, v in options.items() if k not in self.CALL_OPTIONS and k != "cache"}
        return hashlib.sha256(json.dumps(session, sort_keys=True, default=str).encode("utf-8")).hexdigest()

    def _session_lock(self, key):
        with self._locks_guard:
            return self._session_locks.setdefault(key, threading.RLock())

    def cached_client(self, options, factory):
        """The client for these connection options: made once, reused while the agent lives."""
        key = self._client_key(options)
        client = self._clients.get(key)
        if client is None:
            client = factory(options)
            self._clients[key] = client
        return client

    def clients_forget_data(self):
        """Clients drop data cached from the server before their next use (see run_in_agent)."""
        self._generation += 1

    def clients_close(self):
        clients, self._clients = self._clients, {}
        for client in clients.values():
            close = getattr(client, "close", None)
            if close:
                try:
                    close()
                except Exception:  # pylint: disable=broad-except
                    pass
