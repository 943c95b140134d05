"""The undo log: the ``history`` table, one row per add/delete/update/decide with the span row
before and after (JSON), on a stack per (document, annotator).  Undo applies the inverse of
the newest entry not undone; redo re-applies the oldest undone one; a new action deletes the
undone entries.  Undo and redo put back the exact row (same id, same time stamps), and only if
the span is still as the entry left it: if someone else changed it since, the entry is
dropped with a message and their change is kept."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from .checks import StoreError
from .part import StorePart
from .records import SPAN_COLUMNS, SPAN_FIELDS, Span
from .span_rules import check_free

#: ``Store._batch`` inside ``_one_action`` before its first undo entry is recorded
_FIRST_OF_BATCH = object()


class HistoryPart(StorePart):
    """This annotator's undo and redo, and the entries every change records."""

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
        row = conn.execute(f"SELECT {SPAN_COLUMNS} FROM spans WHERE id = ?", (span_id,)).fetchone()
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
                check_free(
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
                check_free(conn, (self.annotator, self.annotator), span["doc_id"], span["start"],
                            span["end"], span["label"], "accepted", span["allow_overlap"],
                            exclude=span["id"])
            except StoreError as error:
                raise type(error)(f"cannot redo {_describe('decide', before, after)}: {error}") from None
            _restore_span(conn, span)
        conn.execute("INSERT OR REPLACE INTO decisions(suggestion_id, annotator, decision, created)"
                     " VALUES (?, ?, ?, ?)", (suggestion_id, self.annotator, after["decision"],
                                             after["created"]))


def _restore_span(conn: sqlite3.Connection, snapshot: dict) -> None:
    """Put a span back exactly as an undo snapshot holds it (same id, same time stamps)."""
    conn.execute(f"INSERT OR REPLACE INTO spans({SPAN_COLUMNS}) VALUES ({', '.join('?' * 9)})",
                 _row(snapshot))


def span_snapshot(span: Span, allow_overlap: bool) -> str:
    """The span row as JSON for the history, and whether restoring it may overlap."""
    values = dict(zip(SPAN_FIELDS, (getattr(span, f) for f in SPAN_FIELDS)))
    values["allow_overlap"] = bool(allow_overlap)
    return json.dumps(values, ensure_ascii=False)


def _row(snapshot: dict | None) -> tuple | None:
    return None if snapshot is None else tuple(snapshot[f] for f in SPAN_FIELDS)


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
