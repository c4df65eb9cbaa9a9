# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exception types shared by every product client, and the redaction of secrets from their text."""

from __future__ import annotations

REDACTED = "********"


class Redactor:
    """Remembers secret values and blanks them out of any text before it is shown."""

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
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


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
