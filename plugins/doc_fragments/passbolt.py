# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Passbolt connection and credentials. Modules use DOCUMENTATION (environment variables are
    # fallbacks in their argument spec); lookups add PLUGINS for env/ini/vars sources.
    # Secrets have no ini: entry on purpose.
    DOCUMENTATION = r"""
options:
  base_url:
    description:
      - Base URL of the Passbolt server, for example V(https://passbolt.example.com).
      - If not set, the E(PASSBOLT_BASE_URL) environment variable is used.
    type: str
  user_id:
    description:
      - UUID of the Passbolt user to log in as. Read from the account kit or the private key's user when not set.
      - If not set, the E(PASSBOLT_USER_ID) environment variable is used.
    type: str
  private_key:
    description:
      - The user's armored OpenPGP private key (the text, not a path).
      - If not set, the E(PASSBOLT_PRIVATE_KEY) environment variable is used.
    type: str
  private_key_file:
    description:
      - Path to a file holding the user's armored OpenPGP private key.
      - If not set, the E(PASSBOLT_PRIVATE_KEY_FILE) environment variable is used.
    type: path
  passphrase:
    description:
      - Passphrase of the private key.
      - If not set, the E(PASSBOLT_PASSPHRASE) environment variable is used.
    type: str
  server_fingerprint:
    description:
      - Expected fingerprint of the server's OpenPGP key; login is refused when the server key differs.
      - Compared case-insensitively, spaces and colons ignored.
      - When not set and an O(account_kit) is used, the server key recorded in the account kit is pinned, and used
        as it is, so that the login needs no request for the server key.
      - If not set, the E(PASSBOLT_SERVER_FINGERPRINT) environment variable is used.
    type: str
  auth:
    description:
      - How to log in.
      - V(jwt) signs and encrypts a challenge to the server key and uses short-lived bearer tokens,
        refreshed silently; it needs O(user_id) (or an account kit).
      - V(gpgauth) is the legacy cookie login that older servers and some deployments use.
      - V(auto) uses JWT, and GPGAuth when the server has no JWT login or when O(user_id) is not known
        (the user id is then read from the server after login).
      - If not set, the E(PASSBOLT_AUTH) environment variable is used.
    type: str
    choices: [auto, jwt, gpgauth]
    default: auto
  account_kit:
    description:
      - The Passbolt account kit exported by the web UI (C(account-kit.passbolt)), as a file path or its content.
      - It supplies O(base_url), O(user_id), O(private_key) and the server key to pin when those are not set;
        O(passphrase) is still needed.
      - If not set, the E(PASSBOLT_ACCOUNT_KIT) environment variable is used.
    type: str
  mfa_totp_secret:
    description:
      - Base32 TOTP secret of the user's multi-factor authentication; a code is computed when the server asks for MFA.
      - If not set, the E(PASSBOLT_MFA_TOTP_SECRET) environment variable is used.
    type: str
  mfa_totp_code:
    description:
      - A current TOTP code to answer the server's MFA demand with (instead of O(mfa_totp_secret)).
      - If not set, the E(PASSBOLT_MFA_TOTP_CODE) environment variable is used.
    type: str
  verify_signatures:
    description:
      - Check the OpenPGP signatures of what is decrypted, as Passbolt's own clients do, signer by signer.
      - A secret must be signed by the user who last wrote it (the secret's C(modified_by), else the resource's).
      - Shared-key v5 metadata (of a resource, or of a v5 folder, whose name it holds) must be signed by a shared
        metadata key, or by the server key where the server wrote it (an administrator's upgrade of v4 resources and
        folders to v5). Personal (user-key) metadata must be signed by you, or by the server key (the same upgrade).
      - Your copy of a shared metadata private key must be signed by the server key (the server shares the key
        itself unless the organisation uses zero-knowledge key sharing), by the administrator who wrote your copy,
        or by you (the copy Passbolt's browser extension re-signs when you trust the key).
      - The server key is the one the login proved (see O(server_fingerprint)); a user's key is the one
        C(GET /users.json) lists for that user (asked once per session, only when needed).
      - A bad signature is always an error naming the resource. V(false) accepts unsigned items and items signed by
        another key, with a warning.
      - If not set, the E(PASSBOLT_VERIFY_SIGNATURES) environment variable is used.
    type: bool
    default: true
  metadata_key_fingerprints:
    description:
      - Fingerprints of the shared metadata keys you trust (metadata key pinning).
      - When set, a metadata key with another fingerprint, and a private key shared with you for it, is never used,
        neither to read (its resources are refused with a message naming the key) nor to write.
      - When not set, a change of the server's metadata keys seen during one session (one run of the lookup agent,
        or one module run) is warned about.
      - Before rotating the metadata key, an administrator adds the new key's fingerprint here; after the old
        key is deleted, its fingerprint can go.
      - If not set, the E(PASSBOLT_METADATA_KEY_FINGERPRINTS) environment variable is used (comma-separated).
    type: list
    elements: str
notes:
  - For compatibility with C(anatomicjc.passbolt), E(PASSBOLT_BASE_URL), E(PASSBOLT_PRIVATE_KEY) and
    E(PASSBOLT_PASSPHRASE) are read as before, and E(PASSBOLT_VERIFY) is honoured - V(false) disables
    certificate validation (like O(validate_certs=false)) when O(validate_certs) is not set, a path is used as
    O(ca_path) when O(ca_path) is not set.
  - All OpenPGP work happens in a private temporary GnuPG home that is removed at the end; the user's own keyring
    is never used. Requires the C(gpg) program (GnuPG 2.1 or later) and the Python library C(python-gnupg).
"""

    PLUGINS = r"""
options:
  skip_ssl_verification:
    description:
      - V(true) is the same as O(validate_certs=false); the option name of Passbolt's official lookup
        (C(passbolt.passbolt_lookup)).
    type: bool
    default: false
  base_url:
    env:
      - name: PASSBOLT_BASE_URL
    ini:
      - section: pwman_passbolt
        key: base_url
    vars:
      - name: ansible_pwman_passbolt_base_url
  user_id:
    env:
      - name: PASSBOLT_USER_ID
    ini:
      - section: pwman_passbolt
        key: user_id
    vars:
      - name: ansible_pwman_passbolt_user_id
  private_key:
    env:
      - name: PASSBOLT_PRIVATE_KEY
    vars:
      - name: ansible_pwman_passbolt_private_key
  private_key_file:
    env:
      - name: PASSBOLT_PRIVATE_KEY_FILE
    ini:
      - section: pwman_passbolt
        key: private_key_file
    vars:
      - name: ansible_pwman_passbolt_private_key_file
  passphrase:
    env:
      - name: PASSBOLT_PASSPHRASE
    vars:
      - name: ansible_pwman_passbolt_passphrase
  server_fingerprint:
    env:
      - name: PASSBOLT_SERVER_FINGERPRINT
    ini:
      - section: pwman_passbolt
        key: server_fingerprint
    vars:
      - name: ansible_pwman_passbolt_server_fingerprint
  metadata_key_fingerprints:
    env:
      - name: PASSBOLT_METADATA_KEY_FINGERPRINTS
    ini:
      - section: pwman_passbolt
        key: metadata_key_fingerprints
    vars:
      - name: ansible_pwman_passbolt_metadata_key_fingerprints
  auth:
    env:
      - name: PASSBOLT_AUTH
    ini:
      - section: pwman_passbolt
        key: auth
    vars:
      - name: ansible_pwman_passbolt_auth
  account_kit:
    env:
      - name: PASSBOLT_ACCOUNT_KIT
    vars:
      - name: ansible_pwman_passbolt_account_kit
  mfa_totp_secret:
    env:
      - name: PASSBOLT_MFA_TOTP_SECRET
    vars:
      - name: ansible_pwman_passbolt_mfa_totp_secret
  mfa_totp_code:
    env:
      - name: PASSBOLT_MFA_TOTP_CODE
    vars:
      - name: ansible_pwman_passbolt_mfa_totp_code
  verify_signatures:
    env:
      - name: PASSBOLT_VERIFY_SIGNATURES
    ini:
      - section: pwman_passbolt
        key: verify_signatures
    vars:
      - name: ansible_pwman_passbolt_verify_signatures
  validate_certs:
    ini:
      - section: pwman_passbolt
        key: validate_certs
    vars:
      - name: ansible_pwman_passbolt_validate_certs
  ca_path:
    ini:
      - section: pwman_passbolt
        key: ca_path
    vars:
      - name: ansible_pwman_passbolt_ca_path
  timeout:
    ini:
      - section: pwman_passbolt
        key: timeout
    vars:
      - name: ansible_pwman_passbolt_timeout
  retries:
    ini:
      - section: pwman_passbolt
        key: retries
    vars:
      - name: ansible_pwman_passbolt_retries
"""
