# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Passbolt password expiry: a resource's `expired` date (null: it does not expire; a date in the past: expired), the
server's settings (GET /password-expiry/settings.json, passbolt_api plugins/PassboltCe/PasswordExpiry) and what
Passbolt's clients write under them.

The browser extension (passbolt_styleguide src/react-extension/components/Resource/EditResource/EditResource.js,
shouldUpdateExpirationDate / getResourceExpirationDate; CreateResource.js, getResourceExpirationDate): when the
password changes and the settings say `automatic_update`, `expired` becomes now + `default_expiry_period` days (a Pro
server's policy), or null when there is no period; a new resource gets the same when the feature is on; otherwise
`expired` is left alone. The server itself never clears or moves the date on a password change.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ApiError, ConfigError

EXPIRY_WORDS = ("auto", "keep", "never", "now")
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_date(value):
    """A date as the server writes it ("2026-05-12T10:29:07+00:00"), or as a user gives it (ISO 8601, a date alone
    is midnight UTC, no zone is UTC) -> an aware datetime, or None when it does not parse."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def api_date(moment):
    """A date as the extension sends it (luxon's DateTime.utc().toISO(): milliseconds and Z)."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def is_expired(value, now=None):
    """The extension's test (ResourceWorkspaceContext, the "expired" filter): a date at or before now."""
    moment = parse_date(value)
    return moment is not None and moment <= (now or datetime.now(timezone.utc))


def parse_duration(value, option):
    """"30d", "12h", "2w", "90m", "45s" or a number of days -> seconds."""
    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", str(value if value is not None else ""))
    if not match:
        raise ConfigError("Option '%s' must be a duration like 30d, 12h, 2w or a number of days, got %r."
                          % (option, str(value)[:40]))
    return float(match.group(1)) * DURATION_UNITS[match.group(2) or "d"]


def parse_expiry_option(value):
    """passbolt_resource's `expiry`: one of EXPIRY_WORDS, or a date -> the word or an aware datetime."""
    text = str(value if value is not None else "auto").strip()
    if text.lower() in EXPIRY_WORDS:
        return text.lower()
    moment = parse_date(text)
    if moment is None:
        raise ConfigError("Option 'expiry' must be auto, keep, never, now or an ISO 8601 date or date and time "
                          "(2026-09-30, 2026-09-30T12:00:00Z), got %r." % text[:60])
    return moment


class ExpirySettings:
    """The server's password expiry settings, asked once and only when needed."""

    def __init__(self, api):
        self.api = api
        self._settings = False

    def get(self):
        """The settings, or None when the server has no PasswordExpiry plugin (no route: 404)."""
        if self._settings is False:
            try:
                body = self.api.password_expiry_settings()
            except ApiError as exc:
                if exc.status != 404:
                    raise
                body = None
            self._settings = body if isinstance(body, dict) else None
        return self._settings

    def after_password_change(self, now, creating=False):
        """(write?, value) as Passbolt's clients do for a new password: (False, None) to leave `expired` alone."""
        settings = self.get()
        if not settings or not settings.get("automatic_update"):
            return False, None
        if creating and not settings.get("id"):  # CreateResource: only when the feature is on (isFeatureEnabled)
            return False, None
        period = settings.get("default_expiry_period")
        if period is None or isinstance(period, bool):
            return True, None
        try:
            return True, api_date(now + timedelta(days=float(period)))
        except (TypeError, ValueError, OverflowError):
            raise ApiError("Passbolt", "GET", "/password-expiry/settings.json", 200,
                           "default_expiry_period is not a number of days") from None


def plan_expiry(wanted, current, settings, password_changed, creating, now):
    """What passbolt_resource writes to `expired`: (send?, value, reason). `wanted`: parse_expiry_option();
    `current`: the resource's `expired` (None when it has none, or for a new resource)."""
    if isinstance(wanted, datetime):
        same = current is not None and parse_date(current) == wanted.replace(microsecond=0)
        return (not same, api_date(wanted), "the expiry option sets it")
    if wanted == "never":
        return (current is not None or creating, None, "the expiry option clears it")
    if wanted == "now":
        if is_expired(current, now):
            return (False, current, "")
        return (True, api_date(now), "the expiry option marks the password expired")
    if wanted == "keep" or not (password_changed or creating):
        return (False, current, "")
    send, value = settings.after_password_change(now, creating)
    if not send:
        return (False, current, "")
    what = "a new password" if password_changed else "a new resource"
    return (True, value, "%s gets %s under the server's password expiry settings"
            % (what, "an expiry date %s days ahead" % settings.get().get("default_expiry_period") if value
               else "no expiry date"))


def same_date(first, second):
    """Two `expired` values (server or API form) that name the same second, or both none."""
    if first is None or second is None:
        return first is None and second is None
    one, two = parse_date(first), parse_date(second)
    return one is not None and two is not None and one.replace(microsecond=0) == two.replace(microsecond=0)
