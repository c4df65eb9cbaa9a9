"""Issue #23 (1): a secret comes back from a server or a library in other forms than the one that was sent.

Each form below is what a real party writes: a JSON encoder (ASCII or not, PHP's escaped slash, .NET's
upper-case hex), a Python repr (str and bytes), URL and form encoding, HTML character references,
base64 (a Basic header, a wrapped body), and two of them in turn (a repr of a JSON body, a JSON body
quoted in a JSON error). The redactor must blank each of them, and nothing else.
"""

from __future__ import annotations

import base64
import html
import json
import urllib.parse

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._errors import REDACTED, Redactor

SECRETS = ["caféSecret99", 'Login"Pw\\Zürich-42', "a/b'c\nd\te-ünï-😀-end", "plain-ascii-secret"]


def forms(secret):
    raw = secret.encode("utf-8")
    found = {
        "raw": secret,
        "json ascii": json.dumps(secret)[1:-1],
        "json utf-8": json.dumps(secret, ensure_ascii=False)[1:-1],
        "json upper hex": json.dumps(secret)[1:-1].replace("\\u00e9", "\\u00E9").replace("\\u00fc", "\\u00FC"),
        "json escaped slash (PHP)": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "json in json": json.dumps(json.dumps({"Password": secret}))[1:-1],
        "repr": repr(secret),
        "bytes repr": repr(raw),
        "repr of json": repr(json.dumps({"p": secret})),
        "url": urllib.parse.quote(secret, safe=""),
        "url lower hex": urllib.parse.quote(secret, safe="").replace("%C3%A9", "%c3%a9"),
        "form": urllib.parse.urlencode({"password": secret}),
        "html": html.escape(secret),
        "html numeric": "".join("&#%d;" % ord(c) if ord(c) > 127 or c in "\"'&<>" else c for c in secret),
        "base64": base64.b64encode(raw).decode(),
        "base64url": base64.urlsafe_b64encode(raw).decode(),
    }
    for prefix in (b"u:", b"us:", b"usr:"):  # Basic credentials: the secret at each alignment
        found["basic %d" % len(prefix)] = "Basic " + base64.b64encode(prefix + raw).decode()
    wrapped = base64.b64encode(b"x" * 40 + raw + b"y" * 40).decode()
    found["base64 wrapped"] = "\n".join(wrapped[i:i + 16] for i in range(0, len(wrapped), 16))
    return found


@pytest.mark.parametrize("secret", SECRETS)
def test_every_form_is_blanked(secret):
    redactor = Redactor()
    redactor.add(secret)
    for name, form in forms(secret).items():
        shown = redactor('error 400: {"echo": "%s"} (end)' % form)
        assert REDACTED in shown, (name, form, shown)
        assert "Secret99" not in shown and "rich-42" not in shown and "-end" not in shown, (name, form, shown)
        assert "ascii-secret" not in shown, (name, form, shown)
        assert shown.startswith("error 400: ") and shown.endswith(" (end)"), (name, shown)


def test_other_text_stays():
    redactor = Redactor()
    redactor.add("caféSecret99")
    text = 'HTTP 400 on POST /api/passwords: {"Title": "caf\\u00e9 web", "UserName": "alice", "Notes": "a+b%20c"}'
    assert redactor(text) == text
    assert redactor('"Password": "caf\\u00e9Secret99", "Title": "web"') == '"Password": "%s", "Title": "web"' % REDACTED


def test_short_values_are_not_secrets():
    redactor = Redactor()
    redactor.add("1", "ab", None)
    assert redactor("1 ab abc") == "1 ab abc"
