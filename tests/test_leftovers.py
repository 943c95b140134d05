"""Files a killed export or merge leaves beside its output (16.7): the next run removes them
and says so; a live run's file, and anything not named as ours, is never touched.

The owners are real processes holding the lock export and merge hold (LockedTemp): one
killed with SIGKILL while writing, one alive until the test ends.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SEED
from test_cli_errors import run_annotator

from annotator.store import Store

TEXT = SEED.read_text(encoding="utf-8")[:60]
# Start writing OUTPUT (a temporary file beside it, as export and merge do), print its
# path, then die by SIGKILL -- or, with "live", wait for stdin to close.
OWNER = """
import os, signal, sqlite3, sys
from pathlib import Path
from annotator.store.leftovers import LockedTemp
target, suffix, fate = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
temp = LockedTemp.beside(target, suffix)
os.write(temp.fd, b"half an export")
if suffix == ".merging":  # a merge is an SQLite database, with its log beside it
    os.ftruncate(temp.fd, 0)
    conn = sqlite3.connect(temp.path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t(x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
print(temp.path, flush=True)
if fate == "live":
    sys.stdin.read()
else:
    os.kill(os.getpid(), signal.SIGKILL)
"""


def killed_owner(target: Path, suffix: str) -> Path:
    done = subprocess.run([sys.executable, "-c", OWNER, str(target), suffix, "killed"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == -9, done.stderr
    return Path(done.stdout.strip())


@pytest.fixture
def live_owner():
    owners = []

    def start(target: Path, suffix: str) -> Path:
        owner = subprocess.Popen([sys.executable, "-c", OWNER, str(target), suffix, "live"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        owners.append(owner)
        return Path(owner.stdout.readline().strip())  # printed once it holds the lock

    yield start
    for owner in owners:
        owner.stdin.close()
        owner.wait(timeout=60)


@pytest.fixture
def db(tmp_path) -> Path:
    with Store(tmp_path / "a.db", annotator="sara") as store:
        record, _ = store.open_document(TEXT, "seed.txt")
        store.add_span(record.id, 0, 3, "PER")
        store.set_status(record.id, "done")
    return tmp_path / "a.db"


def test_the_next_export_removes_what_a_killed_one_left_and_says_so(tmp_path, db, live_owner):
    out = tmp_path / "out.jsonl"
    dead = [killed_owner(out, ".tmp") for _ in range(2)]
    alive = live_owner(out, ".tmp")
    old = tmp_path / ".out.jsonl.k3j_x9ab.tmp"  # an older version's name: no lock, by age
    old.write_bytes(b"left in 2025")
    os.utime(old, (time.time() - 2 * 3600,) * 2)
    recent_old = tmp_path / ".out.jsonl.q1w2e3r4.tmp"
    recent_old.write_bytes(b"maybe still being written")
    not_ours = [tmp_path / ".other.jsonl.annotator-abcdefgh.tmp", tmp_path / "out.jsonl.tmp",
                tmp_path / ".out.jsonl.annotator-notes.txt"]
    for path in not_ours:
        path.write_bytes(b"someone else's")
    (tmp_path / ".out.jsonl.annotator-folder12.tmp").mkdir()

    result = run_annotator("export", "--db", str(db), "--out", str(out), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert not any(path.exists() for path in [*dead, old])
    assert alive.exists() and recent_old.exists() and all(path.exists() for path in not_ours)
    assert (tmp_path / ".out.jsonl.annotator-folder12.tmp").is_dir()
    said = result.stderr.splitlines()
    assert len([line for line in said if "removed 3 unfinished files" in line]) == 1, said
    assert all(path.name in result.stderr for path in [*dead, old])
    assert json.loads(out.read_text())["spans"][0]["label"] == "PER"


def test_the_next_merge_removes_what_a_killed_one_left_with_its_log(tmp_path, db, live_owner):
    merged = tmp_path / "m.db"
    dead = killed_owner(merged, ".merging")
    log = [Path(f"{dead}-wal"), Path(f"{dead}-shm")]
    assert all(path.exists() for path in log)
    alive = live_owner(merged, ".merging")

    result = run_annotator("merge", str(db), "-o", str(merged), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert not dead.exists() and not any(path.exists() for path in log)
    assert alive.exists()
    assert "removed 3 files that a merge stopped before it finished left" in result.stderr
    with Store(merged, annotator="check") as store:
        [doc_id] = store.document_ids()
        assert [span.label for span in store.spans(doc_id)] == ["PER"]
