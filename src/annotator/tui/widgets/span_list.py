"""The side panel: the document's spans in reading order; Enter jumps to one."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from annotator.text.glyphs import neutralised
from annotator.text.layout import LayoutOptions, visual_text

from .votes import describe_votes

#: A review candidate's mark after its chip: = all agreed, ≠ a disagreement.
CANDIDATE_MARKS = {"agreed": " =", "disputed": " ≠"}
from .label_style import NO_LABEL_COLOUR, chip_style


class SpanList(OptionList):
    """One row per span: label, surface text (shaped, in visual order), offsets."""

    class Jump(Message):
        """The user chose a span: move the caret to ``offset``."""

        def __init__(self, offset: int) -> None:
            super().__init__()
            self.offset = offset

    _extents: list[tuple[int, int]] = []  # (start, end) of each row's span
    caret = 0
    """The document's caret offset, kept by the app: focus highlights the span under it."""

    def show_spans(self, spans: Sequence, text: str, colours: dict[str, str],
                   options: LayoutOptions) -> None:
        highlighted = self.highlighted
        self._extents = [(s.start, s.end) for s in sorted(spans, key=lambda s: (s.start, s.end))]
        self.clear_options()
        rows = []
        for span in sorted(spans, key=lambda s: (s.start, s.end)):
            row = Text()
            colour = colours.get(span.label, NO_LABEL_COLOUR)
            row.append(f" {neutralised(span.label)} ", style=chip_style(colour, self.app.no_color))
            mark = CANDIDATE_MARKS.get(span.status, " ?" if span.status == "suggested" else "")
            row.append(f"{mark} {visual_text(text[span.start:span.end], options)} ")
            row.append(f"[{span.start}:{span.end}]", style="dim")
            if span.status == "suggested":  # tell the sources apart; a name is untrusted text
                row.append(f" {visual_text(span.annotator, options)}", style="italic dim")
            elif span.status in CANDIDATE_MARKS:  # review: who gave which label
                row.append(f" {describe_votes(span, options)}", style="italic dim")
            rows.append(Option(row))
        self._offsets = [start for start, _ in self._extents]
        if not rows:  # a first-time user sees where to start
            rows = [Option(Text("No spans yet. Select text (Shift+arrows) or put the caret on a "
                                "word, then press a label key 1-9. l hides this list.",
                                style="dim"), disabled=True)]
        self.add_options(rows)
        if highlighted is not None and rows:
            self.highlighted = min(highlighted, len(rows) - 1)

    def on_focus(self) -> None:
        """Reaching the list (Tab) highlights the span under the caret, else the first one,
        so Enter jumps at once."""
        if not self._extents:
            return
        under = [i for i, (start, end) in enumerate(self._extents) if start <= self.caret < end]
        innermost = min(under, key=lambda i: self._extents[i][1] - self._extents[i][0], default=0)
        self.highlighted = innermost

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Jump(self._offsets[event.option_index]))
