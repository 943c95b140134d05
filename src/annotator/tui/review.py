"""Review into gold: the reader app walking the documents two or more annotators finished.

The finished annotators' spans are offered as candidates (store/review.py): agreed ones drawn
like suggestions, disputed ones marked; the reviewer's decisions are spans of the gold
annotator (this app's Store's annotator) -- accepted, or ``rejected`` rows that stop a range
being offered after a restart -- with the usual undo.
"""

from __future__ import annotations

from textual.binding import Binding

from annotator.store.review import Candidate, candidates
from annotator.text.glyphs import neutralised

from .app import HELP_NOTES, AnnotatorApp
from .screens.queue_overview import QueueOverview
from .widgets.votes import CANDIDATE_STATUSES, describe_votes

REVIEW_NOTES = (
    "Review into gold: candidates are the ranges the finished annotators labelled. Agreed "
    "ones (everyone gave that range the same label) are drawn like suggestions, disputed "
    "ones bold on a dark ground; the status bar and span list say who gave which label. "
    "Decisions are stored as spans of the gold annotator: accepting makes a gold span, "
    "rejecting a rejected row, and either one on a range stops it being offered. x, e and "
    "u work on gold spans as usual; x on a candidate the status bar names rejects it.\n\n"
)
#: Keys whose meaning changes in review, by key; the rest are the reader's.
REVIEW_BINDINGS = {
    "a": Binding("a", "accept", "Accept the candidate the status bar names (if the annotators "
                 "gave different labels: press the key of the label to take)"),
    "r": Binding("r", "reject", "Reject the candidate the status bar names (stored: it is not "
                 "offered again)"),
    "A": Binding("A", "accept_agreed", "Accept every agreed candidate of the document (those "
                 "overlapping a gold span are left)"),
    "S": Binding("S", "toggle_suggestions_only", "n/p step through open candidates only / "
                 "every span (candidates only at the start)"),
    "t": Binding("t", "toggle_others", "Show/hide the finished annotators' spans (read-only)"),
    "D": Binding("D", "toggle_done", "Mark the document reviewed (done for gold) and open the "
                 "next one not reviewed (on a reviewed one: mark it not done)"),
    "s": Binding("s", "skip", "Skip the document (status skipped for gold) and open the next "
                 "one not reviewed"),
    "right_square_bracket": Binding("right_square_bracket", "next_document(1)",
                                    "Next document to review"),
    "left_square_bracket": Binding("left_square_bracket", "next_document(-1)",
                                   "Previous document to review"),
    "O": Binding("O", "overview", "Overview of the review: gold status, gold spans; Enter opens"),
}
#: Reader actions that have no place in review (they make or decide machine suggestions).
NOT_IN_REVIEW = ("decide_source", "label_all")


