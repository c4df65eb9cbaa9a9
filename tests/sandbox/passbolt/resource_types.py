"""Resource type rows as a fresh passbolt_api 5.x install stores them: names and descriptions from
config/Migrations/*ResourceType*.php, definitions from V320FixResourceTypesDefaultData / V350... (v4 types) and
plugins/PassboltCe/ResourceTypes/src/Model/Definition/SlugDefinition.php (v5 types).
"""

from __future__ import annotations


# (name, description) of each type as the migrations insert them: V300AddResourceTypesDefaultData,
# V400AddTotpResourceTypes, V4101ReAddV5ResourceTypes, V530AddCustomFieldStandaloneResourceType,
# V560AddStandaloneNoteResourceType, V5120AddStandalonePinCodeResourceType (config/Migrations/).
RESOURCE_TYPE_NAMES = {
    "password-string": ("Simple password",
                        "The original passbolt resource type, where the secret is a non empty string."),
    "password-and-description": ("Password with description",
                                 "A resource with the password and the description encrypted."),
    "totp": ("Standalone TOTP", "A resource with standalone TOTP fields."),
    "password-description-totp": ("Password, Description and TOTP",
                                  "A resource with encrypted password, description and TOTP fields."),
    "v5-password-string": ("Simple Password (Deprecated)",
                           "The original passbolt resource type, kept for backward compatibility reasons."),
    "v5-default": ("Default resource type", "The new default resource type introduced with v5."),
    "v5-totp-standalone": ("Standalone TOTP", "The new standalone TOTP resource type introduced with v5."),
    "v5-default-with-totp": ("Default resource type with TOTP",
                             "The new default resource type with a TOTP introduced with v5."),
    "v5-custom-fields": ("Standalone custom fields", "A resource with standalone custom fields."),
    "v5-note": ("Standalone note", "A resource with standalone notes."),
    "v5-pin-code": ("Standalone pin code", "A resource with a standalone pin code."),
}


def _string_or_null(max_length):
    return {"anyOf": [{"type": "string", "maxLength": max_length}, {"type": "null"}]}


# plugins/PassboltCe/ResourceTypes/src/Model/Definition/SlugDefinition.php, key order kept (the view answers the
# stored JSON text).
_TOTP_SCHEMA = {"type": "object", "required": ["secret_key", "digits", "algorithm"], "properties": {
    "algorithm": {"type": "string", "minLength": 4, "maxLength": 6},
    "secret_key": {"type": "string", "maxLength": 1024},
    "digits": {"type": "number", "minimum": 6, "exclusiveMaximum": 9},
    "period": {"type": "number"}}}
_V5_NAME = {"type": "string", "maxLength": 255}
_V5_URIS = {"type": "array", "items": {"anyOf": [{"type": "string", "maxLength": 1024}, {"type": "null"}]},
            "maxItems": 32}
_V5_ICON = {"type": "object", "required": [], "properties": {
    "type": {"type": "string", "enum": ["keepass-icon-set", "passbolt-icon-set"]},
    "value": {"type": "integer", "minimum": 0},
    "background_color": {"anyOf": [{"type": "string", "pattern": "^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$"},
                                   {"type": "null"}]}}}
_V5_OBJECT_TYPE = {"type": "string", "enum": ["PASSBOLT_SECRET_DATA"]}
_V5_PASSWORD = {"type": "string", "maxLength": 4096}
_V5_PIN_CODE = {"type": "string", "minLength": 4, "maxLength": 12, "pattern": "^\\d+$"}
_CUSTOM_FIELD_TYPES = {"type": "string", "enum": ["text", "password", "boolean", "number", "uri"]}


def _custom_fields_schema(prefix):
    value = {"anyOf": [{"type": "string", "maxLength": 20000}, {"type": "number"}, {"type": "boolean"},
                       {"type": "null"}]}
    return {"type": "array", "maxItems": 128, "items": {"type": "object", "required": ["id", "type"], "properties": {
        "id": {"type": "string", "format": "uuid"}, "type": _CUSTOM_FIELD_TYPES,
        prefix + "_key": _string_or_null(255), prefix + "_value": value}}}


