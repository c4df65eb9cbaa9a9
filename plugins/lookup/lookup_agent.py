# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: lookup_agent
author: pwman.secrets contributors (@pwman)
short_description: Show what this user's lookup agents hold, or stop them
version_added: 0.1.0
description:
  - The collection's lookups keep their logged-in sessions in a per-user lookup agent on the controller
    (their C(cache) option, on by default). This lookup shows those agents or stops them.
  - V(status) gives one entry per agent of the user (every copy and version of the collection, every Python)
    with the code it runs, its age, and its sessions by lookup and server. It never shows a credential or an answer.
  - V(stop) stops each of them and returns once they are gone, their sessions closed, their GnuPG homes and
    gpg-agents removed and their answers dropped. The next lookup starts a new agent.
  - It never starts an agent, and it finds the agents where the lookups put them (C(PWMAN_SECRETS_RUNTIME_DIR),
    C(XDG_RUNTIME_DIR) or the temporary directory, as the run that calls it sets them).
options:
  _terms:
    description: One word, V(status) or V(stop).
    type: list
    elements: str
    required: true
notes:
  - From a shell, C(ansible localhost -m ansible.builtin.debug -a "msg={{ query('pwman.secrets.lookup_agent', 'stop') }}").
  - docs/security.md in the collection says what the agent keeps and for how long.
"""

EXAMPLES = r"""
- name: What the lookup agents hold
  ansible.builtin.debug:
    msg: "{{ query('pwman.secrets.lookup_agent', 'status') }}"

- name: Stop them (at the end of a play that must leave no session behind)
  ansible.builtin.debug:
    msg: "{{ query('pwman.secrets.lookup_agent', 'stop') | length }} agent(s) stopped"
"""

RETURN = r"""
_raw:
  description: One entry per agent of the user.
  type: list
  elements: dict
  contains:
    socket:
      description: The agent's Unix socket.
      type: str
    pid:
      description: The agent's process id.
      type: int
    this_collection:
      description: Whether the agent runs the code of the collection that answered this lookup.
      type: bool
    code:
      description: The real path of the collection whose code the agent runs.
      type: str
    version:
      description: That collection's version.
      type: str
    python:
      description: The Python interpreter the agent runs in.
      type: str
    age_seconds:
      description: Seconds since the agent started.
      type: int
    idle_seconds:
      description: Seconds since its last lookup.
      type: int
    sessions:
      description: Its open sessions, each one user logged in to one server.
      type: list
      elements: dict
      contains:
        lookup:
          description: The lookup that opened it (V(passbolt), V(passwordstate), V(opp), ...).
          type: str
        server:
          description: The server's URL.
          type: str
        idle_seconds:
          description: Seconds since the session was last used.
          type: int
    answers:
      description: How many answers it keeps for runs still going.
      type: int
    dumpable:
      description: Whether its memory could be dumped (false; null where the system cannot tell).
      type: bool
    stopped:
      description: With V(stop), true once the agent is gone.
      type: bool
    error:
      description: Why an agent did not answer (one of an older version knows no V(status)).
      type: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.pwman.secrets.plugins.plugin_utils import _agent_client

SHOWN = ("socket", "pid", "code", "version", "python", "age_seconds", "idle_seconds", "sessions", "answers",
         "dumpable", "error")


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        words = [str(term).strip() for term in terms or []]
        if len(words) != 1 or words[0] not in ("status", "stop"):
            raise AnsibleLookupError("give one term, 'status' or 'stop'; got %r" % (words,))
        try:
            identity = _agent_client.identity_and_socket()[0]
            answers = _agent_client.each_agent(words[0])
        except _agent_client.AgentUnavailable as exc:
            raise AnsibleLookupError(str(exc)) from None
        shown = []
        for answer in answers:
            entry = {key: answer[key] for key in SHOWN if key in answer}
            entry["this_collection"] = answer.get("identity") == identity
            if words[0] == "stop":
                entry["stopped"] = bool(answer.get("ok"))
            shown.append(entry)
        return shown
