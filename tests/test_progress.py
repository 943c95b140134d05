"""Per-annotator progress: status and caret belong to a (document, annotator) pair.

Real SQLite files through the real Store, Snapshot, merge and agreement; a schema version 3
database is built by the previous release's migrations and written to by hand, as that
release left it, then opened by this one.  Expected values are written out by hand.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.pipeline.agreement import agreement
from annotator.store import DOCUMENT_STATUSES, MIGRATIONS, OverlapError, Snapshot, Store, StoreError
from annotator.store.merging import merge_databases
from annotator.store.queue import fill_queue

ONE = "زار بان كي مون حلب."
TWO = "قالت وكالة الأنباء إن دمشق هادئة."
THREE = "وصل الوفد إلى عمّان صباحا."


def write_corpus(folder, texts):
    paths = []
    for n, text in enumerate(texts):
        path = folder / f"{n}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    return paths


@pytest.fixture
def team(tmp_path):
    """One database, one queue of three files, two annotators' stores on it."""
    db = tmp_path / "team.db"
    amira, bilal = Store(db, annotator="amira"), Store(db, annotator="bilal")
    amira.enqueue(write_corpus(tmp_path, [ONE, TWO, THREE]))
    fill_queue(amira)
    yield amira, bilal
    amira.close()
    bilal.close()


def test_each_annotator_has_their_own_status_and_caret(team):
    amira, bilal = team
    one, two, _ = (e.doc_id for e in amira.queue())
    amira.set_status(one, "done")
    amira.set_caret(one, 7)
    bilal.set_caret(one, 3)
    assert (amira.document(one).status, amira.document(one).caret) == ("done", 7)
    assert (bilal.document(one).status, bilal.document(one).caret) == ("new", 3)
    bilal.set_status(two, "skipped")
    assert amira.document(two).status == "new"
    assert amira.statuses(one) == {"amira": "done"} and bilal.statuses(two) == {"bilal": "skipped"}


def test_each_annotator_goes_through_the_same_queue_on_their_own(team):
    amira, bilal = team
    first, second, third = amira.queue()
    amira.set_status(first.doc_id, "done")
    amira.set_status(second.doc_id, "skipped")
    # amira's next unfinished document is the third; bilal has not started: the first
    assert amira.queue_step(first.position, 1, unfinished=True).position == third.position
    assert bilal.queue_step(third.position, 1, unfinished=True).position == first.position
    assert amira.queue_progress() == (1, 3, 3) and bilal.queue_progress() == (0, 3, 3)
    amira.add_span(first.doc_id, 4, 14, "PER")
    bilal.add_span(first.doc_id, 15, 18, "LOC")
    bilal.add_span(first.doc_id, 4, 14, "ORG")
    assert [(r.status, r.spans, r.labels) for r in amira.queue_overview()] == [
        ("done", 1, "PER"), ("skipped", 0, ""), ("new", 0, "")]
    assert [(r.status, r.spans, r.labels) for r in bilal.queue_overview()] == [
        ("new", 2, "LOC,ORG"), ("new", 0, ""), ("new", 0, "")]
    assert amira.document_ids(["new"]) == [third.doc_id]
    assert bilal.document_ids(["new"]) == [first.doc_id, second.doc_id, third.doc_id]
    # most advanced over everyone (what `suggest --status` picks from)
    bilal.set_status(third.doc_id, "in_progress")
    assert bilal.document_ids(["new"], overall=True) == []
    assert bilal.document_ids(["done"], overall=True) == [first.doc_id]


def test_stats_count_progress_per_annotator(team):
    amira, bilal = team
    one, two, three = (e.doc_id for e in amira.queue())
    amira.set_status(one, "done")
    bilal.set_status(one, "in_progress")
    bilal.set_status(two, "skipped")
    with Snapshot(amira.path) as snap:
        counts = snap.counts()
    assert counts.progress_by_annotator == {
        ("amira", "done"): 1, ("amira", "new"): 2,
        ("bilal", "in_progress"): 1, ("bilal", "skipped"): 1, ("bilal", "new"): 1}
    assert counts.documents_by_status == {"done": 1, "skipped": 1, "new": 1}
    assert counts.queue_by_annotator == {"amira": {"done": 1, "skipped": 0},
                                         "bilal": {"done": 0, "skipped": 1}}


