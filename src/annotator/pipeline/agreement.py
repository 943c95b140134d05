"""Inter-annotator agreement: exact and overlap span F1 and Cohen's kappa over tokens.

For a pair of annotators A and B over the same documents:

- **exact**: a span of A matches a span of B with the same start, end and label.
  ``precision = m / |B|``, ``recall = m / |A|`` (A is the reference), ``f1 = 2m / (|A| + |B|)``;
  each is None (undefined) when its denominator is 0.
- **overlap**: spans with the same label whose ranges overlap, matched one to one (a maximum
  matching, so one long span cannot count for two short ones).
- **kappa**: Cohen's kappa over the word tokens of the documents (``text/tokens.py``); each
  token takes the label of the span that covers most of it (``O`` where none does).

Pure functions over texts and ``(start, end, label)`` triples: no SQL, no Textual.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from annotator.text.tokens import tokenize

__all__ = [
    "PairAgreement", "Scores", "agreement", "cohen_kappa", "compare", "documents_of",
    "overlap_matches", "token_labels",
]

SpanKey = tuple[int, int, str]
OUTSIDE = "O"


@dataclass(slots=True)
class Scores:
    """Matched spans and the sizes of both sides; precision, recall and F1 from them."""

    matched: int = 0
    a: int = 0
    b: int = 0

    def add(self, matched: int, a: int, b: int) -> None:
        self.matched += matched
        self.a += a
        self.b += b

    # A ratio over zero spans is undefined (None), not 0: a label only B used has no
    # recall to speak of, and two annotators who both found nothing did not score 0 or 1.
    @property
    def precision(self) -> float | None:
        return self.matched / self.b if self.b else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.a if self.a else None

    @property
    def f1(self) -> float | None:
        total = self.a + self.b
        return 2 * self.matched / total if total else None

    def as_dict(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "matched": self.matched, "a": self.a, "b": self.b}


@dataclass(slots=True)
class PairAgreement:
    a: str
    b: str
    documents: int = 0
    exact: Scores = field(default_factory=Scores)
    overlap: Scores = field(default_factory=Scores)
    kappa: float | None = None
    labels: dict[str, dict[str, Scores]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "a": self.a, "b": self.b, "documents": self.documents,
            "spans": {"a": self.exact.a, "b": self.exact.b},
            "exact": self.exact.as_dict(), "overlap": self.overlap.as_dict(),
            "kappa": self.kappa,
            "labels": {label: {kind: scores.as_dict() for kind, scores in by_kind.items()}
                       for label, by_kind in sorted(self.labels.items())},
        }


def overlap_matches(a: Sequence[SpanKey], b: Sequence[SpanKey]) -> int:
    """The size of a maximum one-to-one matching of same-label overlapping spans."""
    partners = [
        [j for j, (bs, be, bl) in enumerate(b) if bl == label and bs < end and start < be]
        for start, end, label in a
    ]
    matched_to: dict[int, int] = {}  # b index -> a index

    def augment(i: int, seen: set[int]) -> bool:  # Kuhn's augmenting path
        for j in partners[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in matched_to or augment(matched_to[j], seen):
                matched_to[j] = i
                return True
        return False

    return sum(augment(i, set()) for i in range(len(a)) if partners[i])


def token_labels(tokens: Sequence[tuple[int, int]], spans: Iterable[SpanKey]) -> list[str]:
    """Each token's label: that of the span covering most of it, else ``O``."""
    best: list[tuple[int, str]] = [(0, OUTSIDE)] * len(tokens)
    starts = [s for s, _ in tokens]
    for start, end, label in spans:
        i = max(bisect_left(starts, start) - 1, 0)
        while i < len(tokens) and tokens[i][0] < end:
            t_start, t_end = tokens[i]
            covered = min(end, t_end) - max(start, t_start)
            if covered > best[i][0]:
                best[i] = (covered, label)
            i += 1
    return [label for _, label in best]


