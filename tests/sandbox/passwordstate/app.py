"""An imitation of Click Studios' Passwordstate standard API (/api/), for tests and the demo.

It follows the public API document and responses recorded by others; README.md in this folder names
the source of every shape: JSON arrays everywhere, the [{"errors": [{"message"}, {"phrase"}]}] error body
(or [{"error"}] with the error_key setting), "No Passwords found" answered as an error (HTTP 404 here;
the real status is not verified), PasswordListID as a string in password records (an integer in list
records), Domain/HostName/AccountType, GenericFieldInfo as [] or {} or {DisplayName, GenericFieldID, Value}
entries (never a field type), extra fields (OTP, OTPUri, Web*_ID) clients must ignore, ExpiryDate in the
server's Default Locale both ways, ExcludePassword and PreventAuditing honoured (see `audits`).

The Windows-integrated API (/winapi/) serves the same routes, authenticated like IIS with
Windows Authentication: a real NTLM handshake (pyspnego's acceptor, users from seed_data
WINDOWS_*) per keep-alive connection; API keys are ignored there. The authenticated user has
the access of the system-wide key.

Admin endpoints (tests): GET state, POST settings, POST list_settings, POST process_resets,
GET windows_user.
"""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import hmac
import json
import os
import random
import re
import string
import struct
import threading
import time
from urllib.parse import parse_qs

from sandbox.common.httpserver import App, Response
from sandbox.passwordstate import seed_data

# A password record's fields in the order real servers send them (ruby-passwordstate get_password.json,
# PasswordState-Management PasswordSearch*Response.json); "Domain" is written as ADDomainNetBIOS.
STANDARD_FIELDS = ("Title", "Domain", "HostName", "UserName", "Description", "GenericField1", "GenericField2",
                   "GenericField3", "GenericField4", "GenericField5", "GenericField6", "GenericField7",
                   "GenericField8", "GenericField9", "GenericField10", "AccountTypeID", "Notes", "URL", "Password",
                   "ExpiryDate", "AllowExport", "AccountType")
# A history entry's fields in their order (PasswordState-Management tests/functions/json/PasswordHistoryResponse.json,
# two entries of one server): no Domain, HostName or GenericFieldInfo; AccountType last.
HISTORY_FIELDS = (("PasswordHistoryID", "Title", "UserName", "Description")
                  + tuple("GenericField%d" % n for n in range(1, 11))
                  + ("AccountTypeID", "Notes", "URL", "Password", "ExpiryDate", "DateChanged", "PasswordList",
                     "UserID", "FirstName", "Surname", "PasswordID", "AccountType"))
WRITE_ALIASES = {"Domain": ("ADDomainNetBIOS", "Domain"), "HostName": ("HostName", "Hostname")}
# Specific search parameters (PasswordState-Management Get-PasswordStatePassword): parameter -> record field
SEARCH_FIELDS = {"Title": "Title", "UserName": "UserName", "Description": "Description", "Notes": "Notes",
                 "URL": "URL", "HostName": "HostName", "ADDomainNetBIOS": "Domain", "AccountType": "AccountType"}
SEARCH_FIELDS.update({"GenericField%d" % n: "GenericField%d" % n for n in range(1, 11)})
GENERAL_SEARCH_FIELDS = ("Title", "UserName", "Description", "Notes", "URL", "HostName", "Domain") + tuple(
    "GenericField%d" % n for n in range(1, 11))
# Default Locale formats as strftime-like patterns; %-d / %-m are unpadded (1/2/2029, issue #163)
LOCALE_PATTERNS = {"%d/%m/%Y": ("d", "m", "Y"), "%-d/%-m/%Y": ("d", "m", "Y"), "%m/%d/%Y": ("m", "d", "Y"),
                   "%-m/%-d/%Y": ("m", "d", "Y"), "%Y-%m-%d": ("Y", "m", "d")}
WORDS = ("apple", "breeze", "canyon", "delta", "ember", "forest", "glacier", "harbor", "island", "jungle",
         "kettle", "lantern", "meadow", "nectar", "orbit", "pepper", "quartz", "river", "summit", "timber")


WINAPI_PREFIX = "/winapi/"
IIS_401_PAGE = ("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
                "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\r\n<html><head><title>401 - Unauthorized: "
                "Access is denied due to invalid credentials.</title></head><body><h2>401 - Unauthorized: Access is "
                "denied due to invalid credentials.</h2><h3>You do not have permission to view this directory or page "
                "using the credentials that you supplied.</h3></body></html>")
# pyspnego's NTLM acceptor reads NTLM_USER_FILE from the environment at each step
NTLM_ENV_LOCK = threading.Lock()


def error(status, message, phrase):
    return Response.json([{"errors": [{"message": message}, {"phrase": phrase}]}], status=status)


