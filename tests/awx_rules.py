"""What AWX enforces on credential types and plugins, and how it renders injectors, for the AWX tests.

Rules are AWX's (ansible/awx awx/main/fields.py: CredentialTypeInputField, CredentialTypeInjectorField;
awx/main/models/credential.py: CredentialInputSource.get_input_value). Rendering is AWX's own code:
inject_credential from the awx-plugins.interfaces package (the function AWX's job runs call).
"""

from __future__ import annotations

import os
import re
import tempfile
from types import SimpleNamespace

import jsonschema
from jinja2 import StrictUndefined, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

NAME = r"^[a-zA-Z_]+[a-zA-Z0-9_]*$"
FIELD_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"enum": ["string", "boolean"]},
        "format": {"enum": ["ssh_private_key", "url"]},
        "choices": {"type": "array", "minItems": 1, "items": {"type": "string"}, "uniqueItems": True},
        "id": {"type": "string", "pattern": NAME},
        "label": {"type": "string"},
        "help_text": {"type": "string"},
        "multiline": {"type": "boolean"},
        "secret": {"type": "boolean"},
        "ask_at_runtime": {"type": "boolean"},
        "default": {},
    },
    "additionalProperties": False,
    "required": ["id", "label"],
}
# Custom credential types: `fields` and `required`. Plugins add `metadata` (what a linked field
# asks for), whose items AWX validates the same way (DynamicCredentialInputField).
INPUTS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "required": {"type": "array", "items": {"type": "string"}},
        "fields": {"type": "array", "items": FIELD_SCHEMA},
        "metadata": {"type": "array", "items": FIELD_SCHEMA},
    },
}
INJECTORS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "file": {"type": "object", "patternProperties": {r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$": {"type": "string"}},
                 "additionalProperties": False},
        "env": {"type": "object", "additionalProperties": False,
                "patternProperties": {NAME: {"type": "string", "pattern": "^[\x00-\x7F]*$"}}},
        "extra_vars": {"type": "object", "additionalProperties": False,
                       "patternProperties": {NAME: {"type": "string"}}},
    },
}
ENV_BLOCKLIST = {"VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID",
                 "INVENTORY_UPDATE_ID", "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES",
                 "CALLBACK_QUEUE", "CALLBACK_CONNECTION", "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS",
                 "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH"}
CONTAINER_ROOT = "/runner"  # where a job's container sees the private data dir


def input_errors(inputs, plugin=False):
    """AWX's complaints about `inputs` (empty list: AWX accepts them)."""
    errors = [e.message for e in jsonschema.Draft7Validator(INPUTS_SCHEMA).iter_errors(inputs)]
    if errors:
        return errors
    if "metadata" in inputs and not plugin:
        errors.append("metadata is for credential plugins only")
    groups = [inputs.get("fields", [])] + ([inputs.get("metadata", [])] if plugin else [])
    ids = set()
    for fields in groups:
        for field in fields:
            fid, ftype = field["id"], field.get("type", "string")
            if fid == "tower":
                errors.append('"tower" is a reserved field name')
            if fid in ids:
                # The backend gets inputs and metadata in one dict (kwargs.update(metadata)).
                errors.append("field IDs must be unique (%s)" % fid)
            ids.add(fid)
            if "default" in field and not isinstance(field["default"], {"string": str, "boolean": bool}[ftype]):
                errors.append("%s: default %r is not a %s" % (fid, field["default"], ftype))
            for key in ("choices", "multiline", "format", "secret"):
                if key in field and ftype != "string":
                    errors.append("%s not allowed for %s type (%s)" % (key, ftype, fid))
            if "default" in field and "choices" in field and field["default"] not in field["choices"]:
                errors.append("%s: default is not one of the choices" % fid)
    errors += ["required names no field: %s" % r for r in inputs.get("required", []) if r not in ids]
    return errors


def injector_errors(inputs, injectors):
    """AWX's complaints about a custom credential type's `injectors`."""
    errors = [e.message for e in jsonschema.Draft7Validator(INJECTORS_SCHEMA).iter_errors(injectors)]
    for name in injectors.get("env", {}):
        if name.startswith("ANSIBLE_") or name in ENV_BLOCKLIST:
            errors.append("environment variable %s is not allowed in credentials" % name)
    namespace = {f["id"]: "EXAMPLE" for f in inputs.get("fields", [])}
    templates = [t for t in injectors.get("file", {}) if t.startswith("template")]
    if "template" in templates and len(templates) > 1:
        errors.append("Must use multi-file syntax when injecting multiple files")
    filename = "EXAMPLE_FILENAME" if "template" in templates else SimpleNamespace(
        **{t.split(".", 1)[1]: "EXAMPLE_FILENAME" for t in templates})
    namespace["tower"] = SimpleNamespace(filename=filename)
    for injector in injectors.values():
        for key, template in injector.items():
            try:
                ImmutableSandboxedEnvironment(undefined=StrictUndefined).from_string(template).render(namespace)
            except UndefinedError as exc:
                errors.append("%s uses an undefined field (%s)" % (key, exc))
    return errors


def render(ctype, values, private_data_dir):
    """The environment AWX gives a job for a credential of type `ctype` holding `values`.

    AWX's inject_credential (empty inputs left out, files written to <private_data_dir>/env and
    referred to by their path in the job's container, /runner/...).
    """
    from awx_plugins.interfaces._temporary_private_api import ManagedCredentialType  # pylint: disable=import-outside-toplevel
    from awx_plugins.interfaces._temporary_private_credential_api import Credential  # pylint: disable=import-outside-toplevel
    from awx_plugins.interfaces._temporary_private_inject_api import inject_credential  # pylint: disable=import-outside-toplevel

    os.makedirs(os.path.join(private_data_dir, "env"), exist_ok=True)
    cred_type = ManagedCredentialType(namespace="pwman", name=ctype["name"], kind=ctype["kind"],
                                      inputs=ctype["inputs"], injectors=ctype["injectors"])
    env, safe_env, args = {}, {}, []
    inject_credential(cred_type, Credential(inputs=dict(values)), env, safe_env, args, private_data_dir)
    return env, safe_env, args


def host_paths(env, private_data_dir):
    """Container paths (/runner/...) as the host sees them: for running the job without a container."""
    prefix = CONTAINER_ROOT + "/"
    return {k: private_data_dir.rstrip("/") + "/" + v[len(prefix):] if v.startswith(prefix) else v
            for k, v in env.items()}


def env_list_text(env):
    """The env.list ansible-runner writes for container runs (ansible_runner/runner.py: KEY=VALUE lines)."""
    return "\n".join("%s=%s" % (key, value) for key, value in env.items())


def parse_env_list(text):
    """An --env-file as podman and docker read it: one KEY=VALUE per line, blank and '#' lines skipped,
    a bare NAME takes the host's value (if any), a line with an empty or bad name is an error
    ("invalid variable", ansible-navigator issue #1980)."""
    env = {}
    for line in text.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not re.match(NAME, name):
            raise ValueError("invalid variable: %r" % line[:12])
        if sep:
            env[name] = value
        elif name in os.environ:
            env[name] = os.environ[name]
    return env


def private_dir(prefix):
    path = tempfile.mkdtemp(prefix=prefix)
    os.chmod(path, 0o700)
    return path
