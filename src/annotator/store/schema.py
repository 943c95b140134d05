"""The database schema: its tables, the migrations that build them, and its version.

``MIGRATIONS[v]`` takes a database from schema version ``v`` to ``v + 1``; they run in order
inside one transaction (:func:`transaction`), which then sets ``meta.schema_version``.  Only
the store package reads or writes these tables.
"""

from __future__ import annotations

import getpass
import json
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


# An old-style decision in the undo log: an update that took a suggestion to a status.
_DECIDED = ("action = 'update' AND json_extract(before, '$.status') = 'suggested'"
            " AND json_extract(after, '$.status') = ?")


def _migrate_4_to_5(conn: sqlite3.Connection) -> None:
    """Suggestions become proposals to each annotator: ``decisions`` records who accepted
    or rejected which suggestion, and the suggestion row itself stays for everyone else.

    Before, a decision changed the shared row.  A row rejected in place goes back to being a
    suggestion, with a rejection by whoever the undo log says rejected it (a rejected row
    with no such entry stays rejected -- hidden from all, as before -- since nobody can be
    named for it).  A row accepted in place stays that person's span; where the undo log
    holds the suggestion it was, that suggestion is put back for the others, with the
    accepter's decision.  Those log entries become ``decide`` entries, so ``u`` still undoes
    the decision; redo entries of old decisions are dropped (they would redo the old way).
    What ``*`` proposed was stored under the proposer's own name, with an ``add`` entry on
    their undo log: it goes to the source ``*NAME``, which only NAME sees.
    """
    conn.execute(
        """CREATE TABLE decisions (
             suggestion_id INTEGER NOT NULL REFERENCES spans(id) ON DELETE CASCADE,
             annotator TEXT NOT NULL,
             decision TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')),
             created TEXT NOT NULL,
             PRIMARY KEY (suggestion_id, annotator)) WITHOUT ROWID"""
    )
    for status in ("accepted", "rejected"):
        conn.execute(f"DELETE FROM history WHERE undone = 1 AND {_DECIDED}", (status,))
    rejections = conn.execute(
        "SELECT h.id, h.span_id, h.annotator, h.created FROM history AS h JOIN spans AS s"
        f" ON s.id = h.span_id WHERE s.status = 'rejected' AND {_DECIDED} ORDER BY h.id",
        ("rejected",)).fetchall()
    for entry, span_id, who, when in rejections:
        conn.execute("INSERT OR REPLACE INTO decisions VALUES (?, ?, 'rejected', ?)",
                     (span_id, who, when))
        conn.execute("UPDATE history SET action = 'decide', after = json_object("
                     "'decision', 'rejected', 'created', ?, 'span', NULL) WHERE id = ?", (when, entry))
    conn.execute("UPDATE spans SET status = 'suggested' WHERE status = 'rejected'"
                 " AND id IN (SELECT suggestion_id FROM decisions)")
    acceptances = conn.execute(
        "SELECT h.id, h.annotator, h.created, h.before, h.after FROM history AS h JOIN spans AS s"
        " ON s.id = h.span_id AND s.status = 'accepted' AND s.annotator = h.annotator"
        f" WHERE h.undone = 0 AND {_DECIDED} ORDER BY h.id", ("accepted",)).fetchall()
    for entry, who, when, before, after in acceptances:
        old = json.loads(before)
        if old["annotator"] == who:  # one's own * proposal
            old["annotator"] = f"*{who}"
        suggestion = _restore_suggestion(conn, old)
        conn.execute("INSERT OR REPLACE INTO decisions VALUES (?, ?, 'accepted', ?)",
                     (suggestion, who, when))
        conn.execute(
            "UPDATE history SET action = 'decide', span_id = ?,"
            " before = json_set(before, '$.id', ?, '$.annotator', ?),"
            " after = json_object('decision', 'accepted', 'created', ?, 'span', json(after))"
            " WHERE id = ?", (suggestion, suggestion, old["annotator"], when, entry))
    _rename_star_proposals(conn)


def _rename_star_proposals(conn: sqlite3.Connection) -> None:
    """Suggestions stored under the name of whoever added them on their own undo log (what
    ``*`` did) become ``*NAME``'s, in the log too, so undo still finds them as they are.
    Not ``import``'s: ``annotator import`` records its spans on the log of a Store named
    ``import``, and its suggestions are for everyone."""
    own = ("SELECT h.id FROM history AS h WHERE h.span_id = spans.id AND h.action = 'add'"
           " AND h.annotator = spans.annotator AND h.annotator != 'import'")
    conn.execute("UPDATE history SET after = json_set(after, '$.annotator', '*' || annotator)"
                 " WHERE action = 'add' AND json_extract(after, '$.status') = 'suggested'"
                 " AND json_extract(after, '$.annotator') = annotator AND annotator != 'import'"
                 " AND span_id IN (SELECT id FROM spans WHERE status = 'suggested')")
    conn.execute(f"UPDATE spans SET annotator = '*' || annotator WHERE status = 'suggested'"
                 f" AND substr(annotator, 1, 1) != '*' AND EXISTS ({own})")


def _restore_suggestion(conn: sqlite3.Connection, old: dict) -> int:
    """The id of the suggestion ``old`` was: the same one if it is there again, else a new row."""
    key = (old["doc_id"], old["start"], old["end"], old["label"], old["annotator"])
    row = conn.execute(
        "SELECT id FROM spans WHERE doc_id = ? AND start = ? AND end = ? AND label = ?"
        " AND annotator = ? AND status = 'suggested'", key).fetchone()
    if row is not None:
        return row[0]
    return conn.execute(
        "INSERT INTO spans(doc_id, start, end, label, annotator, status, created, updated)"
        " VALUES (?, ?, ?, ?, ?, 'suggested', ?, ?)", (*key, old["created"], old["updated"]),
    ).lastrowid


def _migrate_5_to_6(conn: sqlite3.Connection) -> None:
    """Undo takes back a whole key press: the entries of one action (accept every agreed
    candidate, A/R on a source's suggestions, an import line) point at the first (``batch``).
    Older entries have none and stay one step each."""
    conn.execute("ALTER TABLE history ADD COLUMN batch INTEGER")
    conn.execute("CREATE INDEX history_batch ON history(batch) WHERE batch IS NOT NULL")


#: ``MIGRATIONS[v]`` takes a database from schema version ``v`` to ``v + 1``.  They run in
#: order inside one transaction, which then sets ``meta.schema_version``.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migrate_0_to_1, _migrate_1_to_2, _migrate_2_to_3, _migrate_3_to_4, _migrate_4_to_5,
    _migrate_5_to_6,
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
