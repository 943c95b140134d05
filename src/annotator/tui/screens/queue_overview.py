"""The queue overview: every file of the corpus with its status, spans and labels.

A QueueTable (rows drawn as they are shown: a DataTable took seconds on 10,000 rows),
filled from one query (``Store.queue_overview``).  ``f`` cycles the status filter,
``s`` the column sorted on (``r`` reverses it); Enter opens the document, Escape goes back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from annotator.store import DOCUMENT_STATUSES, QueueRow
from annotator.text.layout import LayoutOptions, visual_text
from ..widgets.field_rows import FieldRows
from ..widgets.queue_table import QueueTable

COLUMNS = ("#", "file", "status", "spans", "labels", "last change")
#: Filter values in the order ``f`` cycles through them: all, each status, then unreadable.
FILTERS = (None, *DOCUMENT_STATUSES, "unread")
KEYS = ("Enter opens", "f status filter", "s sort column", "r reverse", "Escape back")


@dataclass
class OverviewOrder:
    """What the overview shows and in which order: kept by the app for the session, so the
    overview opens as it was left."""

    filter: int = 0  # index into FILTERS
    sort: int = 0  # index into COLUMNS
    reverse: bool = False


class QueueOverview(ModalScreen[tuple[str, int] | None]):
    """Dismisses with the (doc id, queue position) chosen with Enter, or None."""

    BINDINGS = [
        Binding("escape,q,O", "dismiss(None)", "Back to the document"),
        Binding("f", "cycle_filter", "Filter by status: all, new, in progress, done, skipped, unread"),
        Binding("s", "cycle_sort", "Sort by the next column"),
        Binding("r", "reverse", "Reverse the order"),
    ]

    def __init__(self, rows: list[QueueRow], position: int | None = None,
                 options: LayoutOptions = LayoutOptions(),
                 order: OverviewOrder | None = None, *, title: str = "Queue") -> None:
        """``order`` is changed by f, s and r: pass the same one to open as left.
        ``title`` names what the rows are (the review lists only documents to review)."""
        super().__init__()
        self._title = title
        self._options = options
        self._position = position
        # One tuple per queue entry: the cells' values (as sorted) and the entry.
        self._rows = [
            (rank, os.path.basename(row.path),
             row.status.replace("_", " ") + (" (cannot read)" if row.problem else ""),
             row.spans, row.labels, row.changed[:19].replace("T", " "), row)
            for rank, row in enumerate(rows, 1)
        ]
        self._widths = [max([len(str(r[k])) for r in self._rows] or [0]) for k in range(len(COLUMNS))]
        self._done = sum(row.status == "done" for row in rows)
        self._order = OverviewOrder() if order is None else order

    def compose(self) -> ComposeResult:
        yield FieldRows(id="overview-title")
        yield QueueTable(COLUMNS, self._cell, id="overview-table")
        yield FieldRows(KEYS, id="overview-keys")

    def on_mount(self) -> None:
        self._fill()
        self.query_one(QueueTable).focus()

    def _cell(self, column: int, value: object) -> str:
        # File names and labels are untrusted text: shaped and ordered as the status bar
        # shows them, controls and bidi overrides as inert stand-ins.
        return visual_text(value, self._options) if column in (1, 4) else str(value)

    def _fill(self) -> None:
        order = self._order
        wanted = FILTERS[order.filter]
        rows = [r for r in self._rows if wanted is None or r[-1].status == wanted]
        rows.sort(key=_SORT_KEYS[order.sort], reverse=order.reverse)
        here = next((i for i, r in enumerate(rows) if r[-1].position == self._position), 0)
        self.query_one(QueueTable).set_rows(rows, self._widths, here)
        self.query_one("#overview-title", FieldRows).show_fields([
            f"{self._title}: {self._done} / {len(self._rows)} done",
            f"showing {'all' if wanted is None else wanted.replace('_', ' ')} ({len(rows)})",
            f"sorted by {COLUMNS[order.sort]}{' (reversed)' if order.reverse else ''}",
        ])

    def action_cycle_filter(self) -> None:
        self._order.filter = (self._order.filter + 1) % len(FILTERS)
        self._fill()

    def action_cycle_sort(self) -> None:
        self._order.sort = (self._order.sort + 1) % len(COLUMNS)
        self._fill()

    def action_reverse(self) -> None:
        self._order.reverse = not self._order.reverse
        self._fill()

    def on_queue_table_chosen(self, event: QueueTable.Chosen) -> None:
        row = self.query_one(QueueTable).rows[event.index][-1]
        if row.doc_id is None:
            self.notify(row.problem or "This file is not stored yet; try again in a moment",
                        severity="warning", markup=False)
            return
        self.dismiss((row.doc_id, row.position))


def _status_order(status: str) -> int:
    return FILTERS.index(status) if status in FILTERS else len(FILTERS)


_SORT_KEYS = (
    lambda r: r[0],
    lambda r: (r[1].casefold(), r[0]),
    lambda r: (_status_order(r[-1].status), r[0]),
    lambda r: (r[3], r[0]),
    lambda r: (r[4], r[0]),
    lambda r: (r[5], r[0]),
)
