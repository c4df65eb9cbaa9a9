"""The shared password vocabulary."""

from __future__ import annotations

import string

import pytest

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError
from ansible_collections.pwman.secrets.plugins.module_utils._password import (
    GENERATE,
    KEEP,
    SET,
    generate_password,
    plan_password,
)


def params(**kwargs):
    base = {"password": None, "generate_password": False, "password_length": 24,
            "password_chars": None, "update_password": "always", "rotate": False}
    base.update(kwargs)
    return base


def test_generated_password_has_every_class():
    for dummy in range(50):
        value = generate_password(8)
        assert len(value) == 8
        assert any(c in string.ascii_lowercase for c in value)
        assert any(c in string.ascii_uppercase for c in value)
        assert any(c in string.digits for c in value)
        assert any(not c.isalnum() for c in value)


def test_generated_passwords_differ_and_honour_chars():
    values = {generate_password(16, ["digits"]) for dummy in range(20)}
    assert len(values) == 20
    assert all(v.isdigit() for v in values)
    assert set(generate_password(30, ["ab"])) <= {"a", "b"}


@pytest.mark.parametrize("length", [2, 5000])
def test_bad_length(length):
    with pytest.raises(ConfigError, match="password_length"):
        generate_password(length)


@pytest.mark.parametrize("kwargs,exists,current,expected", [
    ({"password": "p1"}, False, None, (SET, "p1")),
    ({"generate_password": True}, False, None, (GENERATE, None)),
    ({}, False, None, (KEEP, None)),
    ({"password": "p1"}, True, "p1", (KEEP, None)),
    ({"password": "p2"}, True, "p1", (SET, "p2")),
    ({"password": "p2", "update_password": "on_create"}, True, "p1", (KEEP, None)),
    ({"generate_password": True}, True, "p1", (KEEP, None)),
    ({"rotate": True}, True, "p1", (GENERATE, None)),
    ({"rotate": True, "update_password": "on_create"}, True, "p1", (GENERATE, None)),
])
def test_plan(kwargs, exists, current, expected):
    assert plan_password(params(**kwargs), exists, current) == expected


@pytest.mark.parametrize("kwargs,message", [
    ({"password": "x1", "generate_password": True}, "'password' and 'generate_password' are mutually exclusive"),
    ({"password": "x1", "rotate": True}, "'password' and 'rotate' are mutually exclusive"),
    ({"password": ""}, "'password' must not be empty"),
    ({"rotate": True, "password_chars": []}, "'password_chars' must list at least one"),
])
def test_conflicts(kwargs, message):
    with pytest.raises(ConfigError) as err:
        plan_password(params(**kwargs), True, "old")
    assert message in str(err.value)
