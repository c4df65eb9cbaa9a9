# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Passbolt resource types as the server defines them (GET /resource-types.json): each type's secret and metadata
JSON schemas decide what a resource of that type holds, how its secret and metadata are written and which values are
valid. Nothing here knows a type by its slug but the version (a `v5` prefix, as Passbolt's clients and the server's
ResourceType entity read it) and the two legacy string-secret types.

The choice of a type for a set of secret fields is the browser extension's
(passbolt_styleguide src/shared/models/entity/resourceType/resourceTypesCollection.js,
getResourceTypeMatchingResource): among the types of the version whose secret is not a plain string, the first that
holds every field with nothing left unset, else the one leaving the fewest properties unset. As the extension, it
chooses among the types it knows (its SUPPORTED_RESOURCE_TYPES, and v5-pin-code): a type the server adds later is
written when a task names it, never chosen for a task that does not, so a server cannot steer fields into a type of
its making.

Where the module's `description` goes is, for the server's own types, the extension's rule (resourceTypeEntity.js,
SECRET_DESCRIPTION_RESOURCE_TYPES: the secret's description is the description of the v4 types that encrypt it and
the content of the standalone note), not the server's word: a server that changed a definition could otherwise turn
an encrypted description into cleartext metadata.
"""

from __future__ import annotations

import json

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError
from ansible_collections.pwman.secrets.plugins.module_utils._json_schema import problem

METADATA_OBJECT_TYPE = "PASSBOLT_RESOURCE_METADATA"
# The types of passbolt_api 5.12 (ResourceType::V4_RESOURCE_TYPE_SLUGS, V5_RESOURCE_TYPE_SLUGS).
KNOWN_TYPES = ("password-string", "password-and-description", "totp", "password-description-totp", "v5-default",
               "v5-password-string", "v5-default-with-totp", "v5-totp-standalone", "v5-custom-fields", "v5-note",
               "v5-pin-code")
# Of those, the ones whose `description` is the encrypted one.
SECRET_DESCRIPTION_TYPES = ("password-and-description", "password-description-totp", "v5-note")
# The secret fields the module's options set, and the metadata fields (v4: columns; v5: the encrypted metadata).
SECRET_FIELDS = ("password", "description", "totp", "custom_fields", "pin_code")
METADATA_FIELDS = ("name", "username", "uri", "uris", "description", "custom_fields")


class ResourceType:
    """One type of the server's index: its id, slug and definition ({resource: schema, secret: schema})."""

    def __init__(self, row):
        self.id = row.get("id")
        self.slug = row.get("slug")
        definition = row.get("definition")
        if isinstance(definition, str):  # GET /resource-types/{id}.json gives the stored JSON text
            try:
                definition = json.loads(definition)
            except ValueError:
                definition = None
        definition = definition if isinstance(definition, dict) else {}
        self.secret_schema = definition.get("secret") if isinstance(definition.get("secret"), dict) else {}
        self.metadata_schema = definition.get("resource") if isinstance(definition.get("resource"), dict) else {}
        self.deleted = row.get("deleted")

    @property
    def version(self):
        return "v5" if str(self.slug or "").startswith("v5") else "v4"

    @property
    def string_secret(self):
        """The secret is the password itself (password-string, v5-password-string), not a JSON object."""
        return self.secret_schema.get("type") == "string"

    def _properties(self, schema):
        properties = schema.get("properties")
        return list(properties) if isinstance(properties, dict) else []

    @property
    def secret_properties(self):
        return ["password"] if self.string_secret else self._properties(self.secret_schema)

    @property
    def metadata_properties(self):
        return self._properties(self.metadata_schema)

    @property
    def constants(self):
        """Secret properties with a single allowed value (v5's object_type): always written, never asked for."""
        found = {}
        for name, schema in (self.secret_schema.get("properties") or {}).items():
            if isinstance(schema, dict) and isinstance(schema.get("enum"), list) and len(schema["enum"]) == 1:
                found[name] = schema["enum"][0]
        return found

    @property
    def content(self):
        """The secret properties that hold something (not the constants)."""
        return [p for p in self.secret_properties if p not in self.constants]

    def secret_required(self):
        return [] if self.string_secret else [r for r in self.secret_schema.get("required") or [] if isinstance(r, str)]

    def holds(self, field, where):
        return field in (self.secret_properties if where == "secret" else self.metadata_properties)

    def description_in_secret(self):
        """Where the module's `description` goes: for the server's own types, the extension's rule; for a type added
        later, the secret when its secret has a description and its metadata is cleartext (v4) or has none, or when
        the description is all the secret holds; the metadata otherwise (the secret's description is the `note`)."""
        if self.slug in KNOWN_TYPES:
            return self.slug in SECRET_DESCRIPTION_TYPES
        if "description" not in self.secret_properties:
            return False
        return self.version == "v4" or "description" not in self.metadata_properties or self.content == ["description"]

    # -- composition -----------------------------------------------------------------------------------------
    def secret_document(self, fields):
        """The secret's value (a string, or a dict) from {field: value}: the constants, then each schema property
        that has a value, in the schema's order."""
        if self.string_secret:
            return fields.get("password") or ""
        out = dict(self.constants)
        for name in self.secret_properties:
            if name not in out and fields.get(name) is not None:
                out[name] = fields[name]
        return out

    def secret_text(self, fields):
        document = self.secret_document(fields)
        return document if isinstance(document, str) else json.dumps(document)

    def metadata_document(self, base, values, prune=False):
        """v5 metadata: what the resource had (icon, colour, fields this collection does not know), the object type
        and the type's id, then the values of the fields the type's metadata schema has. `prune` (a type change):
        the empty fields the type has no place for go, as the extension drops them (removeUnusedNonEmptyMetadata)."""
        out = dict(base or {})
        out["object_type"] = METADATA_OBJECT_TYPE
        out["resource_type_id"] = self.id
        for name, value in values.items():
            if name in self.metadata_properties:
                out[name] = value
        if prune:
            for name in METADATA_FIELDS:
                if name in out and name not in self.metadata_properties and out[name] in (None, "", [], {}):
                    del out[name]
        return out

    # -- validation ------------------------------------------------------------------------------------------
    def check_secret(self, document, changed):
        """Refuse (before anything is sent) a secret that breaks the type's schema: the required fields, and the rules
        of the fields this task sets (`changed`); fields written by others are theirs to keep."""
        if self.string_secret:
            found = problem(self.secret_schema, document, "password")
        else:
            missing = [r for r in self.secret_required() if r not in document]
            found = ("%s is required (required)" % missing[0]) if missing else None
            for name in changed:
                if found:
                    break
                schema = (self.secret_schema.get("properties") or {}).get(name)
                if name in document:
                    found = problem(schema, document[name], name)
        if found:
            raise ConfigError("Resource type %s, secret: %s." % (self.slug, found))

    def check_metadata(self, values, changed):
        """The same for the metadata (v5 metadata, or v4 columns): required fields and the fields set."""
        required = [r for r in self.metadata_schema.get("required") or [] if isinstance(r, str)]
        missing = [r for r in required if values.get(r) is None]
        found = ("%s is required (required)" % missing[0]) if missing else None
        for name in changed:
            if found:
                break
            schema = (self.metadata_schema.get("properties") or {}).get(name)
            if name in values:
                found = problem(schema, values[name], name)
        if found:
            raise ConfigError("Resource type %s, metadata: %s." % (self.slug, found))


class ResourceTypes:
    """The server's types, in the order the index lists them (the extension's collection order)."""

    def __init__(self, rows):
        self.types = [ResourceType(r) for r in rows if isinstance(r, dict) and r.get("id") and r.get("slug")]
        self.by_slug = {t.slug: t for t in self.types}
        self.by_id = {t.id: t for t in self.types}

    def get(self, slug):
        return self.by_slug.get(slug)

    def slugs(self):
        return [t.slug for t in self.types]

    def best_match(self, version, fields):
        """getResourceTypeMatchingResource: the known type of `version` (not a string-secret one) holding every field
        of `fields`; the first with no property left unset, else the first leaving the fewest unset. None: no type."""
        wanted = set(fields)
        chosen, score = None, None
        for rtype in self.types:
            if rtype.version != version or rtype.string_secret or rtype.deleted or rtype.slug not in KNOWN_TYPES:
                continue
            holds = set(rtype.content)
            if not wanted <= holds:
                continue
            unset = len(holds - wanted)
            if unset == 0:
                return rtype
            if score is None or unset < score:
                chosen, score = rtype, unset
        return chosen
