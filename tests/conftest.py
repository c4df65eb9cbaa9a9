"""Make the collection importable as ansible_collections.pwman.secrets for every test."""

from __future__ import annotations

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, ".tmp", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "pwman", "secrets")


def _ensure_link():
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    if not os.path.islink(LINK):
        try:
            os.symlink(REPO, LINK)
        except FileExistsError:
            pass


_ensure_link()
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS)
for path in (os.path.join(REPO, "tests"), COLLECTIONS):
    if path not in sys.path:
        sys.path.insert(0, path)

# Ansible's own collection loader, as ansible-test units installs it.
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder  # noqa: E402

_AnsibleCollectionFinder(paths=[COLLECTIONS])._install()  # pylint: disable=protected-access
