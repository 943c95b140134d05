"""The reader app, driven with Textual's Pilot: keys move the caret to logical offsets."""

import pytest

from screen_text import help_text
from annotator.text import navigation as nav
from annotator.tui.app import AnnotatorApp
from annotator.store import Store
from annotator.text.layout import visual_text
from annotator.tui.widgets.document_view import DocumentView
from annotator.tui.widgets.status_bar import StatusBar

MIXED = "مرحبا بالعالم\nHello world\nكلمة (Word) أخرى"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "annotations.db", annotator="tester") as store:
        yield store


def view_of(app: AnnotatorApp) -> DocumentView:
    return app.query_one(DocumentView)


async def test_left_arrow_moves_forward_in_a_right_to_left_paragraph(seed_text, store):
    app = AnnotatorApp(seed_text, "seed.txt", store)
    async with app.run_test(size=(100, 30)) as pilot:
        assert view_of(app).caret == 0
        await pilot.press("left", "left", "left")
        assert view_of(app).caret == 3
        await pilot.press("right")
        assert view_of(app).caret == 2


async def test_right_arrow_moves_forward_in_a_left_to_right_paragraph(store):
    app = AnnotatorApp(MIXED, "mixed.txt", store)
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.press("down")
        view = view_of(app)
        hello = MIXED.index("Hello")
        assert MIXED.index("\n") < view.caret <= hello + len("Hello world")
        view.caret = hello
        await pilot.press("right", "right")
        assert view.caret == hello + 2
        await pilot.press("left")
        assert view.caret == hello + 1


async def test_a_lam_alef_is_one_caret_stop(store):
    text = "الاسم"
    app = AnnotatorApp(text, "text.txt", store)
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.press("left")
        assert view_of(app).caret == 1  # on the lam of لا
        await pilot.press("left")
        assert view_of(app).caret == 3  # past the alef, which the ligature drew


