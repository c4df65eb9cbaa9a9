# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One way to read options, whether they come from a lookup plugin, a module or a plain dict.

Product clients take an OptionAdapter and never care where an option was set (term keyword,
vars, env, ini for lookups; parameters and env fallbacks for modules).
"""

from __future__ import annotations

import hashlib
import os

_MISSING = object()
FALSE_WORDS = ("0", "false", "no", "off", "n", "f")
TRUE_WORDS = ("1", "true", "yes", "on", "y", "t")
# Names the worker adds to the options it resolved (see resolved_options); never user options.
ENVIRONMENT = "request_environment"
CREDENTIAL_DIGEST = "credential_digest"
# Set by the AWX credential plugins: private_key and account_kit are content, never a path (the credential's author
# is not a user of the host that reads it).
KEY_CONTENT_ONLY = "key_content_only"
# Options that may name a file whose contents are the credential or the trust (key, account kit, CA bundle).
FILE_OPTIONS = ("private_key_file", "private_key", "account_kit", "ca_path")
# Of those, the ones that are always a path (the others are content, or the path of a file that exists).
PATH_OPTIONS = ("private_key_file", "ca_path", "ca_bundle")


def verify_word(value):
    """True/False for a boolean word (PASSBOLT_VERIFY=false), None for anything else (a path)."""
    word = str(value or "").strip().lower()
    if word in FALSE_WORDS:
        return False
    if word in TRUE_WORDS:
        return True
    return None


def apply_verify_variable(values, variable, validate_certs_set, environ=None):
    """A compatibility variable (PASSBOLT_VERIFY) in place of validate_certs/ca_path not set otherwise.

    false turns validate_certs off, a path becomes ca_path; an explicit option always wins.
    """
    raw = (os.environ if environ is None else environ).get(variable)
    if raw is None or not raw.strip():
        return values
    word = verify_word(raw)
    if word is not None:
        if not validate_certs_set:
            values["validate_certs"] = word
    elif not values.get("ca_path"):
        values["ca_path"] = raw.strip()
    return values


class OptionAdapter:
    def __init__(self, getter, setter, haver, lister=None):
        self._get = getter
        self._set = setter
        self._has = haver
        self._list = lister

    @classmethod
    def from_dict(cls, options):
        return cls(options.__getitem__, options.__setitem__, options.__contains__, lambda: dict(options))

    @classmethod
    def from_module(cls, module):
        return cls.from_dict(module.params)

    @classmethod
    def from_plugin(cls, plugin):
        def has(name):
            try:
                plugin.get_option(name)
            except KeyError:
                return False
            return True

        # AnsiblePlugin keeps the resolved options of the current call in _options.
        return cls(plugin.get_option, plugin.set_option, has,
                   lambda: dict(getattr(plugin, "_options", {})))  # pylint: disable=protected-access

    def has_option(self, name):
        return self._has(name)

    def get_option(self, name):
        return self._get(name)

    def get_option_default(self, name, default=None):
        if not self._has(name):
            return default
        value = self._get(name)
        return default if value is None else value

    def set_option(self, name, value):
        self._set(name, value)

    def as_dict(self):
        """Every option and its value (what identifies a client session, for instance)."""
        return self._list() if self._list else {}

    def get_options(self, *names):
        return {name: self.get_option_default(name) for name in names}


def request_environment(environ=None):
    """What the environment says about requests (proxies, CA bundle), resolved where the run's environment is.

    Sessions never read the environment themselves (trust_env off): the lookup agent outlives the run
    that started it, so the worker sends this with every request and it is part of the session's identity.
    """
    environ = os.environ if environ is None else environ
    proxies = {}
    for name, value in environ.items():
        low = name.lower()
        if low.endswith("_proxy") and value and low[:-6] in ("http", "https", "all", "no"):
            # Lower case wins, as in urllib and requests.
            if name == low or low[:-6] not in proxies:
                proxies[low[:-6]] = value
    bundle = environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE") or None
    return {"proxies": proxies, "ca_bundle": bundle}


def path_digest(path):
    """sha256 of a file's bytes, or of a directory's file names and bytes (a CA directory); None if unreadable."""
    digest = hashlib.sha256()
    try:
        if os.path.isdir(path):
            for name in sorted(os.listdir(path)):
                full = os.path.join(path, name)
                if os.path.isfile(full):
                    digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
                    with open(full, "rb") as handle:
                        digest.update(handle.read())
        else:
            with open(path, "rb") as handle:
                digest.update(handle.read())
    except OSError:
        return None
    return digest.hexdigest()


def resolved_options(values, origins, verify_variable=None, environ=None):
    """A lookup's options as the run that asked resolved them, whatever process does the work.

    Option > environment variable > default for the compatibility variable; the environment's
    proxies and CA bundle; files named by an option as absolute paths, and a digest of their
    contents (key files, account kits, CA bundles), so that a cached session is tied to the
    credential, not to a path.
    """
    values = dict(values)
    if verify_variable:
        apply_verify_variable(values, verify_variable, origins.get("validate_certs", "default") != "default", environ)
    for name in FILE_OPTIONS:
        path = named_file(name, values.get(name))
        if path:
            values[name] = os.path.abspath(path)  # the agent shares neither the worker's directory nor its HOME
    values[ENVIRONMENT] = request_environment(environ)
    values[CREDENTIAL_DIGEST] = credential_digest(values)
    return values


def named_file(name, value, content_only=False):
    """The file (expanded path) that option `name` reads when its value is `value`, or None.

    The one rule for the readers (the Passbolt credentials, the HTTP client's ca_path) and for the credential
    digest, whatever characters the path holds: private_key_file and ca_path are paths; private_key is the path
    of an existing file unless it holds an armored key; account_kit, stripped, is the path of an existing file
    unless it is JSON or more than one line. With `content_only`, private_key and account_kit never are.
    """
    if not isinstance(value, str) or not value:
        return None
    if name in PATH_OPTIONS:
        return os.path.expanduser(value)
    if content_only:
        return None
    if name == "private_key":
        candidate = value if "BEGIN PGP" not in value else None
    elif name == "account_kit":
        candidate = value.strip()
        if "\n" in candidate or len(candidate) >= 4096 or candidate.startswith("{"):
            candidate = None
    else:
        candidate = None
    if not candidate:
        return None
    path = os.path.expanduser(candidate)
    return path if os.path.isfile(path) else None


def credential_digest(values):
    """A digest of the contents of every file the options (and the resolved CA bundle) name."""
    digest = hashlib.sha256()
    named = [(name, values.get(name)) for name in FILE_OPTIONS]
    named.append(("ca_bundle", (values.get(ENVIRONMENT) or {}).get("ca_bundle")))
    for name, value in named:
        path = named_file(name, value, values.get(KEY_CONTENT_ONLY))
        if path:
            digest.update(("%s=%s\0" % (name, path_digest(path))).encode("utf-8"))
    return digest.hexdigest()
