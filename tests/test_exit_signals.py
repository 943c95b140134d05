"""kill -TERM, -HUP and -INT end the real `annotator` in a real terminal (tmux) as q does: the
terminal is given back cooked (echo, line editing), the caret is saved, the status says which
signal it was."""

import os
import shlex
import signal
import sqlite3
from pathlib import Path

import pytest
from conftest import SEED
from tmux import ANNOTATOR, Tmux, needs_tmux

# The terminal's mode after the app, as two words: "icanon echo" when it is cooked again.
MODE = ("stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo"
        " | tr '\\n' ' '")


def app_pid(db: Path) -> int | None:
    """The annotator process using this database (its command line names it)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if str(db).encode() in argv and any(b"annotator" in a for a in argv[:2]):
                return int(entry.name)
    return None


@needs_tmux
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT],
                         ids=lambda n: signal.Signals(n).name)
def test_a_signal_saves_the_caret_and_gives_the_terminal_back(tmp_path, number):
    db = tmp_path / "annotations.db"
    app = shlex.join([ANNOTATOR, str(SEED), "--db", str(db)])
    # After the app: its exit status, the terminal's mode, and a shell keeping the pane open.
    session = Tmux(["sh", "-c", f"{app}; echo \"EXIT=$? MODE=$({MODE})\"; exec cat"], 100, 30)
    try:
        session.wait_for_text("? keys")
        session.send("Left", "Left", "Left")
        session.wait_for_text("offset 3/")  # the keys were handled
        pid = app_pid(db)
        assert pid is not None
        os.kill(pid, number)
        screen = "\n".join(session.wait_for_text("MODE=", timeout=30))
    finally:
        session.close()
    assert f"EXIT={128 + number} MODE=icanon echo" in screen, screen
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT caret FROM progress").fetchall() == [(3,)]
