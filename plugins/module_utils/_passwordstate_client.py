# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Passwordstate helpers over the thin API layer: keys, tolerant parsing, find, write, generate.

Keys: `api_key` (a list key or the system-wide key) and an optional `list_api_keys`
{list_id: key}; a request about list L uses list_api_keys[L] when given, else api_key.
The generator uses `generator_api_key`, falling back to api_key.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.pwman.secrets.plugins.module_utils._connection import build_http_client, env_fallback_to
from ansible_collections.pwman.secrets.plugins.module_utils._error_shapes import passwordstate_error_message
from ansible_collections.pwman.secrets.plugins.module_utils._errors import (
    Ambiguous,
    ApiError,
    ConfigError,
    NotFound,
    Redactor,
)
from ansible_collections.pwman.secrets.plugins.module_utils._passwordstate_api import PasswordstateApi

GENERIC_COUNT = 10
# Writable text fields: our option name -> the record's field name.
TEXT_FIELDS = {
    "title": "Title",
    "username": "UserName",
    "description": "Description",
    "notes": "Notes",
    "url": "URL",
    "domain": "Domain",
    "host_name": "HostName",
    "account_type": "AccountType",
}
# Record fields written under another name (PasswordState-Management's New-PasswordStatePassword body).
WRITE_NAMES = {"Domain": "ADDomainNetBIOS"}
# The fields of a password record as real servers send them (ruby-passwordstate and PasswordState-Management
# fixtures), in the API's spelling: what field=all and info results keep.
RECORD_FIELDS = ("PasswordID", "PasswordListID", "PasswordList", "TreePath", "Title", "Domain", "HostName",
                 "UserName", "Description") + tuple("GenericField%d" % n for n in range(1, GENERIC_COUNT + 1)) + \
    ("AccountTypeID", "AccountType", "Notes", "URL", "Password", "ExpiryDate", "AllowExport")
# The fields of a history entry as real servers send them (PasswordState-Management's PasswordHistoryResponse.json),
# generic fields aside.
HISTORY_FIELDS = ("PasswordHistoryID", "PasswordID", "Title", "UserName", "Description", "AccountTypeID", "AccountType",
                  "Notes", "URL", "Password", "ExpiryDate", "DateChanged", "PasswordList", "UserID", "FirstName",
                  "Surname")
FIELD_ALIASES = {
    "password": "Password", "title": "Title", "username": "UserName", "user_name": "UserName",
    "description": "Description", "notes": "Notes", "url": "URL", "expirydate": "ExpiryDate",
    "expiry_date": "ExpiryDate", "passwordid": "PasswordID", "password_id": "PasswordID", "id": "PasswordID",
    "passwordlistid": "PasswordListID", "list_id": "PasswordListID", "passwordlist": "PasswordList",
    "treepath": "TreePath", "accounttypeid": "AccountTypeID", "allowexport": "AllowExport",
    "domain": "Domain", "addomainnetbios": "Domain", "hostname": "HostName", "host_name": "HostName",
    "accounttype": "AccountType", "account_type": "AccountType",
}
# Specific-search parameter of each record field (PasswordState-Management's Get-PasswordStatePassword).
SEARCH_PARAMETERS = {"Title": "Title", "UserName": "UserName", "Description": "Description", "Notes": "Notes",
                     "URL": "URL", "HostName": "HostName", "Domain": "ADDomainNetBIOS", "AccountType": "AccountType"}
DATE_FORMATS = ("DD/MM/YYYY", "MM/DD/YYYY", "YYYY-MM-DD")


