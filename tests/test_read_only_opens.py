"""Read-only opens leave nothing behind: `stats`, `export`, `agreement` and `merge` read a
database without a `-wal` or `-shm` file appearing beside it, and without changing a byte
of it -- the real command on real databases written by Store."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess

import pytest

from annotator.store import Snapshot, Store, StoreError

ANNOTATOR = shutil.which("annotator") or "annotator"
TEXT = "زار بان كي مون حلب."


def make_db(path, annotator="amira"):
    with Store(path, annotator=annotator) as store:  # WAL mode; closing removes the log
        doc = store.open_document(TEXT, "/corpus/one.txt")[0].id
        store.add_span(doc, 15, 18, "LOC")
        store.set_status(doc, "done")
    return path


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", [
    ["stats"], ["export"], ["export", "--format", "conll"], ["agreement", "--all"],
])
def test_reading_commands_leave_the_folder_as_it_was(tmp_path, command):
    db = make_db(tmp_path / "annotations.db")
    before, content = sorted(os.listdir(tmp_path)), digest(db)
    assert before == ["annotations.db"]
    done = subprocess.run([ANNOTATOR, *command, "--db", str(db)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path)) == before and digest(db) == content


def test_merge_leaves_the_inputs_folder_as_it_was(tmp_path):
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    out.mkdir()
    make_db(inputs / "amira.db")
    make_db(inputs / "bilal.db", annotator="bilal")
    before = sorted(os.listdir(inputs))
    contents = [digest(inputs / name) for name in before]
    done = subprocess.run([ANNOTATOR, "merge", "-o", str(out / "team.db"),
                           str(inputs / "amira.db"), str(inputs / "bilal.db")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(inputs)) == before
    assert [digest(inputs / name) for name in before] == contents
    assert sorted(os.listdir(out)) == ["team.db"]  # no log beside the output either


def test_merging_into_an_existing_output_leaves_no_log_beside_it(tmp_path):
    make_db(tmp_path / "team.db")
    make_db(tmp_path / "bilal.db", annotator="bilal")
    done = subprocess.run([ANNOTATOR, "merge", "-o", "team.db", "bilal.db"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path)) == ["bilal.db", "team.db"]


def test_a_snapshot_beside_an_open_store_leaves_the_store_working(tmp_path):
    """The snapshot closes while the app still writes: the app's log stays, its spans too."""
    db = tmp_path / "annotations.db"
    with Store(db, annotator="amira") as store:
        doc = store.open_document(TEXT, "/corpus/one.txt")[0].id
        store.add_span(doc, 15, 18, "LOC")
        with Snapshot(db) as snap:
            assert snap.counts().spans_by_label == {("LOC", "accepted"): 1}
        store.add_span(doc, 4, 14, "PER")
        with Snapshot(db) as snap:
            assert snap.counts().spans_by_label == {("LOC", "accepted"): 1,
                                                    ("PER", "accepted"): 1}
    assert sorted(os.listdir(tmp_path)) == ["annotations.db"]


def test_a_snapshot_cannot_write(tmp_path):
    db = make_db(tmp_path / "annotations.db")
    with Snapshot(db) as snap:
        with pytest.raises(StoreError, match="read"):
            with snap._reading() as conn:  # the one connection every read goes through
                conn.execute("DELETE FROM spans")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM spans").fetchone() == (1,)
