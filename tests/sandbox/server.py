"""Run one product imitation: python -m sandbox.server PRODUCT [options] (with tests/ on PYTHONPATH).

When listening, it writes a JSON ready file: product, base_url, admin_token, ca_path and the
environment variables a client needs. It exits when its parent process goes away.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
import threading
import time

from sandbox.common.httpserver import SandboxServer
from sandbox.common.tls import make_tls_material

PRODUCTS = ("passbolt", "passwordstate", "opp")


def available_products():
    here = os.path.dirname(os.path.abspath(__file__))
    return [p for p in PRODUCTS if os.path.exists(os.path.join(here, p, "app.py"))]


def load_app(product, config):
    module = importlib.import_module("sandbox.%s.app" % product)
    return module.create_app(config)


def _watch_parent(parent_pid):
    while True:
        if os.getppid() != parent_pid:
            os._exit(0)
        time.sleep(0.5)


def _exit_on_signal(signum, frame):  # pylint: disable=unused-argument
    os._exit(0)


def write_private_json(path, payload):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle)
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("product", choices=PRODUCTS)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--state-dir", required=True, help="private directory for keys, keyrings, certificates")
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--seed", default="demo", help="data profile to load at start")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a throw-away CA")
    parser.add_argument("--tls-hostname", action="append", help="names in the certificate (default localhost, 127.0.0.1)")
    parser.add_argument("--config", default="{}", help="JSON object of product settings")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)

    os.makedirs(args.state_dir, mode=0o700, exist_ok=True)
    config = json.loads(args.config)
    config["state_dir"] = args.state_dir
    app = load_app(args.product, config)

    tls = None
    if args.tls:
        tls = make_tls_material(args.state_dir, tuple(args.tls_hostname or ("localhost", "127.0.0.1")))
    server = SandboxServer(app, args.host, args.port, tls and tls["cert"], tls and tls["key"], args.verbose)
    base_url = server.base_url
    app.base_url = base_url
    app.seed(args.seed)
    ready = {
        "product": args.product,
        "base_url": base_url,
        "admin_token": app.admin_token,
        "ca_path": tls and tls["ca_path"],
        "pid": os.getpid(),
        "env": app.env(base_url),
    }
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    signal.signal(signal.SIGTERM, _exit_on_signal)
    write_private_json(args.ready_file, ready)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
