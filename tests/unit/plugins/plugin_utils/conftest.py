"""The agent tests put Unix sockets under tmp_path: a short one, since a socket path must fit in 103 bytes and
pytest's own (deeper under pytest-xdist, longer as its run counter grows) may not."""

from __future__ import annotations

import pathlib
import shutil
import tempfile

import pytest


@pytest.fixture()
def tmp_path():
    path = tempfile.mkdtemp(prefix="pwu-")
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)
