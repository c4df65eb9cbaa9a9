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
      - If not set, the E(PASSBOLT_SERVER_FINGERPRINT) environment variable is used.
    type: str
"""

    PLUGINS = r"""
options:
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