def test_agreement_counts_only_documents_both_marked_done(team):
    amira, bilal = team
    one, two, _ = (e.doc_id for e in amira.queue())
    for store, (start, end) in ((amira, (4, 14)), (bilal, (15, 18))):
        store.add_span(one, start, end, "PER")
        store.add_span(two, start, end, "ORG")
    amira.set_status(one, "done")
    amira.set_status(two, "done")
    bilal.set_status(one, "done")  # two: bilal is still at it
    with Snapshot(amira.path) as snap:
        [pair] = agreement(snap.records())
    assert (pair.a, pair.b, pair.documents) == ("amira", "bilal", 1)


def test_a_document_marked_done_without_spans_counts_as_finding_nothing(team):
    amira, bilal = team
    one, two, _ = (e.doc_id for e in amira.queue())
    amira.add_span(one, 4, 14, "PER")
    amira.add_span(two, 22, 26, "LOC")
    bilal.add_span(two, 22, 26, "LOC")
    for store in team:
        store.set_status(one, "done")
        store.set_status(two, "done")
    with Snapshot(amira.path) as snap:
        [pair] = agreement(snap.records(), done=snap.statuses())
        [spans_only] = agreement(snap.records())
    # bilal found nothing in `one`: amira's PER is one he missed (2 spans to his 1)
    assert (pair.documents, pair.exact.a, pair.exact.b, pair.exact.f1) == (2, 2, 1, 2 * 1 / 3)
    assert spans_only.documents == 1


def legacy_database(path):
    """A schema version 3 database as the previous release left it: one shared status."""
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:3]:
        migration(conn)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '3')")
    rows = [("d1", ONE, "done", 5, "t1"), ("d2", TWO, "in_progress", 9, "t2"),
            ("d3", THREE, "skipped", 0, "t3"), ("d4", "لم يفتح بعد", "new", 0, None)]
    for doc_id, text, status, caret, changed in rows:
        conn.execute("INSERT INTO documents(id, text, length, source, first_seen, last_seen,"
                     " status, caret, changed) VALUES (?, ?, ?, ?, 't', 't', ?, ?, ?)",
                     (doc_id, text, len(text), f"/{doc_id}.txt", status, caret, changed))
    # d1: amira labelled (undo log) and bilal has an accepted span; a suggestion's source
    # is not a person; d2: amira only; d3: nobody (marked skipped without labelling)
    conn.execute("INSERT INTO spans(doc_id, start, end, label, annotator, status, created, updated)"
                 " VALUES ('d1', 4, 14, 'PER', 'amira', 'accepted', 't', 't'),"
                 " ('d1', 15, 18, 'LOC', 'bilal', 'accepted', 't', 't'),"
                 " ('d1', 0, 3, 'ORG', 'patterns', 'suggested', 't', 't')")
    conn.execute("INSERT INTO history(doc_id, annotator, action, span_id, created)"
                 " VALUES ('d1', 'amira', 'add', 1, 't'), ('d2', 'amira', 'delete', 9, 't')")
    conn.commit()
    conn.close()
    return path


def test_the_migration_gives_each_document_s_status_to_who_worked_on_it(tmp_path, monkeypatch):
    path = legacy_database(tmp_path / "old.db")
    monkeypatch.setenv("LOGNAME", "chadi")  # getpass reads LOGNAME first
    with Store(path, annotator="zed") as store:
        assert store.document("d1").status == "new"  # zed never worked on it
    with sqlite3.connect(path) as conn:
        progress = conn.execute("SELECT doc_id, annotator, status, caret, changed FROM progress"
                                " ORDER BY doc_id, annotator").fetchall()
        columns = [row[1] for row in conn.execute("PRAGMA table_info(documents)")]
    assert progress == [
        ("d1", "amira", "done", 5, "t1"), ("d1", "bilal", "done", 5, "t1"),
        ("d2", "amira", "in_progress", 9, "t2"), ("d3", "chadi", "skipped", 0, "t3")]
    assert not {"status", "caret", "changed"} & set(columns)  # nothing can read them now
    with Store(path, annotator="bilal") as bilal:
        assert (bilal.document("d1").status, bilal.document("d1").caret) == ("done", 5)
        assert bilal.document("d2").status == "new"


