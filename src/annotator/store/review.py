"""Review into gold: the finished annotators' spans of a document grouped into candidates.

A candidate is one range ``[start, end)`` that at least one finished annotator labelled.
Its votes say who gave which label there; an annotator with no span on exactly that range
votes nothing (an overlapping but different range is a candidate of its own, so it shows as
a disagreement on both ranges).  A candidate is *agreed* when every finished annotator has
exactly one span on the range and all gave the same label; else it is *disputed*.

A range the reviewer decided -- a gold span or a rejection on the same range, whatever its
label -- is no longer a candidate.

Pure functions over spans (anything with start, end, label and annotator): no SQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Candidate", "candidates"]


class SpanFields(Protocol):
    start: int
    end: int
    label: str
    annotator: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """One range to decide, drawn like a span (start, end, label, status)."""

    start: int
    end: int
    votes: tuple[tuple[str, str], ...]  # (annotator, label), by annotator then label
    missing: tuple[str, ...]  # finished annotators with no span on this range
    agreed: bool

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels given, most votes first (ties by name)."""
        counts = Counter(label for _, label in self.votes)
        return tuple(sorted(counts, key=lambda label: (-counts[label], label)))

    @property
    def label(self) -> str:
        """The label the range is drawn in: the one most annotators gave."""
        return self.labels[0]

    @property
    def status(self) -> str:
        return "agreed" if self.agreed else "disputed"


def candidates(
    spans: Iterable[SpanFields], finished: Sequence[str], decided: Iterable[tuple[int, int]] = ()
) -> list[Candidate]:
    """The open candidates of one document, ordered by (start, end).

    ``spans`` are the accepted spans of the document (others' are ignored); ``finished`` the
    annotators who marked it done; ``decided`` the ranges the reviewer settled already.
    """
    who = set(finished)
    closed = set(decided)
    by_range: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for span in spans:
        if span.annotator in who and (span.start, span.end) not in closed:
            by_range.setdefault((span.start, span.end), []).append((span.annotator, span.label))
    found = []
    for (start, end), votes in sorted(by_range.items()):
        voters = Counter(annotator for annotator, _ in votes)
        agreed = (len({label for _, label in votes}) == 1
                  and all(voters[name] == 1 for name in who))
        missing = tuple(sorted(name for name in who if name not in voters))
        found.append(Candidate(start, end, tuple(sorted(votes)), missing, agreed))
    return found
