"""What the real OPP server's database makes of a JSON value it is given for an id or a name.

opp binds request values as they come (SQLAlchemy 1.3, no type check) and its Dockerfile runs it on
SQLite, whose column affinity converts them: "3", " 3" and 3.0 become the integer 3 in an INTEGER
column and match id 3; "abc" stays text and fails a foreign key or the INTEGER PRIMARY KEY; 5 compared
with a TEXT column is "5". Rather than restate those rules, this asks SQLite itself, in memory.
"""

from __future__ import annotations

import sqlite3
import threading


class Unbindable(Exception):
    """A value the database driver cannot bind (a list, an object): the real server's query fails."""


class Affinity:
    def __init__(self):
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute("CREATE TABLE c (i INTEGER, t TEXT)")
        self._lock = threading.Lock()

    def _stored(self, column, value):
        with self._lock:
            try:
                self._db.execute("INSERT INTO c (%s) VALUES (?)" % column, (value,))
            except (sqlite3.Error, OverflowError) as exc:
                raise Unbindable(str(exc)) from None
            try:
                return self._db.execute("SELECT %s FROM c" % column).fetchone()[0]
            finally:
                self._db.execute("DELETE FROM c")

    def integer(self, value):
        """The value as an INTEGER column holds it (an int, or text/real when SQLite cannot convert)."""
        return self._stored("i", value)

    def text(self, value):
        """The value as a TEXT column compares it ("5" for 5)."""
        return self._stored("t", value)

    def as_id(self, value):
        """The integer id a value stands for, or None when it matches no integer id."""
        stored = self.integer(value)
        return stored if isinstance(stored, int) else None
