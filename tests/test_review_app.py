"""Review into gold in the app (Pilot) and on the command line: a real database where ali and
sara finished the same documents, the real ReviewApp, the real `annotator` command."""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest
from textual.widgets._toast import Toast

from screen_text import help_text
from annotator.cli.review import run
from annotator.store import Store
from annotator.text.layout import visual_text
from annotator.tui.review import ReviewApp
from annotator.tui.widgets.span_list import SpanList
from annotator.tui.widgets.status_bar import StatusBar
from tmux import ANNOTATOR, Tmux, needs_tmux

TEXT = "زار بان كي مون حلب ثم عاد إلى نيويورك مع وفد الأمم المتحدة."
#: (start, end) of a word or words of TEXT.
BAN = (TEXT.index("بان"), TEXT.index("بان") + 3)
HALAB = (TEXT.index("حلب"), TEXT.index("حلب") + 3)
NY = (TEXT.index("نيويورك"), TEXT.index("نيويورك") + 7)
UMAM = TEXT.index("الأمم")
UN_SHORT = (UMAM, UMAM + 5)  # ali: الأمم
UN_LONG = (UMAM, len(TEXT) - 1)  # sara: الأمم المتحدة
OTHER = "نص آخر عن دمشق."


def toasts(app) -> str:
    return " ".join(str(toast.render()) for toast in app.screen.query(Toast))


def gold_spans(store: Store, doc: str, statuses=("accepted",)) -> list[tuple]:
    return [(s.start, s.end, s.label) for s in store.spans(doc, statuses) if s.annotator == "gold"]


@pytest.fixture
def team(tmp_path):
    """ali and sara finished the document; hana did not; a model left a suggestion."""
    db = tmp_path / "annotations.db"
    with Store(db, annotator="ali") as ali, Store(db, annotator="sara") as sara, \
            Store(db, annotator="hana") as hana, Store(db, annotator="gold") as gold:
        doc = ali.open_document(TEXT, tmp_path / "t.txt")[0].id
        for store, spans in [
            (ali, [(*BAN, "PER"), (*HALAB, "LOC"), (*NY, "LOC"), (*UN_SHORT, "ORG")]),
            (sara, [(*BAN, "PER"), (*HALAB, "ORG"), (*NY, "LOC"), (*UN_LONG, "ORG")]),
            (hana, [(*BAN, "LOC")]),
        ]:
            store.add_spans(doc, spans)
        gold.add_suggestions([(doc, [(0, 3, "MISC")])], annotator="spacy")
        ali.set_status(doc, "done")
        sara.set_status(doc, "done")
        hana.set_status(doc, "in_progress")
        yield gold, doc, db


def review_app(gold: Store) -> ReviewApp:
    finished = gold.done_by()
    documents = {doc: [n for n in names if n != "gold"] for doc, names in finished.items()
                 if len([n for n in names if n != "gold"]) >= 2}
    first = next(iter(documents))
    return ReviewApp(gold.text(first), "t.txt", gold, opened=(gold.document(first), None),
                     documents=documents)


@pytest.mark.parametrize("width", [50, 60])
async def test_a_narrow_status_bar_keeps_who_gave_which_label(team, width):
    gold, doc, _ = team
    app = review_app(gold)
    async with app.run_test(size=(width, 16)) as pilot:
        await pilot.press("n", "n")
        assert app.view.caret == HALAB[0]
        bar = str(app.query_one(StatusBar).render())
        assert "ali LOC · sara ORG" in bar and "offset" in bar  # the progress goes first


async def test_at_50_columns_the_bar_still_says_which_of_two_candidates_n_named(team):
    # "ali ORG · (sara: none)" fits 50 columns only with the tight separators: it was
    # dropped, and the bar said nothing about which of الأمم / الأمم المتحدة a and r would take.
    gold, _, _ = team
    app = review_app(gold)
    async with app.run_test(size=(50, 16)) as pilot:
        await pilot.press("n", "n", "n", "n")
        assert app.view.caret == UMAM
        assert "ali ORG · (sara: none)" in str(app.query_one(StatusBar).render())
        await pilot.press("n")
        assert "sara ORG · (ali: none)" in str(app.query_one(StatusBar).render())


