"""Queries over more values than SQLite takes in one statement."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator


def rows_in(conn: sqlite3.Connection, query: str, values: list, chunk: int = 500) -> Iterator[tuple]:
    """Rows of ``query`` + `` (?, ?, ...)`` over ``values``, in chunks under SQLite's
    parameter limit."""
    for i in range(0, len(values), chunk):
        part = values[i : i + chunk]
        yield from conn.execute(f"{query} ({', '.join('?' * len(part))})", part)
