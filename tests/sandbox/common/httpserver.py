"""A tiny HTTP framework for the local product imitations.

Stdlib only (http.server), so each product server controls every header, status and body
byte, quirks included. Shared by all products:
- routing by method + regex, HTTP/1.1 keep-alive, optional TLS;
- per-request stats (for login/request counting in tests and benchmarks);
- fault injection (latency, status with Retry-After, connection reset, truncated body,
  HTML error page), before or after the handler ran;
- admin endpoints under /__sandbox__/ guarded by a random token.
"""

from __future__ import annotations

import json
import random
import re
import socket
import ssl
import threading
import time
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ADMIN_PREFIX = "/__sandbox__/"
ADMIN_HEADER = "X-Sandbox-Admin"


class Request:
    def __init__(self, method, raw_path, headers, body, client):
        self.method = method
        parts = urlsplit(raw_path)
        self.path = parts.path
        self.query_string = parts.query
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.client = client
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("Cookie", ""))
        except Exception:  # noqa: BLE001 - a bad cookie header is just no cookie
            pass
        self.cookies = {k: m.value for k, m in cookie.items()}

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def arg(self, name, default=None):
        """First value of a query parameter, matched case-insensitively (like IIS/.NET does)."""
        for key, values in self.query.items():
            if key.lower() == name.lower():
                return values[0]
        return default

    def has_arg(self, name):
        return any(key.lower() == name.lower() for key in self.query)

    def json(self):
        """The body parsed as JSON, or raises ValueError."""
        if not self.body:
            raise ValueError("empty body")
        return json.loads(self.body.decode("utf-8"))


class Response:
    def __init__(self, status=200, body=b"", content_type="application/json", headers=None, reason=None):
        self.status = status
        self.reason = reason  # the status line's text; None: http.server's ("Bad Request")
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body
        self.headers = list(headers or [])
        self.no_answer = False
        if content_type and not any(k.lower() == "content-type" for k, dummy in self.headers):
            self.headers.append(("Content-Type", content_type))

    @classmethod
    def json(cls, payload, status=200, content_type="application/json; charset=UTF-8", headers=None):
        return cls(status, json.dumps(payload), content_type, headers)

    @classmethod
    def dropped(cls):
        """No answer at all: the server closes the connection (a server whose worker died mid-request)."""
        response = cls(500, b"", None)
        response.no_answer = True
        return response

    def add_header(self, name, value):
        self.headers.append((name, value))
        return self


HTML_ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>{status} {reason}</title></head>"
    "<body><h1>{reason}</h1><p>The proxy server received an invalid response.</p></body></html>"
)


class FaultRule:
    """One fault. `kind`: latency | status | reset | truncate | html | echo.

    `echo` answers `status` with `body` where "{request}" is replaced by the whole request (method,
    path and query, headers, body) as JSON string content: a server that quotes the request in its error.

    `when`: before (the handler does not run) or after (the handler ran, then the fault
    replaces or damages its answer: the server acted but the client cannot know).
    """

    def __init__(self, spec):
        self.path = re.compile(spec.get("path", ".*"))
        self.method = (spec.get("method") or "").upper() or None
        self.kind = spec["kind"]
        self.when = spec.get("when", "before")
        self.remaining = spec.get("count")
        self.probability = float(spec.get("probability", 1.0))
        self.status = int(spec.get("status", 503))
        self.retry_after = spec.get("retry_after")
        self.delay = float(spec.get("delay", 0))
        self.body = spec.get("body")
        # only requests whose query string or body holds this text (tests running side by side)
        self.contains = spec.get("contains")
        self.hits = 0
        self._rng = random.Random(spec.get("seed"))

    def matches(self, request):
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method and self.method != request.method:
            return False
        if not self.path.search(request.path):
            return False
        if self.contains and self.contains not in request.query_string + request.body.decode("utf-8", "replace"):
            return False
        if self._rng.random() >= self.probability:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        self.hits += 1
        return True


