"""Option adapter and shared connection option checks."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.pwman.secrets.plugins.module_utils._connection import (
    build_http_client,
    checked_base_url,
    connection_argument_spec,
)
from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError
from ansible_collections.pwman.secrets.plugins.module_utils._options import OptionAdapter
from ansible_collections.pwman.secrets.plugins.module_utils._version import COLLECTION_VERSION

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def test_version_matches_galaxy():
    with open(os.path.join(REPO, "galaxy.yml"), encoding="utf-8") as handle:
        assert yaml.safe_load(handle)["version"] == COLLECTION_VERSION


def test_adapter_from_dict():
    options = OptionAdapter.from_dict({"a": 1, "b": None})
    assert options.get_option("a") == 1
    assert options.get_option_default("b", 5) == 5
    assert options.get_option_default("missing", 7) == 7
    assert not options.has_option("missing")
    options.set_option("c", 3)
    assert options.get_options("a", "c") == {"a": 1, "c": 3}


class FakePlugin:
    def __init__(self, values):
        self.values = values

    def get_option(self, name):
        return self.values[name]

    def set_option(self, name, value):
        self.values[name] = value


def test_adapter_from_plugin():
    options = OptionAdapter.from_plugin(FakePlugin({"timeout": 5}))
    assert options.get_option("timeout") == 5
    assert options.has_option("timeout") and not options.has_option("nope")


@pytest.mark.parametrize("value,message", [
    (None, "Option 'base_url' is required (or the PASSBOLT_BASE_URL environment variable)."),
    ("ftp://x", "Option 'base_url' must start with http:// or https://"),
    ("http://a b", "must not contain white space"),
])
def test_base_url_checks(value, message):
    with pytest.raises(ConfigError) as err:
        checked_base_url(OptionAdapter.from_dict({"base_url": value}), "PASSBOLT_BASE_URL")
    assert message in str(err.value)


def test_base_url_trailing_slash_removed():
    assert checked_base_url(OptionAdapter.from_dict({"base_url": "https://pb.example/ "}), "X") == "https://pb.example"


@pytest.mark.parametrize("name,value,message", [
    ("timeout", "soon", "Option 'timeout' must be a whole number"),
    ("timeout", 0, "Option 'timeout' must be at least 1"),
    ("retries", -1, "Option 'retries' must be at least 0"),
    ("ca_path", "/nonexistent/ca.pem", "Option 'ca_path': no such file"),
])
def test_connection_option_errors(name, value, message):
    values = {"base_url": "https://x.example", "timeout": 30, "retries": 3, "validate_certs": True, "ca_path": None}
    values[name] = value
    with pytest.raises(ConfigError) as err:
        build_http_client(OptionAdapter.from_dict(values), "Test", "TEST", None)
    assert message in str(err.value)


def test_argument_spec_env_fallback():
    spec = connection_argument_spec("OPP")
    assert spec["base_url"]["fallback"][1] == ["OPP_BASE_URL"]
    assert spec["validate_certs"]["default"] is True
