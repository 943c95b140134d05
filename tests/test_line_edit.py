"""The query box's model without a terminal: logical editing (LineEdit) and the row it is
drawn as (InputRow), with the caret's cell mapped both ways."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from strategies import mixed_text

from annotator.text.input_row import InputRow
from annotator.text.layout import LayoutOptions
from annotator.text.line_edit import LineEdit, next_stop, one_line, previous_stop

# mixed Arabic, harakat, lam-alef, الله, digits, Latin, brackets, controls; one line
values = mixed_text(newlines=False, max_size=30)


def row_text(row: InputRow) -> str:
    return "".join(text for text, *_ in row.cells())


# -- hand cases: what the row shows, and where the caret is drawn -----------------------------

def test_an_arabic_query_is_shaped_right_to_left_with_the_end_cell_at_the_left():
    row = InputRow("الأمم المتحدة")
    # read right to left: alef (isolated), lam-alef-hamza (isolated), meem initial, meem
    # final; space; alef, lam initial, meem medial, teh medial, hah medial, dal final,
    # teh marbuta isolated -- and one blank cell (the caret at the end) at the far left
    assert row_text(row) == (" \ufe93\ufeaa\ufea4\ufe98\ufee4\ufedf\ufe8d"
                             " \ufee2\ufee3\ufef7\ufe8d")
    assert row.rtl and row.width == 13
    assert row.cell_span(0) == (12, 13)  # the first letter read is the rightmost cell
    assert row.cell_span(13) == (0, 1)
    assert row.cell_span(1) == row.cell_span(2) == (11, 12)  # لأ is one cell
    assert 2 not in row.stops()


def test_digits_in_an_arabic_query_keep_their_order():
    row = InputRow("حلب 2012")
    assert row_text(row) == " 2012 \ufe90\ufee0\ufea3"  # beh final, lam medial, hah initial
    assert [row.cell_span(offset)[0] for offset in range(9)] == [8, 7, 6, 5, 1, 2, 3, 4, 0]
    assert [row.offset_at(column) for column in range(9)] == [8, 4, 5, 6, 7, 3, 2, 1, 0]


def test_a_latin_query_stays_left_to_right_with_the_end_cell_at_the_right():
    row = InputRow("UN حلب")
    assert not row.rtl
    assert row_text(row) == "UN \ufe90\ufee0\ufea3 "
    assert row.cell_span(6) == (6, 7)
    assert row.indent(20) == 0 and InputRow("حلب").indent(20) == 16


def test_controls_show_as_their_stand_ins_and_reorder_nothing():
    row = InputRow("a\x1b\u202eب[")
    assert row_text(row) == "a\u241b\u21da\ufe8f[ "  # ␛ ⇚ beh; no bracket mirrored
    assert not any(ch in row_text(row) for ch in "\x1b\u202e")


def test_terminal_mode_sends_logical_order_with_the_end_cell_last():
    row = InputRow("حلب", LayoutOptions(bidi="terminal"))
    assert row_text(row) == "حلب "
    assert row.rtl and row.indent(10) == 6 and row.cell_span(3) == (3, 4)


def test_a_long_row_scrolls_as_little_as_keeps_the_caret_in_view():
    row = InputRow("abcdefghij")  # 11 columns with the end cell
    assert row.scroll(4, 0, 10) == 7  # the end: columns 7..10
    assert row.scroll(4, 7, 8) == 7  # still in view: no move
    assert row.scroll(4, 7, 2) == 2
    rtl = InputRow("ابتثجحخدذر")
    assert rtl.start_scroll(4) == 7  # the reading start is at the right
    assert rtl.scroll(4, 7, 10) == 0  # the end is at the left


# -- hand cases: editing ----------------------------------------------------------------------

def test_backspace_takes_the_last_harakah_alone():
    edit = LineEdit("بَ", 2)
    assert edit.delete_back() == LineEdit("ب", 1)


def test_delete_takes_a_whole_cluster():
    value = "لأم"
    stops = InputRow(value).stops()
    assert stops == [0, 2, 3]
    assert LineEdit(value, 0).delete_forward(stops) == LineEdit("م", 0)


def test_typing_replaces_the_selection_and_paste_joins_lines():
    edit = LineEdit("old", 3).select_all()
    assert edit.selection == (0, 3)
    assert edit.insert("حلب") == LineEdit("حلب", 3)
    assert LineEdit().insert("الأمم\r\nالمتحدة\n") == LineEdit("الأمم المتحدة ", 14)
    assert one_line("a\u2028b\x85c") == "a b c"


def test_the_ends_and_words():
    edit = LineEdit("قال الأمم المتحدة", 17)
    assert edit.delete_word_back() == LineEdit("قال الأمم ", 10)
    assert LineEdit("قال الأمم", 5).delete_to_start() == LineEdit("لأمم", 0)
    assert LineEdit("قال الأمم", 5).delete_to_end() == LineEdit("قال ا", 5)
    assert LineEdit("abc", 1).move(3, extend=True).selection == (1, 3)
    assert LineEdit("abc", 1).move(9).caret == 3


# -- properties -------------------------------------------------------------------------------

@given(values, st.data())
def test_every_caret_stop_is_drawn_on_a_cell_that_maps_back_to_it(value, data):
    row = InputRow(value)
    for stop in row.stops():
        left, right = row.cell_span(stop)
        assert 0 <= left < right <= row.width
        assert all(row.offset_at(column) == stop for column in range(left, right))


@given(values)
def test_the_cells_cover_every_character_once_and_the_end(value):
    row = InputRow(value)
    covered = sorted(i for _, _, start, end, _ in row.cells() for i in range(start, end))
    assert covered == list(range(len(value)))
    assert sum(width for _, width, *_ in row.cells()) == row.width


@given(values, st.data(), mixed_text(newlines=False, min_size=1, max_size=6))
def test_inserting_at_the_caret_then_backspacing_restores_the_value(value, data, typed):
    caret = data.draw(st.sampled_from(InputRow(value).stops()))
    edit = LineEdit(value, caret).insert(typed)
    typed = one_line(typed)  # (a paragraph separator is pasted as a space)
    assert edit.value[caret:caret + len(typed)] == typed
    for _ in typed:
        edit = edit.delete_back()
    assert edit == LineEdit(value, caret)


@given(values)
def test_stepping_forward_visits_every_stop_and_back_returns(value):
    stops = InputRow(value).stops()
    seen = [0]
    while (step := next_stop(stops, seen[-1])) != seen[-1]:
        seen.append(step)
    assert seen == stops and seen[-1] == len(value)
    back = [seen[-1]]
    while (step := previous_stop(stops, back[-1])) != back[-1]:
        back.append(step)
    assert back == stops[::-1]


@given(values, st.integers(2, 12), st.integers(0, 40), st.data())
def test_the_caret_is_always_in_the_shown_columns(value, box, first, data):
    row = InputRow(value)
    caret = data.draw(st.sampled_from(row.stops()))
    shown = row.scroll(box, first, caret)
    left, right = row.cell_span(caret)
    if row.width <= box:
        assert shown == 0
        return
    assert shown <= left < shown + box  # a cell wider than the box (a tab) shows its start
    assert right <= shown + box or right - left > box
