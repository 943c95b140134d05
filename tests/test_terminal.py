"""End to end: the installed `annotator` in a real terminal (tmux), read off the screen."""

import os
import pty
import select
import shutil
import subprocess
import time
import uuid

import pytest
from conftest import SEED
from wcwidth import wcswidth

from annotator.text.document import Document, DocumentLayout

ANNOTATOR = shutil.which("annotator")
pytestmark = pytest.mark.skipif(
    not (ANNOTATOR and shutil.which("tmux")), reason="needs the installed annotator and tmux"
)
GUTTER = 2  # the document view keeps a stable scrollbar gutter this wide
SPAN_LIST = 32  # the span list panel on the right


class Tmux:
    """A real terminal of a given size running one command."""

    def __init__(self, command: list[str], width: int, height: int) -> None:
        self.name = f"annotator-test-{uuid.uuid4().hex[:8]}"
        for attempt in range(5):  # a tmux server that is just exiting refuses new sessions
            started = subprocess.run(
                ["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
                 # (no MLTERM or KONSOLE_VERSION from the terminal running the tests: those
                 # would make --bidi auto pick terminal mode)
                 "env", "-u", "COLUMNS", "-u", "LINES", "-u", "MLTERM", "-u", "KONSOLE_VERSION",
                 "TERM=xterm-256color", *command],
                capture_output=True,
            )
            if started.returncode == 0:
                return
            time.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"tmux would not start: {started.stderr.decode()}")

    def screen(self) -> list[str]:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name],
                             capture_output=True, text=True, check=True).stdout
        return out.split("\n")

    def wait_for(self, predicate, timeout: float = 15.0) -> list[str]:
        """The screen once ``predicate`` holds and two captures in a row agree (painted)."""
        deadline = time.monotonic() + timeout
        previous = None
        while True:
            rows = self.screen()
            if (predicate(rows) and rows == previous) or time.monotonic() > deadline:
                return rows
            previous = rows
            time.sleep(0.25)

    def send(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def title(self) -> str:
        return subprocess.run(["tmux", "display-message", "-p", "-t", self.name, "#{pane_title}"],
                              capture_output=True, text=True).stdout.strip()

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def terminal(tmp_path):
    sessions = []

    def start(path, width=100, height=30, *args):
        db = str(tmp_path / "annotations.db")
        session = Tmux([ANNOTATOR, str(path), "--db", db, *args], width, height)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.close()


def crop_columns(row: str, columns: int) -> str:
    """The first ``columns`` terminal columns of a captured row."""
    out = ""
    for ch in row:
        if wcswidth(out + ch) > columns:
            break
        out += ch
    return out


def expected_rows(text: str, width: int, height: int) -> list[str]:
    layout = DocumentLayout(Document(text), width)
    rows = []
    for y in range(height):
        line = layout.line(y)
        rows.append("" if line is None else (" " * line.indent(width) + line.text).rstrip())
    return rows


@pytest.mark.parametrize("width", [60, 100, 160])
def test_the_seed_screen_shows_what_the_engine_lays_out(terminal, width):
    height = 24
    text = SEED.read_text(encoding="utf-8")
    session = terminal(SEED, width, height)
    # the last two rows are the legend and the status bar
    expected = expected_rows(text, width - GUTTER - SPAN_LIST, height - 2)
    rows = session.wait_for(lambda rows: expected[0] and expected[0].strip() in rows[0])
    shown = [crop_columns(row, width - GUTTER - SPAN_LIST).rstrip() for row in rows[: height - 2]]
    assert shown == expected
    assert "offset 0/3328" in rows[height - 1]


def test_keys_move_the_caret_in_the_real_terminal(terminal):
    session = terminal(SEED)
    session.wait_for(lambda rows: "offset 0/" in "\n".join(rows))
    session.send("Left", "Left", "Left")
    rows = session.wait_for(lambda rows: "offset 3/" in "\n".join(rows))
    assert "offset 3/3328" in rows[-2] or "offset 3/3328" in "\n".join(rows)


# Three paragraphs, right to left, the middle one empty; no lam-alef, so one stop per letter:
# the first paragraph is 0-23, its line feed 24, the empty line 25, the third starts at 26.
THREE_PARAGRAPHS = "قال المتحدث باسم المنظمة\n\nوأضاف أن الوضع صعب\n"


def test_left_crosses_an_empty_line_between_rtl_paragraphs(terminal, tmp_path):
    path = tmp_path / "three.txt"
    path.write_text(THREE_PARAGRAPHS, encoding="utf-8")
    session = terminal(path)
    session.wait_for(lambda rows: "offset 0/" in "\n".join(rows))
    session.send(*["Left"] * 30)  # it used to bounce 25 -> 26 -> 25 at the empty line
    rows = session.wait_for(lambda rows: "offset 30/" in "\n".join(rows))
    assert "offset 30/45" in "\n".join(rows)
    assert "RTL" in rows[-1] or "RTL" in "\n".join(rows[-2:])


def test_shift_left_selects_across_an_empty_line_between_rtl_paragraphs(terminal, tmp_path):
    path = tmp_path / "three.txt"
    path.write_text(THREE_PARAGRAPHS, encoding="utf-8")
    session = terminal(path)
    session.wait_for(lambda rows: "offset 0/" in "\n".join(rows))
    session.send(*["S-Left"] * 30)
    rows = session.wait_for(lambda rows: "offset 30/" in "\n".join(rows))
    assert "selected [0:31]" in "\n".join(rows)


def test_hostile_text_is_shown_safely(terminal, tmp_path):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text("title \x1b]0;pwned\x07 end\nabc\u202edef\n\x1b[2J\x1b[31mred\n", encoding="utf-8")
    session = terminal(hostile, 80, 10)
    rows = session.wait_for(lambda rows: "end" in rows[0])
    assert rows[0].startswith("title \u241b]0;pwned\u2407 end")
    assert rows[1].startswith("abc\u21dadef")  # stored order, override made visible and inert
    assert rows[2].startswith("\u241b[2J\u241b[31mred")  # the screen was not cleared
    assert session.title() != "pwned"


def test_explicit_bidi_mode_is_set_on_start_and_restored_on_exit(tmp_path):
    """CSI 8 l (ECMA-48 BDSM explicit) before the UI, CSI 8 h after it: read off a pty."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ.pop("MLTERM", None), os.environ.pop("KONSOLE_VERSION", None)  # app mode
        os.execv(ANNOTATOR, [ANNOTATOR, str(SEED), "--db", str(tmp_path / "a.db")])
    output = b""
    deadline = time.monotonic() + 20
    sent_quit = False
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
        if not sent_quit and b"offset 0/" in output:
            os.write(fd, b"q")
            sent_quit = True
    _, status = os.waitpid(pid, 0)
    assert sent_quit and os.waitstatus_to_exitcode(status) == 0
    assert output.startswith(b"\x1b[8l")
    assert output.rstrip().endswith(b"\x1b[8h")
