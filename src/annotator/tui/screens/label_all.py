"""Asks where to suggest the other occurrences of a span's words: here, or everywhere."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.text.layout import LayoutOptions, visual_text


class LabelAllScreen(ModalScreen[str | None]):
    """Dismissed with ``"here"``, ``"all"`` or None."""

    BINDINGS = [
        Binding("h", "choose('here')", "Suggest in this document"),
        Binding("a", "choose('all')", "Suggest in all documents"),
        Binding("escape,q", "choose(None)", "Cancel"),
    ]

    def __init__(self, words: str, label: str, found: dict[str, list[tuple[int, int]]],
                 current: str, options: LayoutOptions) -> None:
        super().__init__()
        here = len(found.get(current, []))
        elsewhere = sum(len(v) for k, v in found.items() if k != current)
        others = sum(1 for k, v in found.items() if k != current and v)
        self._message = Text.assemble(
            ("Label all occurrences\n\n", "bold"),
            f"«{visual_text(words, options)}» as {label}, as suggestions (a accepts, r rejects):\n",
            f"  {here} more in this document, {elsewhere} in {others} other "
            f"document{'' if others == 1 else 's'}.\n\n",
            ("h", "bold"), " this document   ", ("a", "bold"), " all documents   ",
            ("Escape", "bold"), " cancel",
        )

    def compose(self) -> ComposeResult:
        with Vertical(id="label-all-body"):
            yield Static(self._message)

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
