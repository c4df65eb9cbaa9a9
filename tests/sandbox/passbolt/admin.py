"""Test-only: the environment a client needs (env) and the admin endpoints (/__sandbox__/...) tests use to read
and change the server's state. No passbolt_api counterpart.
"""

from __future__ import annotations

from sandbox.common.httpserver import Response
from sandbox.passbolt import seed_data as SD


class AdminMixin:
    # ------------------------------------------------------------------ env & admin
    def env(self, base_url):
        ada = SD.USERS["ada"]
        return {"PASSBOLT_BASE_URL": base_url, "PASSBOLT_USER_ID": ada["id"],
                "PASSBOLT_PRIVATE_KEY": self.keys["ada"]["private"], "PASSBOLT_PASSPHRASE": ada["passphrase"],
                "PASSBOLT_SERVER_FINGERPRINT": self.server_fpr}

    def _register_admin(self):
        a = self.admin

        @a("GET", "users")
        def _users(req):
            out = []
            for short, spec in SD.USERS.items():
                key = self.keys[short]
                out.append({"short": short, "id": spec["id"], "username": spec["username"], "key_type": spec["key"],
                            "fingerprint": key["fingerprint"], "private_key": key["private"],
                            "public_key": key["public"], "passphrase": key["passphrase"],
                            "active": self.users[spec["id"]]["active"] if spec["id"] in self.users else spec["active"],
                            "totp_secret": SD.MFA_TOTP_SECRETS.get(short)})
            return Response.json(out)

        @a("GET", "settings")
        def _get_settings(req):
            return Response.json(dict(self.settings))

        @a("POST", "settings")
        def _settings(req):
            data = req.json() if req.body else {}
            for key, value in data.items():
                if key not in self.settings:
                    return Response.json({"error": "unknown setting", "name": key}, status=400)
                if key in ("metadata_default", "folder_default") and value not in ("v4", "v5"):
                    return Response.json({"error": "%s must be v4 or v5" % key}, status=400)
                self.settings[key] = int(value) if key in ("access_token_ttl", "expire_next_tokens") else value
            return Response.json(dict(self.settings))

        @a("POST", "metadata-migrate")
        def _metadata_migrate(req):
            """`passbolt metadata migrate_all_items`: resources, then folders (controllers/metadata_migration.py)."""
            return Response.json(self.migrate_all_v4_items())

        @a("GET", "metadata-private-keys")
        def _metadata_private_keys(req):
            """Who holds a copy of the oldest metadata key: the server (user_id null) and the users without one."""
            key_id = min(self.metadata_keys.values(), key=lambda k: k["created"])["id"]
            holders = {p["user_id"] for p in self.metadata_private_keys.values() if p["metadata_key_id"] == key_id}
            return Response.json({"server_copy": None in holders,
                                  "users_without_copy": sorted(u for u in self.users if u not in holders)})

        @a("GET", "bench-secrets")
        def _bench_secrets(req):
            ada = SD.user_id("ada")
            return Response.json([{"data": self.secrets[(spec["id"], ada)]["data"]} for spec in self._bench_resources()
                                  if (spec["id"], ada) in self.secrets])

        @a("GET", "tokens")
        def _tokens(req):
            return Response.json({"access_tokens": list(self.issued_tokens),
                                  "refresh_tokens": sorted(self.refresh_tokens)})

        @a("POST", "rotate-server-key")
        def _rotate(req):
            return Response.json({"fingerprint": self._rotate_server_key()})

        @a("POST", "tamper")
        def _tamper(req):
            mode = (req.json() if req.body else {}).get("mode", "none")
            if mode not in ("verify_token", "signature", "none"):
                return Response.json({"error": "mode must be verify_token, signature or none"}, status=400)
            self.tamper_mode = mode
            return Response.json({"mode": mode})

        @a("POST", "reseed")
        def _reseed(req):
            self.seed((req.json() if req.body else {}).get("profile", "test"))
            return Response.json({"ok": True})

        @a("GET", "state")
        def _state(req):
            resources = []
            for res in self.resources.values():
                if res["deleted"]:
                    continue
                resources.append({
                    "id": res["id"], "name": res["name"], "resource_type_id": res["resource_type_id"],
                    "metadata_key_type": res["metadata_key_type"], "folder_parent_id": res["folder_parent_id"],
                    "permissions": [{"aro": p["aro"], "aro_foreign_key": p["aro_foreign_key"], "type": p["type"],
                                     "id": p["id"]} for p in self._aco_permissions(res["id"])],
                    "secrets_for": sorted(uid for (rid, uid) in self.secrets if rid == res["id"]),
                    "modified": res["modified"], "expired": res["expired"]})
            folders = [{"id": f["id"], "name": f["name"], "folder_parent_id": f["folder_parent_id"],
                        "metadata_key_type": f["metadata_key_type"], "modified_by": f["modified_by"],
                        "permissions": [{"aro": p["aro"], "aro_foreign_key": p["aro_foreign_key"],
                                         "type": p["type"], "id": p["id"]} for p in self._aco_permissions(f["id"])]}
                       for f in self.folders.values()]
            return Response.json({"resources": resources, "folders": folders, "settings": dict(self.settings),
                                  "server_fingerprint": self.server_fpr})
