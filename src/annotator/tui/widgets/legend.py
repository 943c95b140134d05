"""The legend: label keys and colours."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from annotator.text.glyphs import neutralised

from .label_style import chip_style


class Legend(Static):
    """The number of spans, ``1 PER  2 LOC  3 ORG  4 MISC`` in the labels' colours, and the
    overlap convention (left out when the row is too narrow for it)."""

    def show_labels(self, labels: list[tuple[str, str]], allow_overlap: bool, spans: int) -> None:
        row = Text(f"{spans} span{'' if spans == 1 else 's'}  ", style="bold", no_wrap=True,
                   overflow="ellipsis")
        for key, (name, colour) in enumerate(labels[:9], start=1):
            row.append(f" {key} ", style="bold")
            row.append(f" {neutralised(name)} ", style=chip_style(colour, self.app.no_color))
            row.append(" ")
        self._keys = row
        self._note = Text("  overlaps allowed" if allow_overlap else "  overlaps refused",
                          style="dim")
        self._draw()

    def on_resize(self) -> None:
        if hasattr(self, "_keys"):
            self._draw()

    def _draw(self) -> None:
        row = self._keys.copy()
        if row.cell_len + self._note.cell_len <= self.content_region.width:
            row.append_text(self._note)
        self.update(row)