def totp(secret, for_time=None, digits=6, step=30):
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((for_time if for_time is not None else time.time()) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return str(code).zfill(digits)


def truthy(value):
    return str(value).strip().lower() in ("true", "1", "yes", "on")


class PasswordstateApp(App):
    product = "passwordstate"

    def __init__(self, config=None):
        super().__init__(config)
        self.rng = random.Random(self.config.get("random_seed"))
        self.settings = {
            "date_format": "%-d/%-m/%Y",     # the server's Default Locale for ExpiryDate, both ways
            "empty_status": 404,             # status of the "No Passwords found" error
            "legacy_auth_redirect": False,   # older servers: 302 to /error/generalerror.aspx
            "error_key": "errors",           # newer servers may answer [{"error": ...}] (ruby-passwordstate)
        }
        self.settings.update(self.config.get("settings") or {})
        self.lists = {}
        self.passwords = {}
        self.recycle_bin = {}
        self.history = []
        self.folders = {}
        self.generators = {}
        self.pending_resets = []
        self.audits = []               # (PasswordID, how): one "password viewed" audit record per password sent
        self.system_key = seed_data.SYSTEM_API_KEY
        self.generator_key = seed_data.GENERATOR_API_KEY
        self.next_password_id = 9001
        self.next_history_id = 100
        self.next_list_id = 100
        self.next_folder_id = 100
        self.last_reasons = []
        self.ntlm_lock = threading.Lock()
        self.ntlm_connections = {}     # Request.client -> {"ctx": acceptor or None, "user": str or None}
        self.windows_logins = []
        self.ntlm_user_file = None
        self._routes()

    # -- data -------------------------------------------------------------------------
    def env(self, base_url):
        return {
            "PASSWORDSTATE_BASE_URL": base_url,
            "PASSWORDSTATE_API_KEY": self.system_key,
            "PASSWORDSTATE_LIST_ID": str(seed_data.PLAIN_LIST_ID),
            "PASSWORDSTATE_GENERATOR_API_KEY": self.generator_key,
        }

    def seed(self, profile):
        if profile in ("", "none", "empty"):
            return
        for list_id, spec in seed_data.LISTS.items():
            entry = copy.deepcopy(spec)
            entry["PasswordListID"] = list_id
            entry.setdefault("noncompliant_generations", 0)
            self.lists[list_id] = entry
        for pid, spec in seed_data.PASSWORDS.items():
            record = self._blank_record()
            record.update({k: v for k, v in spec.items() if k != "list"})
            record["PasswordID"] = pid
            record["list_id"] = spec["list"]
            self.passwords[pid] = record
        self.generators = copy.deepcopy(seed_data.GENERATORS)
        self.folders = copy.deepcopy(seed_data.FOLDERS)
        if profile == "bench":
            # `make bench`: many distinct records titled bench-000, bench-001, ... in the demo list
            for index in range(int(self.config.get("bench_entries", 500))):
                record = self._blank_record()
                record.update(Title="bench-%03d" % index, UserName="bench", Password="bench-pw-%03d-x" % index)
                record["PasswordID"] = 90000 + index
                record["list_id"] = seed_data.PLAIN_LIST_ID
                self.passwords[90000 + index] = record

    @staticmethod
    def _blank_record():
        record = {name: "" for name in STANDARD_FIELDS}
        record["AccountTypeID"] = 0
        record["AllowExport"] = True
        record["SiteID"] = 0
        record["PasswordResetEnabled"] = False
        record["otp_secret"] = ""
        return record

    # -- formatting ---------------------------------------------------------------------
    def _locale_name(self):
        order = LOCALE_PATTERNS.get(self.settings["date_format"], ("d", "m", "Y"))
        return "/".join({"d": "DD", "m": "MM", "Y": "YYYY"}[p] for p in order) if order[0] != "Y" else "YYYY-MM-DD"

    def _parse_locale_date(self, text):
        """A written date in the server's Default Locale (padded or not), else None: the API expects that
        format (PasswordState-Management: 'specify the ExpiryDate in the date format ... Default Locale')."""
        order = LOCALE_PATTERNS.get(self.settings["date_format"], ("d", "m", "Y"))
        separator = "-" if order[0] == "Y" else "/"
        match = re.match(r"^(\d{1,4})%s(\d{1,2})%s(\d{1,4})$" % (separator, separator), text)
        if not match:
            return None
        parts = dict(zip(order, (int(g) for g in match.groups())))
        if len(match.group(order.index("Y") + 1)) != 4:
            return None
        try:
            return datetime.date(parts["Y"], parts["m"], parts["d"])
        except ValueError:
            return None

    def _format_date(self, iso):
        if not iso:
            return ""
        day = datetime.date.fromisoformat(iso)
        fmt = self.settings["date_format"]
        # %-d is not portable: emulate "1/2/2029" style with a custom token
        return fmt.replace("%-d", str(day.day)).replace("%-m", str(day.month)) \
            .replace("%d", "%02d" % day.day).replace("%m", "%02d" % day.month).replace("%Y", "%04d" % day.year)

    def _generic_field_info(self, lst, record):
        if lst.get("generic_field_info_as_dict"):
            return {}
        # entries as recorded (eizedev/ansible-passwordstate-modules README): no field type is ever sent
        fields = lst.get("generic_fields") or {}
        return [{"DisplayName": f["DisplayName"], "GenericFieldID": "GenericField%d" % n, "Value": record[
            "GenericField%d" % n]} for n, f in sorted(fields.items())]

    def render(self, record, exclude_password=False):
        """A password record in the v9.5+ shape (PasswordState-Management issue #159 and its JSON fixtures):
        PasswordListID is a string here, also in cross-list search; GenericFieldInfo is [] or {} or entries."""
        lst = self.lists[record["list_id"]]
        out = {"PasswordListID": str(record["list_id"]), "PasswordList": lst["PasswordList"],
               "PasswordID": record["PasswordID"]}
        for name in STANDARD_FIELDS:
            out[name] = record[name]
            if name == "GenericField10":
                out["GenericFieldInfo"] = self._generic_field_info(lst, record)
        if exclude_password:
            del out["Password"]
        out["ExpiryDate"] = self._format_date(record["ExpiryDate"])
        out["OTP"] = ""
        out["OTPUri"] = ("otpauth://totp/%s?secret=%s" % (record["Title"], record["otp_secret"])
                         if record.get("otp_secret") else "")
        out["WebUser_ID"] = ""
        out["WebPassword_ID"] = ""
        out["WebOTP_ID"] = ""
        for n in range(1, 11):
            out["WebGenericField%d_ID" % n] = ""
        return out

    def answer_records(self, request, records, status=200, headers=None, auditable=True):
        """Records as the API sends them: ExcludePassword=true leaves the password out (nothing to audit);
        every password sent is audited unless PreventAuditing=true (not honoured for a PasswordID, as
        PasswordState-Management's Get-PasswordStatePassword notes)."""
        exclude = truthy(request.arg("ExcludePassword") or "false")
        if not exclude and not (auditable and truthy(request.arg("PreventAuditing") or "false")):
            self.audits.extend((r["PasswordID"], request.method) for r in records)
        return Response.json([self.render(r, exclude) for r in records], status=status, headers=headers)

    def render_list(self, lst):
        """A Password List in the shape and order ruby-passwordstate recorded (get_password_list.json, a server
        with one-time passwords, as the password records here): no generic field definitions, HidePasswords
        "False:True:False" or a bool. NoApprovers, DisableNotifications, AddToExpiryDate(Interval) and
        DisableInheritance carry that recording's values. (PasswordState-Management's ListResponse.json shows
        an older server: HandshakeApprovalRequired and AddDaysToExpiryDate instead.)"""
        return {
            "PasswordListID": lst["PasswordListID"],
            "PasswordList": lst["PasswordList"],
            "Description": lst.get("Description", ""),
            "ImageFileName": "protected.png",
            "Guide": "",
            "AllowExport": True,
            "PrivatePasswordList": False,
            "NoApprovers": "1",
            "DisableNotifications": False,
            "TimeBasedAccessRequired": False,
            "PasswordStrengthPolicyID": 1 if lst["policy"]["min_length"] < 10 else 7,
            "PasswordGeneratorID": lst.get("PasswordGeneratorID", 1),
            "CodePage": "Using Passwordstate Default Code Page",
            "PreventPasswordReuse": lst.get("PreventPasswordReuse", 0),
            "AuthenticationType": "None Required",
            "AuthenticationPerSession": False,
            "PreventExpiryDateModification": False,
            "SetExpiryDate": 0,
            "ResetExpiryDate": 0,
            "PreventDragDrop": True,
            "PreventBadPasswordUse": True,
            "ProvideAccessReason": bool(lst.get("reason_required")),
            "TreePath": lst["TreePath"],
            "TotalPasswords": sum(1 for p in self.passwords.values() if p["list_id"] == lst["PasswordListID"]),
            "GeneratorName": self.generators.get(lst.get("PasswordGeneratorID", 1), {}).get(
                "GeneratorName", "Default Password Generator"),
            "PolicyName": lst["policy"]["PolicyName"],
            "PasswordResetEnabled": bool(lst.get("reset_scripts")),
            "ForcePasswordGenerator": False,
            "HidePasswords": lst.get("HidePasswords", False),
            "ShowGuide": False,
            "EnablePasswordResetSchedule": False,
            "PasswordResetSchedule": "00:00:00:00",
            "AddToExpiryDate": 90,
            "AddToExpiryDateInterval": "Days",
            "SiteID": lst.get("SiteID", 0),
            "SiteLocation": lst.get("SiteLocation", "Internal"),
            "OneTimePasswords": any(p.get("otp_secret") for p in self.passwords.values()
                                    if p["list_id"] == lst["PasswordListID"]),
            "DisableInheritance": True,
        }

    # -- auth -----------------------------------------------------------------------------
    def _key(self, request, form=None):
        if getattr(request, "windows_user", None):
            return self.system_key         # /winapi/: the Windows user decides, API keys are ignored
        key = request.header("APIKey")
        if not key:
            key = request.arg("apikey")
        if not key and form:
            for name, value in form.items():
                if name.lower() == "apikey":
                    key = value
        return key

    def _unauthorized(self, request, phrase="Invalid API Key, or API Key does not have access to this resource"):
        self.count("auth_failures")
        if self.settings.get("legacy_auth_redirect"):
            return Response(302, "<html><head><title>Object moved</title></head><body><h2>Object moved to "
                            "<a href=\"/error/generalerror.aspx?aspxerrorpath=%s\">here</a>.</h2></body></html>"
                            % request.path, "text/html; charset=utf-8",
                            [("Location", "/error/generalerror.aspx?aspxerrorpath=%s" % request.path)])
        return error(401, "No Authorization", phrase)

    def _list_access(self, request, list_id, form=None, needs_reason=True):
        """None when the key opens the list (and the reason rule is met), else the error response."""
        key = self._key(request, form)
        lst = self.lists.get(list_id)
        if not key:
            return self._unauthorized(request, "No API Key was provided")
        if key == self.system_key:
            pass
        elif lst is None or key != lst["api_key"]:
            if lst is None and any(key == other["api_key"] for other in self.lists.values()):
                return self._unauthorized(request)
            if lst is None:
                return self._unauthorized(request)
            return self._unauthorized(request)
        if lst is None:
            return error(404, "Not Found", "Password List ID %s does not exist in the database" % list_id)
        if needs_reason and lst.get("reason_required"):
            reason = (request.header("Reason") or "").strip()
            if not reason:
                return error(401, "No Authorization",
                             "A Reason must be provided in the 'Reason' header to access this Password List")
            self.last_reasons.append(reason)
        return None

    def _password_access(self, request, pid, form=None):
        """(record, None) or (None, error response)."""
        key = self._key(request, form)
        record = self.passwords.get(pid)
        if not key:
            return None, self._unauthorized(request, "No API Key was provided")
        if record is None:
            if key == self.system_key or any(key == lst["api_key"] for lst in self.lists.values()):
                return None, error(404, "Not Found", "Password ID %s does not exist in the database" % pid)
            return None, self._unauthorized(request)
        denied = self._list_access(request, record["list_id"], form)
        return (None, denied) if denied else (record, None)

    def _system_only(self, request, form=None):
        key = self._key(request, form)
        if key != self.system_key:
            return self._unauthorized(request, "This API call requires the System Wide API Key")
        return None

    def _no_passwords(self, phrase="No Passwords found in the Password List"):
        return error(self.settings.get("empty_status", 404), "Not Found", phrase)

    # -- bodies -----------------------------------------------------------------------------
    @staticmethod
    def _body(request):
        ctype = (request.header("Content-Type") or "").lower()
        if not request.body:
            return {}
        if "json" in ctype:
            payload = request.json()
            if isinstance(payload, list) and payload:
                payload = payload[0]
            if not isinstance(payload, dict):
                raise ValueError("JSON object expected")
            return payload
        parsed = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}

    @staticmethod
    def _field(body, name, default=None):
        for key, value in body.items():
            if key.lower() == name.lower():
                return value
        return default

    # -- policy and generator -------------------------------------------------------------
    def _compliance_problem(self, lst, record_id, password):
        policy = lst["policy"]
        if len(password) < policy["min_length"]:
            return "Password does not meet the minimum length of %d characters" % policy["min_length"]
        classes = sum(1 for test in (str.islower, str.isupper, str.isdigit) if any(test(c) for c in password))
        classes += 1 if any(not c.isalnum() for c in password) else 0
        if classes < policy["classes"]:
            return "Password does not meet the Password Strength Policy '%s'" % policy["PolicyName"]
        if password.lower() in ("password", "password1", "123456", "qwerty", "letmein"):
            return "Password is listed as a Bad Password"
        reuse = lst.get("PreventPasswordReuse") or 0
        if reuse and record_id is not None:
            previous = [h["Password"] for h in self.history if h["PasswordID"] == record_id][-reuse:]
            current = self.passwords.get(record_id, {}).get("Password")
            if password in previous or password == current:
                return "Password has been used in the last %d passwords for this record" % reuse
        return None

    def _generate(self, settings):
        if truthy(settings.get("IncludeWordPhrases", False)) and not truthy(settings.get("IncludeAlphaSpecial", True)):
            count = int(settings.get("NumberOfWords") or 3)
            max_len = int(settings.get("MaxWordLength") or 8)
            words = [w for w in WORDS if len(w) <= max_len] or list(WORDS)
            chosen = [self.rng.choice(words).capitalize() for dummy in range(count)]
            sep = {"S": " ", "D": "-", "N": ""}.get(str(settings.get("SeparateWords") or "D").upper(), "-")
            return sep.join(chosen) + str(self.rng.randint(10, 99))
        pools = []
        if truthy(settings.get("lowerCaseChars", True)):
            pools.append(string.ascii_lowercase)
        if truthy(settings.get("upperCaseChars", True)):
            pools.append(string.ascii_uppercase)
        if truthy(settings.get("numericChars", True)):
            pools.append(string.digits)
        if truthy(settings.get("specialChars", False)):
            pools.append(settings.get("specialCharsText") or "!#$%^&*+/=_-")
        if truthy(settings.get("bracketChars", False)):
            pools.append(settings.get("bracketCharsText") or "[](){}<>")
        if not truthy(settings.get("ambiguousChars", False)):
            pools = ["".join(c for c in pool if c not in "Il1O0o") or pool for pool in pools]
        if not pools:
            pools = [string.ascii_letters]
        low = int(settings.get("minLength") or 12)
        high = max(low, int(settings.get("maxLength") or low))
        length = max(self.rng.randint(low, high), len(pools))
        chars = [self.rng.choice(pool) for pool in pools]
        alphabet = "".join(pools)
        chars += [self.rng.choice(alphabet) for dummy in range(length - len(chars))]
        self.rng.shuffle(chars)
        password = "".join(chars)
        if truthy(settings.get("IncludeWordPhrases", False)):
            word = self.rng.choice(WORDS)
            password = word + password if str(settings.get("PrefixAppend", "A")).upper() == "P" else password + word
        return password

    def _generate_for_list(self, lst, record_id, retries):
        """Generate until the list's policy accepts the password; retries = ComplianceRetries."""
        generator = self.generators.get(lst.get("PasswordGeneratorID", 1)) or self.generators.get(1) or {}
        for _attempt in range(retries + 1):
            self.count("generations")
            if lst.get("noncompliant_generations", 0) > 0:
                lst["noncompliant_generations"] -= 1
                continue
            candidate = self._generate(generator)
            if self._compliance_problem(lst, record_id, candidate) is None:
                return candidate
        return None

    # -- history ----------------------------------------------------------------------------
    def _add_history(self, record):
        lst = self.lists[record["list_id"]]
        now = datetime.datetime.now()
        entry = {"PasswordHistoryID": self.next_history_id}
        self.next_history_id += 1
        extra = {"DateChanged": now.strftime("%d/%m/%Y %I:%M:%S %p"), "PasswordList": lst["PasswordList"],
                 "UserID": "WebAPI", "FirstName": "Passwordstate", "Surname": "Web API",
                 "PasswordID": record["PasswordID"]}
        for name in HISTORY_FIELDS[1:]:
            entry[name] = extra[name] if name in extra else record[name]
        self.history.append(entry)

    # -- writes ------------------------------------------------------------------------------
    def _apply_fields(self, record, body):
        """Copy the writable fields from a request body; returns a 400 phrase or None."""
        for name in STANDARD_FIELDS:
            if name in ("Password",):
                continue
            value = self._field(body, name) if name not in WRITE_ALIASES else None
            for alias in WRITE_ALIASES.get(name, ()):
                if value is None:
                    value = self._field(body, alias)
            if value is None and name == "UserName":
                value = self._field(body, "Username")
            if value is None:
                continue
            if name == "ExpiryDate":
                value = str(value).strip()
                if value:
                    day = self._parse_locale_date(value)
                    if day is None:
                        return "ExpiryDate '%s' is not a valid date for the Default Locale (%s)" % (
                            value, self._locale_name())
                    value = day.isoformat()
            elif name == "AccountTypeID":
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    return "AccountTypeID must be an integer"
            elif name == "AllowExport":
                value = truthy(value) if not isinstance(value, bool) else value
            else:
                value = "" if value is None else str(value)
            record[name] = value
        for name in ("PasswordResetEnabled",):
            value = self._field(body, name)
            if value is not None:
                record[name] = truthy(value)
        return None

    def _routes(self):
        app = self

        @app.route("GET", r"/api/passwordlists/?")
        def all_lists(request):
            denied = app._system_only(request)
            if denied:
                return denied
            return Response.json([app.render_list(lst) for dummy, lst in sorted(app.lists.items())])

        @app.route("GET", r"/api/passwordlists/(?P<lid>\d+)")
        def one_list(request, lid):
            lid = int(lid)
            denied = app._list_access(request, lid, needs_reason=False)
            if denied:
                return denied
            return Response.json([app.render_list(app.lists[lid])])

        @app.route("POST", r"/api/passwordlists/?")
        def create_list(request):
            try:
                body = app._body(request)
            except ValueError:
                return error(400, "Bad Request", "The request body could not be parsed")
            denied = app._system_only(request, body)
            if denied:
                return denied
            name = app._field(body, "PasswordList")
            if not name:
                return error(400, "Bad Request", "PasswordList is a required field")
            parent = int(app._field(body, "NestUnderFolderID", 0) or 0)
            tree = "\\" + name if parent == 0 or parent not in app.folders else \
                app.folders[parent]["TreePath"] + "\\" + name
            lid = app.next_list_id
            app.next_list_id += 1
            template = app.lists.get(int(app._field(body, "CopySettingsFromPasswordListID", 0) or 0))
            entry = copy.deepcopy(template) if template else copy.deepcopy(seed_data.LISTS[seed_data.PLAIN_LIST_ID])
            entry.update({"PasswordListID": lid, "PasswordList": name, "TreePath": tree,
                          "Description": app._field(body, "Description", "") or "",
                          "api_key": "ps-list%d-%032x" % (lid, app.rng.getrandbits(128)),
                          "noncompliant_generations": 0})
            app.lists[lid] = entry
            location = "%s/api/passwordlists/%d" % (getattr(app, "base_url", ""), lid)
            return Response.json([app.render_list(entry)], status=201, headers=[("Location", location)])

        @app.route("GET", r"/api/searchpasswordlists/?")
        def search_lists(request):
            denied = app._system_only(request)
            if denied:
                return denied
            found = []
            for dummy, lst in sorted(app.lists.items()):
                ok = True
                for name in ("PasswordList", "Description", "TreePath"):
                    wanted = request.arg(name)
                    if wanted and wanted.lower() not in str(lst.get(name, "")).lower():
                        ok = False
                if ok:
                    found.append(app.render_list(lst))
            if not found:
                return error(404, "Not Found", "No Password Lists found for the specified search criteria")
            return Response.json(found)

        @app.route("GET", r"/api/passwords/?")
        def all_passwords(request):
            if not request.has_arg("QueryAll"):
                return error(400, "Bad Request", "The PasswordID or PasswordListID is required")
            denied = app._system_only(request)
            if denied:
                return denied
            records = [r for dummy, r in sorted(app.passwords.items())]
            return app.answer_records(request, records) if records else app._no_passwords()

        @app.route("GET", r"/api/passwords/(?P<ident>\d+)")
        def get_password(request, ident):
            ident = int(ident)
            if request.has_arg("QueryAll"):
                denied = app._list_access(request, ident)
                if denied:
                    return denied
                records = [r for dummy, r in sorted(app.passwords.items()) if r["list_id"] == ident]
                return app.answer_records(request, records) if records else app._no_passwords()
            record, denied = app._password_access(request, ident)
            if denied:
                return denied
            return app.answer_records(request, [record], auditable=False)

        @app.route("GET", r"/api/passwordhistory/(?P<pid>\d+)")
        def history(request, pid):
            pid = int(pid)
            record, denied = app._password_access(request, pid)
            if denied:
                return denied
            entries = [dict(h, ExpiryDate=app._format_date(h["ExpiryDate"]))
                       for h in reversed(app.history) if h["PasswordID"] == pid]
            if not entries:
                return app._no_passwords("No Password History found for PasswordID %d" % pid)
            return Response.json(entries)

        @app.route("GET", r"/api/onetimepassword/(?P<pid>\d+)")
        def one_time_password(request, pid):
            record, denied = app._password_access(request, int(pid))
            if denied:
                return denied
            if not record.get("otp_secret"):
                return error(404, "Not Found", "There is no One-Time Password configured for PasswordID %s" % pid)
            return Response.json([{"OTP": totp(record["otp_secret"])}])

        def search(request, list_id):
            if list_id is None:
                denied = app._system_only(request)
                if denied:
                    return denied
                candidates = list(app.passwords.values())
            else:
                denied = app._list_access(request, list_id)
                if denied:
                    return denied
                candidates = [r for r in app.passwords.values() if r["list_id"] == list_id]
            general = request.arg("search")
            tests = []
            if general is not None:
                needle = general.lower()
                tests.append(lambda r: any(needle in str(r[f]).lower() for f in GENERAL_SEARCH_FIELDS))
            for name, field in SEARCH_FIELDS.items():
                value = request.arg(name)
                if value is None and name == "UserName":
                    value = request.arg("Username")
                if value is not None:
                    tests.append(lambda r, n=field, v=value.lower(): v in str(r[n]).lower())
            site = request.arg("SiteID")
            if site is not None:
                # a record's site is its list's site (SiteID 0 = Internal, as in every recorded list)
                tests.append(lambda r, v=site.strip(): str(app.lists[r["list_id"]].get("SiteID", 0)) == v)
            exact = request.arg("ExpiryDate")
            if exact:
                tests.append(lambda r, v=exact: r["ExpiryDate"] == v)
            ranges = request.arg("ExpiryDateRange")
            if ranges:
                conditions = []
                for part in ranges.split(","):
                    match = re.match(r"\s*ExpiryDate\s*(>=|<=|<>|=|>|<)\s*(\d{4}-\d{2}-\d{2})\s*$", part, re.I)
                    if not match:
                        return error(400, "Bad Request", "ExpiryDateRange syntax error near '%s'" % part)
                    conditions.append((match.group(1), match.group(2)))
                ops = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
                       "<": lambda a, b: a < b, "=": lambda a, b: a == b, "<>": lambda a, b: a != b}
                tests.append(lambda r, c=tuple(conditions): bool(r["ExpiryDate"]) and all(
                    ops[op](r["ExpiryDate"], day) for op, day in c))
            if not tests:
                return error(400, "Bad Request", "No search criteria were specified")
            use_and = str(request.arg("AndOr") or "OR").upper() == "AND"
            hits = [r for r in candidates if (all(t(r) for t in tests) if use_and else any(t(r) for t in tests))]
            hits.sort(key=lambda r: r["PasswordID"])
            if list_id is None:
                hits = [r for r in hits if not app.lists[r["list_id"]].get("reason_required")
                        or (request.header("Reason") or "").strip()]
            if not hits:
                return app._no_passwords("No Passwords found in the Password List(s) for the specified search criteria")
            return app.answer_records(request, hits)

        app.route("GET", r"/api/searchpasswords/?")(lambda request: search(request, None))
        app.route("GET", r"/api/searchpasswords/(?P<lid>\d+)")(lambda request, lid: search(request, int(lid)))

        @app.route("GET", r"/api/generatepassword/?")
        def generate(request):
            key = app._key(request)
            if key != app.generator_key and not getattr(request, "windows_user", None):
                return app._unauthorized(request, "Invalid API Key for the Password Generator")
            try:
                qty = int(request.arg("Qty") or 1)
            except ValueError:
                return error(400, "Bad Request", "Qty must be an integer")
            if qty < 1 or qty > 100:
                return error(400, "Bad Request", "Qty must be between 1 and 100")
            gen_id = request.arg("PasswordGeneratorID")
            if gen_id is not None:
                try:
                    settings = app.generators[int(gen_id)]
                except (ValueError, KeyError):
                    return error(404, "Not Found", "Password Generator ID %s does not exist" % gen_id)
            else:
                manual = {k: v for k, v in request.query.items() if k.lower() not in ("qty", "apikey", "format")}
                settings = {k: v[0] for k, v in manual.items()} or app.generators[1]
                for name in ("minLength", "maxLength", "NumberOfWords", "MaxWordLength"):
                    for key_name in list(settings):
                        if key_name.lower() == name.lower() and key_name != name:
                            settings[name] = settings.pop(key_name)
                for key_name in list(settings):
                    canonical = next((n for n in ("IncludeAlphaSpecial", "IncludeWordPhrases", "lowerCaseChars",
                                                  "upperCaseChars", "numericChars", "higherAlphaRatio",
                                                  "ambiguousChars", "specialChars", "specialCharsText",
                                                  "bracketChars", "bracketCharsText", "PrefixAppend",
                                                  "SeparateWords") if n.lower() == key_name.lower()), None)
                    if canonical and canonical != key_name:
                        settings[canonical] = settings.pop(key_name)
                try:
                    low = int(settings.get("minLength") or 12)
                    high = int(settings.get("maxLength") or low)
                except ValueError:
                    return error(400, "Bad Request", "minLength and maxLength must be integers")
                if low < 1 or high < low or high > 512:
                    return error(400, "Bad Request", "minLength/maxLength out of range")
            return Response.json([{"Password": app._generate(settings)} for dummy in range(qty)])

        @app.route("POST", r"/api/passwords/?")
        def create_password(request):
            try:
                body = app._body(request)
            except ValueError:
                return error(400, "Bad Request", "The request body could not be parsed")
            try:
                list_id = int(app._field(body, "PasswordListID"))
            except (TypeError, ValueError):
                return error(400, "Bad Request", "PasswordListID is a required field")
            denied = app._list_access(request, list_id, body)
            if denied:
                return denied
            lst = app.lists[list_id]
            if not app._field(body, "Title"):
                return error(400, "Bad Request", "Title is a required field")
            record = app._blank_record()
            record["list_id"] = list_id
            problem = app._apply_fields(record, body)
            if problem:
                return error(400, "Bad Request", problem)
            if truthy(app._field(body, "GeneratePassword", False)):
                retries = int(app._field(body, "ComplianceRetries", 10) or 10)
                password = app._generate_for_list(lst, None, retries)
                if password is None:
                    return error(403, "Forbidden", "Unable to generate a compliant password after %d "
                                 "ComplianceRetries" % retries)
            else:
                password = app._field(body, "Password")
                if password in (None, ""):
                    return error(400, "Bad Request", "Password is a required field, or use GeneratePassword")
                password = str(password)
                problem = app._compliance_problem(lst, None, password)
                if problem:
                    return error(403, "Forbidden", problem)
            record["Password"] = password
            record["PasswordID"] = app.next_password_id
            app.next_password_id += 1
            app.passwords[record["PasswordID"]] = record
            app.count("creates")
            return Response.json([app.render(record)], status=201, headers=[
                ("Location", "%s/api/passwords/%d" % (getattr(app, "base_url", ""), record["PasswordID"]))])

        @app.route("PUT", r"/api/passwords/?")
        def update_password(request):
            try:
                body = app._body(request)
            except ValueError:
                return error(400, "Bad Request", "The request body could not be parsed")
            try:
                pid = int(app._field(body, "PasswordID"))
            except (TypeError, ValueError):
                return error(400, "Bad Request", "PasswordID is a required field")
            record, denied = app._password_access(request, pid, body)
            if denied:
                return denied
            lst = app.lists[record["list_id"]]
            candidate = dict(record)
            problem = app._apply_fields(candidate, body)
            if problem:
                return error(400, "Bad Request", problem)
            new_password = None
            if truthy(app._field(body, "GeneratePassword", False)):
                retries = int(app._field(body, "ComplianceRetries", 10) or 10)
                new_password = app._generate_for_list(lst, pid, retries)
                if new_password is None:
                    return error(403, "Forbidden", "Unable to generate a compliant password after %d "
                                 "ComplianceRetries" % retries)
            elif app._field(body, "Password") is not None:
                new_password = str(app._field(body, "Password"))
                problem = app._compliance_problem(lst, pid, new_password)
                if problem:
                    return error(403, "Forbidden", problem)
            app._add_history(record)
            app.count("updates")
            if new_password is not None and lst.get("reset_scripts") and record.get("PasswordResetEnabled"):
                old = record["Password"]
                candidate["Password"] = old
                record.clear()
                record.update(candidate)
                app.pending_resets.append((pid, new_password))
                return Response.json([{"PasswordID": pid,
                                       "Status": "Password Queued for Reset(s) - check the Password record for "
                                                 "status updates",
                                       "CurrentPassword": old, "NewPassword": new_password}])
            if new_password is not None:
                candidate["Password"] = new_password
            record.clear()
            record.update(candidate)
            return Response.json([app.render(record)])

        @app.route("DELETE", r"/api/passwords/(?P<pid>\d+)")
        def delete_password(request, pid):
            pid = int(pid)
            record, denied = app._password_access(request, pid)
            if denied:
                return denied
            del app.passwords[pid]
            if truthy(request.arg("MoveToRecycleBin") or "false"):
                app.recycle_bin[pid] = record
            app.count("deletes")
            return Response(204, b"", content_type=None)

        def transfer(request):
            """Move and copy: the record and its destination list, or the error answer."""
            try:
                body = app._body(request)
                pid = int(app._field(body, "PasswordID"))
                dest = int(app._field(body, "DestinationPasswordListID"))
            except (TypeError, ValueError):
                return None, None, error(400, "Bad Request", "PasswordID and DestinationPasswordListID are required")
            record, denied = app._password_access(request, pid, body)
            return record, dest, denied or app._list_access(request, dest, body)

        @app.route("PUT", r"/api/passwords/move/?")
        def move_password(request):
            record, dest, denied = transfer(request)
            if denied:
                return denied
            record["list_id"] = dest
            return Response.json([{"PasswordID": record["PasswordID"],
                                   "Status": "Password moved to Password List ID %d" % dest}])

        @app.route("POST", r"/api/passwords/copy/?")
        def copy_password(request):
            record, dest, denied = transfer(request)
            if denied:
                return denied
            clone = dict(record, list_id=dest, PasswordID=app.next_password_id)
            app.next_password_id += 1
            app.passwords[clone["PasswordID"]] = clone
            return Response.json([app.render(clone)], status=201)

        @app.route("GET", r"/api/folders/?")
        def folders(request):
            denied = app._system_only(request)
            if denied:
                return denied
            found = []
            for fid, folder in sorted(app.folders.items()):
                name, tree = request.arg("FolderName"), request.arg("TreePath")
                if name and name.lower() not in folder["FolderName"].lower():
                    continue
                if tree and tree.lower() not in folder["TreePath"].lower():
                    continue
                found.append(dict(folder, FolderID=fid))
            if not found:
                return error(404, "Not Found", "No Folders found for the specified search criteria")
            return Response.json(found)

        @app.route("POST", r"/api/folders/?")
        def create_folder(request):
            try:
                body = app._body(request)
            except ValueError:
                return error(400, "Bad Request", "The request body could not be parsed")
            denied = app._system_only(request, body)
            if denied:
                return denied
            name = app._field(body, "FolderName")
            if not name:
                return error(400, "Bad Request", "FolderName is a required field")
            parent = app.folders.get(int(app._field(body, "NestUnderFolderID", 0) or 0))
            fid = app.next_folder_id
            app.next_folder_id += 1
            app.folders[fid] = {"FolderName": name, "Description": app._field(body, "Description", "") or "",
                                "TreePath": (parent["TreePath"] if parent else "") + "\\" + name}
            return Response.json([dict(app.folders[fid], FolderID=fid)], status=201)

        # -- admin ----------------------------------------------------------------------
        @app.admin("GET", "state")
        def state(request):
            return Response.json({
                "passwords": {str(k): dict(v) for k, v in app.passwords.items()},
                "recycle_bin": sorted(app.recycle_bin),
                "history": app.history,
                "lists": {str(k): {n: v for n, v in lst.items() if n != "generic_fields"}
                          for k, lst in app.lists.items()},
                "pending_resets": [pid for pid, dummy in app.pending_resets],
                "reasons": app.last_reasons,
                "audits": [[pid, how] for pid, how in app.audits],
                "settings": app.settings,
            })

        @app.admin("GET", "windows_user")
        def windows_user(request):
            return Response.json({"username": seed_data.WINDOWS_USERNAME, "password": seed_data.WINDOWS_PASSWORD,
                                  "logins": list(app.windows_logins)})

        @app.admin("POST", "settings")
        def settings(request):
            app.settings.update(request.json())
            return Response.json(app.settings)

        @app.admin("POST", "list_settings")
        def list_settings(request):
            body = request.json()
            lst = app.lists[int(body.pop("list_id"))]
            lst.update(body)
            return Response.json({"ok": True})

        @app.admin("POST", "process_resets")
        def process_resets(request):
            done = []
            for pid, new_password in app.pending_resets:
                if pid in app.passwords:
                    app._add_history(app.passwords[pid])
                    app.passwords[pid]["Password"] = new_password
                    done.append(pid)
            app.pending_resets = []
            return Response.json({"processed": done})

    # -- Windows-integrated API (/winapi/, NTLM) ----------------------------------------------------
    def dispatch(self, request):
        if request.path.lower().startswith(WINAPI_PREFIX):
            return self._rekey_error(self._dispatch_winapi(request))
        return self._rekey_error(super().dispatch(request))

    def _rekey_error(self, response):
        """error_key=error: the error entries newer servers send, read by ruby-passwordstate as
        message / phrase / error (its commit "Add 'error' key to error message lookup list")."""
        if self.settings.get("error_key") != "error" or response.status < 400 or b'"errors"' not in response.body:
            return response
        try:
            entries = json.loads(response.body)[0]["errors"]
        except (ValueError, LookupError, TypeError):
            return response
        phrase = " ".join(str(e.get("phrase")) for e in entries if isinstance(e, dict) and e.get("phrase"))
        response.body = json.dumps([{"error": phrase}]).encode("utf-8")
        return response

    def _dispatch_winapi(self, request):
        if request.header("APIKey") is not None or request.has_arg("apikey"):
            self.count("winapi_apikey_seen")   # tests check that clients send none
        user = self._ntlm_authenticate(request)
        if isinstance(user, Response):
            return user
        self.count("winapi_requests")
        request.windows_user = user
        request.path = "/api/" + request.path[len(WINAPI_PREFIX):]
        return super().dispatch(request)

    @staticmethod
    def _ntlm_401(token=None, scheme="NTLM"):
        """IIS's answer: the HTML 401 page and the schemes it offers (or the NTLM challenge)."""
        if token is None:
            headers = [("WWW-Authenticate", "Negotiate"), ("WWW-Authenticate", "NTLM")]
        else:
            headers = [("WWW-Authenticate", "%s %s" % (scheme, base64.b64encode(token).decode("ascii")))]
        return Response(401, IIS_401_PAGE, "text/html", headers)

    def _ntlm_users(self):
        if self.ntlm_user_file is None:
            path = os.path.join(self.config.get("state_dir") or ".", "ntlm_users")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write("%s:%s:%s\n" % (seed_data.WINDOWS_DOMAIN, seed_data.WINDOWS_USER,
                                             seed_data.WINDOWS_PASSWORD))
            self.ntlm_user_file = path
        return self.ntlm_user_file

    def _ntlm_authenticate(self, request):
        """The Windows user of this connection, or the 401 response to send."""
        client = request.client
        header = (request.header("Authorization") or "").strip()
        with self.ntlm_lock:
            state = self.ntlm_connections.get(client)
        if not header:
            # like IIS (authPersistSingleRequest=false): an NTLM-authenticated connection stays authenticated
            if state and state.get("user"):
                return state["user"]
            return self._ntlm_401()
        scheme, dummy, token = header.partition(" ")
        if scheme.lower() not in ("ntlm", "negotiate"):
            return self._ntlm_401()
        try:
            raw = base64.b64decode(token.strip(), validate=True)
        except ValueError:
            return self._ntlm_401()
        if not raw.startswith(b"NTLMSSP\x00") or len(raw) < 12:
            return self._ntlm_401()            # SPNEGO/Kerberos tokens: not imitated, NTLM only
        message_type = struct.unpack("<I", raw[8:12])[0]
        try:
            import spnego  # pylint: disable=import-outside-toplevel
        except ImportError:
            return error(500, "Internal Server Error", "the sandbox needs pyspnego for /winapi/ (pip install pyspnego)")
        with NTLM_ENV_LOCK:
            os.environ["NTLM_USER_FILE"] = self._ntlm_users()
            if message_type == 1:
                context = spnego.server(protocol="ntlm")
                try:
                    challenge = context.step(raw)
                except Exception:  # noqa: BLE001 - a malformed NEGOTIATE message is a 401, as on IIS
                    return self._ntlm_401()
                with self.ntlm_lock:
                    self.ntlm_connections[client] = {"ctx": context, "user": None}
                return self._ntlm_401(challenge, scheme)
            context = state.get("ctx") if state else None
            if message_type != 3 or context is None:
                return self._ntlm_401()
            try:
                context.step(raw)
                user = context.client_principal if context.complete else None
            except Exception:  # noqa: BLE001 - wrong password (SpnegoError) or a malformed AUTHENTICATE message
                user = None
        with self.ntlm_lock:
            if user:
                self.ntlm_connections[client] = {"ctx": None, "user": user}
            else:
                self.ntlm_connections.pop(client, None)
        if not user:
            self.count("auth_failures")
            return self._ntlm_401()
        self.count("logins")
        with self.ntlm_lock:
            self.windows_logins.append(user)
        return user

    def connection_closed(self, client):
        with self.ntlm_lock:
            self.ntlm_connections.pop(client, None)

    def not_found(self, request):
        return error(404, "Not Found", "The requested resource %s was not found" % request.path)

    def method_not_allowed(self, request):
        return error(405, "Method Not Allowed", "The requested resource does not support http method '%s'."
                     % request.method)

    def internal_error(self, request, exc):
        return error(500, "Internal Server Error", "An error has occurred: %s" % type(exc).__name__)


def create_app(config=None):
    return PasswordstateApp(config)


def dumps(payload):
    return json.dumps(payload)
