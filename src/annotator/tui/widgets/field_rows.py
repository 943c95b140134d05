"""Fields in as many rows as the width needs, each row breaking only between fields.

A key line cut at the screen's edge hides the keys at its end; wrapped as words, it splits
a key from what it does.  Packed between fields, every field stays whole.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static


def pack(items: Sequence[Text], width: int, separator: Text) -> list[list[Text]]:
    """Items into rows of ``width`` cells, in order, a row breaking only between items."""
    rows: list[list[Text]] = [[]]
    used = 0
    for item in items:
        needed = item.cell_len + (separator.cell_len if rows[-1] else 0)
        if rows[-1] and width and used + needed > width:
            rows.append([])
            needed, used = item.cell_len, 0
        rows[-1].append(item)
        used += needed
    return rows


class FieldRows(Static):
    """Fields joined by a separator, packed into rows that fit the widget's width (give it
    ``height: auto``); packed again when the width changes."""

    def __init__(self, fields: Sequence[str | Text] = (), separator: str = "  │  ",
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self._separator = Text(separator)
        self._fields = [Text(f) if isinstance(f, str) else f for f in fields]

    def show_fields(self, fields: Sequence[str | Text]) -> None:
        self._fields = [Text(f) if isinstance(f, str) else f for f in fields]
        self._repack()

    def on_mount(self) -> None:
        self._repack()

    def on_resize(self) -> None:
        # After this refresh: a layout asked for while one is being applied is lost.
        self.call_after_refresh(self._repack)

    def _repack(self) -> None:
        rows = pack(self._fields, self.content_size.width, self._separator)
        self.update(Text("\n").join(self._separator.join(row) for row in rows))
