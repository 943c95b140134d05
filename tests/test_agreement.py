"""Agreement measures: cases counted by hand, kappa cross-checked against scikit-learn."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from annotator.pipeline.agreement import cohen_kappa, compare, overlap_matches, token_labels

# Words:     0-4 "بشار"  5-10 "الأسد"  11-13 "في"  14-17 "حلب"  18-22 "وحمص"
TEXT = "بشار الأسد في حلب وحمص"


def test_exact_f1_counted_by_hand():
    a = [(0, 10, "PER"), (14, 17, "LOC"), (18, 22, "LOC")]
    b = [(0, 10, "PER"), (14, 17, "ORG"), (19, 22, "LOC")]
    result = compare("ali", "badr", [(TEXT, a, b)])
    # Only PER [0:10] is the same start, end and label: m = 1, |A| = |B| = 3.
    assert result.exact.matched == 1
    assert result.exact.f1 == pytest.approx(2 * 1 / 6)
    assert result.exact.precision == pytest.approx(1 / 3)
    assert result.exact.recall == pytest.approx(1 / 3)
    # Overlap, same label: PER/PER and LOC [18:22] / LOC [19:22]; LOC vs ORG never.
    assert result.overlap.matched == 2
    assert result.overlap.f1 == pytest.approx(4 / 6)
    assert result.labels["LOC"]["exact"].matched == 0
    assert result.labels["LOC"]["overlap"].matched == 1
    assert result.labels["ORG"]["exact"].b == 1 and result.labels["ORG"]["exact"].a == 0
    assert result.documents == 1


def test_kappa_over_tokens_counted_by_hand():
    a = [(0, 10, "PER"), (14, 17, "LOC")]
    b = [(0, 4, "PER"), (14, 17, "LOC")]
    # Tokens: بشار الأسد في حلب وحمص
    #   A:    PER  PER   O  LOC  O
    #   B:    PER  O     O  LOC  O
    # p_o = 4/5; A: PER 2, O 2, LOC 1; B: PER 1, O 3, LOC 1
    # p_e = (2*1 + 2*3 + 1*1) / 25 = 9/25; kappa = (20/25 - 9/25) / (16/25) = 11/16
    result = compare("a", "b", [(TEXT, a, b)])
    assert result.kappa == pytest.approx(11 / 16)


def test_a_label_filter_leaves_out_other_labels():
    a = [(0, 10, "PER"), (14, 17, "LOC")]
    b = [(0, 10, "PER"), (14, 17, "ORG")]
    result = compare("a", "b", [(TEXT, a, b)], labels=["PER"])
    assert result.exact.f1 == 1.0
    assert set(result.labels) == {"PER"}


def test_one_long_span_overlaps_two_short_ones_but_matches_only_one():
    assert overlap_matches([(0, 10, "PER")], [(0, 4, "PER"), (5, 10, "PER")]) == 1


def test_the_matching_is_maximum_not_greedy():
    # A greedy match of a0 with b0 would leave a1 without a partner.
    a = [(0, 10, "X"), (8, 12, "X")]
    b = [(5, 9, "X"), (0, 3, "X")]
    assert overlap_matches(a, b) == 2


def test_a_token_takes_the_label_covering_most_of_it():
    tokens = [(0, 6)]
    assert token_labels(tokens, [(0, 2, "A"), (2, 6, "B")]) == ["B"]
    assert token_labels(tokens, []) == ["O"]


def test_kappa_is_undefined_when_everything_is_one_label():
    assert cohen_kappa(["O", "O"], ["O", "O"]) is None
    assert cohen_kappa([], []) is None


LABELS = st.sampled_from(["O", "PER", "LOC", "ORG"])


@settings(max_examples=300)
@given(st.lists(st.tuples(LABELS, LABELS), min_size=1, max_size=80))
def test_kappa_agrees_with_scikit_learn(pairs):
    x = [p for p, _ in pairs]
    y = [q for _, q in pairs]
    ours = cohen_kappa(x, y)
    if ours is None:
        assert len(set(x) | set(y)) == 1
        return
    assert ours == pytest.approx(cohen_kappa_score(x, y), abs=1e-9)