def _v5_resource(*names, required=("name",)):
    schemas = {"name": _V5_NAME, "username": _string_or_null(255), "uris": _V5_URIS,
               "description": _string_or_null(10000), "icon": _V5_ICON,
               "custom_fields": _custom_fields_schema("metadata")}
    return {"type": "object", "required": list(required), "properties": {n: schemas[n] for n in names}}


def _v5_secret(required, *names):
    schemas = {"object_type": _V5_OBJECT_TYPE, "password": _V5_PASSWORD, "description": _string_or_null(50000),
               "totp": _TOTP_SCHEMA, "custom_fields": _custom_fields_schema("secret"), "pin_code": _V5_PIN_CODE}
    return {"type": "object", "required": list(required), "properties": {n: schemas[n] for n in names}}


def resource_type_definition(slug):
    """The definition a fresh passbolt_api 5.x install stores: v4 types from V320FixResourceTypesDefaultData as
    V350IncreaseResourcesNameUsernameLengthInResourceTypes left them, the others from SlugDefinition."""
    v4_properties = {"name": {"type": "string", "maxLength": 255}, "username": _string_or_null(255),
                     "uri": _string_or_null(1024)}
    if slug == "password-string":
        return {"resource": {"type": "object", "required": ["name"],
                             "properties": dict(v4_properties, description=_string_or_null(10000))},
                "secret": {"type": "string", "maxLength": 4096}}
    if slug == "password-and-description":
        return {"resource": {"type": "object", "required": ["name"], "properties": v4_properties},
                "secret": {"type": "object", "required": ["password"], "properties": {
                    "password": {"type": "string", "maxLength": 4096}, "description": _string_or_null(10000)}}}
    if slug == "totp":
        return {"resource": {"type": "object", "required": ["name"],
                             "properties": {"name": {"type": "string", "maxLength": 255}, "uri": _string_or_null(1024)}},
                "secret": {"type": "object", "required": ["totp"], "properties": {"totp": _TOTP_SCHEMA}}}
    if slug == "password-description-totp":
        return {"resource": {"type": "object", "required": ["name"], "properties": v4_properties},
                "secret": {"type": "object", "required": ["password", "totp"], "properties": {
                    "password": {"type": "string", "maxLength": 4096}, "description": _string_or_null(10000),
                    "totp": _TOTP_SCHEMA}}}
    if slug == "v5-password-string":
        return {"resource": _v5_resource("name", "username", "uris", "description", "icon"), "secret": _V5_PASSWORD}
    if slug == "v5-default":
        return {"resource": _v5_resource("name", "username", "uris", "description", "icon", "custom_fields"),
                "secret": _v5_secret(["password"], "object_type", "password", "description", "custom_fields")}
    if slug == "v5-default-with-totp":
        return {"resource": _v5_resource("name", "username", "uris", "description", "icon", "custom_fields"),
                "secret": _v5_secret(["password", "totp"], "object_type", "password", "description", "totp",
                                     "custom_fields")}
    if slug == "v5-totp-standalone":
        return {"resource": _v5_resource("name", "uris", "description", "icon"),
                "secret": _v5_secret(["totp"], "object_type", "totp")}
    if slug == "v5-custom-fields":
        return {"resource": _v5_resource("name", "uris", "description", "icon", "custom_fields",
                                         required=("name", "custom_fields")),
                "secret": _v5_secret(["object_type", "custom_fields"], "object_type", "custom_fields")}
    if slug == "v5-note":
        return {"resource": _v5_resource("name", "uris", "description", "icon"),
                "secret": _v5_secret(["description", "object_type"], "object_type", "description")}
    if slug == "v5-pin-code":
        return {"resource": _v5_resource("name", "description", "icon"),
                "secret": _v5_secret(["pin_code", "object_type"], "object_type", "pin_code", "description")}
    raise KeyError(slug)
