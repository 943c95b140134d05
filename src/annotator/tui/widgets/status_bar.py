"""The status bar: where the caret is, in logical terms, and what is under it."""

from __future__ import annotations

import unicodedata

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from annotator.text.glyphs import neutralised
from annotator.text.layout import LayoutOptions, visual_text
from annotator.text.navigation import word_at

from .votes import CANDIDATE_STATUSES, describe_votes

SEPARATOR = "  │  "
TIGHT = " │ "  # the separator once nothing more can be left out
#: Fields kept however narrow the terminal: without them the bar says nothing about the caret.
KEEP = 0
#: Field kinds, dropped in this order (the first one first) until the bar fits its width.
DROP_ORDER = (
    "character", "file", "direction", "annotator", "status", "word", "others",
    "mode",  # late: S changes what n/p do, and only the bar says so once the toast is gone
    "second span",  # the outer of two spans under the caret goes before the inner one
    "span", "selected text", "progress",
    "votes",  # review: who gave the candidate under the caret which label, the reason to be there
)


def describe_character(ch: str) -> str:
    """``U+0644 ARABIC LETTER LAM``: what is really stored under the caret."""
    name = unicodedata.name(ch, "") or {"\n": "LINE FEED", "\t": "TAB"}.get(ch, "")
    return f"U+{ord(ch):04X} {name}".rstrip()


def fit(fields: list[tuple[str, str]], width: int, shorter: dict[str, str] | None = None) -> str:
    """The fields (kind, text) joined, least useful kinds dropped first until they fit in
    ``width`` cells; the kept ones (offset, selection, ``? keys``) are cut last, at the end.
    A kind with a ``shorter`` text takes it before it is dropped."""
    shown = list(fields)
    shorter = dict(shorter or {})
    for kind in DROP_ORDER:
        while cell_len(SEPARATOR.join(text for _, text in shown)) > width:
            if kind in shorter:
                short = shorter.pop(kind)
                shown = [(k, short if k == kind else text) for k, text in shown]
            else:
                if kind == DROP_ORDER[-1] and cell_len(TIGHT.join(t for _, t in shown)) <= width:
                    break  # the last field to go stays while the tight separators fit it
                shown = [field for field in shown if field[0] != kind]
                break
        else:
            break
    line = SEPARATOR.join(text for _, text in shown)
    if cell_len(line) > width:  # only the kept fields are left: tighten, then cut the middle
        line = TIGHT.join(text for _, text in shown)
    return line


class StatusBar(Static):
    """One line: caret offset, direction, word and character under the caret, file."""

    def show_caret(self, source: str, text: str, caret: int, rtl: bool, options: LayoutOptions,
                   *, spans=(), selection: tuple[int, int] | None = None, status: str = "",
                   progress: str = "", suggestions_only: bool = False,
                   offers: str = "suggestions", others=(), annotator: str = "") -> None:
        word = word_at(text, caret)
        shorter: dict[str, str] = {}
        fields = [("offset", f"offset {caret}/{len(text)}"), ("direction", "RTL" if rtl else "LTR")]
        if progress:  # the corpus queue, first as it matters most there: "3 of 340 · 12 / 340 done"
            fields.insert(0, ("progress", progress))
        if selection is not None:
            fields.append(("selection", f"selected [{selection[0]}:{selection[1]}]"))
            fields.append(("selected text", visual_text(text[selection[0]:selection[1]], options)))
        elif word:
            fields.append(("word", f"{visual_text(text[word[0]:word[1]], options)} "
                           f"[{word[0]}:{word[1]}]"))
        for kind, span in zip(("span", "second span"), spans):
            if span.status in CANDIDATE_STATUSES:  # review: who gave which label
                kind = "votes" if kind == "span" else kind
                votes = describe_votes(span, options)
                fields.append((kind, f"{neutralised(span.label)} [{span.start}:{span.end}] {votes}"))
                shorter[kind] = votes  # narrow: who gave which label is what a reviewer needs
            elif span.status == "suggested":  # whose: a source name is untrusted text too
                source = visual_text(neutralised(span.annotator), options)
                fields.append((kind, f"suggested {neutralised(span.label)} "
                               f"[{span.start}:{span.end}] by {source}"))
                # Narrow: which source matters more than the offsets (the caret's are shown)
                shorter[kind] = f"suggested {neutralised(span.label)} by {source}"
            else:
                fields.append((kind, f"{neutralised(span.label)} [{span.start}:{span.end}]"))
        for span in others[:2]:  # another annotator's, shown read-only; a name is untrusted
            fields.append(("others", f"{neutralised(span.label)} [{span.start}:{span.end}] by "
                           f"{visual_text(neutralised(span.annotator), options)} (read-only)"))
        fields.append(("character", describe_character(text[caret]) if caret < len(text) else "end"))
        fields.append(("file", visual_text(neutralised(source), options)))  # a file name is untrusted text too
        if status:
            fields.append(("status", neutralised(status.replace("_", " "))))
        if annotator:  # whose spans and progress these are (a team shares one database)
            fields.append(("annotator", f"annotator {visual_text(neutralised(annotator), options)}"))
        if suggestions_only:
            fields.append(("mode", f"n/p: {offers}"))
        fields.append(("keys", "? keys"))
        self._fields, self._shorter = fields, shorter
        self._draw()

    def on_resize(self) -> None:
        if hasattr(self, "_fields"):
            self._draw()

    def _draw(self) -> None:
        width = max(1, self.content_region.width)
        # Text, not markup: "[" in a name is literal
        self.update(Text(fit(self._fields, width, self._shorter), no_wrap=True, overflow="ellipsis"))