class ReviewApp(AnnotatorApp):
    """The reader on a review queue: ``documents`` maps each document to review to the
    annotators who finished it, in queue order; the Store's annotator is the gold one."""

    BINDINGS = [b for b in (REVIEW_BINDINGS.get(b.key, b) for b in AnnotatorApp.BINDINGS)
                if b.action.split("(")[0] not in NOT_IN_REVIEW]
    OFFERS = CANDIDATE_STATUSES
    OFFERS_NAME = "candidates"
    HELP_NOTES = REVIEW_NOTES + HELP_NOTES

    def __init__(self, *args, documents: dict[str, list[str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.documents = dict(documents)
        self.candidates: list[Candidate] = []
        self._suggestions_only = True  # n/p go from candidate to candidate

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in NOT_IN_REVIEW:
            return False
        return super().check_action(action, parameters)

    # -- candidates -------------------------------------------------------------------------

    def _load_spans(self) -> tuple[list, list]:
        """Gold's accepted spans and the open candidates; t shows the finishers' spans."""
        gold = self.store.annotator
        finished = self.documents.get(self.record.id, [])
        every = self.store.spans(self.record.id, ("accepted", "rejected"))
        decided = [(s.start, s.end) for s in every if s.annotator == gold]
        accepted = [s for s in every if s.status == "accepted"]
        self.candidates = candidates(accepted, finished, decided)
        own = [s for s in accepted if s.annotator == gold]
        return own + self.candidates, [s for s in accepted if s.annotator in finished]

    def _candidate_here(self) -> Candidate | None:
        found = [s for s in self._spans_here() if s.status in CANDIDATE_STATUSES]
        return found[0] if found else None

    def _named_candidate(self) -> Candidate | None:
        """The candidate the status bar names first, if it names one before any gold span:
        the keys act on what is named (n/p can name a candidate over a gold span)."""
        here = self._spans_here()
        return here[0] if here and here[0].status in CANDIDATE_STATUSES else None

    def _candidate_to_act_on(self) -> Candidate | None:
        candidate = self._candidate_here()
        if candidate is None:
            self.notify("No open candidate under the caret (n/p go to the next one)",
                        severity="warning")
        return candidate

    def _take(self, candidate: Candidate, label: str) -> None:
        self._commit(self.store.add_span, self.record.id, candidate.start, candidate.end,
                     label, allow_overlap=self.allow_overlap)

    def action_label(self, number: int) -> None:
        """On a candidate (no selection, no gold span there) a label key accepts it with
        that label: how a disputed label is picked."""
        candidate = self._named_candidate()
        if (candidate is not None and self.view.selection is None and self._editing is None
                and number <= len(self.labels)):
            self._take(candidate, self.labels[number - 1][0])
            return
        super().action_label(number)

    def action_delete_span(self) -> None:
        """x on a named candidate rejects it (as x on a suggestion does in the reader),
        rather than deleting a gold span the status bar names second."""
        if self._named_candidate() is not None and self._editing is None:
            self.action_reject()
        else:
            super().action_delete_span()

    def action_edit_span(self) -> None:
        if self._named_candidate() is not None:
            self.notify("Accept the candidate first (a), then edit the gold span",
                        severity="warning")
            return
        super().action_edit_span()

    def action_accept(self) -> None:
        candidate = self._candidate_to_act_on()
        if candidate is None:
            return
        if len(candidate.labels) == 1:
            self._take(candidate, candidate.label)
            return
        keys = {name: n for n, (name, _) in enumerate(self.labels, 1)}
        choices = ", ".join(f"{keys[label]} {neutralised(label)}" if label in keys
                            else f"{neutralised(label)} (no key)" for label in candidate.labels)
        self.notify(f"{describe_votes(candidate, self.options)}: press the label's key to "
                    f"accept it with that label ({choices})", markup=False)

    def action_reject(self) -> None:
        candidate = self._candidate_to_act_on()
        if candidate is None:
            return

        def reject() -> str:
            self.store.add_span(self.record.id, candidate.start, candidate.end,
                                candidate.label, status="rejected")
            return f"rejected [{candidate.start}:{candidate.end}]: u undoes"

        self._commit(reject)

    def action_accept_agreed(self) -> None:
        agreed = [c for c in self.candidates if c.agreed]
        if not agreed:
            self.notify("No agreed candidates left in this document", severity="warning")
            return
        taken, left = self._free_of_gold(agreed)

        def accept() -> str:
            self.store.add_spans(self.record.id, [(c.start, c.end, c.label) for c in taken],
                                 allow_overlap=self.allow_overlap)
            message = f"accepted {len(taken)} agreed candidate{'s' * (len(taken) != 1)}"
            if left:
                message += f"; {left} left (they overlap gold spans)"
            return message

        self._commit(accept)

    def _free_of_gold(self, wanted: list[Candidate]) -> tuple[list[Candidate], int]:
        """The candidates that overlap no gold span (nor one taken before them), and how
        many were left for that; with overlapping spans allowed, all of them."""
        if self.allow_overlap:
            return wanted, 0
        gold = self.store.annotator
        taken: list[tuple[int, int]] = [(s.start, s.end) for s in self.spans
                                        if getattr(s, "annotator", None) == gold]
        chosen = []
        for candidate in wanted:
            if any(start < candidate.end and candidate.start < end for start, end in taken):
                continue
            taken.append((candidate.start, candidate.end))
            chosen.append(candidate)
        return chosen, len(wanted) - len(chosen)

    # -- the review queue -------------------------------------------------------------------

    def on_mount(self) -> None:
        super().on_mount()
        self._update_progress()
        self._update_status()

    def _refresh_documents(self) -> None:
        """Documents another annotator finished since stay reviewable; gold's own status
        is read at the same time (one query)."""
        gold = self.store.annotator
        done = self.store.done_by()
        self._reviewed = {doc for doc, names in done.items() if gold in names}
        for doc, names in done.items():
            finished = [name for name in names if name != gold]
            if len(finished) >= 2:
                self.documents[doc] = finished

    def _update_progress(self) -> None:
        self._refresh_documents()
        order = list(self.documents)
        rank = order.index(self.record.id) + 1 if self.record.id in order else 0
        reviewed = sum(doc in self._reviewed for doc in order)
        self._progress = f"review {rank} of {len(order)} · {reviewed} done"

    def action_next_document(self, step: int) -> None:
        order = list(self.documents)
        here = order.index(self.record.id) if self.record.id in order else -1
        target = here + step
        if not 0 <= target < len(order):
            self.notify("No more documents to review that way")
            return
        self._show(order[target], None, None)

    def _open_next(self, step: int = 1, *, unfinished: bool = False) -> None:
        """After D or s: the next document (wrapping round) gold has neither done nor
        skipped."""
        order = list(self.documents)
        here = order.index(self.record.id) if self.record.id in order else -1
        for doc in order[here + 1:] + order[:here + 1]:
            if doc != self.record.id and self.store.document(doc).status not in ("done", "skipped"):
                self._show(doc, None, None)
                return
        self.notify("Every document to review is reviewed or skipped")

    def action_overview(self) -> None:
        def opened(chosen: tuple[str, int] | None) -> None:
            if chosen is not None:
                self._show(chosen[0], None, None)
            self.view.focus()

        order = list(self.documents)
        here = order.index(self.record.id) if self.record.id in order else None
        self.push_screen(QueueOverview(self.store.documents_overview(order), here, self.options,
                                       self._overview_order, title="Review"), opened)

    def action_toggle_done(self) -> None:
        done = self.record.status != "done"
        if self._set_status("done" if done else "in_progress") and done:
            self._open_next()

    def action_skip(self) -> None:
        if self._set_status("skipped"):
            self._open_next()
