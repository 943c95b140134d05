"""The status bar: where the caret is, in logical terms, and what is under it."""

from __future__ import annotations

import unicodedata

from rich.text import Text
from textual.widgets import Static

from annotator.text.layout import LayoutOptions, visual_text
from annotator.text.navigation import word_at


def describe_character(ch: str) -> str:
    """``U+0644 ARABIC LETTER LAM``: what is really stored under the caret."""
    name = unicodedata.name(ch, "") or {"\n": "LINE FEED", "\t": "TAB"}.get(ch, "")
    return f"U+{ord(ch):04X} {name}".rstrip()


class StatusBar(Static):
    """One line: caret offset, direction, word and character under the caret, file."""

    def show_caret(self, source: str, text: str, caret: int, rtl: bool, options: LayoutOptions,
                   *, spans=(), selection: tuple[int, int] | None = None, status: str = "",
                   suggestions_only: bool = False) -> None:
        word = word_at(text, caret)
        parts = [f"offset {caret}/{len(text)}", "RTL" if rtl else "LTR"]
        if selection is not None:
            parts.append(f"selected [{selection[0]}:{selection[1]}] "
                         f"{visual_text(text[selection[0]:selection[1]], options)}")
        elif word:
            parts.append(f"{visual_text(text[word[0]:word[1]], options)} [{word[0]}:{word[1]}]")
        for span in spans[:2]:
            if span.status == "suggested":  # whose: a source name is untrusted text too
                parts.append(f"suggested {span.label} [{span.start}:{span.end}] by "
                             f"{visual_text(span.annotator, options)}")
            else:
                parts.append(f"{span.label} [{span.start}:{span.end}]")
        parts.append(describe_character(text[caret]) if caret < len(text) else "end")
        parts.append(visual_text(source, options))  # a file name is untrusted text too
        if status:
            parts.append(status.replace("_", " "))
        if suggestions_only:
            parts.append("n/p: suggestions")
        parts.append("? keys")
        self.update(Text("  │  ".join(parts)))  # Text, not markup: "[" in a name is literal