def _int_or_none(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _get(raw, name, default=None):
    """A field of a raw record, whatever its case (Username / UserName)."""
    if name in raw:
        return raw[name]
    lowered = name.lower()
    for key, value in raw.items():
        if str(key).lower() == lowered:
            return value
    return default


def parse_generic_field_info(info):
    """GenericFieldInfo -> {number: {"name": display name, "type": field type}}; [] and {} give {}."""
    result = {}
    if isinstance(info, dict):
        # {} on some versions; a mapping {"GenericField1": {...}} is accepted too.
        info = [dict(value, GenericFieldID=key) if isinstance(value, dict) else {"GenericFieldID": key,
                                                                                 "DisplayName": value}
                for key, value in info.items()]
    if not isinstance(info, list):
        return result
    for entry in info:
        if not isinstance(entry, dict):
            continue
        ident = _get(entry, "GenericFieldID")
        match = re.search(r"(\d+)$", _text(ident))
        if not match:
            continue
        number = int(match.group(1))
        if not 1 <= number <= GENERIC_COUNT:
            continue
        name = _get(entry, "DisplayName") or _get(entry, "Name") or ""
        # Recorded entries carry no type ({"DisplayName", "GenericFieldID", "Value"}); one is used if a server sends it.
        result[number] = {"name": _text(name), "type": _text(_get(entry, "FieldType"))}
    return result


def secret_generic_numbers(info, declared=None):
    """The generic fields to treat as secrets. A field typed Password by the server is one. Otherwise, with
    `declared` (numbers the user said are secret) the rest is plain text; without it every field whose type
    the server did not tell is a secret (fail safe: real servers never tell)."""
    typed_secret = {n for n, entry in info.items() if entry["type"].lower() == "password"}
    if declared is not None:
        return sorted(typed_secret | set(declared))
    known_plain = {n for n, entry in info.items() if entry["type"] and entry["type"].lower() != "password"}
    return [n for n in range(1, GENERIC_COUNT + 1) if n not in known_plain]


def normalize_record(raw):
    """A raw password record -> a plain dict with stable types; unknown fields dropped."""
    if not isinstance(raw, dict):
        raise ValueError("not an object")
    pid = _int_or_none(_get(raw, "PasswordID"))
    if pid is None:
        raise ValueError("no PasswordID")
    record = {"PasswordID": pid}
    for name in RECORD_FIELDS[1:]:
        value = _get(raw, name)
        if name == "PasswordListID":
            record[name] = _int_or_none(value)
        elif name == "AccountTypeID":
            record[name] = _int_or_none(value) or 0
        elif name == "AllowExport":
            record[name] = value if isinstance(value, bool) else _text(value).lower() in ("true", "1", "yes")
        elif name in ("PasswordList", "TreePath") and value is None:
            continue
        else:
            record[name] = _text(value)
    record["_generic_info"] = parse_generic_field_info(_get(raw, "GenericFieldInfo"))
    record["_secret_generic"] = secret_generic_numbers(record["_generic_info"])
    return record


def public_record(record, date_format=DATE_FORMATS[0], with_secrets=True):
    """The record as users see it (field=all, module results): documented fields + GenericFields by name."""
    out = {k: v for k, v in record.items() if not k.startswith("_")}
    if not with_secrets:
        out.pop("Password", None)
        for number in record_secret_numbers(record):
            out.pop("GenericField%d" % number, None)
    named = {}
    for number, info in sorted(record.get("_generic_info", {}).items()):
        key = "GenericField%d" % number
        if info["name"] and key in out:
            named[info["name"]] = out[key]
    out["GenericFields"] = named
    day = parse_server_date(record.get("ExpiryDate"), date_format)
    out["expiry_date"] = day.isoformat() if day else ""
    return out


def record_secret_numbers(record):
    """The secret generic fields of a normalized record (all of them when it was never classified)."""
    if not record:
        return list(range(1, GENERIC_COUNT + 1))
    return record.get("_secret_generic", secret_generic_numbers(record.get("_generic_info", {})))


def format_server_date(iso, date_format=DATE_FORMATS[0]):
    """YYYY-MM-DD -> the server's Default Locale, the format it expects written dates in."""
    if not iso:
        return iso
    day = datetime.date.fromisoformat(iso)
    if date_format == "YYYY-MM-DD":
        return day.isoformat()
    if date_format == "MM/DD/YYYY":
        return "%02d/%02d/%04d" % (day.month, day.day, day.year)
    return "%02d/%02d/%04d" % (day.day, day.month, day.year)


def parse_server_date(text, date_format=DATE_FORMATS[0]):
    """An ExpiryDate in the server's locale ('15/01/2013', '1/2/2029', '2051-05-12 00:00:00') -> date."""
    text = _text(text).strip()
    if not text:
        return None
    text = text.split(" ", maxsplit=1)[0].split("T", maxsplit=1)[0]
    parts = re.split(r"[/.\-]", text)
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    numbers = [int(p) for p in parts]
    try:
        if len(parts[0]) == 4:
            return datetime.date(numbers[0], numbers[1], numbers[2])
        if date_format == "MM/DD/YYYY":
            return datetime.date(numbers[2], numbers[0], numbers[1])
        return datetime.date(numbers[2], numbers[1], numbers[0])
    except ValueError:
        return None


def checked_iso_date(value, option="expiry_date"):
    """User input: YYYY-MM-DD (or empty to clear)."""
    value = _text(value).strip()
    if value == "":
        return ""
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ConfigError("Option '%s' must be a date as YYYY-MM-DD, got %r." % (option, value)) from None


def _parse_list_keys(value):
    if not value:
        return {}
    if not isinstance(value, dict):
        raise ConfigError("Option 'list_api_keys' must be a dictionary {list_id: api_key}.")
    keys = {}
    for list_id, key in value.items():
        number = _int_or_none(list_id)
        if number is None:
            raise ConfigError("Option 'list_api_keys': %r is not a Password List ID." % (list_id,))
        keys[number] = _text(key)
    return keys


class PasswordstateClient:
    """One session to one Passwordstate server, with the keys of the caller."""

    def __init__(self, options, http=None):
        # one Redactor for the client and its HTTP layer (an injected HttpClient brings its own)
        self.redactor = http.redact if http is not None and isinstance(http.redact, Redactor) else Redactor()
        self.auth = _text(options.get_option_default("auth", "apikey")).strip().lower() or "apikey"
        self.api_key = options.get_option_default("api_key")
        self.list_api_keys = _parse_list_keys(options.get_option_default("list_api_keys"))
        self.generator_api_key = options.get_option_default("generator_api_key")
        self.reason = options.get_option_default("reason")
        self.date_format = options.get_option_default("date_format", DATE_FORMATS[0])
        if self.date_format not in DATE_FORMATS:
            raise ConfigError("Option 'date_format' must be one of %s." % ", ".join(DATE_FORMATS))
        self.prevent_auditing = bool(options.get_option_default("prevent_auditing", False))
        self.secret_generic_fields = options.get_option_default("secret_generic_fields")
        if self.secret_generic_fields is not None and (
                not isinstance(self.secret_generic_fields, (list, tuple))
                or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in self.secret_generic_fields)):
            raise ConfigError("Option 'secret_generic_fields' must be a list of generic field numbers, GenericFieldN "
                              "names or display names.")
        self.redactor.add(self.api_key, self.generator_api_key, *self.list_api_keys.values())
        if self.reason is not None and any(c in _text(self.reason) for c in "\r\n"):
            raise ConfigError("Option 'reason' must be a single line.")
        self.http = http or build_http_client(options, "Passwordstate", "PASSWORDSTATE", passwordstate_error_message,
                                              self.redactor)
        prefix = "api"
        if self.auth == "windows":
            prefix = "winapi"
            self._windows_auth(options)
        elif self.auth not in (None, "apikey"):
            raise ConfigError("Option 'auth' must be 'apikey' or 'windows', got %r." % self.auth)
        elif not self.api_key and not self.list_api_keys and not self.generator_api_key:
            raise ConfigError("Option 'api_key' (or the PASSWORDSTATE_API_KEY environment variable) or "
                              "'list_api_keys' is required.")
        self.api = PasswordstateApi(self.http, prefix=prefix, reason=self.reason)
        self._records = {}

    def _windows_auth(self, options):
        """auth=windows: NTLM as windows_username on the shared session; no API key is ever sent."""
        user = options.get_option_default("windows_username")
        password = options.get_option_default("windows_password")
        self.redactor.add(password)
        try:
            from requests_ntlm import HttpNtlmAuth  # pylint: disable=import-outside-toplevel
        except ImportError:
            raise ConfigError("auth=windows needs the Python package requests_ntlm (pip install requests-ntlm) "
                              "on the host running this plugin.") from None
        if not user or not password:
            raise ConfigError("auth=windows needs the options 'windows_username' (DOMAIN\\user) and "
                              "'windows_password' (or PASSWORDSTATE_WINDOWS_USERNAME / "
                              "PASSWORDSTATE_WINDOWS_PASSWORD).")
        # keys are not used under /winapi/: never let one reach a header
        self.api_key = None
        self.list_api_keys = {}
        self.generator_api_key = None
        self.http.session.auth = HttpNtlmAuth(_text(user), _text(password))

    # -- keys -----------------------------------------------------------------------------
    def key_for_list(self, list_id=None):
        if self.auth == "windows":
            return None
        list_id = _int_or_none(list_id)
        if list_id is not None and list_id in self.list_api_keys:
            return self.list_api_keys[list_id]
        if self.api_key:
            return self.api_key
        if list_id is None and len(self.list_api_keys) == 1:
            return next(iter(self.list_api_keys.values()))
        if list_id is None:
            raise ConfigError("No Passwordstate API key: set option 'api_key' (or the PASSWORDSTATE_API_KEY "
                              "environment variable), or 'list_id' (PASSWORDSTATE_LIST_ID) to choose a key from "
                              "'list_api_keys'.")
        raise ConfigError("No API key for Password List %s: set option 'api_key' (or the PASSWORDSTATE_API_KEY "
                          "environment variable), or give this list's key in 'list_api_keys'." % list_id)

    def system_key(self):
        if self.auth == "windows":
            return None
        if not self.api_key:
            raise ConfigError("Searching across all Password Lists needs the system-wide key in option 'api_key' "
                              "(or the PASSWORDSTATE_API_KEY environment variable); or set 'list_id' "
                              "(PASSWORDSTATE_LIST_ID).")
        return self.api_key

    def generator_key(self):
        if self.auth == "windows":
            return None
        key = self.generator_api_key or self.api_key
        if not key:
            raise ConfigError("Option 'generator_api_key' (or the PASSWORDSTATE_GENERATOR_API_KEY environment "
                              "variable; 'api_key' / PASSWORDSTATE_API_KEY when it is the system-wide key) is required "
                              "to generate passwords.")
        return key

    # -- parsing -----------------------------------------------------------------------------
    def _records_from(self, raw, method, path, remember=True):
        records = []
        for item in raw:
            try:
                record = normalize_record(item)
            except ValueError:
                if _get(item, "Status") is not None:
                    continue
                raise ApiError("Passwordstate", method, path, None,
                               "unexpected answer: a password record without a PasswordID") from None
            self._classify(record)
            if remember:
                # a record read with ExcludePassword=true has no password: never answer a later read with it
                self._records[record["PasswordID"]] = record
            records.append(record)
        return records

    def _classify(self, record):
        """Decide which generic fields are secrets (see secret_generic_numbers) and keep their values out of
        every message."""
        record["_secret_generic"] = self.secret_numbers(record)
        self.redactor.add(record.get("Password"))
        for number in record["_secret_generic"]:
            self.redactor.add(record.get("GenericField%d" % number))

    def secret_numbers(self, record):
        """Secret generic field numbers for a record (None: a record not read yet, e.g. one being created)."""
        info = record.get("_generic_info", {}) if record else {}
        declared = None
        if self.secret_generic_fields is not None:
            declared = set()
            for name in self.secret_generic_fields:
                text = _text(name).strip()
                match = re.match(r"^(?:genericfield)?(\d+)$", text.lower())
                if match:
                    declared.add(int(match.group(1)))
                else:
                    declared.update(n for n, entry in info.items() if entry["name"].lower() == text.lower())
        return secret_generic_numbers(info, declared)

    # -- reads ------------------------------------------------------------------------------------
    def forget_data(self):
        """Drop records read from the server; keep the session."""
        self._records = {}

    def get_password(self, password_id, list_id=None, cached=True):
        password_id = _int_or_none(password_id)
        if password_id is None:
            raise ConfigError("A PasswordID must be a whole number.")
        if cached and password_id in self._records:
            return self._records[password_id]
        try:
            raw = self.api.get_password(self.key_for_list(list_id), password_id)
        except ApiError as exc:
            if exc.status == 404:
                raise NotFound("Passwordstate password %d not found (%s)" % (password_id, exc.message)) from None
            raise
        records = self._records_from(raw, "GET", "/api/passwords/%d" % password_id)
        if not records:
            raise NotFound("Passwordstate password %d not found." % password_id)
        record = records[0]
        if record.get("PasswordListID") is None and list_id is not None:
            record["PasswordListID"] = _int_or_none(list_id)
        return record

    def _read_params(self, exclude_password=False):
        """ExcludePassword where the secret is not needed (nothing to audit), PreventAuditing when asked."""
        params = {}
        if exclude_password:
            params["ExcludePassword"] = "true"
        if self.prevent_auditing:
            params["PreventAuditing"] = "true"
        return params

    def list_passwords(self, list_id, exclude_password=False):
        raw = self.api.list_passwords(self.key_for_list(list_id), list_id, **self._read_params(exclude_password))
        records = self._records_from(raw, "GET", "/api/passwords/%s" % list_id, remember=not exclude_password)
        for record in records:
            if record.get("PasswordListID") is None:
                record["PasswordListID"] = int(list_id)
        return records

    def search(self, list_id=None, exclude_password=False, **criteria):
        key = self.key_for_list(list_id) if list_id is not None else self.system_key()
        criteria.update(self._read_params(exclude_password))
        raw = self.api.search_passwords(key, list_id, **criteria)
        records = self._records_from(raw, "GET", "/api/searchpasswords", remember=not exclude_password)
        for record in records:
            if record.get("PasswordListID") is None and list_id is not None:
                record["PasswordListID"] = int(list_id)
        return records

    def find_passwords(self, list_id=None, title=None, username=None, match_field=None, match_value=None,
                       exclude_password=False):
        """Records whose title (and username, match_field) match exactly, case-insensitively."""
        criteria = {}
        if title is not None:
            criteria["Title"] = title
        if username is not None:
            criteria["UserName"] = username
        server_field = None
        if match_field is not None:
            server_field = self.search_field_name(match_field)
            if server_field and match_value is not None:
                criteria[server_field] = match_value
        if not criteria and match_field is not None and match_value not in (None, ""):
            # a generic field known only by its display name: a general search, re-checked below
            criteria["search"] = match_value
        if not criteria:
            raise ConfigError("Finding a password needs a title, username or match_field/match_value.")
        if len(criteria) > 1:
            criteria["AndOr"] = "AND"
        found = []
        for record in self.search(list_id, exclude_password=exclude_password, **criteria):
            if list_id is not None and record.get("PasswordListID") not in (None, int(list_id)):
                continue
            if title is not None and record["Title"].lower() != _text(title).lower():
                continue
            if username is not None and record["UserName"].lower() != _text(username).lower():
                continue
            if match_field is not None:
                try:
                    value = self.field_value(record, match_field)
                except NotFound:
                    continue
                if _text(value).lower() != _text(match_value).lower():
                    continue
            found.append(record)
        return found

    def find_one(self, list_id=None, title=None, username=None, match_field=None, match_value=None):
        found = self.find_passwords(list_id, title, username, match_field, match_value)
        what = describe_search(list_id, title, username, match_field, match_value)
        if not found:
            raise NotFound("No Passwordstate password matches %s." % what)
        if len(found) > 1:
            raise Ambiguous("%d Passwordstate passwords match %s (PasswordIDs %s): add username, "
                            "match_field/match_value or list_id, or use the PasswordID."
                            % (len(found), what, ", ".join(str(r["PasswordID"]) for r in found)))
        return found[0]

    @staticmethod
    def search_field_name(field):
        """The specific-search parameter for a field name, or None (a generic field by display name)."""
        text = _text(field).strip()
        alias = FIELD_ALIASES.get(text.lower())
        if alias in SEARCH_PARAMETERS:
            return SEARCH_PARAMETERS[alias]
        match = re.match(r"^(?:genericfield)?(\d+)$", text.lower())
        if match and 1 <= int(match.group(1)) <= GENERIC_COUNT:
            return "GenericField%d" % int(match.group(1))
        return None

    # -- fields ----------------------------------------------------------------------------------
    @staticmethod
    def generic_number(record, name):
        """A generic field's number from 3, '3', 'GenericField3' or its display name."""
        text = _text(name).strip()
        match = re.match(r"^(?:genericfield)?(\d+)$", text.lower())
        if match:
            number = int(match.group(1))
            if 1 <= number <= GENERIC_COUNT:
                return number
            raise ConfigError("Generic field numbers go from 1 to 10, got %s." % text)
        info = record.get("_generic_info", {}) if record else {}
        hits = [n for n, entry in info.items() if entry["name"].lower() == text.lower()]
        if len(hits) == 1:
            return hits[0]
        if not info:
            raise NotFound("No generic field named %r: the server did not describe its generic fields "
                           "(GenericFieldInfo is empty); use GenericField1..GenericField10." % text)
        if hits:
            raise Ambiguous("Several generic fields are named %r." % text)
        raise NotFound("No field named %r; generic fields of this record: %s." % (
            text, ", ".join("%s (GenericField%d)" % (e["name"], n) for n, e in sorted(info.items())) or "none"))

    def field_value(self, record, field):
        text = _text(field).strip()
        alias = FIELD_ALIASES.get(text.lower().replace(" ", ""))
        if text.lower() == "expiry_date":
            day = parse_server_date(record.get("ExpiryDate"), self.date_format)
            return day.isoformat() if day else ""
        if alias:
            if alias not in record:
                raise NotFound("Field %r is not in this record." % text)
            return record[alias]
        for key in RECORD_FIELDS:
            if key.lower() == text.lower() and key in record:
                return record[key]
        number = self.generic_number(record, text)
        return record.get("GenericField%d" % number, "")

    # -- other reads ------------------------------------------------------------------------------
    def history(self, record):
        raw = self.api.password_history(self.key_for_list(record.get("PasswordListID")), record["PasswordID"])
        entries = []
        for item in raw:
            entry = {}
            for name in HISTORY_FIELDS:
                value = _get(item, name)
                if name in ("PasswordHistoryID", "PasswordID", "AccountTypeID"):
                    value = _int_or_none(value)
                elif value is not None:
                    value = _text(value)
                entry[name] = value
            for number in range(1, GENERIC_COUNT + 1):
                entry["GenericField%d" % number] = _text(_get(item, "GenericField%d" % number))
            self.redactor.add(entry.get("Password"))
            entries.append(entry)
        return entries

    def one_time_password(self, record):
        raw = self.api.one_time_password(self.key_for_list(record.get("PasswordListID")), record["PasswordID"])
        code = _get(raw[0], "OTP") if raw else None
        if not code:
            raise NotFound("Passwordstate password %d has no one-time password." % record["PasswordID"])
        return _text(code)

    def generate(self, qty=1, generator_id=None, **manual):
        params = {"Qty": int(qty) if qty and int(qty) != 1 else None}
        if generator_id is not None:
            params["PasswordGeneratorID"] = int(generator_id)
        for name, value in manual.items():
            if value is None:
                continue
            params[name] = _text(value)
        raw = self.api.generate_password(self.generator_key(), **params)
        values = [_text(_get(item, "Password")) for item in raw]
        if not values or not all(values):
            raise ApiError("Passwordstate", "GET", "/api/generatepassword", None,
                           "unexpected answer: no Password in the generator's answer")
        self.redactor.add(*values)
        return values

    # -- writes -------------------------------------------------------------------------------------
    def _write_fields(self, fields):
        """Record fields -> the body's names; dates in the server's Default Locale (the API reads them so)."""
        body = {}
        for name, value in fields.items():
            if name == "ExpiryDate" and value:
                value = format_server_date(value, self.date_format)
            body[WRITE_NAMES.get(name, name)] = value
        return body

    def create(self, list_id, fields, password=None, generate=False, compliance_retries=None):
        body = {"PasswordListID": int(list_id)}
        body.update(self._write_fields(fields))
        if generate:
            body["GeneratePassword"] = True
            if compliance_retries is not None:
                body["ComplianceRetries"] = int(compliance_retries)
        elif password is not None:
            self.redactor.add(password)
            body["Password"] = password
        raw = self.api.create_password(self.key_for_list(list_id), body)
        records = self._records_from(raw, "POST", "/api/passwords")
        if not records:
            raise ApiError("Passwordstate", "POST", "/api/passwords", None, "unexpected answer: no record created")
        record = records[0]
        if record.get("PasswordListID") is None:
            record["PasswordListID"] = int(list_id)
        return record

    def update(self, record, fields, password=None, generate=False, compliance_retries=None):
        """PUT only the given fields. Returns (record or None, queued status dict or None)."""
        body = {"PasswordID": record["PasswordID"]}
        body.update(self._write_fields(fields))
        if generate:
            body["GeneratePassword"] = True
            if compliance_retries is not None:
                body["ComplianceRetries"] = int(compliance_retries)
        elif password is not None:
            self.redactor.add(password)
            body["Password"] = password
        raw = self.api.update_password(self.key_for_list(record.get("PasswordListID")), body)
        for item in raw:
            status = _get(item, "Status")
            if status is not None and "queued" in _text(status).lower():
                self.redactor.add(_get(item, "NewPassword"), _get(item, "CurrentPassword"))
                return None, {"status": _text(status), "new_password": _text(_get(item, "NewPassword"))}
        records = self._records_from(raw, "PUT", "/api/passwords")
        updated = records[0] if records else None
        if updated is not None and updated.get("PasswordListID") is None:
            updated["PasswordListID"] = record.get("PasswordListID")
        return updated, None

    def delete(self, record, recycle_bin=True):
        self.api.delete_password(self.key_for_list(record.get("PasswordListID")), record["PasswordID"], recycle_bin)
        self._records.pop(record["PasswordID"], None)

    def close(self):
        self.http.close()


