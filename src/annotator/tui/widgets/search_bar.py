"""The search bar under the document: a query input and the hit count, ``3 / 17``."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static

from annotator.text.layout import LayoutOptions, visual_text

from .query_input import QueryInput


COUNT_FRAME = 6  # the count's cells besides the query and the number: « », two spaces, padding


def fitted(query: str, options: LayoutOptions, room: int) -> str:
    """The query as drawn, cut at its end in reading order (with …) to ``room`` cells."""
    shown = visual_text(query, options)
    keep = len(query)
    while cell_len(shown) > room and keep > 0:
        keep -= 1
        shown = visual_text(query[:keep] + "…", options)
    return shown


class SearchBar(Horizontal):
    """Shown while the screen has class ``-searching`` (in the legend's row); Enter searches,
    Escape closes it and clears the hits."""

    BINDINGS = [Binding("escape", "close", "Close the search", show=False)]

    class Submitted(Message):
        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    class Closed(Message):
        """The user closed the search: hits go away."""

    def __init__(self, options: LayoutOptions = LayoutOptions(), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.options = options  # how the query is drawn: as the document is

    def compose(self) -> ComposeResult:
        yield QueryInput(placeholder="search this document (harakat, tatweel and alef forms "
                         "ignored)", options=self.options, id="search-input")
        yield Static("", id="search-count")

    @property
    def input(self) -> QueryInput:
        return self.query_one(QueryInput)

    def open(self) -> None:
        self.input.focus()
        self.input.select_all()

    def show_count(self, query: str, current: int | None, total: int,
                   options: LayoutOptions = LayoutOptions()) -> None:
        """The query as the document is drawn (``options``: shaped and in visual order, or
        logical for a terminal that runs bidi), then ``3 / 17``
        (``current`` counts from 0), or ``no hits``."""
        count = "no hits" if not total else f"{'-' if current is None else current + 1} / {total}"
        # the box beside keeps at least half the bar, to show what is typed
        room = self.size.width // 2 - cell_len(count) - COUNT_FRAME
        shown = Text(f"«{fitted(query, options, room)}»  ", style="bold")
        shown.append(count)
        self.query_one("#search-count", Static).update(shown)

    def on_query_input_submitted(self, event: QueryInput.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value))

    def action_close(self) -> None:
        self.post_message(self.Closed())
