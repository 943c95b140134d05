"""The store: SQLite persistence for documents, spans, the undo log and the label set.

One SQLite file (``./annotations.db`` by default) in WAL mode with ``synchronous=FULL``.
Every mutating call is one ``BEGIN IMMEDIATE`` ... ``COMMIT`` transaction, so when it returns
the change is on disk, and a second process waits (``busy_timeout``) instead of failing.  The
checks a change depends on (offsets, overlap, duplicates, undo state) run inside the same
transaction as the write, so two processes can never both add overlapping spans.

Spans are ``[start, end)`` code-point offsets into ``documents.text``, the text exactly as
:func:`annotator.loading.load_text` returned it.  A document's id is the SHA-256 of its text,
so a file whose text changed becomes a new document (``previous_id`` points at the old one)
and the spans of the old text are never moved or lost.

The undo log is the ``history`` table: one row per add/delete/update with the span row
before and after (JSON), on a stack per (document, annotator of the Store).  Undo applies the
inverse of the newest entry that is not undone and marks it undone; redo re-applies the oldest
undone entry; a new action deletes the undone entries.  Because the stack is in the file, undo
works after a restart.  Undo and redo put back the exact row (same id, same time stamps), and
only if the span is still exactly as the entry left it: if someone else changed it since, the
entry is dropped from the stack with a message, and their change is kept.

Opening checks the file before anything is written: a path that cannot be created, a
directory, a file that is not SQLite, an SQLite database of another program, or one written by
a newer annotator (``meta.schema_version`` > :data:`SCHEMA_VERSION`) raise :class:`StoreError`
and leave the file byte for byte as it was.  Older schemas are upgraded by :data:`MIGRATIONS`
inside one transaction.

Schema version 1 is the shared contract's, plus ``AUTOINCREMENT`` on span ids (an id that
was deleted is never handed out again: undo re-inserts it) and two indexes, one for the undo
stack and one that keeps the overlap check short however many spans a document has::

    meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)              -- schema_version
    documents(id, text, length, source, first_seen, last_seen, status, caret, previous_id)
    spans(id, doc_id, start, end, label, annotator, status, created, updated)
    history(id, doc_id, annotator, action, span_id, before, after, undone, created)
    labels(name, position, color)

Schema version 2 adds the project queue of a corpus session (see ``schema._migrate_1_to_2``)
and when a document's status last changed::

    queue(position, path, doc_id, size, mtime_ns, problem, added)  -- meta.queue_position:NAME
    documents(..., changed)

Schema version 3 adds the corpus search index (fulltext.py): ``document_folds(doc_id, text)``,
each document's text folded for search, and its FTS5 table ``document_folds_fts``, filled in
the transaction that stores the document.

Schema version 4 gives each annotator their own progress through the same documents: a
document's status and caret belong to a (document, annotator) pair, a missing row meaning
``new`` at offset 0 (see ``schema._migrate_3_to_4`` for where the old shared values went)::

    progress(doc_id, annotator, status, caret, changed)   -- documents loses status, caret, changed

Schema version 5 makes suggestions proposals to each annotator (see ``schema._migrate_4_to_5``).
A suggestion row (status ``suggested``, annotator = its source: ``patterns``, a model,
``import``, or ``*NAME`` for what NAME's ``*`` proposed, which only NAME sees) is never
changed by a decision: accepting adds the accepter's own accepted span, and either way
``decisions`` records that this annotator decided it, so it stays open for everyone else.
The undo log's ``decide`` entry takes back both at once::

    decisions(suggestion_id, annotator, decision, created)   -- decision: accepted | rejected

Time stamps are ISO 8601 in UTC (``2026-11-25T01:02:03.456789+00:00``).  Pure Python over
``sqlite3``: no Textual or Rich imports.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import stat
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from annotator.text.glyphs import neutralised


from .fulltext import candidates, count, index_document, index_pending, pending
from .read_only import connect_read_only
from .schema import MIGRATIONS, SCHEMA_VERSION, login_name, schema_version, transaction

__all__ = [
    "DEFAULT_LABELS",
    "DOCUMENT_STATUSES",
    "PROGRESS_RANK",
    "SPAN_STATUSES",
    "DocumentRecord",
    "OverlapError",
    "QueueEntry",
    "QueueRead",
    "QueueRow",
    "Span",
    "Store",
    "StoreError",
]

DEFAULT_LABELS = ("PER", "LOC", "ORG", "MISC")
#: Colours given to labels in order; a new label takes the first one not in use.  Chosen so
#: that terminals with 16 or 256 colours still tell them apart: their 16-colour downgrades are
#: ANSI 12, 11, 10, 9, 13, 14, 3, 6, 15, 5 -- never 0 (black text, the background) nor 8 (the
#: bars' grey) -- and black chip text stays readable on each.
PALETTE = (
    "#5b8ff9", "#f2d45c", "#5fd35f", "#f25f5c", "#e377c2",
    "#5fd7d7", "#d47f2a", "#2aa198", "#dddddd", "#aa44aa",
)
#: The palette before it was chosen for 16-colour terminals (Tableau 10): databases made then
#: still hold these, and each is read as the new colour in its place.
_OLD_PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1",
    "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac",
)
_RENEWED_COLOURS = dict(zip(_OLD_PALETTE, PALETTE))
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")  # how the label table stores a colour
SPAN_STATUSES = ("accepted", "suggested", "rejected")
DOCUMENT_STATUSES = ("new", "in_progress", "done", "skipped")
#: How far along a status is, where two must become one (a merge, a document's overall
#: status): done says the most, then skipped (looked at, left out), in progress, new.
PROGRESS_RANK = {"new": 0, "in_progress": 1, "skipped": 2, "done": 3}
#: (doc_id, status): each document's most advanced status over its annotators, for those
#: with any progress row (the rest are new).
BEST_STATUS = (
    "SELECT doc_id, CASE max(CASE status "
    + " ".join(f"WHEN '{status}' THEN {rank}" for status, rank in PROGRESS_RANK.items())
    + " ELSE 0 END) "
    + " ".join(f"WHEN {rank} THEN '{status}'" for status, rank in PROGRESS_RANK.items())
    + " END AS status FROM progress GROUP BY doc_id"
)
#: How long a write waits for another process's transaction before giving up.
BUSY_TIMEOUT_S = 30.0

_SQLITE_MAGIC = b"SQLite format 3\x00"
_SPAN_FIELDS = ("id", "doc_id", "start", "end", "label", "annotator", "status", "created", "updated")
_SPAN_COLUMNS = ", ".join(_SPAN_FIELDS)
#: A suggestion source that starts with it is one person's own (``*NAME``): only NAME sees it.
PRIVATE_SOURCE_PREFIX = "*"
#: ``Store._batch`` inside ``_one_action`` before its first undo entry is recorded
_FIRST_OF_BATCH = object()
_QUEUE_COLUMNS = "position, path, doc_id, size, mtime_ns, problem"
# A document as one annotator (:me) sees it: their status and caret, else new at 0.
_DOC_COLUMNS = ("d.id, d.source, d.length, coalesce(p.status, 'new'), coalesce(p.caret, 0),"
                " d.first_seen, d.last_seen, d.previous_id")
_DOC_FROM = "documents AS d LEFT JOIN progress AS p ON p.doc_id = d.id AND p.annotator = :me"
# Accepted spans of :doc that overlap [:start, :end) and belong to :owner (the span's
# annotator) or :me (whoever writes it: accepting a suggestion makes it theirs to answer
# for).  Another annotator's spans never block: two people labelling the same word
# differently is what agreement measures.  An overlapping span starts after :start minus the
# longest accepted span, so the index range scanned stays short.
_OVERLAPPING = (
    "doc_id = :doc AND start < :end AND end > :start AND status = 'accepted'"
    " AND annotator IN (:owner, :me) AND start > :start"
    " - (SELECT max(end - start) FROM spans WHERE doc_id = :doc AND status = 'accepted')"
)

# An accepted span of :me's in :doc in the way of suggestion ``s``: the same offsets and label,
# or (unless :overlap) any overlap -- they decided that stretch already.  As in _OVERLAPPING,
# the longest accepted span bounds how far back one can start, so each check scans a few rows.
_MINE_IN_THE_WAY = (
    "a.doc_id = :doc AND a.start < s.end AND a.end > s.start AND a.status = 'accepted'"
    " AND a.annotator = :me AND (NOT :overlap OR (a.start = s.start AND a.end = s.end"
    " AND a.label = s.label)) AND a.start > s.start"
    " - (SELECT max(end - start) FROM spans WHERE doc_id = :doc AND status = 'accepted')"
)


class StoreError(Exception):
    """str() is one line: what, where, what to do."""


class OverlapError(StoreError):
    """The span would overlap an existing accepted span."""


@dataclass(frozen=True, slots=True)
class Span:
    id: int
    doc_id: str
    start: int
    end: int
    label: str
    annotator: str
    status: str
    created: str
    updated: str


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    id: str
    source: str
    length: int
    status: str
    caret: int
    first_seen: str
    last_seen: str
    previous_id: str | None


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One file of the project queue (see schema._migrate_1_to_2)."""

    position: int
    path: str
    doc_id: str | None
    size: int | None
    mtime_ns: int | None
    problem: str | None


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A line of the queue overview: the file, its document's status and its spans."""

    position: int
    path: str
    doc_id: str | None
    status: str  # the document's status, or "unread" for a file not stored (see problem)
    spans: int  # accepted spans
    labels: str  # the labels used, comma-separated, in name order
    changed: str  # newest span change or status change, ISO 8601; "" if none
    problem: str | None


