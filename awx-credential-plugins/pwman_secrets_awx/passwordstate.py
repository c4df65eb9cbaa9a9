# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Passwordstate Password Lookup: one field of one Passwordstate password, by PasswordID or list and title."""

from __future__ import annotations

from pwman_secrets_awx._backend import TLS_FIELDS, CredentialPlugin, LookupFailed, lookup_one, present, tls_options

NAME = "Passwordstate Password Lookup"

INPUTS = {
    "fields": [
        # Same ids, labels and help as extensions/awx/credential_types/passwordstate.yml.
        {"id": "base_url", "label": "Passwordstate URL", "type": "string",
         "help_text": "Base URL of the Passwordstate web site, for example https://passwordstate.example.com"},
        {"id": "api_key", "label": "API key", "type": "string", "secret": True,
         "help_text": "A password list's API key (that list only) or the system-wide API key "
                      "(every list, and searches without a list ID)."},
    ] + TLS_FIELDS,
    "metadata": [
        {"id": "password_id", "label": "Password ID", "type": "string",
         "help_text": "The PasswordID. Leave empty to find the password by title."},
        {"id": "list_id", "label": "Password list ID", "type": "string",
         "help_text": "The list to search by title (needed with a list API key)."},
        {"id": "title", "label": "Title", "type": "string",
         "help_text": "The password's title, when no Password ID is given."},
        {"id": "username", "label": "Username filter", "type": "string",
         "help_text": "Optional. With a title: only the password with this username."},
        {"id": "field", "label": "Field", "type": "string", "default": "password",
         "help_text": "password (default), username, title, url, description, notes, expiry_date, otp (the "
                      "current one-time password), GenericField1..10, or a generic field's display name."},
    ],
    "required": ["base_url", "api_key"],
}


def backend(**kwargs):
    options = present(kwargs, "base_url", "api_key", "list_id", "username", "field")
    options.update(tls_options(NAME, kwargs))
    password_id = str(kwargs.get("password_id") or "").strip()
    title = str(kwargs.get("title") or "").strip()
    if password_id:
        if not password_id.isdigit():
            raise LookupFailed("%s: metadata 'password_id' must be a number, got %r." % (NAME, password_id[:40]))
        return lookup_one(NAME, "passwordstate", password_id, options)
    if not title:
        raise LookupFailed("%s: give the metadata 'password_id', or 'title' (with 'list_id')." % NAME)
    return lookup_one(NAME, "passwordstate", title, options)


PLUGIN = CredentialPlugin(NAME, INPUTS, backend,
                          "Reads one field of a Passwordstate password (API key, per list or system-wide).")