async def test_word_moves_go_to_word_starts_in_reading_order(seed_text, store):
    app = AnnotatorApp(seed_text, "seed.txt", store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+left")
        assert view_of(app).caret == seed_text.index(" ") + 1  # second word: كامل
        await pilot.press("ctrl+left")
        assert seed_text[view_of(app).caret :].startswith("لصفوف")
        await pilot.press("ctrl+right")
        assert seed_text[view_of(app).caret :].startswith("كامل")


async def test_home_end_and_document_edges(seed_text, store):
    app = AnnotatorApp(seed_text, "seed.txt", store)
    async with app.run_test(size=(100, 30)) as pilot:
        view = view_of(app)
        await pilot.press("end")
        _, first_line = view.text_layout.locate(0)
        assert view.caret == max(first_line.logical_starts())
        await pilot.press("home")
        assert view.caret == 0
        await pilot.press("ctrl+end")
        assert view.caret == len(seed_text) - 1
        assert view.scroll_offset.y > 0  # the caret's line was scrolled into view
        await pilot.press("ctrl+home")
        assert view.caret == 0 and view.scroll_offset.y == 0


async def test_down_moves_to_the_next_screen_line_at_the_same_column(seed_text, store):
    app = AnnotatorApp(seed_text, "seed.txt", store)
    async with app.run_test(size=(100, 30)) as pilot:
        view = view_of(app)
        column = nav.caret_column(view.text_layout, 0)
        await pilot.press("down")
        y, line = view.text_layout.locate(view.caret)
        assert y == 1
        assert abs(nav.caret_column(view.text_layout, view.caret) - column) <= 1
        await pilot.press("up")
        assert view.caret == 0


async def test_page_down_moves_a_screenful(seed_text, store):
    app = AnnotatorApp(seed_text, "seed.txt", store)
    async with app.run_test(size=(100, 12)) as pilot:
        view = view_of(app)
        await pilot.press("pagedown")
        y, _ = view.text_layout.locate(view.caret)
        assert y == view.scrollable_content_region.height - 1
        assert view.scroll_offset.y > 0


async def test_a_resize_rewraps_and_keeps_the_caret(seed_text, store):
    app = AnnotatorApp(seed_text, "seed.txt", store)
    async with app.run_test(size=(100, 30)) as pilot:
        view = view_of(app)
        view.caret = 1000
        await pilot.pause()
        lines_wide = view.text_layout.line_count
        await pilot.resize_terminal(60, 30)
        await pilot.pause()
        assert view.text_layout.width < 60
        assert view.text_layout.line_count > lines_wide
        assert view.caret == 1000
        y, _ = view.text_layout.locate(1000)
        top = view.scroll_offset.y
        assert top <= y < top + view.scrollable_content_region.height


async def test_the_status_bar_names_the_offset_and_the_word_under_the_caret(seed_text, store):
    app = AnnotatorApp(seed_text, "seed.txt", store)
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.press("left")
        status = str(app.query_one(StatusBar).render())
        assert "offset 1/3328" in status
        assert visual_text("انهيار") in status
        assert "U+0646 ARABIC LETTER NOON" in status
        assert "annotator tester" in status


async def test_the_status_bar_names_an_arabic_annotator_in_reading_order(seed_text, tmp_path):
    with Store(tmp_path / "annotations.db", annotator="سارة علي") as store:
        app = AnnotatorApp(seed_text, "seed.txt", store)
        async with app.run_test(size=(160, 30)):
            status = str(app.query_one(StatusBar).render())
            assert f"annotator {visual_text('سارة علي')}" in status


async def test_clicking_a_character_puts_the_caret_on_it(seed_text, store):
    app = AnnotatorApp(seed_text, "seed.txt", store)
    async with app.run_test(size=(100, 30)) as pilot:
        view = view_of(app)
        line = view.text_layout.line(2)
        cell = line.cells[5]
        x = line.indent(view.text_layout.width) + line.column_of(cell.start)
        await pilot.click(DocumentView, offset=(x, 2))
        assert view.caret == cell.start


async def test_h_hides_and_shows_harakat(store):
    text = "كَتَبَ الدَّرْسَ"
    app = AnnotatorApp(text, "text.txt", store)
    async with app.run_test(size=(40, 5)) as pilot:
        view = view_of(app)
        assert "\u064e" in view.text_layout.line(0).text
        await pilot.press("h")
        assert "\u064e" not in view.text_layout.line(0).text
        await pilot.press("h")
        assert "\u064e" in view.text_layout.line(0).text


async def test_question_mark_lists_every_key_and_escape_closes_it(store):
    app = AnnotatorApp("نص", "short.txt", store)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        shown = " ".join(help_text(app.screen).split())  # (long descriptions wrap)
        for binding in [*DocumentView.BINDINGS, *AnnotatorApp.BINDINGS]:
            assert binding.description in shown
        await pilot.press("escape")
        assert type(app.screen).__name__ != "HelpScreen"


async def test_q_quits(store):
    app = AnnotatorApp("نص", "short.txt", store)
    async with app.run_test() as pilot:
        await pilot.press("q")
    assert app.return_code == 0


async def test_the_mouse_wheel_scrolls_without_moving_the_caret(seed_text, store):
    from textual.events import MouseScrollDown

    app = AnnotatorApp(seed_text, "seed.txt", store)
    async with app.run_test(size=(100, 12)) as pilot:
        view = view_of(app)
        for _ in range(3):
            view.post_message(MouseScrollDown(view, 5, 5, 0, 0, 0, False, False, False))
            await pilot.pause()
        await pilot.pause(0.3)
        assert view.scroll_offset.y > 0
        assert view.caret == 0


async def test_help_lists_the_search_boxes_keys_after_the_labels(store):
    """The / and F boxes have editing keys of their own (Ctrl+W, Shift+arrows...): ? lists
    them, under a title of their own, after the label keys."""
    app = AnnotatorApp("نص", "short.txt", store)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("question_mark")
        lines = [" ".join(line.split()) for line in help_text(app.screen).splitlines()]
        title = lines.index("In the search boxes (/ and F)")
        assert title > next(i for i, line in enumerate(lines) if line == "Labels")
        box = lines[title + 1:]
        assert "^w Delete the word before the caret" in box
        assert "shift+← Extend the selection left" in box
        assert "home, ^a Start of the query (in reading order)" in box


async def test_help_lists_the_keys_that_are_not_bindings_of_the_reader(store):
    """Tab (Textual's focus key) and the mouse work in the reader: ? lists them too."""
    app = AnnotatorApp("نص", "short.txt", store)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        lines = [" ".join(line.split()) for line in help_text(app.screen).splitlines()]
        assert any(line.startswith("tab Span list:") for line in lines)
        assert any(line.startswith("click, drag Mouse:") for line in lines)
