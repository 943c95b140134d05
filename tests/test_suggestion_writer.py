"""suggest's second process (pipeline/suggestion_writer.py): it writes the suggestions while
the first runs spaCy.  What users rely on is checked against the same run
done in one process, on real SQLite files: the same rows, the same one-line errors, Ctrl+C
(a real SIGINT to the process group, as a terminal sends it) keeping every document found
before it, and a parent killed with SIGKILL leaving a database a second run completes.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path

import pytest

from annotator.pipeline.suggest import SuggestError, Suggester, pattern_suggester, suggest
from annotator.store import Store

PATTERNS = [{"label": "LOC", "pattern": "حلب"}, {"label": "ORG", "pattern": "الامم المتحدة"},
            {"label": "LOC", "pattern": "دمشق"}]
# Document i names حلب i % 3 times and الأمم المتحدة when i is even: its suggestions are known
# from how it was written.
TEXTS = [" ".join(["زار حلب"] * (i % 3) + (["وقالت الأمم المتحدة"] if i % 2 == 0 else []) + [f"يوم {i}"])
         for i in range(40)]


def expected_count(i: int) -> int:
    return i % 3 + (i % 2 == 0)


def make_store(db: Path, texts: list[str] = TEXTS) -> list[str]:
    with Store(db, annotator="tester") as store:
        return [store.open_document(text, f"/doc/{i}.txt")[0].id for i, text in enumerate(texts)]


def rows(db: Path) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT doc_id, start, end, label, annotator, status FROM spans"
                            " ORDER BY doc_id, start, end, label").fetchall()


def counts_by_document(db: Path, ids: list[str]) -> list[int]:
    with closing(sqlite3.connect(db)) as conn:
        found = dict(conn.execute("SELECT doc_id, count(*) FROM spans GROUP BY doc_id"))
    return [found.get(doc_id, 0) for doc_id in ids]


def run_suggest(db: Path, ids: list[str], suggester: Suggester, *, child: bool, **options):
    with Store(db, annotator="patterns") as store:
        return suggest(store, ids, suggester, known_labels={"LOC", "ORG"}, child_process=child,
                       batch_size=4, **options)


def test_the_child_stores_what_one_process_stores(tmp_path):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    ids = make_store(one)
    shutil.copy(one, two)
    for db, child in ((one, False), (two, True)):
        first = run_suggest(db, ids, pattern_suggester(PATTERNS), child=child)
        again = run_suggest(db, ids, pattern_suggester(PATTERNS), child=child)
        assert (first.documents, first.added, first.present) == (40, sum(map(expected_count, range(40))), 0)
        assert (again.added, again.present) == (0, first.added)  # a second run adds nothing
    assert rows(one) == rows(two)
    assert counts_by_document(two, ids) == [expected_count(i) for i in range(40)]


def test_replace_in_the_child_withdraws_what_is_no_longer_found(tmp_path):
    db = tmp_path / "a.db"
    ids = make_store(db)
    run_suggest(db, ids, pattern_suggester(PATTERNS), child=True)
    only_aleppo = pattern_suggester([PATTERNS[0]])  # the "retrained model" no longer finds the UN
    summary = run_suggest(db, ids, only_aleppo, child=True, replace=True)
    assert summary.withdrawn == 20 and summary.added == 0
    assert counts_by_document(db, ids) == [i % 3 for i in range(40)]


def test_an_unknown_document_is_the_same_one_line_error(tmp_path):
    db = tmp_path / "a.db"
    ids = make_store(db)
    wrong = ids[:10] + ["0" * 16] + ids[10:]  # past the first batch: the child has written some
    messages = []
    for child in (False, True):
        with pytest.raises(SuggestError) as error:
            run_suggest(db, wrong, pattern_suggester(PATTERNS), child=child)
        messages.append(str(error.value))
    assert messages[0] == messages[1] and "\n" not in messages[1] and "0" * 16 in messages[1]


def test_a_bad_suggestion_is_refused_with_the_same_line(tmp_path):
    db = tmp_path / "a.db"
    # Many batches: the parent is still sending when the child's write fails.
    ids = make_store(db, [f"{text} {n}" for n in range(30) for text in TEXTS])
    assert len(set(ids)) == 1200

    def past_the_end(doc):  # a broken custom finder: document 9's span runs past its end
        return [(0, len(doc.text) + 5, "LOC")] if doc.text.endswith("يوم 9 0") else []

    messages = []
    for child in (False, True):
        shutil.copy(db, tmp_path / f"{child}.db")
        with pytest.raises(SuggestError) as error:
            run_suggest(tmp_path / f"{child}.db", ids, Suggester(pattern_suggester([]).nlp, "broken",
                                                                  finder=past_the_end), child=child)
        messages.append(str(error.value))
    assert messages[0] == messages[1] and "\n" not in messages[1]


def test_a_child_that_cannot_start_is_one_line(tmp_path, monkeypatch):
    db = tmp_path / "a.db"
    ids = make_store(db)
    monkeypatch.setattr(sys, "executable", shutil.which("false"))
    with pytest.raises(SuggestError, match=r"stopped \(exit status 1\).*run suggest again"):
        run_suggest(db, ids, pattern_suggester(PATTERNS), child=True)


# -- signals, on a real run in its own process ---------------------------------------------
# No timing: the run stops at document GATE until it is signalled (a model that has not
# finished the document), so however slowly the machine runs, the test's signal always lands
# mid-run, after the documents it waited for.

GATE = 40  # documents found before the run waits for the test's signal
SCRIPT = textwrap.dedent("""
    import signal, sys
    from annotator.pipeline.suggest import Suggester, pattern_suggester, suggest
    from annotator.store import Store

    db, gate, ids = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    patterns = pattern_suggester([{"label": "LOC", "pattern": "حلب"}])
    found = 0

    def gated(doc):  # a model that stops at document `gate` until a signal comes
        global found
        if found == gate:
            while True:
                signal.pause()  # SIGINT ends it (KeyboardInterrupt), SIGKILL ends the process
        found += 1
        return patterns.finder(doc)

    def progress(done):
        print(done, flush=True)

    with Store(db, annotator="slow") as store:
        summary = suggest(store, ids, Suggester(patterns.nlp, "slow", finder=gated),
                          known_labels={"LOC"}, progress=progress, batch_size=4, child_process=True)
    print("summary", summary.documents, summary.added, summary.interrupted, flush=True)
