# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options common to the three products: argument spec for modules, validation, HttpClient."""

from __future__ import annotations

import os

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError
from ansible_collections.pwman.secrets.plugins.module_utils._http import HttpClient
from ansible_collections.pwman.secrets.plugins.module_utils._options import ENVIRONMENT

DEFAULT_TIMEOUT = 30
DEFAULT_RETRIES = 3


def env_fallback_to(name):
    """An argument-spec fallback to one environment variable.

    Ansible's module helpers load here, when a module builds its spec, not when a lookup (or the
    lookup agent) imports a product client: that import would cost the agent a tenth of a second.
    """
    from ansible.module_utils.basic import env_fallback  # pylint: disable=import-outside-toplevel

    return (env_fallback, [name])


def connection_argument_spec(env_prefix):
    """Module parameters shared by every product; `env_prefix` is e.g. PASSBOLT."""
    return dict(
        base_url=dict(type="str", fallback=env_fallback_to(env_prefix + "_BASE_URL")),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="int", default=DEFAULT_TIMEOUT),
        retries=dict(type="int", default=DEFAULT_RETRIES),
    )


def require(options, name, env_name=None):
    value = options.get_option_default(name)
    if value in (None, ""):
        hint = " (or the %s environment variable)" % env_name if env_name else ""
        raise ConfigError("Option '%s' is required%s." % (name, hint))
    return value


def checked_base_url(options, env_name):
    url = str(require(options, "base_url", env_name)).strip()
    if not url.startswith(("http://", "https://")):
        raise ConfigError("Option 'base_url' must start with http:// or https://, got %r." % url[:100])
    if any(c in url for c in " \t\r\n"):
        raise ConfigError("Option 'base_url' must not contain white space.")
    return url.rstrip("/")


def checked_int(options, name, default, minimum):
    value = options.get_option_default(name, default)
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise ConfigError("Option '%s' must be a whole number, got %r." % (name, value)) from None
    if value < minimum:
        raise ConfigError("Option '%s' must be at least %d, got %d." % (name, minimum, value))
    return value


def build_http_client(options, product, env_prefix, error_parser, redactor=None, base_url=None):
    """An HttpClient configured from the shared connection options."""
    ca_path = options.get_option_default("ca_path")
    if ca_path:
        ca_path = os.path.expanduser(str(ca_path))
        if not os.path.exists(ca_path):
            raise ConfigError("Option 'ca_path': no such file or directory: %s" % ca_path)
    return HttpClient(
        product,
        base_url or checked_base_url(options, env_prefix + "_BASE_URL"),
        timeout=checked_int(options, "timeout", DEFAULT_TIMEOUT, 1),
        validate_certs=bool(options.get_option_default("validate_certs", True)),
        ca_path=ca_path,
        retries=checked_int(options, "retries", DEFAULT_RETRIES, 0),
        error_parser=error_parser,
        redactor=redactor,
        # Resolved by the worker for the lookup agent; read here in the run's own process otherwise.
        environment=options.get_option_default(ENVIRONMENT),
    )
