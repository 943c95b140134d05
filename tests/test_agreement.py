"""Agreement measures: cases counted by hand, kappa cross-checked against scikit-learn."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from annotator.pipeline.agreement import cohen_kappa, compare, overlap_matches, token_labels
from annotator.store import Store

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


def test_a_ratio_over_nothing_is_undefined_not_zero():
    # A label only B used: recall is 0 matches of 0 spans of A -- undefined, not a miss.
    only_b = compare("a", "b", [(TEXT, [], [(14, 17, "LOC")])])
    assert (only_b.exact.precision, only_b.exact.recall, only_b.exact.f1) == (0.0, None, 0.0)
    assert only_b.overlap.recall is None
    # and the other way round: precision is 0 of 0 spans of B.
    only_a = compare("a", "b", [(TEXT, [(14, 17, "LOC")], [])])
    assert (only_a.exact.precision, only_a.exact.recall, only_a.exact.f1) == (None, 0.0, 0.0)
    # Both found nothing: nothing to score (not a perfect score, not a zero).
    nothing = compare("a", "b", [(TEXT, [], [])])
    assert (nothing.exact.precision, nothing.exact.recall, nothing.exact.f1) == (None, None, None)
    assert nothing.overlap.as_dict() == {"precision": None, "recall": None, "f1": None,
                                         "matched": 0, "a": 0, "b": 0}


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


# -- the real command, counted by hand ---------------------------------------------------------

DONE_TEXT = "زار بان كي مون حلب ثم دمشق."  # 8 tokens: زار بان كي مون حلب ثم دمشق .
OPEN_TEXT = "وصل الوفد إلى حلب."


def two_annotators(folder) -> None:
    """ali and badr, each in their own database (the store refuses a span that duplicates or
    overlaps another annotator's in one database), merged into annotations.db by the real
    command: a document marked done and one still in progress, where both marked حلب."""
    for name, spans in {
        "ali": [(4, 14, "PER"), (15, 18, "LOC"), (22, 26, "LOC")],  # بان كي مون, حلب, دمشق
        "badr": [(4, 10, "PER"), (15, 18, "LOC"), (22, 26, "ORG")],  # بان كي, حلب, دمشق as ORG
    }.items():
        with Store(folder / f"{name}.db", annotator=name) as store:
            done, _ = store.open_document(DONE_TEXT, "done.txt")
            for start, end, label in spans:
                store.add_span(done.id, start, end, label)
            store.set_status(done.id, "done")
            unfinished, _ = store.open_document(OPEN_TEXT, "open.txt")
            store.add_span(unfinished.id, 14, 17, "LOC")
    run_command("merge", "ali.db", "badr.db", "-o", "annotations.db", cwd=folder)


def run_command(*args, cwd):
    exe = shutil.which("annotator")
    assert exe, "the `annotator` command is not installed; run: pip install -e '.[test]'"
    result = subprocess.run([exe, *args], capture_output=True, text=True,
                            encoding="utf-8", cwd=cwd, stdin=subprocess.DEVNULL, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return result.stdout


def test_the_agreement_command_gives_the_hand_counted_numbers(tmp_path):
    # By hand, on the document marked done (the one in progress is left out):
    # exact: only حلب LOC matches: m=1 of 3 and 3 -> P = R = F1 = 1/3.
    # overlap: PER [4:14] ~ [4:10] and حلب: m=2 -> 2/3 (دمشق is LOC vs ORG: no match).
    # per label: PER exact 0, overlap 1/1; LOC exact = overlap: P 1/1, R 1/2, F1 2/3;
    # ORG: nothing matched.
    # kappa over 8 tokens: ali  O PER PER PER LOC O LOC O
    #                      badr O PER PER O   LOC O ORG O
    # observed 6/8; chance (3*4 [O] + 3*2 [PER] + 2*1 [LOC]) / 64 = 20/64 -> kappa = 7/11.
    two_annotators(tmp_path)
    data = json.loads(run_command("agreement", "--json", cwd=tmp_path))
    [pair] = data["pairs"]
    assert (pair["a"], pair["b"], pair["documents"], pair["spans"]) == ("ali", "badr", 1, {"a": 3, "b": 3})
    assert pair["exact"] == pytest.approx({"precision": 1 / 3, "recall": 1 / 3, "f1": 1 / 3,
                                           "matched": 1, "a": 3, "b": 3})
    assert pair["overlap"] == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3,
                                             "matched": 2, "a": 3, "b": 3})
    assert pair["kappa"] == pytest.approx(7 / 11)
    f1 = {label: (s["exact"]["f1"], s["overlap"]["f1"]) for label, s in pair["labels"].items()}
    expected = {"PER": (0, 1), "LOC": (2 / 3, 2 / 3), "ORG": (0, 0)}
    assert f1.keys() == expected.keys()
    # only badr used ORG: its recall is 0 of ali's 0 ORG spans -- undefined, null
    assert [pair["labels"]["ORG"][kind][score] for kind in ("exact", "overlap")
            for score in ("precision", "recall")] == [0, None, 0, None]
    for label, scores in expected.items():  # (approx takes no tuples inside a dict)
        assert f1[label] == pytest.approx(scores), label
    assert (pair["labels"]["LOC"]["exact"]["precision"], pair["labels"]["LOC"]["exact"]["recall"]) == (1, 0.5)

    table = run_command("agreement", cwd=tmp_path).splitlines()
    assert table[0] == "ali ~ badr: 1 document, 3 / 3 spans"
    assert table[1] == "  Cohen's kappa over tokens: 0.636"
    rows = {line.split()[0]: line.split()[1:] for line in table[3:] if line}
    assert {label: [float(x) for x in row] for label, row in rows.items() if label != "ORG"} == {
        "all": pytest.approx([1 / 3, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 2 / 3], abs=5e-4),
        "LOC": pytest.approx([1, 0.5, 2 / 3, 1, 0.5, 2 / 3], abs=5e-4),
        "PER": [0, 0, 0, 1, 1, 1],
    }
    assert rows["ORG"] == ["0.000", "-", "0.000", "0.000", "-", "0.000"]

    # --all adds the document in progress, where both marked حلب: exact m = 2 of 4 and 4
    everything = json.loads(run_command("agreement", "--json", "--all", cwd=tmp_path))["pairs"][0]
    assert (everything["documents"], everything["exact"]["matched"], everything["exact"]["f1"]) == (2, 2, 0.5)
    # --label PER: only the PER spans, in the same one document
    per = json.loads(run_command("agreement", "--json", "--label", "PER", cwd=tmp_path))["pairs"][0]
    assert (per["documents"], per["exact"]["f1"], per["overlap"]["f1"]) == (1, 0, 1)


@pytest.mark.parametrize("options, named", [
    (["--annotator", "ali", "--annotator", "bard"], "no annotator 'bard' in annotations.db"),
    (["--label", "PRE"], "no span in annotations.db has the label 'PRE'"),
], ids=["annotator", "label"])
def test_a_name_the_database_does_not_know_is_told_not_taken_for_nothing_done(
        tmp_path, options, named):
    # A typo used to answer "no document marked done by two annotators", exit status 0:
    # false (one is done by both), and it hid the typo.
    two_annotators(tmp_path)
    result = subprocess.run([shutil.which("annotator"), "agreement", *options],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and named in result.stderr
    assert "marked done" not in result.stderr
