"""The query box (/ and F) in an app (Pilot) and in a real terminal (tmux): keys, messages,
and what the screen shows -- shaped Arabic in reading order, controls as stand-ins."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import SEED
from textual import events
from textual.app import App, ComposeResult
from tmux import needs_tmux, terminal  # noqa: F401 (a fixture)

import annotator.tui.app
from annotator.store import Store
from annotator.tui.app import AnnotatorApp
from annotator.tui.widgets.document_view import DocumentView
from annotator.tui.widgets.query_input import QueryInput


class OneBox(App):
    """A query box alone, styled as in the reader, recording the messages it posts."""

    CSS_PATH = Path(annotator.tui.app.__file__).with_name("annotator.tcss")

    def __init__(self, value: str = "") -> None:
        super().__init__()
        self.value, self.messages = value, []

    def compose(self) -> ComposeResult:
        yield QueryInput(self.value, placeholder="type here")

    def on_mount(self) -> None:
        self.query_one(QueryInput).focus()

    def on_query_input_changed(self, message: QueryInput.Changed) -> None:
        self.messages.append(("changed", message.value))

    def on_query_input_submitted(self, message: QueryInput.Submitted) -> None:
        self.messages.append(("submitted", message.value))


def shown(box: QueryInput) -> str:
    """The box's row as drawn (padding included)."""
    return "".join(segment.text for segment in box.render_line(0))


def caret_cells(box: QueryInput) -> list[int]:
    """Columns drawn in the caret's style."""
    caret = box.get_component_rich_style("query-input--caret")
    columns, x = [], 0
    for segment in box.render_line(0):
        for _ in segment.text:
            if segment.style and caret.bgcolor and segment.style.bgcolor == caret.bgcolor:
                columns.append(x)
            x += 1
    return columns


async def test_typed_arabic_shows_shaped_right_aligned_and_the_value_stays_logical():
    app = OneBox()
    async with app.run_test(size=(30, 3)) as pilot:
        await pilot.press(*"حلب")
        box = app.query_one(QueryInput)
        assert box.value == "حلب" and box.caret == 3
        # beh final, lam medial, hah initial, right-aligned; the caret left of them
        assert shown(box).rstrip() == " " * 25 + "\ufe90\ufee0\ufea3"  # 28 columns in
        assert caret_cells(box) == [24]
        assert app.messages[-1] == ("changed", "حلب")


async def test_left_reads_forward_in_an_arabic_query_and_right_in_a_latin_one():
    app = OneBox()
    async with app.run_test(size=(30, 3)) as pilot:
        box = app.query_one(QueryInput)
        await pilot.press(*"حلب", "home")
        assert box.caret == 0 and caret_cells(box) == [27]  # on the rightmost letter
        await pilot.press("left")
        assert box.caret == 1 and caret_cells(box) == [26]
        await pilot.press("right", "right")  # already at the start: stays
        assert box.caret == 0
        await pilot.press("end", "ctrl+u", *"abc", "left")
        assert (box.value, box.caret) == ("abc", 2)
        await pilot.press("ctrl+a")
        assert box.caret == 0


async def test_a_click_puts_the_caret_on_the_letter_clicked():
    app = OneBox("حلب")
    async with app.run_test(size=(30, 3)) as pilot:
        box = app.query_one(QueryInput)
        # 28 columns inside the padding: the caret's cell at 25, then beh, lam, hah at 26-28
        await pilot.click(QueryInput, offset=(28, 0))
        assert box.caret == 0
        await pilot.click(QueryInput, offset=(27, 0))
        assert box.caret == 1
        await pilot.click(QueryInput, offset=(25, 0))
        assert box.caret == 3
        await pilot.click(QueryInput, offset=(5, 0))  # blank: the caret stays
        assert box.caret == 3


async def test_editing_keys_and_messages():
    app = OneBox("old")
    async with app.run_test(size=(30, 3)) as pilot:
        box = app.query_one(QueryInput)
        await pilot.press("ctrl+shift+a", *"لأمم")  # typing replaces the selection
        assert box.value == "لأمم"
        await pilot.press("home", "delete")  # lam-alef is one cluster
        assert box.value == "مم"
        await pilot.press("end", "backspace")
        assert box.value == "م"
        # (Pilot gives a combining mark's key no character, as a terminal would)
        box.post_message(events.Key("arabic_fatha", "\u064e"))
        await pilot.pause()
        assert box.value == "مَ"
        await pilot.press("backspace")  # a harakah goes alone
        assert box.value == "م"
        await pilot.press(*" abc", "ctrl+w")
        assert box.value == "م "
        await pilot.press("ctrl+u", "enter")
        assert box.value == ""
        assert app.messages[-2:] == [("changed", ""), ("submitted", "")]
        assert shown(box).strip() == "type here"  # the placeholder once empty


async def test_a_paste_is_one_line_and_its_controls_show_as_stand_ins():
    app = OneBox()
    async with app.run_test(size=(30, 3)) as pilot:
        box = app.query_one(QueryInput)
        box.post_message(events.Paste("a\x1b[31m\u202eب\nc"))
        await pilot.pause()
        assert box.value == "a\x1b[31m\u202eب c"
        assert shown(box).rstrip() == "a\u241b[31m\u21da\ufe8f c"  # ␛ and ⇚, beh isolated
        assert app.messages == [("changed", box.value)]


