"""Search every stored document: hits listed per document, each with its context line
shaped and in visual order, the hit highlighted through the cell map; Enter opens one.

Documents come a page at a time from the store's FTS5 index; the hits in each are re-found
with ``fold()`` from the stored text, so they are offsets of the original text."""

from __future__ import annotations

import os
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from annotator.store import Store
from annotator.text.folding import FoldOptions
from annotator.text.layout import LayoutOptions, layout_paragraph, visual_text
from annotator.text.search import find_hits

from ..widgets.query_input import QueryInput

PAGE = 25  # documents listed at a time (a screenful and more); Enter on "more" adds a page
MAX_HITS = 50  # hit rows listed per document
COUNT_CAP = 1000  # documents counted at most: past that the summary says "1000+"
CONTEXT_MARGIN = 8  # characters laid out past half the width on each side (harakat take none)
OFFSET_WIDTH = 11  # the hit's offset before its context line


@dataclass(frozen=True, slots=True)
class CorpusHit:
    doc_id: str
    start: int
    end: int
    query: str


def context_line(text: str, start: int, end: int, options: LayoutOptions, width: int) -> Text:
    """The hit's paragraph around it as one shaped line in visual order, ``width`` columns
    at most, the hit in reverse.  The line is laid out whole, then cropped to the columns
    around the hit: cropping in visual order keeps both sides readable, where wrapping would
    put an RTL line's beginning below its end."""
    reach = width // 2 + CONTEXT_MARGIN  # characters on each side, within the paragraph
    left = max(text.rfind("\n", 0, start) + 1, start - reach)
    stop = text.find("\n", end)
    right = min(len(text) if stop < 0 else stop, end + reach)
    [line, *_] = layout_paragraph(text[left:right], left, 1 << 30, options)
    marked = set(line.cells_intersecting(start, end))
    columns = line.columns()
    hit_left = min(columns[i] for i in marked)
    hit_right = max(columns[i] + line.widths[i] for i in marked)
    first = max(0, min((hit_left + hit_right - width) // 2, line.width - width))
    row = Text()
    for index, glyph in enumerate(line.texts):
        if first <= columns[index] and columns[index] + line.widths[index] <= first + width:
            row.append(glyph, style="reverse bold" if index in marked else "")
    return row


class CorpusSearchScreen(Screen[CorpusHit | None]):
    """A query input over a list of hits grouped by document."""

    BINDINGS = [
        Binding("escape", "dismiss_none", "Back to the document"),
        # from the query (the list handles its own Down): the hits are listed already
        Binding("down", "to_hits", "Go to the hits", show=False),
    ]
    _MORE = "more"  # the row that lists the next page

    def __init__(self, store: Store, fold_options: FoldOptions, options: LayoutOptions,
                 query: str = "") -> None:
        super().__init__()
        self.store, self.fold_options, self.options = store, fold_options, options
        self._query = query
        self._rows: list[CorpusHit | str | None] = []  # per option: a hit, "more", or None
        self._matching = self._listed = self._documents = self._total = 0

    def compose(self) -> ComposeResult:
        yield Static("Search all documents: type, Enter; Enter on a hit opens it; Escape goes back",
                     id="corpus-title")
        yield QueryInput(self._query, placeholder="word or words", options=self.options,
                         id="corpus-query")
        yield Static("", id="corpus-summary")
        yield OptionList(id="corpus-hits")

    def on_mount(self) -> None:
        self.query_one(QueryInput).focus()
        if self._query.strip():
            self.search(self._query)

    def on_query_input_submitted(self, event: QueryInput.Submitted) -> None:
        event.stop()
        self.search(event.value)
        self.query_one(OptionList).focus()

    def search(self, query: str) -> None:
        self._query, self._rows = query, []
        self._matching = self.store.count_documents(query, cap=COUNT_CAP + 1)
        self._listed = self._documents = self._total = 0
        self.query_one(OptionList).clear_options()
        self._list_page()

    def _list_page(self) -> None:
        """Add the hits of the next page of documents, and a "more" row if any are left."""
        hits_list = self.query_one(OptionList)
        if self._rows and self._rows[-1] == self._MORE:
            self._rows.pop()
            hits_list.remove_option_at_index(len(self._rows))
        first_new = len(self._rows)
        ids = self.store.find_documents(self._query, limit=PAGE, offset=self._listed)
        self._listed += len(ids)
        rows = [row for doc_id in ids for row in self._document_rows(doc_id)]
        if self._listed < self._matching:
            more = self._matching - self._listed
            shown = f"{more}+" if self._matching > COUNT_CAP else str(more)
            rows.append(Option(Text(f"… {shown} more documents may match: Enter lists the "
                                    f"next {PAGE}", style="italic")))
            self._rows.append(self._MORE)
        hits_list.add_options(rows)
        self._show_summary()
        if len(self._rows) > first_new:
            hits_list.highlighted = next(
                (n for n in range(first_new, len(self._rows)) if self._rows[n] is not None), None)

    def _document_rows(self, doc_id: str) -> list[Option]:
        text = self.store.text(doc_id)
        hits = find_hits(text, self._query, self.fold_options)
        if not hits:
            return []  # the index folds more widely than this search
        self._documents, self._total = self._documents + 1, self._total + len(hits)
        name = visual_text(os.path.basename(self.store.document(doc_id).source), self.options)
        if self.store.is_superseded(doc_id):  # else it reads as the current file, twice
            name += ", an older version"
        rows = [Option(Text(f"{name}  ({len(hits)} hit{'s' if len(hits) > 1 else ''})",
                            style="bold"), disabled=True)]
        self._rows.append(None)
        for start, end in hits[:MAX_HITS]:
            row = Text(f"{start:>{OFFSET_WIDTH - 2}}  ", style="dim")
            row.append_text(context_line(text, start, end, self.options, self._context_width()))
            rows.append(Option(row))
            self._rows.append(CorpusHit(doc_id, start, end, self._query))
        return rows

    def _context_width(self) -> int:
        """Columns left for a context line in the list (its borders, scroll bar and the
        offset take the rest)."""
        return max(10, self.app.size.width - OFFSET_WIDTH - 6)

    def _show_summary(self) -> None:
        summary = (f"{self._total} hit{'s' if self._total != 1 else ''} in {self._documents} "
                   f"document{'' if self._documents == 1 else 's'}")
        if self._query.strip():
            summary = f"«{visual_text(self._query, self.options)}»: {summary}"
        if self._listed < self._matching:
            named = f"{COUNT_CAP}+" if self._matching > COUNT_CAP else str(self._matching)
            summary += f" (searched {self._listed} of the {named} the index names)"
        self.query_one("#corpus-summary", Static).update(Text(summary))

    def on_key(self, event: events.Key) -> None:
        """A letter typed in the hit list goes on with the query (after Enter the list has
        the focus, and a user refining the query types on): it is never a reader command."""
        query = self.query_one(QueryInput)
        if event.is_printable and event.character is not None and not query.has_focus:
            event.stop()
            event.prevent_default()
            query.focus()
            query.action_edge(1)
            query.insert(event.character)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        row = self._rows[event.option_index]
        if row == self._MORE:
            self._list_page()
        elif row is not None:
            self.dismiss(row)

    def action_to_hits(self) -> None:
        self.query_one(OptionList).focus()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
