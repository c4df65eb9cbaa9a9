# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP layer under the three product clients.

One requests.Session per client, a timeout on every request, TLS verification on by
default, and retries with backoff for requests that are safe to repeat. Errors come
out as ApiError / ConnectionFailed whose text never holds a secret.
"""

from __future__ import annotations

import email.utils
import json
import random
import re
import time

from ansible_collections.pwman.secrets.plugins.module_utils._errors import (
    ApiError,
    ConnectionFailed,
    Redactor,
)
from ansible_collections.pwman.secrets.plugins.module_utils._options import request_environment
from ansible_collections.pwman.secrets.plugins.module_utils._version import USER_AGENT

SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
RETRY_STATUSES = frozenset((429, 502, 503, 504))
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
RETRY_AFTER_CAP = 60.0
# What OpenSSL says when the answer to its handshake is not TLS at all, as when an http port answers an https
# request with a plain-text "HTTP/1.1 400" (OpenSSL 1.1 and 3.x; "record layer failure" from 3.2).
_PLAIN_HTTP_ANSWER = ("WRONG_VERSION_NUMBER", "wrong version number", "RECORD_LAYER_FAILURE", "record layer failure")


def import_requests():
    """Import requests only when a request is really made (it costs ~140 ms in a cold worker)."""
    try:
        import requests  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise ConnectionFailed(
            "The Python library 'requests' is required on the host running this plugin "
            "(pip install requests): %s" % exc
        ) from None
    return requests


def proxies_for(url, environment):
    """The proxies requests needs for `url` under `environment` (from request_environment)."""
    import urllib.parse  # pylint: disable=import-outside-toplevel
    import urllib.request  # pylint: disable=import-outside-toplevel

    proxies = dict((environment or {}).get("proxies") or {})
    host = urllib.parse.urlparse(url).hostname or ""
    no_proxy = proxies.pop("no", None)
    if no_proxy and urllib.request.proxy_bypass_environment(host, {"no": no_proxy}):
        return {}
    return proxies


class HttpResponse:
    """What a client needs of a response; keeps the raw requests object out of product code."""

    def __init__(self, product, method, path, status, headers, content, redact):
        self.product = product
        self.method = method
        self.path = path
        self.status = status
        self.headers = headers
        self.content = content
        self._redact = redact

    @property
    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def text(self):
        return self.content.decode("utf-8", errors="replace")

    def json(self):
        """The body as JSON, whatever the content type says (some servers lie); a clear error otherwise."""
        try:
            return json.loads(self.text)
        except ValueError:
            raise ApiError(
                self.product, self.method, self.path, self.status,
                describe_non_json(self.content_type, self.text, self._redact),
                content_type=self.content_type,
            ) from None


def describe_non_json(content_type, text, redact):
    kind = content_type or "no content type"
    if not text.strip():
        return "the server sent an empty body (%s) where JSON was expected" % kind
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    hint = ""
    if title:
        hint = ": %s" % redact(" ".join(title.group(1).split()))[:120]
    return "the server sent a non-JSON body (%s)%s; is the URL right, or is a proxy answering?" % (kind, hint)


def retry_after_seconds(value, now=None):
    """Retry-After is either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, parsed.timestamp() - now)


