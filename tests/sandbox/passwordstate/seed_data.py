"""The "demo" data of the Passwordstate imitation, importable by tests for expected values.

Test data only: every key and password here is public.
"""

from __future__ import annotations

SYSTEM_API_KEY = "ps-system-0b7d6c2f9e4a41d1a8f0c3e2d5b6a7c8"
GENERATOR_API_KEY = "ps-generator-5e2a9c1d7b3f48e6a0d4c8b2f1e3a5d7"

# The Windows account accepted by the Windows-integrated API (/winapi/, NTLM); it sees every list.
WINDOWS_DOMAIN = "DEMO"
WINDOWS_USER = "ansible"
WINDOWS_USERNAME = WINDOWS_DOMAIN + "\\" + WINDOWS_USER
WINDOWS_PASSWORD = "Win-Ansible-Pass-7"

# Lists: id -> settings. `api_key` is the list's own key; `policy` the strength policy;
# `reason_required` = ProvideAccessReason; `reset_scripts` = passwords with reset scripts.
PLAIN_LIST_ID = 11
STRICT_LIST_ID = 12
REASON_LIST_ID = 13
RESET_LIST_ID = 14
EMPTY_LIST_ID = 15

# Generic field definitions are the list's configuration; the API never sends their FieldType (see README.md).
GENERIC_FIELDS_PLAIN = {
    1: {"DisplayName": "Tenant", "FieldType": "Text"},
    2: {"DisplayName": "Port", "FieldType": "Text"},
    3: {"DisplayName": "Recovery Code", "FieldType": "Password"},
}

LISTS = {
    PLAIN_LIST_ID: {
        "PasswordList": "Web Sites",
        "Description": "Web logins for the demo",
        "TreePath": "\\Demo\\Web Sites",
        "api_key": "ps-list11-3f1e9a7c5b2d4e6f8a0c1b3d5e7f9a2c",
        "policy": {"PolicyName": "Default Policy", "min_length": 4, "classes": 1},
        "PasswordGeneratorID": 1,
        "PreventPasswordReuse": 0,
        "reason_required": False,
        "reset_scripts": False,
        "generic_fields": GENERIC_FIELDS_PLAIN,
    },
    STRICT_LIST_ID: {
        "PasswordList": "Production Databases",
        "Description": "Strict policy: 14+ characters, 4 classes, no reuse of the last 3",
        "TreePath": "\\Demo\\Production Databases",
        "api_key": "ps-list12-8c6a4e2f0d9b47c1a3e5f7b9d1c3e5a7",
        "policy": {"PolicyName": "Strict Policy", "min_length": 14, "classes": 4},
        "PasswordGeneratorID": 1,
        "PreventPasswordReuse": 3,
        "HidePasswords": "False:True:False",   # the composite form of ruby-passwordstate's recording
        "reason_required": False,
        "reset_scripts": False,
        "generic_fields": {1: {"DisplayName": "Server", "FieldType": "Text"}},
    },
    REASON_LIST_ID: {
        "PasswordList": "Break Glass",
        "Description": "A reason is required to read these",
        "TreePath": "\\Demo\\Break Glass",
        "api_key": "ps-list13-1d3f5b7a9c2e4f6a8b0d2c4e6a8f0b1d",
        "policy": {"PolicyName": "Default Policy", "min_length": 4, "classes": 1},
        "PasswordGeneratorID": 1,
        "PreventPasswordReuse": 0,
        "reason_required": True,
        "reset_scripts": False,
        "generic_fields": {},
    },
    RESET_LIST_ID: {
        "PasswordList": "Windows Servers",
        "Description": "Passwords with reset scripts: changes are queued",
        "TreePath": "\\Demo\\Windows Servers",
        "api_key": "ps-list14-6b8d0f2a4c6e8a1b3d5f7c9e1a3b5d7f",
        "policy": {"PolicyName": "Default Policy", "min_length": 4, "classes": 1},
        "PasswordGeneratorID": 1,
        "PreventPasswordReuse": 0,
        "reason_required": False,
        "reset_scripts": True,
        "generic_fields": {1: {"DisplayName": "Domain or Host", "FieldType": "Text"}},
        # this list's records answer GenericFieldInfo as {} (type drift seen on some versions)
        "generic_field_info_as_dict": True,
    },
    EMPTY_LIST_ID: {
        "PasswordList": "Empty List",
        "Description": "No passwords yet",
        "TreePath": "\\Demo\\Empty List",
        "api_key": "ps-list15-2a4c6e8f0b1d3f5a7c9e2b4d6f8a0c1e",
        "policy": {"PolicyName": "Default Policy", "min_length": 4, "classes": 1},
        "PasswordGeneratorID": 1,
        "PreventPasswordReuse": 0,
        "reason_required": False,
        "reset_scripts": False,
        "generic_fields": {},
    },
}

