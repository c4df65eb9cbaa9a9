"""A local imitation of a Passbolt server (API v5 with v4 compatibility).

Real OpenPGP through GnuPG (python-gnupg): the server key decrypts login challenges and signs
its answers, users hold ECC or RSA keys, secrets and v5 metadata are real PGP messages.
Access tokens are RS256 JWTs. See ../../../docs/developing.md and ../shared/api/passbolt.md.

PassboltApp puts together one mixin per passbolt_api controller area (controllers/*.py, each naming the
controllers it imitates), the shared state and request handling (controllers/core.py), the seeding (seed.py) and
the test-only admin endpoints (admin.py). README.md says which module holds each endpoint.
"""

from __future__ import annotations

import os

from sandbox.passbolt import crypto
from sandbox.passbolt.admin import AdminMixin
from sandbox.passbolt.controllers import (auth, folders, groups, jwt_auth, metadata, metadata_keys, mfa,
                                          password_expiry, resources, settings, share, users)
from sandbox.passbolt.controllers.auth import AuthMixin
from sandbox.passbolt.controllers.core import PassboltBase
from sandbox.passbolt.controllers.folders import FoldersMixin
from sandbox.passbolt.controllers.formatting import FormattingMixin
from sandbox.passbolt.controllers.groups import GroupsMixin
from sandbox.passbolt.controllers.jwt_auth import JwtMixin
from sandbox.passbolt.controllers.metadata import MetadataMixin
from sandbox.passbolt.controllers.metadata_keys import MetadataKeysMixin
from sandbox.passbolt.controllers.metadata_migration import MetadataMigrationMixin
from sandbox.passbolt.controllers.metadata_rules import MetadataRulesMixin
from sandbox.passbolt.controllers.mfa import MfaMixin
from sandbox.passbolt.controllers.password_expiry import PasswordExpiryMixin
from sandbox.passbolt.controllers.resource_validation import ResourceValidationMixin
from sandbox.passbolt.controllers.resources import ResourcesMixin
from sandbox.passbolt.controllers.settings import SettingsMixin
from sandbox.passbolt.controllers.share import ShareMixin
from sandbox.passbolt.controllers.users import UsersMixin
from sandbox.passbolt.seed import SeedMixin

# (method, path pattern, handler name) of every API route; no two patterns match the same path, so the order
# does not matter.
ROUTES = (settings.ROUTES + auth.ROUTES + jwt_auth.ROUTES + mfa.ROUTES + users.ROUTES + groups.ROUTES
          + resources.ROUTES + share.ROUTES + metadata.ROUTES + metadata_keys.ROUTES + folders.ROUTES
          + password_expiry.ROUTES)


class PassboltApp(SeedMixin, AdminMixin, SettingsMixin, AuthMixin, JwtMixin, MfaMixin, UsersMixin, GroupsMixin,
                  ResourcesMixin, ResourceValidationMixin, ShareMixin, FoldersMixin, MetadataMixin, MetadataKeysMixin,
                  MetadataMigrationMixin, MetadataRulesMixin, PasswordExpiryMixin, FormattingMixin, PassboltBase):
    product = "passbolt"

    def __init__(self, config=None):
        super().__init__(config)
        self.issued_tokens = []
        self.state_dir = self.config.get("state_dir") or os.path.join(crypto.REPO, ".tmp", "passbolt-state")
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        os.chmod(self.state_dir, 0o700)
        self.key_cache = self.config.get("key_cache") or crypto.DEFAULT_KEY_CACHE
        self.base_url = self.config.get("base_url", "http://127.0.0.1")
        self.settings = {
            "access_token_ttl": int(self.config.get("access_token_ttl", 300)),
            "jwt_enabled": bool(self.config.get("jwt_enabled", True)),
            "gpgauth_enabled": bool(self.config.get("gpgauth_enabled", True)),
            "metadata_default": self.config.get("metadata_default", "v5"),
            "allow_v4_create": bool(self.config.get("allow_v4_create", True)),
            "allow_v5_create": bool(self.config.get("allow_v5_create", True)),
            # folders as resources: v5 by default (default_folder_type, allow_creation_of_v4/v5_folders)
            "folder_default": self.config.get("folder_default", "v5"),
            "allow_v4_folder_create": bool(self.config.get("allow_v4_folder_create", True)),
            "allow_v5_folder_create": bool(self.config.get("allow_v5_folder_create", True)),
            # MetadataTypesSettingsGetService / MetadataKeysSettingsGetService defaults
            "allow_v4_v5_upgrade": bool(self.config.get("allow_v4_v5_upgrade", False)),
            "allow_v5_v4_downgrade": bool(self.config.get("allow_v5_v4_downgrade", False)),
            "allow_personal_keys": bool(self.config.get("allow_personal_keys", True)),
            # MetadataKeysSettingsDto: false = the server shares the metadata key with each user itself
            # (MetadataKeyShareDefaultService); a reseed applies a change to the seeded copies
            "zero_knowledge_key_share": bool(self.config.get("zero_knowledge_key_share", False)),
            # config/default.php passbolt.plugins.resourceTypes / totpResourceTypes (PASSBOLT_PLUGINS_*_ENABLED)
            "resource_types_enabled": bool(self.config.get("resource_types_enabled", True)),
            "totp_resource_types_enabled": bool(self.config.get("totp_resource_types_enabled", True)),
            # PASSBOLT_PLUGINS_PASSWORD_EXPIRY_ENABLED (on by default); a Pro server's PasswordExpiryPolicies plugin
            # (config/pro.php, on there by default), off here: the imitation is a CE server unless told otherwise
            "password_expiry_enabled": bool(self.config.get("password_expiry_enabled", True)),
            "password_expiry_policies_enabled": bool(self.config.get("password_expiry_policies_enabled", False)),
            "expire_next_tokens": 0,  # tests: the next N access tokens are issued already expired
        }
        self.tamper_mode = "none"
        self.rotations = 0
        self.jwt = crypto.JwtSigner()
        self._key_ids = {}  # fingerprint -> encryption key ids (metadata recipients check)
        self._init_keys()
        self._reset_data()
        self._register_routes()
        self._register_admin()

    def _register_routes(self):
        for method, pattern, handler in ROUTES:
            self.route(method, pattern)(getattr(self, handler))


def create_app(config=None):
    return PassboltApp(config)
