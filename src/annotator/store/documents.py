"""Documents and each annotator's progress through them: the text stored once under its
SHA-256, a changed file becoming a new document (``previous_id``), and a (document,
annotator) row of status and caret, a missing row meaning ``new`` at offset 0."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable

from .checks import (
    StoreError,
    check_choice,
    check_name,
    is_int,
    stored_source,
    text_id,
    unknown_document,
    utc_now,
)
from .chunked import rows_in
from .fulltext import index_document
from .part import StorePart
from .records import DOCUMENT_STATUSES, PROGRESS_RANK, DocumentRecord, QueueRow

#: (doc_id, status): each document's most advanced status over its annotators, for those
#: with any progress row (the rest are new).
BEST_STATUS = (
    "SELECT doc_id, CASE max(CASE status "
    + " ".join(f"WHEN '{status}' THEN {rank}" for status, rank in PROGRESS_RANK.items())
    + " ELSE 0 END) "
    + " ".join(f"WHEN {rank} THEN '{status}'" for status, rank in PROGRESS_RANK.items())
    + " END AS status FROM progress GROUP BY doc_id"
)

# A document as one annotator (:me) sees it: their status and caret, else new at 0.
_DOC_COLUMNS = ("d.id, d.source, d.length, coalesce(p.status, 'new'), coalesce(p.caret, 0),"
                " d.first_seen, d.last_seen, d.previous_id")

_DOC_FROM = "documents AS d LEFT JOIN progress AS p ON p.doc_id = d.id AND p.annotator = :me"


class DocumentsPart(StorePart):
    """Opening, reading and listing documents; this annotator's status and caret in them."""

    def open_document(self, text: str, source: str | os.PathLike) -> tuple[DocumentRecord, DocumentRecord | None]:
        """Insert the document, or touch it if this text is already stored.

        Returns it and, if the document last opened from the same source has other text (the
        file changed), that earlier version; a new document records it as ``previous_id``.
        ``source`` is stored absolute and resolved, and is where the text was last opened from.
        """
        where = stored_source(source)
        doc_id = text_id(text)
        with self._writing("opening a document") as conn:
            return self._store_text(conn, doc_id, text, where)

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
        now = utc_now()
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
            raise unknown_document(doc_id)
        return row[0]

    def texts(self, doc_ids: list[str]) -> list[str]:
        """The texts of many documents, in the order of ``doc_ids``, in a few queries."""
        with self._reading("reading documents") as conn:
            found = dict(rows_in(conn, "SELECT id, text FROM documents WHERE id IN", doc_ids))
        missing = next((doc_id for doc_id in doc_ids if doc_id not in found), None)
        if missing is not None:
            raise unknown_document(missing)
        return [found[doc_id] for doc_id in doc_ids]

    def set_caret(self, doc_id: str, caret: int) -> None:
        """Save this annotator's caret in the document."""
        with self._writing("saving the caret") as conn:
            length = self._length(conn, doc_id)
            if not is_int(caret) or not 0 <= caret <= length:
                raise StoreError(f"caret {caret!r} is outside the document (0 to {length})")
            conn.execute(
                "INSERT INTO progress(doc_id, annotator, caret) VALUES (?, ?, ?)"
                " ON CONFLICT(doc_id, annotator) DO UPDATE SET caret = excluded.caret",
                (doc_id, self.annotator, caret),
            )

    def set_status(self, doc_id: str, status: str, *, annotator: str | None = None) -> None:
        """Set the document's status for this annotator (or ``annotator``: an import sets
        the status of the annotator its spans are stored under)."""
        check_choice(status, DOCUMENT_STATUSES, "document status")
        who = self.annotator if annotator is None else check_name(annotator, "annotator")
        with self._writing("saving the document status") as conn:
            self._length(conn, doc_id)
            conn.execute(
                "INSERT INTO progress(doc_id, annotator, status, changed) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(doc_id, annotator) DO UPDATE SET status = excluded.status,"
                " changed = excluded.changed",
                (doc_id, who, status, utc_now()),
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

    def document_ids(self, statuses: Iterable[str] = (), *, overall: bool = False) -> list[str]:
        """Ids of the stored documents (with one of ``statuses`` for this annotator, if
        given, or with ``overall`` as the most advanced status anyone has in it): those in
        the project queue in queue order, then the rest in the order they were first stored."""
        statuses = tuple(statuses)
        for status in statuses:
            check_choice(status, DOCUMENT_STATUSES, "document status")
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

    def _document(self, conn: sqlite3.Connection, doc_id: str) -> DocumentRecord:
        row = conn.execute(f"SELECT {_DOC_COLUMNS} FROM {_DOC_FROM} WHERE d.id = :id",
                           {"me": self.annotator, "id": doc_id}).fetchone()
        if row is None:
            raise unknown_document(doc_id)
        return DocumentRecord(*row)

    def _length(self, conn: sqlite3.Connection, doc_id: str) -> int:
        length = self._lengths.get(doc_id)
        if length is None:
            row = conn.execute("SELECT length FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                raise unknown_document(doc_id)
            length = self._lengths[doc_id] = row[0]
        return length
