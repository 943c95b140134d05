"""A real terminal for end-to-end tests: tmux running the installed `annotator`.

Shared by the test modules that read the real screen; each test that needs tmux says so with
``needs_tmux``, so a machine without tmux still runs every other test of its module.
"""

import os
import pty
import select
import shutil
import subprocess
import time
import uuid

import pytest
from wcwidth import wcswidth

ANNOTATOR = shutil.which("annotator")
needs_annotator = pytest.mark.skipif(not ANNOTATOR, reason="needs the installed annotator")
needs_tmux = pytest.mark.skipif(
    not (ANNOTATOR and shutil.which("tmux")), reason="needs the installed annotator and tmux"
)


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

    def wait_for_text(self, text: str, timeout: float = 15.0) -> list[str]:
        """The screen once ``text`` is on it (and the screen is painted)."""
        return self.wait_for(lambda rows: text in "\n".join(rows), timeout)

    def send(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def title(self) -> str:
        return subprocess.run(["tmux", "display-message", "-p", "-t", self.name, "#{pane_title}"],
                              capture_output=True, text=True).stdout.strip()

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def terminal(tmp_path):
    """``terminal(path, width, height, *args)``: the annotator on ``path`` in a tmux pane, with
    its database in tmp_path; the sessions are closed after the test."""
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


def run_in_pty(argv: list[str], until: bytes, environ: dict[str, str] | None = None,
               timeout: float = 20.0) -> tuple[bytes, bool, int]:
    """Run ``argv`` in a real pseudo-terminal (no tmux between: every byte it writes is
    kept), press q once ``until`` has been written, and return what it wrote, whether q was
    sent, and its exit code.  Run in app bidi mode unless ``environ`` says otherwise."""
    pid, fd = pty.fork()
    if pid == 0:
        for name in ("MLTERM", "KONSOLE_VERSION"):  # the terminal running the tests
            os.environ.pop(name, None)
        os.environ.update(TERM="xterm-256color", **(environ or {}))
        os.execv(argv[0], argv)
    output, sent_quit = b"", False
    deadline = time.monotonic() + timeout
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
        if not sent_quit and until in output:
            os.write(fd, b"q")
            sent_quit = True
    _, status = os.waitpid(pid, 0)
    return output, sent_quit, os.waitstatus_to_exitcode(status)