class HttpClient:
    """A session bound to one server, shared by all requests of one product client."""

    def __init__(self, product, base_url, timeout=30, validate_certs=True, ca_path=None,
                 retries=3, error_parser=None, headers=None, redactor=None, sleep=time.sleep, environment=None):
        self.product = product
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.retries = max(0, int(retries))
        self.error_parser = error_parser
        self.redact = redactor or Redactor()
        self.request_count = 0
        environment = request_environment() if environment is None else environment
        self.proxies = proxies_for(self.base_url, environment)
        self.ca_bundle = environment.get("ca_bundle")
        self._sleep = sleep
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        self._headers.update(headers or {})
        self._session = None

    @property
    def session(self):
        if self._session is None:
            requests = import_requests()
            session = requests.Session()
            session.headers.update(self._headers)
            # Proxies and CA bundle come from request_environment(), never from this process's environment.
            session.trust_env = False
            self._session = session
        return self._session

    def cookie(self, name):
        return self.session.cookies.get(name)

    def set_header(self, name, value):
        self._headers[name] = value
        if self._session is not None:
            if value is None:
                self._session.headers.pop(name, None)
            else:
                self._session.headers[name] = value

    def url(self, path):
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + "/" + path.lstrip("/")

    def request(self, method, path, params=None, json_body=None, data=None, headers=None,
                idempotent=None, expected=None, allow_redirects=False):
        """Send one request; retry it only when it is safe to repeat.

        `idempotent` marks a write that may be repeated (PUT of a full object, DELETE);
        by default only GET/HEAD/OPTIONS are retried, so a create is never sent twice.
        `expected` lists statuses that are not errors (default: any 2xx).
        """
        method = method.upper()
        repeatable = method in SAFE_METHODS if idempotent is None else bool(idempotent)
        attempt = 0
        while True:
            try:
                response = self._send(method, path, params, json_body, data, headers, allow_redirects)
            except ConnectionFailed:
                if repeatable and attempt < self.retries:
                    self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                raise
            if response.status in RETRY_STATUSES and repeatable and attempt < self.retries:
                delay = retry_after_seconds(response.headers.get("Retry-After"))
                if delay is None:
                    delay = self._backoff(attempt)
                self._sleep(min(delay, RETRY_AFTER_CAP))
                attempt += 1
                continue
            return self._check(response, expected)

    def _backoff(self, attempt):
        return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** attempt)) * (0.5 + random.random() / 2)

    def _send(self, method, path, params, json_body, data, headers, allow_redirects):
        requests = import_requests()
        shown_path = path.split("?", 1)[0]
        kwargs = {"params": params, "headers": headers, "timeout": self.timeout,
                  "allow_redirects": allow_redirects, "proxies": self.proxies,
                  "verify": (self.ca_path or self.ca_bundle or True) if self.validate_certs else False}
        if json_body is not None:
            kwargs["data"] = json.dumps(json_body).encode("utf-8")
            merged = {"Content-Type": "application/json"}
            merged.update(headers or {})
            kwargs["headers"] = merged
        elif data is not None:
            kwargs["data"] = data
        self.request_count += 1
        try:
            raw = self.session.request(method, self.url(path), **kwargs)
            content = raw.content
        except requests.exceptions.SSLError as exc:
            reason = self.redact(_short_reason(exc))
            if any(sign in str(exc) for sign in _PLAIN_HTTP_ANSWER):
                raise ConnectionFailed(
                    "TLS error talking to %s: %s. The server answered the TLS handshake with something that is not "
                    "TLS: that port speaks plain http. Use an http:// base_url for it, or the server's https port."
                    % (self.base_url, reason)
                ) from None
            raise ConnectionFailed(
                "TLS error talking to %s: %s. Set ca_path to the CA bundle that signed the "
                "server certificate (validate_certs=false disables the check, not recommended)."
                % (self.base_url, reason)
            ) from None
        except requests.exceptions.Timeout:
            raise ConnectionFailed(
                "Timed out after %s s on %s %s at %s" % (self.timeout, method, shown_path, self.base_url)
            ) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise ConnectionFailed(
                "Cannot reach %s (%s %s): %s" % (self.base_url, method, shown_path, self.redact(_short_reason(exc)))
            ) from None
        except requests.exceptions.RequestException as exc:
            raise ConnectionFailed(
                "Request %s %s to %s failed: %s" % (method, shown_path, self.base_url, self.redact(_short_reason(exc)))
            ) from None
        return HttpResponse(self.product, method, shown_path, raw.status_code, raw.headers, content, self.redact)

    def _check(self, response, expected):
        ok = response.status in expected if expected else 200 <= response.status < 300
        if ok:
            return response
        raise self.error_for(response)

    def error_for(self, response, fallback=None):
        """Build the ApiError for an unwanted response, with the product's own message."""
        message = None
        try:
            payload = json.loads(response.text)
        except ValueError:
            payload = None
            message = describe_non_json(response.content_type, response.text, self.redact)
        if payload is not None and self.error_parser is not None:
            try:
                message = self.error_parser(payload)
            except Exception:  # pylint: disable=broad-except
                message = None
        if not message:
            message = fallback or _status_reason(response.status)
        return ApiError(self.product, response.method, response.path, response.status,
                        self.redact(message), content_type=response.content_type)

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None


def _status_reason(status):
    reasons = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
               405: "Method not allowed", 409: "Conflict", 429: "Too many requests",
               500: "Internal server error", 502: "Bad gateway", 503: "Service unavailable",
               504: "Gateway timeout"}
    if 300 <= status < 400:
        return "unexpected redirect (HTTP %s); often an authentication failure on older servers" % status
    return reasons.get(status, "unexpected HTTP status %s" % status)


def _short_reason(exc):
    """The innermost reason of a requests/urllib3 error, without the long repr chain."""
    text = str(exc)
    match = re.search(r"(\[SSL[^\]]*\][^(\"]*|Connection refused|Name or service not known|"
                      r"certificate verify failed[^)'\"]*|hostname [^)'\"]* doesn't match[^)'\"]*|"
                      r"Connection reset by peer|Remote end closed connection without response|"
                      r"IncompleteRead\([^)]*\)|Connection broken[^)'\"]*)", text)
    if match:
        return match.group(1).strip()
    return text[:200]
