"""The document view: a Line API ScrollView that draws only the rows on screen.

Layout is per paragraph, on demand and cached (``DocumentLayout``), so opening a 10 MB file
lays out one screenful.  The caret is a logical offset; arrow keys move it in reading order,
mapped by the direction of the caret's paragraph: in a right-to-left paragraph Left moves
forward (to the next character read), as the text runs leftwards.
"""

from __future__ import annotations

from dataclasses import replace

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

from .. import navigation as nav
from ..document import Document, DocumentLayout
from ..layout import DisplayLine, LayoutOptions


class DocumentView(ScrollView, can_focus=True):
    """Shows a document shaped and in visual order, with a caret at a logical offset."""

    BINDINGS = [
        Binding("left", "arrow(-1)", "Left: forward in RTL text, back in LTR", show=False),
        Binding("right", "arrow(1)", "Right: back in RTL text, forward in LTR", show=False),
        Binding("ctrl+left", "arrow_word(-1)", "Word left (forward in RTL)", show=False),
        Binding("ctrl+right", "arrow_word(1)", "Word right (back in RTL)", show=False),
        Binding("up", "vertical(-1)", "Line up", show=False),
        Binding("down", "vertical(1)", "Line down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "line_edge(0)", "Start of line (in reading order)", show=False),
        Binding("end", "line_edge(1)", "End of line (in reading order)", show=False),
        Binding("ctrl+home", "document_edge(0)", "Start of document", show=False),
        Binding("ctrl+end", "document_edge(1)", "End of document", show=False),
        Binding("h", "toggle_harakat", "Show/hide harakat"),
    ]

    COMPONENT_CLASSES = {"document-view--caret", "document-view--control"}

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

    # -- layout -----------------------------------------------------------------------------

    def _relayout(self) -> None:
        width = max(1, self.scrollable_content_region.width)
        self.text_layout = DocumentLayout(self.document, width, self.options)
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
        if self.scrollable_content_region.width != self.text_layout.width:
            self._relayout()
            self.caret = nav.snap(self.text_layout, self.caret)  # re-scrolls to the caret

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
        for index, code in enumerate(line.codes):
            if code == "K":
                styles[index] = base + self.get_component_rich_style("document-view--control")
        if caret >= 0:
            caret_style = base + self.get_component_rich_style("document-view--caret")
            for index in line.cells_intersecting(caret, caret + 1):
                styles[index] = caret_style
        segments = [Segment(" " * line.indent(self.text_layout.width), base)]
        run_text, run_style = "", base
        for text, style in zip(line.texts, styles):
            if style is not run_style:
                segments.append(Segment(run_text, run_style))
                run_text, run_style = "", style
            run_text += text
        segments.append(Segment(run_text, run_style))
        return Strip(segments)

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

    def _forward_is_left(self) -> bool:
        _, line = self.text_layout.locate(self.caret)
        return line.rtl

    def _move(self, caret: int, keep_goal: bool = False) -> None:
        if not keep_goal:
            self._goal_column = None
        self.caret = caret

    def action_arrow(self, direction: int) -> None:
        forward = (direction < 0) == self._forward_is_left()
        step = nav.next_stop if forward else nav.previous_stop
        self._move(step(self.text_layout, self.caret))

    def action_arrow_word(self, direction: int) -> None:
        forward = (direction < 0) == self._forward_is_left()
        step = nav.next_word if forward else nav.previous_word
        self._move(step(self.text_layout, self.caret))

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

    def on_click(self, event: events.Click) -> None:
        line = self.text_layout.line(self.scroll_offset.y + event.y)
        if line is None:
            return
        index = line.cell_at(event.x - line.indent(self.text_layout.width))
        if index is not None:
            self._move(line.starts[index])
