"""The legend: label keys, colours and descriptions."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from annotator.text.layout import LayoutOptions, visual_text

MIN_DESCRIPTION = 10  # cells: a description cut shorter than this says little; leave it out


class Legend(Static):
    """The number of spans, ``1 PER person  2 LOC place ...`` in the labels' colours, and the
    overlap convention.  Descriptions are cut to fit one row, or left out if they cannot."""

    _shown: tuple | None = None

    def show_labels(self, labels: list[tuple[str, str]], allow_overlap: bool, spans: int,
                    descriptions: Mapping[str, str] | None = None,
                    options: LayoutOptions = LayoutOptions()) -> None:
        self._shown = (tuple(labels[:9]), allow_overlap, spans, dict(descriptions or {}), options)
        self.update(self._row())

    def on_resize(self) -> None:
        if self._shown is not None:
            self.update(self._row())

    def _row(self) -> Text:
        return self._build(self._description_budget())

    def _build(self, budget: int) -> Text:
        labels, allow_overlap, spans, descriptions, options = self._shown
        row = Text(f"{spans} span{'' if spans == 1 else 's'}  ", style="bold")
        for key, (name, colour) in enumerate(labels, start=1):
            row.append(f" {key} ", style="bold")
            row.append(f" {visual_text(name, options)} ", style=f"black on {colour}")
            if budget and descriptions.get(name):
                row.append(" " + _clipped(descriptions[name], budget, options), style="italic")
            row.append(" ")
        row.append("  overlaps allowed" if allow_overlap else "  overlaps refused", style="dim")
        return row

    def _description_budget(self) -> int:
        """Cells each description may take (0: none shown)."""
        labels, _, _, descriptions, options = self._shown
        widths = [cell_len(visual_text(descriptions[name], options))
                  for name, _ in labels if descriptions.get(name)]
        if not widths or not self.content_size.width:
            return 0
        room = self.content_size.width - self._build(0).cell_len - len(widths)  # a space each
        share = max(widths) if sum(widths) <= room else room // len(widths)
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
