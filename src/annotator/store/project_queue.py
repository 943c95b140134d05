"""The project queue of a corpus session (schema 2): its files in the order first given, each
row filled with its document by a background worker (``queue.py``).  Positions and progress
are this annotator's: ``meta.queue_position:NAME``, and the progress table joined on
(document, annotator), its primary key."""

from __future__ import annotations

from collections.abc import Iterable

from .checks import StoreError, text_id, utc_now
from .part import StorePart
from .records import DocumentRecord, QueueEntry, QueueRead, QueueRow

_QUEUE_COLUMNS = "position, path, doc_id, size, mtime_ns, problem"


class QueuePart(StorePart):
    """Adding files to the queue, storing what the filler read, and moving through it."""

    def enqueue(self, paths: Iterable[str]) -> None:
        """Append the paths not in the queue yet, in this order; paths already there keep
        their place (and their document)."""
        with self._reading("reading the queue") as conn:
            queued = {row[0] for row in conn.execute("SELECT path FROM queue")}
        new = [path for path in dict.fromkeys(paths) if path not in queued]
        if not new:
            return  # a corpus queued before: no write, no fsync
        now = utc_now()
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
                record, _ = self._store_text(conn, text_id(read.text), read.text, path)
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
