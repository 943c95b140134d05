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
        rows = []
        for binding in self._listed:
            keys = ", ".join(self.app.get_key_display(Binding(key, "")) for key in binding.key.split(","))
            rows.append(f"[b]{keys:>14}[/b]  {binding.description}")
        with VerticalScroll(id="help-body"):
            yield Static("[b]Keys[/b]  (Escape closes)\n\n" + "\n".join(rows) + "\n\n" + self._notes)
