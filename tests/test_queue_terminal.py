"""Working through a corpus in a real terminal (tmux): ] [ D s, resume after kill -9, and
bad paths -- the installed `annotator`, read off the screen and out of the SQLite file."""

import shutil
import sqlite3
import subprocess
import time

import pytest
from test_reliability import kill_annotator
from test_terminal import GUTTER, SPAN_LIST, reference_rows
from tmux import Tmux
from wcwidth import wcswidth

from test_queue import article, write_corpus

ANNOTATOR = shutil.which("annotator")
pytestmark = pytest.mark.skipif(
    not (ANNOTATOR and shutil.which("tmux")), reason="needs the installed annotator and tmux"
)
WIDTH, HEIGHT = 200, 20


@pytest.fixture
def session(tmp_path):
    sessions = []

    def start(*args: str) -> Tmux:
        sessions.append(Tmux([ANNOTATOR, *args, "--db", str(tmp_path / "annotations.db")],
                             WIDTH, HEIGHT))
        return sessions[-1]

    yield start
    for s in sessions:
        s.close()


def status(rows: list[str]) -> str:
    return rows[HEIGHT - 1]


def showing(position: str, name: str):
    return lambda rows: status(rows).startswith(f" {position}") and name in status(rows)


def statuses(db) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute(
            # one annotator (the login name) works here: theirs is the only progress
            "SELECT q.path, coalesce(p.status, 'new') FROM queue AS q"
            " LEFT JOIN progress AS p ON p.doc_id = q.doc_id"))


def first_row(n: int) -> str:
    """The article's first line as an independent reference shapes and orders it."""
    return reference_rows(article(n).split("\n")[0], WIDTH - GUTTER - SPAN_LIST, 1)[0].strip()


def test_brackets_d_and_s_move_through_the_queue(tmp_path, session):
    paths = write_corpus(tmp_path / "corpus", ["a.txt", "b.txt", "c.txt"])
    term = session(str(tmp_path / "corpus"))
    rows = term.wait_for(showing("1 of 3 · 0 / 3 done", "a.txt"))
    assert status(rows).startswith(" 1 of 3 · 0 / 3 done") and first_row(0) in rows[0]
    term.send("]")
    rows = term.wait_for(showing("2 of 3", "b.txt"))
    assert status(rows).startswith(" 2 of 3 · 0 / 3 done") and first_row(1) in rows[0]
    term.send("[")
    rows = term.wait_for(showing("1 of 3", "a.txt"))
    assert "a.txt" in status(rows) and first_row(0) in rows[0]
    term.send("D")  # done, and on to the next one not done
    rows = term.wait_for(showing("2 of 3 · 1 / 3 done", "b.txt"))
    assert status(rows).startswith(" 2 of 3 · 1 / 3 done") and first_row(1) in rows[0]
    term.send("s")  # skipped, and on
    rows = term.wait_for(showing("3 of 3 · 1 / 3 done", "c.txt"))
    assert status(rows).startswith(" 3 of 3 · 1 / 3 done")
    db = tmp_path / "annotations.db"
    assert statuses(db) == {str(paths[0]): "done", str(paths[1]): "skipped", str(paths[2]): "new"}


def test_plain_annotator_resumes_after_kill_9_at_the_document_and_caret(tmp_path, session):
    write_corpus(tmp_path / "corpus", ["a.txt", "b.txt", "c.txt"])
    db = tmp_path / "annotations.db"
    term = session(str(tmp_path / "corpus"))
    term.wait_for(showing("1 of 3", "a.txt"))
    term.send("]")
    term.wait_for(showing("2 of 3", "b.txt"))
    term.send("Left", "Left", "Left")
    term.wait_for(lambda rows: "offset 3/" in status(rows))
    deadline = time.monotonic() + 10  # the caret is saved within a second of moving
    while time.monotonic() < deadline:
        with sqlite3.connect(db) as conn:
            if conn.execute("SELECT p.caret FROM progress AS p JOIN documents AS d ON d.id = p.doc_id"
                            " WHERE d.source LIKE '%b.txt'").fetchone() == (3,):
                break
        time.sleep(0.2)
    kill_annotator(term)
    again = session()  # no PATH: resume the queue stored in --db
    rows = again.wait_for(showing("2 of 3", "b.txt"))
    assert status(rows).startswith(" 2 of 3") and "offset 3/" in status(rows)
    assert first_row(1) in rows[0]


