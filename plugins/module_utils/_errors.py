# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exception types shared by every product client, and the redaction of secrets from their text."""

from __future__ import annotations

from ansible_collections.pwman.secrets.plugins.module_utils._secret_forms import blank, secret_ranges

REDACTED = "********"


class Redactor:
    """Remembers secret values and blanks them out of any text before it is shown: as they are, and in the
    forms a server or a library quotes them back (JSON, repr, URL, HTML escapes, base64: _secret_forms.py)."""

    def __init__(self):
        self._secrets = set()

    def add(self, *values):
        for value in values:
            if value is None:
                continue
            value = str(value)
            # Very short values (e.g. "1") would blank out unrelated text and protect nothing.
            if len(value) >= 4:
                self._secrets.add(value)

    def __call__(self, text):
        if text is None:
            return text
        text = str(text)
        if not self._secrets:
            return text
        return blank(text, secret_ranges(text, self._secrets), REDACTED)


class PwmanError(Exception):
    """Base class: its message is always safe to show to the user."""


class ConfigError(PwmanError):
    """An option is missing, has the wrong type, or conflicts with another."""


class ConnectionFailed(PwmanError):
    """The server could not be reached, or the TLS handshake failed."""


class NotFound(PwmanError):
    """The requested object does not exist on the server."""


class Ambiguous(PwmanError):
    """More than one object matches where exactly one was expected."""


class ApiError(PwmanError):
    """The server answered with an error status or a body the client cannot use."""

    def __init__(self, product, method, path, status, message, content_type=None):
        self.product = product
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        self.content_type = content_type
        super().__init__(self._format())

    def _format(self):
        where = "%s %s" % (self.method, self.path)
        if self.status is None:
            return "%s API error on %s: %s" % (self.product, where, self.message)
        return "%s API error: HTTP %s on %s: %s" % (self.product, self.status, where, self.message)
