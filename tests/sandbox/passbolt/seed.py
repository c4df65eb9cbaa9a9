"""The seeded data (seed_data.py): users and their keys, groups, folders, the shared metadata key, resources and
their secrets, written as the real actors write them (GnuPG, or openpgp.js as the browser extension: extension.py).
Test-only: no passbolt_api counterpart.
"""

from __future__ import annotations

import json
import time
import uuid

from sandbox.passbolt import extension
from sandbox.passbolt import seed_data as SD
from sandbox.passbolt.controllers.core import OWNER, iso


class SeedMixin:
    def seed(self, profile):
        with self.lock:
            self._reset_data()
            now = iso()
            for short, spec in SD.USERS.items():
                key = self.keys[short]
                gpgkey_id = str(uuid.uuid5(SD.NAMESPACE, "gpgkey:" + key["fingerprint"]))
                self.users[spec["id"]] = {
                    "short": short, "id": spec["id"], "username": spec["username"], "active": spec["active"],
                    "deleted": False, "role": spec["role"], "first_name": spec["first_name"],
                    "last_name": spec["last_name"], "mfa": spec["mfa"], "created": now, "modified": now,
                    "gpgkey": {
                        "id": gpgkey_id, "user_id": spec["id"], "armored_key": key["public"],
                        "bits": 2048 if spec["key"] == "rsa" else 255,
                        "uid": "%s %s <%s>" % (spec["first_name"], spec["last_name"], spec["username"]),
                        "key_id": key["fingerprint"][-8:], "fingerprint": key["fingerprint"],
                        "type": "RSA" if spec["key"] == "rsa" else "EdDSA", "expires": None,
                        "key_created": now, "deleted": False, "created": now, "modified": now},
                }
            if self.settings["password_expiry_enabled"]:
                # PasswordExpiryFirstUserSetupCompleteEventListener: the first administrator's setup turned the
                # feature on (PasswordExpiryEnableOnInstanceCreationService, the CE DTO's getValue())
                self.store_password_expiry_setting({"automatic_expiry": True, "automatic_update": True,
                                                    "policy_override": False, "default_expiry_period": None},
                                                   SD.user_id("ada"))
            for name, spec in SD.GROUPS.items():
                members = [(m, True) for m in spec["managers"]] + [(m, False) for m in spec["members"]]
                self.groups[spec["id"]] = {
                    "id": spec["id"], "name": name, "deleted": False, "created": now, "modified": now,
                    "created_by": SD.user_id("ada"), "modified_by": SD.user_id("ada"),
                    "groups_users": [{"id": str(uuid.uuid5(SD.NAMESPACE, "gu:%s:%s" % (name, m))),
                                      "group_id": spec["id"], "user_id": SD.user_id(m), "is_admin": admin,
                                      "created": now} for m, admin in members]}
            for path, spec in SD.FOLDERS.items():
                owner = SD.user_id(spec["owner"])
                self.folders[spec["id"]] = {
                    "id": spec["id"], "name": spec["name"], "metadata": None, "metadata_key_id": None,
                    "metadata_key_type": None,
                    "folder_parent_id": SD.FOLDER_IDS[spec["parent"]] if spec["parent"] else None,
                    "created": now, "modified": now, "created_by": owner, "modified_by": owner, "personal": True}
                self._add_permission("Folder", spec["id"], "User", owner, OWNER)
            # the shared metadata key, its private part encrypted to every active user
            mkey = self.keys["metadata"]
            mkey_id = str(uuid.uuid5(SD.NAMESPACE, "metadata-key:" + mkey["fingerprint"]))
            # made a day before the rest of the seed: a key made by a test is the latest (created has seconds only)
            made = iso(time.time() - 86400)
            self.metadata_keys[mkey_id] = {
                "id": mkey_id, "fingerprint": mkey["fingerprint"], "armored_key": mkey["public"],
                "created": made, "modified": made, "created_by": SD.user_id("ada"), "modified_by": SD.user_id("ada"),
                "deleted": None, "expired": None}
            self.metadata_key_id = mkey_id
            self._seed_metadata_key_copies(mkey_id, mkey, now)
            self._extension_jobs = []
            for spec in SD.RESOURCES:
                self._seed_resource(spec, now)
            self._write_as_extension()
            if profile == "bench":
                for spec in self._bench_resources():
                    self._seed_resource(spec, now)
        self.profile = profile

    def _seed_metadata_key_copies(self, mkey_id, mkey, now):
        """Who holds a copy of the metadata private key, written and signed as the real actors do.

        Ada's browser extension made the key (MetadataKeyCreateService: every copy in the request gets
        created_by/modified_by = the admin): her own copy and, unless zero_knowledge_key_share, the server's
        (user_id null), both signed by her. Every other active user got it when their setup completed
        (SetupCompleteListener -> ShareMetadataKeyServiceFactory): MetadataKeyShareDefaultService::shareMetadataKeyWithUser
        decrypts the server's copy and encrypts it for the user signed with the server key (setSignKeyWithServerKey),
        created_by/modified_by null. In zero-knowledge mode nobody shares it (MetadataKeyShareNothingService) until
        an administrator does (POST /metadata/keys/{id}/private.json). Inactive users have not completed setup."""
        plain = json.dumps({"object_type": "PASSBOLT_METADATA_PRIVATE_KEY", "domain": self._full_base_url() + "/",
                            "fingerprint": mkey["fingerprint"], "armored_key": mkey["private"], "passphrase": ""})
        ada = SD.user_id("ada")
        zero_knowledge = self.settings["zero_knowledge_key_share"]

        def add(short, data, by):
            pid = str(uuid.uuid5(SD.NAMESPACE, "metadata-private-key:%s" % short))
            self.metadata_private_keys[pid] = {
                "id": pid, "metadata_key_id": mkey_id, "user_id": SD.user_id(short) if short != "server" else None,
                "data": data, "created": now, "modified": now, "created_by": by, "modified_by": by}

        add("ada", self._seed_encrypt(plain, "ada", "ada"), ada)
        if zero_knowledge:
            return
        add("server", self._seed_encrypt(plain, "server", "ada"), ada)
        for short, spec in SD.USERS.items():
            if short != "ada" and spec["active"]:
                add(short, self.server_encrypt(plain, self.keys[short]["fingerprint"]), None)

    def _bench_resources(self):
        """`make bench`: many v4 password-string resources owned by ada, named bench-000, ..."""
        slug = "password-string"
        return [{"id": str(uuid.uuid5(SD.NAMESPACE, "bench:%d" % index)), "resource_type_id": SD.resource_type_id(slug),
                 "type": slug, "metadata": "v4", "name": "bench-%03d" % index, "folder": None, "username": "bench",
                 "uris": [], "description": "", "secret": {"password": "bench-pw-%03d-x" % index}, "owner": "ada",
                 "shared": []}
                for index in range(int(self.config.get("bench_entries", 500)))]

    def _seed_encrypt(self, plaintext, to_short, signer_short):
        signer = self.keys[signer_short]
        result = self.seed_gpg.encrypt(plaintext, [self.keys[to_short]["fingerprint"]],
                                       sign=signer["fingerprint"], passphrase=signer["passphrase"],
                                       always_trust=True, extra_args=["--pinentry-mode", "loopback"])
        if not result.ok:
            raise RuntimeError("seed encryption failed: %s" % result.status)
        return str(result)

    def _seed_encrypt_metadata(self, plaintext, signer_short, signing="extension"):
        """Shared-key metadata. signing: "extension" (the user's key then the metadata key, as Passbolt's browser
        extension signs it), "user" (the user's key only), "none", "stranger" (a key no user has), "bad" (a
        signature that does not match) or "unreadable" (encrypted to a key no user holds)."""
        signer = self.keys[signer_short]
        metadata_fpr = self.keys["metadata"]["fingerprint"]
        if signing == "bad":
            return self._seed_badly_signed(plaintext, signer, metadata_fpr)
        kwargs = {}
        if signing == "extension":
            kwargs = {"sign": signer["fingerprint"], "passphrase": signer["passphrase"],
                      "extra_args": ["--pinentry-mode", "loopback", "--local-user", signer["fingerprint"],
                                     "--local-user", metadata_fpr]}
        elif signing == "user":
            kwargs = {"sign": signer["fingerprint"], "passphrase": signer["passphrase"],
                      "extra_args": ["--pinentry-mode", "loopback"]}
        elif signing == "stranger":
            kwargs = {"sign": self.keys["impostor"]["fingerprint"]}  # no passphrase: python-gnupg must not send one
        elif signing == "unreadable":  # to a key no user holds, signed by the owner
            kwargs = {"sign": signer["fingerprint"], "passphrase": signer["passphrase"],
                      "extra_args": ["--pinentry-mode", "loopback"]}
            metadata_fpr = self.keys["impostor"]["fingerprint"]
        result = self.seed_gpg.encrypt(plaintext, [metadata_fpr], always_trust=True, **kwargs)
        if not result.ok:
            raise RuntimeError("seed metadata encryption failed: %s" % result.status)
        return str(result)

    def _seed_badly_signed(self, plaintext, signer, recipient, old=b'"username"', new=b'"Username"'):
        """Signed (uncompressed), one signed byte changed, then encrypted as it is (--no-literal): decrypts, BADSIG."""
        signed = self.seed_gpg.sign(plaintext, keyid=signer["fingerprint"], passphrase=signer["passphrase"],
                                    binary=True, clearsign=False, extra_args=["--pinentry-mode", "loopback", "--compress-algo", "none"])
        data = signed.data
        at = data.index(old)
        data = data[:at] + new + data[at + len(old):]
        result = self.seed_gpg.encrypt(data, [recipient], always_trust=True, extra_args=["--no-literal"])
        if not result.ok:
            raise RuntimeError("seed metadata encryption failed: %s" % result.status)
        return str(result)

    def _as_extension(self, plaintext, to_keys, signers, store):
        """Queue a message that openpgp.js writes as Passbolt's browser extension does (see extension.py);
        `store(armored)` puts it in place. The extension writes JSON with JSON.stringify: no blanks."""
        try:
            plaintext = json.dumps(json.loads(plaintext), separators=(",", ":"), ensure_ascii=False)
        except ValueError:
            pass  # a password-string secret: the password itself
        self._extension_jobs.append((
            {"text": plaintext, "encryption_keys": [self.keys[k]["public"] for k in to_keys],
             "signing_keys": [{"armored": self.keys[k]["private"], "passphrase": self.keys[k]["passphrase"]}
                              for k in signers]}, store))

    def _write_as_extension(self):
        """One Node run for every queued message (read back from the key cache when the keys and texts are the same)."""
        jobs, self._extension_jobs = self._extension_jobs, []
        for (dummy, store), armored in zip(jobs, extension.encrypt_many([job for job, dummy in jobs], self.key_cache)):
            store(armored)

    def _seed_resource(self, spec, now):
        owner = SD.user_id(spec["owner"])
        res = {"id": spec["id"], "resource_type_id": spec["resource_type_id"],
               "folder_parent_id": SD.FOLDER_IDS[spec["folder"]] if spec["folder"] else None,
               "created": now, "modified": now, "created_by": owner, "modified_by": owner,
               "deleted": False, "expired": None, "metadata": None, "metadata_key_id": None,
               "metadata_key_type": None, "name": None, "username": None, "uri": None, "description": None}
        if spec["metadata"] == "v4":
            res.update(name=spec["name"], username=spec["username"] or None,
                       uri=(spec["uris"][0] if spec["uris"] else None), description=spec["description"] or None)
        else:
            plain = json.dumps({"object_type": "PASSBOLT_RESOURCE_METADATA",
                                "resource_type_id": spec["resource_type_id"], "name": spec["name"],
                                "username": spec["username"], "uris": spec["uris"],
                                "description": spec["description"], "icon": None,
                                "custom_fields": spec.get("metadata_custom_fields") or []})
            if spec["metadata"] == "v5-shared":
                res.update(metadata_key_id=self.metadata_key_id, metadata_key_type="shared_key")
                if spec.get("writer") == "extension":
                    self._as_extension(plain, ["metadata"], [spec["owner"], "metadata"],
                                       lambda armored, res=res: res.update(metadata=armored))
                else:
                    res.update(metadata=self._seed_encrypt_metadata(plain, spec["owner"], spec.get("signing", "extension")))
            else:
                res.update(metadata_key_id=self.users[owner]["gpgkey"]["id"], metadata_key_type="user_key")
                if spec.get("writer") == "extension":
                    self._as_extension(plain, [spec["owner"]], [spec["owner"]],
                                       lambda armored, res=res: res.update(metadata=armored))
                else:
                    res.update(metadata=self._seed_encrypt(plain, spec["owner"], spec.get("metadata_signer", spec["owner"])))
        self.resources[res["id"]] = res
        self._add_permission("Resource", res["id"], "User", owner, OWNER)
        for share in spec["shared"]:
            if "user" in share:
                self._add_permission("Resource", res["id"], "User", SD.user_id(share["user"]), share["type"])
            else:
                self._add_permission("Resource", res["id"], "Group", SD.GROUP_IDS[share["group"]], share["type"])
        if spec["type"] in ("password-string", "v5-password-string"):
            plain_secret = spec["secret"]["password"]
        else:
            plain_secret = json.dumps(spec["secret"])
        for uid in sorted(self._users_with_access(res["id"])):
            if spec.get("writer") == "extension":
                self._set_secret(res["id"], uid, None, owner)
                self._as_extension(plain_secret, [self.users[uid]["short"]], [spec["owner"]],
                                   lambda armored, row=self.secrets[(res["id"], uid)]: row.update(data=armored))
            else:
                self._set_secret(res["id"], uid, self._seed_secret(plain_secret, self.users[uid]["short"], spec), owner)

    def _seed_secret(self, plaintext, to_short, spec):
        """A secret as the extension writes it (signed by the owner), or spec["secret_signing"]: none | bad."""
        signing = spec.get("secret_signing")
        if signing == "none":
            result = self.seed_gpg.encrypt(plaintext, [self.keys[to_short]["fingerprint"]], always_trust=True)
            return str(result)
        if signing == "bad":
            return self._seed_badly_signed(plaintext, self.keys[spec["owner"]], self.keys[to_short]["fingerprint"],
                                           b"pw-1", b"pw-2")
        return self._seed_encrypt(plaintext, to_short, spec.get("secret_signer", spec["owner"]))
