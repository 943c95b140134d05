"""A read-only snapshot of an annotation database: what export, stats and pipelines read.

:class:`Snapshot` opens the file read-only (read_only.py: it never creates, migrates or
writes to it, and leaves no log files beside it) and holds ONE read transaction from opening to closing, so everything read
through it -- however many queries, however long a streamed export takes -- is the same
consistent state, even while the app or an import is writing (WAL readers never block
writers).

``records()`` streams :class:`Record` s, one per (document, annotator) that has spans after
filtering (and, if asked, one with no spans per annotator who marked the document done), in document insertion order and then annotator name: a cursor over the
documents walks in step with a cursor over the joined spans, so memory holds one document
at a time however large the database is.  A record's ``status`` is its annotator's status
in the document (schema version 4: the progress table; a database not yet upgraded has one
shared status, which every annotator's record carries).  ``counts()`` gives the totals
``annotator stats`` prints.  Like the rest of the store package, no Textual or Rich.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from annotator.text.glyphs import neutralised as _show

from .checks import StoreError
from .documents import BEST_STATUS
from .read_only import connect_read_only
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

    # each document by its most advanced status over the annotators (done > skipped >
    # in_progress > new), and (annotator, status) -> documents, "new" for those not touched
    documents_by_status: dict[str, int] = field(default_factory=dict)
    progress_by_annotator: dict[tuple[str, str], int] = field(default_factory=dict)
    with_accepted_spans: int = 0
    # (label, span status) -> count, and (annotator, span status) -> count
    spans_by_label: dict[tuple[str, str], int] = field(default_factory=dict)
    spans_by_annotator: dict[tuple[str, str], int] = field(default_factory=dict)
    # the project queue: entries in all, and by their document's most advanced status
    # ("unread": not stored); and each annotator's done and skipped entries
    queue: dict[str, int] = field(default_factory=dict)
    queue_by_annotator: dict[str, dict[str, int]] = field(default_factory=dict)
    # (annotator, accepted/rejected) -> suggestions they decided (schema version 5)
    decisions_by_annotator: dict[tuple[str, str], int] = field(default_factory=dict)


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
            conn = connect_read_only(self.path.resolve(), isolation_level=None,
                                     check_same_thread=False)
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
            conn.execute("SELECT id, text, source FROM documents LIMIT 0")
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
        done_without_spans: bool = False,
    ) -> Iterator[Record]:
        """Records in document insertion order, then annotator name; spans by (start, end, id).

        An empty filter means every value.  With ``done_without_spans``, an annotator who
        marked a document done and has no span in it after filtering has a record too, with
        no spans: they found nothing there (of ``labels``), a negative example.  (A database
        from before per-annotator progress, schema version 4, names nobody's status, so it
        has none of these.)  A span whose offsets do not lie inside its document's text
        raises StoreError naming it (the store never writes one; a damaged or hand-edited
        file may have one), so a reader never gets a wrong ``text[start:end]``.
        """
        with self._reading() as conn:
            span_query, span_params = _span_query(annotators, labels, span_statuses)
            statuses_of = _status_reader(conn)
            for rowid in _document_order(conn):
                doc_id, text, source = conn.execute(
                    "SELECT id, text, source FROM documents WHERE rowid = ?", (rowid,)
                ).fetchone()
                spans = conn.execute(span_query, (doc_id, *span_params))
                statuses = statuses_of(doc_id)
                found = _by_annotator(doc_id, text, source, statuses, spans)
                if done_without_spans:
                    found = _with_done(found, doc_id, text, source, statuses, annotators)
                for record in found:
                    if not doc_statuses or record.status in doc_statuses:
                        yield record

    def statuses(self) -> dict[str, dict[str, str]]:
        """Every document's statuses that are not new: ``{doc_id: {annotator: status}}``."""
        with self._reading() as conn:
            out: dict[str, dict[str, str]] = {}
            if _has_table(conn, "progress"):
                for doc_id, annotator, status in conn.execute(
                        "SELECT doc_id, annotator, status FROM progress WHERE status != 'new'"):
                    out.setdefault(doc_id, {})[annotator] = status
            return out

    def counts(self) -> Counts:
        """Documents by status (overall and per annotator); spans by (label, status) and
        (annotator, status); the queue's progress."""
        with self._reading() as conn:
            best, by_annotator = _progress(conn)
            return Counts(
                documents_by_status=best,
                progress_by_annotator=by_annotator,
                with_accepted_spans=conn.execute(
                    "SELECT COUNT(DISTINCT doc_id) FROM spans WHERE status = 'accepted'"
                ).fetchone()[0],
                spans_by_label=_pairs(conn, "label"),
                spans_by_annotator=_pairs(conn, "annotator"),
                queue=_queue_progress(conn),
                queue_by_annotator=_queue_by_annotator(conn),
                decisions_by_annotator=_decisions(conn),
            )


# -- queries -------------------------------------------------------------------------------


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _best_status(conn: sqlite3.Connection) -> str:
    """A subquery: (doc_id, status) with each document's most advanced status; a database
    from before schema version 4 has the one shared column instead."""
    if not _has_table(conn, "progress"):
        return "SELECT id AS doc_id, status FROM documents"
    return BEST_STATUS


