"""Read-only connections that leave nothing beside the database.

SQLite's ``mode=ro`` is no good for a database in WAL mode (the store's): a reader needs the
``-wal`` and ``-shm`` files, creates them when they are missing, and -- being read-only --
cannot checkpoint and delete them when it closes, as the last read-write connection does.
Users saw two empty files appear next to their database on ``annotator stats``.

So a read-only open is a read-write connection (``mode=rw``: an existing file only, never a
new one) with ``PRAGMA query_only``: SQLite refuses every statement that would write, and
the last connection to close cleans the log files up as usual.  The one write that close
may do is a checkpoint of transactions already committed to the log (left by a crash) into
the database: what the app does itself on closing; the data read is the same either way.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

__all__ = ["connect_read_only"]


def connect_read_only(path: str | os.PathLike, **kwargs) -> sqlite3.Connection:
    """A connection to the existing database at ``path`` that cannot write (``kwargs`` go
    to :func:`sqlite3.connect`); sqlite3.Error if it cannot be opened."""
    uri = Path(os.path.abspath(path)).as_uri() + "?mode=rw"
    conn = sqlite3.connect(uri, uri=True, **kwargs)
    try:
        conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn
