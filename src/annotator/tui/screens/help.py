"""The key help screen, generated from the bindings so it cannot drift from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from annotator.text.layout import LayoutOptions, visual_text

from .latest_size import LatestSizeModal


class HelpScreen(LatestSizeModal):
    """Every key the reader understands, with what it does."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help")]

    def __init__(self, bindings: list[Binding], notes: str = "",
                 labels: Sequence[tuple[Text, Text]] = (), mode: str = "",
                 box: list[Binding] = ()) -> None:
        """``labels``: the label keys with their names and descriptions, see label_rows.
        ``mode`` (which bidi mode is in use, how to switch) comes first: a user whose Arabic
        comes out reversed presses ? and must not have to scroll to find it.  ``box``: the
        keys of the search boxes (/ and F), listed after the labels."""
        super().__init__()
        self._listed = bindings
        self._notes = notes
        self._labels = list(labels)
        self._mode = mode
        self._box = list(box)

    def compose(self) -> ComposeResult:
        rows = self._rows(self._listed)
        box = self._rows(self._box)
        # one key column for the keys, the labels and the boxes, as wide as the widest key
        width = max(cell_len(key.plain) for key, _ in [*rows, *self._labels, *box])
        with VerticalScroll(id="help-body"):
            header = Text.assemble(("Keys", "bold"), "  (Escape closes)")
            if self._mode:
                header.append(f"\n\n{self._mode}")
            yield Static(header, id="help-header")
            yield Static(key_table(rows, width), id="help-keys")
            if self._labels:
                yield Static(Text("Labels", style="bold"), id="help-labels-title")
                yield Static(key_table(self._labels, width), id="help-labels")
            if box:
                yield Static(Text("In the search boxes (/ and F)", style="bold"), id="help-box-title")
                yield Static(key_table(box, width), id="help-box")
            yield Static(self._notes, id="help-notes")

    def _rows(self, bindings: list[Binding]) -> list[tuple[Text, Text]]:
        """A row per description: bindings sharing a description share a row."""
        keys_by_description: dict[str, list[str]] = {}
        for binding in bindings:
            keys = keys_by_description.setdefault(binding.description, [])
            keys += [self.app.get_key_display(Binding(key, "")) for key in binding.key.split(",")]
        return [(Text(_key_list(keys), style="bold"), Text(description))
                for description, keys in keys_by_description.items()]


def key_table(rows: Sequence[tuple[Text, Text]], key_width: int) -> Table:
    """Keys right-aligned in a column of their own, descriptions beside them: a long
    description wraps under its own column (a hanging indent), never under the keys.
    Texts, not markup: "[" is a key, and may be in a label's name or description."""
    table = Table.grid(padding=(0, 0, 0, 2), expand=True)
    table.add_column(justify="right", no_wrap=True, width=key_width)
    table.add_column(ratio=1, overflow="fold")
    for key, description in rows:
        table.add_row(key, description)
    return table


def label_rows(labels: list[tuple[str, str]], descriptions: Mapping[str, str],
               options: LayoutOptions) -> list[tuple[Text, Text]]:
    """One (key, label) row per label key: ``1  PER  a person, by name``, the name in the
    label's colour."""
    rows = []
    for key, (name, colour) in enumerate(labels[:9], start=1):
        label = Text(f" {visual_text(name, options)} ", style=f"black on {colour}")
        if description := descriptions.get(name):
            label.append(f"  {visual_text(description, options)}")
        rows.append((Text(str(key), style="bold"), label))
    return rows


def _key_list(keys: list[str]) -> str:
    """``1-9`` for the label keys, else the keys separated by commas."""
    if len(keys) > 2 and all(key.isdigit() for key in keys):
        return f"{keys[0]}-{keys[-1]}"
    return ", ".join(keys)
