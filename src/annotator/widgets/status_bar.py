"""The status bar: where the caret is, in logical terms, and what is under it."""

from __future__ import annotations

import unicodedata

from rich.text import Text
from textual.widgets import Static

from ..layout import LayoutOptions, visual_text
from ..navigation import word_at


def describe_character(ch: str) -> str:
    """``U+0644 ARABIC LETTER LAM``: what is really stored under the caret."""
    name = unicodedata.name(ch, "") or {"\n": "LINE FEED", "\t": "TAB"}.get(ch, "")
    return f"U+{ord(ch):04X} {name}".rstrip()


class StatusBar(Static):
    """One line: caret offset, direction, word and character under the caret, file."""

    def show_caret(self, source: str, text: str, caret: int, rtl: bool, options: LayoutOptions) -> None:
        word = word_at(text, caret)
        shown = visual_text(text[word[0] : word[1]], options) if word else ""
        parts = [f"offset {caret}/{len(text)}", "RTL" if rtl else "LTR"]
        if shown:
            parts.append(f"{shown} [{word[0]}:{word[1]}]")
        parts.append(describe_character(text[caret]) if caret < len(text) else "end")
        parts.append(visual_text(source, options))  # a file name is untrusted text too
        parts.append("? keys")
        self.update(Text("  │  ".join(parts)))  # Text, not markup: "[" in a name is literal
