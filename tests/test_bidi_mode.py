"""``--bidi auto``: mlterm and Konsole get terminal mode, others app mode; the help says which.
In terminal mode every text row starts with LRM, right-to-left text sits in RLE ... PDF: read
off a real pty."""

import re

import pytest
from conftest import SEED
from tmux import ANNOTATOR, Tmux, run_in_pty

from annotator.cli.bidi_mode import choose_bidi

THREE_PARAGRAPHS = "قال المتحدث باسم المنظمة\n\nHello world 123\n"


@pytest.mark.parametrize("environ, mode", [
    ({"MLTERM": "3.9.3", "TERM": "mlterm"}, "terminal"),
    ({"KONSOLE_VERSION": "230805"}, "terminal"),
    ({"VTE_VERSION": "7006"}, "app"),  # VTE honours CSI 8 l: app mode is right there
    ({"TERM": "xterm"}, "app"),
    ({"MLTERM": ""}, "app"),
])
def test_auto_picks_terminal_mode_only_in_self_reordering_terminals(environ, mode):
    chosen, note = choose_bidi("auto", environ)
    assert chosen == mode
    assert note.startswith(f"Bidi: {mode} mode") and "--bidi auto" in note
    assert f"--bidi {'app' if mode == 'terminal' else 'terminal'}" in note  # how to switch


@pytest.mark.parametrize("requested", ["app", "terminal"])
def test_an_explicit_mode_wins_over_the_terminal(requested):
    chosen, note = choose_bidi(requested, {"MLTERM": "3.9.3", "KONSOLE_VERSION": "1"})
    assert chosen == requested and f"(--bidi {requested})" in note


def run_annotator_in_pty(path, db, environ: dict[str, str]) -> bytes:
    """Everything annotator writes to a real terminal from start to quit: q once the third
    paragraph is drawn whole (the first frames are laid out before the width is known)."""
    output, sent_quit, code = run_in_pty([ANNOTATOR, str(path), "--db", str(db)],
                                         "Hello world 123".encode(), environ)
    assert sent_quit and code == 0
    return output


def without_colours(output: bytes) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", output.decode("utf-8"))


def test_in_mlterm_each_row_isolates_its_text_and_no_csi_8_l_is_sent(tmp_path):
    path = tmp_path / "three.txt"
    path.write_text(THREE_PARAGRAPHS, encoding="utf-8")
    output = run_annotator_in_pty(path, tmp_path / "a.db", {"MLTERM": "3.9.3"})
    shown = without_colours(output)
    # right-to-left: LRM, the indent, RLE text PDF; left-to-right: LRM text
    assert re.search("\u200e +\u202bقال المتحدث باسم المنظمة \u202c ", shown)
    assert "\u200eHello world 123 " in shown
    assert b"\x1b[8l" not in output and b"\x1b[8h" not in output


def test_elsewhere_app_mode_sends_visual_order_and_no_isolates(tmp_path):
    path = tmp_path / "three.txt"
    path.write_text(THREE_PARAGRAPHS, encoding="utf-8")
    output = run_annotator_in_pty(path, tmp_path / "a.db", {})
    shown = without_colours(output)
    assert output.startswith(b"\x1b[8l")
    assert not set("\u200e\u202a\u202b\u202c") & set(shown)
    assert "Hello world 123" in shown


@pytest.mark.parametrize("environ, expected", [
    (["MLTERM=3.9.3"], "Bidi: terminal mode"),
    ([], "Bidi: app mode"),
])
def test_the_help_says_which_bidi_mode_is_in_use(tmp_path, environ, expected):
    path = tmp_path / "three.txt"
    path.write_text(THREE_PARAGRAPHS, encoding="utf-8")
    session = Tmux(["env", *environ, ANNOTATOR, str(path), "--db", str(tmp_path / "a.db")], 120, 40)
    try:
        session.wait_for(lambda rows: "Hello world 123" in "\n".join(rows))
        session.send("?")
        rows = session.wait_for(lambda rows: expected in "\n".join(rows))
        assert expected in "\n".join(rows)
    finally:
        session.close()


async def test_terminal_mode_rows_leave_columns_for_the_controls_and_keep_every_letter(tmp_path):
    """mlterm takes a column for each bidi control: the text wraps that much narrower, so
    a full line is never cut, and Left still reads forward in the right-to-left paragraph."""
    from annotator.store import Store
    from annotator.text.layout import TERMINAL_ROW_RESERVE, LayoutOptions
    from annotator.tui.app import AnnotatorApp
    from annotator.tui.widgets.document_view import DocumentView

    text = SEED.read_text(encoding="utf-8")
    with Store(tmp_path / "a.db", annotator="tester") as store:
        app = AnnotatorApp(text, "seed.txt", store, LayoutOptions(bidi="terminal"))
        async with app.run_test(size=(100, 20)) as pilot:
            view = app.query_one(DocumentView)
            width = view.scrollable_content_region.width
            assert view.text_layout.width == width - TERMINAL_ROW_RESERVE
            shown = ""
            for y in range(18):
                row = "".join(segment.text for segment in view.render_line(y))
                assert row.startswith("\u200e") and "\u202b" in row and row.rstrip().endswith("\u202c")
                shown += row.split("\u202b", 1)[1].split("\u202c", 1)[0]
            assert shown == text[:len(shown)]  # logical order, every letter, nothing cut
            await pilot.press("left", "left")
            assert view.caret == 2