async def test_candidates_are_agreed_or_disputed_and_say_who_gave_what(team):
    gold, doc, _ = team
    app = review_app(gold)
    async with app.run_test(size=(120, 16), notifications=True) as pilot:
        shown = [(c.start, c.end, c.label, c.status) for c in app.candidates]
        assert shown == [(*BAN, "PER", "agreed"), (*HALAB, "LOC", "disputed"),
                         (*NY, "LOC", "agreed"), (*UN_SHORT, "ORG", "disputed"),
                         (*UN_LONG, "ORG", "disputed")]
        assert all(s.status != "suggested" for s in app.spans)  # no model suggestions
        await pilot.press("n", "n")  # n goes from candidate to candidate
        assert app.view.caret == HALAB[0]
        bar = str(app.query_one(StatusBar).render())
        assert "ali LOC · sara ORG" in bar
        await pilot.press("n", "n")
        assert "ORG [45:50] ali ORG · (sara: none)" in str(app.query_one(StatusBar).render())
        rows = [str(option.prompt) for option in app.query_one(SpanList).options]
        assert any("= " in row and "agreed: ali, sara" in row for row in rows)
        assert any("≠ " in row and "(ali: none)" in row for row in rows)
        # drawn apart: agreed like a suggestion, disputed also bold on a dark ground
        strip = list(app.view.render_line(0))
        bold = "".join(seg.text for seg in strip if seg.style and seg.style.bold)
        underlined = "".join(seg.text for seg in strip if seg.style and seg.style.underline)
        disputed = [visual_text(TEXT[s:e]) for s, e in (HALAB, UN_LONG)]
        agreed = [visual_text(TEXT[s:e]) for s, e in (BAN, NY)]
        assert all(word in bold for word in disputed)
        assert not any(word in bold for word in agreed)
        assert all(word in underlined for word in agreed + disputed)
        await pilot.press("t")  # the finishers' spans, read-only; hana's is not among them
        assert {s.annotator for s in app.others} == {"ali", "sara"}


async def test_A_accepts_every_agreed_candidate_and_leaves_those_over_gold(team):
    gold, doc, _ = team
    gold.add_span(doc, NY[0], NY[0] + 2, "MISC")  # the reviewer marked part of NY before
    app = review_app(gold)
    async with app.run_test(size=(120, 16), notifications=True) as pilot:
        await pilot.press("A")
        await pilot.pause(0.05)
        assert "accepted 1 agreed candidate; 1 left (they overlap gold spans)" in toasts(app)
        assert gold_spans(gold, doc) == [(*BAN, "PER"), (NY[0], NY[0] + 2, "MISC")]
        assert [c.start for c in app.candidates if c.agreed] == [NY[0]]
        await pilot.press("u")  # one step of the usual undo
        assert gold_spans(gold, doc) == [(NY[0], NY[0] + 2, "MISC")]


async def test_a_on_a_disputed_candidate_asks_for_the_label_and_a_label_key_takes_it(team):
    gold, doc, _ = team
    app = review_app(gold)
    async with app.run_test(size=(120, 16), notifications=True) as pilot:
        app.view.move_caret(HALAB[0] + 1)
        await pilot.press("a")
        await pilot.pause(0.05)
        assert "ali LOC · sara ORG: press the label's key" in toasts(app)
        assert "(2 LOC, 3 ORG)" in toasts(app)
        assert gold_spans(gold, doc) == []
        await pilot.press("3")
        assert gold_spans(gold, doc) == [(*HALAB, "ORG")]
        assert HALAB[0] not in [c.start for c in app.candidates]
        app.view.move_caret(BAN[0])  # an agreed one: a takes its label at once
        await pilot.press("a")
        assert gold_spans(gold, doc) == [(*BAN, "PER"), (*HALAB, "ORG")]


async def test_n_and_p_stop_at_both_candidates_that_start_at_one_offset(team):
    # ali's الأمم and sara's الأمم المتحدة start at one offset: n stopped there once, named
    # the shorter, and a/r took it; the longer was out of reach without moving past it.
    gold, doc, _ = team
    app = review_app(gold)
    async with app.run_test(size=(120, 16), notifications=True) as pilot:

        def bar() -> str:
            return str(app.query_one(StatusBar).render())

        await pilot.press("n", "n", "n", "n")
        assert app.view.caret == UMAM and "ORG [45:50] ali ORG · (sara: none)" in bar()
        await pilot.press("n")  # the longer one: the caret stays, the status bar names it
        assert app.view.caret == UMAM and "ORG [45:58] sara ORG · (ali: none)" in bar()
        await pilot.press("n")
        assert "No more candidates that way" in toasts(app)
        await pilot.press("p")
        assert "[45:50] ali ORG" in bar()
        await pilot.press("n", "a")  # a takes the one named: sara's
        assert gold_spans(gold, doc) == [(*UN_LONG, "ORG")]
        await pilot.press("p", "p", "n")  # back over NY, then forward to ali's again
        assert app.view.caret == UMAM and "[45:50] ali ORG" in bar()
        await pilot.press("r")
        assert gold_spans(gold, doc, ("rejected",)) == [(*UN_SHORT, "ORG")]
        assert [(c.start, c.end) for c in app.candidates] == [BAN, HALAB, NY]


async def test_keys_act_on_the_candidate_named_not_on_a_gold_span_under_it(team):
    # After sara's الأمم المتحدة is gold, p names ali's الأمم (same start) first: a label key,
    # x and e went past it to the gold span under the caret -- relabelled, deleted, edited it.
    gold, doc, _ = team
    app = review_app(gold)
    async with app.run_test(size=(200, 16), notifications=True) as pilot:
        await pilot.press("n", "n", "n", "n", "n", "a")
        assert gold_spans(gold, doc) == [(*UN_LONG, "ORG")]
        await pilot.press("p")
        assert str(app.query_one(StatusBar).render()).index("[45:50] ali ORG") < \
            str(app.query_one(StatusBar).render()).index("ORG [45:58]")
        await pilot.press("2", "e")  # LOC for ali's candidate: refused, it overlaps the gold
        assert gold_spans(gold, doc) == [(*UN_LONG, "ORG")] and app._editing is None
        await pilot.press("x")  # x on a candidate rejects it, as on a suggestion
        assert gold_spans(gold, doc) == [(*UN_LONG, "ORG")]
        assert gold_spans(gold, doc, ("rejected",)) == [(*UN_SHORT, "ORG")]


async def test_r_rejects_for_good_and_a_new_span_is_gold(team, tmp_path):
    gold, doc, _ = team
    app = review_app(gold)
    async with app.run_test(size=(120, 16), notifications=True) as pilot:
        app.view.move_caret(UMAM)
        await pilot.pause()
        await pilot.press("r")  # the innermost one: ali's الأمم
        assert gold_spans(gold, doc, ("rejected",)) == [(*UN_SHORT, "ORG")]
        assert [c.start for c in app.candidates if c.start == UMAM] == [UMAM]  # sara's left
        await pilot.press("a")  # sara's الأمم المتحدة, one label
        assert gold_spans(gold, doc) == [(*UN_LONG, "ORG")]
        app.view.move_caret(TEXT.index("عاد"))  # no candidate there: the word becomes gold
        await pilot.press("4")
        assert gold_spans(gold, doc)[0][2] == "MISC"
        await pilot.press("x")  # x works on gold spans as usual
        assert gold_spans(gold, doc) == [(*UN_LONG, "ORG")]
    again = review_app(gold)  # a restart: the rejection and the decision still hold
    async with again.run_test(size=(120, 16)):
        assert UN_SHORT not in [(c.start, c.end) for c in again.candidates]
        assert UN_LONG not in [(c.start, c.end) for c in again.candidates]


async def test_D_marks_the_document_done_for_gold_and_opens_the_next_to_review(team, tmp_path):
    gold, doc, db = team
    with Store(db, annotator="ali") as ali, Store(db, annotator="sara") as sara:
        second = ali.open_document(OTHER, tmp_path / "u.txt")[0].id
        ali.add_span(second, OTHER.index("دمشق"), OTHER.index("دمشق") + 4, "LOC")
        ali.set_status(second, "done")
        sara.set_status(second, "done")
    app = review_app(gold)
    async with app.run_test(size=(120, 16), notifications=True) as pilot:
        assert "review 1 of 2 · 0 done" in str(app.query_one(StatusBar).render())
        await pilot.press("D")
        assert gold.document(doc).status == "done"
        assert app.record.id == second
        assert [(c.label, c.missing) for c in app.candidates] == [("LOC", ("sara",))]
        assert "review 2 of 2 · 1 done" in str(app.query_one(StatusBar).render())
        await pilot.press("left_square_bracket")
        assert app.record.id == doc
        await pilot.press("right_square_bracket", "left_square_bracket")
        assert app.record.id == doc
        await pilot.press("left_square_bracket")
        await pilot.pause(0.05)
        assert "No more documents to review that way" in toasts(app)
        await pilot.press("O")  # the overview lists the documents to review, gold's status
        await pilot.pause(0.05)
        assert app.screen._title == "Review" and app.screen._done == 1
        assert [r[-1].doc_id for r in app.screen._rows] == [doc, second]
    assert gold.document(doc).status == "done"  # for gold only
    with Store(db, annotator="hana") as hana:
        assert hana.document(doc).status == "in_progress"


def test_nothing_to_review_is_one_line_and_exit_2(tmp_path, capsys):
    db = tmp_path / "annotations.db"
    with pytest.raises(SystemExit) as stop:
        run(["--db", str(db)])
    assert stop.value.code == 2 and not db.exists()
    assert "no database here" in capsys.readouterr().err
    with Store(db, annotator="ali") as ali:
        for n, text in enumerate(["one", "two", "three"]):
            ali.set_status(ali.open_document(text, tmp_path / f"{n}.txt")[0].id, "done")
    with pytest.raises(SystemExit) as stop:
        run(["--db", str(db)])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert err == ("annotator: no document is done by two annotators yet: 3 are done by one "
                   "(run `annotator stats`)\n")


