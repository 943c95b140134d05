"""Review into gold, without a terminal: grouping finished annotators' spans into candidates
(store/review.py, properties and hand cases) and the documents a reviewer can review
(Store.done_by, on a real SQLite file)."""

from __future__ import annotations

from typing import NamedTuple

from hypothesis import given
from hypothesis import strategies as st

from annotator.store import QueueRead, Store
from annotator.store.review import Candidate, candidates


class S(NamedTuple):
    start: int
    end: int
    label: str
    annotator: str


NAMES = ("ali", "hana", "sara")


@st.composite
def spans_of_team(draw):
    """Spans by two or three annotators on few offsets and labels, so ranges often coincide."""
    finished = draw(st.lists(st.sampled_from(NAMES), min_size=2, max_size=3, unique=True))
    spans = draw(st.lists(st.builds(
        lambda a, s, n, label: S(s, s + n, label, a),
        st.sampled_from([*finished, "other"]), st.integers(0, 4), st.integers(1, 3),
        st.sampled_from(["PER", "ORG"])), max_size=12))
    return spans, finished


@given(spans_of_team())
def test_every_finished_annotators_span_is_in_exactly_one_candidate(team):
    spans, finished = team
    found = candidates(spans, finished)
    for span in spans:
        holding = [c for c in found
                   if (c.start, c.end) == (span.start, span.end)
                   and (span.annotator, span.label) in c.votes]
        assert len(holding) == (1 if span.annotator in finished else 0)
    votes = sum(len(c.votes) for c in found)
    assert votes == sum(1 for s in spans if s.annotator in finished)


@given(spans_of_team())
def test_a_candidate_is_agreed_iff_every_finished_annotator_has_exactly_that_span(team):
    spans, finished = team
    for c in candidates(spans, finished):
        exactly = all(
            [(s.label) for s in spans if s.annotator == name and (s.start, s.end) == (c.start, c.end)]
            == [c.label] for name in finished)
        assert c.agreed == exactly
        assert c.status == ("agreed" if exactly else "disputed")
        assert set(c.missing) == {name for name in finished
                                  if not any(s.annotator == name and (s.start, s.end) ==
                                             (c.start, c.end) for s in spans)}


@given(spans_of_team(), st.data())
def test_decided_ranges_vanish_and_the_rest_stay_as_they_were(team, data):
    spans, finished = team
    before = candidates(spans, finished)
    decided = data.draw(st.lists(st.sampled_from([(c.start, c.end) for c in before] or [(0, 1)])))
    after = candidates(spans, finished, decided)
    assert after == [c for c in before if (c.start, c.end) not in set(decided)]


def test_hand_cases():
    spans = [
        S(0, 3, "PER", "ali"), S(0, 3, "PER", "sara"),  # agreed
        S(5, 9, "PER", "ali"), S(5, 9, "ORG", "sara"),  # same range, two labels
        S(12, 15, "LOC", "ali"), S(12, 17, "LOC", "sara"),  # overlapping, different ranges
        S(20, 22, "PER", "hana"),  # not finished: not a candidate
    ]
    found = candidates(spans, ["ali", "sara"])
    assert found == [
        Candidate(0, 3, (("ali", "PER"), ("sara", "PER")), (), True),
        Candidate(5, 9, (("ali", "PER"), ("sara", "ORG")), (), False),
        Candidate(12, 15, (("ali", "LOC"),), ("sara",), False),
        Candidate(12, 17, (("sara", "LOC"),), ("ali",), False),
    ]
    assert found[1].labels == ("ORG", "PER")  # a tie: by name
    # a third finished annotator who left 0-3 out turns the agreement into a dispute
    three = candidates(spans, ["ali", "hana", "sara"])
    assert three[0] == Candidate(0, 3, (("ali", "PER"), ("sara", "PER")), ("hana",), False)
    assert [(c.start, c.end) for c in candidates(spans, ["ali", "sara"], [(5, 9), (12, 17)])] \
        == [(0, 3), (12, 15)]


def test_two_labels_by_one_annotator_on_one_range_are_a_dispute():
    spans = [S(0, 3, "PER", "ali"), S(0, 3, "PER", "sara"), S(0, 3, "ORG", "sara")]
    [c] = candidates(spans, ["ali", "sara"])
    assert not c.agreed and c.labels == ("PER", "ORG")


def test_done_by_lists_finishers_in_queue_order_and_the_overview_counts_the_reviewers_spans(tmp_path):
    db = tmp_path / "annotations.db"
    with Store(db, annotator="ali") as ali, Store(db, annotator="sara") as sara, \
            Store(db, annotator="gold") as gold:
        first = ali.open_document("one", tmp_path / "1.txt")[0].id
        second = ali.open_document("two", tmp_path / "2.txt")[0].id
        third = ali.open_document("three", tmp_path / "3.txt")[0].id
        for store, doc, status in [(ali, first, "done"), (sara, first, "done"),
                                   (gold, first, "done"), (ali, second, "in_progress"),
                                   (sara, second, "done"), (sara, third, "skipped")]:
            store.set_status(doc, status)
        assert gold.done_by() == {first: ["ali", "gold", "sara"], second: ["sara"]}
        ali.enqueue([str(tmp_path / "2.txt"), str(tmp_path / "1.txt")])
        texts = {"2.txt": "two", "1.txt": "one"}
        ali.store_queued([QueueRead(entry.position, texts[entry.path[-5:]])
                          for entry in ali.queue()])  # stored: the queue's order wins
        assert list(gold.done_by()) == [second, first]
        gold.add_span(first, 0, 3, "PER")
        sara.add_span(first, 1, 2, "ORG")  # not the reviewer's: not counted
        [one, two] = gold.documents_overview([first, second])
        assert (one.position, one.doc_id, one.status, one.spans, one.labels) == (
            0, first, "done", 1, "PER")
        assert (two.position, two.status, two.spans, two.labels) == (1, "new", 0, "")
        assert two.path == str((tmp_path / "2.txt").resolve())


def test_the_same_span_twice_by_one_annotator_is_not_agreement():
    """(The store refuses such a duplicate; a merged or hand-edited file may hold one.)"""
    spans = [S(0, 3, "PER", "ali"), S(0, 3, "PER", "ali"), S(0, 3, "PER", "sara")]
    [c] = candidates(spans, ["ali", "sara"])
    assert not c.agreed and c.votes == (("ali", "PER"), ("ali", "PER"), ("sara", "PER"))
