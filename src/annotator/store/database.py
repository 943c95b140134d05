"""The store: SQLite persistence for documents, spans, the undo log and the label set.

This module opens the database and holds the connection; the :class:`Store` is made of one
part per concern, each in its own module with its SQL: ``documents``, ``spans`` (with
``span_rules``), ``suggestions``, ``history`` (undo), ``project_queue``, ``labels`` and the
search in ``fulltext``.  ``records`` holds what they hand out, ``checks`` what every value
passes, ``schema`` the tables and migrations.

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

import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from annotator.text.glyphs import neutralised

from .checks import StoreError, check_name
from .documents import DocumentsPart
from .fulltext import SearchPart
from .history import HistoryPart
from .imports import ImportsPart
from .labels import LabelsPart
from .project_queue import QueuePart
from .read_only import connect_read_only, on_read_only_disk
from .schema import MIGRATIONS, SCHEMA_VERSION, login_name, schema_version, transaction
from .spans import SpansPart
from .suggestions import SuggestionsPart

__all__ = ["BUSY_TIMEOUT_S", "Store"]

#: How long a write waits for another process's transaction before giving up.
BUSY_TIMEOUT_S = 30.0

_SQLITE_MAGIC = b"SQLite format 3\x00"


class Store(DocumentsPart, SpansPart, SuggestionsPart, HistoryPart, QueuePart, LabelsPart,
            SearchPart, ImportsPart):
    """Documents, spans, undo history and labels in one SQLite file: this class opens it and
    holds the connection; what it stores is in its parts (see the module's docstring)."""

    SCHEMA_VERSION = SCHEMA_VERSION

    def __init__(self, path: str | os.PathLike = "annotations.db", annotator: str | None = None) -> None:
        self.path = Path(os.fsdecode(path))
        self._shown = neutralised(os.fsdecode(path))
        self.annotator = check_name(login_name() if annotator is None else annotator, "annotator")
        self._lock = threading.RLock()
        self._lengths: dict[str, int] = {}  # a document's text never changes, nor its length
        self._conn: sqlite3.Connection | None = None
        self._batch: object = None  # the undo entry that entries of one action point at
        if _preflight(self.path, self._refuse):
            self._inspect_read_only()
        self._conn = self._connect()

    def _refuse(self, problem: str) -> StoreError:
        return StoreError(f"{self._shown}: {problem}")

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

    def data_version(self) -> int:
        """Changes when another connection commits: poll it to know when to reload."""
        with self._reading("checking for changes") as conn:
            return conn.execute("PRAGMA data_version").fetchone()[0]


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
    if on_read_only_disk(path):
        raise refuse("is on a read-only disk, and every action is saved as it is made; copy it "
                     "to a writable disk, or read it where it is with annotator export or stats")
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

