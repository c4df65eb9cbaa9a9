# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the three plugins share: the plugin record AWX reads, the TLS inputs, and one lookup per call."""

from __future__ import annotations

import os
import re
import stat
from collections import namedtuple

from ansible_collections.pwman.secrets.plugins.module_utils._errors import PwmanError
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter
from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_runtime import LookupRuntime, load_implementation

# AWX reads name, inputs and backend (and plugin_description where it knows it).
CredentialPlugin = namedtuple("CredentialPlugin", ["name", "inputs", "backend", "plugin_description"])

TLS_FIELDS = [
    {"id": "validate_certs", "label": "Verify TLS certificates", "type": "boolean", "default": True,
     "help_text": "Check the server's certificate (leave on outside of tests)."},
    {"id": "ca_path", "label": "CA bundle path", "type": "string",
     "help_text": "Optional. Path, on the AWX controller (web and task containers), of a PEM file with the CA "
                  "that signed the server's certificate. Nothing is written: mount or install the file there."},
]


MAX_CA_FILES = 1000


class LookupFailed(Exception):
    """What AWX shows when a linked field cannot be filled. Its text never holds a secret."""


def present(kwargs, *names):
    """The inputs and metadata AWX passed that hold a value (AWX leaves empty inputs out, but not always metadata)."""
    return {name: kwargs[name] for name in names if kwargs.get(name) not in (None, "")}


def tls_options(plugin_name, kwargs):
    """validate_certs and ca_path. A CA bundle path that cannot serve gets one error, whatever the reason: whoever
    writes a credential learns nothing of the controller's files (whether a path exists, what it holds)."""
    options = {"validate_certs": kwargs.get("validate_certs", True) is not False}
    ca_path = kwargs.get("ca_path")
    if ca_path not in (None, ""):
        if not _pem_bundle(str(ca_path)):
            raise LookupFailed("%s: 'ca_path' is not a readable PEM CA bundle (a file, or a directory of them) on "
                               "the AWX controller." % plugin_name)
        options["ca_path"] = str(ca_path)
    return options


def _pem_bundle(path):
    """Whether `path` is a PEM file, or a directory of them, that holds a certificate. Only regular files are opened
    (a device such as a watchdog acts when opened), and only so many."""
    try:
        files = [os.path.join(path, name) for name in sorted(os.listdir(path))[:MAX_CA_FILES]] \
            if os.path.isdir(path) else [path]
    except OSError:
        return False
    for name in files:
        try:
            if not stat.S_ISREG(os.stat(name).st_mode):
                continue
            with open(name, "rb") as handle:
                if b"-----BEGIN CERTIFICATE-----" in handle.read(1 << 20):
                    return True
        except OSError:
            continue
    return False


def lookup_one(plugin_name, lookup, term, options, input_names=None):
    """Run the collection's `lookup` implementation for one term with `options`; one string back.

    `input_names` maps option names the client's messages use to this plugin's input ids. The
    runtime's clients are closed before this returns: the session is dropped and any GnuPG home
    (and its gpg-agent) removed, whatever happened.
    """
    runtime = LookupRuntime(load_implementation(lookup))
    try:
        values = runtime.run([term], OptionAdapter.from_dict(dict(options)))
    except PwmanError as exc:
        message = str(exc)
        for option, input_id in (input_names or {}).items():
            message = re.sub(r"\b%s\b" % option, input_id, message)
        raise LookupFailed("%s: %s" % (plugin_name, message)) from None
    except Exception as exc:  # pylint: disable=broad-except
        # Not ours: its text could quote anything, so only its kind is told.
        raise LookupFailed("%s: unexpected %s" % (plugin_name, type(exc).__name__)) from None
    finally:
        runtime.clients_close()
    value = values[0]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise LookupFailed("%s: the field gives a %s, not one text value." % (plugin_name, type(value).__name__))
    return str(value)
