"""The legend: label keys, colours and descriptions."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from annotator.text.layout import LayoutOptions, visual_text

from .field_rows import pack
from .label_style import chip_style

SEPARATOR = Text("  ")
MAX_ROWS = 2
MIN_DESCRIPTION = 10  # cells: a description cut shorter than this says little; leave it out


class Legend(Static):
    """``1 PER a person  2 LOC a place ...`` in the labels' colours, then the number of spans
    and the overlap convention.  Descriptions wrap to a second row (between labels, never inside
    one); if two rows are not enough they are cut to fit one row, or left out.  Names are never
    cut: the overlap note is left out first, then they take a second row."""

    _labels: tuple[tuple[str, str], ...] | None = None  # None until show_labels

    def show_labels(self, labels: list[tuple[str, str]], allow_overlap: bool, spans: int,
                    descriptions: Mapping[str, str] | None = None,
                    options: LayoutOptions = LayoutOptions()) -> None:
        self._labels = tuple(labels[:9])
        self._allow_overlap, self._spans, self._options = allow_overlap, spans, options
        self._descriptions = dict(descriptions or {})
        self.update(self._rows())

    def on_resize(self) -> None:
        # After this refresh: a layout asked for while one is being applied is lost, and the
        # row count may change with the width.
        self.call_after_refresh(self._refit)
        self.call_after_refresh(self._lift_toasts)

    def _lift_toasts(self) -> None:
        """Toasts stand above the legend and what is below it (the status bar) however many
        rows the legend takes: the stylesheet's fixed margin covered a second row."""
        below = self.screen.size.height - self.region.y
        if self.region.height and below > 0:
            for rack in self.screen.query("ToastRack"):  # Textual's, on this screen
                rack.styles.margin = (0, 0, below, 0)

    def _refit(self) -> None:
        if self._labels is not None:
            self.update(self._rows())

    def _rows(self) -> Text:
        """Whole descriptions in up to two rows, else cut ones in one row, else names only in
        one row, else (without the overlap note) names only in two rows."""
        width = self.content_size.width
        rows = pack(self._items(None), width, SEPARATOR)
        if len(rows) == 1 or (len(rows) <= MAX_ROWS and self._described()):
            return Text("\n").join(SEPARATOR.join(row) for row in rows)
        budget = self._description_budget(width)
        for note in (True, False):  # the overlap note is left out before a second row is spent
            row = SEPARATOR.join(self._items(budget, note))
            if row.cell_len <= width:
                return row
        # The names take a second row rather than be cut (a label key that is not on screen
        # cannot be learnt by sight), without the overlap note if it does not fit there.
        rows = pack(self._items(budget), width, SEPARATOR)
        if len(rows) > MAX_ROWS:
            rows = pack(self._items(budget, note=False), width, SEPARATOR)
        return Text("\n").join(SEPARATOR.join(row) for row in rows[:MAX_ROWS])

    def _items(self, budget: int | None, note: bool = True) -> list[Text]:
        """One item per label (descriptions cut to ``budget`` cells, whole if None, none if
        0), then the number of spans and (if ``note``) the overlap convention."""
        options, spans = self._options, self._spans
        items = []
        for key, (name, colour) in enumerate(self._labels, start=1):
            item = Text(f"{key} ", style="bold")
            item.append(f" {visual_text(name, options)} ", style=chip_style(colour, self.app.no_color))
            description = self._descriptions.get(name)
            if description and budget != 0:
                shown = _clipped(description, budget, options) if budget else visual_text(
                    description, options)
                item.append(" " + shown, style="italic")
            items.append(item)
        tail = Text(f"{spans} span{'' if spans == 1 else 's'}", style="bold")
        if note:
            tail.append(", overlaps allowed" if self._allow_overlap else ", overlaps refused",
                        style="dim")
        return [*items, tail]

    def _described(self) -> int:
        return sum(1 for name, _ in self._labels if self._descriptions.get(name))

    def _description_budget(self, width: int) -> int:
        """Cells each description may take in one row (0: none shown)."""
        described = self._described()
        if not described:
            return 0
        room = width - SEPARATOR.join(self._items(0)).cell_len - described  # a space each
        share = room // described
        return share if share >= MIN_DESCRIPTION else 0


@lru_cache(maxsize=256)
def _clipped(description: str, cells: int, options: LayoutOptions) -> str:
    """The description shaped and in visual order, cut at its logical end to ``cells``."""
    shown = visual_text(description, options)
    if cell_len(shown) <= cells:
        return shown
    low, high = 0, len(description)  # the longest logical prefix that fits with "…"
    while low < high:
        middle = (low + high + 1) // 2
        if cell_len(visual_text(description[:middle].rstrip() + "…", options)) <= cells:
            low = middle
        else:
            high = middle - 1
    return visual_text(description[:low].rstrip() + "…", options)
