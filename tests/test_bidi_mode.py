"""``--bidi auto``: mlterm and Konsole get terminal mode, others app mode; the help says which.
In terminal mode every text row is LRM + an RLI/LRI ... PDI isolate, read off a real pty."""

import os
import pty
import re
import select
import time

import pytest
from test_terminal import ANNOTATOR, Tmux

from annotator.cli.bidi_mode import choose_bidi

THREE_PARAGRAPHS = "قال المتحدث باسم المنظمة\n\nHello world 123\n"
SELF_REORDERING = ("MLTERM", "KONSOLE_VERSION")


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


def run_in_pty(path, db, environ: dict[str, str]) -> bytes:
    """Everything annotator writes to a real terminal from start to quit: q once the third
    paragraph is drawn whole (the first frames are laid out before the width is known)."""
    pid, fd = pty.fork()
    if pid == 0:
        for name in SELF_REORDERING:
            os.environ.pop(name, None)
        os.environ.update(TERM="xterm-256color", **environ)
        os.execv(ANNOTATOR, [ANNOTATOR, str(path), "--db", str(db)])
    output, sent_quit = b"", False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        if not sent_quit and "Hello world 123".encode() in output:
            os.write(fd, b"q")
            sent_quit = True
    _, status = os.waitpid(pid, 0)
    assert sent_quit and os.waitstatus_to_exitcode(status) == 0
    return output


def without_colours(output: bytes) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", output.decode("utf-8"))


def test_in_mlterm_each_row_isolates_its_text_and_no_csi_8_l_is_sent(tmp_path):
    path = tmp_path / "three.txt"
    path.write_text(THREE_PARAGRAPHS, encoding="utf-8")
    output = run_in_pty(path, tmp_path / "a.db", {"MLTERM": "3.9.3"})
    shown = without_colours(output)
    # right-to-left: LRM, the indent, then RLI text PDI; left-to-right: LRM LRI text PDI
    assert re.search("\u200e +\u2067قال المتحدث باسم المنظمة \u2069", shown)
    assert "\u200e\u2066Hello world 123 \u2069" in shown
    assert b"\x1b[8l" not in output and b"\x1b[8h" not in output


def test_elsewhere_app_mode_sends_visual_order_and_no_isolates(tmp_path):
    path = tmp_path / "three.txt"
    path.write_text(THREE_PARAGRAPHS, encoding="utf-8")
    output = run_in_pty(path, tmp_path / "a.db", {})
    shown = without_colours(output)
    assert output.startswith(b"\x1b[8l")
    assert not set("\u200e\u2066\u2067\u2069") & set(shown)
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
