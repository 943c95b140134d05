"""The rule that keeps accepted spans apart, and reading and writing one span row.  The
duplicate and overlap checks run inside the caller's writing transaction, so two processes
can never both add overlapping spans."""

from __future__ import annotations

import sqlite3

from .checks import OverlapError, StoreError
from .records import SPAN_COLUMNS, Span

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


def insert_span(conn: sqlite3.Connection, values: tuple) -> Span:
    """Insert a new span, ``values`` in column order after its id."""
    cursor = conn.execute(
        "INSERT INTO spans(doc_id, start, end, label, annotator, status, created, updated)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)
    return Span(cursor.lastrowid, *values)


def read_span(conn: sqlite3.Connection, span_id: int) -> Span:
    row = conn.execute(f"SELECT {SPAN_COLUMNS} FROM spans WHERE id = ?", (span_id,)).fetchone()
    if row is None:
        raise StoreError(f"there is no span {span_id!r}; it may have been deleted")
    return Span(*row)


def check_free(
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


def overlaps_any(conn: sqlite3.Connection, span: Span, me: str) -> bool:
    """Did this accepted span overlap another accepted one (so restoring it may, too)?"""
    if span.status != "accepted":
        return False
    return conn.execute(
        f"SELECT 1 FROM spans WHERE {_OVERLAPPING} AND id != :id LIMIT 1",
        {"doc": span.doc_id, "start": span.start, "end": span.end, "id": span.id,
         "owner": span.annotator, "me": me},
    ).fetchone() is not None