def _status_reader(conn: sqlite3.Connection):
    """``statuses_of(doc_id)``: a mapping annotator -> that annotator's status ("new" if none)."""
    if not _has_table(conn, "progress"):
        def shared(doc_id: str) -> _Statuses:
            [status] = conn.execute("SELECT status FROM documents WHERE id = ?", (doc_id,)).fetchone()
            return _Statuses(default=status)
        return shared

    def own(doc_id: str) -> _Statuses:
        return _Statuses(conn.execute(
            "SELECT annotator, status FROM progress WHERE doc_id = ?", (doc_id,)), default="new")
    return own


class _Statuses(dict):
    """Annotator -> status, with the status of anyone not listed."""

    def __init__(self, rows: Iterable[tuple[str, str]] = (), *, default: str) -> None:
        super().__init__(rows)
        self.default = default

    def __missing__(self, annotator: str) -> str:
        return self.default


def _progress(conn: sqlite3.Connection) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    total = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    best = dict(conn.execute(
        f"SELECT b.status, count(*) FROM ({_best_status(conn)}) AS b"
        " JOIN documents AS d ON d.id = b.doc_id GROUP BY b.status"))
    best["new"] = best.get("new", 0) + total - sum(best.values())  # no progress row: new
    by_annotator: dict[tuple[str, str], int] = {}
    if _has_table(conn, "progress"):
        rows = conn.execute("SELECT annotator, status, count(*) FROM progress"
                            " GROUP BY annotator, status ORDER BY annotator")
        for annotator, status, count in rows:
            by_annotator[annotator, status] = count
        for annotator in {name for name, _ in by_annotator}:
            touched = sum(n for (name, status), n in by_annotator.items()
                          if name == annotator and status != "new")
            by_annotator[annotator, "new"] = total - touched
    return {status: n for status, n in best.items() if n}, by_annotator


def _queue_progress(conn: sqlite3.Connection) -> dict[str, int]:
    if not _has_table(conn, "queue"):
        return {"total": 0, "done": 0, "skipped": 0, "unread": 0}  # schema version 1: no queue
    total, done, skipped, unread = conn.execute(
        "SELECT count(*), count(CASE WHEN b.status = 'done' THEN 1 END),"
        " count(CASE WHEN b.status = 'skipped' THEN 1 END), count(*) - count(q.doc_id)"
        f" FROM queue AS q LEFT JOIN ({_best_status(conn)}) AS b ON b.doc_id = q.doc_id"
    ).fetchone()
    return {"total": total, "done": done, "skipped": skipped, "unread": unread}


def _queue_by_annotator(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    if not (_has_table(conn, "queue") and _has_table(conn, "progress")):
        return {}
    out: dict[str, dict[str, int]] = {}
    for annotator, done, skipped in conn.execute(
            "SELECT p.annotator, count(CASE WHEN p.status = 'done' THEN 1 END),"
            " count(CASE WHEN p.status = 'skipped' THEN 1 END)"
            " FROM queue AS q JOIN progress AS p ON p.doc_id = q.doc_id"
            " GROUP BY p.annotator ORDER BY p.annotator"):
        out[annotator] = {"done": done, "skipped": skipped}
    return out


def _decisions(conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
    if not _has_table(conn, "decisions"):
        return {}
    rows = conn.execute("SELECT annotator, decision, count(*) FROM decisions"
                        " GROUP BY annotator, decision ORDER BY annotator")
    return {(annotator, decision): count for annotator, decision, count in rows}


def _in(column: str, values: tuple[str, ...], params: list) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join('?' * len(values))})"


def _document_order(conn: sqlite3.Connection) -> list[int]:
    """The row ids of the documents to read: those in the project queue in queue order (a
    document queued twice, at its first place), then the rest in insertion order."""
    if not _has_table(conn, "queue"):  # a database from before the queue (schema version 1)
        query = "SELECT d.rowid FROM documents AS d ORDER BY d.rowid"
    else:
        query = ("SELECT d.rowid FROM documents AS d LEFT JOIN (SELECT doc_id, min(position) AS"
                 " position FROM queue WHERE doc_id IS NOT NULL GROUP BY doc_id) AS q ON q.doc_id"
                 " = d.id ORDER BY q.position IS NULL, q.position, d.rowid")
    return [row[0] for row in conn.execute(query)]


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


def _by_annotator(doc_id: str, text: str, source: str, statuses: _Statuses,
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
                yield Record(doc_id, text, source, statuses[current], current, group)
            current, group = annotator, []
        group.append((start, end, label, span_status))
    if group:
        yield Record(doc_id, text, source, statuses[current], current, group)


def _with_done(records: Iterable[Record], doc_id: str, text: str, source: str,
               statuses: _Statuses, annotators: tuple[str, ...]) -> list[Record]:
    """``records`` (one document's) and an empty record for each annotator (of
    ``annotators``, if given) who marked it done and has none, in annotator order."""
    records = list(records)  # one document's: memory still holds one document at a time
    have = {record.annotator for record in records}
    empty = [Record(doc_id, text, source, "done", name, []) for name, status in statuses.items()
             if status == "done" and name not in have and (not annotators or name in annotators)]
    if not empty:
        return records
    return sorted(records + empty, key=lambda record: record.annotator)


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
