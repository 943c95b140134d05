"""The store's read-only Snapshot: one consistent read transaction, filters, counts, refusals.

Real SQLite files written through the real Store; expected values are written out by hand
from what the test stored, never read back through the code under test.
"""

from __future__ import annotations

import sqlite3

import pytest

from annotator.store import Snapshot, Store, StoreError

ONE = "زار بان كي مون حلب."
TWO = "قالت وكالة الأنباء إن دمشق هادئة."


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "annotations.db"
    with Store(path, annotator="amira") as store:
        one = store.open_document(ONE, tmp_path / "one.txt")[0].id
        two = store.open_document(TWO, tmp_path / "two.txt")[0].id
        store.add_span(one, 15, 18, "LOC")
        store.add_span(one, 4, 14, "PER")
        store.add_span(two, 22, 26, "LOC", annotator="bilal")
        store.add_span(two, 5, 10, "ORG", status="suggested")
        store.set_status(two, "done")
        store.set_status(two, "done", annotator="bilal")
    return path


def test_records_come_by_document_then_annotator_with_spans_in_order(db):
    with Snapshot(db) as snap:
        got = [(r.text, r.annotator, r.status, r.spans) for r in snap.records()]
    assert got == [
        (ONE, "amira", "new", [(4, 14, "PER", "accepted"), (15, 18, "LOC", "accepted")]),
        (TWO, "bilal", "done", [(22, 26, "LOC", "accepted")]),
    ]


def test_filters_select_annotators_labels_and_statuses(db):
    with Snapshot(db) as snap:
        assert [r.annotator for r in snap.records(annotators=("bilal",))] == ["bilal"]
        assert [r.spans for r in snap.records(labels=("PER",))] == [[(4, 14, "PER", "accepted")]]
        assert [r.text for r in snap.records(doc_statuses=("done",))] == [TWO]
        both = [r.spans for r in snap.records(span_statuses=("accepted", "suggested"), doc_statuses=("done",))]
        assert both == [[(5, 10, "ORG", "suggested")], [(22, 26, "LOC", "accepted")]]


def test_a_record_carries_its_own_annotators_status(db):
    with Store(db, annotator="bilal") as store:
        store.set_status(store.document_ids()[1], "in_progress")
    with Snapshot(db) as snap:
        got = [(r.annotator, r.status) for r in snap.records(span_statuses=("accepted", "suggested"))]
        done = [r.annotator for r in snap.records(span_statuses=("accepted", "suggested"),
                                                  doc_statuses=("done",))]
        counts = snap.counts()
    assert got == [("amira", "new"), ("amira", "done"), ("bilal", "in_progress")]
    assert done == ["amira"]
    # the document's overall status is its most advanced one; each annotator has their own
    assert counts.documents_by_status == {"new": 1, "done": 1}
    assert counts.progress_by_annotator == {
        ("amira", "done"): 1, ("amira", "new"): 1, ("bilal", "in_progress"): 1, ("bilal", "new"): 1}


def test_a_snapshot_does_not_see_writes_made_after_it_opened(db):
    with Snapshot(db) as snap:
        with Store(db, annotator="zed") as store:
            doc = store.open_document("نص جديد تماما", db.parent / "new.txt")[0].id
            store.add_span(doc, 0, 2, "MISC")
        assert [r.annotator for r in snap.records()] == ["amira", "bilal"]
        assert snap.counts().documents_by_status == {"new": 1, "done": 1}
    with Snapshot(db) as later:
        assert [r.annotator for r in later.records()] == ["amira", "bilal", "zed"]


def test_counts_by_status_label_and_annotator(db):
    with Snapshot(db) as snap:
        counts = snap.counts()
    assert counts.documents_by_status == {"new": 1, "done": 1}
    assert counts.with_accepted_spans == 2
    assert counts.spans_by_label == {("LOC", "accepted"): 2, ("ORG", "suggested"): 1, ("PER", "accepted"): 1}
    assert counts.spans_by_annotator == {("amira", "accepted"): 2, ("amira", "suggested"): 1, ("bilal", "accepted"): 1}


def test_reading_changes_no_byte_of_the_database(db):
    before = db.read_bytes()
    with Snapshot(db) as snap:
        list(snap.records())
        snap.counts()
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda d: d / "missing.db", "no such database"),
        (lambda d: d, "not a database file"),
        (lambda d: (d / "t.db").write_text("not sqlite " * 99) and d / "t.db", "not an annotator database"),
    ],
)
def test_refusals_are_one_line_and_create_nothing(tmp_path, make, needle):
    path = make(tmp_path)
    listing = sorted(tmp_path.iterdir())
    with pytest.raises(StoreError) as caught:
        Snapshot(path)
    assert needle in str(caught.value) and "\n" not in str(caught.value)
    assert sorted(tmp_path.iterdir()) == listing


def test_a_newer_database_is_refused(db):
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 7 is not one this annotator reads"):
        Snapshot(db)


def test_a_span_outside_its_text_is_named_not_exported(db):
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO spans(doc_id, start, end, label, annotator, status, created, updated)"
            " SELECT id, 3, 999, 'ORG', 'zed', 'accepted', 'x', 'x' FROM documents WHERE text = ?", (TWO,)
        )
    with Snapshot(db) as snap, pytest.raises(StoreError, match=r"ORG \[3:999\] by zed .* lies outside its text"):
        list(snap.records())
