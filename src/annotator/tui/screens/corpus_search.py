"""Search every stored document: hits listed per document, each with its context line
shaped and in visual order, the hit highlighted through the cell map; Enter opens one."""

from __future__ import annotations

import os
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.store import Store
from annotator.text.folding import FoldOptions
from annotator.text.layout import LayoutOptions, layout_paragraph, visual_text
from annotator.text.search import find_hits

MAX_DOCUMENTS = 50  # documents whose hits are listed (the count covers them all)
MAX_ROWS = 1000  # hit rows listed in all
CONTEXT = 40  # characters of context on each side of a hit, within its paragraph


@dataclass(frozen=True, slots=True)
class CorpusHit:
    doc_id: str
    start: int
    end: int
    query: str


def context_line(text: str, start: int, end: int, options: LayoutOptions) -> Text:
    """The hit's paragraph around it, as one shaped line in visual order, the hit reversed."""
    left = max(text.rfind("\n", 0, start) + 1, start - CONTEXT)
    stop = text.find("\n", end)
    right = min(len(text) if stop < 0 else stop, end + CONTEXT)
    [line, *_] = layout_paragraph(text[left:right], left, 1 << 30, options)
    marked = set(line.cells_intersecting(start, end))
    row = Text()
    for index, glyph in enumerate(line.texts):
        row.append(glyph, style="reverse bold" if index in marked else "")
    return row


class CorpusSearchScreen(Screen[CorpusHit | None]):
    """A query input over a list of hits grouped by document."""

    BINDINGS = [Binding("escape", "dismiss_none", "Back to the document")]

    def __init__(self, store: Store, fold_options: FoldOptions, options: LayoutOptions,
                 query: str = "") -> None:
        super().__init__()
        self.store, self.fold_options, self.options = store, fold_options, options
        self._initial = query
        self._hits: list[CorpusHit | None] = []  # per option row; None for a heading

    def compose(self) -> ComposeResult:
        yield Static("Search all documents: type, Enter; Enter on a hit opens it; Escape goes back",
                     id="corpus-title")
        yield Input(value=self._initial, placeholder="word or words", id="corpus-query")
        yield Static("", id="corpus-summary")
        yield OptionList(id="corpus-hits")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self._initial.strip():
            self.search(self._initial)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.search(event.value)
        self.query_one(OptionList).focus()

    def search(self, query: str) -> None:
        rows: list[Option] = []
        self._hits = []
        documents = total = 0
        matching = self.store.count_documents(query)
        for doc_id in self.store.find_documents(query, limit=MAX_DOCUMENTS):
            text = self.store.text(doc_id)
            hits = find_hits(text, query, self.fold_options)
            if not hits:
                continue  # the index folds more widely than this search
            documents, total = documents + 1, total + len(hits)
            if len(rows) >= MAX_ROWS:
                continue
            name = visual_text(os.path.basename(self.store.document(doc_id).source), self.options)
            rows.append(Option(Text(f"{name}  ({len(hits)} hit{'s' if len(hits) > 1 else ''})",
                                    style="bold"), disabled=True))
            self._hits.append(None)
            for start, end in hits[: MAX_ROWS - len(rows)]:
                row = Text(f"  {start:>7}  ", style="dim")
                row.append_text(context_line(text, start, end, self.options))
                rows.append(Option(row))
                self._hits.append(CorpusHit(doc_id, start, end, query))
        summary = f"{total} hit{'s' if total != 1 else ''} in {documents} document" + \
            ("" if documents == 1 else "s")
        if matching > MAX_DOCUMENTS:
            summary += (f" (the first {MAX_DOCUMENTS} of the {matching} documents that match; "
                        "add words to narrow the search)")
        self.query_one("#corpus-summary", Static).update(Text(summary))
        hits = self.query_one(OptionList)
        hits.clear_options()
        hits.add_options(rows)
        if rows:
            hits.highlighted = 1  # the first hit, under its document's heading

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        hit = self._hits[event.option_index]
        if hit is not None:
            self.dismiss(hit)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
