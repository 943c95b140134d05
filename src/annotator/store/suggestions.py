"""Suggestions and decisions (schema 5): a suggestion row (status ``suggested``, annotator =
its source) is never changed by a decision; accepting adds the accepter's own span, and
``decisions`` records who decided it, so it stays open for everyone else."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from .checks import StoreError, check_choice, check_name, check_offsets, utc_now
from .chunked import rows_in
from .history import span_snapshot
from .part import StorePart
from .records import SPAN_COLUMNS, Span
from .span_rules import check_free, insert_span, read_span

#: A suggestion source that starts with it is one person's own (``*NAME``): only NAME sees it.
PRIVATE_SOURCE_PREFIX = "*"

# An accepted span of :me's in :doc in the way of suggestion ``s``: the same offsets and label,
# or (unless :overlap) any overlap -- they decided that stretch already.  As in _OVERLAPPING,
# the longest accepted span bounds how far back one can start, so each check scans a few rows.
_MINE_IN_THE_WAY = (
    "a.doc_id = :doc AND a.start < s.end AND a.end > s.start AND a.status = 'accepted'"
    " AND a.annotator = :me AND (NOT :overlap OR (a.start = s.start AND a.end = s.end"
    " AND a.label = s.label)) AND a.start > s.start"
    " - (SELECT max(end - start) FROM spans WHERE doc_id = :doc AND status = 'accepted')"
)


class SuggestionsPart(StorePart):
    """Storing a source's suggestions, and one annotator's decisions on them."""

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
        annotator = check_name(annotator, "annotator")
        left_out = withdrawn = 0
        with self._writing("adding suggestions") as conn:
            now = utc_now()
            batch = [(doc_id, list(map(tuple, spans))) for doc_id, spans in batch]  # hashable
            ids = [doc_id for doc_id, _ in batch]
            unknown = [doc_id for doc_id in ids if doc_id not in self._lengths]
            self._lengths.update(rows_in(conn, "SELECT id, length FROM documents WHERE id IN", unknown))
            if replace:
                withdrawn = _withdraw_stale(conn, batch, annotator)
            existing: dict[str, list[tuple[int, int, str, str]]] = {}
            for row in rows_in(conn, "SELECT doc_id, start, end, label, status FROM spans"
                                " WHERE status != 'accepted' AND doc_id IN", ids):
                existing.setdefault(row[0], []).append(row[1:])
            _check_suggested_labels(batch)
            rows = []
            for doc_id, spans in batch:
                length = self._length(conn, doc_id)
                for start, end, _ in spans:
                    if not (type(start) is int and type(end) is int and 0 <= start < end <= length):
                        check_offsets(start, end, length)  # raises, saying what is wrong
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
            f"SELECT {SPAN_COLUMNS} FROM spans AS s WHERE doc_id = :doc AND status = 'suggested'"
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
        check_choice(decision, ("accepted", "rejected"), "decision")
        if label is not None:
            check_name(label, "label")
        with self._writing("deciding a suggestion") as conn:
            suggestion = read_span(conn, span_id)
            if suggestion.status != "suggested":
                raise StoreError(f"span {span_id} is not a suggestion; nothing was decided")
            done = self._decided(conn, span_id)
            if done is not None:
                raise StoreError(f"you already {done} this suggestion (span {span_id}); "
                                 "undo that first to decide again")
            return self._decide(conn, suggestion, decision, label, allow_overlap)

    def decide_suggestions(
        self, doc_id: str, annotator: str, status: str, *, allow_overlap: bool = False
    ) -> tuple[int, int]:
        """Accept or reject, for this Store's annotator, every suggestion of the source
        ``annotator`` open to them in the document (see :meth:`suggestions`), in ONE
        transaction, each decision on their undo stack.  A suggestion that cannot be
        accepted (it duplicates or, unless ``allow_overlap``, overlaps an accepted span of
        theirs -- one accepted a moment before included) stays open.  Returns
        ``(changed, left)``."""
        check_choice(status, ("accepted", "rejected"), "decision")
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
        now = utc_now()
        span = None
        if decision == "accepted":
            label = suggestion.label if label is None else label
            me = self.annotator
            check_free(conn, (me, me), suggestion.doc_id, suggestion.start, suggestion.end,
                        label, "accepted", allow_overlap)
            span = insert_span(conn, (suggestion.doc_id, suggestion.start, suggestion.end, label,
                                       me, "accepted", now, now))
        conn.execute("INSERT INTO decisions(suggestion_id, annotator, decision, created)"
                     " VALUES (?, ?, ?, ?)", (suggestion.id, self.annotator, decision, now))
        after = {"decision": decision, "created": now,
                 "span": None if span is None else json.loads(span_snapshot(span, allow_overlap))}
        self._record(conn, "decide", suggestion.id, suggestion.doc_id, span_snapshot(suggestion, False),
                     json.dumps(after, ensure_ascii=False), now)
        return span


def _check_suggested_labels(batch: list[tuple[str, list[tuple[int, int, str]]]]) -> None:
    """Every label in a batch of suggestions is a valid name (checked once per label)."""
    for label in {label for _, spans in batch for _, _, label in spans}:
        check_name(label, "label")


def _withdraw_stale(conn: sqlite3.Connection, batch: list, annotator: str) -> int:
    """Delete ``annotator``'s suggestions in the batch's documents that nobody decided and
    the batch does not propose again; how many."""
    proposed = {doc_id: set(spans) for doc_id, spans in batch}
    stale = [
        (span_id,) for span_id, doc_id, start, end, label, source in rows_in(
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