def test_a_snapshot_of_a_database_not_yet_upgraded_reads_its_shared_status(tmp_path):
    path = legacy_database(tmp_path / "old.db")
    before = path.read_bytes()
    with Snapshot(path) as snap:
        got = [(r.doc_id, r.annotator, r.status) for r in snap.records()]
        counts = snap.counts()
    assert got == [("d1", "amira", "done"), ("d1", "bilal", "done")]
    assert counts.documents_by_status == {"done": 1, "in_progress": 1, "skipped": 1, "new": 1}
    assert path.read_bytes() == before


def test_merge_unites_progress_and_the_more_advanced_status_wins_and_is_reported(tmp_path):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    with Store(one, annotator="amira") as a1, Store(two, annotator="amira") as a2:
        doc = a1.open_document(ONE, "/x/one.txt")[0].id
        a2.open_document(ONE, "/y/one.txt")
        a1.set_status(doc, "done")
        a1.set_caret(doc, 4)
        a2.set_status(doc, "in_progress")
        a2.set_caret(doc, 9)
    with Store(two, annotator="bilal") as b2:
        b2.set_status(doc, "skipped")
    said: list[str] = []
    merge_databases([two, one], tmp_path / "team.db", report=said.append)
    with sqlite3.connect(tmp_path / "team.db") as conn:
        rows = conn.execute("SELECT annotator, status, caret FROM progress ORDER BY annotator").fetchall()
    assert rows == [("amira", "done", 4), ("bilal", "skipped", 0)]
    assert said == [f"status of document {doc[:12]} for amira: done in one.db, in_progress "
                    "already merged; kept done"]
    said.clear()
    merge_databases([two], tmp_path / "team.db", report=said.append)  # the less advanced: kept
    with sqlite3.connect(tmp_path / "team.db") as conn:
        assert conn.execute("SELECT status FROM progress WHERE annotator = 'amira'").fetchone() == ("done",)
    assert said == [f"status of document {doc[:12]} for amira: in_progress in two.db, done "
                    "already merged; kept done"]


def test_another_annotator_s_span_never_blocks_mine(team):
    amira, bilal = team
    doc = amira.queue()[0].doc_id
    amira.add_span(doc, 4, 14, "PER")
    bilal.add_span(doc, 4, 14, "PER")  # the same span: his, not a duplicate of hers
    bilal.add_span(doc, 15, 18, "LOC")
    with pytest.raises(OverlapError, match=r"overlaps PER \[4:14\] .*by bilal"):
        bilal.add_span(doc, 8, 16, "ORG")  # his own spans still block him
    with pytest.raises(StoreError, match="already there"):
        amira.add_span(doc, 4, 14, "PER")
    # a suggestion amira accepts becomes hers, checked against her spans, not bilal's
    [suggestion] = amira.add_spans(doc, [(15, 18, "ORG")], annotator="patterns", status="suggested")
    amira.update_span(suggestion.id, status="accepted")
    assert sorted((s.annotator, s.start, s.end, s.label) for s in amira.spans(doc)) == [
        ("amira", 4, 14, "PER"), ("amira", 15, 18, "ORG"), ("bilal", 4, 14, "PER"),
        ("bilal", 15, 18, "LOC")]
    assert amira.undo(doc) and [s.annotator for s in amira.spans(doc) if s.start == 15
                                and s.status == "suggested"] == ["patterns"]
    amira.redo(doc)
    with pytest.raises(OverlapError):  # and her own PER does block her
        amira.update_span(suggestion.id, start=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(DOCUMENT_STATUSES), min_size=1, max_size=3), st.randoms())
def test_merging_keeps_the_most_advanced_status_in_any_order(tmp_path_factory, statuses, random):
    """Each input database gives amira one status in the same document; merged in any
    order, the output holds the status that says most (done > skipped > in progress > new)."""
    folder = tmp_path_factory.mktemp("merge")
    inputs = []
    for n, status in enumerate(statuses):
        with Store(folder / f"{n}.db", annotator="amira") as store:
            doc = store.open_document(ONE, f"/x/{n}.txt")[0].id
            store.set_status(doc, status)
        inputs.append(folder / f"{n}.db")
    random.shuffle(inputs)
    merge_databases(inputs, folder / "team.db")
    expected = {"new": 0, "in_progress": 1, "skipped": 2, "done": 3}  # written out by hand
    with Store(folder / "team.db", annotator="amira") as team:
        assert team.document(doc).status == max(statuses, key=expected.__getitem__)
