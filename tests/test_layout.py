"""The layout engine: shaping, wrapping, reordering and the cell <-> offset map."""

import arabic_reshaper
import pytest
from arabic_reshaper.ligatures import LIGATURES
from bidi import get_display
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import ARABIC_LETTERS, DIGITS, LATIN, PUNCTUATION, WORDS, mixed_text

from annotator.text import bidi
from annotator.text import navigation as nav
from annotator.text.document import Document, DocumentLayout
from annotator.text.glyphs import Kind
from annotator.text.layout import LayoutOptions, layout_paragraph, visual_text

LAM_ALEF_ONLY = {
    name: name.startswith("ARABIC LIGATURE LAM WITH ALEF") and "MAKSURA" not in name
    for name, _ in LIGATURES
}
RESHAPER = arabic_reshaper.ArabicReshaper(
    configuration={"delete_harakat": True, "support_ligatures": True, **LAM_ALEF_ONLY}
)


def all_lines(text: str, width: int, options: LayoutOptions = LayoutOptions()):
    layout = DocumentLayout(Document(text), width, options)
    y, lines = 0, []
    while (line := layout.line(y)) is not None:
        lines.append(line)
        y += 1
    return lines


def unmirror(text: str) -> str:
    """Fold each mirrored pair to one character, to compare with python-bidi (no mirroring)."""
    return "".join(min(ch, bidi.mirror(ch)) for ch in text)


# -- invariants (design note), over generated mixed text -------------------------------------


@settings(max_examples=300, deadline=None)
@given(text=mixed_text(min_size=1), width=st.integers(1, 40))
def test_every_character_is_covered_by_exactly_one_cell(text, width):
    covered = sorted((cell.start, cell.end) for line in all_lines(text, width) for cell in line.cells)
    position = 0
    for start, end in covered:
        assert start == position and end > start
        position = end
    assert position == len(text)


@settings(max_examples=300, deadline=None)
@given(text=mixed_text(min_size=1), width=st.integers(1, 40))
def test_the_cells_of_a_line_are_a_permutation_of_its_logical_range(text, width):
    for line in all_lines(text, width):
        ranges = sorted((cell.start, cell.end) for cell in line.cells)
        assert ranges[0][0] == line.start and ranges[-1][1] == line.end
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))


@settings(max_examples=300, deadline=None)
@given(text=mixed_text(min_size=1), width=st.integers(1, 40))
def test_no_line_is_wider_than_the_view_unless_one_cell_is(text, width):
    for line in all_lines(text, width):
        assert line.width <= width or len(line.cells) == 1


@settings(max_examples=300, deadline=None)
@given(text=mixed_text(min_size=1), width=st.integers(2, 40), data=st.data())
def test_clicking_a_column_reads_back_the_offset_drawn_there(text, width, data):
    for line in all_lines(text, width):
        if not line.cells:
            continue
        column = data.draw(st.integers(0, line.width - 1))
        index = line.cell_at(column)
        cell = line.cells[index]
        drawn_from = sum(c.width for c in line.cells[:index])
        assert drawn_from <= column < drawn_from + cell.width
        assert line.cell_of(cell.start) == index
        assert line.column_of(cell.start) == drawn_from


@settings(max_examples=300, deadline=None)
@given(text=mixed_text(min_size=1), width=st.integers(1, 40), data=st.data())
def test_every_offset_maps_to_the_cell_that_covers_it(text, width, data):
    offset = data.draw(st.integers(0, len(text) - 1))
    layout = DocumentLayout(Document(text), width)
    _, line = layout.locate(offset)
    cell = line.cells[line.cell_of(offset)]
    assert cell.start <= offset < cell.end


@settings(max_examples=300, deadline=None)
@given(text=mixed_text(min_size=1), width=st.integers(1, 40))
def test_no_control_character_reaches_the_terminal(text, width):
    for line in all_lines(text, width):
        for ch in line.text:
            assert not (ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0), repr(line.text)
            assert ch not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def one_line_texts():
    """Single paragraphs without harakat, controls or tabs: what python-bidi gets right."""
    pieces = ARABIC_LETTERS * 3 + WORDS + DIGITS + LATIN + PUNCTUATION + list("()[]«»") + [" "] * 6
    return st.lists(st.sampled_from(pieces), min_size=1, max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=one_line_texts(), direction=st.sampled_from(["rtl", "ltr"]))
def test_a_line_shows_what_python_bidi_shows_for_the_reshaped_text(text, direction):
    """python-bidi (Rust unicode-bidi) is the reference for order; it does not mirror, so
    mirrored pairs are folded on both sides.  The reshaper is limited to lam-alef ligatures
    and deletes harakat, so none are generated here (harakat are checked below)."""
    options = LayoutOptions(direction=direction, show_harakat=False)
    [line] = layout_paragraph(text, 0, 10_000, options)
    expected = get_display(RESHAPER.reshape(text), base_dir="R" if direction == "rtl" else "L")
    assert unmirror(line.text) == unmirror(expected)


# -- the traps listed in the design note -----------------------------------------------------