def cohen_kappa(x: Sequence[str], y: Sequence[str]) -> float | None:
    """Cohen's kappa of two label sequences; None when it is undefined (no items, or both
    annotators gave every item the same single label, so chance agreement is 1)."""
    n = len(x)
    if n == 0 or n != len(y):
        return None
    observed = sum(p == q for p, q in zip(x, y)) / n
    cx, cy = Counter(x), Counter(y)
    expected = sum(cx[label] * cy[label] for label in cx) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def compare(
    a: str,
    b: str,
    documents: Iterable[tuple[str, Sequence[SpanKey], Sequence[SpanKey]]],
    labels: Sequence[str] = (),
) -> PairAgreement:
    """Agreement of annotators ``a`` and ``b`` over ``(text, spans_a, spans_b)`` documents,
    restricted to ``labels`` when given."""
    result = PairAgreement(a, b)
    tokens_a: list[str] = []
    tokens_b: list[str] = []
    for text, spans_a, spans_b in documents:
        if labels:
            spans_a = [s for s in spans_a if s[2] in labels]
            spans_b = [s for s in spans_b if s[2] in labels]
        result.documents += 1
        for label in {s[2] for s in (*spans_a, *spans_b)}:
            mine = [s for s in spans_a if s[2] == label]
            theirs = [s for s in spans_b if s[2] == label]
            scores = result.labels.setdefault(label, {"exact": Scores(), "overlap": Scores()})
            exact = len(set(mine) & set(theirs))
            overlap = overlap_matches(mine, theirs)
            scores["exact"].add(exact, len(mine), len(theirs))
            scores["overlap"].add(overlap, len(mine), len(theirs))
            result.exact.add(exact, len(mine), len(theirs))
            result.overlap.add(overlap, len(mine), len(theirs))
        words = tokenize(text)
        tokens_a += token_labels(words, spans_a)
        tokens_b += token_labels(words, spans_b)
    result.kappa = cohen_kappa(tokens_a, tokens_b)
    return result


def documents_of(records: Iterable) -> Iterator[tuple[str, str, dict[str, str], dict[str, list[SpanKey]]]]:
    """Group a snapshot's records (one per document and annotator, in document order) into
    ``(doc_id, text, {annotator: their status}, {annotator: spans})``."""
    current: tuple[str, str, dict[str, str], dict[str, list[SpanKey]]] | None = None
    for record in records:
        if current is None or current[0] != record.doc_id:
            if current is not None:
                yield current
            current = (record.doc_id, record.text, {}, {})
        current[2][record.annotator] = record.status
        current[3][record.annotator] = [(s, e, label) for s, e, label, _ in record.spans]
    if current is not None:
        yield current


def agreement(
    records: Iterable,
    annotators: Sequence[str] = (),
    labels: Sequence[str] = (),
    include_unfinished: bool = False,
    done: Mapping[str, Mapping[str, str]] | None = None,
) -> list[PairAgreement]:
    """Every pair of annotators (or of ``annotators``) over the documents both have marked
    done, each in their own progress; with ``include_unfinished``, over those both have
    spans in, whatever their status.

    ``done`` is every document's statuses (``Snapshot.statuses()``): an annotator who marked
    a document done with none of its spans (of ``labels``) found nothing there, and that
    counts -- every span of the other is one they missed.  Without it only annotators with
    spans are compared."""
    shared: dict[tuple[str, str], list[tuple[str, list[SpanKey], list[SpanKey]]]] = {}
    for doc_id, text, statuses, layers in documents_of(records):
        if done is not None and not include_unfinished:
            for name, status in done.get(doc_id, {}).items():
                if status == "done" and name not in layers:
                    layers[name], statuses[name] = [], "done"
        names = sorted(n for n in layers if (not annotators or n in annotators)
                       and (include_unfinished or statuses[n] == "done"))
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                shared.setdefault((a, b), []).append((text, layers[a], layers[b]))
    return [compare(a, b, docs, labels) for (a, b), docs in sorted(shared.items())]
