# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a secret stands in a text, in whatever form it came back (used by _errors.Redactor).

A server that quotes a request in its error, or a library that quotes a value, rarely gives the
secret as it was: JSON escapes (\\u00e9, \\", \\\\, \\/, in either hex case), Python reprs (\\x.., \\n,
\\'), URL encoding (%C3%A9, + for a space), HTML character references (&#233;, &quot;) and base64
(an echoed Basic header or body). The text is decoded in each of these ways, and in two of them one
after the other (a repr of a JSON body), keeping for every decoded byte the characters it came
from; a secret found in any decoded form blanks those characters of the text.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import unicodedata

_SIMPLE_ESCAPES = {b'"': b'"', b"'": b"'", b"\\": b"\\", b"/": b"/", b"a": b"\a", b"b": b"\b", b"f": b"\f",
                   b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v", b"0": b"\0"}
_BACKSLASH = re.compile(
    rb"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"  # a JSON surrogate pair
    rb"|\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})|\\x([0-9a-fA-F]{2})|\\N\{([A-Za-z0-9 -]{1,80})\}"
    rb"|\\([\"'\\/abfnrtv0])")
_PERCENT = re.compile(rb"%([0-9a-fA-F]{2})")
_PERCENT_PLUS = re.compile(rb"%([0-9a-fA-F]{2})|\+")
_ENTITY = re.compile(rb"&#([0-9]{1,7});|&#[xX]([0-9a-fA-F]{1,6});|&([A-Za-z][A-Za-z0-9]{1,31});")
# base64 and base64url, also wrapped in lines (armor, MIME)
_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/_-](?:[A-Za-z0-9+/_-]|\r?\n)+={0,2}")
_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _char(code):
    try:
        return chr(code).encode("utf-8", "surrogatepass")
    except (ValueError, OverflowError):
        return None


def _backslash(match, byte_escapes):
    groups = match.groups()
    if groups[0]:
        high, low = int(groups[0], 16), int(groups[1], 16)
        return _char(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    if groups[2] or groups[3]:
        return _char(int(groups[2] or groups[3], 16))
    if groups[4]:
        value = int(groups[4], 16)
        return bytes([value]) if byte_escapes else _char(value)
    if groups[5]:
        try:
            return unicodedata.lookup(groups[5].decode("ascii")).encode("utf-8")
        except KeyError:
            return None
    return _SIMPLE_ESCAPES[groups[6]]


def _entity(match):
    number, hexadecimal, name = match.groups()
    if number or hexadecimal:
        return _char(int(number or hexadecimal, 10 if number else 16))
    text = "&%s;" % name.decode("ascii")
    plain = html.unescape(text)
    return None if plain == text else plain.encode("utf-8")


def _percent(match):
    return bytes([int(match.group(1), 16)]) if match.group(1) else b" "


# Each decoder: (a pattern of tokens, the bytes a token stands for, or None to keep it as it is).
DECODERS = (
    (_BACKSLASH, lambda m: _backslash(m, byte_escapes=False)),  # JSON, str repr: \xe9 is U+00E9
    (_BACKSLASH, lambda m: _backslash(m, byte_escapes=True)),   # bytes repr: \xc3\xa9 is UTF-8
    (_PERCENT, _percent),                                       # URL path or query
    (_PERCENT_PLUS, _percent),                                  # form body: + is a space
    (_ENTITY, _entity),                                         # HTML, XML
)


class View:
    """A decoded form of the text: bytes, and for each byte the range of characters of the text it came from."""

    def __init__(self, data, starts, ends, decoded_base64=False):
        self.data = data
        self.starts = starts
        self.ends = ends
        self.decoded_base64 = decoded_base64

    @classmethod
    def of(cls, text):
        data, starts, ends = bytearray(), [], []
        for index, char in enumerate(text):
            encoded = char.encode("utf-8", "surrogatepass")
            data += encoded
            starts += [index] * len(encoded)
            ends += [index + 1] * len(encoded)
        return cls(bytes(data), starts, ends)

    def decoded(self, pattern, replace):
        """The view with every token of `pattern` replaced; None when nothing was."""
        data, starts, ends = bytearray(), [], []
        done = 0
        changed = False
        for match in pattern.finditer(self.data):
            plain = replace(match)
            if plain is None:
                continue
            first, last = match.start(), match.end()
            data += self.data[done:first]
            starts += self.starts[done:first]
            ends += self.ends[done:first]
            data += plain
            starts += [self.starts[first]] * len(plain)
            ends += [self.ends[last - 1]] * len(plain)
            done = last
            changed = True
        if not changed:
            return None
        data += self.data[done:]
        starts += self.starts[done:]
        ends += self.ends[done:]
        return View(bytes(data), starts, ends, self.decoded_base64)

    def base64_views(self, shortest):
        """Each run of base64 characters (at least `shortest` long) decoded, from each of the four places
        a sequence may start at."""
        for match in _BASE64_RUN.finditer(self.data):
            positions = [i for i in range(match.start(), match.end()) if self.data[i] not in b"\r\n="]
            letters = bytes(self.data[i] for i in positions).translate(_URLSAFE)
            for offset in range(4):
                size = len(letters) - offset
                size -= 1 if size % 4 == 1 else 0  # one letter alone encodes no byte
                if size < shortest:
                    break
                try:
                    plain = base64.b64decode(letters[offset:offset + size] + b"=" * (-size % 4))
                except (binascii.Error, ValueError):
                    continue
                used = positions[offset:offset + size]
                # byte k holds bits k*8 .. k*8+7: letters k*8//6 .. (k*8+7)//6
                yield View(plain, [self.starts[used[k * 8 // 6]] for k in range(len(plain))],
                           [self.ends[used[(k * 8 + 7) // 6]] for k in range(len(plain))], decoded_base64=True)

    def children(self, shortest_base64):
        for pattern, replace in DECODERS:
            view = self.decoded(pattern, replace)
            if view is not None:
                yield view
        if not self.decoded_base64:
            yield from self.base64_views(shortest_base64)

    def find(self, needle):
        """(start, end) character ranges of the text where `needle` (bytes) stands in this view."""
        found = []
        at = self.data.find(needle)
        while at >= 0:
            found.append((self.starts[at], self.ends[at + len(needle) - 1]))
            at = self.data.find(needle, at + 1)
        return found


def secret_ranges(text, secrets, depth=2):
    """The character ranges of `text` where one of `secrets` (strings) stands, in any form above."""
    needles = [secret.encode("utf-8", "surrogatepass") for secret in secrets]
    if not needles:
        return []
    shortest_base64 = min(len(needle) for needle in needles) * 4 // 3
    ranges = []
    level = [View.of(text)]
    for done in range(depth + 1):
        for view in level:
            for needle in needles:
                ranges += view.find(needle)
        if done < depth:
            level = [child for view in level for child in view.children(shortest_base64)]
    return ranges


def blank(text, ranges, mask):
    """`text` with every range (merged where they overlap or touch) replaced by `mask`."""
    merged = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts, done = [], 0
    for start, end in merged:
        parts += [text[done:start], mask]
        done = end
    parts.append(text[done:])
    return "".join(parts)
