# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Passbolt Secret Lookup: one field of one Passbolt resource, found by name or UUID."""

from __future__ import annotations

from pwman_secrets_awx._backend import TLS_FIELDS, CredentialPlugin, LookupFailed, lookup_one, present, tls_options

from ansible_collections.pwman.secrets.plugins.module_utils._options import KEY_CONTENT_ONLY

NAME = "Passbolt Secret Lookup"

INPUTS = {
    "fields": [
        # Same ids, labels and help as extensions/awx/credential_types/passbolt.yml.
        {"id": "base_url", "label": "Passbolt URL", "type": "string",
         "help_text": "Base URL of the Passbolt server, for example https://passbolt.example.com "
                      "(read from the account kit when empty)."},
        {"id": "user_id", "label": "User ID", "type": "string",
         "help_text": "UUID of the Passbolt user (read from the account kit or the server when empty)."},
        {"id": "private_key", "label": "Private key", "type": "string", "multiline": True, "secret": True,
         "help_text": "The user's armored OpenPGP private key itself (-----BEGIN PGP PRIVATE KEY BLOCK-----), "
                      "not a path."},
        {"id": "account_kit", "label": "Account kit", "type": "string", "multiline": True, "secret": True,
         "help_text": "Optional. The content of the account kit (.passbolt file) exported from the browser "
                      "extension, not a path: URL, user ID and server key come from it when not set here."},
        {"id": "passphrase", "label": "Passphrase", "type": "string", "secret": True},
        {"id": "server_fingerprint", "label": "Server key fingerprint", "type": "string",
         "help_text": "Optional. Login is refused when the server's OpenPGP key has another fingerprint."},
    ] + TLS_FIELDS,
    "metadata": [
        {"id": "resource", "label": "Resource name or ID", "type": "string",
         "help_text": "The resource's name, or its UUID."},
        {"id": "folder", "label": "Folder", "type": "string",
         "help_text": "Optional. Only resources in this folder path (for example Infra/Databases)."},
        {"id": "username", "label": "Username filter", "type": "string",
         "help_text": "Optional. Only resources with this username."},
        {"id": "uri", "label": "URI filter", "type": "string",
         "help_text": "Optional. Only resources with this URI."},
        {"id": "field", "label": "Field", "type": "string", "default": "password",
         "help_text": "password (default), username, uri, name, id, folder, description, totp (the current "
                      "code), totp_secret, or the name of a custom field."},
    ],
    "required": ["passphrase", "resource"],
}


def backend(**kwargs):
    options = present(kwargs, "base_url", "user_id", "private_key", "account_kit", "passphrase",
                      "server_fingerprint", "folder", "username", "uri", "field")
    if not options.get("private_key") and not options.get("account_kit"):
        raise LookupFailed("%s: give the private key or the account kit." % NAME)
    options.update(tls_options(NAME, kwargs))
    # The credential's author may not read the controller's files: the key and the kit are content, never a path.
    options[KEY_CONTENT_ONLY] = True
    term = str(kwargs.get("resource") or "").strip()
    if not term:
        raise LookupFailed("%s: metadata 'resource' (a resource name or UUID) is required." % NAME)
    return lookup_one(NAME, "passbolt", term, options)


PLUGIN = CredentialPlugin(NAME, INPUTS, backend,
                          "Reads one field of a Passbolt resource (OpenPGP end to end, JWT or GPGAuth login).")
