"""Tests for annotator.store: real SQLite files in tmp_path, no mocks."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from annotator.store import (
    DEFAULT_LABELS,
    MIGRATIONS,
    SCHEMA_VERSION,
    SPAN_STATUSES,
    OverlapError,
    Store,
    StoreError,
)

TEXT = "قال الأمين العام للأمم المتحدة أنطونيو غوتيريش في نيويورك إن 2024 كان عاماً صعباً."


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "annotations.db"


@pytest.fixture
def store(db_path):
    with Store(db_path, annotator="alice") as store:
        yield store


@pytest.fixture
def doc(store, tmp_path) -> str:
    return store.open_document(TEXT, tmp_path / "article.txt")[0].id


def reopen(store: Store, annotator: str | None = None) -> Store:
    store.close()
    return Store(store.path, annotator=annotator or store.annotator)


def error_line(exc_type, fn, *args, **kwargs) -> str:
    with pytest.raises(exc_type) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert message.strip() and "\n" not in message and "\r" not in message, message
    return message


def spans_of(store: Store, doc: str) -> list[tuple]:
    return [(s.id, s.start, s.end, s.label, s.status) for s in store.spans(doc, SPAN_STATUSES)]


# -- the database file ------------------------------------------------------------------


def test_a_new_database_uses_write_ahead_logging(store, db_path):
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_database_with_spans_passes_the_integrity_check(store, doc, db_path):
    store.add_span(doc, 0, 3, "PER")
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_a_new_database_records_the_current_schema_version(store, db_path):
    with sqlite3.connect(db_path) as conn:
        value = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert value == (str(SCHEMA_VERSION),) and SCHEMA_VERSION == len(MIGRATIONS)


def test_an_empty_existing_file_becomes_a_new_database(tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    with Store(path) as store:
        assert store.labels()[0][0] == DEFAULT_LABELS[0]


def test_importing_the_store_imports_neither_textual_nor_rich():
    code = (
        "import sys, annotator.store; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_closed_store_refuses_to_be_used(store, doc):
    store.close()
    assert "closed" in error_line(StoreError, store.spans, doc)


# -- refusing paths and files, leaving them untouched -------------------------------------


def test_a_path_below_a_regular_file_is_refused_with_one_line_naming_it(tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    path = tmp_path / "afile" / "x.db"
    assert str(path) in error_line(StoreError, Store, path)


def test_a_path_in_a_missing_folder_is_refused_with_one_line_naming_it(tmp_path):
    path = tmp_path / "no-such-folder" / "x.db"
    assert str(path) in error_line(StoreError, Store, path)
    assert not path.parent.exists()


def test_a_directory_given_as_the_database_is_refused_with_one_line_naming_it(tmp_path):
    path = tmp_path / "a-folder"
    path.mkdir()
    assert str(path) in error_line(StoreError, Store, path)
    assert list(path.iterdir()) == []


def test_a_text_file_is_refused_and_left_byte_for_byte_unchanged(tmp_path):
    path = tmp_path / "notes.db"
    data = "ملاحظات مهمة، لا تحذفها\n".encode() * 200
    path.write_bytes(data)
    message = error_line(StoreError, Store, path)
    assert str(path) in message and "not an SQLite database" in message
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_a_database_from_a_newer_annotator_is_refused_and_left_unchanged(tmp_path):
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '99')")
        conn.execute("CREATE TABLE spans (id INTEGER PRIMARY KEY, note TEXT)")
        conn.execute("INSERT INTO spans(note) VALUES ('future data')")
    conn.close()
    data = path.read_bytes()
    message = error_line(StoreError, Store, path)
    assert str(path) in message and "99" in message
    assert path.read_bytes() == data


def test_an_sqlite_database_of_another_program_is_refused_and_left_unchanged(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
        conn.execute("INSERT INTO contacts VALUES ('someone')")
    conn.close()
    data = path.read_bytes()
    assert str(path) in error_line(StoreError, Store, path)
    assert path.read_bytes() == data


def test_a_damaged_database_is_refused_with_one_line_naming_it(tmp_path, store, doc):
    store.add_span(doc, 0, 3, "PER")
    store.close()
    path = tmp_path / "damaged.db"
    path.write_bytes(store.path.read_bytes()[:100] + b"\xff" * 4000)
    data = path.read_bytes()
    assert str(path) in error_line(StoreError, Store, path)
    assert path.read_bytes() == data


# -- documents ----------------------------------------------------------------------------


def test_the_same_text_opens_as_the_same_document(store, tmp_path):
    first, _ = store.open_document(TEXT, tmp_path / "a.txt")
    again, previous = store.open_document(TEXT, tmp_path / "a.txt")
    assert again.id == first.id and previous is None


def test_a_document_records_its_length_in_code_points_and_resolved_source(store, tmp_path):
    record, _ = store.open_document(TEXT, tmp_path / "sub" / ".." / "a.txt")
    assert record.length == len(TEXT)
    assert record.source == str((tmp_path / "a.txt").resolve())
    assert store.text(record.id) == TEXT


def test_changed_text_from_the_same_source_is_a_new_document_pointing_at_the_old(store, tmp_path):
    old, _ = store.open_document(TEXT, tmp_path / "a.txt")
    new, previous = store.open_document(TEXT + " تمت.", tmp_path / "a.txt")
    assert new.id != old.id
    assert new.previous_id == old.id and previous == old


def test_the_spans_of_the_old_version_stay_untouched_when_the_file_changes(store, tmp_path):
    old, _ = store.open_document(TEXT, tmp_path / "a.txt")
    span = store.add_span(old.id, 4, 10, "PER")
    new, _ = store.open_document("نص جديد تماماً", tmp_path / "a.txt")
    assert store.spans(old.id) == [span] and store.spans(new.id) == []
    assert store.text(old.id) == TEXT


def test_an_unknown_document_is_refused_with_one_line(store):
    assert "no document" in error_line(StoreError, store.add_span, "nope", 0, 1, "PER")


def test_the_caret_and_status_persist_across_reopening(store, doc):
    store.set_caret(doc, 7)
    store.set_status(doc, "in_progress")
    store = reopen(store)
    record = store.document(doc)
    assert (record.caret, record.status) == (7, "in_progress")
    store.close()


def test_a_caret_past_the_end_of_the_text_is_refused(store, doc):
    error_line(StoreError, store.set_caret, doc, len(TEXT) + 1)


def test_an_unknown_document_status_is_refused(store, doc):
    error_line(StoreError, store.set_status, doc, "finished")


def test_time_stamps_are_iso_8601_in_utc(store, doc):
    span = store.add_span(doc, 0, 3, "PER")
    created = datetime.fromisoformat(span.created)
    assert created.utcoffset() == timedelta(0)
    assert datetime.fromisoformat(store.document(doc).first_seen).utcoffset() == timedelta(0)


# -- spans persist ------------------------------------------------------------------------


def test_an_added_span_is_still_there_after_reopening(store, doc):
    span = store.add_span(doc, 4, 10, "PER")
    store = reopen(store)
    assert store.spans(doc) == [span]
    store.close()


def test_a_deleted_span_stays_deleted_after_reopening(store, doc):
    kept = store.add_span(doc, 0, 3, "PER")
    store.delete_span(store.add_span(doc, 4, 10, "LOC").id)
    store = reopen(store)
    assert store.spans(doc) == [kept]
    store.close()


def test_an_updated_span_keeps_its_new_values_after_reopening(store, doc):
    span = store.add_span(doc, 4, 10, "PER")
    updated = store.update_span(span.id, start=3, end=11, label="ORG", status="suggested")
    store = reopen(store)
    assert store.spans(doc) == [updated]
    assert (updated.start, updated.end, updated.label, updated.status) == (3, 11, "ORG", "suggested")
    store.close()


def test_spans_come_ordered_by_start_then_end(store, doc):
    store.add_span(doc, 20, 25, "LOC")
    store.add_span(doc, 0, 9, "PER")
    store.add_span(doc, 0, 3, "ORG", allow_overlap=True)
    assert [(s.start, s.end) for s in store.spans(doc)] == [(0, 3), (0, 9), (20, 25)]


def test_the_span_records_the_annotator_of_the_store_by_default(store, doc):
    assert store.add_span(doc, 0, 3, "PER").annotator == "alice"
    assert store.add_span(doc, 4, 6, "PER", annotator="model").annotator == "model"


def test_deleting_an_unknown_span_is_refused_with_one_line(store):
    error_line(StoreError, store.delete_span, 12345)


# -- offsets ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end",
    [(-1, 3), (0, len(TEXT) + 1), (5, 5), (6, 5), (0.0, 3), (True, 3), ("0", "3")],
)
def test_offsets_outside_the_text_or_not_increasing_are_refused(store, doc, start, end):
    error_line(StoreError, store.add_span, doc, start, end, "PER")
    assert store.spans(doc) == []


def test_a_span_may_end_exactly_at_the_end_of_the_text(store, doc):
    assert store.add_span(doc, 0, len(TEXT), "MISC").end == len(TEXT)


def test_an_update_to_offsets_outside_the_text_is_refused(store, doc):
    span = store.add_span(doc, 0, 3, "PER")
    error_line(StoreError, store.update_span, span.id, end=len(TEXT) + 1)
    assert store.spans(doc) == [span]


def test_an_empty_label_is_refused(store, doc):
    error_line(StoreError, store.add_span, doc, 0, 3, " ")


def test_an_unknown_span_status_is_refused(store, doc):
    error_line(StoreError, store.add_span, doc, 0, 3, "PER", status="maybe")


# -- overlap ------------------------------------------------------------------------------


def test_an_overlapping_span_is_refused_by_default(store, doc):
    first = store.add_span(doc, 4, 10, "PER")
    message = error_line(OverlapError, store.add_span, doc, 8, 14, "LOC")
    assert "[4:10]" in message
    assert store.spans(doc) == [first]


def test_spans_that_only_touch_do_not_overlap(store, doc):
    store.add_span(doc, 4, 10, "PER")
    store.add_span(doc, 10, 14, "LOC")
    assert len(store.spans(doc)) == 2


def test_an_overlapping_span_is_allowed_with_allow_overlap(store, doc):
    store.add_span(doc, 4, 10, "PER")
    store.add_span(doc, 8, 14, "LOC", allow_overlap=True)
    assert len(store.spans(doc)) == 2


def test_a_nested_span_is_allowed_with_allow_overlap(store, doc):
    store.add_span(doc, 0, 30, "ORG")
    inner = store.add_span(doc, 11, 22, "LOC", allow_overlap=True)
    assert inner in store.spans(doc)


def test_a_suggestion_never_blocks_an_accepted_span(store, doc):
    store.add_span(doc, 4, 10, "PER", annotator="model", status="suggested")
    store.add_span(doc, 4, 10, "PER")
    assert [s.status for s in store.spans(doc)] == ["suggested", "accepted"]


def test_a_suggestion_may_overlap_accepted_spans(store, doc):
    store.add_span(doc, 4, 10, "PER")
    store.add_span(doc, 6, 12, "LOC", annotator="model", status="suggested")
    assert len(store.spans(doc)) == 2


def test_accepting_a_suggestion_that_overlaps_an_accepted_span_is_refused(store, doc):
    store.add_span(doc, 4, 10, "PER")
    suggestion = store.add_span(doc, 6, 12, "LOC", status="suggested")
    error_line(OverlapError, store.update_span, suggestion.id, status="accepted")


def test_an_exact_duplicate_is_refused_even_with_allow_overlap(store, doc):
    store.add_span(doc, 4, 10, "PER")
    message = error_line(StoreError, store.add_span, doc, 4, 10, "PER", allow_overlap=True)
    assert "already" in message
    assert len(store.spans(doc)) == 1


def test_the_same_offsets_with_another_label_are_an_overlap_not_a_duplicate(store, doc):
    store.add_span(doc, 4, 10, "PER")
    error_line(OverlapError, store.add_span, doc, 4, 10, "LOC")


def test_moving_a_span_onto_another_is_refused(store, doc):
    store.add_span(doc, 0, 3, "PER")
    span = store.add_span(doc, 4, 10, "LOC")
    error_line(OverlapError, store.update_span, span.id, start=2)
    assert store.spans(doc)[1] == span


def test_relabelling_a_nested_span_needs_no_allow_overlap(store, doc):
    store.add_span(doc, 0, 30, "ORG")
    inner = store.add_span(doc, 11, 22, "LOC", allow_overlap=True)
    assert store.update_span(inner.id, label="PER").label == "PER"


def test_overlap_is_checked_against_one_s_own_spans_only(store, doc):
    store.add_span(doc, 4, 10, "PER")
    with Store(store.path, annotator="bob") as bob:
        bob.add_span(doc, 6, 12, "LOC")  # another annotator's span never blocks his
        error_line(OverlapError, bob.add_span, doc, 8, 9, "ORG")  # his own does
    error_line(OverlapError, store.add_span, doc, 9, 11, "ORG")


# -- undo and redo ------------------------------------------------------------------------


def test_undo_removes_an_added_span(store, doc):
    store.add_span(doc, 4, 10, "PER")
    assert store.undo(doc) == "undid: add PER [4:10]"
    assert store.spans(doc) == []


def test_redo_puts_back_the_same_span(store, doc):
    span = store.add_span(doc, 4, 10, "PER")
    store.undo(doc)
    assert store.redo(doc) == "redid: add PER [4:10]"
    assert store.spans(doc) == [span]


def test_undo_brings_back_a_deleted_span_with_its_id(store, doc):
    span = store.add_span(doc, 4, 10, "PER")
    store.delete_span(span.id)
    store.undo(doc)
    assert store.spans(doc) == [span]


def test_undo_restores_the_span_as_it_was_before_an_update(store, doc):
    span = store.add_span(doc, 4, 10, "PER")
    store.update_span(span.id, label="LOC", end=12)
    assert store.undo(doc) == "undid: update PER [4:10] -> LOC [4:12]"
    assert store.spans(doc) == [span]


def test_undo_with_nothing_to_undo_returns_none(store, doc):
    assert store.undo(doc) is None and store.redo(doc) is None


def test_a_new_action_clears_what_could_be_redone(store, doc):
    store.add_span(doc, 4, 10, "PER")
    store.undo(doc)
    store.add_span(doc, 0, 3, "LOC")
    assert store.redo(doc) is None


def test_undo_works_after_reopening_the_store(store, doc):
    store.add_span(doc, 4, 10, "PER")
    store = reopen(store)
    assert store.undo(doc) == "undid: add PER [4:10]"
    store = reopen(store)
    assert store.redo(doc) == "redid: add PER [4:10]"
    assert len(store.spans(doc)) == 1
    store.close()


def test_undo_only_undoes_the_actions_of_this_annotator(store, doc):
    mine = store.add_span(doc, 0, 3, "PER")
    with Store(store.path, annotator="bob") as bob:
        bob.add_span(doc, 4, 10, "LOC")
    assert store.undo(doc) == "undid: add PER [0:3]"
    assert [s.annotator for s in store.spans(doc)] == ["bob"] and mine not in store.spans(doc)


def test_an_update_that_changes_nothing_records_nothing_to_undo(store, doc):
    span = store.add_span(doc, 4, 10, "PER")
    assert store.update_span(span.id, label="PER") == span
    assert store.undo(doc) == "undid: add PER [4:10]"


def test_undo_keeps_a_change_someone_else_made_since_and_drops_the_step(store, doc):
    span = store.add_span(doc, 4, 10, "PER")
    with Store(store.path, annotator="bob") as bob:
        changed = bob.update_span(span.id, label="ORG")
    message = store.undo(doc)
    assert "changed since by someone else" in message and "\n" not in message
    assert store.spans(doc) == [changed]
    assert store.undo(doc) is None


def test_undo_that_would_overlap_a_span_of_hers_added_since_is_refused(store, doc):
    span = store.add_span(doc, 4, 10, "PER")
    store.delete_span(span.id)
    with Store(store.path, annotator="bob") as bob:
        bob.add_span(doc, 5, 9, "ORG")  # another annotator's: never in the way
    with Store(store.path, annotator="import") as importer:  # not on alice's undo stack
        importer.add_span(doc, 6, 12, "LOC", annotator="alice")
    assert "cannot undo" in error_line(OverlapError, store.undo, doc)
    assert [s.label for s in store.spans(doc)] == ["ORG", "LOC"]


def test_a_refused_undo_stays_on_the_stack_to_try_again(store, doc):
    span = store.add_span(doc, 4, 10, "PER")
    store.delete_span(span.id)
    with Store(store.path, annotator="import") as importer:
        blocker = importer.add_span(doc, 6, 12, "LOC", annotator="alice")
        with pytest.raises(OverlapError):
            store.undo(doc)
        importer.delete_span(blocker.id)
    assert store.undo(doc) == "undid: delete PER [4:10]"
    assert store.spans(doc) == [span]


MODEL_TEXT = "abcdefghijkl"
offsets = st.tuples(st.integers(0, len(MODEL_TEXT)), st.integers(0, len(MODEL_TEXT))).filter(
    lambda p: p[0] < p[1]
)
labels = st.sampled_from(["PER", "LOC"])
statuses = st.sampled_from(["accepted", "accepted", "suggested", "rejected"])


class StoreAgainstAModel(RuleBasedStateMachine):
    """Store against a dict of spans and two lists of (id, before, after) steps.

    The model writes down what a plain in-memory undo/redo does; the store has to match it,
    including refusals, with the store closed and reopened at random between steps.
    """

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="store-model-"))
        self.store = Store(self.folder / "model.db", annotator="alice")
        self.doc = self.store.open_document(MODEL_TEXT, self.folder / "doc.txt")[0].id
        self.spans: dict[int, tuple[int, int, str, str]] = {}
        self.undos: list[tuple[int, tuple | None, tuple | None]] = []
        self.redos: list[tuple[int, tuple | None, tuple | None]] = []

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def refusal(self, new: tuple, allow_overlap: bool, old_id: int | None = None):
        start, end, label, status = new
        if status != "accepted":
            return None
        others = [
            s for i, s in self.spans.items()
            if i != old_id and s[3] == "accepted" and s[0] < end and start < s[1]
        ]
        if any(s[:3] == (start, end, label) for s in others):
            return StoreError
        old = self.spans.get(old_id)
        if old is not None and old[3] == "accepted":
            others = [s for s in others if not (s[0] < old[1] and old[0] < s[1])]
        return None if allow_overlap or not others else OverlapError

    def attempt(self, expected, call):
        if expected is None:
            return call()
        with pytest.raises(expected) as info:
            call()
        assert info.type is expected
        return None

    def push(self, step) -> None:
        self.undos.append(step)
        self.redos.clear()

    @rule(where=offsets, label=labels, status=statuses, allow=st.booleans())
    def add(self, where, label, status, allow):
        new = (*where, label, status)
        add = lambda: self.store.add_span(self.doc, *where, label, status=status, allow_overlap=allow)
        span = self.attempt(self.refusal(new, allow), add)
        if span is not None:
            self.spans[span.id] = new
            self.push((span.id, None, new))

    @precondition(lambda self: self.spans)
    @rule(data=st.data())
    def delete(self, data):
        span_id = data.draw(st.sampled_from(sorted(self.spans)))
        self.store.delete_span(span_id)
        self.push((span_id, self.spans.pop(span_id), None))

    @precondition(lambda self: self.spans)
    @rule(data=st.data(), where=st.none() | offsets, label=st.none() | labels,
          status=st.none() | statuses, allow=st.booleans())
    def update(self, data, where, label, status, allow):
        span_id = data.draw(st.sampled_from(sorted(self.spans)))
        old = self.spans[span_id]
        new = (*(where or old[:2]), label or old[2], status or old[3])
        changes = dict(label=label, status=status, allow_overlap=allow)
        if where:
            changes.update(start=where[0], end=where[1])
        expected = None if new == old else self.refusal(new, allow, span_id)
        span = self.attempt(expected, lambda: self.store.update_span(span_id, **changes))
        if span is not None and new != old:
            self.spans[span_id] = new
            self.push((span_id, old, new))

    def apply(self, span_id, state) -> None:
        if state is None:
            del self.spans[span_id]
        else:
            self.spans[span_id] = state

    def step(self, undo: bool) -> None:
        message = self.store.undo(self.doc) if undo else self.store.redo(self.doc)
        source, destination = (self.undos, self.redos) if undo else (self.redos, self.undos)
        assert (message is None) == (not source)
        if source:
            assert message.startswith("undid: " if undo else "redid: ")
            span_id, before, after = source.pop()
            self.apply(span_id, before if undo else after)
            destination.append((span_id, before, after))

    @rule()
    def undo(self):
        self.step(undo=True)

    @rule()
    def redo(self):
        self.step(undo=False)

    @rule()
    def reopen(self):
        self.store = reopen(self.store)

    @invariant()
    def store_matches_model(self):
        expected = sorted((i, *s) for i, s in self.spans.items())
        assert sorted(spans_of(self.store, self.doc)) == expected


def test_undo_and_redo_match_an_in_memory_model_across_restarts():
    run_state_machine_as_test(
        StoreAgainstAModel,
        settings=settings(
            max_examples=60,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# -- labels and other processes -----------------------------------------------------------


def test_a_new_store_offers_the_default_labels_each_with_a_colour(store):
    labels = store.labels()
    assert [name for name, _ in labels] == list(DEFAULT_LABELS)
    assert len({colour for _, colour in labels}) == len(DEFAULT_LABELS)


def test_set_labels_replaces_the_set_and_keeps_known_colours(store):
    colours = dict(store.labels())
    store.set_labels(["LOC", "DATE"])
    labels = dict(store.labels())
    assert list(labels) == ["LOC", "DATE"] and labels["LOC"] == colours["LOC"]


def test_add_labels_appends_only_unknown_names_and_persists(store):
    store.add_labels(["DATE", "PER"])
    store = reopen(store)
    assert [name for name, _ in store.labels()] == [*DEFAULT_LABELS, "DATE"]
    store.close()


def test_a_label_given_twice_is_refused(store):
    error_line(StoreError, store.set_labels, ["PER", "PER"])
    assert [name for name, _ in store.labels()] == list(DEFAULT_LABELS)


def test_data_version_changes_when_another_connection_commits(store, doc):
    before = store.data_version()
    with Store(store.path, annotator="bob") as bob:
        bob.add_span(doc, 0, 3, "PER")
    assert store.data_version() != before


def test_add_spans_stores_a_batch_in_one_transaction_all_or_nothing(tmp_path):
    with Store(tmp_path / "a.db", annotator="tester") as store:
        record, _ = store.open_document("ab cd ef gh", "x.txt")
        store.add_spans(record.id, [(0, 2, "PER"), (3, 5, "LOC")])
        with pytest.raises(OverlapError):
            store.add_spans(record.id, [(6, 8, "ORG"), (4, 5, "ORG")])
        assert [(s.start, s.end) for s in store.spans(record.id)] == [(0, 2), (3, 5)]
        store.add_span(record.id, 6, 8, "ORG")


def test_one_undo_takes_back_everything_one_call_stored_and_one_redo_brings_it_back(tmp_path):
    with Store(tmp_path / "a.db", annotator="tester") as store:
        record, _ = store.open_document("ab cd ef gh ij", "x.txt")
        store.add_span(record.id, 0, 2, "PER")
        store.add_spans(record.id, [(3, 5, "LOC"), (6, 8, "ORG"), (9, 11, "PER")])
        assert store.undo(record.id) == "undid 3 changes made by one key"
        assert [(s.start, s.end) for s in store.spans(record.id)] == [(0, 2)]
        assert store.redo(record.id) == "redid 3 changes made by one key"
        assert [(s.start, s.end) for s in store.spans(record.id)] == [(0, 2), (3, 5), (6, 8), (9, 11)]
        assert store.undo(record.id) and store.undo(record.id) == "undid: add PER [0:2]"
        assert store.spans(record.id) == [] and store.undo(record.id) is None


def test_a_grouped_undo_keeps_what_someone_else_changed_since(tmp_path):
    db = tmp_path / "a.db"
    with Store(db, annotator="tester") as store, Store(db, annotator="other") as other:
        record, _ = store.open_document("ab cd ef", "x.txt")
        first, second = store.add_spans(record.id, [(0, 2, "PER"), (3, 5, "LOC")])
        other.update_span(second.id, label="ORG")
        message = store.undo(record.id)
        assert message.startswith("undid 1 change made by one key; 1 changed since by someone else")
        assert [(s.start, s.end, s.label) for s in store.spans(record.id)] == [(3, 5, "ORG")]


def test_set_labels_takes_given_colours_and_keeps_the_others(store):
    before = dict(store.labels())
    store.set_labels(["PER", "LOC", "EVENT"], {"LOC": "#123456", "EVENT": "#abcdef"})
    store = reopen(store)
    labels = dict(store.labels())
    assert list(labels) == ["PER", "LOC", "EVENT"]
    assert labels == {"PER": before["PER"], "LOC": "#123456", "EVENT": "#abcdef"}
    store.close()


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "#12345g", 7, "#123456\n"])
def test_a_label_colour_that_is_not_hex_rgb_is_refused_and_nothing_changes(store, colour):
    before = store.labels()
    message = error_line(StoreError, store.set_labels, ["PER", "LOC"], {"LOC": colour})
    assert "LOC" in message and "#rrggbb" in message
    assert store.labels() == before


def test_setting_the_same_label_set_again_writes_nothing(store):
    store.set_labels(["PER", "LOC"], {"LOC": "#123456"})
    with Store(store.path, annotator="other") as other:
        seen = other.data_version()
        store.set_labels(["PER", "LOC"], {"LOC": "#123456"})  # as each start with a project file
        assert other.data_version() == seen
        store.set_labels(["PER", "LOC"], {"LOC": "#654321"})
        assert other.data_version() != seen