def describe_search(list_id, title, username, match_field, match_value):
    parts = []
    if title is not None:
        parts.append("title %r" % title)
    if username is not None:
        parts.append("username %r" % username)
    if match_field is not None:
        parts.append("%s = %r" % (match_field, match_value))
    where = "in Password List %s" % list_id if list_id is not None else "in any Password List"
    return "%s %s" % (" and ".join(parts) or "the criteria", where)


def passwordstate_auth_argument_spec():
    """Module parameters for Passwordstate credentials, with the same env fallbacks as the lookups."""
    return dict(
        api_key=dict(type="str", no_log=True, fallback=env_fallback_to("PASSWORDSTATE_API_KEY")),
        list_api_keys=dict(type="dict", no_log=True),
        generator_api_key=dict(type="str", no_log=True, fallback=env_fallback_to("PASSWORDSTATE_GENERATOR_API_KEY")),
        reason=dict(type="str", fallback=env_fallback_to("PASSWORDSTATE_REASON")),
        date_format=dict(type="str", choices=list(DATE_FORMATS), default=DATE_FORMATS[0],
                         fallback=env_fallback_to("PASSWORDSTATE_DATE_FORMAT")),
        secret_generic_fields=dict(type="list", elements="str", no_log=False),
        prevent_auditing=dict(type="bool", default=False, fallback=env_fallback_to("PASSWORDSTATE_PREVENT_AUDITING")),
        auth=dict(type="str", choices=["apikey", "windows"], default="apikey",
                  fallback=env_fallback_to("PASSWORDSTATE_AUTH")),
        windows_username=dict(type="str", fallback=env_fallback_to("PASSWORDSTATE_WINDOWS_USERNAME")),
        windows_password=dict(type="str", no_log=True, fallback=env_fallback_to("PASSWORDSTATE_WINDOWS_PASSWORD")),
    )