def test_unreadable_files_and_empty_paths_are_told_and_the_rest_opens(tmp_path, session):
    paths = write_corpus(tmp_path / "corpus", ["a.txt", "b[i].txt", "c.txt"])
    paths[1].write_bytes(b"\x7fELF\x00\x00binary")  # its name is text, not markup
    (tmp_path / "empty").mkdir()
    term = session(str(tmp_path / "corpus"), str(tmp_path / "empty"), str(tmp_path / "zz*.txt"))
    rows = term.wait_for(lambda rows: "b[i].txt" in "".join(rows) and "3 of 3" not in status(rows)
                         and "empty" in "".join(rows) and "zz*" in "".join(rows))
    screen = "".join(row.strip() for row in rows)
    assert "binary" in screen and "no file in this folder" in screen and "no file matches" in screen
    assert "b[i].txt" in screen  # the name as it is, not read as markup
    assert status(rows).startswith(" 1 of 3")
    term.send("]")  # past the binary file (the toasts cover the text: the status names it)
    rows = term.wait_for(showing("3 of 3", "c.txt"))
    assert status(rows).startswith(" 3 of 3 · 0 / 3 done") and "c.txt" in status(rows)


def run_cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([ANNOTATOR, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("case", ["empty folder", "glob matching nothing", "only a binary file",
                                  "nothing to resume"])
def test_nothing_to_open_is_one_line_and_exit_2(tmp_path, case):
    (tmp_path / "empty").mkdir()
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "x.txt").write_bytes(b"\x00\x01\x02")
    args = {"empty folder": ["empty"], "glob matching nothing": ["nothing*.txt"],
            "only a binary file": ["bin"], "nothing to resume": []}[case]
    done = run_cli(*args, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("annotator: ")
    if case == "nothing to resume":
        assert not (tmp_path / "annotations.db").exists()  # no empty database left behind


def test_running_again_on_the_folder_resumes_and_queues_new_files(tmp_path, session):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ["a.txt", "b.txt", "c.txt"])
    term = session(str(corpus))
    term.wait_for(showing("1 of 3", "a.txt"))
    term.send("]")
    term.wait_for(showing("2 of 3", "b.txt"))
    term.send("q")
    (corpus / "d.txt").write_text(article(3), encoding="utf-8")
    (corpus / "a.txt").unlink()  # vanished since it was stored: told, and still in the queue
    again = session(str(corpus))  # the document open last is shown, then the folder walked
    rows = again.wait_for(lambda rows: showing("2 of 4", "b.txt")(rows) and "kept" in "".join(rows))
    assert status(rows).startswith(" 2 of 4 · 0 / 4 done")
    assert "a.txt" in "".join(rows) and "no such file" in "".join(rows)
    again.send("]", "]")
    rows = again.wait_for(showing("4 of 4", "d.txt"))
    assert first_row(3) in rows[0]


def test_an_unknown_encoding_for_a_corpus_is_one_line(tmp_path):
    write_corpus(tmp_path / "corpus", ["a.txt", "b.txt"])
    done = run_cli("corpus", "--encoding", "no-such-codec", cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "no-such-codec" in done.stderr and "no such codec" in done.stderr
    assert not (tmp_path / "annotations.db").exists()


def test_keys_typed_after_q_change_nothing(tmp_path, session):
    """q then more keys in one burst (a fast typist, a paste): the app is on its way out, so
    the label, skip and done keys after q must not reach the database."""
    paths = write_corpus(tmp_path / "corpus", ["a.txt", "b.txt"])
    term = session(str(tmp_path / "corpus"))
    term.wait_for(showing("1 of 2", "a.txt"))
    term.send("q1sD")
    deadline = time.monotonic() + 15
    while subprocess.run(["tmux", "has-session", "-t", term.name],
                         capture_output=True).returncode == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    db = tmp_path / "annotations.db"
    assert statuses(db) == {str(paths[0]): "new", str(paths[1]): "new"}
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM spans").fetchone() == (0,)


def test_the_overview_at_50_columns_shows_every_key_and_its_state_whole(tmp_path):
    write_corpus(tmp_path / "corpus", ["a.txt", "b.txt", "c.txt"])
    term = Tmux([ANNOTATOR, str(tmp_path / "corpus"), "--db", str(tmp_path / "a.db")], 50, 20)
    try:
        term.wait_for(lambda rows: "1 of 3" in rows[-2])
        term.send("O", "s", "s", "r")  # the longest state: sorted by status (reversed)
        rows = term.wait_for_text("(reversed)")
        screen = "\n".join(rows)
        for shown in ("Queue: 0 / 3 done", "showing all (3)", "sorted by status (reversed)",
                      "Enter opens", "f status filter", "s sort column", "r reverse",
                      "Escape back"):
            assert shown in screen
        assert all(wcswidth(row.rstrip()) <= 50 for row in rows)
    finally:
        term.close()
