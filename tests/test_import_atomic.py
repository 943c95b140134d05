"""An import line is all or nothing: never a document without its spans.

A failure injected by the real SQLite between the document and its spans (a trigger that
aborts one span's insert), and the real `annotator import` killed with SIGKILL while it
writes, the kill timed by what the database shows (its document count), not by a clock.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from test_export import run

from annotator.store import Store

TEXT = "قال الأمين العام للأمم المتحدة بان كى مون في نيويورك إن حلب تعاني."


def span(text: str, needle: str, label: str) -> dict:
    start = text.index(needle)
    return {"start": start, "end": start + len(needle), "label": label}


def state(db: Path) -> dict:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {
            "documents": [row[0] for row in conn.execute("SELECT text FROM documents ORDER BY rowid")],
            "spans": conn.execute("SELECT d.text, s.label FROM spans s JOIN documents d"
                                  " ON d.id = s.doc_id ORDER BY d.rowid, s.start").fetchall(),
            "progress": conn.execute("SELECT annotator, status FROM progress").fetchall(),
            "labels": [row[0] for row in conn.execute("SELECT name FROM labels ORDER BY position")],
            "undo": conn.execute("SELECT count(*) FROM history").fetchone()[0],
        }


def failing_database(tmp_path: Path) -> Path:
    """A database whose spans table refuses the label BOOM at insert time: a failure that
    comes after the document is written and before its spans are."""
    db = tmp_path / "annotations.db"
    with Store(db, annotator="amira") as store:
        store.set_labels(["PER", "LOC", "ORG", "MISC"])
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TRIGGER boom BEFORE INSERT ON spans WHEN NEW.label = 'BOOM'"
                     " BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
    conn.close()
    return db


def test_a_line_whose_spans_fail_leaves_no_document_status_or_label(tmp_path, capsysbinary):
    db = failing_database(tmp_path)
    second = TEXT.replace("حلب", "حمص")
    lines = [
        {"text": TEXT, "spans": [span(TEXT, "حلب", "LOC")]},
        {"text": second, "spans": [span(second, "بان كى مون", "PER"), span(second, "حمص", "BOOM")],
         "meta": {"annotator": "bilal", "status": "done"}},
        {"text": TEXT + " ثم", "spans": [span(TEXT, "نيويورك", "LOC")]},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
                      encoding="utf-8")
    code, _, err = run(capsysbinary, "import", str(source), "--db", str(db), "--add-labels")
    assert code == 2
    [refused] = [line for line in err.splitlines() if "in.jsonl:2:" in line]
    assert "injected failure" in refused and "nothing of it stored" in refused
    got = state(db)
    assert got["documents"] == [TEXT, TEXT + " ثم"]  # not the second line's text
    assert got["spans"] == [(TEXT, "LOC"), (TEXT + " ثم", "LOC")]
    assert got["progress"] == [] and "BOOM" not in got["labels"]
    assert "imported 2 spans into 2 documents (2 new)" in err and "1 bad line skipped of 3" in err


def test_spans_failing_in_a_stored_document_add_nothing_to_it(tmp_path, capsysbinary):
    db = failing_database(tmp_path)
    with Store(db, annotator="amira") as store:
        doc_id = store.open_document(TEXT, tmp_path / "article.txt")[0].id
    before = state(db)
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"text": TEXT, "spans": [span(TEXT, "بان كى مون", "PER"),
                                                          span(TEXT, "حلب", "BOOM")],
                                  "meta": {"status": "done"}}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    code, _, err = run(capsysbinary, "import", str(source), "--db", str(db), "--add-labels")
    assert code == 2 and "injected failure" in err
    assert state(db) == before  # not the PER span, not the status, not the label, no undo entry
    with Store(db, annotator="amira") as store:
        assert store.spans(doc_id) == []


def big_import(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for number in range(count):
            text = f"{TEXT} العدد {number}."
            fh.write(json.dumps({"text": text, "spans": [span(text, "بان كى مون", "PER"),
                                                         span(text, "حلب", "LOC")],
                                 "meta": {"status": "done", "annotator": "amira"}},
                                ensure_ascii=False) + "\n")
    return path


def documents_stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or its schema not yet written
        return 0


def kill_when_stored(process: subprocess.Popen, db: Path, documents: int) -> int:
    """SIGKILL the import as soon as the database shows ``documents`` documents."""
    deadline = time.monotonic() + 120
    while (stored := documents_stored(db)) < documents:
        assert process.poll() is None, "the import ended before the kill point"
        assert time.monotonic() < deadline, f"only {stored} documents stored after 120 s"
        time.sleep(0.005)  # a poll interval: the kill waits for the count, not for time
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return stored


@pytest.mark.parametrize("points", [(5, 40, 120)])
def test_an_import_killed_at_any_point_never_leaves_a_document_without_its_spans(tmp_path, points):
    exe = shutil.which("annotator")
    assert exe, "the `annotator` command is not installed; run: pip install -e '.[test]'"
    source = big_import(tmp_path / "big.jsonl", 400)
    db = tmp_path / "annotations.db"
    for point in points:  # each run goes on where the last was killed
        process = subprocess.Popen([exe, "import", str(source), "--db", str(db), "--status",
                                    "accepted"], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kill_when_stored(process, db, point)
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            orphans = conn.execute(
                "SELECT count(*) FROM documents d WHERE (SELECT count(*) FROM spans s"
                " WHERE s.doc_id = d.id) != 2 OR NOT EXISTS (SELECT 1 FROM progress p"
                " WHERE p.doc_id = d.id AND p.status = 'done')").fetchone()[0]
            stored = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        assert stored >= point and orphans == 0, f"killed at {point}: {orphans} of {stored} incomplete"
    done = subprocess.run([exe, "import", str(source), "--db", str(db), "--status", "accepted"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert done.returncode == 0, done.stderr
    with Store(db, annotator="amira") as store:
        ids = store.document_ids()
        assert len(ids) == 400
        assert all(len(store.spans(doc_id)) == 2 for doc_id in ids)
