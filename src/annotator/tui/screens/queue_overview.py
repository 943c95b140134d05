"""The queue overview: every file of the corpus with its status, spans and labels.

A DataTable, filled from one query (``Store.queue_overview``).  ``f`` cycles the status filter,
``s`` the column sorted on (``r`` reverses it); Enter opens the document, Escape goes back.
"""

from __future__ import annotations

import os

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from annotator.store import DOCUMENT_STATUSES, QueueRow
from annotator.text.layout import LayoutOptions, visual_text

COLUMNS = ("#", "file", "status", "spans", "labels", "last change")
#: Filter values in the order ``f`` cycles through them: all, each status, then unreadable.
FILTERS = (None, *DOCUMENT_STATUSES, "unread")


class QueueOverview(ModalScreen[str | None]):
    """Dismisses with the doc id chosen with Enter, or None."""

    BINDINGS = [
        Binding("escape,q,O", "dismiss(None)", "Back to the document"),
        Binding("f", "cycle_filter", "Filter by status: all, new, in progress, done, skipped, unread"),
        Binding("s", "cycle_sort", "Sort by the next column"),
        Binding("r", "reverse", "Reverse the order"),
    ]

    def __init__(self, rows: list[QueueRow], position: int | None = None,
                 options: LayoutOptions = LayoutOptions()) -> None:
        super().__init__()
        self._rows = rows
        self._rank = {row.position: rank for rank, row in enumerate(rows, 1)}
        self._options = options
        self._position = position
        self._filter = 0
        self._sort = 0
        self._reverse = False

    def compose(self) -> ComposeResult:
        yield Static(id="overview-title")
        yield DataTable(id="overview-table", cursor_type="row", zebra_stripes=True)
        yield Static("Enter opens  │  f status filter  │  s sort column  │  r reverse  │  "
                     "Escape back", id="overview-keys")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        self._fill()
        table.focus()

    def _shown_rows(self) -> list[QueueRow]:
        wanted = FILTERS[self._filter]
        rows = [r for r in self._rows if wanted is None or r.status == wanted]
        key = _SORT_KEYS[self._sort]
        return sorted(rows, key=key, reverse=self._reverse)

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        rows = self._shown_rows()
        table.add_rows([self._cells(row) for row in rows])
        self._visible = rows  # the table's row i is self._visible[i]
        done = sum(r.status == "done" for r in self._rows)
        wanted = FILTERS[self._filter]
        self.query_one("#overview-title", Static).update(Text(
            f"Queue: {done} / {len(self._rows)} done  │  showing "
            f"{'all' if wanted is None else wanted.replace('_', ' ')} ({len(rows)})  │  "
            f"sorted by {COLUMNS[self._sort]}{' (reversed)' if self._reverse else ''}"
        ))
        here = next((i for i, r in enumerate(rows) if r.position == self._position), 0)
        if rows:
            table.move_cursor(row=here, animate=False)

    def action_cycle_filter(self) -> None:
        self._filter = (self._filter + 1) % len(FILTERS)
        self._fill()

    def action_cycle_sort(self) -> None:
        self._sort = (self._sort + 1) % len(COLUMNS)
        self._fill()

    def action_reverse(self) -> None:
        self._reverse = not self._reverse
        self._fill()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        self._reverse = not self._reverse if event.column_index == self._sort else False
        self._sort = event.column_index
        self._fill()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self._visible[event.cursor_row]
        if row.status == "unread":
            self.notify(row.problem or "This file is not stored yet; try again in a moment",
                        severity="warning")
            return
        self.dismiss(row.doc_id)

    def _cells(self, row: QueueRow) -> tuple:
        # File names and labels are untrusted text: shaped and ordered as the status bar
        # shows them, controls and bidi overrides as inert stand-ins; Text, not markup.
        name = visual_text(os.path.basename(row.path), self._options)
        status = row.status.replace("_", " ") + (" (cannot read)" if row.problem else "")
        return (self._rank[row.position], Text(name), status, row.spans,
                Text(visual_text(row.labels, self._options)), row.changed[:19].replace("T", " "))


_SORT_KEYS = (
    lambda r: r.position,
    lambda r: os.path.basename(r.path).casefold(),
    lambda r: (FILTERS.index(r.status) if r.status in FILTERS else len(FILTERS), r.position),
    lambda r: (r.spans, r.position),
    lambda r: (r.labels, r.position),
    lambda r: (r.changed, r.position),
)
