# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenPassPhrase Item Lookup: one field of one OPP item, by name (and category) or id."""

from __future__ import annotations

from pwman_secrets_awx._backend import TLS_FIELDS, CredentialPlugin, LookupFailed, lookup_one, present, tls_options

NAME = "OpenPassPhrase Item Lookup"
# input id -> the client's option name
LOGIN = {"username": "login_username", "password": "login_password", "phrase": "phrase"}
FIELDS = ["password", "username", "account", "url", "blob", "name", "id", "category"]

INPUTS = {
    "fields": [
        # Same ids, labels and help as extensions/awx/credential_types/opp.yml.
        {"id": "base_url", "label": "OPP URL", "type": "string",
         "help_text": "Root URL of the OpenPassPhrase server (/api/v1 is added when missing)."},
        {"id": "username", "label": "Username", "type": "string"},
        {"id": "password", "label": "Password", "type": "string", "secret": True},
        {"id": "phrase", "label": "Secret phrase", "type": "string", "secret": True,
         "help_text": "Unlocks the user's encrypted data; never logged."},
    ] + TLS_FIELDS,
    "metadata": [
        {"id": "item", "label": "Item name or ID", "type": "string",
         "help_text": "The item's name, or id:<number> for its id."},
        {"id": "category", "label": "Category", "type": "string",
         "help_text": "Optional. Only items in this category."},
        {"id": "field", "label": "Field", "type": "string", "choices": FIELDS, "default": "password"},
    ],
    "required": ["base_url", "username", "password", "phrase", "item"],
}


def backend(**kwargs):
    options = present(kwargs, "base_url", "category", "field")
    options.update(present({LOGIN[name]: kwargs.get(name) for name in LOGIN}, *LOGIN.values()))
    options.update(tls_options(NAME, kwargs))
    item = str(kwargs.get("item") or "").strip()
    if not item:
        raise LookupFailed("%s: metadata 'item' (an item name or id:<number>) is required." % NAME)
    return lookup_one(NAME, "opp", item, options, input_names={v: k for k, v in LOGIN.items()})


PLUGIN = CredentialPlugin(NAME, INPUTS, backend, "Reads one field of an OpenPassPhrase item.")
