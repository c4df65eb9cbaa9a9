"""GET / (src/Controller/Pages/HomeController.php), GET /settings.json
(src/Controller/Settings/SettingsIndexController.php) and GET /healthcheck/status.json
(src/Controller/Healthcheck/HealthcheckStatusController.php).
"""

from __future__ import annotations

from sandbox.common.httpserver import Response
from sandbox.passbolt.controllers.core import HttpError, JSON_TYPE, Redirect
from sandbox.passbolt.php import php_json


# config/version.php; the settings the imitation's plugins publish (plugins' config/config.php settingsVisibility)
PASSBOLT_VERSION = {"number": "5.12.0", "name": "Natural Blues"}


class SettingsMixin:
    def h_home(self, req):
        """GET / (Pages/Home::apiExtApp). Not logged in: a browser is redirected to the login page
        (Application::getAuthenticationService sets unauthenticatedRedirect for non-JSON requests only);
        a JSON client gets the authentication error. Logged in: the page skeleton, or an empty envelope."""
        wants_json = "json" in (req.header("Accept") or "").lower()
        try:
            self.current_user(req)
        except HttpError:
            if wants_json:
                raise
            raise Redirect(self._full_base_url() + "/auth/login?redirect=%2F") from None
        if wants_json:
            return self.envelope(req, None)
        return Response(200, "<!DOCTYPE html><html><body><div id=\"container\" class=\"skeleton\"></div></body></html>",
                        "text/html; charset=UTF-8")

    def h_healthcheck(self, req):
        return self.envelope(req, "OK", message="OK")  # success(__('OK'), 'OK')

    def h_settings(self, req):
        """SettingsIndexController::index (allowUnauthenticated): a guest gets app.url/locale, passbolt.legal/edition
        and the plugins' whiteListPublic settings; a user also the version, debug, timezone, session timeout, image
        path and each plugin's version/enabled plus its whiteList settings. Only the plugins the imitation has are
        listed. contain[header]=0: the settings without the envelope."""
        try:
            user, dummy = self.current_user(req)
        except HttpError:
            user = None
        jwt = self.settings["jwt_enabled"]
        body = {"app": {"url": self._full_base_url() + "/", "locale": "en-UK"},  # GetOrgLocaleService::DEFAULT_LOCALE
                "passbolt": {"legal": {"privacy_policy": {"url": ""},
                                       "terms": {"url": "https://www.passbolt.com/terms"}},
                             "edition": "ce"}}
        if user is None:
            body["passbolt"]["plugins"] = {"jwtAuthentication": {"enabled": True}} if jwt else []
        else:
            body["app"].update({"version": dict(PASSBOLT_VERSION), "debug": 0, "server_timezone": "UTC",
                                "session_timeout": 24,  # session.gc_maxlifetime 1440 s / 60
                                "image_storage": {"public_path": "img/public/"}})
            body["passbolt"]["plugins"] = {
                "jwtAuthentication": {"version": "3.3.0", "enabled": True} if jwt else {"enabled": False},
                "multiFactorAuthentication": {"version": "1.1.0", "enabled": True},
                "metadata": {"version": "1.0.0", "enabled": True, "autoSetupClientSide": False},
                "folders": {"version": "2.0.0", "enabled": True}}
            for name, setting in (("resourceTypes", "resource_types_enabled"),
                                  ("totpResourceTypes", "totp_resource_types_enabled"),
                                  ("passwordExpiry", "password_expiry_enabled")):
                # config/default.php has `enabled`; the plugin's config/config.php, loaded with it, its version
                body["passbolt"]["plugins"][name] = {"version": "1.0.0", "enabled": True} \
                    if self.settings[setting] else {"enabled": False}
            if self.settings["password_expiry_policies_enabled"]:  # a Pro server (config/pro.php, the plugin's config)
                body["passbolt"]["plugins"]["passwordExpiryPolicies"] = {"version": "1.0.0", "enabled": True}
        if self.settings["password_expiry_policies_enabled"]:
            body["passbolt"]["edition"] = "pro"
        header = req.arg("contain[header]")
        if header is not None and header.lower() in ("0", "false"):
            return Response(200, php_json(body), JSON_TYPE)
        return self.envelope(req, body)


ROUTES = (
    ("GET", r"/", "h_home"),
    ("GET", r"/settings\.json", "h_settings"),
    ("GET", r"/healthcheck/status\.json", "h_healthcheck"),
)