""")
#: A guard against a hang, not a timing: a run that works ends in a fraction of this.
HANG_S = 300


def start_script(tmp_path: Path, db: Path, ids: list[str]) -> subprocess.Popen:
    script = tmp_path / "gated_suggest.py"
    script.write_text(SCRIPT, encoding="utf-8")
    return subprocess.Popen([sys.executable, str(script), str(db), str(GATE), *ids],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait_for_progress(process: subprocess.Popen, done: int) -> None:
    for line in process.stdout:
        if line.strip().isdigit() and int(line) >= done:
            return
    raise AssertionError(f"the run ended before {done} documents: {process.stderr.read()}")


def aleppo_texts(count: int) -> list[str]:
    return [f"زار حلب يوم {i}" for i in range(count)]


def test_ctrl_c_keeps_every_document_found_before_it(tmp_path):
    db = tmp_path / "a.db"
    ids = make_store(db, aleppo_texts(200))
    process = start_script(tmp_path, db, ids)
    wait_for_progress(process, 30)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends on Ctrl+C: the parent's group
    out, err = process.communicate(timeout=HANG_S)
    assert "Traceback" not in err, err
    # (not a line of its own: Ctrl+C can land between a progress number and its newline)
    documents, added, interrupted = re.search(r"summary (\d+) (\d+) (\w+)", out).groups()
    assert interrupted == "True" and 30 <= int(documents) <= GATE and int(added) == int(documents)
    # Exactly the documents it says, in order, each with its one suggestion.
    assert counts_by_document(db, ids) == [1] * int(documents) + [0] * (200 - int(documents))


def test_a_killed_run_leaves_a_database_the_next_run_completes(tmp_path):
    db = tmp_path / "a.db"
    ids = make_store(db, aleppo_texts(200))
    process = start_script(tmp_path, db, ids)
    wait_for_progress(process, 30)
    [writer] = children_of(process.pid)  # the child writing the suggestions
    with exit_watch(writer) as writer_exited:
        process.kill()  # SIGKILL: no flush, no goodbye; the child sees its input end
        process.communicate(timeout=HANG_S)
        writer_exited()  # it has committed what it was sent, and closed the database
    stored = counts_by_document(db, ids)
    # What the child committed is a run of whole documents from the first, never a part of one.
    assert stored == sorted(stored, reverse=True) and set(stored) <= {0, 1}
    assert sum(stored) <= GATE
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    summary = run_suggest(db, ids, pattern_suggester([{"label": "LOC", "pattern": "حلب"}]), child=True)
    assert summary.added == 200 - sum(stored) and summary.present == sum(stored)
    assert counts_by_document(db, ids) == [1] * 200


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "(command name)"
        except OSError:
            continue  # it ended meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class exit_watch:
    """``with exit_watch(pid) as exited: ...; exited()`` waits, with no polling, until the
    process ``pid`` (not our child: an orphan) has ended -- on a pidfd taken before it can be
    orphaned, so its number cannot meanwhile name another process."""

    def __init__(self, pid: int) -> None:
        self._fd = os.pidfd_open(pid)

    def __enter__(self):
        return self._wait

    def _wait(self) -> None:
        ready, _, _ = select.select([self._fd], [], [], HANG_S)
        assert ready, f"the writer kept running {HANG_S} s after its parent was killed"

    def __exit__(self, *exc) -> None:
        os.close(self._fd)
