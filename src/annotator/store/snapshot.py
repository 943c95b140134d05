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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .database import StoreError, _show
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
            docs, spans = _record_cursors(conn, annotators, labels, doc_statuses, span_statuses)
            yield from self._group(docs, spans)

    def _group(self, docs: sqlite3.Cursor, spans: sqlite3.Cursor) -> Iterator[Record]:
        pending = spans.fetchone()
        for rowid, doc_id, text, source, status in docs:
            while pending is not None and pending[0] < rowid:
                pending = spans.fetchone()
            if pending is None:
                break
            if pending[0] != rowid:
                continue
            length = len(text)
            current = None
            group: list[tuple[int, int, str, str]] = []
            while pending is not None and pending[0] == rowid:
                _, start, end, label, annotator, span_status = pending
                if not (type(start) is int and type(end) is int and 0 <= start < end <= length):
                    raise _outside(doc_id, source, length, start, end, label, annotator)
                if annotator != current:
                    if group:
                        yield Record(doc_id, text, source, status, current, group)
                    current, group = annotator, []
                group.append((start, end, label, span_status))
                pending = spans.fetchone()
            if group:
                yield Record(doc_id, text, source, status, current, group)

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
            )


# -- queries -------------------------------------------------------------------------------


def _in(column: str, values: tuple[str, ...], params: list) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join('?' * len(values))})"


def _record_cursors(
    conn: sqlite3.Connection,
    annotators: tuple[str, ...],
    labels: tuple[str, ...],
    doc_statuses: tuple[str, ...],
    span_statuses: tuple[str, ...],
) -> tuple[sqlite3.Cursor, sqlite3.Cursor]:
    doc_params: list = []
    doc_where = f" WHERE {_in('status', doc_statuses, doc_params)}" if doc_statuses else ""
    docs = conn.execute(
        f"SELECT rowid, id, text, source, status FROM documents{doc_where} ORDER BY rowid",
        doc_params,
    )
    params: list = []
    where = [_in("s.status", span_statuses, params)]
    if doc_statuses:
        where.append(_in("d.status", doc_statuses, params))
    if annotators:
        where.append(_in("s.annotator", annotators, params))
    if labels:
        where.append(_in("s.label", labels, params))
    # CROSS JOIN pins the loop order: documents by rowid outside, so rows arrive grouped
    # by document without sorting the whole table; only each document's spans are sorted.
    spans = conn.execute(
        "SELECT d.rowid, s.start, s.end, s.label, s.annotator, s.status"
        " FROM documents AS d CROSS JOIN spans AS s ON s.doc_id = d.id"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY d.rowid, s.annotator, s.start, s.end, s.id",
        params,
    )
    return docs, spans


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
