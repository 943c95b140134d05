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

On a read-only disk (a mounted archive, a DVD, a read-only share) neither works: SQLite
cannot create the ``-shm`` file a WAL reader needs.  With no ``-wal`` beside it the file is
the whole database and nothing can change it, so it is read with ``immutable=1`` (no log,
no locks).  A ``-wal`` left there by a program that did not close holds committed
transactions the file lacks: it is read with ``mode=ro`` if its ``-shm`` is there too, and
refused with what to do if not -- never read without it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

__all__ = ["connect_read_only", "on_read_only_disk"]


def connect_read_only(path: str | os.PathLike, **kwargs) -> sqlite3.Connection:
    """A connection to the existing database at ``path`` that cannot write (``kwargs`` go
    to :func:`sqlite3.connect`); sqlite3.Error if it cannot be opened."""
    path = Path(os.path.abspath(path))
    conn = _connect(path, "mode=rw", kwargs)
    try:
        conn.execute("PRAGMA schema_version")  # opening is lazy: this is where it fails
    except sqlite3.OperationalError:
        if not on_read_only_disk(path):
            return conn  # the caller's first statement meets the same error and names it
        conn.close()
        return _read_only_disk(path, kwargs)
    except sqlite3.Error:
        pass  # not a database, damaged: the caller's first statement says which
    return conn


def on_read_only_disk(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _read_only_disk(path: Path, kwargs: dict) -> sqlite3.Connection:
    wal = path.with_name(path.name + "-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        return _connect(path, "immutable=1", kwargs)
    conn = _connect(path, "mode=ro", kwargs)
    try:
        conn.execute("PRAGMA schema_version")
    except sqlite3.OperationalError:
        conn.close()
        raise sqlite3.OperationalError(
            f"it is on a read-only disk beside a write-ahead log ({wal.name}) that a program did "
            "not close, and SQLite cannot read that log there; copy the database and its -wal "
            "file to a writable disk and read them there") from None
    return conn


def _connect(path: Path, mode: str, kwargs: dict) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.as_uri()}?{mode}", uri=True, **kwargs)
    try:
        conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn
