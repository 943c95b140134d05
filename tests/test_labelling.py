"""Labelling from the keyboard (and mouse), driven with Pilot, checked in the real store."""

import pytest

from annotator.tui.app import AnnotatorApp
from annotator.store import Store
from annotator.tui.widgets.document_view import DocumentView
from annotator.tui.widgets.span_list import SpanList
from annotator.tui.widgets.status_bar import StatusBar

SIZE = (120, 30)


@pytest.fixture
def db(tmp_path):
    return tmp_path / "annotations.db"


def open_app(db, text, **kwargs) -> AnnotatorApp:
    return AnnotatorApp(text, "seed.txt", Store(db, annotator="tester"), **kwargs)


def stored(app: AnnotatorApp) -> list[tuple[str, str]]:
    """(label, surface text) of every accepted span in the database, in reading order."""
    text = app.document.text
    return [(s.label, text[s.start : s.end]) for s in app.store.spans(app.record.id, ("accepted",))]


async def go_to(pilot, app, offset: int) -> DocumentView:
    view = app.query_one(DocumentView)
    view.move_caret(offset)
    await pilot.pause()
    return view


async def test_a_label_key_labels_the_word_under_the_caret(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, seed_text.index("حلب") + 1)
        await pilot.press("2")
        assert stored(app) == [("LOC", "حلب")]


async def test_a_selection_extended_by_words_labels_a_two_word_name(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, seed_text.index("بشار الأسد"))
        await pilot.press("ctrl+shift+left", "ctrl+shift+left", "1")
        assert stored(app) == [("PER", "بشار الأسد")]
        assert app.query_one(DocumentView).selection is None  # labelling ends the selection


