"""The account kit Passbolt's web UI exports, for tests and the bench: base64 of a JSON object."""

from __future__ import annotations

import base64
import json
import urllib.request


def account_kit(base_url, user_id, private_key, **fields):
    """A kit for this user, with the server's current key (read from GET /auth/verify.json)."""
    with urllib.request.urlopen(base_url + "/auth/verify.json", timeout=30) as response:  # noqa: S310 - loopback
        server_key = json.loads(response.read())["body"]["keydata"]
    kit = {"domain": base_url, "user_id": user_id, "user_private_armored_key": private_key,
           "server_public_armored_key": server_key}
    kit.update(fields)
    return base64.b64encode(json.dumps(kit).encode("utf-8")).decode("ascii")
