# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The password vocabulary shared by every module that stores a password.

password / generate_password / password_length / password_chars /
update_password: always|on_create / rotate / return_password.

`rotate: true` changes the password of an entry that exists. When the entry does not exist, the task fails
(nothing is written) unless `generate_password: true` is given too, which creates it with a generated
password: a rotation never creates by surprise.
"""

from __future__ import annotations

import secrets
import string

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError, NotFound

CHAR_CLASSES = {
    "ascii_lowercase": string.ascii_lowercase,
    "ascii_uppercase": string.ascii_uppercase,
    "ascii_letters": string.ascii_letters,
    "digits": string.digits,
    "punctuation": "!#$%&()*+,-./:;<=>?@[]^_{|}~",
}
DEFAULT_CHARS = ["ascii_lowercase", "ascii_uppercase", "digits", "punctuation"]
DEFAULT_LENGTH = 24

KEEP = "keep"
SET = "set"
GENERATE = "generate"


def password_argument_spec():
    return dict(
        password=dict(type="str", no_log=True),
        # Names with "password" that hold no secret: no_log=False says so (and silences Ansible's warning).
        generate_password=dict(type="bool", default=False, no_log=False),
        password_length=dict(type="int", default=DEFAULT_LENGTH, no_log=False),
        password_chars=dict(type="list", elements="str", default=list(DEFAULT_CHARS), no_log=False),
        update_password=dict(type="str", choices=["always", "on_create"], default="always", no_log=False),
        rotate=dict(type="bool", default=False),
        return_password=dict(type="bool", default=False, no_log=False),
    )


def _alphabets(chars):
    """Each entry is a class name from CHAR_CLASSES or a literal set of characters."""
    if not chars:
        raise ConfigError("Option 'password_chars' must list at least one character class.")
    return [CHAR_CLASSES.get(entry, entry) for entry in chars if entry]


def generate_password(length=DEFAULT_LENGTH, chars=None):
    """A random password with at least one character of every class (secrets module)."""
    alphabets = _alphabets(chars or DEFAULT_CHARS)
    if length < len(alphabets) or length < 4:
        raise ConfigError("Option 'password_length' must be at least %d, got %d."
                          % (max(4, len(alphabets)), length))
    if length > 4096:
        raise ConfigError("Option 'password_length' must be at most 4096, got %d." % length)
    pool = "".join(sorted(set("".join(alphabets))))
    chosen = [secrets.choice(alphabet) for alphabet in alphabets]
    chosen += [secrets.choice(pool) for dummy in range(length - len(chosen))]
    for index in range(len(chosen) - 1, 0, -1):
        swap = secrets.randbelow(index + 1)
        chosen[index], chosen[swap] = chosen[swap], chosen[index]
    return "".join(chosen)


def check_password_options(params):
    """Reject conflicting password options before anything is sent."""
    if params.get("password") is not None and params.get("generate_password"):
        raise ConfigError("Options 'password' and 'generate_password' are mutually exclusive.")
    if params.get("password") is not None and params.get("rotate"):
        raise ConfigError("Options 'password' and 'rotate' are mutually exclusive: rotate generates a new password.")
    if params.get("password") == "":
        raise ConfigError("Option 'password' must not be empty.")
    if (params.get("generate_password") or params.get("rotate")) and params.get("password_chars") is not None:
        _alphabets(params["password_chars"])


def plan_password(params, exists, current=None, missing="the entry does not exist"):
    """What to do with the stored password: (KEEP, None), (SET, value) or (GENERATE, None).

    `current` is the stored password (None when unknown or not existing); `missing` says what was not
    found, for the error of a rotation of nothing. Creating with neither password nor generate_password
    gives (KEEP, None): the caller decides whether its product accepts an entry without a password.
    """
    check_password_options(params)
    wanted = params.get("password")
    if params.get("rotate"):
        if not exists and not params.get("generate_password"):
            raise NotFound("Nothing to rotate: %s. rotate: true changes the password of an existing entry; add "
                           "generate_password: true to create it with a generated password when it is missing."
                           % missing)
        return GENERATE, None
    if not exists:
        if wanted is not None:
            return SET, wanted
        if params.get("generate_password"):
            return GENERATE, None
        return KEEP, None
    if params.get("update_password") == "on_create":
        return KEEP, None
    if wanted is not None and wanted != current:
        return SET, wanted
    return KEEP, None
