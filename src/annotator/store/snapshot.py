"""A read-only snapshot of an annotation database: what export, stats and pipelines read.

:class:`Snapshot` opens the file read-only (``mode=ro``: it never creates, migrates or
writes a byte) and holds ONE read transaction from opening to closing, so everything read
through it -- however many queries, however long a streamed export takes -- is the same
consistent state, even while the app or an import is writing (WAL readers never block
writers).

``records()`` streams :class:`Record` s, one per (document, annotator) that has spans after
filtering, in document insertion order and then annotator name: a cursor over the
documents walks in step with a cursor over the joined spans, so memory holds one document
at a time however large the database is.  ``counts()`` gives the totals ``annotator stats``
prints.  Like the rest of the store package, no Textual or Rich.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from annotator.text.glyphs import neutralised as _show

from .database import StoreError
from .schema import SCHEMA_VERSION

__all__ = ["Counts", "Record", "Snapshot"]

# The hint every refusal to open ends with: the usual mistake is pointing at the wrong file.
_GIVE = "give --db the annotations.db the app writes"


@dataclass(slots=True)
class Record:
    """The spans of one document by one annotator, ordered by (start, end, id)."""

    doc_id: str
    text: str
    source: str
    status: str
    annotator: str
    spans: list[tuple[int, int, str, str]]  # (start, end, label, span status)


@dataclass
class Counts:
    """How many documents and spans, every way ``annotator stats`` shows them."""

    documents_by_status: dict[str, int] = field(default_factory=dict)
    with_accepted_spans: int = 0
    # (label, span status) -> count, and (annotator, span status) -> count
    spans_by_label: dict[tuple[str, str], int] = field(default_factory=dict)
    spans_by_annotator: dict[tuple[str, str], int] = field(default_factory=dict)
    # the project queue: entries in all, and by their document's status ("unread": not stored)
    queue: dict[str, int] = field(default_factory=dict)


class Snapshot:
    """One consistent, read-only view of the database at ``path``; a context manager.

    Opening refuses, with a one-line :class:`StoreError`, a missing path, a directory, a
    file that is not an annotator database, and one written by a newer annotator.
    """

    def __init__(self, path: str | os.PathLike = "annotations.db") -> None:
        self.path = Path(os.fsdecode(path))
        self._shown = _show(os.fsdecode(path))
        self._conn = self._open()

    def _open(self) -> sqlite3.Connection:
        if not self.path.exists():
            raise StoreError(f"{self._shown}: no such database; {_GIVE}")
        if not self.path.is_file():
            raise StoreError(f"{self._shown}: not a database file; {_GIVE}")
        try:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise StoreError(f"{self._shown}: cannot open the database ({_show(str(error))})") from None
        try:
            conn.execute("BEGIN")  # deferred: the first read below fixes the snapshot
            version = self._schema_version(conn)
        except BaseException:
            conn.close()
            raise
        if not 1 <= version <= SCHEMA_VERSION:
            conn.close()
            raise StoreError(
                f"{self._shown}: database schema version {version if version else 'missing'} is "
                f"not one this annotator reads ({SCHEMA_VERSION}); use the annotator version "
                "that wrote it"
            )
        return conn

    def _schema_version(self, conn: sqlite3.Connection) -> int:
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            conn.execute("SELECT id, text, source, status FROM documents LIMIT 0")
            conn.execute("SELECT doc_id, start, end, label, annotator, status FROM spans LIMIT 0")
        except sqlite3.DatabaseError as error:
            raise StoreError(
                f"{self._shown}: not an annotator database ({_show(str(error))}); {_GIVE}"
            ) from None
        try:
            return int(row[0]) if row else 0
        except (TypeError, ValueError):
            return -1

    # -- lifetime ----------------------------------------------------------------------

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()  # ends the read transaction: nothing was written to commit
            self._conn = None

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        if self._conn is None:
            raise StoreError(f"{self._shown}: the snapshot is closed; open a new one")
        try:
            yield self._conn
        except sqlite3.Error as error:
            raise StoreError(f"{self._shown}: reading the database failed ({_show(str(error))})") from None

    # -- reading -----------------------------------------------------------------------

    def records(
        self,
        *,
        annotators: tuple[str, ...] = (),
        labels: tuple[str, ...] = (),
        doc_statuses: tuple[str, ...] = (),
        span_statuses: tuple[str, ...] = ("accepted",),
    ) -> Iterator[Record]:
        """Records in document insertion order, then annotator name; spans by (start, end, id).

        An empty filter means every value.  A span whose offsets do not lie inside its
        document's text raises StoreError naming it (the store never writes one; a damaged
        or hand-edited file may have one), so a reader never gets a wrong ``text[start:end]``.
        """
        with self._reading() as conn:
            span_query, span_params = _span_query(annotators, labels, span_statuses)
            for rowid in _document_order(conn, doc_statuses):
                doc_id, text, source, status = conn.execute(
                    "SELECT id, text, source, status FROM documents WHERE rowid = ?", (rowid,)
                ).fetchone()
                spans = conn.execute(span_query, (doc_id, *span_params))
                yield from _by_annotator(doc_id, text, source, status, spans)

    def counts(self) -> Counts:
        """Documents by status; spans by (label, status) and (annotator, status)."""
        with self._reading() as conn:
            return Counts(
                documents_by_status=dict(
                    conn.execute("SELECT status, COUNT(*) FROM documents GROUP BY status")
                ),
                with_accepted_spans=conn.execute(
                    "SELECT COUNT(DISTINCT doc_id) FROM spans WHERE status = 'accepted'"
                ).fetchone()[0],
                spans_by_label=_pairs(conn, "label"),
                spans_by_annotator=_pairs(conn, "annotator"),
                queue=_queue_progress(conn),
            )


# -- queries -------------------------------------------------------------------------------


def _queue_progress(conn: sqlite3.Connection) -> dict[str, int]:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue'").fetchone():
        return {"total": 0, "done": 0, "skipped": 0, "unread": 0}  # schema version 1: no queue
    total, done, skipped, unread = conn.execute(
        "SELECT count(*), count(CASE WHEN d.status = 'done' THEN 1 END),"
        " count(CASE WHEN d.status = 'skipped' THEN 1 END), count(*) - count(d.id)"
        " FROM queue AS q LEFT JOIN documents AS d INDEXED BY documents_progress ON d.id = q.doc_id"
    ).fetchone()
    return {"total": total, "done": done, "skipped": skipped, "unread": unread}


def _in(column: str, values: tuple[str, ...], params: list) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join('?' * len(values))})"


def _document_order(conn: sqlite3.Connection, doc_statuses: tuple[str, ...]) -> list[int]:
    """The row ids of the documents to read: those in the project queue in queue order (a
    document queued twice, at its first place), then the rest in insertion order."""
    params: list = []
    where = f" WHERE {_in('d.status', doc_statuses, params)}" if doc_statuses else ""
    has_queue = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue'"
    ).fetchone()
    if not has_queue:  # a database from before the queue (schema version 1)
        query = f"SELECT d.rowid FROM documents AS d{where} ORDER BY d.rowid"
    else:
        query = ("SELECT d.rowid FROM documents AS d LEFT JOIN (SELECT doc_id, min(position) AS"
                 " position FROM queue WHERE doc_id IS NOT NULL GROUP BY doc_id) AS q ON q.doc_id"
                 f" = d.id{where} ORDER BY q.position IS NULL, q.position, d.rowid")
    return [row[0] for row in conn.execute(query, params)]


def _span_query(annotators: tuple[str, ...], labels: tuple[str, ...],
                span_statuses: tuple[str, ...]) -> tuple[str, list]:
    """One document's spans, by annotator then offsets: one indexed query per document."""
    params: list = []
    where = [_in("status", span_statuses, params)]
    if annotators:
        where.append(_in("annotator", annotators, params))
    if labels:
        where.append(_in("label", labels, params))
    return ("SELECT start, end, label, annotator, status FROM spans"
            f" WHERE doc_id = ? AND {' AND '.join(where)} ORDER BY annotator, start, end, id",
            params)


