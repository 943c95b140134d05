"""The reader application: a document view and a status bar."""

from __future__ import annotations

import os

from textual.app import App, ComposeResult
from textual.binding import Binding

from .document import Document
from .layout import LayoutOptions
from .screens.help import HelpScreen
from .widgets.document_view import DocumentView
from .widgets.status_bar import StatusBar

HELP_NOTES = """\
Arrow keys move in reading order.  In a right-to-left paragraph Left moves forward (to the
next character you read) and Right moves back; in a left-to-right paragraph the reverse.
Offsets in the status bar are code-point offsets into the stored text (after CRLF -> LF).
Control characters show as visible symbols; bidi controls as arrows, and they are inert."""


class AnnotatorApp(App[None]):
    """Reads one document."""

    CSS_PATH = "annotator.tcss"
    TITLE = "annotator"
    BINDINGS = [
        Binding("question_mark", "help", "Show every key"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, text: str, source: str = "", options: LayoutOptions = LayoutOptions()) -> None:
        super().__init__()
        self.document = Document(text)
        self.source = os.path.basename(source)
        self.options = options

    def compose(self) -> ComposeResult:
        yield DocumentView(self.document, self.options, id="document")
        yield StatusBar(id="status")

    @property
    def view(self) -> DocumentView:
        return self.query_one(DocumentView)

    def on_document_view_caret_moved(self, message: DocumentView.CaretMoved) -> None:
        _, line = message.view.text_layout.locate(message.caret)
        for status in self.query(StatusBar):  # none while the app is closing
            status.show_caret(
                self.source, self.document.text, message.caret, line.rtl, message.view.options
            )

    def action_help(self) -> None:
        bindings = [*DocumentView.BINDINGS, *self.BINDINGS]
        self.push_screen(HelpScreen(bindings, HELP_NOTES))