def test_brackets_are_mirrored_in_right_to_left_runs():
    shown = visual_text("اب (جد) ه")
    # python-bidi alone gives 'ه )دج( با': brackets facing away from the word they hold
    assert shown == visual_text("ه") + " (" + visual_text("جد") + ") " + visual_text("اب")


def test_guillemets_face_the_quoted_words_in_right_to_left_text():
    shown = visual_text("ا «ب» ج")
    assert shown.index("«") < shown.index("»")


def test_brackets_in_left_to_right_runs_are_left_alone():
    assert visual_text("f(x) [y]", LayoutOptions(direction="rtl")).count("(x)") == 1


def test_harakat_are_kept_and_drawn_after_their_letter():
    [line] = layout_paragraph("بَت", 0, 80)
    by_start = {cell.start: cell for cell in line.cells}
    assert by_start[0].text[1:] == "\u064e" and by_start[0].end == 2
    assert line.text.index("\u064e") == line.text.index(by_start[0].text[0]) + 1


def test_hiding_harakat_keeps_them_covered():
    [line] = layout_paragraph("بَت", 0, 80, LayoutOptions(show_harakat=False))
    assert "\u064e" not in line.text
    assert sorted((c.start, c.end) for c in line.cells) == [(0, 2), (2, 3)]


def test_lam_alef_is_one_ligature_cell_covering_both_letters():
    [line] = layout_paragraph("لا", 0, 80)
    assert [(c.text, c.start, c.end) for c in line.cells] == [("\ufefb", 0, 2)]
    [line] = layout_paragraph("كلا", 0, 80)
    assert "\ufefc" in line.text  # final form: the lam joins the kaf before it


def test_abdullah_keeps_its_letters():
    [line] = layout_paragraph("عبدالله", 0, 80)
    assert "\ufdf2" not in line.text
    assert len(line.cells) == 7
    assert arabic_reshaper.reshape("عبدالله").endswith("\ufdf2")  # the trap we avoid


def test_letters_join_into_presentation_forms():
    [line] = layout_paragraph("سلم", 0, 80)
    # visual order is reversed: meem (final), lam (medial), seen (initial)
    assert line.text == "\ufee2\ufee0\ufeb3"


def test_words_of_a_right_to_left_paragraph_run_right_to_left_and_numbers_left_to_right():
    [line] = layout_paragraph("عام 2012 في حلب", 0, 80)
    assert line.rtl
    text = line.text
    assert "2012" in text  # the number keeps its own order
    assert text.index(visual_text("حلب")) < text.index(visual_text("عام"))


def test_escape_sequences_are_drawn_as_symbols():
    [line] = layout_paragraph("a\x1b]0;pwned\x07b", 0, 80)
    assert line.text == "a\u241b]0;pwned\u2407b"
    assert [c.kind for c in line.cells].count(Kind.CONTROL) == 2


def test_a_right_to_left_override_is_shown_and_inert():
    [line] = layout_paragraph("abc\u202edef", 0, 80)
    assert line.text == "abc\u21dadef"  # stored order, with a visible marker


def test_an_isolate_cannot_reorder_the_screen():
    [line] = layout_paragraph("x\u2067abc\u2069y", 0, 80)
    assert line.text == "x\u21fdabc\u21dey"


def test_tabs_are_expanded():
    [line] = layout_paragraph("a\tb", 0, 80)
    assert line.text == "a    b" and line.width == 6


def test_wide_characters_take_two_columns():
    [line] = layout_paragraph("中a", 0, 80)
    assert line.width == 3 and line.cell_at(1) == 0 and line.cell_at(2) == 1


def test_a_right_to_left_paragraph_wraps_with_its_first_words_on_its_first_line(seed_text):
    lines = layout_paragraph(seed_text, 0, 60)
    assert len(lines) > 10
    first = lines[0]
    assert first.start == 0 and first.rtl
    # reading starts at the right edge: the rightmost cell is the first character
    assert first.cells[-1].start == 0
    assert all(line.width <= 60 for line in lines)
    assert [line.start for line in lines[1:]] == [line.end for line in lines[:-1]]


def test_right_to_left_lines_are_right_aligned():
    [line] = layout_paragraph("مرحبا", 0, 20)
    assert line.indent(20) == 15
    [line] = layout_paragraph("hello", 0, 20)
    assert line.indent(20) == 0


def test_direction_can_be_forced():
    [line] = layout_paragraph("hello عالم", 0, 80, LayoutOptions(direction="rtl"))
    assert line.rtl and line.text.startswith(visual_text("عالم"))


def test_terminal_bidi_mode_sends_logical_unshaped_text():
    [line] = layout_paragraph("سلام (1)", 0, 80, LayoutOptions(bidi="terminal"))
    assert line.text == "سلام (1)"
    assert line.rtl and line.indent(80) == 80 - 8  # the terminal reorders; we right-align
    [line] = layout_paragraph("hello سلام", 0, 80, LayoutOptions(bidi="terminal"))
    assert not line.rtl and line.indent(80) == 0


@pytest.mark.parametrize("width", [60, 100, 160])
def test_the_seed_lays_out_at_common_widths(seed_text, width):
    lines = all_lines(seed_text, width)
    assert lines[-1].end == len(seed_text)
    assert "\ufdf2" not in "".join(line.text for line in lines)