OTP_SECRET = "JBSWY3DPEHPK3PXP"

# Passwords: id -> fields. ExpiryDate is stored ISO and answered in the server locale.
PASSWORDS = {
    5001: {"list": PLAIN_LIST_ID, "Title": "web", "UserName": "alice", "Password": "Web-Alice-Pass-1",
           "Domain": "CORP", "HostName": "intranet01", "AccountType": "Web Site",
           "Description": "Intranet login", "URL": "https://intranet.example.com", "Notes": "rotated yearly",
           "ExpiryDate": "2029-02-01", "GenericField1": "CORP", "GenericField2": "443",
           "GenericField3": "Recovery-7731-Alpha"},
    5002: {"list": PLAIN_LIST_ID, "Title": "web-admin", "UserName": "admin", "Password": "Web-Admin-Pass-2",
           "Domain": "CORP",
           "Description": "Intranet admin", "URL": "https://intranet.example.com/admin",
           "GenericField1": "CORP", "GenericField2": "8443"},
    5003: {"list": PLAIN_LIST_ID, "Title": "mail", "UserName": "bob", "Password": "Mail-Bob-Pass-3",
           "GenericField1": "MAIL", "otp_secret": OTP_SECRET, "ExpiryDate": "2030-12-31"},
    5004: {"list": PLAIN_LIST_ID, "Title": "shared", "UserName": "ops", "Password": "Shared-Ops-Pass-4"},
    5005: {"list": PLAIN_LIST_ID, "Title": "shared", "UserName": "dev", "Password": "Shared-Dev-Pass-5"},
    6001: {"list": STRICT_LIST_ID, "Title": "db-primary", "UserName": "sa",
           "Password": "Db-Primary-Strong-Pass-#2029", "GenericField1": "db1.example.com", "HostName": "db1"},
    6002: {"list": STRICT_LIST_ID, "Title": "web", "UserName": "dbweb",
           "Password": "Db-Web-Strong-Pass-#2030", "GenericField1": "db2.example.com"},
    7001: {"list": REASON_LIST_ID, "Title": "root-breakglass", "UserName": "root",
           "Password": "Break-Glass-Root-Pass-9"},
    8001: {"list": RESET_LIST_ID, "Title": "srv01 local admin", "UserName": "Administrator",
           "Password": "Srv01-Admin-Pass-8", "GenericField1": "srv01", "PasswordResetEnabled": True},
}

GENERATORS = {
    1: {"GeneratorName": "Default Password Generator", "IncludeAlphaSpecial": True, "IncludeWordPhrases": False,
        "minLength": 16, "maxLength": 20, "lowerCaseChars": True, "upperCaseChars": True, "numericChars": True,
        "higherAlphaRatio": True, "ambiguousChars": False, "specialChars": True, "specialCharsText": "!#$%^&*+/=_-",
        "bracketChars": False, "bracketCharsText": "[](){}<>"},
    2: {"GeneratorName": "Word Phrases", "IncludeAlphaSpecial": False, "IncludeWordPhrases": True,
        "NumberOfWords": 3, "MaxWordLength": 7, "SeparateWords": "D", "PrefixAppend": "A"},
    3: {"GeneratorName": "PIN", "IncludeAlphaSpecial": True, "IncludeWordPhrases": False,
        "minLength": 6, "maxLength": 6, "lowerCaseChars": False, "upperCaseChars": False, "numericChars": True,
        "ambiguousChars": True, "specialChars": False, "bracketChars": False},
}

FOLDERS = {
    21: {"FolderName": "Demo", "Description": "Demo folder", "TreePath": "\\Demo"},
}


def list_api_key(list_id):
    return LISTS[list_id]["api_key"]
