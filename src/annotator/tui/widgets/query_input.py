"""A one-line query box that shows what is typed as the document view shows text: shaped,
in visual order, right-aligned when the query reads right to left.

Textual's ``Input`` echoes code points as typed, left to right and unjoined, and cannot be
made to shape without overriding its private rendering; so this is a small widget of its
own.  Value, caret and selection are logical (``LineEdit``); each render lays the value out
with the text engine (``InputRow``) and draws the caret on the cell of its offset.  Controls
in the value (a pasted ESC or U+202E) are drawn as their stand-ins, as in the document.

Keys follow Textual's Input, with the arrows mapped as the document view maps them: in a
right-to-left query Left moves forward (to the next character read).
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from annotator.text.input_row import InputRow
from annotator.text.layout import (
    TERMINAL_ROW_RESERVE,
    LayoutOptions,
    terminal_row_isolation,
    visual_text,
)
from annotator.text.line_edit import LineEdit, next_stop, previous_stop, word_back, word_forward

from .document_view import READING_ARROWS


class _QueryMessage(Message):
    """A message about the box's value; ``control`` is the box (as Textual's Input has it)."""

    def __init__(self, input: QueryInput, value: str) -> None:
        super().__init__()
        self.input, self.value = input, value

    @property
    def control(self) -> QueryInput:
        return self.input


class QueryInput(Widget, can_focus=True):
    """Type a query; Enter posts ``Submitted``, every edit ``Changed``."""

    BINDINGS = [
        *READING_ARROWS,  # as the reader moves
        Binding("shift+left", "arrow(-1, True)", "Extend the selection left", show=False),
        Binding("shift+right", "arrow(1, True)", "Extend the selection right", show=False),
        Binding("home,ctrl+a", "edge(0)", "Start of the query (in reading order)", show=False),
        Binding("end,ctrl+e", "edge(1)", "End of the query (in reading order)", show=False),
        Binding("shift+home", "edge(0, True)", "Select to the start", show=False),
        Binding("shift+end", "edge(1, True)", "Select to the end", show=False),
        Binding("ctrl+shift+a", "select_all", "Select all", show=False),
        Binding("backspace", "delete_back", "Delete the character before the caret", show=False),
        Binding("delete,ctrl+d", "delete_forward", "Delete the character at the caret",
                show=False),
        Binding("ctrl+w", "delete_word_back", "Delete the word before the caret", show=False),
        Binding("ctrl+u", "delete_to_start", "Delete to the start (all, at the end)", show=False),
        Binding("ctrl+k", "delete_to_end", "Delete to the end", show=False),
        Binding("enter", "submit", "Search", show=False),
        # Taken here so they do not reach the reader's undo/redo and change spans out of sight.
        Binding("ctrl+z,ctrl+y,ctrl+r", "nothing", "No undo in the query box", show=False),
    ]

    COMPONENT_CLASSES = {
        "query-input--caret",
        "query-input--control",
        "query-input--placeholder",
        "query-input--selection",
    }

    class Changed(_QueryMessage):
        """The value changed (typing, deleting, pasting, or set from outside)."""

    class Submitted(_QueryMessage):
        """Enter was pressed."""

    def __init__(self, value: str = "", *, placeholder: str = "",
                 options: LayoutOptions = LayoutOptions(), id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.placeholder, self.options = placeholder, options
        self._edit = LineEdit(value, len(value))
        self._row = InputRow(value, options)
        self._first = 0  # the row's first column shown (scrolled when longer than the box)
        self._rescroll = True  # a new value is shown from its reading start

    # -- the value ---------------------------------------------------------------------------

    @property
    def value(self) -> str:
        return self._edit.value

    @value.setter
    def value(self, value: str) -> None:
        """Replace the value, the caret at its end (as Textual's Input does)."""
        self._rescroll = True
        self._set(LineEdit(value, 0).move(len(value)))

    @property
    def caret(self) -> int:
        """The caret's logical offset in the value (an insertion point, 0 to its length)."""
        return self._edit.caret

    @property
    def selection(self) -> tuple[int, int] | None:
        return self._edit.selection

    def _set(self, edit: LineEdit) -> None:
        changed = edit.value != self._edit.value
        self._edit = edit
        if changed:
            self._row = InputRow(edit.value, self.options)
            self.post_message(self.Changed(self, edit.value))
        self.refresh()

    def select_all(self) -> None:
        self._set(self._edit.select_all())

    def insert(self, text: str) -> None:
        self._set(self._edit.insert(text))

    # -- keys --------------------------------------------------------------------------------

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character is not None:
            event.stop()  # typed text, not the app's one-key commands
            event.prevent_default()
            self.insert(event.character)

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        if event.text:
            self.insert(event.text)

    def _forward(self, direction: int) -> bool:
        """An arrow (-1 left, 1 right) reads forward where it runs with the query's
        direction: Left in a right-to-left query, as in the document view."""
        return (direction < 0) == self._row.rtl

    def action_arrow(self, direction: int, extend: bool = False) -> None:
        step = next_stop if self._forward(direction) else previous_stop
        self._set(self._edit.move(step(self._row.stops(), self.caret), extend))

    def action_arrow_word(self, direction: int) -> None:
        step = word_forward if self._forward(direction) else word_back
        self._set(self._edit.move(step(self.value, self.caret)))

    def action_edge(self, end: int, extend: bool = False) -> None:
        self._set(self._edit.move(len(self.value) if end else 0, extend))

    def action_select_all(self) -> None:
        self.select_all()

    def action_delete_back(self) -> None:
        self._set(self._edit.delete_back())

    def action_delete_forward(self) -> None:
        self._set(self._edit.delete_forward(self._row.stops()))

    def action_delete_word_back(self) -> None:
        self._set(self._edit.delete_word_back())

    def action_delete_to_start(self) -> None:
        self._set(self._edit.delete_to_start())

    def action_delete_to_end(self) -> None:
        self._set(self._edit.delete_to_end())

    def action_nothing(self) -> None:
        pass

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self, self.value))

    def _on_click(self, event: events.Click) -> None:
        box = self._box()
        column = event.x - self.gutter.left - self._row.indent(box) + self._first
        offset = self._row.offset_at(column)
        if offset is not None:
            self._set(self._edit.move(offset))

    def _on_focus(self, _: events.Focus) -> None:
        self.refresh()

    def _on_blur(self, _: events.Blur) -> None:
        self.refresh()

    # -- drawing -----------------------------------------------------------------------------

    def _box(self) -> int:
        """Columns the row may take (terminal mode keeps some for mlterm's controls)."""
        width = self.content_size.width
        if self.options.bidi == "terminal":
            width -= TERMINAL_ROW_RESERVE
        return max(1, width)

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        if y:
            return Strip.blank(width, self.rich_style)
        if not self.value and self.placeholder:
            return self._placeholder_strip().crop_extend(0, width, self.rich_style)
        box, row = self._box(), self._row
        if self._rescroll:
            self._first, self._rescroll = row.start_scroll(box), False
        self._first = row.scroll(box, self._first, self.caret)
        return self._row_strip(box).crop_extend(0, width, self.rich_style)

    def _styles(self) -> list[Style]:
        """Each cell's style, left to right: controls, the selection, the caret."""
        base = self.rich_style
        control, selection, caret_style = (self.get_component_rich_style(f"query-input--{name}")
                                            for name in ("control", "selection", "caret"))
        caret = self.caret if self.has_focus else -1
        low, high = self.selection or (0, 0)
        styles = []
        for _, _, start, end, code in self._row.cells():
            style = base + control if code == "K" else base
            if start < high and end > low:
                style += selection
            if start <= caret < end or start == caret == end:  # (the end cell is empty)
                style += caret_style
            styles.append(style)
        return styles

    def _row_strip(self, box: int) -> Strip:
        base, row = self.rich_style, self._row
        segments = [Segment(" " * row.indent(box), base)]
        column, last = 0, self._first + box
        for (text, cell_width, *_), style in zip(row.cells(), self._styles()):
            if column >= self._first and column + cell_width <= last:
                segments.append(Segment(text, style))
            elif column < last and column + cell_width > self._first:  # cut by an edge:
                shown = min(column + cell_width, last) - max(column, self._first)
                segments.append(Segment(" " * shown, style))  # blank, the caret kept
            column += cell_width
        if self.options.bidi == "terminal":  # keep the terminal's reordering to the text
            start, opening, closing = terminal_row_isolation(row.line)
            segments = [Segment(start, base), segments[0], Segment(opening, base),
                        *segments[1:], Segment(closing, base)]
        return Strip(segments)

    def _placeholder_strip(self) -> Strip:
        """The placeholder, dim, the caret on its first cell (as Textual's Input draws it)."""
        shown = visual_text(self.placeholder, self.options)
        dim = self.rich_style + self.get_component_rich_style("query-input--placeholder")
        if not self.has_focus:
            return Strip([Segment(shown, dim)])
        caret = self.rich_style + self.get_component_rich_style("query-input--caret")
        return Strip([Segment(shown[:1] or " ", caret), Segment(shown[1:], dim)])
