"""Other annotators' spans in the app: hidden by default, shown read-only with t, never acted
on.  A real database with two annotators, the real app under Pilot, and the real
`annotator` command in tmux."""

from __future__ import annotations

import re
import subprocess

import pytest
from textual.widgets._toast import Toast

from annotator.store import Store
from annotator.text.layout import visual_text
from annotator.tui.app import AnnotatorApp
from annotator.tui.widgets.document_view import DocumentView
from annotator.tui.widgets.status_bar import StatusBar
from tmux import needs_tmux, terminal  # noqa: F401

TEXT = "زار بان كي مون حلب ثم عاد."
HALAB = TEXT.index("حلب")  # bilal labelled it LOC
BAN = TEXT.index("بان")


def toasts(app) -> str:
    return " ".join(str(toast.render()) for toast in app.screen.query(Toast))


@pytest.fixture
def stores(tmp_path):
    db = tmp_path / "annotations.db"
    with Store(db, annotator="amira") as amira, Store(db, annotator="bilal") as bilal:
        doc = amira.open_document(TEXT, tmp_path / "t.txt")[0].id
        bilal.add_span(doc, HALAB, HALAB + 3, "LOC")
        bilal.add_span(doc, BAN, BAN + 3, "PER")
        yield amira, bilal, doc


def overlined(view: DocumentView) -> str:
    """The text of the cells drawn with a line over them (another annotator's spans)."""
    strip = view.render_line(0)
    return "".join(seg.text for seg in strip if seg.style is not None and seg.style.overline)


async def test_others_spans_are_hidden_then_shown_read_only_with_t(stores):
    amira, bilal, doc = stores
    app = AnnotatorApp(TEXT, "t.txt", amira)
    async with app.run_test(size=(100, 10), notifications=True) as pilot:
        view = app.query_one(DocumentView)
        assert app.spans == [] and overlined(view) == ""
        await pilot.press("t")
        await pilot.pause(0.05)
        assert "Showing 2 spans by bilal: read-only" in toasts(app)
        shown = overlined(view)  # drawn shaped: the letters are presentation forms
        assert shown.strip() and len(shown.replace(" ", "")) == 6
        view.move_caret(HALAB + 1)
        await pilot.pause(0.05)
        assert "LOC [15:18] by bilal (read-only)" in str(app.query_one(StatusBar).render())
        # no key acts on his span: delete, edit, accept, reject find nothing of hers there
        await pilot.press("x", "e", "a", "r")
        assert [(s.start, s.label, s.annotator) for s in bilal.spans(doc)] == [
            (BAN, "PER", "bilal"), (HALAB, "LOC", "bilal")]
        # a label key labels the word as hers, beside his (his span never blocks hers)
        await pilot.press("3")
        mine = [(s.start, s.end, s.label) for s in amira.spans(doc) if s.annotator == "amira"]
        assert mine == [(HALAB, HALAB + 3, "ORG")]
        assert [(s.start, s.label) for s in app.spans] == [(HALAB, "ORG")]
        await pilot.press("t")
        await pilot.pause(0.05)
        assert overlined(view) == "" and "hidden" in toasts(app)


@needs_tmux
def test_t_in_a_real_terminal_draws_another_annotators_span_with_a_line_over_it(stores, terminal, tmp_path):
    amira, _, doc = stores
    amira.close()
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    screen = terminal(tmp_path / "t.txt", 100, 12, "--annotator", "amira")
    screen.wait_for_text("? keys")
    halab = visual_text(TEXT[HALAB:HALAB + 3])  # shaped, in screen order
    assert halab in "".join(screen.screen()) and not bold_before(styled(screen), halab)
    screen.send("t")
    screen.wait_for_text("read-only")
    assert "Showing 2 spans by bilal: read-only" in "".join(screen.screen())
    # drawn bold in LOC's colour, not filled (tmux keeps the overline as an attribute of
    # its own, which it writes back in its own notation)
    assert bold_before(styled(screen), halab)
    screen.send("q")
    with Store(tmp_path / "annotations.db", annotator="bilal") as bilal:
        assert [(s.start, s.annotator) for s in bilal.spans(doc)] == [(BAN, "bilal"), (HALAB, "bilal")]


def bold_before(painted: str, text: str) -> bool:
    """Is ``text`` drawn right after an SGR that turns bold on, with no background?"""
    match = re.search(r"((?:\x1b\[[0-9;:]*m)+)" + re.escape(text), painted)
    codes = match.group(1) if match else ""
    return re.search(r"\x1b\[1[;m]", codes) is not None and "48;" not in codes


def styled(screen) -> str:
    """The pane with its SGR sequences, as tmux keeps them."""
    return subprocess.run(["tmux", "capture-pane", "-e", "-p", "-t", screen.name],
                          capture_output=True, text=True, check=True).stdout
