"""``annotator merge``: the union of annotation databases made offline by several people.

Documents are matched by their id (the SHA-256 of their text) and spans by their identity
(document, annotator, start, end, label).  Running a merge twice adds nothing.  Two
databases that hold the same (document, annotator, start, end) with another label or status
are a conflict: it is reported by document and offsets, and the version already in the
output is kept -- never resolved silently.  Progress rows (document, annotator: status,
caret) are united the same way; where two databases give an annotator different statuses in
a document the more advanced one wins (PROGRESS_RANK: done, skipped, in progress, new) and
the difference is reported.  The inputs' queues are united too: each path once, in the
first input's order and then the others'.  An annotator's decisions on suggestions follow the suggestion
by its identity; one decided both ways keeps the merged decision and is reported.  The inputs are opened read-only; the output is
built in a temporary file beside it and renamed over it only when complete.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from annotator.text.glyphs import neutralised as _show

from .checks import StoreError
from .database import Store
from .leftovers import LockedTemp, remove_leftovers
from .read_only import connect_read_only
from .records import PROGRESS_RANK
from .schema import SCHEMA_VERSION, schema_version, transaction

__all__ = ["MergeSummary", "merge_databases"]

_DOC_FIELDS = "id, text, length, source, first_seen, last_seen, previous_id"
_PROGRESS_FIELDS = "doc_id, annotator, status, caret, changed"
_QUEUE_FIELDS = "path, doc_id, size, mtime_ns, problem, added"
_SPAN_FIELDS = "doc_id, start, end, label, annotator, status, created, updated"
_DECISION_FIELDS = "s.doc_id, s.start, s.end, s.label, s.annotator, d.annotator, d.decision, d.created"


@dataclass
class MergeSummary:
    documents: int = 0
    spans: int = 0
    same: int = 0
    conflicts: list[str] = field(default_factory=list)

    def line(self, output: str) -> str:
        conflicts = len(self.conflicts)
        return (f"merged into {output}: {self.documents} new document{'s' * (self.documents != 1)}, "
                f"{self.spans} new span{'s' * (self.spans != 1)}, {self.same} already there, "
                f"{conflicts} conflict{'s' * (conflicts != 1)}")


def merge_databases(
    inputs: Sequence[str | os.PathLike],
    output: str | os.PathLike,
    report: Callable[[str], None] = lambda message: None,
) -> MergeSummary:
    """Merge ``inputs`` into ``output`` (created, or added to if it exists)."""
    target = _writable_target(Path(os.fsdecode(output)))
    sources = [_readable_source(Path(os.fsdecode(path))) for path in inputs]
    if target in sources:
        raise StoreError(f"{_show(str(output))}: is also an input; write the merge to another file")
    summary = MergeSummary()
    mode = _mode_for(target)
    if removed := remove_leftovers(target, ".merging"):
        report(f"removed {len(removed)} file{'s' * (len(removed) != 1)} that a merge stopped "
               f"before it finished left beside {_show(str(target))}: {', '.join(removed)}")
    try:
        temp = LockedTemp.beside(target, ".merging")
    except OSError as error:
        raise StoreError(f"{_show(os.fsdecode(output))}: cannot write in its folder "
                         f"({_show(error.strerror or str(error))}); nothing was changed") from None
    os.close(temp.fd)
    try:
        _merge_into(temp.path, target, sources, summary, report)
        _fsync(temp.path)
        os.chmod(temp.path, mode)
        os.replace(temp.path, target)
    except (sqlite3.Error, OSError) as error:  # the output's: inputs are checked on opening
        raise _output_failure(output, error) from None
    finally:
        Path(temp.path).unlink(missing_ok=True)  # gone already once renamed
        temp.release()
    return summary


def _merge_into(temp: str, target: Path, sources: list[Path], summary: MergeSummary,
                report: Callable[[str], None]) -> None:
    if target.exists():
        _copy(target, Path(temp))
    try:
        Store(temp, annotator="merge").close()  # creates or upgrades the schema
    except StoreError as error:  # name the output the user gave, not the temporary file
        raise StoreError(str(error).replace(_show(temp), _show(str(target)))) from None
    conn = sqlite3.connect(temp, isolation_level=None)
    try:
        for source in sources:
            with transaction(conn):
                _merge_one(conn, source, summary, report)
    finally:
        conn.close()


def _output_failure(output: str | os.PathLike, error: sqlite3.Error | OSError) -> StoreError:
    shown = _show(os.fsdecode(output))
    text = error.strerror or str(error) if isinstance(error, OSError) else str(error)
    if "not a database" in text or "malformed" in text:
        why = "is not an SQLite database (or is damaged); give a new file or an annotation database"
    elif "full" in text or "No space" in text:
        why = "the disk is full; free some space and merge again"
    else:
        why = f"merging failed ({_show(text)})"
    return StoreError(f"{shown}: {why}; it was left as it was")


def _mode_for(target: Path) -> int:
    """The output keeps its permissions, or a new one gets the umask's (not mkstemp's 0600,
    which would lock the rest of the team out of a shared database)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _writable_target(path: Path) -> Path:
    shown = _show(str(path))
    real = Path(os.path.realpath(path))  # through a symlink: replace the file it points to
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        if not real.parent.is_dir():
            raise StoreError(f"{shown}: its folder does not exist; give another output path") from None
        return real
    if not stat.S_ISREG(mode):
        raise StoreError(f"{shown}: is not a regular file; give the path of a database file")
    wal = real.with_name(real.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        # Someone has it open (or crashed with it open): their log would be replayed over
        # the merged file.  Opening and closing it in annotator checkpoints the log.
        raise StoreError(f"{shown}: is open in another program (it has a write-ahead log); "
                         "close it, or open and quit it once, then merge again")
    return real


def _readable_source(path: Path) -> Path:
    shown = _show(str(path))
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise StoreError(f"{shown}: cannot read it ({_show(error.strerror or str(error))})") from None
    if not stat.S_ISREG(mode):
        raise StoreError(f"{shown}: is not a regular file; give annotation database files")
    return Path(os.path.realpath(path))


def _open_input(path: Path) -> sqlite3.Connection:
    """A read-only connection; an older schema is read through an upgraded temporary copy."""
    shown = _show(str(path))
    try:
        conn = connect_read_only(path, isolation_level=None)
        version = schema_version(conn, lambda problem: StoreError(f"{shown}: {problem}"))
    except sqlite3.OperationalError as error:  # e.g. a log it cannot read on a read-only disk
        raise StoreError(f"{shown}: cannot read it ({_show(str(error))})") from None
    except sqlite3.DatabaseError:
        raise StoreError(f"{shown}: is not an SQLite database; give annotation database files") from None
    if version == 0:
        conn.close()
        raise StoreError(f"{shown}: is an empty database; nothing to merge")
    if version < SCHEMA_VERSION:
        conn.close()
        raise StoreError(
            f"{shown}: was written by an older annotator (schema {version}); open it once with "
            f"this one (e.g. annotator stats --db {shown}) to upgrade it, then merge")
    return conn


def _merge_one(conn: sqlite3.Connection, source: Path, summary: MergeSummary,
               report: Callable[[str], None]) -> None:
    reader = _open_input(source)
    try:
        reader.execute("BEGIN")  # one snapshot of the input
        _merge_labels(conn, reader)
        for row in reader.execute(f"SELECT {_DOC_FIELDS} FROM documents ORDER BY rowid"):
            _merge_document(conn, row, summary)
        _merge_queue(conn, reader)
        for row in reader.execute(f"SELECT {_SPAN_FIELDS} FROM spans ORDER BY doc_id, start, id"):
            _merge_span(conn, row, source, summary, report)
        for row in reader.execute(f"SELECT {_PROGRESS_FIELDS} FROM progress ORDER BY doc_id, annotator"):
            _merge_progress(conn, row, source, report)
        for row in reader.execute(f"SELECT {_DECISION_FIELDS} FROM decisions AS d JOIN spans AS s"
                                  " ON s.id = d.suggestion_id ORDER BY s.doc_id, s.start, d.annotator"):
            _merge_decision(conn, row, source, report)
        reader.execute("COMMIT")
    finally:
        reader.close()


def _merge_labels(conn: sqlite3.Connection, reader: sqlite3.Connection) -> None:
    known = {name for (name,) in conn.execute("SELECT name FROM labels")}
    position = conn.execute("SELECT coalesce(max(position) + 1, 0) FROM labels").fetchone()[0]
    for name, color in reader.execute("SELECT name, color FROM labels ORDER BY position"):
        if name not in known:
            conn.execute("INSERT INTO labels(name, position, color) VALUES (?, ?, ?)",
                         (name, position, color))
            known.add(name)
            position += 1


def _merge_queue(conn: sqlite3.Connection, reader: sqlite3.Connection) -> None:
    """The input's queue entries whose path is not queued yet, appended in its order (with
    the document each was stored as), so the merged database opens on the same corpus."""
    # position is the INTEGER PRIMARY KEY: a new row takes max + 1, after everything queued;
    # a path already queued (UNIQUE) keeps its place and its document.
    conn.executemany(f"INSERT OR IGNORE INTO queue({_QUEUE_FIELDS}) VALUES (?, ?, ?, ?, ?, ?)",
                     reader.execute(f"SELECT {_QUEUE_FIELDS} FROM queue ORDER BY position").fetchall())


def _merge_document(conn: sqlite3.Connection, row: tuple, summary: MergeSummary) -> None:
    doc_id, previous = row[0], row[6]
    if conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is None:
        if previous is not None and conn.execute(
                "SELECT 1 FROM documents WHERE id = ?", (previous,)).fetchone() is None:
            row = (*row[:6], None)  # its earlier version is not in the output (yet)
        conn.execute(f"INSERT INTO documents({_DOC_FIELDS}) VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        summary.documents += 1


def _merge_progress(conn: sqlite3.Connection, row: tuple, source: Path,
                    report: Callable[[str], None]) -> None:
    """One annotator's status and caret in a document: added, or the more advanced status
    kept (with its caret), and a difference reported."""
    doc_id, annotator, status = row[:3]
    have = conn.execute("SELECT status FROM progress WHERE doc_id = ? AND annotator = ?",
                        (doc_id, annotator)).fetchone()
    if have is None:
        conn.execute(f"INSERT INTO progress({_PROGRESS_FIELDS}) VALUES (?, ?, ?, ?, ?)", row)
        return
    if have[0] == status:
        return
    rank = PROGRESS_RANK.get
    kept = status if rank(status, 0) > rank(have[0], 0) else have[0]
    report(f"status of document {doc_id[:12]} for {_show(annotator)}: {_show(status)} in "
           f"{_show(source.name)}, {_show(have[0])} already merged; kept {_show(kept)}")
    if kept == status:
        conn.execute("UPDATE progress SET status = ?, caret = ?, changed = ?"
                     " WHERE doc_id = ? AND annotator = ?", (*row[2:], doc_id, annotator))


def _merge_span(conn: sqlite3.Connection, row: tuple, source: Path, summary: MergeSummary,
                report: Callable[[str], None]) -> None:
    doc_id, start, end, label, annotator, status = row[:6]
    versions = conn.execute(
        "SELECT label, status FROM spans WHERE doc_id = ? AND annotator = ? AND start = ? AND end = ?",
        (doc_id, annotator, start, end),
    ).fetchall()
    if (label, status) in versions:
        summary.same += 1
        return
    if versions:
        theirs = ", ".join(f"{_show(l)} ({s})" for l, s in versions)
        message = (f"conflict in document {doc_id[:12]} [{start}:{end}] by {_show(annotator)}: "
                   f"{_show(label)} ({status}) in {_show(source.name)}, {theirs} already merged; "
                   "kept the merged one")
        summary.conflicts.append(message)
        report(message)
        return
    conn.execute(f"INSERT INTO spans({_SPAN_FIELDS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
    summary.spans += 1


def _merge_decision(conn: sqlite3.Connection, row: tuple, source: Path,
                    report: Callable[[str], None]) -> None:
    """One annotator's decision on a suggestion, attached to the same suggestion merged."""
    *identity, annotator, decision, created = row
    [suggestion] = conn.execute(
        "SELECT id FROM spans WHERE doc_id = ? AND start = ? AND end = ? AND label = ?"
        " AND annotator = ? AND status = 'suggested' ORDER BY id LIMIT 1", identity).fetchone() or [None]
    if suggestion is None:
        return  # the suggestion lost a conflict: the merged version is not a suggestion
    have = conn.execute("SELECT decision FROM decisions WHERE suggestion_id = ? AND annotator = ?",
                        (suggestion, annotator)).fetchone()
    if have is None:
        conn.execute("INSERT INTO decisions(suggestion_id, annotator, decision, created)"
                     " VALUES (?, ?, ?, ?)", (suggestion, annotator, decision, created))
    elif have[0] != decision:
        doc_id, start, end = identity[:3]
        report(f"decision on the suggestion in document {doc_id[:12]} [{start}:{end}] by "
               f"{_show(annotator)}: {decision} in {_show(source.name)}, {have[0]} already "
               "merged; kept the merged one")


def _copy(source: Path, destination: Path) -> None:
    """A consistent copy of a live database (its WAL included), by SQLite's backup API."""
    src = connect_read_only(source)
    dst = sqlite3.connect(destination)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
