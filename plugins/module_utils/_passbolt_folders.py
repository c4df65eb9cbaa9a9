# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Passbolt folders, v4 and v5 alike: what the client keeps of each folder, folder paths, and the v5 metadata
document of a folder (passbolt_api `MetadataFolderDto::getClearTextMetadata`: PASSBOLT_FOLDER_METADATA with `name`,
`color`, `description`, `icon`).

A v4 folder has a cleartext `name`; a v5 folder (Passbolt 4.12+) has none: its name is in its encrypted metadata,
read by PassboltClient.decrypt_metadata with the same signature rules as resource metadata. Folder names are not
unique, so paths are resolved level by level.
"""

from __future__ import annotations

from ansible_collections.pwman.secrets.plugins.module_utils._errors import NotFound
from ansible_collections.pwman.secrets.plugins.module_utils._passbolt_signatures import SignatureError

FOLDER_OBJECT_TYPE = "PASSBOLT_FOLDER_METADATA"
UNKNOWN_NAME = "?"  # in a path: a folder the user cannot see, or whose name cannot be read or trusted


def folder_entry(row, document=None, refused=None):
    """What the client keeps of a folder row of GET /folders.json: id, name, folder_parent_id, metadata_version,
    metadata_key_type, metadata (the decrypted v5 document), refused (why its name cannot be used, or None)."""
    entry = {"id": row["id"], "folder_parent_id": row.get("folder_parent_id"),
             "metadata_key_type": row.get("metadata_key_type"), "metadata": document, "refused": refused}
    if not row.get("metadata"):
        entry.update(name=row.get("name"), metadata_version="v4")
        return entry
    entry["metadata_version"] = "v5"
    name = document.get("name") if document is not None else None
    if not isinstance(name, str):
        name = None
        refused = refused or "Folder %s cannot be read: its metadata %s." % (
            row["id"], "has no name" if document is not None else "could not be decrypted")
    entry.update(name=name, refused=refused)
    return entry


def folder_metadata(name, current=None):
    """The v5 metadata document of a folder named `name`; what else `current` holds (color, description, icon,
    anything newer) is kept."""
    document = {"object_type": FOLDER_OBJECT_TYPE, "name": name, "color": None, "description": None, "icon": None}
    for key, value in (current or {}).items():
        if key not in ("object_type", "name"):
            document[key] = value
    return document


def check_folder(folder):
    """The folder, unless its name cannot be used (signature refused, metadata unreadable): SignatureError."""
    if folder.get("refused"):
        raise SignatureError(folder["refused"])
    return folder


def path_of(folders, folder_id):
    """The path of a folder ("Infra/Databases"); "" for the root; "?" for a level whose name is unknown."""
    names = []
    seen = set()
    current = folder_id
    while current and current not in seen:
        seen.add(current)
        folder = folders.get(current)
        if folder is None:
            names.append(UNKNOWN_NAME)  # a parent the user cannot see
            break
        names.append(UNKNOWN_NAME if folder.get("refused") else str(folder.get("name") or ""))
        current = folder.get("folder_parent_id")
    return "/".join(reversed(names))


def resolve_path(folders, parts, path):
    """Ids of the folders whose path is `parts`, level by level. At each level a folder whose name is refused
    matches only when no trusted folder of that name is there, and then its refusal is raised; folders whose
    name cannot be read are passed by, and said so when nothing matches."""
    level = [None]
    for depth, name in enumerate(parts):
        here = [f for f in folders.values() if f.get("folder_parent_id") in level]
        matches = [f for f in here if f.get("name") == name]
        trusted = [f for f in matches if not f.get("refused")]
        if matches and not trusted:
            check_folder(matches[0])
        if not trusted:
            unread = sorted((f for f in here if f.get("name") is None), key=lambda f: f["id"])
            passed = "" if not unread else " %d folder(s) there whose name could not be read were passed by: %s." % (
                len(unread), "; ".join(f["refused"] for f in unread[:5]))
            raise NotFound("Passbolt folder %r not found (no folder %r under %r).%s"
                           % (path, name, "/".join(parts[:depth]) or "the root", passed))
        level = [f["id"] for f in trusted]
    return level