def test_paths_narrow_the_review_to_their_documents(team, tmp_path, capsys):
    _, _, db = team
    (tmp_path / "other.txt").write_text(OTHER, encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        run(["--db", str(db), str(tmp_path / "other.txt")])
    assert stop.value.code == 2
    assert "no document of the given files is done by any annotator yet" in capsys.readouterr().err


@needs_tmux
def test_review_in_a_real_terminal_then_export_the_gold_set(tmp_path, seed_text):
    """ali and sara finished the seed article; the reviewer accepts all agreed, picks one
    label of a dispute and draws a new span; export --annotator gold writes exactly those."""

    db = tmp_path / "annotations.db"
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", seed_text)]
    w3, w6, w14 = words[3], words[6], words[14]
    with Store(db, annotator="ali") as ali, Store(db, annotator="sara") as sara:
        doc = ali.open_document(seed_text, tmp_path / "seed.txt")[0].id
        ali.add_spans(doc, [(*w3, "PER"), (*w6, "LOC"), (*w14, "PER")])
        sara.add_spans(doc, [(*w3, "PER"), (*w6, "ORG"), (*w14, "PER")])
        ali.set_status(doc, "done")
        sara.set_status(doc, "done")
    screen = Tmux([ANNOTATOR, "review", "--db", str(db)], 100, 20)
    try:
        screen.wait_for_text("review 1 of 1")
        screen.send("A")
        screen.wait_for_text("accepted 2 agreed candidates")
        screen.send("n")  # the only open candidate left: w6, ali LOC, sara ORG
        screen.wait_for_text("ali LOC · sara ORG")
        screen.send("3")
        screen.send("C-Home")  # the first word, no candidate there: a new gold span
        screen.wait_for_text("offset 0/")
        screen.send("4")
        screen.wait_for_text("4 spans")
        screen.send("q")
        for _ in range(100):  # the pane closes when annotator exits
            if subprocess.run(["tmux", "has-session", "-t", screen.name],
                              capture_output=True).returncode != 0:
                break
            time.sleep(0.1)
    finally:
        screen.close()
    out = subprocess.run([ANNOTATOR, "export", "--db", str(db), "--annotator", "gold"],
                         capture_output=True, text=True, check=True).stdout
    [record] = [json.loads(line) for line in out.splitlines()]
    spans = [(s["start"], s["end"], s["label"]) for s in record["spans"]]
    assert spans == [(0, 6, "MISC"), (18, 26, "PER"), (39, 45, "ORG"), (85, 91, "PER")]
    assert (w3, w6, w14) == ((18, 26), (39, 45), (85, 91))


async def test_help_lists_the_review_keys_and_not_the_suggestion_ones(team):
    gold, _, _ = team
    app = review_app(gold)
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause(0.05)
        shown = " ".join(help_text(app.screen).split())
        assert "Accept every agreed candidate of the document" in shown
        assert "Reject the candidate the status bar names" in shown
        assert "Review into gold: candidates are" in shown
        assert "Label all occurrences" not in shown and "from the source" not in shown
        await pilot.press("escape", "asterisk", "R")  # no place in review: nothing happens
        assert [s.status for s in gold.spans(app.record.id, ("suggested",))] == ["suggested"]


@pytest.mark.parametrize("args, says", [
    (["--gold", "x\x1b[31m"], "the annotator «x␛[31m» contains control or invisible characters"),
    (["/no/such/file.txt"], "/no/such/file.txt: no such file or folder"),
])
def test_bad_input_is_one_inert_line_and_exit_2(team, capsys, args, says):
    _, _, db = team
    with pytest.raises(SystemExit) as stop:
        run(["--db", str(db), *args])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and says in err
    assert err.count("\n") == 1 and "\x1b" not in err


async def test_a_document_finished_while_reviewing_joins_the_review(team, tmp_path):
    gold, doc, db = team
    app = review_app(gold)
    async with app.run_test(size=(120, 16)) as pilot:
        assert "review 1 of 1" in str(app.query_one(StatusBar).render())
        with Store(db, annotator="ali") as ali, Store(db, annotator="hana") as hana:
            later = ali.open_document(OTHER, tmp_path / "u.txt")[0].id
            ali.set_status(later, "done")
            hana.set_status(later, "done")
        app._poll_store()  # what the timer does each second
        await pilot.pause()
        assert "review 1 of 2" in str(app.query_one(StatusBar).render())
        await pilot.press("right_square_bracket")
        assert app.record.id == later
