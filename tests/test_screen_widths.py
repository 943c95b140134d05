"""Narrow and wide terminals: the span list yields the width below 90 columns, the status bar
drops its least useful fields first, toasts leave the legend alone; Tab into the span list."""

import shutil

import pytest
from conftest import SEED
from tmux import Tmux, needs_tmux, terminal  # noqa: F401 (terminal: the fixture)
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from wcwidth import wcswidth
from textual.widgets._toast import Toast

from annotator.store import Store
from annotator.tui.app import AnnotatorApp
from annotator.tui.widgets.document_view import DocumentView
from annotator.tui.widgets.legend import Legend
from annotator.tui.widgets.span_list import SpanList
from annotator.tui.widgets.status_bar import StatusBar, fit

FILE_NAME = "a_rather_long_file_name_for_a_news_article.txt"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "annotations.db", annotator="tester") as store:
        yield store


def status_of(app) -> str:
    return str(app.query_one(StatusBar).render())


@pytest.mark.parametrize("width", [50, 80])
async def test_below_90_columns_the_text_has_the_whole_width(seed_text, store, width):
    app = AnnotatorApp(seed_text, FILE_NAME, store)
    async with app.run_test(size=(width, 20)):
        assert not app.query_one(SpanList).display
        assert app.query_one(DocumentView).region.width == width


async def test_l_shows_the_span_list_below_the_text_when_narrow_and_hides_it_again(seed_text, store):
    app = AnnotatorApp(seed_text, FILE_NAME, store)
    async with app.run_test(size=(50, 20)) as pilot:
        await pilot.press("l")
        panel, view = app.query_one(SpanList), app.query_one(DocumentView)
        assert panel.display and panel.region.width == 50
        assert panel.region.y >= view.region.bottom  # below the text, not beside it
        await pilot.press("l")
        assert not panel.display and view.region.height > 10


@pytest.mark.parametrize("width", [100, 200])
async def test_wide_the_span_list_stands_beside_the_text_and_l_hides_it(seed_text, store, width):
    app = AnnotatorApp(seed_text, FILE_NAME, store)
    async with app.run_test(size=(width, 20)) as pilot:
        panel, view = app.query_one(SpanList), app.query_one(DocumentView)
        assert panel.display and panel.region.x == view.region.right == width - 32
        await pilot.press("l")
        assert not panel.display and view.region.width == width


async def test_narrowing_the_terminal_hides_the_list_and_widening_brings_it_back(seed_text, store):
    app = AnnotatorApp(seed_text, FILE_NAME, store)
    async with app.run_test(size=(120, 20)) as pilot:
        panel = app.query_one(SpanList)
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert not panel.display and app.query_one(DocumentView).region.width == 60
        await pilot.resize_terminal(120, 20)
        await pilot.pause()
        assert panel.display


@pytest.mark.parametrize("width", [50, 80])
async def test_a_narrow_status_bar_keeps_the_offset_the_selection_and_the_keys_hint(
        seed_text, store, width):
    app = AnnotatorApp(seed_text, FILE_NAME, store)
    async with app.run_test(size=(width, 20)) as pilot:
        await pilot.press("shift+left", "shift+left")
        bar = app.query_one(StatusBar)
        status = status_of(app)
        assert "offset 2/3328" in status and "selected [0:3]" in status
        assert status.endswith("? keys") and cell_len(status) <= bar.content_region.width
        assert FILE_NAME not in status  # it went first, with the character's name


async def test_a_wide_status_bar_shows_every_field(seed_text, store):
    app = AnnotatorApp(seed_text, FILE_NAME, store)
    async with app.run_test(size=(200, 20)):
        status = status_of(app)
        for field in ("offset 0/3328", "RTL", "U+0627 ARABIC LETTER ALEF", FILE_NAME, "new",
                      "? keys"):
            assert field in status


kinds = st.sampled_from(["offset", "direction", "selection", "selected text", "word", "span",
                         "character", "file", "status", "keys"])
fields = st.lists(st.tuples(kinds, st.text(min_size=1, max_size=30)), max_size=10)