class App:
    """A product server: routes plus shared stats, faults and admin endpoints."""

    product = "sandbox"
    # The status line's version; a product whose real server answers HTTP/1.0 says so.
    http_version = "HTTP/1.1"

    def __init__(self, config=None):
        self.config = dict(config or {})
        self.routes = []
        self.admin_routes = {}
        self.admin_token = self.config.get("admin_token") or "%032x" % random.SystemRandom().getrandbits(128)
        self.lock = threading.RLock()
        self.stats_lock = threading.Lock()
        self.faults = []
        self.reset_stats()
        self.admin("GET", "stats")(lambda req: Response.json(self.stats_snapshot()))
        self.admin("POST", "stats/reset")(self._admin_reset_stats)
        self.admin("POST", "faults")(self._admin_add_faults)
        self.admin("DELETE", "faults")(self._admin_clear_faults)
        self.admin("GET", "faults")(self._admin_list_faults)
        self.admin("GET", "faults/replace")(self._admin_replace_faults)

    # -- registration -------------------------------------------------------------
    def route(self, method, pattern):
        compiled = re.compile("^" + pattern + "$")

        def register(handler):
            self.routes.append((method.upper(), compiled, handler))
            return handler

        return register

    def admin(self, method, name):
        def register(handler):
            self.admin_routes[(method.upper(), name)] = handler
            return handler

        return register

    # -- product hooks ----------------------------------------------------------------
    def not_found(self, request):
        return Response.json({"error": "not found", "path": request.path}, status=404)

    def method_not_allowed(self, request):
        return Response.json({"error": "method not allowed"}, status=405)

    def env(self, base_url):
        """Environment variables a client needs to reach this server (filled by products)."""
        return {}

    def seed(self, profile):
        """Fill the server with data: 'demo' for make sandbox/demo, others for tests."""

    # -- stats ------------------------------------------------------------------------
    def reset_stats(self):
        with self.stats_lock:
            self.stats = {"requests": 0, "by_route": {}, "logins": 0, "refreshes": 0, "writes": 0,
                          "faults": 0}

    def count(self, key, amount=1):
        with self.stats_lock:
            self.stats[key] = self.stats.get(key, 0) + amount

    def stats_snapshot(self):
        with self.stats_lock:
            return json.loads(json.dumps(self.stats))

    def _admin_reset_stats(self, request):
        self.reset_stats()
        return Response.json({"ok": True})

    def _admin_add_faults(self, request):
        specs = request.json()
        if isinstance(specs, dict):
            specs = [specs]
        for spec in specs:
            self.faults.append(FaultRule(spec))
        return Response.json({"ok": True, "faults": len(self.faults)})

    def _admin_clear_faults(self, request):
        self.faults = []
        return Response.json({"ok": True})

    def _admin_replace_faults(self, request):
        """GET faults/replace?rules=<JSON list>: a playbook switches faults with a url lookup (no module run)."""
        self.faults = [FaultRule(spec) for spec in json.loads(request.arg("rules") or "[]")]
        return Response.json({"ok": True, "faults": len(self.faults)})

    def _admin_list_faults(self, request):
        return Response.json([{"path": f.path.pattern, "kind": f.kind, "hits": f.hits,
                               "remaining": f.remaining} for f in self.faults])

    # -- dispatch ---------------------------------------------------------------------
    def find_fault(self, request, when):
        for rule in self.faults:
            if rule.when == when and rule.matches(request):
                with self.stats_lock:
                    self.stats["faults"] += 1
                return rule
        return None

    def record(self, request):
        """Count a client request (faulted ones too: the client did send them)."""
        with self.stats_lock:
            self.stats["requests"] += 1
            key = "%s %s" % (request.method, request.path)
            self.stats["by_route"][key] = self.stats["by_route"].get(key, 0) + 1
            if request.method in ("POST", "PUT", "DELETE", "PATCH"):
                self.stats["writes"] += 1

    def dispatch(self, request):
        if request.path.startswith(ADMIN_PREFIX):
            return self._dispatch_admin(request)
        allowed = False
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if not match:
                continue
            allowed = True
            if method == request.method:
                with self.lock:
                    return handler(request, **match.groupdict())
        return self.method_not_allowed(request) if allowed else self.not_found(request)

    def _dispatch_admin(self, request):
        if request.header(ADMIN_HEADER) != self.admin_token:
            return Response.json({"error": "admin token required"}, status=403)
        name = request.path[len(ADMIN_PREFIX):].strip("/")
        handler = self.admin_routes.get((request.method, name))
        if handler is None:
            return Response.json({"error": "no such admin endpoint", "name": name}, status=404)
        with self.lock:
            return handler(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sandbox"
    sys_version = ""

    def setup(self):
        super().setup()
        # As real web servers do: without it, Nagle's algorithm and delayed ACKs hold the request
        # that follows a large response on a kept-alive connection for 40 ms.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        if self.server.verbose:
            super().log_message(format, *args)

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self):
        app = self.server.app
        request = Request(self.command, self.path, self.headers, self._read_body(), self.client_address)
        is_admin = request.path.startswith(ADMIN_PREFIX)
        if not is_admin:
            app.record(request)
        self._echo_request = request
        fault = None if is_admin else app.find_fault(request, "before")
        if fault is not None:
            if fault.kind == "latency":
                time.sleep(fault.delay)
                fault = None
            else:
                return self._apply_fault(fault, None)
        try:
            response = app.dispatch(request)
        except Exception as exc:  # noqa: BLE001 - a crash is a 500, as on a real server
            response = app.internal_error(request, exc) if hasattr(app, "internal_error") else Response(
                500, HTML_ERROR_PAGE.format(status=500, reason="Internal Server Error"), "text/html")
        after = None if is_admin else app.find_fault(request, "after")
        if after is not None:
            if after.kind == "latency":
                time.sleep(after.delay)
            else:
                return self._apply_fault(after, response)
        self._send(response)

    def _apply_fault(self, fault, response):
        if fault.kind == "reset":
            self._reset()
            return
        if fault.kind == "truncate":
            full = response or Response.json({"truncated": "x" * 256})
            full.headers = [(k, v) for k, v in full.headers if k.lower() != "content-length"]
            self.send_response(full.status)
            for name, value in full.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(full.body) + 100))
            self.end_headers()
            self.wfile.write(full.body[: max(1, len(full.body) // 2)])
            self.wfile.flush()
            self._reset()
            return
        if fault.kind == "echo":
            request = self._echo_request
            quoted = "%s %s?%s %s %s" % (request.method, request.path, request.query_string,
                                         dict(request.headers.items()), request.body.decode("utf-8", "replace"))
            body = (fault.body or '{"error": "{request}"}').replace("{request}", json.dumps(quoted)[1:-1])
            self._send(Response(fault.status, body, "application/json"))
            return
        if fault.kind == "html":
            body = fault.body or HTML_ERROR_PAGE.format(status=fault.status, reason="Bad Gateway")
            self._send(Response(fault.status, body, "text/html"))
            return
        headers = []
        if fault.retry_after is not None:
            headers.append(("Retry-After", str(fault.retry_after)))
        body = fault.body if fault.body is not None else json.dumps({"error": "injected fault"})
        self._send(Response(fault.status, body, "application/json", headers))

    def _close_without_answer(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _reset(self):
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass

    def _send(self, response):
        if response.no_answer:
            self._close_without_answer()
            return
        self.protocol_version = self.server.app.http_version
        self.send_response(response.status, response.reason)
        for name, value in response.headers:
            self.send_header(name, value)  # http.server closes after "Connection: close"
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    def finish(self):
        try:
            super().finish()
        finally:
            # connection-bound state (NTLM) of an app ends with the connection
            hook = getattr(self.server.app, "connection_closed", None)
            if hook is not None:
                hook(self.client_address)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, app, host="127.0.0.1", port=0, tls_cert=None, tls_key=None, verbose=False):
        self.app = app
        self.verbose = verbose
        super().__init__((host, port), _Handler)
        self.scheme = "http"
        if tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert, tls_key)
            self.socket = context.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"

    @property
    def base_url(self):
        host, port = self.server_address[:2]
        return "%s://%s:%d" % (self.scheme, host, port)

    def serve_in_thread(self):
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return thread
