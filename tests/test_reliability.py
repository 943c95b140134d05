"""Labels survive kill -9, two windows on one database, and bad database paths: the real
`annotator` in real terminals (tmux), real SQLite files."""

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time

from conftest import SEED
from tmux import ANNOTATOR, Tmux, needs_annotator, needs_tmux

SPANS_SHOWN = re.compile(r"(\d+) spans?\b")


def shown_count(rows: list[str]) -> int | None:
    match = SPANS_SHOWN.search("\n".join(rows[-3:]))
    return int(match.group(1)) if match else None


def database_spans(db) -> list[tuple[int, int, str]]:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute("SELECT start, end, label FROM spans WHERE status = 'accepted'").fetchall()


def open_annotator(db, *args, width=120, height=30) -> Tmux:
    session = Tmux([ANNOTATOR, str(SEED), "--db", str(db), *args], width, height)
    session.wait_for(lambda rows: shown_count(rows) is not None)
    return session


def kill_annotator(session: Tmux) -> None:
    """SIGKILL the annotator itself (the pane runs `env`, which execs it)."""
    pid = subprocess.run(["tmux", "display-message", "-p", "-t", session.name, "#{pane_pid}"],
                         capture_output=True, text=True, check=True).stdout.strip()
    os.kill(int(pid), signal.SIGKILL)
    session.close()


@needs_tmux
def test_every_span_shown_survives_kill_9_at_50_random_points(tmp_path):
    """A scripted session labels word after word (Ctrl+Left, 1); at a random moment the
    screen is read and the process killed.  Every span the screen counted is in the file."""
    rng = random.Random(20261125)
    db = tmp_path / "annotations.db"
    for point in range(50):
        session = open_annotator(db)
        before = len(database_spans(db)) if db.exists() else 0
        for _ in range(rng.randint(1, 4)):
            session.send("C-Left", "1")
            time.sleep(rng.uniform(0, 0.08))
        shown = shown_count(session.screen())
        kill_annotator(session)
        spans = database_spans(db)
        assert shown is not None and shown >= before
        assert len(spans) >= shown, f"kill point {point}: screen showed {shown}, file has {len(spans)}"
    assert len(spans) >= 50  # the sessions really labelled
    text = SEED.read_text(encoding="utf-8")
    for start, end, _ in spans:  # each span is a whole word of the text, by logical offsets
        assert re.fullmatch(r"\w+", text[start:end]), text[start:end]


@needs_tmux
def test_two_windows_on_one_database_label_at_once(tmp_path):
    db = tmp_path / "annotations.db"
    front, back = open_annotator(db), open_annotator(db)
    try:
        back.send("C-End")
        for _ in range(15):  # one labels words from the start, the other from the end
            front.send("C-Left", "2")
            back.send("C-Right", "3")
        expected = 30
        deadline = time.monotonic() + 15
        while len(database_spans(db)) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        spans = database_spans(db)
        assert len(spans) == expected
        assert sorted(label for *_, label in spans) == ["LOC"] * 15 + ["ORG"] * 15
        # each window shows the other's spans too (it polls the database once a second)
        for window in (front, back):
            rows = window.wait_for(lambda rows: shown_count(rows) == expected)
            assert shown_count(rows) == expected
    finally:
        front.close()
        back.close()


def run_annotator(*args) -> subprocess.CompletedProcess:
    return subprocess.run([ANNOTATOR, *map(str, args)], capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL)


def assert_refused_in_one_line(result, path) -> None:
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@needs_annotator
def test_a_database_path_that_cannot_be_created_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("not a directory")
    db = blocker / "annotations.db"
    assert_refused_in_one_line(run_annotator(SEED, "--db", db), db)


@needs_annotator
def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path):
    db = tmp_path / "notes.db"
    content = "my precious notes, not a database\n" * 100
    db.write_text(content)
    assert_refused_in_one_line(run_annotator(SEED, "--db", db), db)
    assert db.read_text() == content


@needs_annotator
def test_a_database_from_a_newer_annotator_is_refused_and_left_untouched(tmp_path):
    db = tmp_path / "annotations.db"
    subprocess.run([sys.executable, "-c", (
        "import sys; from annotator.store import Store; Store(sys.argv[1]).close()"), str(db)],
        check=True)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    before = db.read_bytes()
    assert_refused_in_one_line(run_annotator(SEED, "--db", db), db)
    assert db.read_bytes() == before


@needs_annotator
def test_a_bad_label_name_is_one_line_and_exit_2_and_the_database_keeps_its_labels(tmp_path):
    db = tmp_path / "annotations.db"
    subprocess.run([sys.executable, "-c", (
        "import sys; from annotator.store import Store; Store(sys.argv[1]).set_labels(['PER', 'ORG'])"),
        str(db)], check=True)
    result = run_annotator(SEED, "--db", db, "--labels", "PER,B\x01")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    with sqlite3.connect(db) as conn:
        assert [name for (name,) in conn.execute("SELECT name FROM labels ORDER BY position")] == ["PER", "ORG"]
    conn.close()