@dataclass(frozen=True, slots=True)
class QueueRead:
    """What the queue filler found at a position: the text, or why there is none."""

    position: int
    text: str | None
    size: int | None = None
    mtime_ns: int | None = None
    problem: str | None = None


# -- schema -------------------------------------------------------------------------------


# -- the store ----------------------------------------------------------------------------


class Store:
    """Documents, spans, undo history and labels in one SQLite file."""

    SCHEMA_VERSION = SCHEMA_VERSION

    def __init__(self, path: str | os.PathLike = "annotations.db", annotator: str | None = None) -> None:
        self.path = Path(os.fsdecode(path))
        self._shown = neutralised(os.fsdecode(path))
        self.annotator = _check_name(_default_user() if annotator is None else annotator, "annotator")
        self._lock = threading.RLock()
        self._lengths: dict[str, int] = {}  # a document's text never changes, nor its length
        self._conn: sqlite3.Connection | None = None
        self._batch: object = None  # the undo entry that entries of one action point at
        if _preflight(self.path, self._refuse):
            self._inspect_read_only()
        self._conn = self._connect()

    # -- opening --------------------------------------------------------------------------

    def _refuse(self, problem: str) -> StoreError:
        return StoreError(f"{self._shown}: {problem}")

    def _preflight(self) -> bool:
        """Check the path without writing anything; True if a database file is there."""
        path = self.path
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            parent = path.absolute().parent
            if not parent.is_dir():
                raise self._refuse(
                    f"cannot create the database: {neutralised(str(parent))} is not an existing folder; "
                    "check the path"
                ) from None
            if not os.access(parent, os.W_OK | os.X_OK):
                raise self._refuse(
                    "cannot create the database: its folder is not writable; choose another path"
                ) from None
            return False
        except OSError as error:
            raise self._refuse(f"cannot use this path ({neutralised(error.strerror or str(error))})") from None
        except ValueError:
            raise self._refuse("not a usable file name (it contains a NUL character)") from None
        if stat.S_ISDIR(st.st_mode):
            raise self._refuse("is a directory; give the path of a database file inside it")
        if not stat.S_ISREG(st.st_mode):
            raise self._refuse("is not a regular file; give the path of a database file")
        if not os.access(path, os.R_OK | os.W_OK) or not os.access(path.absolute().parent, os.W_OK):
            raise self._refuse("permission denied: the file and its folder must be writable")
        try:
            with open(path, "rb") as f:
                head = f.read(len(_SQLITE_MAGIC))
        except OSError as error:
            raise self._refuse(f"cannot read the file ({neutralised(error.strerror or str(error))})") from None
        if not head:
            return False  # an empty file is an empty database
        if head != _SQLITE_MAGIC:
            raise self._refuse(
                "is not an SQLite database; the file was left as it is -- give another path"
            )
        return True
    @staticmethod
    def check_path(path: str | os.PathLike) -> bool:
        """Refuse (StoreError) a path a Store could not use, without creating anything;
        True if a database file is already there.  For callers that create the database
        only once they have something to store."""
        shown = neutralised(os.fsdecode(path))
        return _preflight(Path(os.fsdecode(path)), lambda problem: StoreError(f"{shown}: {problem}"))

    def _inspect_read_only(self) -> None:
        """Refuse a foreign or newer database before the read-write connection writes to it."""
        try:
            conn = connect_read_only(self.path, timeout=BUSY_TIMEOUT_S)
        except sqlite3.Error as error:
            raise self._failure("opening the database", error) from None
        try:
            schema_version(conn, self._refuse)
        except sqlite3.Error as error:
            raise self._failure("reading the database", error) from None
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise self._failure("opening the database", error) from None
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise self._refuse(
                    f"SQLite cannot use write-ahead logging here (journal mode {mode}); "
                    "put the database on a local disk"
                )
            conn.execute("PRAGMA synchronous = FULL")
            self._migrate(conn)
        except BaseException as error:
            conn.close()
            if isinstance(error, sqlite3.Error):
                raise self._failure("opening the database", error) from None
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        with transaction(conn):
            version = schema_version(conn, self._refuse)
            for migration in MIGRATIONS[version:]:
                migration(conn)
            if version < SCHEMA_VERSION:
                conn.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )

    def _failure(self, doing: str, error: sqlite3.Error) -> StoreError:
        text = str(error)
        if "locked" in text or "busy" in text:
            hint = f"another process kept the database busy for {BUSY_TIMEOUT_S:.0f} s; try again"
        elif "readonly" in text:
            hint = "the file or its folder is read-only"
        elif "full" in text:
            hint = "the disk is full; free some space"
        elif "not a database" in text or "malformed" in text:
            hint = "the file is not an SQLite database or is damaged; it was left as it is"
        elif "unable to open" in text:
            hint = "SQLite cannot open or create the file there; check the path and its folder"
        else:
            hint = neutralised(text)
        return StoreError(f"{self._shown}: {doing} failed: {hint}; nothing was changed")

    # -- connections and transactions ------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({os.fsdecode(self.path)!r}, annotator={self.annotator!r})"

    @contextmanager
    def _reading(self, doing: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise self._refuse("the store is closed; open a new Store")
            try:
                yield self._conn
            except sqlite3.Error as error:
                raise self._failure(doing, error) from None

    @contextmanager
    def _writing(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` ... ``COMMIT``; any exception rolls it all back."""
        with self._reading(doing) as conn, transaction(conn):
            yield conn

    # -- documents ------------------------------------------------------------------------

    def open_document(self, text: str, source: str | os.PathLike) -> tuple[DocumentRecord, DocumentRecord | None]:
        """Insert the document, or touch it if this text is already stored.

        Returns it and, if the document last opened from the same source has other text (the
        file changed), that earlier version; a new document records it as ``previous_id``.
        ``source`` is stored absolute and resolved, and is where the text was last opened from.
        """
        where = _source(source)
        doc_id = _text_id(text)
        with self._writing("opening a document") as conn:
            return self._store_text(conn, doc_id, text, where)

    def import_document(
        self,
        text: str,
        source: str | os.PathLike,
        spans: Iterable[tuple[int, int, str]],
        *,
        annotator: str,
        status: str = "suggested",
        doc_status: str | None = None,
        new_labels: Iterable[str] = (),
        allow_overlap: bool = False,
    ) -> tuple[str, bool, list[Span]]:
        """One document of an import, with its spans, in ONE durable transaction: all of it or
        none, so an import killed part-way never leaves a document without its spans.

        A text not yet stored is added with ``source``; one already stored is left as it is
        (its source, and every status someone has in it).  ``doc_status`` becomes
        ``annotator``'s status in the document where they have none yet (``new``).
        ``new_labels`` join the label set, then ``spans`` are added as :meth:`add_spans` adds
        them.  Returns the document's id, whether it was new, and the spans added."""
        annotator = _check_name(annotator, "annotator")
        _check_choice(status, SPAN_STATUSES, "span status")
        if doc_status is not None:
            _check_choice(doc_status, DOCUMENT_STATUSES, "document status")
        new_labels = _check_label_names(list(new_labels))
        where = _source(source)
        doc_id = _text_id(text)
        is_new = False
        try:
            with self._writing("importing a document") as conn, self._one_action():
                is_new = conn.execute("SELECT 1 FROM documents WHERE id = ?",
                                      (doc_id,)).fetchone() is None
                if is_new:
                    self._store_text(conn, doc_id, text, where)
                if doc_status is not None and doc_status != "new":
                    conn.execute(
                        "INSERT INTO progress(doc_id, annotator, status, changed) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT(doc_id, annotator) DO UPDATE SET status = excluded.status,"
                        " changed = excluded.changed WHERE progress.status = 'new'",
                        (doc_id, annotator, doc_status, _now()),
                    )
                if new_labels:
                    colours = dict(self._labels(conn))
                    self._save_labels(conn, colours, [*colours, *(n for n in new_labels if n not in colours)])
                added = self._add_spans(conn, doc_id, spans, annotator, status, allow_overlap)
        except BaseException:
            if is_new:  # rolled back: the document's length must not outlive it in the cache
                self._lengths.pop(doc_id, None)
            raise
        return doc_id, is_new, added

    def _store_text(
        self, conn: sqlite3.Connection, doc_id: str, text: str, where: str
    ) -> tuple[DocumentRecord, DocumentRecord | None]:
        """Insert or touch one document inside the caller's transaction (see open_document)."""
        latest = conn.execute(
            f"SELECT {_DOC_COLUMNS} FROM {_DOC_FROM} WHERE d.source = :source"
            " ORDER BY d.last_seen DESC, d.rowid DESC LIMIT 1",
            {"me": self.annotator, "source": where},
        ).fetchone()
        previous = DocumentRecord(*latest) if latest is not None and latest[0] != doc_id else None
        now = _now()
        touched = conn.execute(
            "UPDATE documents SET last_seen = ?, source = ? WHERE id = ?", (now, where, doc_id)
        ).rowcount
        if not touched:
            conn.execute(
                "INSERT INTO documents(id, text, length, source, first_seen, last_seen, previous_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (doc_id, text, len(text), where, now, now, previous.id if previous else None),
            )
            index_document(conn, doc_id, text)  # in this transaction, unless it is long
        return self._document(conn, doc_id), previous

    def document(self, doc_id: str) -> DocumentRecord:
        with self._reading("reading a document") as conn:
            return self._document(conn, doc_id)

    def has_document(self, doc_id: str) -> bool:
        with self._reading("reading a document") as conn:
            return conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None

    def is_superseded(self, doc_id: str) -> bool:
        """Whether the document is an earlier version of a file that changed since."""
        with self._reading("reading a document") as conn:
            return conn.execute("SELECT 1 FROM documents WHERE previous_id = ? LIMIT 1",
                                (doc_id,)).fetchone() is not None

    def text(self, doc_id: str) -> str:
        with self._reading("reading a document") as conn:
            row = conn.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise _unknown_document(doc_id)
        return row[0]

    def find_documents(self, query: str, limit: int | None = None, offset: int = 0) -> list[str]:
        """Ids of the stored documents that may hold ``query`` (any search folding), in the
        order they were stored, from the FTS5 index (``limit`` of them after ``offset``);
        callers find the hits with ``fold()``."""
        self._catch_up_index()
        with self._reading("searching the documents") as conn:
            return candidates(conn, query, limit, offset)

    def count_documents(self, query: str, cap: int | None = None) -> int:
        """How many documents :meth:`find_documents` would return, counted in the index up
        to ``cap``."""
        self._catch_up_index()
        with self._reading("searching the documents") as conn:
            return count(conn, query, cap)

    def _catch_up_index(self) -> None:
        """Index the long documents stored since the last search (fulltext.py)."""
        with self._reading("checking the search index") as conn:
            if not pending(conn):
                return
        with self._writing("indexing documents for search") as conn:
            index_pending(conn)
    def texts(self, doc_ids: list[str]) -> list[str]:
        """The texts of many documents, in the order of ``doc_ids``, in a few queries."""
        with self._reading("reading documents") as conn:
            found = dict(_rows_in(conn, "SELECT id, text FROM documents WHERE id IN", doc_ids))
        missing = next((doc_id for doc_id in doc_ids if doc_id not in found), None)
        if missing is not None:
            raise _unknown_document(missing)
        return [found[doc_id] for doc_id in doc_ids]

    def set_caret(self, doc_id: str, caret: int) -> None:
        """Save this annotator's caret in the document."""
        with self._writing("saving the caret") as conn:
            length = self._length(conn, doc_id)
            if not _is_int(caret) or not 0 <= caret <= length:
                raise StoreError(f"caret {caret!r} is outside the document (0 to {length})")
            conn.execute(
                "INSERT INTO progress(doc_id, annotator, caret) VALUES (?, ?, ?)"
                " ON CONFLICT(doc_id, annotator) DO UPDATE SET caret = excluded.caret",
                (doc_id, self.annotator, caret),
            )

    def set_status(self, doc_id: str, status: str, *, annotator: str | None = None) -> None:
        """Set the document's status for this annotator (or ``annotator``: an import sets
        the status of the annotator its spans are stored under)."""
        _check_choice(status, DOCUMENT_STATUSES, "document status")
        who = self.annotator if annotator is None else _check_name(annotator, "annotator")
        with self._writing("saving the document status") as conn:
            self._length(conn, doc_id)
            conn.execute(
                "INSERT INTO progress(doc_id, annotator, status, changed) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(doc_id, annotator) DO UPDATE SET status = excluded.status,"
                " changed = excluded.changed",
                (doc_id, who, status, _now()),
            )

    def statuses(self, doc_id: str) -> dict[str, str]:
        """Every annotator's status in the document that is not ``new``, by name."""
        with self._reading("reading the document status") as conn:
            return dict(conn.execute(
                "SELECT annotator, status FROM progress WHERE doc_id = ? AND status != 'new'"
                " ORDER BY annotator", (doc_id,)))

    def done_by(self) -> dict[str, list[str]]:
        """Who marked each document done (annotator names, sorted), for the documents anyone
        did, in queue order then the order first stored."""
        done: dict[str, list[str]] = {}
        with self._reading("reading the document status") as conn:
            for doc_id, annotator in conn.execute(
                "SELECT p.doc_id, p.annotator FROM progress AS p"
                " JOIN documents AS d ON d.id = p.doc_id LEFT JOIN (SELECT doc_id,"
                " min(position) AS position FROM queue WHERE doc_id IS NOT NULL GROUP BY doc_id)"
                " AS q ON q.doc_id = p.doc_id WHERE p.status = 'done'"
                " ORDER BY q.position IS NULL, q.position, d.first_seen, d.rowid, p.annotator"
            ):
                done.setdefault(doc_id, []).append(annotator)
        return done

    def documents_overview(self, doc_ids: list[str]) -> list[QueueRow]:
        """Overview rows for these documents, in this order (position: the place in the
        list): this annotator's status, accepted spans, labels and last change."""
        found = []
        with self._reading("reading documents") as conn:
            for rank, doc_id in enumerate(doc_ids):
                row = conn.execute(
                    "SELECT d.source, coalesce(m.status, 'new'), coalesce(m.changed, ''),"
                    " (SELECT count(*) FROM spans WHERE doc_id = d.id AND annotator = :me"
                    "  AND status = 'accepted'),"
                    " (SELECT coalesce(group_concat(label), '') FROM (SELECT DISTINCT label"
                    "  FROM spans WHERE doc_id = d.id AND annotator = :me AND status = 'accepted'"
                    "  ORDER BY label)),"
                    " (SELECT coalesce(max(updated), '') FROM spans WHERE doc_id = d.id"
                    "  AND annotator = :me)"
                    " FROM documents AS d LEFT JOIN progress AS m ON m.doc_id = d.id"
                    " AND m.annotator = :me WHERE d.id = :doc",
                    {"me": self.annotator, "doc": doc_id}).fetchone()
                if row is not None:
                    source, status, changed, spans, labels, updated = row
                    found.append(QueueRow(rank, source, doc_id, status, spans, labels,
                                          max(changed, updated), None))
        return found

    def _document(self, conn: sqlite3.Connection, doc_id: str) -> DocumentRecord:
        row = conn.execute(f"SELECT {_DOC_COLUMNS} FROM {_DOC_FROM} WHERE d.id = :id",
                           {"me": self.annotator, "id": doc_id}).fetchone()
        if row is None:
            raise _unknown_document(doc_id)
        return DocumentRecord(*row)

    def _length(self, conn: sqlite3.Connection, doc_id: str) -> int:
        length = self._lengths.get(doc_id)
        if length is None:
            row = conn.execute("SELECT length FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                raise _unknown_document(doc_id)
            length = self._lengths[doc_id] = row[0]
        return length

    # -- spans ----------------------------------------------------------------------------

    def spans(self, doc_id: str, statuses: Iterable[str] = ("accepted", "suggested")) -> list[Span]:
        """The document's spans with one of ``statuses``, ordered by start, end, id."""
        statuses = tuple(statuses)
        marks = ", ".join("?" * len(statuses))
        with self._reading("reading spans") as conn:
            rows = conn.execute(
                f"SELECT {_SPAN_COLUMNS} FROM spans WHERE doc_id = ? AND status IN ({marks}) "
                "ORDER BY start, end, id",
                (doc_id, *statuses),
            ).fetchall()
        return [Span(*row) for row in rows]

    def add_span(
        self,
        doc_id: str,
        start: int,
        end: int,
        label: str,
        *,
        annotator: str | None = None,
        status: str = "accepted",
        allow_overlap: bool = False,
    ) -> Span:
        """Store one span (and its undo entry) in one durable transaction."""
        [span] = self.add_spans(doc_id, [(start, end, label)], annotator=annotator,
                                status=status, allow_overlap=allow_overlap)
        return span

    def add_spans(
        self,
        doc_id: str,
        spans: Iterable[tuple[int, int, str]],
        *,
        annotator: str | None = None,
        status: str = "accepted",
        allow_overlap: bool = False,
    ) -> list[Span]:
        """Store many ``(start, end, label)`` spans in ONE durable transaction: all or none
        (an import's line is atomic, and a commit per span would make big imports crawl)."""
        annotator = self.annotator if annotator is None else _check_name(annotator, "annotator")
        _check_choice(status, SPAN_STATUSES, "span status")
        with self._writing("adding spans") as conn, self._one_action():
            return self._add_spans(conn, doc_id, spans, annotator, status, allow_overlap)

    def _add_spans(
        self, conn: sqlite3.Connection, doc_id: str, spans: Iterable[tuple[int, int, str]],
        annotator: str, status: str, allow_overlap: bool,
    ) -> list[Span]:
        """Check and insert spans, with their undo entries, inside the caller's transaction."""
        added = []
        length = self._length(conn, doc_id)
        now = _now()
        for start, end, label in spans:
            _check_name(label, "label")
            _check_offsets(start, end, length)
            _check_free(conn, (annotator, self.annotator), doc_id, start, end, label, status,
                        allow_overlap)
            span = _insert_span(conn, (doc_id, start, end, label, annotator, status, now, now))
            self._record(conn, "add", span.id, doc_id, None, _snapshot(span, allow_overlap), now)
            added.append(span)
        return added

    def replace_suggestions(
        self, batch: Iterable[tuple[str, Iterable[tuple[int, int, str]]]], *, annotator: str
    ) -> tuple[int, int, int]:
        """:meth:`add_suggestions` for a source run again (a model retrained): in the same
        transaction, the source's earlier suggestions in these documents that nobody has
        decided and that this run does not make again are withdrawn.  Decided ones stay (a
        decision names its suggestion).  Returns ``(added, left_out, withdrawn)``."""
        return self._add_suggestions(batch, annotator, replace=True)

    def add_suggestions(
        self, batch: Iterable[tuple[str, Iterable[tuple[int, int, str]]]], *, annotator: str
    ) -> tuple[int, int]:
        """Store machine suggestions for many documents in ONE durable transaction.

        ``batch`` holds ``(doc_id, [(start, end, label), ...])``.  A suggestion is left out
        when the same ``(start, end, label)`` is already there as a suggestion, from any
        source (so running a suggester twice adds nothing, and one somebody rejected does
        not come back to them: their decision stays on it).  An accepted span does not keep
        a suggestion out: it is one person's, and the suggestion is for everyone else -- each
        annotator's own accepted spans hide it from them alone (:meth:`suggestions`).
        Returns ``(added, left_out)``.  No undo entries: nobody's ``u`` should remove a
        model's suggestions one by one, and bulk runs stay one insert per span."""
        added, left_out, _ = self._add_suggestions(batch, annotator, replace=False)
        return added, left_out

    def _add_suggestions(self, batch, annotator: str, *, replace: bool) -> tuple[int, int, int]:
        annotator = _check_name(annotator, "annotator")
        left_out = withdrawn = 0
        with self._writing("adding suggestions") as conn:
            now = _now()
            batch = [(doc_id, list(map(tuple, spans))) for doc_id, spans in batch]  # hashable
            ids = [doc_id for doc_id, _ in batch]
            unknown = [doc_id for doc_id in ids if doc_id not in self._lengths]
            self._lengths.update(_rows_in(conn, "SELECT id, length FROM documents WHERE id IN", unknown))
            if replace:
                withdrawn = _withdraw_stale(conn, batch, annotator)
            existing: dict[str, list[tuple[int, int, str, str]]] = {}
            for row in _rows_in(conn, "SELECT doc_id, start, end, label, status FROM spans"
                                " WHERE status != 'accepted' AND doc_id IN", ids):
                existing.setdefault(row[0], []).append(row[1:])
            _check_suggested_labels(batch)
            rows = []
            for doc_id, spans in batch:
                length = self._length(conn, doc_id)
                for start, end, _ in spans:
                    if not (type(start) is int and type(end) is int and 0 <= start < end <= length):
                        _check_offsets(start, end, length)  # raises, saying what is wrong
                fresh = _fresh_suggestions(spans, existing.get(doc_id, ()))
                left_out += len(spans) - len(fresh)
                # One tuple per row is the Python work left: SQLite's executemany wants them.
                rows += [(doc_id, start, end, label, annotator, now) for start, end, label in fresh]
            # In index order, the B-tree inserts land next to each other: 35% faster than in
            # the order the documents came (measured, 56k rows).
            rows.sort()
            conn.executemany(
                "INSERT INTO spans(doc_id, start, end, label, annotator, status, created, updated)"
                " VALUES (?1, ?2, ?3, ?4, ?5, 'suggested', ?6, ?6)",
                rows,
            )
        return len(rows), left_out, withdrawn

    @property
    def private_source(self) -> str:
        """The source of suggestions only this annotator sees: what their ``*`` proposes."""
        return PRIVATE_SOURCE_PREFIX + self.annotator

    def sees_source(self, source: str) -> bool:
        """Whether this annotator is shown suggestions from ``source`` (another person's
        private source, no); :meth:`suggestions` applies the same rule in SQL."""
        return not source.startswith(PRIVATE_SOURCE_PREFIX) or source == self.private_source

    def suggestions(self, doc_id: str, *, allow_overlap: bool = False) -> list[Span]:
        """The suggestions open to this Store's annotator in the document, by start, end, id:
        those they have not decided, that do not duplicate one of their accepted spans nor
        (unless ``allow_overlap``) overlap one, and not another person's own (``*NAME``)."""
        with self._reading("reading suggestions") as conn:
            return self._open_suggestions(conn, doc_id, allow_overlap)

    def _open_suggestions(self, conn: sqlite3.Connection, doc_id: str, allow_overlap: bool) -> list[Span]:
        rows = conn.execute(
            f"SELECT {_SPAN_COLUMNS} FROM spans AS s WHERE doc_id = :doc AND status = 'suggested'"
            " AND NOT EXISTS (SELECT 1 FROM decisions WHERE suggestion_id = s.id"
            "   AND annotator = :me)"
            " AND (substr(annotator, 1, length(:prefix)) != :prefix OR annotator = :private)"
            f" AND NOT EXISTS (SELECT 1 FROM spans AS a WHERE {_MINE_IN_THE_WAY})"
            " ORDER BY start, end, id",
            {"doc": doc_id, "me": self.annotator, "overlap": int(allow_overlap),
             "prefix": PRIVATE_SOURCE_PREFIX, "private": self.private_source},
        ).fetchall()
        return [Span(*row) for row in rows]

    def decisions(self, doc_id: str) -> dict[int, str]:
        """This annotator's decisions in the document: suggestion id -> accepted/rejected."""
        with self._reading("reading decisions") as conn:
            return dict(conn.execute(
                "SELECT d.suggestion_id, d.decision FROM decisions AS d JOIN spans AS s"
                " ON s.id = d.suggestion_id WHERE s.doc_id = ? AND d.annotator = ?",
                (doc_id, self.annotator)))

    def decide_suggestion(
        self, span_id: int, decision: str, *, label: str | None = None, allow_overlap: bool = False
    ) -> Span | None:
        """Accept or reject one suggestion for this Store's annotator only, in one durable
        transaction on their undo stack.  Accepting adds their own accepted span with the
        suggestion's offsets and its label (or ``label``); either way the suggestion stays
        for everyone else.  Returns the new span, None on a rejection."""
        _check_choice(decision, ("accepted", "rejected"), "decision")
        if label is not None:
            _check_name(label, "label")
        with self._writing("deciding a suggestion") as conn:
            suggestion = _span(conn, span_id)
            if suggestion.status != "suggested":
                raise StoreError(f"span {span_id} is not a suggestion; nothing was decided")
            done = self._decided(conn, span_id)
            if done is not None:
                raise StoreError(f"you already {done} this suggestion (span {span_id}); "
                                 "undo that first to decide again")
            return self._decide(conn, suggestion, decision, label, allow_overlap)

    @contextmanager
    def bulk_writing(self) -> Iterator[None]:
        """For a long run of transactions (``suggest`` over a corpus): a 64 MB page cache,
        and the write-ahead log checkpointed into the database once at the end rather than
        after every commit that grows it past 1,000 pages (a 1,000-document batch of
        suggestions does: ~1/4 of the run was checkpoints, measured on the bench).
        Durability is unchanged: every commit still syncs the log (``synchronous=FULL``),
        and a log left by a crash is replayed by the next open."""
        with self._reading("preparing a bulk write") as conn:
            pages = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
            cache = conn.execute("PRAGMA cache_size").fetchone()[0]
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            conn.execute("PRAGMA cache_size = -65536")
        try:
            yield
        finally:
            with self._lock:
                if self._conn is not None:  # closed meanwhile: closing checkpointed it
                    try:
                        self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                        self._conn.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")
                        self._conn.execute(f"PRAGMA cache_size = {int(cache)}")
                    except sqlite3.Error:
                        pass  # nothing is lost: the log is checkpointed at the next commit or open

    def decide_suggestions(
        self, doc_id: str, annotator: str, status: str, *, allow_overlap: bool = False
    ) -> tuple[int, int]:
        """Accept or reject, for this Store's annotator, every suggestion of the source
        ``annotator`` open to them in the document (see :meth:`suggestions`), in ONE
        transaction, each decision on their undo stack.  A suggestion that cannot be
        accepted (it duplicates or, unless ``allow_overlap``, overlaps an accepted span of
        theirs -- one accepted a moment before included) stays open.  Returns
        ``(changed, left)``."""
        _check_choice(status, ("accepted", "rejected"), "decision")
        changed = left = 0
        with self._writing("deciding suggestions") as conn, self._one_action():
            for suggestion in self._open_suggestions(conn, doc_id, allow_overlap):
                if suggestion.annotator != annotator:
                    continue
                try:
                    self._decide(conn, suggestion, status, None, allow_overlap)
                except StoreError:
                    left += 1
                    continue
                changed += 1
        return changed, left

    def _decided(self, conn: sqlite3.Connection, span_id: int) -> str | None:
        row = conn.execute("SELECT decision FROM decisions WHERE suggestion_id = ? AND annotator = ?",
                           (span_id, self.annotator)).fetchone()
        return None if row is None else row[0]

    def _decide(self, conn: sqlite3.Connection, suggestion: Span, decision: str,
                label: str | None, allow_overlap: bool) -> Span | None:
        """Record one decision, and on acceptance add the span, inside the caller's transaction."""
        now = _now()
        span = None
        if decision == "accepted":
            label = suggestion.label if label is None else label
            me = self.annotator
            _check_free(conn, (me, me), suggestion.doc_id, suggestion.start, suggestion.end,
                        label, "accepted", allow_overlap)
            span = _insert_span(conn, (suggestion.doc_id, suggestion.start, suggestion.end, label,
                                       me, "accepted", now, now))
        conn.execute("INSERT INTO decisions(suggestion_id, annotator, decision, created)"
                     " VALUES (?, ?, ?, ?)", (suggestion.id, self.annotator, decision, now))
        after = {"decision": decision, "created": now,
                 "span": None if span is None else json.loads(_snapshot(span, allow_overlap))}
        self._record(conn, "decide", suggestion.id, suggestion.doc_id, _snapshot(suggestion, False),
                     json.dumps(after, ensure_ascii=False), now)
        return span

    def document_ids(self, statuses: Iterable[str] = (), *, overall: bool = False) -> list[str]:
        """Ids of the stored documents (with one of ``statuses`` for this annotator, if
        given, or with ``overall`` as the most advanced status anyone has in it): those in
        the project queue in queue order, then the rest in the order they were first stored."""
        statuses = tuple(statuses)
        for status in statuses:
            _check_choice(status, DOCUMENT_STATUSES, "document status")
        marks = ", ".join("?" * len(statuses))
        where = f"WHERE coalesce(p.status, 'new') IN ({marks})" if statuses else ""
        progress = BEST_STATUS if overall else "SELECT * FROM progress WHERE annotator = ?"
        mine = () if overall else (self.annotator,)
        with self._reading("listing documents") as conn:
            rows = conn.execute(
                "SELECT d.id FROM documents AS d LEFT JOIN (SELECT doc_id, min(position) AS"
                " position FROM queue WHERE doc_id IS NOT NULL GROUP BY doc_id) AS q"
                f" ON q.doc_id = d.id LEFT JOIN ({progress}) AS p ON p.doc_id = d.id"
                f" {where} ORDER BY q.position IS NULL, q.position, d.first_seen, d.rowid",
                (*mine, *statuses),
            ).fetchall()
        return [row[0] for row in rows]

    def delete_span(self, span_id: int) -> Span:
        with self._writing("deleting a span") as conn:
            span = _span(conn, span_id)
            conn.execute("DELETE FROM spans WHERE id = ?", (span_id,))
            before = _snapshot(span, _overlaps_any(conn, span, self.annotator))
            self._record(conn, "delete", span_id, span.doc_id, before, None, _now())
        return span

    def update_span(
        self,
        span_id: int,
        *,
        start: int | None = None,
        end: int | None = None,
        label: str | None = None,
        status: str | None = None,
        allow_overlap: bool = False,
    ) -> Span:
        """Change a span's offsets, label or status.  Overlaps the span already had are kept;
        only new ones need ``allow_overlap``.  A call that changes nothing records nothing.
        This changes the row itself, for everyone: on a suggestion, an annotator's decision
        is :meth:`decide_suggestion` (which the app uses), not this.  Setting a suggestion
        accepted here makes the row this annotator's."""
        if label is not None:
            _check_name(label, "label")
        if status is not None:
            _check_choice(status, SPAN_STATUSES, "span status")
        with self._writing("updating a span") as conn:
            old = _span(conn, span_id)
            start = old.start if start is None else start
            end = old.end if end is None else end
            label = old.label if label is None else label
            status = old.status if status is None else status
            if (start, end, label, status) == (old.start, old.end, old.label, old.status):
                return old
            _check_offsets(start, end, self._length(conn, old.doc_id))
            owner = _owner(old, status, self.annotator)
            _check_free(conn, (owner, self.annotator), old.doc_id, start, end, label,
                        status, allow_overlap, old)
            now = _now()
            conn.execute(
                "UPDATE spans SET start = ?, end = ?, label = ?, status = ?, annotator = ?, updated = ?"
                " WHERE id = ?",
                (start, end, label, status, owner, now, span_id),
            )
            new = Span(span_id, old.doc_id, start, end, label, owner, status, old.created, now)
            before = _snapshot(old, _overlaps_any(conn, old, self.annotator))
            self._record(conn, "update", span_id, old.doc_id, before, _snapshot(new, allow_overlap), now)
        return new

    # -- undo -----------------------------------------------------------------------------

    def _record(
        self, conn: sqlite3.Connection, action: str, span_id: int, doc_id: str,
        before: str | None, after: str | None, now: str,
    ) -> None:
        """Push an entry on this annotator's undo stack for the document; clear its redo.
        Inside :meth:`_one_action`, the entries after the first point at it (``batch``), so
        one undo takes back everything one key press did."""
        conn.execute(
            "DELETE FROM history WHERE doc_id = ? AND annotator = ? AND undone = 1",
            (doc_id, self.annotator),
        )
        batch = None if self._batch is _FIRST_OF_BATCH else self._batch
        cursor = conn.execute(
            "INSERT INTO history(doc_id, annotator, action, span_id, before, after, created, batch)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (doc_id, self.annotator, action, span_id, before, after, now, batch),
        )
        if self._batch is _FIRST_OF_BATCH:
            self._batch = cursor.lastrowid

    @contextmanager
    def _one_action(self) -> Iterator[None]:
        """Group the undo entries recorded inside into one action."""
        self._batch = _FIRST_OF_BATCH
        try:
            yield
        finally:
            self._batch = None

    def undo(self, doc_id: str) -> str | None:
        """Undo this annotator's newest action on the document; None if there is none."""
        return self._step(doc_id, undo=True)

    def redo(self, doc_id: str) -> str | None:
        """Redo the action undone last; None if there is none."""
        return self._step(doc_id, undo=False)

    def _step(self, doc_id: str, *, undo: bool) -> str | None:
        """Undo (or redo) this annotator's newest (oldest undone) action: every entry of it,
        when one key press made many changes (accept all, an import line), in one go."""
        verb = "undo" if undo else "redo"
        order = "DESC" if undo else "ASC"
        mine = (doc_id, self.annotator, 0 if undo else 1)
        with self._writing(f"{verb}ing") as conn:
            row = conn.execute(
                "SELECT id, batch FROM history WHERE doc_id = ? AND annotator = ? AND undone = ?"
                f" ORDER BY id {order} LIMIT 1", mine).fetchone()
            if row is None:
                return None
            first = row[1] if row[1] is not None else row[0]  # the action's first entry
            entries = conn.execute(
                "SELECT id, action, span_id, before, after FROM history WHERE doc_id = ?"
                f" AND annotator = ? AND undone = ? AND (id = ? OR batch = ?) ORDER BY id {order}",
                (*mine, first, first)).fetchall()
            results = [self._step_entry(conn, doc_id, entry, undo=undo) for entry in entries]
        if len(results) == 1:
            return results[0][1]
        done = sum(ok for ok, _ in results)
        message = f"{'undid' if undo else 'redid'} {done} change{'s' * (done != 1)} made by one key"
        if done < len(results):
            message += (f"; {len(results) - done} changed since by someone else: kept their "
                        "change and dropped those steps")
        return message

    def _step_entry(self, conn: sqlite3.Connection, doc_id: str, entry: tuple, *,
                    undo: bool) -> tuple[bool, str]:
        """Undo or redo one history entry; (False, why) when it was dropped instead."""
        verb = "undo" if undo else "redo"
        entry_id, action, span_id, before_json, after_json = entry
        before = json.loads(before_json) if before_json else None
        after = json.loads(after_json) if after_json else None
        what = _describe(action, before, after)
        if action == "decide":
            self._step_decision(conn, span_id, before, after, undo=undo)
            conn.execute("UPDATE history SET undone = ? WHERE id = ?", (1 if undo else 0, entry_id))
            return True, f"{'undid' if undo else 'redid'}: {what}"
        expected, target = (after, before) if undo else (before, after)
        row = conn.execute(f"SELECT {_SPAN_COLUMNS} FROM spans WHERE id = ?", (span_id,)).fetchone()
        if row != _row(expected):
            conn.execute("DELETE FROM history WHERE id = ?", (entry_id,))
            return False, (
                f"cannot {verb} {what}: span {span_id} was changed since by someone else; "
                f"kept their change and dropped this step from the {verb} list"
            )
        if target is None:
            conn.execute("DELETE FROM spans WHERE id = ?", (span_id,))
        else:
            try:
                _check_free(
                    conn, (target["annotator"], self.annotator), doc_id,
                    target["start"], target["end"], target["label"],
                    target["status"], target["allow_overlap"], row and Span(*row),
                    exclude=span_id,
                )
            except StoreError as error:
                raise type(error)(f"cannot {verb} {what}: {error}") from None
            _restore_span(conn, target)
        conn.execute("UPDATE history SET undone = ? WHERE id = ?", (1 if undo else 0, entry_id))
        return True, f"{'undid' if undo else 'redid'}: {what}"

    def _step_decision(self, conn: sqlite3.Connection, suggestion_id: int, before: dict,
                       after: dict, *, undo: bool) -> None:
        """Undo or redo one decision: the decision and the span it added go or come together.
        Only this annotator's rows are touched; nobody else can change them, except by
        deleting the accepted span (then undo just withdraws the decision)."""
        span = after["span"]
        if undo:
            conn.execute("DELETE FROM decisions WHERE suggestion_id = ? AND annotator = ?",
                         (suggestion_id, self.annotator))
            if span is not None:
                conn.execute("DELETE FROM spans WHERE id = ? AND annotator = ?",
                             (span["id"], self.annotator))
            return
        if conn.execute("SELECT 1 FROM spans WHERE id = ? AND status = 'suggested'",
                        (suggestion_id,)).fetchone() is None:
            raise StoreError(f"cannot redo {_describe('decide', before, after)}: the suggestion "
                             "was deleted since")
        if span is not None:
            try:
                _check_free(conn, (self.annotator, self.annotator), span["doc_id"], span["start"],
                            span["end"], span["label"], "accepted", span["allow_overlap"],
                            exclude=span["id"])
            except StoreError as error:
                raise type(error)(f"cannot redo {_describe('decide', before, after)}: {error}") from None
            _restore_span(conn, span)
        conn.execute("INSERT OR REPLACE INTO decisions(suggestion_id, annotator, decision, created)"
                     " VALUES (?, ?, ?, ?)", (suggestion_id, self.annotator, after["decision"],
                                             after["created"]))

    # -- the queue ------------------------------------------------------------------------
    #
    # The project queue is the files of a corpus session, in the order they were first given;
    # ``meta.queue_position:NAME`` is the one NAME had open last.  Queue rows are added at once
    # and filled (text stored as a document) by a background worker, see ``store.queue``.  Progress is
    # this annotator's: the progress table is joined on (document, annotator), its primary
    # key, so reading a status never walks a document row past its text.

    def enqueue(self, paths: Iterable[str]) -> None:
        """Append the paths not in the queue yet, in this order; paths already there keep
        their place (and their document)."""
        with self._reading("reading the queue") as conn:
            queued = {row[0] for row in conn.execute("SELECT path FROM queue")}
        new = [path for path in dict.fromkeys(paths) if path not in queued]
        if not new:
            return  # a corpus queued before: no write, no fsync
        now = _now()
        with self._writing("queueing files") as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO queue(path, added) VALUES (?, ?)", ((p, now) for p in new)
            )

    def queue(self) -> list[QueueEntry]:
        """Every queue entry, in queue order."""
        with self._reading("reading the queue") as conn:
            rows = conn.execute(f"SELECT {_QUEUE_COLUMNS} FROM queue ORDER BY position").fetchall()
        return [QueueEntry(*row) for row in rows]

    def queue_entry(self, position: int) -> QueueEntry:
        with self._reading("reading the queue") as conn:
            row = conn.execute(
                f"SELECT {_QUEUE_COLUMNS} FROM queue WHERE position = ?", (position,)
            ).fetchone()
        if row is None:
            raise StoreError(f"there is no queue position {position!r}; the queue changed")
        return QueueEntry(*row)

    def queue_entry_at(self, path: str) -> QueueEntry | None:
        with self._reading("reading the queue") as conn:
            row = conn.execute(f"SELECT {_QUEUE_COLUMNS} FROM queue WHERE path = ?", (path,)).fetchone()
        return None if row is None else QueueEntry(*row)

    def queue_entry_of(self, doc_id: str) -> QueueEntry | None:
        """The first queue entry whose text is this document, if any."""
        with self._reading("reading the queue") as conn:
            row = conn.execute(
                f"SELECT {_QUEUE_COLUMNS} FROM queue WHERE doc_id = ? ORDER BY position LIMIT 1",
                (doc_id,),
            ).fetchone()
        return None if row is None else QueueEntry(*row)

    def store_queued(self, reads: Iterable[QueueRead]) -> list[DocumentRecord | None]:
        """Store what was read for these queue positions in ONE durable transaction (a commit
        per file would make a 10,000-file corpus crawl).  A text becomes (or touches) a
        document; a problem is kept on the row, and a document stored before stays."""
        records: list[DocumentRecord | None] = []
        with self._writing("storing queued files") as conn:
            for read in reads:
                if read.text is None:
                    conn.execute("UPDATE queue SET problem = ? WHERE position = ?",
                                 (read.problem, read.position))
                    records.append(None)
                    continue
                [path] = conn.execute("SELECT path FROM queue WHERE position = ?",
                                      (read.position,)).fetchone() or [None]
                if path is None:
                    raise StoreError(f"there is no queue position {read.position!r}")
                record, _ = self._store_text(conn, _text_id(read.text), read.text, path)
                conn.execute(
                    "UPDATE queue SET doc_id = ?, size = ?, mtime_ns = ?, problem = NULL"
                    " WHERE position = ?",
                    (record.id, read.size, read.mtime_ns, read.position),
                )
                records.append(record)
        return records

    def queue_position(self) -> int | None:
        """The queue position this annotator had open last, if it is still in the queue.

        Each annotator has their own (``meta.queue_position:NAME``), so one person moving
        through the queue never moves another.  The shared ``queue_position`` of databases
        from before is the fallback for a name that has none yet."""
        with self._reading("reading the queue") as conn:
            row = conn.execute(
                "SELECT position FROM queue WHERE position = (SELECT CAST(value AS INTEGER)"
                " FROM meta WHERE key IN (?, 'queue_position') ORDER BY key = 'queue_position'"
                " LIMIT 1)", (self._queue_position_key(),)
            ).fetchone()
        return None if row is None else row[0]

    def set_queue_position(self, position: int) -> None:
        with self._writing("saving the queue position") as conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                         (self._queue_position_key(), str(position)))

    def _queue_position_key(self) -> str:
        return f"queue_position:{self.annotator}"

    def queue_step(self, position: int, step: int, *, unfinished: bool = False) -> QueueEntry | None:
        """The next (step 1) or previous (step -1) entry that can be opened -- its text is
        stored or not tried yet -- or with ``unfinished`` the next one this annotator has
        neither done nor skipped, wrapping round; None if there is none."""
        usable = "(q.doc_id IS NOT NULL OR q.problem IS NULL)"
        if unfinished:
            usable += " AND (p.status IS NULL OR p.status NOT IN ('done', 'skipped'))"
        columns = ", ".join(f"q.{c}" for c in _QUEUE_COLUMNS.split(", "))
        query = (f"SELECT {columns} FROM queue AS q LEFT JOIN progress AS p"
                 " ON p.doc_id = q.doc_id AND p.annotator = :me"
                 f" WHERE {usable} AND q.position {{}} :at ORDER BY q.position {{}} LIMIT 1")
        values = {"me": self.annotator, "at": position}
        with self._reading("reading the queue") as conn:
            if step > 0:
                row = conn.execute(query.format(">", "ASC"), values).fetchone()
                if row is None and unfinished:
                    row = conn.execute(query.format("<", "ASC"), values).fetchone()
            else:
                row = conn.execute(query.format("<", "DESC"), values).fetchone()
        return None if row is None else QueueEntry(*row)

    def queue_progress(self) -> tuple[int, int, int]:
        """(done, total, stored): entries whose document this annotator has done, entries,
        entries stored."""
        with self._reading("reading the queue") as conn:
            return conn.execute(
                "SELECT count(CASE WHEN p.status = 'done' THEN 1 END), count(*), count(q.doc_id)"
                " FROM queue AS q LEFT JOIN progress AS p ON p.doc_id = q.doc_id AND p.annotator = ?",
                (self.annotator,),
            ).fetchone()

    def queue_rank(self, position: int) -> int:
        """The 1-based place of a queue position in the queue."""
        with self._reading("reading the queue") as conn:
            return conn.execute("SELECT count(*) FROM queue WHERE position <= ?", (position,)).fetchone()[0]

    def queue_overview(self) -> list[QueueRow]:
        """The overview table: one row per queue entry, in queue order, in one query: this
        annotator's status, accepted spans, labels and last change."""
        with self._reading("reading the queue") as conn:
            rows = conn.execute(
                "WITH per_doc AS (SELECT doc_id, count(*) AS n, max(updated) AS changed,"
                "   group_concat(DISTINCT label) AS labels"
                "   FROM (SELECT doc_id, label, updated FROM spans WHERE status = 'accepted'"
                "         AND annotator = :me ORDER BY doc_id, label) GROUP BY doc_id)"
                " SELECT q.position, q.path, q.doc_id,"
                "   CASE WHEN q.doc_id IS NULL THEN 'unread' ELSE coalesce(m.status, 'new') END,"
                "   coalesce(p.n, 0), coalesce(p.labels, ''),"
                "   coalesce(max(coalesce(p.changed, ''), coalesce(m.changed, '')), ''), q.problem"
                " FROM queue AS q LEFT JOIN progress AS m ON m.doc_id = q.doc_id AND m.annotator = :me"
                " LEFT JOIN per_doc AS p ON p.doc_id = q.doc_id ORDER BY q.position",
                {"me": self.annotator},
            ).fetchall()
        return [QueueRow(*row) for row in rows]

    # -- labels ---------------------------------------------------------------------------

    def labels(self) -> list[tuple[str, str]]:
        """The label set as (name, colour) in legend order; the defaults if none was set."""
        with self._reading("reading labels") as conn:
            return self._labels(conn)

    def set_labels(self, names: list[str], colors: Mapping[str, str] | None = None) -> None:
        """Replace the label set.  A label takes its colour from ``colors`` ("#rrggbb"), else
        keeps the one it had, else the first free one of the palette.  Spans that use a label
        left out keep it."""
        names = _check_label_names(names)
        if not names:
            raise StoreError("the label set cannot be empty; give at least one label")
        colors = dict(colors or {})
        for name, color in colors.items():
            if not isinstance(color, str) or not _HEX_COLOR.fullmatch(color):
                raise StoreError(f"the colour of label {neutralised(str(name))!r} must be "
                                 f"#rrggbb, not {neutralised(repr(color))}")
        with self._writing("saving labels") as conn:
            self._save_labels(conn, {**dict(self._labels(conn)), **colors}, names)

    def add_labels(self, names: list[str]) -> None:
        """Append the names not yet in the label set."""
        names = _check_label_names(names)
        with self._writing("saving labels") as conn:
            colours = dict(self._labels(conn))
            self._save_labels(conn, colours, [*colours, *(n for n in names if n not in colours)])

    def _labels(self, conn: sqlite3.Connection) -> list[tuple[str, str]]:
        rows = conn.execute("SELECT name, color FROM labels ORDER BY position").fetchall()
        # Colours are only ever given from a palette, so an old default maps one to one.
        rows = [(name, _RENEWED_COLOURS.get(colour, colour)) for name, colour in rows]
        return rows or list(zip(DEFAULT_LABELS, PALETTE))

    def _save_labels(self, conn: sqlite3.Connection, colours: dict[str, str], names: list[str]) -> None:
        kept = {colours[name] for name in names if name in colours}
        free = [colour for colour in PALETTE if colour not in kept] or list(PALETTE)
        rows = []
        for position, name in enumerate(names):
            colour = colours.get(name)
            if colour is None:
                colour = free.pop(0) if free else PALETTE[position % len(PALETTE)]
            rows.append((name, position, colour))
        if rows == conn.execute("SELECT name, position, color FROM labels ORDER BY position").fetchall():
            return  # the same set (a project file read at each start): no write, no reload elsewhere
        conn.execute("DELETE FROM labels")
        conn.executemany("INSERT INTO labels(name, position, color) VALUES (?, ?, ?)", rows)

    # -- other processes ------------------------------------------------------------------

    def data_version(self) -> int:
        """Changes when another connection commits: poll it to know when to reload."""
        with self._reading("checking for changes") as conn:
            return conn.execute("PRAGMA data_version").fetchone()[0]


# -- helpers ------------------------------------------------------------------------------


def _preflight(path: Path, refuse: Callable[[str], StoreError]) -> bool:
    """Check the path without writing anything; True if a database file is there."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        parent = path.absolute().parent
        if not parent.is_dir():
            raise refuse(
                f"cannot create the database: {neutralised(str(parent))} is not an existing folder; "
                "check the path"
            ) from None
        if not os.access(parent, os.W_OK | os.X_OK):
            raise refuse(
                "cannot create the database: its folder is not writable; choose another path"
            ) from None
        return False
    except OSError as error:
        raise refuse(f"cannot use this path ({neutralised(error.strerror or str(error))})") from None
    except ValueError:
        raise refuse("not a usable file name (it contains a NUL character)") from None
    if stat.S_ISDIR(st.st_mode):
        raise refuse("is a directory; give the path of a database file inside it")
    if not stat.S_ISREG(st.st_mode):
        raise refuse("is not a regular file; give the path of a database file")
    if not os.access(path, os.R_OK | os.W_OK) or not os.access(path.absolute().parent, os.W_OK):
        raise refuse("permission denied: the file and its folder must be writable")
    try:
        with open(path, "rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError as error:
        raise refuse(f"cannot read the file ({neutralised(error.strerror or str(error))})") from None
    if not head:
        return False  # an empty file is an empty database
    if head != _SQLITE_MAGIC:
        raise refuse(
            "is not an SQLite database; the file was left as it is -- give another path"
        )
    return True


def _source(source: str | os.PathLike) -> str:
    """Where a text came from as stored: absolute and resolved, and storable."""
    where = str(Path(os.fsdecode(source)).resolve())
    if not where.isascii():  # a name that is not UTF-8 holds lone surrogates SQLite refuses
        try:
            where.encode("utf-8")
        except UnicodeEncodeError:
            raise StoreError(f"{neutralised(where)}: the file name is not UTF-8, which the "
                             "database cannot store; rename the file") from None
    return where


def _insert_span(conn: sqlite3.Connection, values: tuple) -> Span:
    """Insert a new span, ``values`` in column order after its id."""
    cursor = conn.execute(
        "INSERT INTO spans(doc_id, start, end, label, annotator, status, created, updated)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)
    return Span(cursor.lastrowid, *values)


def _restore_span(conn: sqlite3.Connection, snapshot: dict) -> None:
    """Put a span back exactly as an undo snapshot holds it (same id, same time stamps)."""
    conn.execute(f"INSERT OR REPLACE INTO spans({_SPAN_COLUMNS}) VALUES ({', '.join('?' * 9)})",
                 _row(snapshot))


def _check_suggested_labels(batch: list[tuple[str, list[tuple[int, int, str]]]]) -> None:
    """Every label in a batch of suggestions is a valid name (checked once per label)."""
    for label in {label for _, spans in batch for _, _, label in spans}:
        _check_name(label, "label")


def _withdraw_stale(conn: sqlite3.Connection, batch: list, annotator: str) -> int:
    """Delete ``annotator``'s suggestions in the batch's documents that nobody decided and
    the batch does not propose again; how many."""
    proposed = {doc_id: set(spans) for doc_id, spans in batch}
    stale = [
        (span_id,) for span_id, doc_id, start, end, label, source in _rows_in(
            conn, "SELECT id, doc_id, start, end, label, annotator FROM spans AS s"
            " WHERE status = 'suggested' AND NOT EXISTS"
            " (SELECT 1 FROM decisions WHERE suggestion_id = s.id) AND doc_id IN", list(proposed))
        if source == annotator and (start, end, label) not in proposed[doc_id]
    ]
    conn.executemany("DELETE FROM spans WHERE id = ?", stale)
    return len(stale)


def _fresh_suggestions(spans: list[tuple[int, int, str]], existing) -> list[tuple[int, int, str]]:
    """The suggestions not already there (as a suggestion, decided or not, or twice in
    ``spans``); ``existing`` holds the document's ``(start, end, label, status)`` rows that
    are not accepted spans (an accepted span is one person's: it keeps nothing out)."""
    unique = list(dict.fromkeys(spans))  # in C: the common case has no existing rows
    if not existing:
        return unique
    present = {(start, end, label) for start, end, label, _ in existing}
    return [span for span in unique if span not in present]


def _rows_in(conn: sqlite3.Connection, query: str, values: list, chunk: int = 500) -> Iterator[tuple]:
    """Rows of ``query`` + `` (?, ?, ...)`` over ``values``, in chunks under SQLite's
    parameter limit."""
    for i in range(0, len(values), chunk):
        part = values[i : i + chunk]
        yield from conn.execute(f"{query} ({', '.join('?' * len(part))})", part)


def _span(conn: sqlite3.Connection, span_id: int) -> Span:
    row = conn.execute(f"SELECT {_SPAN_COLUMNS} FROM spans WHERE id = ?", (span_id,)).fetchone()
    if row is None:
        raise StoreError(f"there is no span {span_id!r}; it may have been deleted")
    return Span(*row)


def _owner(old: Span, status: str, me: str) -> str:
    """Whose a span is after a change: a suggestion someone accepts becomes theirs (they
    answer for it in export and agreement, and another annotator sees it as theirs)."""
    return me if old.status == "suggested" and status == "accepted" else old.annotator


def _check_free(
    conn: sqlite3.Connection,
    owners: tuple[str, str],
    doc_id: str,
    start: int,
    end: int,
    label: str,
    status: str,
    allow_overlap: bool,
    old: Span | None = None,
    *,
    exclude: int | None = None,
) -> None:
    """Refuse an accepted span that duplicates one, or newly overlaps one unless allowed.

    ``old`` is the span's current state when it is being changed: overlaps it already had as
    an accepted span are not new.
    """
    if status != "accepted":
        return  # suggestions and rejected spans never block, and are never blocked
    exclude = old.id if old is not None else exclude
    others = conn.execute(
        f"SELECT id, start, end, label, annotator FROM spans WHERE {_OVERLAPPING} AND id IS NOT :id",
        {"doc": doc_id, "start": start, "end": end, "id": exclude, "owner": owners[0], "me": owners[1]},
    ).fetchall()
    for other_id, o_start, o_end, o_label, _ in others:
        if (o_start, o_end, o_label) == (start, end, label):
            raise StoreError(
                f"{label} [{start}:{end}] is already there (span {other_id}); nothing was added"
            )
    if allow_overlap:
        return
    had = old is not None and old.status == "accepted"
    for other_id, o_start, o_end, o_label, o_annotator in others:
        if had and o_start < old.end and old.start < o_end:
            continue
        raise OverlapError(
            f"[{start}:{end}] overlaps {o_label} [{o_start}:{o_end}] (span {other_id}, by "
            f"{o_annotator}); choose other offsets, or allow overlapping spans"
        )


def _overlaps_any(conn: sqlite3.Connection, span: Span, me: str) -> bool:
    """Did this accepted span overlap another accepted one (so restoring it may, too)?"""
    if span.status != "accepted":
        return False
    return conn.execute(
        f"SELECT 1 FROM spans WHERE {_OVERLAPPING} AND id != :id LIMIT 1",
        {"doc": span.doc_id, "start": span.start, "end": span.end, "id": span.id,
         "owner": span.annotator, "me": me},
    ).fetchone() is not None


def _snapshot(span: Span, allow_overlap: bool) -> str:
    """The span row as JSON for the history, and whether restoring it may overlap."""
    values = dict(zip(_SPAN_FIELDS, (getattr(span, f) for f in _SPAN_FIELDS)))
    values["allow_overlap"] = bool(allow_overlap)
    return json.dumps(values, ensure_ascii=False)


def _row(snapshot: dict | None) -> tuple | None:
    return None if snapshot is None else tuple(snapshot[f] for f in _SPAN_FIELDS)


def _describe(action: str, before: dict | None, after: dict | None) -> str:
    def show(s: dict) -> str:
        extra = "" if s["status"] == "accepted" else f" ({s['status']})"
        return f"{s['label']} [{s['start']}:{s['end']}]{extra}"

    if action == "decide":
        verb = "accept" if after["decision"] == "accepted" else "reject"
        chosen = after["span"]
        relabelled = f" as {chosen['label']}" if chosen and chosen["label"] != before["label"] else ""
        return (f"{verb} suggestion {before['label']} [{before['start']}:{before['end']}] from "
                f"{before['annotator']}{relabelled}")
    if action == "add":
        return f"add {show(after)}"
    if action == "delete":
        return f"delete {show(before)}"
    return f"update {show(before)} -> {show(after)}"


def _check_offsets(start: object, end: object, length: int) -> None:
    if not (_is_int(start) and _is_int(end)):
        raise StoreError(f"span offsets must be integers, not {start!r} and {end!r}")
    if not 0 <= start < end <= length:
        raise StoreError(
            f"span [{start}:{end}] is not inside the text (offsets 0 to {length}, start before end)"
        )


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise StoreError(f"the {what} must be a non-empty string, not {name!r}")
    # Names are printed by the CLI and drawn by the app: no controls (see ``neutralised``),
    # and no invisible format characters, so two names that look the same are the same.
    if neutralised(name) != name or any(unicodedata.category(c) == "Cf" for c in name):
        raise StoreError(
            f"the {what} «{neutralised(name)}» contains control or invisible characters; "
            "remove them"
        )
    return name


#: For code that must check a name before it stores anything (e.g. an importer's line).
check_name = _check_name


def _check_choice(value: object, choices: tuple[str, ...], what: str) -> None:
    if value not in choices:
        raise StoreError(f"{what} must be one of {', '.join(choices)}, not {value!r}")


def _check_label_names(names: object) -> list[str]:
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise StoreError(f"labels must be given as a list of names, not {names!r}")
    names = [_check_name(name, "label") for name in names]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise StoreError(f"the label {name!r} is given twice; give each label once")
        seen.add(name)
    return names


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text_id(text: object) -> str:
    """A document's id: the SHA-256 of its text as UTF-8."""
    if not isinstance(text, str):
        raise StoreError(f"document text must be a str, not {type(text).__name__}")
    try:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    except UnicodeEncodeError as error:
        raise StoreError(
            f"the text has a lone surrogate at offset {error.start} and cannot be stored as UTF-8"
        ) from None


def _unknown_document(doc_id: object) -> StoreError:
    return StoreError(f"there is no document {neutralised(str(doc_id))!r} in the store; open it first")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _default_user() -> str:
    return login_name()


#: A text's document id, for code that must find a file's document without storing it.
text_id = _text_id