@settings(max_examples=300, deadline=None)
@given(text=mixed_text(min_size=1), width=st.integers(1, 40), data=st.data())
def test_highlighting_a_range_styles_exactly_the_cells_that_intersect_it(text, width, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    for line in all_lines(text, width):
        chosen = set(line.cells_intersecting(start, end))
        for index, cell in enumerate(line.cells):
            assert (index in chosen) == (cell.start < end and start < cell.end)


@settings(max_examples=200, deadline=None)
@given(text=mixed_text(min_size=1, max_size=80), width=st.integers(1, 30),
       max_block=st.integers(2, 12))
def test_long_paragraphs_cut_into_blocks_still_cover_every_character_once(text, width, max_block):
    layout = DocumentLayout(Document(text, max_block=max_block), width)
    covered, y = [], 0
    while (line := layout.line(y)) is not None:
        covered += [(cell.start, cell.end) for cell in line.cells]
        y += 1
    position = 0
    for start, end in sorted(covered):
        assert start == position
        position = end
    assert position == len(text)


def test_a_huge_single_line_file_is_laid_out_one_block_at_a_time(seed_text):
    text = (seed_text + " ") * 300  # about a million characters, no line break
    document = Document(text)
    assert document.paragraph_count > 100
    layout = DocumentLayout(document, 98)
    first = layout.line(0)
    assert first.start == 0 and first.rtl and first.cells[-1].start == 0
    block_start, block_end = document.paragraph(1)
    assert text[block_start - 1] == " "  # blocks are cut after a space, inside no word


def test_a_block_cut_from_a_paragraph_keeps_the_paragraph_direction():
    text = "عربي " * 4 + "Latin words here"
    layout = DocumentLayout(Document(text, max_block=22), 80)
    lines = [layout.line(y) for y in range(layout.line_count)]
    assert len(lines) > 1 and all(line.rtl for line in lines if line)


# -- the direction of empty and neutral-only paragraphs -------------------------------------

RTL_EMPTY_RTL = "قال المتحدث باسم الأمم المتحدة\n\nوأضاف أن الوضع في حلب صعب"


@pytest.mark.parametrize("text, directions", [
    (RTL_EMPTY_RTL, ["rtl", "rtl", "rtl"]),
    ("قال\n123 - 456\nوأضاف", ["rtl", "rtl", "rtl"]),  # neutral-only: the one before
    ("Hello\n\nقال", ["ltr", "ltr", "rtl"]),
    ("\n«» 90%\nقال\nHello", ["rtl", "rtl", "rtl", "ltr"]),  # nothing before: the next one
    ("\n\n123\n", ["ltr", "ltr", "ltr"]),  # nothing strong anywhere: left to right
])
def test_an_empty_or_neutral_paragraph_takes_its_neighbours_direction(text, directions):
    layout = DocumentLayout(Document(text), 40)
    assert [layout.direction(i) for i in range(layout.document.paragraph_count)] == directions
    assert [layout.paragraph_lines(i)[0].rtl for i in range(len(directions))] == [
        d == "rtl" for d in directions]


def test_a_forced_direction_still_wins_over_the_neighbours():
    layout = DocumentLayout(Document(RTL_EMPTY_RTL), 40, LayoutOptions(direction="ltr"))
    assert not any(layout.paragraph_lines(i)[0].rtl for i in range(3))


def test_the_caret_crosses_an_empty_line_between_rtl_paragraphs_without_turning_back():
    """Left in a right-to-left paragraph moves forward; at the empty line it used to move
    back (the line counted as left-to-right) and the caret bounced 31 -> 32 -> 31."""
    layout = DocumentLayout(Document(RTL_EMPTY_RTL), 40)
    caret, seen = 0, [0]
    for _ in range(len(RTL_EMPTY_RTL)):
        rtl = layout.locate(caret)[1].rtl
        caret = nav.next_stop(layout, caret) if rtl else nav.previous_stop(layout, caret)  # Left
        seen.append(caret)
    empty_line = RTL_EMPTY_RTL.index("\n\n") + 1
    assert empty_line in seen
    assert seen[-1] == len(RTL_EMPTY_RTL) - 1  # reached the last letter ...
    assert seen[:seen.index(seen[-1]) + 1] == sorted(set(seen))  # ... always forward


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(DIGITS + PUNCTUATION + [" ", "\u202e", "\u2067", "\u200f"]),
                max_size=400).map("".join),
       st.sampled_from(["", "a", "ب", "\u05d0"]), mixed_text(max_size=20))
def test_a_paragraphs_own_direction_is_its_first_strong_letter_however_far(neutral, letter, rest):
    import unicodedata

    from annotator.text.glyphs import neutralised
    from annotator.text.layout import strong_direction

    text = neutral + letter + rest
    first = next((unicodedata.bidirectional(ch) for ch in neutralised(text)
                  if unicodedata.bidirectional(ch) in ("L", "R", "AL")), None)
    assert strong_direction(text) == {None: None, "L": "ltr", "R": "rtl", "AL": "rtl"}[first]
