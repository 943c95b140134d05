"""The database schema: its tables, the migrations that build them, and its version.

``MIGRATIONS[v]`` takes a database from schema version ``v`` to ``v + 1``; they run in order
inside one transaction (:func:`transaction`), which then sets ``meta.schema_version``.  Only
the store package reads or writes these tables.
"""

from __future__ import annotations

import getpass
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .fulltext import create_index

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "login_name", "schema_version", "transaction"]


def login_name() -> str:
    """The user's login name: the annotator when none is given."""
    try:
        return getpass.getuser()
    except Exception:  # no login name and no USER/LOGNAME (KeyError, or OSError on 3.13)
        return "annotator"


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    for statement in (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE documents (
             id TEXT PRIMARY KEY,
             text TEXT NOT NULL,
             length INTEGER NOT NULL,
             source TEXT NOT NULL,
             first_seen TEXT NOT NULL,
             last_seen TEXT NOT NULL,
             status TEXT NOT NULL DEFAULT 'new',
             caret INTEGER NOT NULL DEFAULT 0,
             previous_id TEXT REFERENCES documents(id))""",
        "CREATE INDEX documents_source ON documents(source, last_seen)",
        """CREATE TABLE spans (
             id INTEGER PRIMARY KEY AUTOINCREMENT,
             doc_id TEXT NOT NULL REFERENCES documents(id),
             start INTEGER NOT NULL,
             end INTEGER NOT NULL,
             label TEXT NOT NULL,
             annotator TEXT NOT NULL,
             status TEXT NOT NULL DEFAULT 'accepted',
             created TEXT NOT NULL,
             updated TEXT NOT NULL,
             CHECK (0 <= start AND start < end))""",
        "CREATE INDEX spans_doc ON spans(doc_id, start, end)",
        # max(end - start) of a document's accepted spans in O(log n): it bounds the overlap
        # search to the spans that start at most that far before a new span.
        "CREATE INDEX spans_accepted_length ON spans(doc_id, end - start) WHERE status = 'accepted'",
        """CREATE TABLE history (
             id INTEGER PRIMARY KEY,
             doc_id TEXT NOT NULL,
             annotator TEXT NOT NULL,
             action TEXT NOT NULL,
             span_id INTEGER NOT NULL,
             before TEXT,
             after TEXT,
             undone INTEGER NOT NULL DEFAULT 0,
             created TEXT NOT NULL)""",
        "CREATE INDEX history_stack ON history(doc_id, annotator, undone, id)",
        """CREATE TABLE labels (
             name TEXT PRIMARY KEY, position INTEGER NOT NULL, color TEXT NOT NULL)""",
    ):
        conn.execute(statement)


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """The project queue: the files of a corpus session in the order given.

    A row is a path; ``doc_id`` is the document its text was stored as (NULL until the
    background worker stores it), ``size``/``mtime_ns`` the file as it was then (an unchanged
    file is not read again), ``problem`` why it could not be read (it stays in the queue, and
    the document already stored from it, if any, stays usable).  ``documents.changed`` is
    when the status last changed, for the overview's "last change".
    """
    for statement in (
        """CREATE TABLE queue (
             position INTEGER PRIMARY KEY,
             path TEXT NOT NULL UNIQUE,
             doc_id TEXT REFERENCES documents(id),
             size INTEGER,
             mtime_ns INTEGER,
             problem TEXT,
             added TEXT NOT NULL)""",
        "CREATE INDEX queue_doc ON queue(doc_id)",
        "ALTER TABLE documents ADD COLUMN changed TEXT",
        # status and changed come after the text in a row, so reading them walks the text's
        # overflow pages: this covering index counts progress over 10,000 documents in ms.
        "CREATE INDEX documents_progress ON documents(id, status, changed)",
    ):
        conn.execute(statement)


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    """The corpus search index (see fulltext.py), filled with the documents already stored."""
    create_index(conn)


def _migrate_3_to_4(conn: sqlite3.Connection) -> None:
    """Per-annotator progress: a document's status and caret belong to (document, annotator).

    A missing row means status ``new`` and caret 0.  Each document's old status, caret and
    change time go to everyone who worked on it -- an annotator with an action in its undo
    log or an accepted span in it -- else (nobody did: it was only read, or marked) to the
    login name of whoever runs the migration.  ``documents.status``/``caret``/``changed``
    are then dropped, so nothing can read the old, shared values by mistake.
    """
    conn.execute(
        """CREATE TABLE progress (
             doc_id TEXT NOT NULL REFERENCES documents(id),
             annotator TEXT NOT NULL,
             status TEXT NOT NULL DEFAULT 'new',
             caret INTEGER NOT NULL DEFAULT 0,
             changed TEXT,
             PRIMARY KEY (doc_id, annotator)) WITHOUT ROWID"""
    )
    # the queue's "next not done" and the overview read one annotator's rows
    conn.execute("CREATE INDEX progress_of ON progress(annotator, doc_id, status, changed)")
    worked = ("SELECT doc_id, annotator FROM history"
              " UNION SELECT doc_id, annotator FROM spans WHERE status = 'accepted'")
    touched = "(d.status != 'new' OR d.caret != 0 OR d.changed IS NOT NULL)"
    conn.execute(
        "INSERT INTO progress(doc_id, annotator, status, caret, changed)"
        f" SELECT d.id, w.annotator, d.status, d.caret, d.changed FROM documents AS d"
        f" JOIN ({worked}) AS w ON w.doc_id = d.id WHERE {touched}"
    )
    conn.execute(
        "INSERT INTO progress(doc_id, annotator, status, caret, changed)"
        f" SELECT d.id, ?, d.status, d.caret, d.changed FROM documents AS d WHERE {touched}"
        " AND NOT EXISTS (SELECT 1 FROM progress AS p WHERE p.doc_id = d.id)",
        (login_name(),),
    )
    conn.execute("DROP INDEX documents_progress")
    for column in ("status", "caret", "changed"):
        conn.execute(f"ALTER TABLE documents DROP COLUMN {column}")


#: ``MIGRATIONS[v]`` takes a database from schema version ``v`` to ``v + 1``.  They run in
#: order inside one transaction, which then sets ``meta.schema_version``.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migrate_0_to_1, _migrate_1_to_2, _migrate_2_to_3, _migrate_3_to_4,
]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection, refuse: Callable[[str], Exception]) -> int:
    """The database's schema version: 0 if it is empty; refuses foreign and newer ones."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return 0
    if "meta" not in tables:
        raise refuse(
            "is an SQLite database of another program (it has no annotator meta table); "
            "it was left as it is -- give another path"
        )
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    try:
        version = int(row[0])
    except (TypeError, ValueError):
        raise refuse(
            "has no valid meta.schema_version; it is damaged or not an annotator database, "
            "and was left as it is"
        ) from None
    if version > SCHEMA_VERSION:
        raise refuse(
            f"was written by a newer annotator (schema version {version}, this one knows up to "
            f"{SCHEMA_VERSION}); upgrade annotator -- the file was left as it is"
        )
    return version


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` (waits for other writers) ... ``COMMIT``; any exception rolls back."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the connection is broken; the transaction dies with it
        raise
