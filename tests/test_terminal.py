"""End to end: the installed `annotator` in a real terminal (tmux), read off the screen."""

import sqlite3
import time

import arabic_reshaper
import pytest
from arabic_reshaper.ligatures import LIGATURES
from bidi import get_display
from conftest import SEED
from tmux import (  # noqa: F401  (terminal: the fixture)
    ANNOTATOR, crop_columns, needs_annotator, needs_tmux, run_in_pty, terminal,
)

GUTTER = 2  # the document view keeps a stable scrollbar gutter this wide
SPAN_LIST = 32  # the span list panel on the right
# The reference shaper, as in test_layout.py: lam-alef ligatures only (no others are drawn).
RESHAPER = arabic_reshaper.ArabicReshaper(configuration={
    "delete_harakat": True, "support_ligatures": True,
    **{name: name.startswith("ARABIC LIGATURE LAM WITH ALEF") and "MAKSURA" not in name
       for name, _ in LIGATURES},
})
# python-bidi does not mirror (UAX #9 L4); every bracket of the seed is in Arabic text.
MIRRORED = str.maketrans("()«»", ")(»«")
NARROW_COLUMNS = 90  # below this the span list is hidden until l shows it


def reference_rows(paragraph: str, width: int, height: int) -> list[str]:
    """How one right-to-left paragraph should look, computed without the app's engine: words
    shaped one by one (arabic-reshaper), wrapped in logical order -- a line holds the words
    that fit with the space after each -- then each line reordered by python-bidi and
    right-aligned."""
    lines, words = [], []
    for word in paragraph.split(" "):
        shaped = RESHAPER.reshape(word)
        if words and len(" ".join([*words, shaped])) + 1 > width:
            lines.append(" ".join(words) + " ")
            words = []
        words.append(shaped)
    lines.append(" ".join(words))
    rows = [get_display(line, base_dir="R").translate(MIRRORED).rjust(width).rstrip()
            for line in lines[:height]]
    return rows + [""] * (height - len(rows))


@needs_tmux
@pytest.mark.parametrize("width", [60, 100, 160])
def test_the_seed_screen_shows_the_reference_shaping_and_order(terminal, width):
    height = 24
    text = SEED.read_text(encoding="utf-8")
    session = terminal(SEED, width, height)
    # the last two rows are the legend and the status bar
    assert "\n" not in text.strip()  # one paragraph, as reference_rows expects
    text_width = width - GUTTER - (SPAN_LIST if width >= NARROW_COLUMNS else 0)
    expected = reference_rows(text.strip(), text_width, height - 2)
    rows = session.wait_for(lambda rows: expected[0] and expected[0].strip() in rows[0])
    shown = [crop_columns(row, text_width).rstrip() for row in rows[: height - 2]]
    assert shown == expected
    assert "offset 0/3328" in rows[height - 1]


@needs_tmux
def test_keys_move_the_caret_in_the_real_terminal(terminal):
    session = terminal(SEED)
    session.wait_for(lambda rows: "offset 0/" in "\n".join(rows))
    session.send("Left", "Left", "Left")
    rows = session.wait_for(lambda rows: "offset 3/" in "\n".join(rows))
    assert "offset 3/3328" in rows[-2] or "offset 3/3328" in "\n".join(rows)


# Three paragraphs, right to left, the middle one empty; no lam-alef, so one stop per letter:
# the first paragraph is 0-23, its line feed 24, the empty line 25, the third starts at 26.
THREE_PARAGRAPHS = "قال المتحدث باسم المنظمة\n\nوأضاف أن الوضع صعب\n"


@needs_tmux
def test_left_crosses_an_empty_line_between_rtl_paragraphs(terminal, tmp_path):
    path = tmp_path / "three.txt"
    path.write_text(THREE_PARAGRAPHS, encoding="utf-8")
    session = terminal(path)
    session.wait_for(lambda rows: "offset 0/" in "\n".join(rows))
    session.send(*["Left"] * 30)  # it used to bounce 25 -> 26 -> 25 at the empty line
    rows = session.wait_for(lambda rows: "offset 30/" in "\n".join(rows))
    assert "offset 30/45" in "\n".join(rows)
    assert "RTL" in rows[-1] or "RTL" in "\n".join(rows[-2:])


