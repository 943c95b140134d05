"""Spans: ``[start, end)`` code-point offsets into a document's text, as the annotator adds,
changes and deletes them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .checks import check_choice, check_name, check_offsets, utc_now
from .history import span_snapshot
from .part import StorePart
from .records import SPAN_COLUMNS, SPAN_STATUSES, Span
from .span_rules import check_free, insert_span, overlaps_any, read_span


class SpansPart(StorePart):
    """Reading, adding, changing and deleting spans, each change on the undo stack."""

    def spans(self, doc_id: str, statuses: Iterable[str] = ("accepted", "suggested")) -> list[Span]:
        """The document's spans with one of ``statuses``, ordered by start, end, id."""
        statuses = tuple(statuses)
        marks = ", ".join("?" * len(statuses))
        with self._reading("reading spans") as conn:
            rows = conn.execute(
                f"SELECT {SPAN_COLUMNS} FROM spans WHERE doc_id = ? AND status IN ({marks}) "
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
        annotator = self.annotator if annotator is None else check_name(annotator, "annotator")
        check_choice(status, SPAN_STATUSES, "span status")
        with self._writing("adding spans") as conn, self._one_action():
            return self._add_spans(conn, doc_id, spans, annotator, status, allow_overlap)

    def _add_spans(
        self, conn: sqlite3.Connection, doc_id: str, spans: Iterable[tuple[int, int, str]],
        annotator: str, status: str, allow_overlap: bool,
    ) -> list[Span]:
        """Check and insert spans, with their undo entries, inside the caller's transaction."""
        added = []
        length = self._length(conn, doc_id)
        now = utc_now()
        for start, end, label in spans:
            check_name(label, "label")
            check_offsets(start, end, length)
            check_free(conn, (annotator, self.annotator), doc_id, start, end, label, status,
                       allow_overlap)
            span = insert_span(conn, (doc_id, start, end, label, annotator, status, now, now))
            self._record(conn, "add", span.id, doc_id, None, span_snapshot(span, allow_overlap), now)
            added.append(span)
        return added

    def delete_span(self, span_id: int) -> Span:
        with self._writing("deleting a span") as conn:
            span = read_span(conn, span_id)
            conn.execute("DELETE FROM spans WHERE id = ?", (span_id,))
            before = span_snapshot(span, overlaps_any(conn, span, self.annotator))
            self._record(conn, "delete", span_id, span.doc_id, before, None, utc_now())
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
            check_name(label, "label")
        if status is not None:
            check_choice(status, SPAN_STATUSES, "span status")
        with self._writing("updating a span") as conn:
            old = read_span(conn, span_id)
            start = old.start if start is None else start
            end = old.end if end is None else end
            label = old.label if label is None else label
            status = old.status if status is None else status
            if (start, end, label, status) == (old.start, old.end, old.label, old.status):
                return old
            check_offsets(start, end, self._length(conn, old.doc_id))
            owner = _owner(old, status, self.annotator)
            check_free(conn, (owner, self.annotator), old.doc_id, start, end, label,
                        status, allow_overlap, old)
            now = utc_now()
            conn.execute(
                "UPDATE spans SET start = ?, end = ?, label = ?, status = ?, annotator = ?, updated = ?"
                " WHERE id = ?",
                (start, end, label, status, owner, now, span_id),
            )
            new = Span(span_id, old.doc_id, start, end, label, owner, status, old.created, now)
            before = span_snapshot(old, overlaps_any(conn, old, self.annotator))
            self._record(conn, "update", span_id, old.doc_id, before, span_snapshot(new, allow_overlap), now)
        return new


def _owner(old: Span, status: str, me: str) -> str:
    """Whose a span is after a change: a suggestion someone accepts becomes theirs (they
    answer for it in export and agreement, and another annotator sees it as theirs)."""
    return me if old.status == "suggested" and status == "accepted" else old.annotator
