"""`annotator merge`: real databases made by Store, merged through the real command."""

from __future__ import annotations

import os
import sqlite3
import shutil
import subprocess

import pytest

from annotator.store import Store
from annotator.store.merging import merge_databases

ANNOTATOR = shutil.which("annotator") or "annotator"
TEXT_A = "زار بشار الأسد حلب"
TEXT_B = "قال بان كى مون في نيويورك"


def make_db(path, annotator, spans_by_text):
    with Store(path, annotator=annotator) as store:
        for text, spans in spans_by_text.items():
            record, _ = store.open_document(text, f"/corpus/{annotator}/{len(text)}.txt")
            for start, end, label in spans:
                store.add_span(record.id, start, end, label)
    return path


def span_rows(path):
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute(
            "SELECT doc_id, annotator, start, end, label, status FROM spans").fetchall())


def run_merge(*args, cwd):
    return subprocess.run([ANNOTATOR, "merge", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_two_offline_databases_merge_into_one(tmp_path):
    a = make_db(tmp_path / "ali.db", "ali", {TEXT_A: [(4, 14, "PER"), (15, 18, "LOC")]})
    b = make_db(tmp_path / "badr.db", "badr", {TEXT_A: [(4, 14, "PER")], TEXT_B: [(4, 14, "PER")]})
    summary = merge_databases([a, b], tmp_path / "team.db")
    assert (summary.documents, summary.spans, summary.conflicts) == (2, 4, [])
    rows = span_rows(tmp_path / "team.db")
    assert [(r[1], r[2], r[3], r[4]) for r in rows if r[1] == "ali"] == [
        ("ali", 4, 14, "PER"), ("ali", 15, 18, "LOC")]
    assert sum(r[1] == "badr" for r in rows) == 2
    with Store(tmp_path / "team.db") as team:  # a database the app can open
        record, _ = team.open_document(TEXT_B, "/elsewhere/b.txt")
        assert [(s.start, s.end, s.label) for s in team.spans(record.id)] == [(4, 14, "PER")]


def test_merging_twice_adds_nothing(tmp_path):
    a = make_db(tmp_path / "ali.db", "ali", {TEXT_A: [(4, 14, "PER")]})
    merge_databases([a], tmp_path / "team.db")
    before = span_rows(tmp_path / "team.db")
    again = merge_databases([a, a], tmp_path / "team.db")
    assert (again.documents, again.spans, again.same) == (0, 0, 2)
    assert span_rows(tmp_path / "team.db") == before


def test_a_conflicting_version_is_reported_and_the_merged_one_kept(tmp_path):
    one = make_db(tmp_path / "one.db", "ali", {TEXT_A: [(4, 14, "PER")]})
    two = make_db(tmp_path / "two.db", "ali", {TEXT_A: [(4, 14, "ORG")]})
    result = run_merge(str(one), str(two), "-o", str(tmp_path / "team.db"), cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # merged, but a person has to look: as diff does
    assert "conflict in document" in result.stderr
    assert "[4:14] by ali: ORG (accepted) in two.db, PER (accepted) already merged" in result.stderr
    assert "1 new document, 1 new span, 0 already there, 1 conflict\n" in result.stdout + result.stderr
    assert [r[4] for r in span_rows(tmp_path / "team.db")] == ["PER"]


def test_a_merge_without_conflicts_exits_0_even_when_statuses_differ(tmp_path):
    # A status difference is settled by a rule (the more advanced one), not a conflict.
    one = make_db(tmp_path / "one.db", "ali", {TEXT_A: [(4, 14, "PER")]})
    two = make_db(tmp_path / "two.db", "ali", {TEXT_A: [(4, 14, "PER")], TEXT_B: []})
    with Store(two, annotator="ali") as store:
        store.set_status(store.open_document(TEXT_A, "/x/a.txt")[0].id, "done")
    result = run_merge(str(one), str(two), "-o", str(tmp_path / "team.db"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 conflicts\n" in result.stderr


def queued(path, texts):
    """A database whose queue is these files (written beside it), stored as the reader does."""
    from annotator.store.queue import fill_queue

    folder = path.parent / path.stem
    folder.mkdir()
    files = []
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
        files.append(str(folder / name))
    with Store(path, annotator=path.stem) as store:
        store.enqueue(files)
        fill_queue(store)
    return files


def test_the_inputs_queues_are_carried_over_in_order(tmp_path):
    ali = queued(tmp_path / "ali.db", {"2.txt": TEXT_B, "1.txt": TEXT_A})
    badr = queued(tmp_path / "badr.db", {"3.txt": TEXT_A + " ثم", "1.txt": TEXT_A})
    with Store(tmp_path / "badr.db", annotator="badr") as store:
        store.enqueue([ali[0]])  # a path ali queued too: once in the output, in ali's place
    result = run_merge("ali.db", "badr.db", "-o", "team.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with Store(tmp_path / "team.db", annotator="carol") as team:
        entries = team.queue()
        assert [e.path for e in entries] == [*ali, *badr]
        assert [e.path for e in entries] == [
            str(tmp_path / "ali" / "2.txt"), str(tmp_path / "ali" / "1.txt"),
            str(tmp_path / "badr" / "3.txt"), str(tmp_path / "badr" / "1.txt")]
        # each entry still names the document its file was stored as
        assert [team.text(e.doc_id) for e in entries] == [TEXT_B, TEXT_A, TEXT_A + " ثم", TEXT_A]
    # merging again into the output adds no entry twice
    assert run_merge("badr.db", "ali.db", "-o", "team.db", cwd=tmp_path).returncode == 0
    with Store(tmp_path / "team.db", annotator="carol") as team:
        assert [e.path for e in team.queue()] == [*ali, *badr]


def test_inputs_are_not_changed(tmp_path):
    a = make_db(tmp_path / "ali.db", "ali", {TEXT_A: [(4, 14, "PER")]})
    with sqlite3.connect(a) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = a.read_bytes()
    merge_databases([a], tmp_path / "team.db")
    assert a.read_bytes() == before


def test_a_failed_merge_leaves_the_output_as_it_was(tmp_path):
    a = make_db(tmp_path / "ali.db", "ali", {TEXT_A: [(4, 14, "PER")]})
    merge_databases([a], tmp_path / "team.db")
    before = span_rows(tmp_path / "team.db")
    (tmp_path / "junk.db").write_bytes(b"not a database at all")
    b = make_db(tmp_path / "badr.db", "badr", {TEXT_B: [(4, 14, "PER")]})
    result = run_merge(str(b), str(tmp_path / "junk.db"), "-o", str(tmp_path / "team.db"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "junk.db" in result.stderr
    assert "Traceback" not in result.stderr
    assert span_rows(tmp_path / "team.db") == before
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".merging")]


def test_the_output_is_never_a_path_that_is_not_a_regular_file(tmp_path):
    a = make_db(tmp_path / "ali.db", "ali", {TEXT_A: [(4, 14, "PER")]})
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run_merge(str(a), "-o", str(fifo), cwd=tmp_path)
    assert result.returncode == 2 and "not a regular file" in result.stderr
    result = run_merge(str(a), "-o", str(a), cwd=tmp_path)
    assert result.returncode == 2 and "is also an input" in result.stderr


def test_through_a_symlink_the_file_it_points_to_is_replaced(tmp_path):
    a = make_db(tmp_path / "ali.db", "ali", {TEXT_A: [(4, 14, "PER")]})
    (tmp_path / "store").mkdir()
    link = tmp_path / "team.db"
    link.symlink_to(tmp_path / "store" / "team.db")
    merge_databases([a], link)
    assert link.is_symlink()
    assert len(span_rows(tmp_path / "store" / "team.db")) == 1


def test_an_output_open_in_another_window_is_refused(tmp_path):
    a = make_db(tmp_path / "ali.db", "ali", {TEXT_A: [(4, 14, "PER")]})
    merge_databases([a], tmp_path / "team.db")
    with Store(tmp_path / "team.db", annotator="someone") as open_elsewhere:
        record, _ = open_elsewhere.open_document(TEXT_B, "/x/b.txt")
        open_elsewhere.add_span(record.id, 4, 14, "PER")
        result = run_merge(str(a), "-o", str(tmp_path / "team.db"), cwd=tmp_path)
        assert result.returncode == 2 and "is open in another program" in result.stderr


def test_the_output_keeps_its_permissions_or_gets_the_umasks(tmp_path):
    # A team database is shared: it must not come out 0600 (mkstemp's mode) and lock the
    # other annotators out, nor lose the group-write bit it was given.
    a = make_db(tmp_path / "ali.db", "ali", {TEXT_A: [(4, 14, "PER")]})
    umask = os.umask(0o022)
    try:
        merge_databases([a], tmp_path / "team.db")
        assert (tmp_path / "team.db").stat().st_mode & 0o777 == 0o644
        os.chmod(tmp_path / "team.db", 0o664)
        merge_databases([make_db(tmp_path / "badr.db", "badr", {TEXT_B: []})], tmp_path / "team.db")
        assert (tmp_path / "team.db").stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(umask)
