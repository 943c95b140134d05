"""The corpus queue: paths expanded in order, stored once, filled in batches, resumed,
and followed by export and stats -- on real files and a real SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screen_text import help_text
from annotator.cli.corpus_paths import covers, expand_paths, natural_key
from annotator.pipeline.export import ExportOptions, export
from annotator.pipeline.stats import collect, render_table
from annotator.store import Store
from annotator.store.queue import BATCH, NoQueue, fill_queue, open_entry, start_queue
from annotator.tui.app import AnnotatorApp
from annotator.tui.screens.queue_overview import QueueOverview
from annotator.tui.widgets.document_view import DocumentView
from annotator.tui.widgets.queue_table import QueueTable


def article(n: int) -> str:
    return f"مقال رقم {n} عن الأمم المتحدة في بيروت.\nسطر ثان.\n"


def write_corpus(root: Path, names: list[str]) -> list[Path]:
    paths = []
    for n, name in enumerate(names):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article(n), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "annotations.db", annotator="tester") as store:
        yield store


# -- expanding PATH... ----------------------------------------------------------------------


def test_a_folder_gives_its_txt_files_recursively_in_natural_order(tmp_path):
    write_corpus(tmp_path / "c", ["doc10.txt", "doc2.txt", "doc1.txt", "b/doc3.txt", "a/z.txt",
                                  "notes.md"])
    got = expand_paths([str(tmp_path / "c")])
    rel = [os.path.relpath(p, tmp_path / "c") for p in got.files]
    assert rel == ["a/z.txt", "b/doc3.txt", "doc1.txt", "doc2.txt", "doc10.txt"]
    assert got.problems == []


def test_paths_keep_the_order_given_and_each_file_comes_once(tmp_path):
    one, two, three = write_corpus(tmp_path, ["x/one.txt", "two.txt", "x/three.txt"])
    got = expand_paths([str(two), str(tmp_path / "x"), str(tmp_path / "*.txt")])
    assert got.files == [str(two), str(one), str(three)]


def test_the_pattern_chooses_a_folders_files(tmp_path):
    write_corpus(tmp_path, ["a.txt", "b.md", "c.md"])
    got = expand_paths([str(tmp_path)], pattern="*.md")
    assert [Path(p).name for p in got.files] == ["b.md", "c.md"]


def test_an_empty_folder_and_a_glob_matching_nothing_are_one_line_each(tmp_path):
    (tmp_path / "empty").mkdir()
    [kept] = write_corpus(tmp_path, ["kept.txt"])
    got = expand_paths([str(tmp_path / "empty"), str(tmp_path / "nope*.txt"), str(kept),
                        str(tmp_path / "gone.txt")])
    assert got.files == [str(kept)]
    assert len(got.problems) == 3
    assert all("\n" not in line for line in got.problems)
    assert "empty" in got.problems[0] and "no file" in got.problems[0]
    assert "nope*.txt" in got.problems[1] and "matches" in got.problems[1]
    assert "gone.txt" in got.problems[2] and "no such file" in got.problems[2]


def test_a_file_name_with_controls_is_shown_escaped(tmp_path):
    got = expand_paths([str(tmp_path / "evil\x1b[2Jname*.txt")])
    assert "\x1b" not in got.problems[0] and "\u241b[2J" in got.problems[0]  # ␛, as the reader shows it


@given(st.lists(st.integers(0, 10**6), unique=True, min_size=1, max_size=30))
def test_natural_sort_orders_numbered_names_by_number(numbers):
    names = [f"article_{n}.txt" for n in numbers]
    assert sorted(names, key=natural_key) == [f"article_{n}.txt" for n in sorted(numbers)]


# -- the store ------------------------------------------------------------------------------


def test_the_queue_keeps_the_first_order_and_stores_nothing_twice(tmp_path, store):
    paths = [str(p) for p in write_corpus(tmp_path, ["a.txt", "b.txt", "c.txt"])]
    store.enqueue([paths[1], paths[0]])
    store.enqueue(paths)  # a second run with more files: old ones keep their place
    assert [e.path for e in store.queue()] == [paths[1], paths[0], paths[2]]
    assert fill_queue(store) == []
    first = {e.path: store.document(e.doc_id).last_seen for e in store.queue()}
    assert fill_queue(store) == []  # unchanged files are not read or touched again
    assert {e.path: store.document(e.doc_id).last_seen for e in store.queue()} == first


def test_a_changed_file_is_stored_again_as_a_new_version(tmp_path, store):
    [path] = write_corpus(tmp_path, ["a.txt"])
    store.enqueue([str(path)])
    fill_queue(store)
    old = store.queue()[0].doc_id
    path.write_text("نص جديد أطول من القديم\n", encoding="utf-8")
    fill_queue(store)
    new = store.queue()[0].doc_id
    assert new != old and store.document(new).previous_id == old
    assert store.text(old) == article(0)  # the old text and its spans stay


def test_a_binary_file_among_many_is_listed_and_the_others_go_on(tmp_path, store):
    paths = write_corpus(tmp_path, [f"d{n}.txt" for n in range(2 * BATCH + 5)])
    paths[BATCH + 1].write_bytes(b"PK\x03\x04\x00\x00binary")
    store.enqueue(str(p) for p in paths)
    batches = []
    problems = fill_queue(store, lambda checked, total, found: batches.append((checked, total)))
    assert len(problems) == 1 and "\n" not in problems[0]
    assert f"d{BATCH + 1}.txt" in problems[0] and "binary" in problems[0]
    entries = store.queue()
    assert [e.doc_id is None for e in entries].count(True) == 1
    assert entries[BATCH + 1].doc_id is None and entries[BATCH + 1].problem == problems[0]
    assert batches[-1] == (len(paths), len(paths))  # progress reaches the end


def test_a_file_that_vanished_since_it_was_stored_still_opens_from_the_database(tmp_path, store):
    paths = write_corpus(tmp_path, ["a.txt", "b.txt"])
    store.enqueue(str(p) for p in paths)
    fill_queue(store)
    paths[0].unlink()
    [problem] = fill_queue(store)
    assert "a.txt" in problem and "kept" in problem
    entry = store.queue()[0]
    text, record = open_entry(store, entry)
    assert text == article(0) and record.id == entry.doc_id


def test_a_file_that_vanished_before_it_was_stored_is_passed_over(tmp_path, store):
    paths = write_corpus(tmp_path, ["a.txt", "b.txt", "c.txt"])
    store.enqueue(str(p) for p in paths)
    paths[1].unlink()
    opening = start_queue(store, None)
    assert opening.position == store.queue()[0].position
    fill_queue(store)
    following = store.queue_step(opening.position, 1)
    assert following.path == str(paths[2])


def test_start_queue_resumes_the_last_position_and_passes_over_unreadable_files(tmp_path, store):
    paths = write_corpus(tmp_path, ["a.txt", "b.txt", "c.txt"])
    paths[0].write_bytes(b"")  # empty: refused
    opening = start_queue(store, [str(p) for p in paths])
    assert opening.text == article(1) and len(opening.problems) == 1
    assert "a.txt" in opening.problems[0] and "empty" in opening.problems[0]
    third = store.queue()[2]
    open_entry(store, third)
    store.set_queue_position(third.position)
    assert start_queue(store, None).text == article(2)  # plain `annotator`: resume
    assert start_queue(store, [str(paths[1])]).text == article(1)  # not among them: the first


def test_each_annotator_resumes_the_document_they_had_open(tmp_path):
    # One database, two people (a terminal and a browser tab): where one of them is in the
    # queue must not move the other, and a newcomer starts at the queue's beginning.
    paths = write_corpus(tmp_path, ["a.txt", "b.txt", "c.txt"])
    db = tmp_path / "team.db"
    with Store(db, annotator="ali") as ali:
        start_queue(ali, [str(p) for p in paths])
        fill_queue(ali)
        ali.set_queue_position(ali.queue()[2].position)
    with Store(db, annotator="sara") as sara:
        opening = start_queue(sara, None)
        assert opening.text == article(0)  # not ali's third document
        sara.set_queue_position(sara.queue()[1].position)
    with Store(db, annotator="ali") as ali:
        assert start_queue(ali, None).text == article(2)  # sara's move left ali where he was
    with Store(db, annotator="sara") as sara:
        assert start_queue(sara, None).text == article(1)


def test_a_database_from_before_resumes_at_its_shared_position(tmp_path):
    # Before positions were per annotator, one shared meta.queue_position held it.
    paths = write_corpus(tmp_path, ["a.txt", "b.txt", "c.txt"])
    db = tmp_path / "old.db"
    with Store(db, annotator="ali") as ali:
        start_queue(ali, [str(p) for p in paths])
        fill_queue(ali)
        third = ali.queue()[2].position
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM meta WHERE key LIKE 'queue_position%'")
        conn.execute("INSERT INTO meta(key, value) VALUES ('queue_position', ?)", (str(third),))
    conn.close()
    with Store(db, annotator="ali") as ali:
        assert start_queue(ali, None).text == article(2)


def test_no_queue_to_resume_is_one_line(store):
    with pytest.raises(NoQueue) as error:
        start_queue(store, None)
    assert "no queue to resume" in str(error.value) and "\n" not in str(error.value)


def test_next_not_done_passes_over_done_and_skipped_and_wraps(tmp_path, store):
    paths = write_corpus(tmp_path, ["a.txt", "b.txt", "c.txt", "d.txt"])
    store.enqueue(str(p) for p in paths)
    fill_queue(store)
    a, b, c, d = store.queue()
    store.set_status(b.doc_id, "done")
    store.set_status(c.doc_id, "skipped")
    assert store.queue_step(a.position, 1, unfinished=True) == d
    assert store.queue_step(d.position, 1, unfinished=True) == a  # wraps round
    assert store.queue_step(d.position, -1) == c  # [ and ] go through every document
    assert store.queue_step(a.position, -1) is None
    assert store.queue_progress() == (1, 4, 4)


# -- export and stats ------------------------------------------------------------------------


def test_export_follows_the_queue_order(tmp_path, store):
    paths = write_corpus(tmp_path, ["a.txt", "b.txt", "c.txt"])
    loose, _ = store.open_document("نص خارج الطابور\n", tmp_path / "loose.txt")  # not queued
    store.enqueue(str(p) for p in [paths[2], paths[0], paths[1]])
    fill_queue(store)
    for record in [loose, *(store.document(e.doc_id) for e in store.queue())]:
        store.add_span(record.id, 0, 2, "PER")
    out = tmp_path / "out.jsonl"
    export(store.path, str(out), ExportOptions())
    sources = [json.loads(line)["meta"]["source"] for line in out.read_text().splitlines()]
    assert sources == [str(paths[2]), str(paths[0]), str(paths[1]), str(tmp_path / "loose.txt")]


def test_stats_show_queue_progress_and_spans_per_label(tmp_path, store):
    paths = write_corpus(tmp_path, ["a.txt", "b.txt", "c.txt"])
    store.enqueue(str(p) for p in paths)
    fill_queue(store)
    a, b, _ = store.queue()
    store.set_status(a.doc_id, "done")
    store.set_status(b.doc_id, "skipped")
    store.add_span(a.doc_id, 0, 3, "PER")
    store.add_span(b.doc_id, 0, 3, "LOC")
    store.add_span(b.doc_id, 4, 7, "LOC")
    stats = collect(store.path)
    assert stats["queue"] == {"total": 3, "done": 1, "skipped": 1, "unread": 0,
                              "by_annotator": {"tester": {"done": 1, "skipped": 1}}}
    lines = render_table(stats).splitlines()
    assert lines[0] == "progress: 1 / 3 done  (1 skipped, 0 not stored or unreadable)"
    assert "accepted spans per label: LOC 2, PER 1" in lines


# -- the app (headless; the real terminal is in test_queue_terminal.py) ----------------------


def queued_app(store: Store, paths: list[Path]) -> AnnotatorApp:
    opening = start_queue(store, [str(p) for p in paths])
    return AnnotatorApp(opening.text, opening.record.source, store,
                        opened=(opening.record, None), queue_position=opening.position)


async def test_show_document_saves_the_old_caret_and_opens_at_the_given_one(tmp_path, store):
    paths = write_corpus(tmp_path, ["a.txt", "b.txt"])
    app = queued_app(store, paths)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press("left", "left", "left")
        first = app.record.id
        fill_queue(store)
        second = store.queue()[1].doc_id
        app.show_document(second, caret=5)
        await pilot.pause()
        assert app.query_one(DocumentView).caret == 5
        assert app.document.text == article(1)
        assert store.document(first).caret == 3
        assert store.queue_position() == store.queue()[1].position
        app.show_document(first)  # no caret: where it was left
        await pilot.pause()
        assert app.query_one(DocumentView).caret == 3


async def test_the_overview_lists_the_queue_and_enter_opens_a_document(tmp_path, store):
    paths = write_corpus(tmp_path, ["a.txt", "b.txt", "c.txt"])
    paths[1].write_bytes(b"\x00\x01binary")
    app = queued_app(store, paths)
    async with app.run_test(size=(100, 20)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        store.add_span(store.queue()[2].doc_id, 0, 3, "ORG")
        await pilot.press("O")
        screen = app.screen
        assert isinstance(screen, QueueOverview)
        table = screen.query_one(QueueTable)
        shown = [" ".join(table.render_line(y).text.split()) for y in range(4)]
        assert shown[0] == "# file status spans labels last change"
        assert shown[1].startswith("1 a.txt new 0")
        assert shown[2].startswith("2 b.txt unread (cannot read) 0")
        assert shown[3].startswith("3 c.txt new 1 ORG 20")  # and the time of the change
        await pilot.press("f", "f")  # all -> new -> in progress: none
        assert table.rows == []
        await pilot.press("f", "f", "f", "f")  # done, skipped, unread, all
        assert len(table.rows) == 3
        await pilot.press("s", "s", "s")  # sort by spans: c.txt (1 span) last
        assert [r[1] for r in table.rows] == ["a.txt", "b.txt", "c.txt"]
        await pilot.press("r")  # reversed: c.txt first
        assert " ".join(table.render_line(1).text.split()).startswith("3 c.txt new 1")
        await pilot.press("home", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, QueueOverview)
        assert app.document.text == article(2)


async def test_the_overview_keeps_its_filter_and_sort_for_the_session(tmp_path, store):
    paths = write_corpus(tmp_path, ["a.txt", "b.txt", "c.txt"])
    app = queued_app(store, paths)
    async with app.run_test(size=(100, 20)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("O", "s", "r", "f")  # by file, reversed, new only
        await pilot.press("escape", "O")
        screen = app.screen
        assert isinstance(screen, QueueOverview)
        title = str(screen.query_one("#overview-title").render())
        assert "showing new (3)" in title and "sorted by file (reversed)" in title
        table = screen.query_one(QueueTable)
        assert [r[1] for r in table.rows] == ["c.txt", "b.txt", "a.txt"]
        await pilot.press("f", "escape", "O")  # in progress: none, still after reopening
        assert app.screen.query_one(QueueTable).rows == []


async def test_brackets_pass_two_files_with_the_same_text_one_after_the_other(tmp_path, store):
    paths = write_corpus(tmp_path, ["a.txt", "b.txt", "c.txt", "d.txt"])
    paths[2].write_text(article(1), encoding="utf-8")  # c.txt is b.txt again: one document
    app = queued_app(store, paths)
    async with app.run_test(size=(100, 20)) as pilot:
        await app.workers.wait_for_complete()
        ranks = []
        for _ in range(3):
            await pilot.press("right_square_bracket")
            ranks.append(store.queue_rank(app.queue_position))
        assert ranks == [2, 3, 4]
        assert app.document.text == article(3)
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert store.queue_rank(app.queue_position) == 2


def test_covers_tells_whether_paths_would_give_a_file_without_walking_them(tmp_path):
    [inside, deep, other] = write_corpus(tmp_path, ["c/a.txt", "c/sub/b.txt", "x/o.txt"])
    folder = str(tmp_path / "c")
    assert covers([folder], str(inside)) and covers([folder], str(deep))
    assert not covers([folder], str(other))
    assert not covers([folder], str(inside), pattern="*.md")
    assert covers([str(other)], str(other))
    assert covers([str(tmp_path / "x" / "*.txt")], str(other))
    assert not covers([str(tmp_path / "c2")], str(tmp_path / "c2x" / "a.txt"))
    # whatever covers() says, expansion agrees for the files it says yes to
    for path in (inside, deep, other):
        if covers([folder], str(path)):
            assert str(path) in expand_paths([folder]).files


async def test_help_lists_the_queue_keys_bracket_included(tmp_path, store):
    app = queued_app(store, write_corpus(tmp_path, ["a.txt", "b.txt"]))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        lines = {" ".join(line.split()) for line in help_text(app.screen).splitlines()}
        assert "] Next document in the queue" in lines
        assert "[ Previous document in the queue" in lines
        assert any(line.startswith("O Overview of the queue") for line in lines)


def test_a_problem_is_told_once_not_at_every_start(tmp_path, store):
    paths = write_corpus(tmp_path, ["a.txt", "b.txt"])
    paths[1].write_bytes(b"\x00binary")
    store.enqueue(str(p) for p in paths)
    assert len(fill_queue(store)) == 1
    assert fill_queue(store) == []
    assert store.queue()[1].problem is not None  # still listed (the overview shows it)
    paths[1].write_bytes(b"")  # a different problem is told
    [problem] = fill_queue(store)
    assert "empty" in problem


def test_opening_an_entry_whose_file_changed_opens_the_new_version(tmp_path, store):
    paths = write_corpus(tmp_path, ["a.txt", "b.txt"])
    store.enqueue(str(p) for p in paths)
    fill_queue(store)
    old = store.queue()[1]
    paths[1].write_text("نص بعد التعديل\n", encoding="utf-8")
    text, record = open_entry(store, old)
    assert text == "نص بعد التعديل\n" and record.previous_id == old.doc_id
    assert store.queue()[1].doc_id == record.id
    paths[1].unlink()  # gone now: the version stored last still opens
    text, again = open_entry(store, store.queue()[1])
    assert again.id == record.id and text == "نص بعد التعديل\n"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=6), min_size=1, max_size=4))
def test_the_queue_order_is_the_order_of_first_appearance_across_runs(runs):
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "q.db", annotator="t") as store:
        for names in runs:
            store.enqueue(f"/corpus/{name}.txt" for name in names)
        expected = list(dict.fromkeys(f"/corpus/{n}.txt" for names in runs for n in names))
        assert [entry.path for entry in store.queue()] == expected
        ranks = [store.queue_rank(entry.position) for entry in store.queue()]
        assert ranks == list(range(1, len(expected) + 1))


def test_a_file_name_that_is_not_utf8_is_one_problem_and_the_rest_is_queued(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text(article(0), encoding="utf-8")
    bad = os.path.join(os.fsencode(folder), b"\xff.txt")
    with open(bad, "wb") as f:
        f.write(article(1).encode("utf-8"))
    got = expand_paths([str(folder)])
    assert got.files == [str(folder / "good.txt")]
    [problem] = got.problems
    assert "not UTF-8" in problem and "\udcff" not in problem