async def test_a_long_query_scrolls_to_keep_the_caret_in_view():
    app = OneBox()
    async with app.run_test(size=(12, 3)) as pilot:
        box = app.query_one(QueryInput)
        await pilot.press(*"abcdefghijklmnop")
        assert shown(box) == "hijklmnop "  # 10 columns: 9 letters and the caret
        await pilot.press("home")
        assert shown(box) == "abcdefghij"
        await pilot.press("end", "ctrl+u", *"ابتثجحخدذرزس")  # right to left: ends at the left
        assert caret_cells(box) == [0]
        # seen, left to right: the caret, then the last letters typed: seen isolated,
        # zain, reh, thal isolated, dal final, khah, hah, jeem, theh medial
        assert shown(box) == " \ufeb1\ufeaf\ufead\ufeab\ufeaa\ufea8\ufea4\ufea0\ufe9c"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "annotations.db", annotator="tester") as store:
        yield store


async def test_letters_typed_into_slash_do_not_run_the_readers_one_key_commands(store):
    app = AnnotatorApp("نص فيه حلب", "t.txt", store)
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.press("slash", *"hFl")  # h, F and l are reader keys
        box = app.query_one("#search-input", QueryInput)
        assert box.value == "hFl" and app.focused is box
        assert app.query_one(DocumentView).options.show_harakat  # h did not toggle
        await pilot.press("ctrl+u", *"حلب", "enter")
        assert "1 / 1" in str(app.query_one("#search-count").render())
        await pilot.press("slash", "x")  # the bar opens with the last query selected
        assert box.value == "x"


async def test_undo_keys_typed_in_the_box_leave_the_documents_spans_alone(store):
    """Ctrl+Z, Ctrl+Y and Ctrl+R in the search box must not undo or redo labelling out of
    sight: the box takes them (a search box has no undo of its own)."""
    app = AnnotatorApp("نص فيه حلب", "t.txt", store)
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.press("1")  # PER on the word under the caret
        labelled = store.spans(app.record.id, ("accepted",))
        assert len(labelled) == 1
        await pilot.press("slash", *"حلب")
        for key in ("ctrl+z", "ctrl+z", "ctrl+y", "ctrl+r"):
            await pilot.press(key)
            assert store.spans(app.record.id, ("accepted",)) == labelled, key
        assert app.query_one("#search-input", QueryInput).value == "حلب"
        await pilot.press("escape", "ctrl+z")  # out of the box, undo is undo again
        assert store.spans(app.record.id, ("accepted",)) == []


# -- a real terminal --------------------------------------------------------------------------

def search_bar(rows: list[str]) -> str:
    """The search bar's row: it takes the legend's, just above the status bar."""
    status = next(n for n, row in enumerate(rows) if "? keys" in row)
    return rows[status - 1]


@needs_tmux
def test_slash_shows_an_arabic_query_shaped_and_in_reading_order(terminal):
    session = terminal(SEED, 100, 20)
    session.wait_for_text("? keys")
    session.send("/")
    session.send("-l", "الأمم المتحدة")
    expected = "\ufe93\ufeaa\ufea4\ufe98\ufee4\ufedf\ufe8d \ufee2\ufee3\ufef7\ufe8d"
    rows = session.wait_for(lambda rows: expected in search_bar(rows))
    # right-aligned in its box (88 columns: a column of padding each side, then the hit
    # count's 12), the caret's cell before it: 1 + 86 - 12 letters - 1 caret = 74 blanks
    # before the caret
    assert search_bar(rows).rstrip() == " " * 75 + expected
    assert sum(expected in row for row in rows) == 1  # the text has للأمم, not الأمم


def paste(session, text: str) -> None:
    """Paste ``text`` as a terminal does (bracketed: the app asked for it)."""
    subprocess.run(["tmux", "set-buffer", "-b", session.name, text], check=True)
    subprocess.run(["tmux", "paste-buffer", "-p", "-d", "-b", session.name, "-t", session.name],
                   check=True)


@needs_tmux
def test_pasted_controls_and_a_bidi_override_show_as_stand_ins(terminal):
    session = terminal(SEED, 100, 20)
    session.wait_for_text("? keys")
    session.send("/")
    paste(session, "x\x01\x9b\u202eحلب\u2066")
    # x, then the stand-ins of SOH (␁), CSI (U+FFFD) and RLO (⇚), حلب in visual order (the
    # override reorders nothing), and LRI's stand-in (⇾)
    expected = "x\u2401\ufffd\u21da\ufe90\ufee0\ufea3\u21fe"
    rows = session.wait_for(lambda rows: expected in search_bar(rows))
    assert search_bar(rows).strip() == expected
    # An OSC sequence in a paste never sets the title.  (Textual's key parser turns an ESC
    # inside a bracketed paste into a typed "^" before the widget sees it; a Paste event
    # holding ESC shows ␛: test_a_paste_is_one_line_and_its_controls_show_as_stand_ins.)
    session.send("C-u")
    paste(session, "\x1b]0;pwned\x07")
    session.wait_for(lambda rows: "pwned" in search_bar(rows))
    assert session.title() != "pwned"
