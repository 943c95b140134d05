"""The annotator application: read a document, label spans, every action saved at once."""

from __future__ import annotations

import os

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal

from annotator.text import navigation as nav
from annotator.text.document import Document
from annotator.text.layout import LayoutOptions
from .screens.help import HelpScreen
from annotator.store import DocumentRecord, Store, StoreError
from .widgets.document_view import DocumentView
from .widgets.legend import Legend
from .widgets.span_list import SpanList
from .widgets.status_bar import StatusBar

HELP_NOTES = (
    "Arrow keys move in reading order. In a right-to-left paragraph Left moves forward (to "
    "the next character you read) and Right moves back; in a left-to-right paragraph the "
    "reverse. Shift extends a selection the same way; o puts the caret on the selection's "
    "other edge, so either edge can move by one character (to leave out a proclitic).\n\n"
    "A label key labels the selection, or the word under the caret; on a span it changes "
    "the span's label, on a suggestion it accepts it with that label.\n\n"
    "Offsets are code-point offsets into the stored text (after CRLF -> LF). Every action "
    "is committed to the database before the screen shows it.\n\n"
    "Control characters show as visible symbols, bidi controls as arrows; they are inert."
)
POLL_SECONDS = 1.0  # how often to look for other windows' changes and save the caret


class AnnotatorApp(App[None]):
    """Reads one document and labels spans in it."""

    CSS_PATH = "annotator.tcss"
    TITLE = "annotator"
    BINDINGS = [
        *[Binding(str(n), f"label({n})", "Label: the selection, else the span or the word "
                  "under the caret", show=False) for n in range(1, 10)],
        Binding("n", "next_span(1)", "Next span (reading order)"),
        Binding("p", "next_span(-1)", "Previous span"),
        Binding("x,delete", "delete_span", "Delete the span under the caret"),
        Binding("e", "edit_span", "Edit the span's edges: select it, adjust, then Enter"),
        Binding("enter", "apply_edit", "Apply the edited edges", show=False),
        Binding("a", "accept", "Accept the suggestion under the caret"),
        Binding("r", "reject", "Reject the suggestion under the caret"),
        Binding("A", "decide_source('accepted')", "Accept every suggestion in this document from "
                "the source of the one under the caret"),
        Binding("R", "decide_source('rejected')", "Reject every suggestion in this document from "
                "the source of the one under the caret"),
        Binding("s", "toggle_suggestions_only", "n/p step through suggestions only / all spans"),
        Binding("u,ctrl+z", "undo", "Undo (kept across restarts)"),
        Binding("ctrl+r,ctrl+y", "redo", "Redo"),
        Binding("l", "toggle_span_list", "Show/hide the span list (Tab to reach it)"),
        Binding("D", "toggle_done", "Mark the document done / not done"),
        Binding("question_mark", "help", "Show every key"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        text: str,
        source: str,
        store: Store,
        options: LayoutOptions = LayoutOptions(),
        *,
        labels: list[str] | None = None,
        allow_overlap: bool = False,
        opened: tuple[DocumentRecord, DocumentRecord | None] | None = None,
    ) -> None:
        """``opened`` is what ``store.open_document`` returned, if the caller already did it."""
        super().__init__()
        self.document = Document(text)
        self.source = os.path.basename(source)
        self.store = store
        self.options = options
        self.allow_overlap = allow_overlap
        if labels:
            store.set_labels(labels)
        if opened is None:
            opened = store.open_document(text, os.path.abspath(source))
        self.record, self.replaced = opened
        self.labels = store.labels()
        self._editing: int | None = None  # id of the span whose edges are being edited
        self._suggestions_only = False  # n/p step through suggestions only
        self._seen_version = store.data_version()
        self._saved_caret = self._caret = self.record.caret

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield DocumentView(self.document, self.options, caret=self.record.caret, id="document")
            yield SpanList(id="spans")
        yield Legend(id="legend")
        yield StatusBar(id="status")

    def on_mount(self) -> None:
        self._reload_spans()
        self.view.focus()
        if self.replaced is not None:
            self.notify(
                "This file changed since it was labelled: it opens as a new version. The old "
                "version keeps its text and spans in the database.",
                title="New version", severity="warning", timeout=10,
            )
        self.set_interval(POLL_SECONDS, self._poll_store)

    def on_unmount(self) -> None:
        self._save_caret()

    @property
    def view(self) -> DocumentView:
        return self.query_one(DocumentView)

    # -- the store --------------------------------------------------------------------------

    def _reload_spans(self) -> None:
        self.spans = self.store.spans(self.record.id)
        colours = dict(self.labels)
        self.view.set_spans(self.spans, colours)
        self.query_one(SpanList).show_spans(self.spans, self.document.text, colours, self.options)
        self.query_one(Legend).show_labels(self.labels, self.allow_overlap, len(self.spans))
        self._update_status()

    def _poll_store(self) -> None:
        """Show what another window on the same database committed; save the caret."""
        version = self.store.data_version()
        if version != self._seen_version:
            self._seen_version = version
            self.labels = self.store.labels()
            self._reload_spans()
        self._save_caret()

    def _save_caret(self) -> None:
        if self._caret != self._saved_caret:
            self.store.set_caret(self.record.id, self._caret)
            self._saved_caret = self._caret

    def _commit(self, action, *args, **kwargs) -> bool:
        """Run one store action; on refusal say why and change nothing on screen."""
        try:
            result = action(*args, **kwargs)
        except StoreError as error:
            self.notify(str(error), severity="warning")
            return False
        self._reload_spans()
        self._save_caret()  # reopening after a crash puts the caret where the work was
        if isinstance(result, str):
            self.notify(result)
        return True

    # -- labelling --------------------------------------------------------------------------

    def _span_here(self, statuses=("accepted", "suggested")):
        spans = [s for s in self.view.spans_at(self.view.caret) if s.status in statuses]
        return spans[0] if spans else None

    def _span_to_act_on(self, statuses=("accepted", "suggested")):
        """The innermost span under the caret, or None after telling the user there is none."""
        span = self._span_here(statuses)
        if span is None:
            what = "suggestion" if statuses == ("suggested",) else "span"
            self.notify(f"No {what} under the caret", severity="warning")
        return span

    def action_label(self, number: int) -> None:
        if number > len(self.labels):
            self.notify(f"No label {number}: the labels are keys 1-{len(self.labels)}",
                        severity="warning")
            return
        label = self.labels[number - 1][0]
        view = self.view
        if self._editing is not None and view.selection:
            self._apply_edit(label)
            return
        extent = view.selection
        span = self._span_here() if extent is None else None
        if span is not None:
            status = "accepted" if span.status == "suggested" else None
            self._commit(self.store.update_span, span.id, label=label, status=status,
                         allow_overlap=self.allow_overlap)
            return
        if extent is None:
            extent = nav.word_at(self.document.text, view.caret)
            if extent is None:
                self.notify("Nothing to label: select text or put the caret on a word",
                            severity="warning")
                return
        if self._commit(self.store.add_span, self.record.id, *extent, label,
                        allow_overlap=self.allow_overlap):
            view.action_clear_selection()
            if self.record.status == "new":
                self.store.set_status(self.record.id, "in_progress")
                self.record = self.store.document(self.record.id)

    def action_next_span(self, direction: int) -> None:
        caret = self.view.caret
        spans = [s for s in self.spans if s.status == "suggested"] if self._suggestions_only else self.spans
        starts = sorted({s.start for s in spans})
        after = [s for s in starts if s > caret] if direction > 0 else [s for s in starts if s < caret]
        if not after:
            self.notify(f"No more {'suggestions' if self._suggestions_only else 'spans'} that way")
            return
        self.view.move_caret(after[0] if direction > 0 else after[-1])

    def action_delete_span(self) -> None:
        if span := self._span_to_act_on():
            self._commit(self.store.delete_span, span.id)

    def action_edit_span(self) -> None:
        span = self._span_to_act_on()
        if span is None:
            return
        self._editing = span.id
        self.view.select(span.start, span.end)
        self.notify("Move the edges with Shift+arrows and o, then Enter (or a label key)")

    def action_apply_edit(self) -> None:
        if self._editing is not None:
            self._apply_edit(None)

    def _apply_edit(self, label: str | None) -> None:
        start, end = self.view.selection
        span_id, self._editing = self._editing, None
        if self._commit(self.store.update_span, span_id, start=start, end=end, label=label,
                        allow_overlap=self.allow_overlap):
            self.view.action_clear_selection()

    def action_accept(self) -> None:
        if span := self._span_to_act_on(("suggested",)):
            self._commit(self.store.update_span, span.id, status="accepted",
                         allow_overlap=self.allow_overlap)

    def action_reject(self) -> None:
        if span := self._span_to_act_on(("suggested",)):
            self._commit(self.store.update_span, span.id, status="rejected")

    def action_decide_source(self, status: str) -> None:
        span = self._span_to_act_on(("suggested",))
        if span is None:
            return

        def decide() -> str:
            changed, left = self.store.decide_suggestions(
                self.record.id, span.annotator, status, allow_overlap=self.allow_overlap)
            verb = "accepted" if status == "accepted" else "rejected"
            message = f"{verb} {changed} suggestion{'s' * (changed != 1)} from {span.annotator}"
            if left:
                message += f"; {left} left as suggestions (they overlap accepted spans)"
            return message

        self._commit(decide)

    def action_toggle_suggestions_only(self) -> None:
        self._suggestions_only = not self._suggestions_only
        self.notify("n/p: suggestions only" if self._suggestions_only else "n/p: every span")
        self._update_status()

    def action_undo(self) -> None:
        self._commit(self.store.undo, self.record.id)

    def action_redo(self) -> None:
        self._commit(self.store.redo, self.record.id)

    def action_toggle_done(self) -> None:
        status = "in_progress" if self.record.status == "done" else "done"
        self.store.set_status(self.record.id, status)
        self.record = self.store.document(self.record.id)
        self.notify(f"Document marked {status.replace('_', ' ')}")
        self._update_status()

    # -- panels -----------------------------------------------------------------------------

    def action_toggle_span_list(self) -> None:
        panel = self.query_one(SpanList)
        panel.display = not panel.display
        if not panel.display:
            self.view.focus()

    def on_span_list_jump(self, message: SpanList.Jump) -> None:
        self.view.move_caret(message.offset)
        self.view.focus()

    def on_document_view_caret_moved(self, message: DocumentView.CaretMoved) -> None:
        self._caret = message.caret  # saved by the poll timer and on exit
        self._update_status()

    def _update_status(self) -> None:
        if not self.query(StatusBar) or not self.query(DocumentView):
            return  # the app is closing
        view = self.view
        _, line = view.text_layout.locate(view.caret)
        spans = self.view.spans_at(view.caret)
        self.query_one(StatusBar).show_caret(
            self.source, self.document.text, view.caret, line.rtl, view.options,
            spans=spans, selection=view.selection, status=self.record.status,
            suggestions_only=self._suggestions_only,
        )

    def action_help(self) -> None:
        bindings = [*DocumentView.BINDINGS, *self.BINDINGS]
        self.push_screen(HelpScreen(bindings, HELP_NOTES))
