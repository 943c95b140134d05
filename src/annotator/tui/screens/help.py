"""The key help screen, generated from the bindings so it cannot drift from them."""

from __future__ import annotations

from collections.abc import Mapping

from rich.markup import escape
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
                 labels: Text | None = None, mode: str = "") -> None:
        """``labels``: the label keys with their names and descriptions, see label_rows.
        ``mode`` (which bidi mode is in use, how to switch) comes first: a user whose Arabic
        comes out reversed presses ? and must not have to scroll to find it."""
        super().__init__()
        self._listed = bindings
        self._notes = notes
        self._labels = labels
        self._mode = mode

    def compose(self) -> ComposeResult:
        keys_by_description: dict[str, list[str]] = {}
        for binding in self._listed:  # bindings sharing a description share a row
            keys = keys_by_description.setdefault(binding.description, [])
            keys += [self.app.get_key_display(Binding(key, "")) for key in binding.key.split(",")]
        # "[" is a key too: escaped after padding, or markup would take it for a tag.
        rows = [f"[b]{_literal(f'{_key_list(keys):>16}')}[/b]  {_literal(description)}"
                for description, keys in keys_by_description.items()]
        with VerticalScroll(id="help-body"):
            mode = f"{escape(self._mode)}\n\n" if self._mode else ""
            yield Static(f"[b]Keys[/b]  (Escape closes)\n\n{mode}" + "\n".join(rows))
            if self._labels is not None:
                yield Static(self._labels, id="help-labels")
            yield Static(self._notes, id="help-notes")


def label_rows(labels: list[tuple[str, str]], descriptions: Mapping[str, str],
               options: LayoutOptions) -> Text:
    """``Labels`` then one row per key: ``1  PER  a person, by name``, in the label's colour.
    A Text, not markup: a "[" in a label's name or description is literal."""
    rows = Text("Labels", style="bold")
    for key, (name, colour) in enumerate(labels[:9], start=1):
        rows.append(f"\n{key:>16}  ", style="bold")
        rows.append(f" {visual_text(name, options)} ", style=f"black on {colour}")
        if description := descriptions.get(name):
            rows.append(f"  {visual_text(description, options)}")
    return rows


def _literal(text: str) -> str:
    """``text`` shown as it is inside markup."""
    return text.replace("[", "\\[")


def _key_list(keys: list[str]) -> str:
    """``1-9`` for the label keys, else the keys separated by commas."""
    if len(keys) > 2 and all(key.isdigit() for key in keys):
        return f"{keys[0]}-{keys[-1]}"
    return ", ".join(keys)
