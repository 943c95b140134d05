"""The key help screen, generated from the bindings so it cannot drift from them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    """Every key the reader understands, with what it does."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help")]

    def __init__(self, bindings: list[Binding], notes: str = "") -> None:
        super().__init__()
        self._listed = bindings
        self._notes = notes

    def compose(self) -> ComposeResult:
        keys_by_description: dict[str, list[str]] = {}
        for binding in self._listed:  # bindings sharing a description share a row
            keys = keys_by_description.setdefault(binding.description, [])
            keys += [self.app.get_key_display(Binding(key, "")) for key in binding.key.split(",")]
        # "[" is a key too: escaped after padding, or markup would take it for a tag.
        rows = [f"[b]{_literal(f'{_key_list(keys):>16}')}[/b]  {_literal(description)}"
                for description, keys in keys_by_description.items()]
        with VerticalScroll(id="help-body"):
            yield Static("[b]Keys[/b]  (Escape closes)\n\n" + "\n".join(rows) + "\n\n" + self._notes)


def _literal(text: str) -> str:
    """``text`` shown as it is inside markup."""
    return text.replace("[", "\\[")


def _key_list(keys: list[str]) -> str:
    """``1-9`` for the label keys, else the keys separated by commas."""
    if len(keys) > 2 and all(key.isdigit() for key in keys):
        return f"{keys[0]}-{keys[-1]}"
    return ", ".join(keys)
