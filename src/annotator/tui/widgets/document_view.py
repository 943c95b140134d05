"""The document view: a Line API ScrollView that draws only the rows on screen.

Layout is per paragraph, on demand and cached (``DocumentLayout``), so opening a 10 MB file
lays out one screenful.  The caret is a logical offset; arrow keys move it in reading order,
mapped by the direction of the caret's paragraph: in a right-to-left paragraph Left moves
forward (to the next character read), as the text runs leftwards.

A selection runs from an anchor to the caret, both ends included (the caret is a cell, as in
vim's visual mode).  Spans are painted through the cell map in their label's colour; painting
never changes a glyph, so letters stay joined across a span's edge.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotator.text import navigation as nav
from annotator.text.document import Document, DocumentLayout
from annotator.text.layout import (
    TERMINAL_ROW_RESERVE,
    DisplayLine,
    LayoutOptions,
    terminal_row_isolation,
)

from .label_style import (
    NO_LABEL_COLOUR, OTHERS_OVER_OWN, candidate_style, others_style, span_style,
)
from .votes import CANDIDATE_STATUSES


class SpanLike(Protocol):
    start: int
    end: int
    label: str
    status: str


#: Left/Right and Ctrl+Left/Right move in reading order, by cluster and by word: in the
#: document and in the query boxes alike (a widget taking them has ``action_arrow`` and
#: ``action_arrow_word``).
READING_ARROWS = [
    Binding("left", "arrow(-1)", "Left: forward in RTL text, back in LTR", show=False),
    Binding("right", "arrow(1)", "Right: back in RTL text, forward in LTR", show=False),
    Binding("ctrl+left", "arrow_word(-1)", "Word left (forward in RTL)", show=False),
    Binding("ctrl+right", "arrow_word(1)", "Word right (back in RTL)", show=False),
]


class DocumentView(ScrollView, can_focus=True):
    """Shows a document shaped and in visual order, with a caret at a logical offset."""

    BINDINGS = [
        *READING_ARROWS,
        Binding("up", "vertical(-1)", "Line up", show=False),
        Binding("down", "vertical(1)", "Line down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "line_edge(0)", "Start of line (in reading order)", show=False),
        Binding("end", "line_edge(1)", "End of line (in reading order)", show=False),
        Binding("ctrl+home", "document_edge(0)", "Start of document", show=False),
        Binding("ctrl+end", "document_edge(1)", "End of document", show=False),
        Binding("shift+left", "select_arrow(-1)", "Extend selection left", show=False),
        Binding("shift+right", "select_arrow(1)", "Extend selection right", show=False),
        Binding("ctrl+shift+left", "select_word(-1)", "Extend selection left to a word edge",
                show=False),
        Binding("ctrl+shift+right", "select_word(1)", "Extend selection right to a word edge",
                show=False),
        Binding("o", "swap_edges", "Caret to the selection's other edge (to move that edge)"),
        Binding("escape", "clear_selection", "Clear the selection", show=False),
        Binding("h", "toggle_harakat", "Show/hide harakat"),
    ]

    COMPONENT_CLASSES = {
        "document-view--caret",
        "document-view--control",
        "document-view--hit",
        "document-view--hit-current",
        "document-view--selection",
    }

    caret: reactive[int] = reactive(0, always_update=True, init=False)

    class CaretMoved(Message):
        """The caret moved (or the text under it was laid out anew)."""

        def __init__(self, view: DocumentView, caret: int) -> None:
            super().__init__()
            self.view = view
            self.caret = caret

    def __init__(
        self,
        document: Document,
        options: LayoutOptions = LayoutOptions(),
        *,
        caret: int = 0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.document = document
        self.options = options
        self.text_layout = DocumentLayout(document, 80, options)
        self._initial_caret = caret
        self._goal_column: int | None = None
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._paint_version = 0
        self.anchor: int | None = None  # the selection's fixed end, if there is a selection
        self.selections_started = 0  # counts new selections: tells one selection from the next
        self._dragging = False
        self._spans: list[SpanLike] = []
        self._span_starts: list[int] = []
        self._longest_span = 0
        self._others: list[SpanLike] = []  # other annotators' spans: drawn, never acted on
        self._label_colours: dict[str, str] = {}
        self._hits: list[tuple[int, int]] = []  # search hits, logical [start, end), in order
        self._hit_starts: list[int] = []
        self._current_hit: int | None = None

    # -- layout -----------------------------------------------------------------------------

    def _layout_width(self) -> int:
        width = self.scrollable_content_region.width
        if self.options.bidi == "terminal":  # mlterm takes a column for each bidi control
            width -= TERMINAL_ROW_RESERVE
        return max(1, width)

    def _relayout(self) -> None:
        self.text_layout = DocumentLayout(self.document, self._layout_width(), self.options)
        self._strips.clear()
        self._sync_virtual_size()

    def _sync_virtual_size(self) -> None:
        size = Size(self.text_layout.width, self.text_layout.line_count)
        if self.virtual_size != size:
            self.virtual_size = size

    def on_mount(self) -> None:
        self._relayout()
        self.caret = nav.snap(self.text_layout, self._initial_caret)

    def on_resize(self, event: events.Resize) -> None:
        if self._layout_width() != self.text_layout.width:
            self._relayout()
            self.caret = nav.snap(self.text_layout, self.caret)  # re-scrolls to the caret
        else:  # perhaps shorter (the span list shown below): keep the caret's row in view
            self.caret = self.caret

    def set_document(self, document: Document, caret: int = 0) -> None:
        """Show another document, the caret at ``caret``; spans and hits are the caller's to set."""
        self.document = document
        self.anchor = None
        self._goal_column = None
        self._spans, self._span_starts, self._longest_span = [], [], 0
        self._hits, self._hit_starts, self._current_hit = [], [], None
        self._relayout()
        self.scroll_to(y=0, animate=False, immediate=True)
        self._paint_version += 1
        self.caret = nav.snap(self.text_layout, caret)

    def set_options(self, options: LayoutOptions) -> None:
        self.options = options
        self._relayout()
        self.caret = nav.snap(self.text_layout, self.caret)
        self.refresh()

    # -- drawing ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = self.text_layout.line(self.scroll_offset.y + y)
        if self.text_layout.line_count != self.virtual_size.height:
            self.call_after_refresh(self._sync_virtual_size)
        if line is None:
            return Strip.blank(width, self.rich_style)
        caret = self.caret if line.start <= self.caret < line.end else -1
        key = (line.start, line.end, caret, self._paint_version, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._strip(line, caret).crop_extend(0, width, self.rich_style)
        return strip

    def _strip(self, line: DisplayLine, caret: int) -> Strip:
        base = self.rich_style
        styles = [base] * len(line.texts)
        self._paint_others(line, styles, self._paint_spans(line, styles))
        for index, code in enumerate(line.codes):
            if code == "K":
                styles[index] += self.get_component_rich_style("document-view--control")
        self._paint_hits(line, styles)
        layers = [("document-view--selection", self.selection), ("document-view--caret",
                  (caret, caret + 1) if caret >= 0 else None)]
        for component, extent in layers:
            if extent is not None:
                style = self.get_component_rich_style(component)
                for index in line.cells_intersecting(*extent):
                    styles[index] += style
        indent = " " * line.indent(self.text_layout.width)
        opening = closing = ""
        if self.options.bidi == "terminal":  # keep the terminal's reordering to the text
            row_start, opening, closing = terminal_row_isolation(line)
            indent = row_start + indent
        segments = [Segment(indent, base)]
        run_text, run_style = opening, base
        for text, style in zip(line.texts, styles):
            if style != run_style:
                segments.append(Segment(run_text, run_style))
                run_text, run_style = "", style
            run_text += text
        segments.append(Segment(run_text + closing, run_style))
        return Strip(segments)

    def _paint_spans(self, line: DisplayLine, styles: list[Style]) -> list[int]:
        """Label colours; the inner of nested spans paints last, and a cell under two or more
        spans is also underlined, so overlapping spans all stay visible.  Returns how many
        spans cover each cell."""
        depth = [0] * len(styles)
        low = bisect_left(self._span_starts, line.start - self._longest_span)
        high = bisect_left(self._span_starts, line.end)
        on_line = [s for s in self._spans[low:high] if s.end > line.start]
        if not on_line:
            return depth
        for span in sorted(on_line, key=lambda s: s.start - s.end):  # longest first
            style = self._span_style(span)
            for index in line.cells_intersecting(span.start, span.end):
                styles[index] = style
                depth[index] += 1
        overlap = Style(underline=True, bold=True)
        for index, count in enumerate(depth):
            if count > 1:
                styles[index] += overlap
        return depth

    def _paint_others(self, line: DisplayLine, styles: list[Style], depth: list[int]) -> None:
        """Other annotators' spans: their look on bare cells, only the line on one's own."""
        for span in self._others:
            if span.end <= line.start or span.start >= line.end:
                continue
            colour = self._label_colours.get(span.label, NO_LABEL_COLOUR)
            bare = self.rich_style + others_style(colour, self.app.no_color)
            for index in line.cells_intersecting(span.start, span.end):
                styles[index] = styles[index] + OTHERS_OVER_OWN if depth[index] else bare

    def _paint_hits(self, line: DisplayLine, styles: list[Style]) -> None:
        """Search hits over the spans' colours (hits never overlap one another)."""
        low = max(0, bisect_left(self._hit_starts, line.start) - 1)
        high = bisect_left(self._hit_starts, line.end)
        for index in range(low, high):
            start, end = self._hits[index]
            if end <= line.start:
                continue
            current = index == self._current_hit
            style = self.get_component_rich_style(
                "document-view--hit-current" if current else "document-view--hit")
            for cell in line.cells_intersecting(start, end):
                styles[cell] += style

    def set_hits(self, hits: Sequence[tuple[int, int]], current: int | None = None) -> None:
        """Highlight these search hits (logical ranges, in order, not overlapping); the
        ``current`` one (an index into ``hits``) stands out."""
        self._hits = list(hits)
        self._hit_starts = [start for start, _ in self._hits]
        self._current_hit = current
        self._repaint()

    def _span_style(self, span: SpanLike) -> Style:
        colour = self._label_colours.get(span.label, NO_LABEL_COLOUR)
        if span.status in CANDIDATE_STATUSES:  # review into gold
            return self.rich_style + candidate_style(colour, span.status == "agreed",
                                                     self.app.no_color)
        return self.rich_style + span_style(colour, span.status == "suggested", self.app.no_color)

    def set_spans(self, spans: Sequence[SpanLike], colours: dict[str, str]) -> None:
        """Show these spans (any order), each label in its colour."""
        self._spans = sorted(spans, key=lambda s: (s.start, s.end))
        self._span_starts = [s.start for s in self._spans]
        self._longest_span = max((s.end - s.start for s in self._spans), default=0)
        self._label_colours = dict(colours)
        self._repaint()

    def set_others(self, spans: Sequence[SpanLike]) -> None:
        """Show these other annotators' spans beside one's own (none: hide them).  They are
        never returned by :meth:`spans_at`, so no key acts on them."""
        self._others = sorted(spans, key=lambda s: (s.start, s.end))
        self._repaint()

    def others_at(self, offset: int) -> list[SpanLike]:
        """The shown other annotators' spans covering ``offset``."""
        return [s for s in self._others if s.start <= offset < s.end]

    def spans_at(self, offset: int) -> list[SpanLike]:
        """The spans covering ``offset``, innermost (shortest) first."""
        low = bisect_left(self._span_starts, offset - self._longest_span)
        high = bisect_left(self._span_starts, offset + 1)
        covering = [s for s in self._spans[low:high] if s.start <= offset < s.end]
        return sorted(covering, key=lambda s: s.end - s.start)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._repaint()

    def _repaint(self) -> None:
        """Forget every painted line: styles, spans or the selection changed."""
        self._paint_version += 1
        self.refresh()

    # -- caret ------------------------------------------------------------------------------

    def watch_caret(self, caret: int) -> None:
        self._sync_virtual_size()
        y, _ = self.text_layout.locate(caret)
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        if y < top:
            self.scroll_to(y=y, animate=False, immediate=True)
        elif y >= top + height:
            self.scroll_to(y=y - height + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.CaretMoved(self, caret))

    def _arrow_move(self, direction: int, forward, backward, extend: bool = False) -> None:
        """An arrow key (-1 left, 1 right) is forward in reading order where the caret's
        paragraph runs right to left on the left key, else on the right key."""
        _, line = self.text_layout.locate(self.caret)
        step = forward if (direction < 0) == line.rtl else backward
        self._move(step(self.text_layout, self.caret), extend=extend)

    def _move(self, caret: int, keep_goal: bool = False, extend: bool = False) -> None:
        """Move the caret; a plain move drops the selection, an extending one keeps its anchor."""
        if not keep_goal:
            self._goal_column = None
        if extend and self.anchor is None:
            self.anchor = self.caret
            self.selections_started += 1
        elif not extend and self.anchor is not None:
            self.anchor = None
            self._repaint()
        if extend:
            self._repaint()
        self.caret = caret

    def move_caret(self, offset: int) -> None:
        """Put the caret on the cluster holding ``offset`` (dropping any selection)."""
        self._move(nav.snap(self.text_layout, offset))

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected logical range ``[start, end)``: anchor to caret, both cells included."""
        if self.anchor is None:
            return None
        low, high = sorted((self.anchor, self.caret))
        return low, nav.cell_end(self.text_layout, high)

    def select(self, start: int, end: int) -> None:
        """Select ``[start, end)``, the caret on its last cell (to adjust it with the keys)."""
        if self.anchor is None:  # a selection whose edges are set anew is still the same one
            self.selections_started += 1
        self.anchor = nav.snap(self.text_layout, start)
        self._move(nav.snap(self.text_layout, end - 1), extend=True)

    def action_select_arrow(self, direction: int) -> None:
        self._arrow_move(direction, nav.next_stop, nav.previous_stop, extend=True)

    def action_select_word(self, direction: int) -> None:
        self._arrow_move(direction, nav.word_end, nav.previous_word, extend=True)

    def action_swap_edges(self) -> None:
        if self.anchor is not None:
            self.anchor, caret = self.caret, self.anchor
            self._move(caret, extend=True)

    def action_clear_selection(self) -> None:
        if self.anchor is not None:
            self._move(self.caret)

    def action_arrow(self, direction: int) -> None:
        self._arrow_move(direction, nav.next_stop, nav.previous_stop)

    def action_arrow_word(self, direction: int) -> None:
        self._arrow_move(direction, nav.next_word, nav.previous_word)

    def action_vertical(self, lines: int) -> None:
        if self._goal_column is None:
            self._goal_column = nav.caret_column(self.text_layout, self.caret)
        self._move(nav.vertical(self.text_layout, self.caret, lines, self._goal_column), True)

    def action_page(self, pages: int) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_offset.y + pages * height, animate=False, immediate=True)
        self.action_vertical(pages * height)

    def action_line_edge(self, end: int) -> None:
        edge = nav.line_end if end else nav.line_start
        self._move(edge(self.text_layout, self.caret))

    def action_document_edge(self, end: int) -> None:
        self._move(nav.document_end(self.text_layout) if end else 0)

    def action_toggle_harakat(self) -> None:
        self.set_options(replace(self.options, show_harakat=not self.options.show_harakat))
        self.notify("Harakat shown" if self.options.show_harakat else "Harakat hidden")

    def _offset_at(self, x: int, y: int) -> int | None:
        """The logical offset drawn at widget cell (x, y), read back through the cell map."""
        line = self.text_layout.line(self.scroll_offset.y + y)
        if line is None:
            return None
        index = line.cell_at(x - line.indent(self.text_layout.width))
        return None if index is None else line.starts[index]

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = self._offset_at(event.x, event.y)
        if offset is not None and event.button == 1:
            self._move(offset)
            self._dragging = True
            self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._dragging:
            offset = self._offset_at(event.x, event.y)
            if offset is not None and offset != self.caret:
                self._move(offset, extend=True)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