@given(fields=fields, spare=st.integers(0, 200))
def test_fit_keeps_every_kept_field_whole_whenever_they_fit(fields, spare):
    kept = [text for kind, text in fields if kind in ("offset", "selection", "keys")]
    width = cell_len(" │ ".join(kept)) + spare
    line = fit(fields, width)
    assert cell_len(line) <= width
    position = 0
    for text in kept:  # in their order
        position = line.index(text, position) + len(text)


@pytest.mark.parametrize("descriptions", [{}, {"PER": "a person", "ORG": "an organisation"}])
async def test_a_toast_does_not_cover_the_legend_or_the_status_bar(store, descriptions):
    """Also when the project file's descriptions give the legend a second row."""
    app = AnnotatorApp("نص قصير", FILE_NAME, store, label_descriptions=descriptions)
    async with app.run_test(size=(60, 12), notifications=True) as pilot:
        await pilot.pause()
        assert app.query_one(Legend).region.height == (2 if descriptions else 1)
        app.notify("A long message that wraps over several lines of the toast " * 3)
        await pilot.pause(0.2)
        toasts = list(app.screen.query(Toast))  # the toast rack sits on the screen
        assert toasts
        for toast in toasts:
            for bar in (app.query_one(Legend), app.query_one(StatusBar)):
                assert not toast.region.overlaps(bar.region)


@pytest.mark.parametrize("width", [50, 80])
async def test_nine_labels_that_do_not_fit_one_row_take_two(store, width):
    """Every label key is on screen: a name cut off the legend cannot be learnt by sight."""
    names = ["PER", "LOC", "ORG", "MISC", "EVENT", "DATE", "MONEY", "PERCENT", "GPE"]
    app = AnnotatorApp("نص قصير", FILE_NAME, store, labels=names)
    async with app.run_test(size=(width, 12)) as pilot:
        await pilot.pause()
        legend = app.query_one(Legend)
        rows = ["".join(segment.text for segment in strip)  # what the terminal is sent
                for strip in legend.render_lines(legend.size.region)]
        text = "\n".join(" ".join(row.split()) for row in rows)
        for key, name in enumerate(names, start=1):
            assert f"{key} {name}" in text
        assert "…" not in text and legend.region.height == 2


