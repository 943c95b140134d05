"""A database on a read-only disk (16.6): a real tmpfs, remounted read-only in a private mount
namespace (``unshare``, no root needed).

Reading commands read it as they would anywhere; the app, which saves every action, says
why it cannot; a log left by a program that was killed is read with the database when
SQLite can read it there, and refused with what to do when it cannot -- never silently read
without it.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys

import pytest
from conftest import SEED

from annotator.store import Store

TEXT = SEED.read_text(encoding="utf-8")[:60]
# A second process commits a span and is killed before closing: its log stays beside the file.
KILLED_WRITER = """
import os, sys
from annotator.store import Store
store = Store(sys.argv[1], annotator="killed")
record, _ = store.open_document(sys.argv[2], "killed.txt")
store.add_span(record.id, 0, 4, "LOC")
os._exit(0)
"""


@pytest.fixture
def disk(tmp_path):
    """A folder ``disk`` holding a.db (one PER span by sara) and b.db (the same)."""
    (tmp_path / "disk").mkdir()
    with Store(tmp_path / "disk" / "a.db", annotator="sara") as store:
        record, _ = store.open_document(TEXT, "seed.txt")
        store.add_span(record.id, 0, 3, "PER")
    shutil.copyfile(tmp_path / "disk" / "a.db", tmp_path / "disk" / "b.db")
    return tmp_path


def on_read_only_disk(tmp_path, prepare: str, *commands: list[str]) -> list[tuple[int, str]]:
    """Copy ``disk`` onto a tmpfs (after the shell ``prepare`` ran in it), make that read-only,
    and run ``commands`` (annotator's arguments) there: each one's exit status and output."""
    exe = shutil.which("annotator")
    runs = "\n".join(f'{shlex.join([exe, *argv])} 2>&1; echo "EXIT=$?"' for argv in commands)
    script = f"""set -e
        cd disk; {prepare}; cd ..
        mkdir ro; mount -t tmpfs tmpfs ro; cp -a disk/. ro/; mount -o remount,ro ro
        set +e
        {runs}"""
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=tmp_path, timeout=120,
                            capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    outputs = []
    for chunk in result.stdout.split("EXIT=")[:-1]:
        said = chunk.split("\n", 1)[1] if outputs else chunk
        outputs.append(said)
    statuses = [int(part.split("\n", 1)[0]) for part in result.stdout.split("EXIT=")[1:]]
    assert "Traceback" not in result.stdout, result.stdout
    return list(zip(statuses, outputs))


def export_spans(said: str) -> list[tuple[int, int, str, str]]:
    records = [json.loads(line) for line in said.splitlines() if line.startswith("{")]
    return sorted((s["start"], s["end"], s["label"], record["meta"]["annotator"])
                  for record in records for s in record["spans"])


def test_reading_commands_read_a_database_on_a_read_only_disk(disk):
    (stats, said_stats), (export, said_export), (agreement, _), (merge, said_merge) = \
        on_read_only_disk(disk, "true",
                          ["stats", "--db", "ro/a.db"],
                          ["export", "--include-suggestions", "--db", "ro/a.db"],
                          ["agreement", "--all", "--db", "ro/a.db"],
                          ["merge", "ro/a.db", "ro/b.db", "-o", "merged.db"])
    assert stats == 0 and "spans: 1" in said_stats, said_stats
    assert export == 0 and export_spans(said_export) == [(0, 3, "PER", "sara")], said_export
    assert agreement in (0, 2)  # one annotator: nothing to compare, said in one line
    assert merge == 0 and "merged into merged.db" in said_merge, said_merge
    assert sorted(p.name for p in (disk / "disk").iterdir()) == ["a.db", "b.db"]


def test_the_app_on_a_read_only_disk_says_why_it_cannot_open(disk):
    [(status, said)] = on_read_only_disk(disk, "true", [str(SEED), "--db", "ro/a.db"])
    assert status == 2
    assert said.startswith("annotator: ro/a.db: is on a read-only disk") and said.count("\n") == 1


def test_a_killed_writers_log_is_read_with_the_database(disk):
    writer = shlex.join([sys.executable, "-c", KILLED_WRITER, "a.db", TEXT])
    [(status, said)] = on_read_only_disk(disk, writer, ["export", "--include-suggestions",
                                                        "--db", "ro/a.db"])
    assert status == 0, said
    assert export_spans(said) == [(0, 3, "PER", "sara"), (0, 4, "LOC", "killed")], said


def test_a_killed_writers_log_that_cannot_be_read_there_is_refused_with_what_to_do(disk):
    writer = shlex.join([sys.executable, "-c", KILLED_WRITER, "a.db", TEXT])
    results = on_read_only_disk(disk, f"{writer}; rm a.db-shm",
                                ["export", "--include-suggestions", "--db", "ro/a.db"],
                                ["merge", "ro/a.db", "-o", "merged.db"])
    for status, said in results:
        assert status == 2 and said.count("\n") == 1, said
        assert "a.db-wal" in said and "copy the database and its -wal file" in said, said
