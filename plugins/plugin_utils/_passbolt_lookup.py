# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The work of the pwman.secrets.passbolt lookup. Loaded only where the lookup really runs (the lookup
agent, or the worker when the agent is off), never just to ask the agent."""

from __future__ import annotations

from ansible_collections.pwman.secrets.plugins.module_utils._errors import Ambiguous, ConfigError, NotFound
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_client import PassboltClient, is_uuid
from ansible_collections.pwman.secrets.plugins.module_utils._totp import totp_from_secret_data
from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_runtime import LookupImplementation

STANDARD_FIELDS = ("password", "username", "uri", "uris", "name", "description", "note", "metadata_description",
                   "id", "folder", "expired", "totp", "totp_secret", "pin_code", "all")


def describe_query(term, username, uri, folder, description=None):
    parts = ["name or id %r" % term]
    for label, value in (("username", username), ("uri", uri), ("folder", folder), ("description", description)):
        if value is not None:
            parts.append("%s %r" % (label, value))
    return ", ".join(parts)


class PassboltLookup(LookupImplementation):
    CALL_OPTIONS = ("field", "username", "uri", "folder", "first_found", "name", "per_uuid", "description")

    def lookup(self, terms, options):
        terms = [str(t).strip() for t in terms or []]
        name = options.get_option_default("name")
        if name is not None:
            if terms:
                raise ConfigError("Give the resource either as terms or as option 'name', not both.")
            if not str(name).strip():
                raise ConfigError("Option 'name' is empty.")
            terms = [str(name).strip()]
        if not terms:
            return []
        if any(not t for t in terms):
            raise ConfigError("Empty term: give a resource name or UUID.")
        if options.get_option_default("per_uuid", False):  # anatomicjc.passbolt's switch: UUIDs are recognised anyway
            for term in terms:
                if not is_uuid(term):
                    raise ConfigError("Option 'per_uuid' is true but %r is not a resource UUID. Give the resource's "
                                      "UUID, or drop per_uuid: names and UUIDs are both recognised." % term)
        field = str(options.get_option_default("field", "password")).strip() or "password"
        username = options.get_option_default("username")
        uri = options.get_option_default("uri")
        folder = options.get_option_default("folder")
        description = options.get_option_default("description")
        first_found = bool(options.get_option_default("first_found", False))

        # No logout when the client is closed: the refresh token is kept by the lookup agent for later
        # lookups, or dies with this process (the access token lives minutes).
        client = self.runtime.cached_client(options, PassboltClient)
        try:
            return self._run(client, terms, field, (username, uri, folder, description), first_found)
        finally:
            for warning in client.signatures.take_warnings():
                self.say(0, warning)
            for note in client.signatures.take_notes():
                self.say(3, note)

    def prepare(self, options):
        """Log in and list what this run's lookups choose from (the resources, their metadata decrypted)."""
        client = self.runtime.cached_client(options, PassboltClient)
        client.login()
        client.resource_views()

    def _run(self, client, terms, field, filters, first_found):
        client.login()
        reused = client._views is not None  # pylint: disable=protected-access
        try:
            chosen = self._choose(client, self._views(client, terms), terms, filters, first_found)
        except NotFound:
            if not reused:
                raise
            # Listed earlier in this run (lookup agent): the resource may be newer than that list.
            client.forget_data()
            chosen = self._choose(client, self._views(client, terms), terms, filters, first_found)
        return self._answer(client, chosen, field)

    @staticmethod
    def _views(client, terms):
        if all(is_uuid(t) for t in terms) and client._views is None:  # pylint: disable=protected-access
            # Only UUIDs and nothing listed yet: fetch just those resources.
            return client.describe_resources(client.list_resources(filters={"has-id": sorted(set(terms))}))
        return client.resource_views()

    def _choose(self, client, views, terms, filters, first_found):
        username, uri, folder, description = filters
        folder_ids = None
        if folder is not None and str(folder).strip() != "":
            folder_ids = set(client.resolve_folder(str(folder).strip()))

        by_id, by_name = {}, {}
        unreadable = []
        for view in views:
            by_id[view.id] = view
            if view.unreadable:
                unreadable.append(view)  # no name: a name search passes it by
                continue
            by_name.setdefault(view.name, []).append(view)
        chosen = []
        for term in terms:
            if not is_uuid(term):
                for view in unreadable:
                    self.say(1, "passed by resource %s (name unknown) while looking for %r: %s"
                             % (view.id, term, view.refused))
            candidates = ([by_id[term]] if term in by_id else []) if is_uuid(term) else by_name.get(term, [])
            matches = [v for v in candidates
                       if (username is None or (v.username or "") == username)
                       and (uri is None or uri in v.uris)
                       and (description is None or (v.description or "") == description)
                       and (folder_ids is None or v.folder_parent_id in folder_ids)]
            if not matches:
                passed_by = "" if is_uuid(term) or not unreadable else (
                    " %d resource(s) whose metadata could not be read were passed by: %s."
                    % (len(unreadable), ", ".join(v.id for v in sorted(unreadable, key=lambda v: v.id)[:10])))
                raise NotFound("No Passbolt resource matches %s.%s" % (describe_query(term, *filters), passed_by))
            if len(matches) > 1 and first_found:
                genuine = [v for v in matches if not v.refused]
                for view in matches:
                    if view.refused and genuine:
                        self.say(1, "first_found passed by resource %s: %s" % (view.id, view.refused))
                matches = genuine or matches
            if len(matches) > 1:
                if not first_found:
                    listed = "; ".join("%s in %s" % (v.id, "/" + client.folder_path(v.folder_parent_id))
                                       for v in sorted(matches, key=lambda m: m.id))
                    raise Ambiguous("%d Passbolt resources match %s: %s. Add a folder, username or uri filter, "
                                    "use the UUID, or set first_found=true."
                                    % (len(matches), describe_query(term, *filters), listed))
                matches.sort(key=lambda m: (m.modified, m.id), reverse=True)
            chosen.append(client.check_view(matches[0]))
        return chosen

    def _answer(self, client, chosen, field):
        needs_secret = field not in ("username", "uri", "uris", "name", "id", "folder", "metadata_description",
                                     "expired")
        if needs_secret:
            unique = list({v.id: v for v in chosen}.values())
            client.decrypt_secrets(unique)
        return [self._field(client, view, field) for view in chosen]

    def _field(self, client, view, field):
        secret = view.secret or {}
        if field == "password":
            if "password" not in secret:
                raise NotFound("Passbolt resource %r (%s, type %s) has no password."
                               % (view.name, view.id, view.type_slug))
            return secret["password"]
        if field == "username":
            return view.username or ""
        if field == "uri":
            return view.uri
        if field == "uris":
            return list(view.uris)
        if field == "name":
            return view.name or ""
        if field == "id":
            return view.id
        if field == "folder":
            return client.folder_path(view.folder_parent_id)
        if field == "expired":
            return view.expired
        if field == "description":
            return view.description_text()
        if field == "note":
            note = secret.get("description")
            return note if isinstance(note, str) else ""
        if field == "metadata_description":
            return view.description or ""
        if field == "pin_code":
            if not isinstance(secret.get("pin_code"), str):
                raise NotFound("Passbolt resource %r (%s, type %s) has no PIN code."
                               % (view.name, view.id, view.type_slug))
            return secret["pin_code"]
        if field in ("totp", "totp_secret"):
            data = secret.get("totp")
            if not isinstance(data, dict) or not data.get("secret_key"):
                raise NotFound("Passbolt resource %r (%s, type %s) has no TOTP." % (view.name, view.id, view.type_slug))
            return totp_from_secret_data(data) if field == "totp" else data["secret_key"]
        if field == "all":
            data = secret.get("totp") if isinstance(secret.get("totp"), dict) else None
            return {
                "id": view.id,
                "name": view.name or "",
                "username": view.username or "",
                "uri": view.uri,
                "uris": list(view.uris),
                "description": view.description_text(),
                "folder": client.folder_path(view.folder_parent_id),
                "folder_parent_id": view.folder_parent_id,
                "resource_type": view.type_slug,
                "resource_type_id": view.resource_type_id,
                "metadata_version": view.version,
                "created": str(view.raw.get("created") or ""),
                "modified": view.modified,
                "modified_by": view.raw.get("modified_by"),
                "personal": view.raw.get("personal"),
                "deleted": bool(view.raw.get("deleted")),
                "expired": view.expired,
                "password": secret.get("password", ""),
                "totp": totp_from_secret_data(data) if data and data.get("secret_key") else "",
                "totp_secret": data.get("secret_key", "") if data else "",
                "pin_code": secret.get("pin_code", ""),
                "custom_fields": view.custom_fields(),
            }
        fields = view.custom_fields()
        if field in fields:
            return fields[field]
        known = ", ".join(STANDARD_FIELDS + tuple(sorted(fields)))
        raise NotFound("Passbolt resource %r (%s) has no field %r; known fields: %s." % (view.name, view.id, field, known))


IMPLEMENTATION = PassboltLookup