def _by_annotator(doc_id: str, text: str, source: str, status: str,
                  spans: Iterable[tuple]) -> Iterator[Record]:
    """One Record per annotator of this document's spans, checking every span's offsets."""
    length = len(text)
    current = None
    group: list[tuple[int, int, str, str]] = []
    for start, end, label, annotator, span_status in spans:
        if not (type(start) is int and type(end) is int and 0 <= start < end <= length):
            raise _outside(doc_id, source, length, start, end, label, annotator)
        if annotator != current:
            if group:
                yield Record(doc_id, text, source, status, current, group)
            current, group = annotator, []
        group.append((start, end, label, span_status))
    if group:
        yield Record(doc_id, text, source, status, current, group)


def _pairs(conn: sqlite3.Connection, column: str) -> dict[tuple[str, str], int]:
    # column is one of two names written above, never data
    rows = conn.execute(
        f"SELECT {column}, status, COUNT(*) FROM spans GROUP BY {column}, status ORDER BY {column}"
    )
    return {(key, status): count for key, status, count in rows}


def _outside(
    doc_id: str, source: str, length: int, start: object, end: object, label: str, annotator: str
) -> StoreError:
    return StoreError(
        f"span {_show(str(label))} [{start}:{end}] by {_show(str(annotator))} in document "
        f"{doc_id[:12]} ({_show(source)}) lies outside its text ({length} characters), so "
        "text[start:end] would not be the labelled text; fix or delete that span in the app"
    )
