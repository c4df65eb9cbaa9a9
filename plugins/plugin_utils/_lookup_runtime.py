# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs a lookup's implementation with its product clients, in a worker (cache=false) or in the agent.

Imports nothing from Ansible: the agent process loads this module, the implementation and the
product clients only, and so starts in a fraction of the time an Ansible plugin import takes.
An implementation lives in plugin_utils/_<lookup name>_lookup.py and names its class IMPLEMENTATION.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import threading
import time

_IMPLEMENTATION_MODULE = "ansible_collections.pwman.secrets.plugins.plugin_utils._%s_lookup"


def options_key(values):
    """A digest of option values (and anything else JSON can show): equal options, equal keys."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def load_implementation(name):
    """The implementation class of the lookup `name` (its short name, e.g. passbolt)."""
    if not name.isidentifier():
        raise ValueError("bad lookup name")
    return importlib.import_module(_IMPLEMENTATION_MODULE % name).IMPLEMENTATION


class LookupImplementation:
    """Base of the implementations: what one lookup does with `self.runtime.cached_client(...)`."""

    # Options that only shape one call's answer; all others identify the client session.
    CALL_OPTIONS = ()
    # Answers that change with time (one-time codes) are never reused within a run.
    TIME_BASED_FIELDS = ("totp", "otp")
    # False for lookups whose every call must reach the server (e.g. password generators).
    CACHE_RESULTS = True

    def __init__(self, runtime, notes=None):
        self.runtime = runtime
        self.notes = notes if notes is not None else []

    def lookup(self, terms, options):
        raise NotImplementedError

    def prepare(self, options):
        """Open the session these options name ahead of the run's first lookup (the preload callback's login):
        what the first lookup would do before it can answer. Nothing by default (no login to make)."""

    def say(self, verbosity, text):
        """A message for the user at -v (1) to -vvv (3), or a warning (0). The lookup plugin shows it, also when the lookup ran
        in the agent (the answer carries it), and also when the lookup failed. Never a secret."""
        self.notes.append([int(verbosity), str(text)])


class LookupRuntime:
    """One implementation and the clients it made, one per distinct session (server, user, credentials)."""

    def __init__(self, implementation):
        self.implementation = implementation
        self._clients = {}
        self._session_locks = {}
        self._locks_guard = threading.Lock()
        self._generation = 0
        self._client_generation = {}
        self._last_used = {}

    def run(self, terms, options, notes=None):
        """One lookup in this process; `options` is an OptionAdapter; messages for the user go to `notes`."""
        return self.implementation(self, notes).lookup(terms, options)

    def run_in_agent(self, terms, options, notes=None):
        """One lookup in the agent, serialised per client session; returns (result, cacheable)."""
        result = self._in_session(options, lambda adapter: self.run(terms, adapter, notes))
        cacheable = self.implementation.CACHE_RESULTS and options.get("field") not in self.implementation.TIME_BASED_FIELDS
        return result, cacheable

    def prepare_in_agent(self, options):
        """The implementation's prepare() in the agent, in the session a lookup with these options uses."""
        self._in_session(options, lambda adapter: self.implementation(self).prepare(adapter))

    def _in_session(self, options, work):
        """work(OptionAdapter) serialised per client session, the session's data forgotten once per run."""
        from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError  # pylint: disable=import-outside-toplevel
        from ansible_collections.pwman.secrets.plugins.module_utils._options import (  # pylint: disable=import-outside-toplevel
            CREDENTIAL_DIGEST,
            OptionAdapter,
            credential_digest,
        )

        key = self.client_key(options)
        with self._session_lock(key):
            self._last_used[key] = time.time()
            client = self._clients.get(key)
            if client is None and CREDENTIAL_DIGEST in options and credential_digest(options) != options[CREDENTIAL_DIGEST]:
                # The session would be opened with files other than those the run named.
                raise ConfigError("A key, account kit or CA file named by the options changed during the lookup; "
                                  "run it again.")
            if client is not None and self._client_generation.get(key) != self._generation:
                forget = getattr(client, "forget_data", None)
                if forget:
                    forget()
            self._client_generation[key] = self._generation
            try:
                return work(OptionAdapter.from_dict(dict(options)))
            finally:
                self._last_used[key] = time.time()

    def client_key(self, options):
        if not isinstance(options, dict):
            options = options.as_dict()
        call_options = self.implementation.CALL_OPTIONS
        return options_key({k: v for k, v in options.items() if k not in call_options and k != "cache"})

    def _session_lock(self, key):
        with self._locks_guard:
            return self._session_locks.setdefault(key, threading.RLock())

    def cached_client(self, options, factory):
        """The client for these connection options: made once, reused while the runtime lives."""
        key = self.client_key(options)
        client = self._clients.get(key)
        if client is None:
            client = factory(options)
            self._clients[key] = client
        return client

    def open_sessions(self):
        """{client key: (its server, seconds since its last use)} of the sessions open now."""
        now = time.time()
        return {key: (_server(client), now - self._last_used.get(key, now)) for key, client in list(self._clients.items())}

    def touch(self, key):
        """An answer of the session `key` was served again (from the agent's cache): the session is in use."""
        if key in self._clients:
            self._last_used[key] = time.time()

    def clients_forget_data(self):
        """Clients drop data cached from the server before their next use (see run_in_agent)."""
        self._generation += 1

    def clients_close_idle(self, idle):
        """Close the sessions not used for `idle` seconds (their GnuPG homes go with them)."""
        now = time.time()
        for key, used in list(self._last_used.items()):
            if now - used <= idle:
                continue
            lock = self._session_lock(key)
            if not lock.acquire(blocking=False):
                continue  # in use right now
            try:
                if now - self._last_used.get(key, now) <= idle:
                    continue
                client = self._clients.pop(key, None)
                self._last_used.pop(key, None)
                self._client_generation.pop(key, None)
                _close(client)
            finally:
                lock.release()

    def clients_close(self):
        clients, self._clients = self._clients, {}
        for client in clients.values():
            _close(client)


def _server(client):
    """The server a client talks to, as a user would name it (no user name or password of a URL)."""
    url = str(getattr(client, "base_url", None) or getattr(getattr(client, "http", None), "base_url", None) or "")
    scheme, dummy, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return "%s://%s%s%s" % (scheme, host.rpartition("@")[2], slash, path) if rest else url


def _close(client):
    close = getattr(client, "close", None)
    if close:
        try:
            close()
        except Exception:  # pylint: disable=broad-except
            pass
