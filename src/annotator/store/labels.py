"""The label set: names in legend order, each with a colour from a palette chosen so that
terminals with 16 or 256 colours still tell them apart."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping

from annotator.text.glyphs import neutralised

from .checks import StoreError, check_label_names
from .part import StorePart

DEFAULT_LABELS = ("PER", "LOC", "ORG", "MISC")

#: Colours given to labels in order; a new label takes the first one not in use.  Chosen so
#: that terminals with 16 or 256 colours still tell them apart: their 16-colour downgrades are
#: ANSI 12, 11, 10, 9, 13, 14, 3, 6, 15, 5 -- never 0 (black text, the background) nor 8 (the
#: bars' grey) -- and black chip text stays readable on each.
PALETTE = (
    "#5b8ff9", "#f2d45c", "#5fd35f", "#f25f5c", "#e377c2",
    "#5fd7d7", "#d47f2a", "#2aa198", "#dddddd", "#aa44aa",
)

#: The palette before it was chosen for 16-colour terminals (Tableau 10): databases made then
#: still hold these, and each is read as the new colour in its place.
_OLD_PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1",
    "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac",
)

_RENEWED_COLOURS = dict(zip(_OLD_PALETTE, PALETTE))

_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")  # how the label table stores a colour


class LabelsPart(StorePart):
    """Reading and replacing the label set."""

    def labels(self) -> list[tuple[str, str]]:
        """The label set as (name, colour) in legend order; the defaults if none was set."""
        with self._reading("reading labels") as conn:
            return self._labels(conn)

    def set_labels(self, names: list[str], colors: Mapping[str, str] | None = None) -> None:
        """Replace the label set.  A label takes its colour from ``colors`` ("#rrggbb"), else
        keeps the one it had, else the first free one of the palette.  Spans that use a label
        left out keep it."""
        names = check_label_names(names)
        if not names:
            raise StoreError("the label set cannot be empty; give at least one label")
        colors = dict(colors or {})
        for name, color in colors.items():
            if not isinstance(color, str) or not _HEX_COLOR.fullmatch(color):
                raise StoreError(f"the colour of label {neutralised(str(name))!r} must be "
                                 f"#rrggbb, not {neutralised(repr(color))}")
        with self._writing("saving labels") as conn:
            self._save_labels(conn, {**dict(self._labels(conn)), **colors}, names)

    def add_labels(self, names: list[str]) -> None:
        """Append the names not yet in the label set."""
        names = check_label_names(names)
        with self._writing("saving labels") as conn:
            colours = dict(self._labels(conn))
            self._save_labels(conn, colours, [*colours, *(n for n in names if n not in colours)])

    def _labels(self, conn: sqlite3.Connection) -> list[tuple[str, str]]:
        rows = conn.execute("SELECT name, color FROM labels ORDER BY position").fetchall()
        # Colours are only ever given from a palette, so an old default maps one to one.
        rows = [(name, _RENEWED_COLOURS.get(colour, colour)) for name, colour in rows]
        return rows or list(zip(DEFAULT_LABELS, PALETTE))

    def _save_labels(self, conn: sqlite3.Connection, colours: dict[str, str], names: list[str]) -> None:
        kept = {colours[name] for name in names if name in colours}
        free = [colour for colour in PALETTE if colour not in kept] or list(PALETTE)
        rows = []
        for position, name in enumerate(names):
            colour = colours.get(name)
            if colour is None:
                colour = free.pop(0) if free else PALETTE[position % len(PALETTE)]
            rows.append((name, position, colour))
        if rows == conn.execute("SELECT name, position, color FROM labels ORDER BY position").fetchall():
            return  # the same set (a project file read at each start): no write, no reload elsewhere
        conn.execute("DELETE FROM labels")
        conn.executemany("INSERT INTO labels(name, position, color) VALUES (?, ?, ?)", rows)
