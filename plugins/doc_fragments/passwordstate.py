# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Passwordstate connection and credentials. Modules use DOCUMENTATION (environment variables are
    # fallbacks in their argument spec); lookups add PLUGINS for env/ini/vars sources.
    # Secrets have no ini: entry on purpose.
    DOCUMENTATION = r"""
options:
  base_url:
    description:
      - Base URL of the Passwordstate web site, for example V(https://passwordstate.example.com). The client adds C(/api/).
      - If not set, the E(PASSWORDSTATE_BASE_URL) environment variable is used.
    type: str
  api_key:
    description:
      - API key - a Password List's key or the system-wide key. Sent in the C(APIKey) header, never in the URL.
      - If not set, the E(PASSWORDSTATE_API_KEY) environment variable is used.
    type: str
  list_id:
    description:
      - Default Password List ID. It also chooses the key from O(list_api_keys).
      - For lookups, V(0) means every shared Password List (needs the system-wide key).
      - If not set, the E(PASSWORDSTATE_LIST_ID) environment variable is used.
    type: int
  generator_api_key:
    description:
      - The password generator API key; falls back to O(api_key).
      - If not set, the E(PASSWORDSTATE_GENERATOR_API_KEY) environment variable is used.
    type: str
  list_api_keys:
    description:
      - Per-list API keys, a dictionary from Password List ID to key. A request about Password List C(N) uses
        C(list_api_keys[N]) when given, else O(api_key) (typically the system-wide key).
      - Keys are sent in the C(APIKey) header only.
    type: dict
  reason:
    description:
      - Reason for access, sent as the C(Reason) header. Password Lists configured to require a reason
        answer HTTP 401 without it.
      - If not set, the E(PASSWORDSTATE_REASON) environment variable is used.
    type: str
  date_format:
    description:
      - The server's Default Locale date format (System Settings - miscellaneous - Default Locale). The server
        answers C(ExpiryDate) in it (padded or not, for example C(1/2/2029)) and expects written dates in it, so
        dates are sent in this format. Dates you give are always C(YYYY-MM-DD); ISO dates in answers are
        recognised whatever this option says.
      - If not set, the E(PASSWORDSTATE_DATE_FORMAT) environment variable is used.
    type: str
    choices: [DD/MM/YYYY, MM/DD/YYYY, YYYY-MM-DD]
    default: DD/MM/YYYY
  secret_generic_fields:
    description:
      - The generic fields that hold secrets, by number (V(3)), V(GenericField3) or display name.
      - Passwordstate configures field types per Password List and its API does not tell them. So when this
        option is not set every generic field is treated as a secret - masked in diffs, left out of results
        without secrets, blanked out of messages. When it is set (even to V([])), the fields named are
        secrets and the others plain text.
    type: list
    elements: str
  prevent_auditing:
    description:
      - Send C(PreventAuditing=true) with searches and list reads, so the server writes no audit record for them
        (the server ignores it when a password is read by its PasswordID).
      - If not set, the E(PASSWORDSTATE_PREVENT_AUDITING) environment variable is used.
    type: bool
    default: false
  auth:
    description:
      - V(apikey) uses the standard API under C(/api/) with API keys.
      - V(windows) uses the Windows-integrated API under C(/winapi/) over NTLM as O(windows_username);
        it needs the optional Python package C(requests_ntlm) (C(pip install requests-ntlm), or the collection's
        C(requirements-ntlm.txt)) on the host running the plugin; without it the task fails saying so.
        API keys are then ignored and no C(APIKey) header is sent.
      - If not set, the E(PASSWORDSTATE_AUTH) environment variable is used.
    type: str
    choices: [apikey, windows]
    default: apikey
  windows_username:
    description:
      - Windows account for O(auth=windows), as C(DOMAIN\user). Required with O(auth=windows).
      - If not set, the E(PASSWORDSTATE_WINDOWS_USERNAME) environment variable is used.
    type: str
  windows_password:
    description:
      - Password of O(windows_username). Required with O(auth=windows); never logged.
      - If not set, the E(PASSWORDSTATE_WINDOWS_PASSWORD) environment variable is used.
    type: str
"""

    PLUGINS = r"""
options:
  base_url:
    env:
      - name: PASSWORDSTATE_BASE_URL
    ini:
      - section: pwman_passwordstate
        key: base_url
    vars:
      - name: ansible_pwman_passwordstate_base_url
  api_key:
    env:
      - name: PASSWORDSTATE_API_KEY
    vars:
      - name: ansible_pwman_passwordstate_api_key
  list_id:
    env:
      - name: PASSWORDSTATE_LIST_ID
    ini:
      - section: pwman_passwordstate
        key: list_id
    vars:
      - name: ansible_pwman_passwordstate_list_id
  generator_api_key:
    env:
      - name: PASSWORDSTATE_GENERATOR_API_KEY
    vars:
      - name: ansible_pwman_passwordstate_generator_api_key
  list_api_keys:
    vars:
      - name: ansible_pwman_passwordstate_list_api_keys
  reason:
    env:
      - name: PASSWORDSTATE_REASON
    ini:
      - section: pwman_passwordstate
        key: reason
    vars:
      - name: ansible_pwman_passwordstate_reason
  date_format:
    env:
      - name: PASSWORDSTATE_DATE_FORMAT
    ini:
      - section: pwman_passwordstate
        key: date_format
    vars:
      - name: ansible_pwman_passwordstate_date_format
  secret_generic_fields:
    ini:
      - section: pwman_passwordstate
        key: secret_generic_fields
    vars:
      - name: ansible_pwman_passwordstate_secret_generic_fields
  prevent_auditing:
    env:
      - name: PASSWORDSTATE_PREVENT_AUDITING
    ini:
      - section: pwman_passwordstate
        key: prevent_auditing
    vars:
      - name: ansible_pwman_passwordstate_prevent_auditing
  auth:
    env:
      - name: PASSWORDSTATE_AUTH
    ini:
      - section: pwman_passwordstate
        key: auth
    vars:
      - name: ansible_pwman_passwordstate_auth
  windows_username:
    env:
      - name: PASSWORDSTATE_WINDOWS_USERNAME
    ini:
      - section: pwman_passwordstate
        key: windows_username
    vars:
      - name: ansible_pwman_passwordstate_windows_username
  windows_password:
    env:
      - name: PASSWORDSTATE_WINDOWS_PASSWORD
    vars:
      - name: ansible_pwman_passwordstate_windows_password
  validate_certs:
    ini:
      - section: pwman_passwordstate
        key: validate_certs
    vars:
      - name: ansible_pwman_passwordstate_validate_certs
  ca_path:
    ini:
      - section: pwman_passwordstate
        key: ca_path
    vars:
      - name: ansible_pwman_passwordstate_ca_path
  timeout:
    ini:
      - section: pwman_passwordstate
        key: timeout
    vars:
      - name: ansible_pwman_passwordstate_timeout
  retries:
    ini:
      - section: pwman_passwordstate
        key: retries
    vars:
      - name: ansible_pwman_passwordstate_retries
"""
