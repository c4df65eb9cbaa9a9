# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RFC 6238 TOTP (and the RFC 4226 HOTP under it), standard library only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError

ALGORITHMS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


def decode_secret(secret):
    """A base32 secret as authenticator apps show it: any case, spaces/dashes allowed, padding optional."""
    if secret is None:
        raise ConfigError("TOTP secret is empty.")
    text = re.sub(r"[\s-]", "", str(secret)).upper().rstrip("=")
    if not text:
        raise ConfigError("TOTP secret is empty.")
    text += "=" * (-len(text) % 8)
    try:
        return base64.b32decode(text)
    except (ValueError, TypeError):
        raise ConfigError("TOTP secret is not valid base32.") from None


def hotp(key, counter, digits=6, algorithm="SHA1"):
    """RFC 4226 HOTP of raw key bytes."""
    name = str(algorithm or "SHA1").upper().replace("-", "")
    if name not in ALGORITHMS:
        raise ConfigError("TOTP algorithm must be one of SHA1, SHA256, SHA512, got %r." % algorithm)
    try:
        digits = int(digits)
    except (TypeError, ValueError):
        raise ConfigError("TOTP digits must be a whole number, got %r." % (digits,)) from None
    if not 6 <= digits <= 10:
        raise ConfigError("TOTP digits must be between 6 and 10, got %d." % digits)
    mac = hmac.new(key, struct.pack(">Q", int(counter)), ALGORITHMS[name]).digest()
    offset = mac[-1] & 0x0F
    code = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(code % (10 ** digits)).zfill(digits)


def totp(secret, at=None, digits=6, algorithm="SHA1", period=30):
    """The TOTP code of a base32 `secret` at unix time `at` (now by default)."""
    try:
        period = int(period)
    except (TypeError, ValueError):
        raise ConfigError("TOTP period must be a whole number, got %r." % (period,)) from None
    if period < 1:
        raise ConfigError("TOTP period must be at least 1 second.")
    at = time.time() if at is None else at
    return hotp(decode_secret(secret), int(at) // period, digits, algorithm)


def totp_from_secret_data(data, at=None):
    """The current code of a Passbolt secret's `totp` object {secret_key, digits, algorithm, period}."""
    if not isinstance(data, dict) or not data.get("secret_key"):
        raise ConfigError("The secret holds no TOTP secret key.")
    return totp(data["secret_key"], at=at, digits=data.get("digits") or 6,
                algorithm=data.get("algorithm") or "SHA1", period=data.get("period") or 30)