async def test_tab_highlights_the_span_under_the_caret_and_enter_jumps_to_it(seed_text, store):
    app = AnnotatorApp(seed_text, FILE_NAME, store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.press("1", "ctrl+left", "ctrl+left", "2")  # two words labelled
        second = max(store.spans(app.record.id), key=lambda s: s.start)
        view = app.query_one(DocumentView)
        view.move_caret(second.start + 1)
        await pilot.press("tab")
        panel = app.query_one(SpanList)
        assert panel.has_focus and panel.highlighted == 1
        view.move_caret(second.start - 2)  # off both spans: the list is about to be reached
        await pilot.press("enter")  # Enter jumps at once, no Down needed
        assert view.has_focus and view.caret == second.start


async def test_tab_with_the_caret_off_every_span_highlights_the_first(seed_text, store):
    app = AnnotatorApp(seed_text, FILE_NAME, store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.press("ctrl+left", "1", "ctrl+left", "ctrl+left", "2", "ctrl+left")
        await pilot.press("tab", "enter")
        first = min(store.spans(app.record.id), key=lambda s: s.start)
        assert app.query_one(DocumentView).caret == first.start


# -- in a real terminal ----------------------------------------------------------------------


@needs_tmux
@pytest.mark.parametrize("width", [50, 80, 100, 200])
def test_the_real_screen_at_each_width(tmp_path, width):
    session = Tmux([shutil.which("annotator"), str(SEED), "--db", str(tmp_path / "a.db")],
                   width, 20)
    try:
        rows = session.wait_for(lambda rows: "? keys" in rows[-2])
        text_rows, legend, status = rows[:-3], rows[-3], rows[-2]
        assert status.strip().startswith("offset 0/3328") and status.rstrip().endswith("? keys")
        assert "MISC" in legend.split()  # every label, not cut
        assert "0 spans" in legend and "…" not in legend  # the note left out whole, not cut
        widest = max(wcswidth(row.rstrip()) for row in text_rows)
        if width < 90:  # no span list: the text runs across the whole width
            assert widest > width - 10 and "▏" not in "".join(text_rows)
        else:
            assert widest == width and "No spans yet" in "".join(text_rows)  # list beside it
        if width == 200:
            assert SEED.name in status and "overlaps refused" in legend
    finally:
        session.close()


async def test_showing_the_list_below_the_text_keeps_the_caret_in_view(seed_text, store):
    app = AnnotatorApp(seed_text, FILE_NAME, store)
    async with app.run_test(size=(50, 20)) as pilot:
        view = app.query_one(DocumentView)
        await pilot.press(*["down"] * 16)  # the caret on the text's last visible row
        await pilot.press("l")
        await pilot.pause()
        row, _ = view.text_layout.locate(view.caret)
        top = view.scroll_offset.y
        assert top <= row < top + view.scrollable_content_region.height


@pytest.mark.parametrize("key", ["tab", "shift+tab"])
@pytest.mark.parametrize("width", [50, 80])
async def test_tab_when_narrow_shows_the_span_list_below_the_text_and_reaches_it(
        seed_text, store, width, key):
    app = AnnotatorApp(seed_text, FILE_NAME, store)
    async with app.run_test(size=(width, 20)) as pilot:
        await pilot.press("1")  # a span, so the list has a row to jump to
        view, panel = app.query_one(DocumentView), app.query_one(SpanList)
        view.move_caret(10)
        await pilot.press(key)
        assert panel.display and panel.has_focus and panel.highlighted == 0
        assert panel.region.y >= view.region.bottom  # below the text, as l shows it
        await pilot.press("enter")
        assert view.has_focus and view.caret == store.spans(app.record.id)[0].start
        await pilot.press("l")  # l hides it again, as after l
        assert not panel.display and view.has_focus


async def test_tab_reaches_a_list_hidden_with_l_when_wide(seed_text, store):
    app = AnnotatorApp(seed_text, FILE_NAME, store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.press("l", "tab")
        panel = app.query_one(SpanList)
        assert panel.display and panel.has_focus


@needs_tmux
def test_tab_at_50_columns_shows_the_span_list_below_the_text_in_a_real_terminal(tmp_path):
    session = Tmux([shutil.which("annotator"), str(SEED), "--db", str(tmp_path / "a.db")], 50, 20)
    try:
        session.wait_for(lambda rows: "? keys" in rows[-2])
        session.send("1")  # the first word as PER
        session.wait_for(lambda rows: "1 span" in rows[-3])
        session.send("Tab")
        rows = session.wait_for(lambda rows: "[0:6]" in "\n".join(rows[:-3]))
        above_legend = rows[:-3]  # (the status bar names the span too)
        listed = [n for n, row in enumerate(above_legend) if "PER" in row and "[0:6]" in row]
        assert listed and listed[0] > 5  # a row of the list, below the text's rows
        assert "offset 0/3328" in rows[-2]
    finally:
        session.close()


def key_rows(rows: list[str]) -> tuple[list[str], int]:
    """The help box's rows from the first key row on (inside the borders), and the column
    where descriptions start."""
    top = next(i for i, row in enumerate(rows) if "╭" in row)
    bottom = next(i for i, row in enumerate(rows) if "╰" in row)
    inside = [row.split("│")[1] for row in rows[top + 1:bottom]]  # (the text may show beside it)
    first = next(i for i, row in enumerate(inside) if "Left: forward" in row)
    return inside[first:], inside[first].index("Left:")


@needs_tmux
@pytest.mark.parametrize("width", [50, 60, 100])
def test_a_long_key_description_wraps_under_its_own_column(terminal, width):
    # At 60 columns "Left: forward in RTL text, back in LTR" went on at the box's left edge,
    # under the keys, so a continuation read like a key of its own.
    session = terminal(SEED, width, 40)
    session.wait_for_text("offset 0/")
    session.send("?")
    rows, column = key_rows(session.wait_for_text("Left: forward"))
    described = []
    for row in rows:
        keys, description = row[:column], row[column:]
        # left of the description: a key, right-aligned against the gap, or nothing at all
        assert not keys.strip() or keys.endswith("  ") and keys[-3] != " ", (column, row)
        described.append((keys.strip(), description.strip()))
    # the wrapped words come back in order under their key
    text = " ".join(d for _, d in described[:3])
    assert text.startswith("Left: forward in RTL text, back in LTR")
    assert described[0][0] == "←" and not [k for k, _ in described[1:] if k][0].startswith("LTR")