async def test_moving_the_start_edge_leaves_out_a_proclitic(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        start = seed_text.index("لوكالة الصحافة الفرنسية")
        await go_to(pilot, app, start)
        # select three words, then put the caret on the start edge and move it one letter on
        await pilot.press("ctrl+shift+left", "ctrl+shift+left", "ctrl+shift+left", "o", "shift+left")
        assert app.query_one(DocumentView).selection == (start + 1, start + len("لوكالة الصحافة الفرنسية"))
        await pilot.press("3")
        assert stored(app) == [("ORG", "وكالة الصحافة الفرنسية")]


async def test_characters_inside_a_run_together_word_can_be_labelled(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        start = seed_text.index("الأممالمتحدة")
        await go_to(pilot, app, start)
        await pilot.press("shift+left", "shift+left", "shift+left", "3")  # ا، لأ، م، م
        assert stored(app) == [("ORG", "الأمم")]
        await go_to(pilot, app, start + len("الأمم"))
        await pilot.press("shift+left", "shift+left", "shift+left", "shift+left", "shift+left",
                          "shift+left", "3")
        assert stored(app) == [("ORG", "الأمم"), ("ORG", "المتحدة")]


async def test_an_overlapping_span_is_refused_by_default(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        start = seed_text.index("بان كى مون")
        await go_to(pilot, app, start)
        await pilot.press("1", "ctrl+shift+left", "ctrl+shift+left", "1")
        assert stored(app) == [("PER", "وبان")]  # the word under the caret, with its و


async def test_allow_overlap_keeps_nested_spans(db, seed_text):
    app = open_app(db, seed_text, allow_overlap=True)
    async with app.run_test(size=SIZE) as pilot:
        start = seed_text.index("المرصد السورى")
        await go_to(pilot, app, start)
        await pilot.press("ctrl+shift+left", "ctrl+shift+left", "3")
        await go_to(pilot, app, start + len("المرصد "))
        await pilot.press("shift+left", "shift+left", "shift+left", "shift+left", "shift+left", "4")
        assert sorted(stored(app)) == [("MISC", "السورى"), ("ORG", "المرصد السورى")]


async def test_n_stops_at_each_of_two_spans_starting_at_one_offset_and_keys_act_on_it(db, seed_text):
    # n/p stepped by start offsets: of two spans starting together only the shorter was
    # reached, named and acted on.  Now each is a stop, shortest first.
    app = open_app(db, seed_text, allow_overlap=True)
    async with app.run_test(size=SIZE) as pilot:
        start = seed_text.index("المرصد السورى")
        bar = app.query_one(StatusBar)
        await go_to(pilot, app, start)
        await pilot.press("ctrl+shift+left", "ctrl+shift+left", "3")  # ORG المرصد السورى
        await go_to(pilot, app, start)
        await pilot.press(*["shift+left"] * 5, "4")  # MISC المرصد
        short, long = f"[{start}:{start + 6}]", f"[{start}:{start + 13}]"
        await go_to(pilot, app, 0)
        await pilot.press("n")
        assert app.view.caret == start and f"MISC {short}" in str(bar.render())
        await pilot.press("n")
        assert app.view.caret == start and str(bar.render()).index(f"ORG {long}") < str(
            bar.render()).index(f"MISC {short}")  # named first
        await pilot.press("1")  # relabels the one named, not the innermost
        assert sorted(stored(app)) == [("MISC", "المرصد"), ("PER", "المرصد السورى")]
        await pilot.press("p", "x")
        assert stored(app) == [("PER", "المرصد السورى")]
        await pilot.press("u", "n")  # the deleted one is back; n goes on to the longer
        await pilot.press("right", "left")  # moved away and back: the innermost again
        assert app.view.caret == start
        await pilot.press("x")
        assert stored(app) == [("PER", "المرصد السورى")]


async def test_delete_undo_and_redo(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, seed_text.index("حلب"))
        await pilot.press("2")
        await pilot.press("x")
        assert stored(app) == []
        await pilot.press("u")
        assert stored(app) == [("LOC", "حلب")]
        await pilot.press("u")
        assert stored(app) == []
        await pilot.press("ctrl+r")
        assert stored(app) == [("LOC", "حلب")]


async def test_undo_survives_a_restart(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, seed_text.index("حلب"))
        await pilot.press("2")
        await go_to(pilot, app, seed_text.index("روسيا"))
        await pilot.press("2")
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        assert stored(app) == [("LOC", "حلب"), ("LOC", "روسيا")]
        await pilot.press("u")
        assert stored(app) == [("LOC", "حلب")]


async def test_a_label_key_on_a_span_changes_its_label(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, seed_text.index("حلب"))
        await pilot.press("1", "2")
        assert stored(app) == [("LOC", "حلب")]
        status = str(app.query_one(StatusBar).render())
        assert "LOC [" in status


async def test_editing_a_span_moves_its_edges(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        start = seed_text.index("والجيش")
        await go_to(pilot, app, start)
        await pilot.press("1")  # the whole word, with its proclitic
        await pilot.press("e", "o", "shift+left", "enter")
        assert stored(app) == [("PER", "الجيش")]
        await pilot.press("u")
        assert stored(app) == [("PER", "والجيش")]


@pytest.mark.parametrize("leave", [["escape"], ["left"]])
async def test_an_edit_left_by_dropping_its_selection_does_not_move_the_span_later(
        db, seed_text, leave):
    """e, then Escape (or a plain caret move) ends the edit: a new selection labelled later is
    a new span, not the edited span moved there (which silently lost it)."""
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, seed_text.index("والجيش"))
        await pilot.press("1")
        await pilot.press("e", *leave)
        await go_to(pilot, app, seed_text.index("حلب"))
        await pilot.press("shift+left", "shift+left", "2")
        assert sorted(stored(app)) == [("LOC", "حلب"), ("PER", "والجيش")]
        await pilot.press("enter")  # no edit open: Enter changes nothing
        assert sorted(stored(app)) == [("LOC", "حلب"), ("PER", "والجيش")]


async def test_next_and_previous_span_jump_in_reading_order(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        for word in ("حلب", "روسيا"):
            await go_to(pilot, app, seed_text.index(word))
            await pilot.press("2")
        view = await go_to(pilot, app, 0)
        await pilot.press("n")
        assert view.caret == seed_text.index("حلب")
        await pilot.press("n")
        assert view.caret == seed_text.index("روسيا")
        await pilot.press("p")
        assert view.caret == seed_text.index("حلب")


async def test_the_span_list_shows_spans_and_enter_jumps_to_one(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        for word in ("روسيا", "حلب"):
            await go_to(pilot, app, seed_text.index(word))
            await pilot.press("2")
        panel = app.query_one(SpanList)
        assert panel.option_count == 2
        assert "حلب" not in str(panel.get_option_at_index(0).prompt)  # shown shaped, not raw
        view = await go_to(pilot, app, 0)
        panel.focus()  # highlights the first span (none is under the caret)
        await pilot.press("down", "enter")
        assert view.caret == seed_text.index("روسيا") and view.has_focus
        await pilot.press("l")
        assert not panel.display


async def test_dragging_the_mouse_selects(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(DocumentView)
        line = view.text_layout.line(0)
        indent = line.indent(view.text_layout.width)
        right = indent + line.column_of(0)  # the first letter, at the right edge
        left = indent + line.column_of(5)
        await pilot.mouse_down(DocumentView, offset=(right, 0))
        await pilot.hover(DocumentView, offset=(left, 0))
        await pilot.mouse_up(DocumentView, offset=(left, 0))
        assert view.selection == (0, 6)
        await pilot.press("1")
        assert stored(app) == [("PER", "انهيار")]


async def test_escape_clears_the_selection(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(DocumentView)
        await pilot.press("shift+left", "shift+left")
        assert view.selection == (0, 3)
        await pilot.press("escape")
        assert view.selection is None


async def test_suggestions_are_accepted_or_rejected_with_a_key(db, seed_text):
    with Store(db, annotator="model") as model:
        record, _ = model.open_document(seed_text, "elsewhere.txt")
        for word, label in (("حلب", "LOC"), ("روسيا", "ORG")):
            start = seed_text.index(word)
            model.add_span(record.id, start, start + len(word), label, status="suggested")
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, seed_text.index("حلب"))
        await pilot.press("a")
        await go_to(pilot, app, seed_text.index("روسيا"))
        await pilot.press("r")
        assert stored(app) == [("LOC", "حلب")]
        assert app.store.suggestions(app.record.id) == []  # both decided by the tester
        assert sorted(app.store.decisions(app.record.id).values()) == ["accepted", "rejected"]


async def test_reopening_restores_spans_and_caret(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        view = await go_to(pilot, app, seed_text.index("حلب"))
        await pilot.press("2")
        view.move_caret(1000)
        await pilot.pause()
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE):
        assert app.query_one(DocumentView).caret == 1000
        assert stored(app) == [("LOC", "حلب")]


async def test_a_changed_file_opens_as_a_new_version_and_the_old_keeps_its_spans(db, seed_text):
    app = open_app(db, seed_text)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, seed_text.index("حلب"))
        await pilot.press("2")
        old = app.record.id
    changed = seed_text.replace("حلب", "دمشق", 1)
    app = open_app(db, changed)
    async with app.run_test(size=SIZE):
        assert app.replaced is not None and app.replaced.id == old
        assert stored(app) == []
        assert [(s.label, s.start) for s in app.store.spans(old)] == [("LOC", seed_text.index("حلب"))]
        assert app.store.text(old) == seed_text


async def test_labels_from_the_command_line_set_the_legend_and_keys(db, seed_text):
    app = open_app(db, seed_text, labels=["ORG", "PER"])
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, seed_text.index("حلب"))
        await pilot.press("1")
        await pilot.press("4")  # no fourth label: refused, nothing stored
        assert stored(app) == [("ORG", "حلب")]
        assert "PER" in str(app.query_one("Legend").render())