@needs_tmux
def test_shift_left_selects_across_an_empty_line_between_rtl_paragraphs(terminal, tmp_path):
    path = tmp_path / "three.txt"
    path.write_text(THREE_PARAGRAPHS, encoding="utf-8")
    session = terminal(path)
    session.wait_for(lambda rows: "offset 0/" in "\n".join(rows))
    session.send(*["S-Left"] * 30)
    rows = session.wait_for(lambda rows: "offset 30/" in "\n".join(rows))
    assert "selected [0:31]" in "\n".join(rows)


@needs_tmux
def test_hostile_text_is_shown_safely(terminal, tmp_path):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text("title \x1b]0;pwned\x07 end\nabc\u202edef\n\x1b[2J\x1b[31mred\n", encoding="utf-8")
    session = terminal(hostile, 80, 10)
    rows = session.wait_for(lambda rows: "end" in rows[0])
    assert rows[0].startswith("title \u241b]0;pwned\u2407 end")
    assert rows[1].startswith("abc\u21dadef")  # stored order, override made visible and inert
    assert rows[2].startswith("\u241b[2J\u241b[31mred")  # the screen was not cleared
    assert session.title() != "pwned"


@needs_annotator
def test_explicit_bidi_mode_is_set_on_start_and_restored_on_exit(tmp_path):
    """CSI 8 l (ECMA-48 BDSM explicit) before the UI, CSI 8 h after it: read off a pty."""
    output, sent_quit, code = run_in_pty(
        [ANNOTATOR, str(SEED), "--db", str(tmp_path / "a.db")], b"offset 0/")
    assert sent_quit and code == 0
    assert output.startswith(b"\x1b[8l")
    assert output.rstrip().endswith(b"\x1b[8h")


def accepted_spans(db) -> list[tuple[int, int, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT start, end, label FROM spans WHERE status = 'accepted' ORDER BY start").fetchall()
    conn.close()
    return rows


def wait_for_spans(db, expected, timeout: float = 15.0):
    """The accepted spans once they are ``expected`` (each action commits before it shows)."""
    deadline = time.monotonic() + timeout
    while (spans := accepted_spans(db)) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return spans


@needs_tmux
def test_shift_arrows_and_o_select_in_the_real_terminal_and_a_label_key_stores_it(terminal, tmp_path):
    """Keys as the terminal encodes them (Shift+Left is ESC [1;2D): in the seed's
    right-to-left text Left reads forward, Right back."""
    session = terminal(SEED, 120, 24)
    session.wait_for_text("offset 0/")
    session.send("Left", "Left")
    session.wait_for_text("offset 2/")
    session.send("S-Left", "S-Left", "S-Left")
    session.wait_for_text("selected [2:6]")
    session.send("o")  # the caret goes to the other edge...
    session.wait_for_text("offset 2/")
    session.send("S-Right")  # ...so that edge moves: one character back
    rows = session.wait_for_text("selected [1:6]")
    assert "selected [1:6]" in "\n".join(rows)
    session.send("2")
    assert wait_for_spans(tmp_path / "annotations.db", [(1, 6, "LOC")]) == [(1, 6, "LOC")]
    session.wait_for_text("1 span ")


@needs_tmux
def test_edit_with_e_and_undo_with_u_in_the_real_terminal(terminal, tmp_path):
    db = tmp_path / "annotations.db"
    session = terminal(SEED, 120, 24)
    session.wait_for_text("offset 0/")
    session.send("Left", "S-Left", "S-Left", "S-Left", "S-Left", "1")  # PER [1:6]
    assert wait_for_spans(db, [(1, 6, "PER")]) == [(1, 6, "PER")]
    session.send("e")  # select the span under the caret, to move its edges
    session.wait_for_text("selected [1:6]")
    session.send("S-Right", "Enter")  # the far edge one character back, then apply
    assert wait_for_spans(db, [(1, 5, "PER")]) == [(1, 5, "PER")]
    session.send("u")
    assert wait_for_spans(db, [(1, 6, "PER")]) == [(1, 6, "PER")]
    session.send("u")
    assert wait_for_spans(db, []) == []
    rows = session.wait_for_text("0 spans")
    assert "0 spans" in "\n".join(rows)
