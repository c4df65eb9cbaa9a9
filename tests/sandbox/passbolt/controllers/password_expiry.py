"""Password expiry: plugins/PassboltCe/PasswordExpiry (PasswordExpirySettingsGetController.php,
PasswordExpirySettingsSetController.php, PasswordExpirySettingsDeleteController.php with PasswordExpirySettingsForm,
PasswordExpirySettingsDto and their services; PasswordExpiryExpireResourcesService, the automatic expiry when a user
loses access). With the setting `password_expiry_policies_enabled` the settings are those of a Pro server's
plugins/PassboltEe/PasswordExpiryPolicies (PasswordExpiryPoliciesSettingsForm, PasswordExpiryPoliciesSettingsDto).
The secret accesses the automatic expiry looks at are the Log plugin's (SecretAccessesTable), recorded where the real
controllers record them (ResourcesIndexController, ResourcesViewController, SecretsViewController).
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime

from sandbox.passbolt.controllers.core import HttpError, is_uuid, iso
from sandbox.passbolt.controllers.resource_validation import _parse_datetime

AUTOMATIC_EXPIRY, AUTOMATIC_UPDATE = "automatic_expiry", "automatic_update"
POLICY_OVERRIDE, DEFAULT_EXPIRY_PERIOD = "policy_override", "default_expiry_period"
# CakePHP Validator default messages
REQUIRED, EMPTY = "This field is required.", "This field cannot be left empty"
NOT_BOOLEAN, NOT_NATURAL = "The provided value must be a boolean", "The provided value must be a natural number"


def _php_boolean(value):
    """Validation::boolean: strictly one of true, false, 0, 1, '0', '1'."""
    return isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)) or value in ("0", "1")


def _php_truthy(value):
    return value not in (None, False, 0, 0.0, "", "0")


def _php_scalar_string(value):
    """(string) of a PHP scalar, None for anything else (Validation::inList, Validation::_check)."""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, (int, float, str)) else None


class PasswordExpiryMixin:
    def _assert_password_expiry_plugin(self):
        """PASSBOLT_PLUGINS_PASSWORD_EXPIRY_ENABLED false: the plugin and its routes are not loaded."""
        if not self.settings["password_expiry_enabled"]:
            raise HttpError(404, "Not Found")

    def _pro_expiry(self):
        return self.settings["password_expiry_policies_enabled"]

    def password_expiry_settings(self):
        """PasswordExpiryGetSettingsService::get: the stored value as the DTO has it, or the defaults (the feature is
        then off: isPasswordExpiryFeatureEnabled is "a row exists")."""
        row = self.password_expiry_setting if self.settings["password_expiry_enabled"] else None
        value = dict(row["value"]) if row else {}
        return {AUTOMATIC_EXPIRY: bool(value.get(AUTOMATIC_EXPIRY)), AUTOMATIC_UPDATE: bool(value.get(AUTOMATIC_UPDATE)),
                POLICY_OVERRIDE: bool(value.get(POLICY_OVERRIDE)) if self._pro_expiry() else False,
                DEFAULT_EXPIRY_PERIOD: value.get(DEFAULT_EXPIRY_PERIOD) if self._pro_expiry() else None,
                "row": row}

    def _password_expiry_dto(self):
        """PasswordExpirySettingsDto::toArray (the Pro DTO adds nothing to an enabled one, and policy_override /
        default_expiry_period to the defaults of a disabled one)."""
        settings = self.password_expiry_settings()
        row = settings["row"]
        if row is None:
            out = {AUTOMATIC_EXPIRY: False, AUTOMATIC_UPDATE: False}
            if self._pro_expiry():
                out.update({POLICY_OVERRIDE: False, DEFAULT_EXPIRY_PERIOD: None})
            return out
        out = {"id": row["id"]}
        out.update({k: settings[k] for k in (AUTOMATIC_EXPIRY, AUTOMATIC_UPDATE, POLICY_OVERRIDE, DEFAULT_EXPIRY_PERIOD)})
        out.update({k: row[k] for k in ("created", "created_by", "modified", "modified_by")})
        return out

    def _password_expiry_form(self, data):
        """PasswordExpirySettingsForm (or the Pro one): sanitizeData keeps the form's fields, absent ones as null;
        then the validator, every rule of a field run in turn. Returns (value, errors)."""
        pro = self._pro_expiry()
        fields = (AUTOMATIC_EXPIRY, AUTOMATIC_UPDATE) + ((POLICY_OVERRIDE, DEFAULT_EXPIRY_PERIOD) if pro else ())
        value = {name: data.get(name) for name in fields}
        if pro:
            period = value[DEFAULT_EXPIRY_PERIOD]
            if isinstance(period, (int, float)) and not isinstance(period, bool) or \
                    isinstance(period, str) and re.match(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$", period):
                value[DEFAULT_EXPIRY_PERIOD] = int(float(period))  # is_numeric() then intval()
        errors = {}
        for name in fields:
            field = value[name]
            if name == DEFAULT_EXPIRY_PERIOD:  # allowEmptyString: null and "" skip the rules
                if field not in (None, "") and not re.match(r"^[1-9][0-9]*$", _php_scalar_string(field) or "-"):
                    errors[name] = {"naturalNumber": NOT_NATURAL}
                continue
            if field is None or field in ("", [], {}):
                errors[name] = {"_empty": EMPTY}
                continue
            rules = {}
            if not _php_boolean(field):
                rules["boolean"] = NOT_BOOLEAN
            if not pro and name in (AUTOMATIC_EXPIRY, AUTOMATIC_UPDATE) and _php_scalar_string(field) != "1":
                rules["inList"] = "The %s field must be true." % name
            if rules:
                errors[name] = rules
        return value, errors

    def h_password_expiry_settings_get(self, req):
        """PasswordExpirySettingsGetController::get: any user."""
        self._assert_password_expiry_plugin()
        self.current_user(req)
        return self.envelope(req, self._password_expiry_dto())

    def h_password_expiry_settings_set(self, req):
        """PasswordExpirySettingsSetController::post (POST or PUT): admins only, then the form (400 "Could not validate
        the password expiry settings."), then OrganizationSettingsTable::createOrUpdateSetting (the row keeps its id
        and creation on an update)."""
        self._assert_password_expiry_plugin()
        me, dummy = self.current_user(req)
        if me["role"] != "admin":
            raise HttpError(403, "Access restricted to administrators.")
        value, errors = self._password_expiry_form(self.data(req))
        if errors:
            raise HttpError(400, "Could not validate the password expiry settings.", errors)
        stored = {AUTOMATIC_EXPIRY: _php_truthy(value[AUTOMATIC_EXPIRY]),
                  AUTOMATIC_UPDATE: _php_truthy(value[AUTOMATIC_UPDATE]),
                  POLICY_OVERRIDE: _php_truthy(value.get(POLICY_OVERRIDE)),
                  DEFAULT_EXPIRY_PERIOD: value.get(DEFAULT_EXPIRY_PERIOD) if value.get(DEFAULT_EXPIRY_PERIOD) != ""
                  else None}
        self.store_password_expiry_setting(stored, me["id"])
        return self.envelope(req, self._password_expiry_dto())

    def store_password_expiry_setting(self, value, by):
        now = iso()
        row = self.password_expiry_setting
        if row is None:
            row = {"id": str(uuid.uuid4()), "created": now, "created_by": by}
        row.update(value=dict(value), modified=now, modified_by=by)
        self.password_expiry_setting = row

    def h_password_expiry_settings_delete(self, req, sid):
        """PasswordExpirySettingsDeleteController::delete: admins only, a UUID, an existing row; body null."""
        self._assert_password_expiry_plugin()
        me, dummy = self.current_user(req)
        if me["role"] != "admin":
            raise HttpError(403, "Access restricted to administrators.")
        if not is_uuid(sid):
            raise HttpError(400, "The identifier should be a valid UUID.")
        if self.password_expiry_setting is None or self.password_expiry_setting["id"] != sid:
            raise HttpError(404, "The password expiry setting does not exist.")
        self.password_expiry_setting = None
        return self.envelope(req, None)

    # -- the automatic expiry ------------------------------------------------------------------------------
    def record_secret_access(self, uid, secrets):
        """SecretAccessesTable::createFromSecretDetails for each secret a user was given."""
        for secret in secrets:
            self.secret_accesses.add((uid, secret["resource_id"]))

    def expire_for_lost_secrets(self, lost):
        """PasswordExpiryExpireResourcesService::expireResourcesForSecrets: when the settings expire automatically,
        the not yet expired resources whose secret one of the users who lost it had accessed get `expired` = now
        minus two seconds. `lost`: (user_id, resource_id) of the deleted secrets."""
        if not lost or not self.password_expiry_settings()[AUTOMATIC_EXPIRY]:
            return
        now = time.time()
        for rid in {rid for uid, rid in lost if (uid, rid) in self.secret_accesses}:
            res = self.resources.get(rid)
            expired = _parse_datetime(res["expired"]) if res and res["expired"] else None
            if res is not None and (expired is None or datetime.fromisoformat(expired).timestamp() > now):
                res["expired"] = iso(now - 2)  # ResourcesTable::findNotExpired: null or in the future


ROUTES = (
    ("GET", r"/password-expiry/settings\.json", "h_password_expiry_settings_get"),
    ("POST", r"/password-expiry/settings\.json", "h_password_expiry_settings_set"),
    ("PUT", r"/password-expiry/settings\.json", "h_password_expiry_settings_set"),
    ("DELETE", r"/password-expiry/settings/(?P<sid>[^/]+)\.json", "h_password_expiry_settings_delete"),
)
