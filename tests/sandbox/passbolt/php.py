"""PHP and CakePHP output the imitation reproduces byte for byte: json_encode as CakePHP's JsonView calls it,
urlencode, quotemeta, setcookie (CakePHP's ResponseEmitter) and json_encode of a position-keyed array.
(PHP's parsing of request bodies is in php_forms.py.)
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone
from urllib.parse import quote, quote_plus


# Single characters that json.dumps never puts inside an escape sequence: plain replacements.
_PHP_CHAR_ESCAPES = (("/", "\\/"), ("&", "\\u0026"), ("<", "\\u003C"), (">", "\\u003E"), ("'", "\\u0027"))
# An escaped quote, told apart from an escaped backslash before a closing quote.
_PHP_QUOTE_RE = re.compile(r'\\\\|\\"')


def php_json(payload):
    """JSON as CakePHP's JsonView writes it (json_encode with JSON_HEX_TAG|APOS|AMP|QUOT, "/" escaped)."""
    text = json.dumps(payload, separators=(",", ":"))
    for char, escaped in _PHP_CHAR_ESCAPES:
        if char in text:
            text = text.replace(char, escaped)
    return _PHP_QUOTE_RE.sub(lambda m: "\\u0022" if m.group(0) == '\\"' else m.group(0), text)


def php_json_encode(payload):
    """json_encode() without flags: "/" escaped, non-ASCII characters as unicode escapes."""
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/")


def php_urlencode(text):
    """PHP urlencode(): letters, digits and "-_." stay, a space becomes "+", everything else %XX."""
    return quote_plus(text, safe="-_.").replace("~", "%7E")


def php_quotemeta(text):
    """PHP quotemeta(): a backslash before each of . \\ + * ? [ ^ ] $ ( )."""
    return re.sub(r"([.\\+*?\[^\]$()])", r"\\\1", text)


def php_set_cookie(name, value, expires=None, now=None, path="/", secure=False, httponly=False, samesite=None):
    """The Set-Cookie line PHP's setcookie() writes (CakePHP's ResponseEmitter sends Cookie objects through it)."""
    parts = ["%s=%s" % (name, quote(value, safe=""))]
    if expires is not None:
        now = time.time() if now is None else now
        parts.append("expires=" + datetime.fromtimestamp(expires, timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT"))
        parts.append("Max-Age=%d" % max(0, int(expires - now)))
    parts.append("path=" + path)
    if secure:
        parts.append("secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite:
        parts.append("SameSite=" + samesite)
    return "; ".join(parts)


def _php_array(by_index):
    """How json_encode writes a PHP array keyed by positions: a list when they run 0..n-1, else an object."""
    if list(by_index) == list(range(len(by_index))):
        return list(by_index.values())
    return {str(k): v for k, v in by_index.items()}
