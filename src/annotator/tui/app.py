"""The annotator application: read a document, label spans, every action saved at once."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.worker import get_current_worker

from annotator.text import navigation as nav
from annotator.text.document import Document
from annotator.store import SPAN_STATUSES, DocumentRecord, Store, StoreError
from annotator.store.queue import fill_queue, open_entry
from annotator.text.folding import FoldOptions
from annotator.text.glyphs import neutralised
from annotator.text.layout import LayoutOptions, visual_text
from annotator.text.loading import LoadError
from annotator.text.search import find_hits, suggested_occurrences

from .exit_signals import exit_on_signals, stop_exit_signals
from .screens.corpus_search import CorpusHit, CorpusSearchScreen
from .screens.help import HelpScreen, label_rows
from .screens.label_all import LabelAllScreen
from .screens.latest_size import ReaderScreen
from .screens.queue_overview import OverviewOrder, QueueOverview
from .widgets.document_view import DocumentView
from .widgets.legend import Legend
from .widgets.query_input import QueryInput
from .widgets.search_bar import SearchBar
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
    "Control characters show as visible symbols, bidi controls as arrows; they are inert.\n\n"
    "Search (/ here, F in all documents) ignores harakat and tatweel and folds the alef "
    "forms (hamza above or below, madda, wasla) to a bare alef and alef maqsura to ya, so a "
    "query typed without hamza finds words written with it; any run of spaces or line breaks "
    "matches any other. After labelling a span, * offers "
    "its other whole-word occurrences as suggestions."
)
#: Rows of the ? help for what is not a binding of the reader: Tab is Textual's focus key,
#: the mouse is handled by the document view.  Listed after ``l``.
HELP_EXTRA_ROWS = (
    Binding("tab", "", "Span list: the span under the caret highlighted; Up/Down choose, "
            "Enter jumps to it (a hidden list is shown first, as l shows it)"),
    # (not "mouse" or "wheel": Textual shows those key names as emoji)
    Binding("click,drag", "", "Mouse: a click puts the caret on the character, a drag "
            "selects; the wheel scrolls"),
)
POLL_SECONDS = 1.0  # how often to look for other windows' changes and save the caret
#: Below this many columns the span list (32 wide) would leave the text too little: it is
#: hidden until ``l`` shows it below the text (annotator.tcss, ``Screen.-narrow``).
NARROW_COLUMNS = 90
PROBLEMS_SHOWN = 5  # unreadable files told one by one; the overview lists them all


class AnnotatorApp(App[None]):
    """Reads one document and labels spans in it."""

    CSS_PATH = "annotator.tcss"
    TITLE = "annotator"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_COLUMNS, "-wide")]
    BINDINGS = [
        *[Binding(str(n), f"label({n})", "Label: the selection, else the span or the word "
                  "under the caret", show=False) for n in range(1, 10)],
        Binding("n", "next_span(1)", "Next span (reading order; spans starting at one place "
                "are each a stop, shortest first, and keys act on the one stepped to)"),
        Binding("p", "next_span(-1)", "Previous span"),
        Binding("x,delete", "delete_span", "Delete the span under the caret"),
        Binding("e", "edit_span", "Edit the span's edges: select it, adjust, then Enter"),
        Binding("enter", "apply_edit", "Apply the edited edges", show=False),
        Binding("a", "accept", "Accept the suggestion under the caret, for you (the others "
                "still see it until they decide)"),
        Binding("r", "reject", "Reject the suggestion under the caret, for you"),
        Binding("A", "decide_source('accepted')", "Accept every suggestion in this document from "
                "the source of the one under the caret"),
        Binding("R", "decide_source('rejected')", "Reject every suggestion in this document from "
                "the source of the one under the caret"),
        Binding("S", "toggle_suggestions_only", "n/p step through suggestions only / all spans"),
        Binding("t", "toggle_others", "Show/hide the other annotators' spans (read-only, "
                "drawn bold with a line over them)"),
        Binding("u,ctrl+z", "undo", "Undo (kept across restarts)"),
        Binding("ctrl+r,ctrl+y", "redo", "Redo"),
        Binding("l", "toggle_span_list", "Show/hide the span list (Tab to reach it)"),
        Binding("D", "toggle_done", "Mark the document done and open the next one not done "
                "(on a done document: mark it not done)"),
        Binding("right_square_bracket", "next_document(1)", "Next document in the queue"),
        Binding("left_square_bracket", "next_document(-1)", "Previous document in the queue"),
        Binding("s", "skip", "Skip the document (status skipped) and open the next one not done"),
        Binding("O", "overview", "Overview of the queue: status, spans, labels; Enter opens"),
        Binding("slash", "search", "Search this document (ignores harakat, tatweel, alef forms)"),
        Binding("greater_than_sign,f3", "next_hit(1)", "Next search hit (in reading order)"),
        # (not Shift+F3: xterm, tmux and browsers send it as a cursor position report)
        Binding("less_than_sign", "next_hit(-1)", "Previous search hit"),
        Binding("F", "corpus_search", "Search all documents; Enter opens one at the hit"),
        Binding("asterisk", "label_all", "Label all occurrences of the span's words as suggestions"),
        Binding("question_mark", "help", "Show every key"),
        Binding("q", "quit", "Quit"),
    ]

    #: The statuses of what n/p step through after S, and what they are called.
    OFFERS: tuple[str, ...] = ("suggested",)
    OFFERS_NAME = "suggestions"
    HELP_NOTES = HELP_NOTES  # the ? screen's notes under the keys

    def __init__(
        self,
        text: str,
        source: str,
        store: Store,
        options: LayoutOptions = LayoutOptions(),
        *,
        labels: list[str] | None = None,
        label_colors: Mapping[str, str] | None = None,
        label_descriptions: Mapping[str, str] | None = None,
        allow_overlap: bool = False,
        opened: tuple[DocumentRecord, DocumentRecord | None] | None = None,
        bidi_note: str = "",
        queue_position: int | None = None,
        queue_problems: list[str] = (),
        encoding: str | None = None,
        expand_later: Callable[[], tuple[list[str], list[str]]] | None = None,
        fold_options: FoldOptions = FoldOptions(),
    ) -> None:
        """``labels`` replace the stored label set (keys 1-9 in this order), taking their
        colours from ``label_colors`` where given; ``label_descriptions`` (from the project
        file) show in the legend and help.  ``opened`` is what ``store.open_document``
        returned, if the caller already did it; ``bidi_note`` says in the help which bidi
        mode is in use and how to switch.

        ``queue_position`` is the queue entry of the document when working through a corpus:
        the rest of the queue is then stored in the background; ``queue_problems`` are the
        files that could not be opened before it; ``expand_later`` gives the files to queue
        (and the paths that gave none) when the caller left walking them to the worker."""
        super().__init__()
        self.bidi_note = bidi_note
        self.document = Document(text)
        self.source = os.path.basename(source)
        self.store = store
        self.options = options
        self.allow_overlap = allow_overlap
        if labels:
            store.set_labels(labels, label_colors)
        self.label_descriptions = dict(label_descriptions or {})
        if opened is None:
            opened = store.open_document(text, os.path.abspath(source))
        self.record, self.replaced = opened
        self.labels = store.labels()
        self._editing: int | None = None  # id of the span whose edges are being edited
        self._editing_selection = 0  # the view's selection that edit is on (selections_started)
        self.fold_options = fold_options  # how search folds text (harakat, alef, ya, ta)
        self._hits: list[tuple[int, int]] = []  # this document's search hits, logical offsets
        self._last_labelled: int | None = None  # id of the span labelled last (for A)
        self._suggestions_only = False  # n/p step through suggestions only
        # The (start, end) n/p stepped to, while the caret stays on its start: two spans that
        # start at one offset are each reached, and named and acted on, this way
        self._stepped_to: tuple[int, int] | None = None
        self._show_others = False  # other annotators' accepted spans drawn (t)
        self._seen_version = store.data_version()
        self._saved_caret = self._caret = self.record.caret
        self.queue_position = queue_position
        self._queue_problems = list(queue_problems)
        self._problems_told = 0
        self.encoding = encoding
        self._expand_later = expand_later
        self._storing: tuple[int, int] | None = None  # (checked, total) while the worker runs
        self._progress = ""
        self._quitting = False
        self._store_trouble = ""  # why a write of the app's own failed (told once, retried)
        self._overview_order = OverviewOrder()  # f, s, r in the overview, kept for the session

    def get_default_screen(self) -> ReaderScreen:
        return ReaderScreen(id="_default")

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield DocumentView(self.document, self.options, caret=self.record.caret, id="document")
            yield SpanList(id="spans")
        yield SearchBar(self.options, id="search")
        yield Legend(id="legend")
        yield StatusBar(id="status")

    def on_mount(self) -> None:
        exit_on_signals(self)  # kill -TERM, a closed terminal: saved and restored as by q
        # a watcher, not CaretMoved: it runs at once, so n/p can set _stepped_to after moving
        self.watch(self.view, "caret", self._forget_step, init=False)
        self._reload_spans()
        self.view.focus()
        if self.replaced is not None:
            self.notify(
                "This file changed since it was labelled: it opens as a new version. The old "
                "version keeps its text and spans in the database.",
                title="New version", severity="warning", timeout=10,
            )
        self.set_interval(POLL_SECONDS, self._poll_store)
        if self.queue_position is not None:
            self._tell_problems(self._queue_problems)
            self._update_progress()
            self.call_after_refresh(self._fill_queue)  # after the first screen

    def on_unmount(self) -> None:
        stop_exit_signals()
        self._save_caret()  # an exit other than q (Ctrl+Q): nobody left to tell

    async def action_quit(self) -> None:
        # Keys typed after q in the same burst (a fast typist, a paste) are still dispatched
        # while the app exits; every action commits at once, so they must do nothing.
        self._quitting = True
        if not self._save_caret():  # said after the screen is gone, where it can be read
            self.exit(message=Text(f"annotator: the caret was not saved ({self._store_trouble}); "
                                   "everything committed before is kept"))
            return
        await super().action_quit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._quitting:
            return False
        # F's screen is not modal, so the app's bindings stay live under it: the reader's
        # keys (x, Delete, Ctrl+Z, 1-9 ...) must not act, unseen, on the document behind it.
        return isinstance(self.screen, ReaderScreen) or action not in self._reader_actions()

    @classmethod
    def _reader_actions(cls) -> set[str]:
        return {binding.action.partition("(")[0] for binding in cls.BINDINGS} - {"quit"}

    @property
    def view(self) -> DocumentView:
        return self.query_one(DocumentView)

    # -- the store --------------------------------------------------------------------------

    def _load_spans(self) -> tuple[list, list]:
        """(the spans keys act on, the spans only drawn with t) of the open document."""
        # One's own spans and the suggestions still open to one are the ones keys act on;
        # another annotator's accepted spans are only ever drawn (t), never in self.spans.
        me = self.store.annotator
        accepted = self.store.spans(self.record.id, ("accepted",))
        suggestions = self.store.suggestions(self.record.id, allow_overlap=self.allow_overlap)
        return (sorted([s for s in accepted if s.annotator == me] + suggestions,
                       key=lambda s: (s.start, s.end, s.id)),
                [s for s in accepted if s.annotator != me])

    def _reload_spans(self) -> None:
        self.spans, self.others = self._load_spans()
        colours = dict(self.labels)
        self.view.set_spans(self.spans, colours)
        self.view.set_others(self.others if self._show_others else [])
        self.query_one(SpanList).show_spans(self.spans, self.document.text, colours, self.options)
        self.query_one(Legend).show_labels(self.labels, self.allow_overlap, len(self.spans),
                                           self.label_descriptions, self.options)
        self._update_status()

    def _poll_store(self) -> None:
        """Show what another window on the same database committed; save the caret."""
        try:
            version = self.store.data_version()
            if version != self._seen_version:
                self._seen_version = version
                self.labels = self.store.labels()
                self.record = self.store.document(self.record.id)
                self._update_progress()
                self._reload_spans()
        except StoreError as error:  # the screen keeps what it showed; the next poll retries
            self._tell_store_trouble(error)
            return
        self._save_caret()

    def _save_caret(self) -> bool:
        """Save the caret if it moved; False if that failed (told, and retried by the next
        poll)."""
        if self._caret != self._saved_caret:
            if not self._own_write(self.store.set_caret, self.record.id, self._caret):
                return False
            self._saved_caret = self._caret
        return True

    def _own_write(self, action, *args) -> bool:
        """A write the app makes of its own accord (the caret, a document's status, the
        queue position).  One that fails -- a full disk -- must not end the app: what was
        committed stays committed, the user is told (once, until a write works again) and
        carries on reading; the caret is tried again at the next poll."""
        try:
            action(*args)
        except StoreError as error:
            self._tell_store_trouble(error)
            return False
        if self._store_trouble:
            self._store_trouble = ""
            self.notify("Saving works again", markup=False)
        return True

    def _tell_store_trouble(self, error: StoreError) -> None:
        if not self._store_trouble:
            self.notify(neutralised(str(error)), title="Not saved", severity="error",
                        timeout=30, markup=False)
        self._store_trouble = neutralised(str(error))

    def _commit(self, action, *args, **kwargs) -> bool:
        """Run one store action; on refusal say why and change nothing on screen."""
        try:
            result = action(*args, **kwargs)
        except StoreError as error:
            self.notify(neutralised(str(error)), severity="warning", markup=False)
            return False
        self._reload_spans()
        self._save_caret()  # reopening after a crash puts the caret where the work was
        self._mark_in_progress()
        if isinstance(result, str):
            self.notify(neutralised(result), markup=False)  # quotes labels: not markup
        return True

    def _mark_in_progress(self) -> None:
        """A new document whose spans the user changed (labelled, or accepted or rejected
        suggestions) is in progress."""
        if self.record.status == "new" and self._own_write(
                self.store.set_status, self.record.id, "in_progress"):
            self.record = self.store.document(self.record.id)
            self._update_status()

    # -- labelling --------------------------------------------------------------------------

    def _spans_here(self) -> list:
        """The spans under the caret, innermost first -- except the one n/p stepped to,
        which comes first: the status bar names it and the keys act on it."""
        spans = self.view.spans_at(self.view.caret)
        if self._stepped_to is None:
            return spans
        return sorted(spans, key=lambda s: (s.start, s.end) != self._stepped_to)  # stable

    def _forget_step(self, _old: int, caret: int) -> None:
        if self._stepped_to is not None and caret != self._stepped_to[0]:
            self._stepped_to = None

    def _span_here(self, statuses=("accepted", "suggested")):
        spans = [s for s in self._spans_here() if s.status in statuses]
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
        if self._still_editing():
            self._apply_edit(label)
            return
        extent = view.selection
        if extent is not None and (extent := self._trimmed(*extent)) is None:
            return
        span = self._span_here() if extent is None else None
        if span is not None and span.status == "suggested":  # accept it as this label
            self._commit(self.store.decide_suggestion, span.id, "accepted", label=label,
                         allow_overlap=self.allow_overlap)
            return
        if span is not None:
            self._commit(self.store.update_span, span.id, label=label,
                         allow_overlap=self.allow_overlap)
            return
        if extent is None:
            extent = nav.word_at(self.document.text, view.caret)
            if extent is None:
                self.notify("Nothing to label: select text or put the caret on a word",
                            severity="warning")
                return
        if self._refuse_paragraph_break(*extent):
            return
        if self._commit(self.store.add_span, self.record.id, *extent, label,
                        allow_overlap=self.allow_overlap):
            view.action_clear_selection()
            self._last_labelled = self._span_at(*extent, label)

    def action_next_span(self, direction: int) -> None:
        """The next span in (start, end) order: spans starting at one offset, shortest first,
        are each a stop (the caret stays, the status bar names the one stepped to)."""
        spans = ([s for s in self.spans if s.status in self.OFFERS] if self._suggestions_only
                 else self.spans)
        extents = sorted({(s.start, s.end) for s in spans})
        here = self._step_origin(direction)
        ahead = [e for e in extents if e > here] if direction > 0 else [e for e in extents if e < here]
        if not ahead:
            self.notify(f"No more {self.OFFERS_NAME if self._suggestions_only else 'spans'} that way")
            return
        target = ahead[0] if direction > 0 else ahead[-1]
        self.view.move_caret(target[0])
        self._stepped_to = target
        self._update_status()  # the caret may not have moved: the named span did

    def _step_origin(self, direction: int) -> tuple[int, float]:
        """Where n/p step from: the span the status bar names if it starts at the caret, else
        the caret (inside a span, n goes to the next start and p to the previous one)."""
        caret = self.view.caret
        named = self._spans_here()
        if named and named[0].start == caret:
            return caret, named[0].end
        return caret, math.inf if direction > 0 else -math.inf

    def action_delete_span(self) -> None:
        span = self._span_to_act_on()
        if span is not None and span.status == "suggested":
            self.action_reject()  # a suggestion is everyone's: deleting it is rejecting it for me
        elif span is not None:
            self._commit(self.store.delete_span, span.id)

    def action_edit_span(self) -> None:
        span = self._span_to_act_on()
        if span is None:
            return
        if span.status == "suggested":  # the row is everyone's proposal: edit one's own copy
            self.notify("Accept the suggestion first (a), then edit your span", severity="warning")
            return
        self._editing = span.id
        self.view.select(span.start, span.end)
        self._editing_selection = self.view.selections_started
        self.notify("Move the edges with Shift+arrows and o, then Enter (or a label key)")

    def action_apply_edit(self) -> None:
        if self._still_editing():
            self._apply_edit(None)

    def _still_editing(self) -> bool:
        """Whether the edit's selection is still there: Escape or a plain caret move drops it
        and so ends the edit, or a later selection would move the edited span (losing it)."""
        view = self.view
        if self._editing is not None and (
                view.selection is None or view.selections_started != self._editing_selection):
            self._editing = None
        return self._editing is not None

    def _trimmed(self, start: int, end: int) -> tuple[int, int] | None:
        """A selection without the whitespace at its edges (a span never starts or ends with
        it), or None after telling the user that it holds nothing else."""
        trimmed = self.document.trimmed(start, end)
        if trimmed is None:
            self.notify("Not labelled: the selection is only whitespace", severity="warning")
        return trimmed

    def _refuse_paragraph_break(self, start: int, end: int) -> bool:
        """A span across a paragraph break is refused: CoNLL and spaCy would read it as two
        entities.  The user labels each paragraph's part instead."""
        if not self.document.crosses_paragraph_break(start, end):
            return False
        self.notify(f"Not labelled: [{start}:{end}] runs across a paragraph break. Label the "
                    "part in each paragraph on its own.", severity="warning")
        return True

    def _apply_edit(self, label: str | None) -> None:
        extent = self._trimmed(*self.view.selection)
        if extent is None:
            return  # still editing, as after a refused paragraph break
        start, end = extent
        if self._refuse_paragraph_break(start, end):
            return  # still editing: the edges can be moved back inside one paragraph
        span_id, self._editing = self._editing, None
        if self._commit(self.store.update_span, span_id, start=start, end=end, label=label,
                        allow_overlap=self.allow_overlap):
            self.view.action_clear_selection()

    # Decisions are this annotator's own: the suggestion stays open to everyone else.
    def action_accept(self) -> None:
        if span := self._span_to_act_on(("suggested",)):
            self._commit(self.store.decide_suggestion, span.id, "accepted",
                         allow_overlap=self.allow_overlap)

    def action_reject(self) -> None:
        if span := self._span_to_act_on(("suggested",)):
            self._commit(self.store.decide_suggestion, span.id, "rejected")

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
                message += f"; {left} left open (they overlap your accepted spans)"
            return message

        self._commit(decide)

    def action_toggle_suggestions_only(self) -> None:
        self._suggestions_only = not self._suggestions_only
        self.notify(f"n/p: {self.OFFERS_NAME} only" if self._suggestions_only else "n/p: every span")
        self._update_status()

    def action_toggle_others(self) -> None:
        self._show_others = not self._show_others
        self.view.set_others(self.others if self._show_others else [])
        if not self._show_others:
            self.notify("Other annotators' spans hidden")
        elif not self.others:
            self.notify("No other annotator has spans in this document")
        else:
            names = sorted({s.annotator for s in self.others})
            shown = ", ".join(visual_text(neutralised(n), self.options) for n in names)
            self.notify(f"Showing {len(self.others)} spans by {shown}: read-only",
                        markup=False)  # names are untrusted text, not markup
        self._update_status()

    def action_undo(self) -> None:
        self._commit(self.store.undo, self.record.id)

    def action_redo(self) -> None:
        self._commit(self.store.redo, self.record.id)

    def action_toggle_done(self) -> None:
        status = "in_progress" if self.record.status == "done" else "done"
        if self._set_status(status) and status == "done" and self.queue_position is not None:
            self._open_next(unfinished=True)

    def action_skip(self) -> None:
        if self._set_status("skipped") and self.queue_position is not None:
            self._open_next(unfinished=True)

    def _set_status(self, status: str) -> bool:
        """Set the document's status (False, after telling why, if it could not be saved)."""
        try:
            self.store.set_status(self.record.id, status)
        except StoreError as error:
            self.notify(neutralised(str(error)), severity="warning", markup=False)
            return False
        self.record = self.store.document(self.record.id)
        self.notify(f"Document marked {status.replace('_', ' ')}")
        self._update_progress()
        self._update_status()
        return True

    # -- the queue --------------------------------------------------------------------------

    def action_next_document(self, step: int) -> None:
        if self.queue_position is None:
            self.notify("Not working through a queue: open several files or a folder "
                        "(annotator DIR)", severity="warning")
            return
        self._open_next(step=step)

    def _open_next(self, step: int = 1, *, unfinished: bool = False) -> None:
        """Open the next (or previous) openable queue entry; a file that cannot be read is
        told and passed over."""
        position = self.queue_position
        while (entry := self.store.queue_step(position, step, unfinished=unfinished)) is not None:
            try:
                _, record = open_entry(self.store, entry, self.encoding)
            except LoadError as error:
                self._tell_problems([str(error)])
                position = entry.position
                continue
            except StoreError as error:  # storing a file read for the first time (a full disk)
                self.notify(neutralised(str(error)), severity="warning", markup=False)
                return
            self._show(record.id, None, entry.position)
            return
        if unfinished:
            self.notify("Every document in the queue is done or skipped")
        else:
            self.notify("No more documents that way" + (" yet (still storing the queue)"
                                                        if self._storing else ""))

    def show_document(self, doc_id: str, caret: int | None = None) -> None:
        """Replace the open document by ``doc_id`` (a stored document), with the caret at
        ``caret`` or where it was left; the old document's caret is saved first."""
        entry = self.store.queue_entry_of(doc_id)
        self._show(doc_id, caret, None if entry is None else entry.position)

    def _show(self, doc_id: str, caret: int | None, position: int | None) -> None:
        """show_document, at a known queue position (two files with the same text are one
        document at two positions: ] must not jump back to the first)."""
        self._save_caret()
        record = self.store.document(doc_id)
        text = self.store.text(doc_id)
        if position is not None:
            self.queue_position = position
            self._own_write(self.store.set_queue_position, position)
        caret = record.caret if caret is None else max(0, min(caret, len(text)))
        self.record, self.replaced = record, None
        self.document = Document(text)
        self.source = os.path.basename(record.source)
        self._editing, self._stepped_to = None, None
        self._hits, self._last_labelled = [], None  # this document's search hits come anew
        self._saved_caret, self._caret = record.caret, caret
        self.view.set_document(self.document, caret)
        self._update_progress()
        self._reload_spans()
        self._search_anew()

    def action_overview(self) -> None:
        if self.queue_position is None:
            self.notify("Not working through a queue: open several files or a folder "
                        "(annotator DIR)", severity="warning")
            return

        def opened(chosen: tuple[str, int] | None) -> None:
            if chosen is not None:
                doc_id, position = chosen
                self._show(doc_id, None, position)
            self.view.focus()

        self.push_screen(
            QueueOverview(self.store.queue_overview(), self.queue_position, self.options,
                          self._overview_order), opened)

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False)
    def _fill_queue(self) -> None:
        """Store the rest of the queue (new or changed files) without blocking the reader."""
        worker = get_current_worker()

        def progress(checked: int, total: int, problems: list[str]) -> None:
            if not worker.is_cancelled:
                self.call_from_thread(self._queue_filled, checked, total, problems)

        try:
            if self._expand_later is not None:
                files, problems = self._expand_later()
                self.store.enqueue(files)
                self.call_from_thread(self._tell_problems, problems)
            fill_queue(self.store, progress, encoding=self.encoding,
                       stop=lambda: worker.is_cancelled)
        except StoreError as error:
            if not worker.is_cancelled:  # else the store was closed as the app quit
                self.call_from_thread(self.notify, str(error), severity="error", markup=False)

    def _queue_filled(self, checked: int, total: int, problems: list[str]) -> None:
        self._storing = None if checked >= total else (checked, total)
        self._tell_problems(problems)
        self._update_progress()
        self._update_status()

    def _tell_problems(self, problems: list[str]) -> None:
        """One warning per unreadable file, up to PROBLEMS_SHOWN; after that, a count."""
        for problem in problems:
            self._problems_told += 1
            if self._problems_told <= PROBLEMS_SHOWN:
                # markup=False: a file name is untrusted; "[b]" in it is text, not a tag
                self.notify(problem, title="Cannot read", severity="warning", timeout=10,
                            markup=False)
            elif self._problems_told == PROBLEMS_SHOWN + 1:
                self.notify("More files cannot be read: the overview (O) lists them all",
                            severity="warning", timeout=10)

    def _update_progress(self) -> None:
        """The status bar's queue field: position, documents done, storing progress."""
        if self.queue_position is None:
            self._progress = ""
            return
        done, total, _ = self.store.queue_progress()
        rank = self.store.queue_rank(self.queue_position)
        self._progress = f"{rank} of {total} · {done} / {total} done"
        if self._storing is not None:
            self._progress += f" · storing {self._storing[0]} / {self._storing[1]}"

    # -- panels -----------------------------------------------------------------------------

    def action_toggle_span_list(self) -> None:
        panel = self.query_one(SpanList)
        show = not panel.display  # CSS decides by width until the user chooses
        self._show_span_list(show)
        if not show:
            self.view.focus()

    def _show_span_list(self, show: bool) -> None:
        panel = self.query_one(SpanList)
        panel.set_class(show, "-shown")
        panel.set_class(not show, "-hidden")

    def action_focus_next(self) -> None:
        """Tab from the text reaches the span list even where it is hidden (below
        NARROW_COLUMNS, or after l): it is shown as l shows it, then focused."""
        if not isinstance(self.screen, ReaderScreen) or not self.view.has_focus:
            super().action_focus_next()  # the dialogs, the span list, the search box
            return
        panel = self.query_one(SpanList)
        if not panel.display:
            self._show_span_list(True)
        panel.focus()

    def action_focus_previous(self) -> None:
        """Shift+Tab from the text goes the same place as Tab: the span list is the only
        other stop on the reader screen."""
        if isinstance(self.screen, ReaderScreen) and self.view.has_focus:
            self.action_focus_next()
        else:
            super().action_focus_previous()

    def on_span_list_jump(self, message: SpanList.Jump) -> None:
        self.view.move_caret(message.offset)
        self.view.focus()

    def on_document_view_caret_moved(self, message: DocumentView.CaretMoved) -> None:
        self._caret = message.caret  # saved by the poll timer and on exit
        for panel in self.query(SpanList):  # none while the app closes
            panel.caret = message.caret
        self._update_status()

    def _update_status(self) -> None:
        if not self.query(StatusBar) or not self.query(DocumentView):
            return  # the app is closing
        view = self.view
        _, line = view.text_layout.locate(view.caret)
        spans = self._spans_here()
        self.query_one(StatusBar).show_caret(
            self.source, self.document.text, view.caret, line.rtl, view.options,
            spans=spans, selection=view.selection, status=self.record.status,
            progress=self._progress,
            suggestions_only=self._suggestions_only, offers=self.OFFERS_NAME,
            others=self.view.others_at(view.caret),
            annotator=self.store.annotator,
        )

    # -- search -----------------------------------------------------------------------------

    def action_search(self) -> None:
        # The bar takes the legend's row, so the document keeps its size (no relayout).
        self.screen.add_class("-searching")
        self.query_one(SearchBar).open()

    def on_search_bar_submitted(self, message: SearchBar.Submitted) -> None:
        self.search_document(message.query)
        self.view.focus()

    def on_search_bar_closed(self, _: SearchBar.Closed) -> None:
        self.screen.remove_class("-searching")
        self._hits = []
        self.view.set_hits([])
        self.view.focus()

    def search_document(self, query: str) -> None:
        """Highlight every hit of ``query`` and go to the first at or after the caret."""
        self._hits = find_hits(self.document.text, query, self.fold_options)
        bar = self.query_one(SearchBar)
        bar.input.value = query
        self.screen.add_class("-searching")
        if not self._hits:
            self.view.set_hits([])
            bar.show_count(query, None, 0, self.options)
            return
        caret = self.view.caret
        ahead = [n for n, (start, _) in enumerate(self._hits) if start >= caret]
        self._go_to_hit(ahead[0] if ahead else 0)

    def _search_anew(self) -> None:
        """With the search open, a newly shown document gets its own hits and count (the
        caret stays where the document was left, the current hit if it is on one; > goes
        to the next hit)."""
        bar = self.query_one(SearchBar)
        if not bar.screen.has_class("-searching"):
            return
        query, caret = bar.input.value, self.view.caret
        self._hits = find_hits(self.document.text, query, self.fold_options)
        current = next((n for n, (start, end) in enumerate(self._hits) if start <= caret < end),
                       None)
        self.view.set_hits(self._hits, current)
        bar.show_count(query, current, len(self._hits), self.options)

    def _go_to_hit(self, index: int) -> None:
        self.view.set_hits(self._hits, index)
        self.view.move_caret(self._hits[index][0])
        bar = self.query_one(SearchBar)
        bar.show_count(bar.input.value, index, len(self._hits), self.options)

    def action_next_hit(self, direction: int) -> None:
        """The next hit after the caret (or before it), wrapping round the document."""
        if not self._hits:
            self.notify("No search hits: press / to search", severity="warning")
            return
        caret = self.view.caret
        starts = [start for start, _ in self._hits]
        if direction > 0:
            index = next((n for n, s in enumerate(starts) if s > caret), 0)
        else:
            index = next((n for n in reversed(range(len(starts))) if starts[n] < caret),
                         len(starts) - 1)
        self._go_to_hit(index)

    def action_corpus_search(self) -> None:
        query = self.query_one(SearchBar).input.value
        self.push_screen(CorpusSearchScreen(self.store, self.fold_options, self.options, query),
                         self._open_corpus_hit)

    def _open_corpus_hit(self, hit: CorpusHit | None) -> None:
        if hit is None:
            return
        self.show_document(hit.doc_id, caret=hit.start)
        self.search_document(hit.query)

    # -- label all occurrences ----------------------------------------------------------------

    def _span_at(self, start: int, end: int, label: str) -> int | None:
        return next((s.id for s in self.spans
                     if (s.start, s.end, s.label) == (start, end, label)), None)

    def action_label_all(self) -> None:
        """Offer every other whole-word occurrence of the span under the caret (else the span
        labelled last) as a suggestion with its label: here, or in all documents."""
        span = self._span_here(("accepted",))
        if span is None:
            span = next((s for s in self.spans if s.id == self._last_labelled), None)
        if span is None:
            self.notify("Label a span first, then * offers its other occurrences",
                        severity="warning")
            return
        words = self.document.text[span.start:span.end]
        self.notify(f"Looking for «{visual_text(words, self.options)}» in every document")
        self._find_occurrences(self.record.id, self.document.text, words, span.label)

    @work(thread=True, exclusive=True, group="label-all")
    def _find_occurrences(self, doc_id: str, text: str, words: str, label: str) -> None:
        """Off the UI thread: a common word can be in thousands of documents (seconds)."""
        found = {doc_id: suggested_occurrences(
            text, words, self._occupied(doc_id), self.fold_options)}
        for other in self.store.find_documents(words):
            if other not in found:
                found[other] = suggested_occurrences(
                    self.store.text(other), words, self._occupied(other), self.fold_options)
        self.call_from_thread(self._offer_occurrences, doc_id, words, label, found)

    def _occupied(self, doc_id: str) -> list:
        """What ``*`` must not offer again: one's own accepted spans, and the extents of every
        suggestion (decided or not, so a rejected one does not come back) that is not
        another person's own ``*`` proposal.  Others' accepted spans are their business."""
        me = self.store.annotator
        return [s for s in self.store.spans(doc_id, SPAN_STATUSES)
                if (s.annotator == me if s.status == "accepted" else self.store.sees_source(s.annotator))]

    def _offer_occurrences(self, doc_id: str, words: str, label: str,
                           found: dict[str, list[tuple[int, int]]]) -> None:
        if not any(found.values()):
            self.notify("No other occurrences of these words without a span")
            return

        def chosen(choice: str | None) -> None:
            if choice is not None:
                chosen_docs = found if choice == "all" else {doc_id: found[doc_id]}
                self._store_suggestions(chosen_docs, label)

        # The "Looking for" toast would sit over the dialog's choices on a narrow screen.
        self.clear_notifications()
        self.push_screen(LabelAllScreen(words, label, found, doc_id, self.options), chosen)

    @work(thread=True, exclusive=True, group="label-all")
    def _store_suggestions(self, found: dict[str, list[tuple[int, int]]], label: str) -> None:
        """One transaction per document (all of a document's or none), off the UI thread.

        They are stored under the source ``*NAME``, which only NAME sees: what one annotator
        guesses from their own labelling is a proposal to themselves, and showing it to the
        rest of a team would make their labels follow it (and agreement measure that)."""
        added = documents = 0
        problems = []
        source = self.store.private_source
        for doc_id, extents in found.items():
            if not extents:
                continue
            try:
                stored, _ = self.store.add_suggestions(
                    [(doc_id, [(s, e, label) for s, e in extents])], annotator=source)
            except StoreError as error:
                problems.append(str(error))
                continue
            added, documents = added + stored, documents + (stored > 0)
        self.call_from_thread(self._suggestions_stored, label, added, documents, problems)

    def _suggestions_stored(self, label: str, added: int, documents: int,
                            problems: list[str]) -> None:
        for problem in problems[:3]:
            self.notify(problem, severity="warning")
        self._reload_spans()
        self.notify(f"{added} {label} suggestion{'s' if added != 1 else ''} in {documents} "
                    f"document{'s' if documents != 1 else ''}: a accepts, r rejects")

    def action_help(self) -> None:
        bindings = [*DocumentView.BINDINGS, *self.BINDINGS]
        after_l = next(i for i, b in enumerate(bindings) if b.action == "toggle_span_list") + 1
        bindings[after_l:after_l] = HELP_EXTRA_ROWS
        labels = label_rows(self.labels, self.label_descriptions, self.options)
        self.push_screen(HelpScreen(bindings, self.HELP_NOTES, labels, mode=self.bidi_note,
                                    box=QueryInput.BINDINGS))
