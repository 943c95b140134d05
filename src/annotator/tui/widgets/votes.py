"""How a review candidate says who gave which label: ``ali PER · sara ORG · (hana: none)``."""

from __future__ import annotations

from annotator.text.glyphs import neutralised
from annotator.text.layout import LayoutOptions, visual_text

#: The statuses of review candidates (store/review.py), drawn and described apart from spans.
CANDIDATE_STATUSES = ("agreed", "disputed")


def describe_votes(candidate, options: LayoutOptions) -> str:
    """Each finished annotator's label on the candidate's range, in name order (``agreed:
    ali, sara`` when they all gave the same one); names and labels are untrusted text,
    shown inert and in screen order."""
    def shown(text: str) -> str:
        return visual_text(neutralised(text), options)

    if candidate.agreed:  # one label: the names are enough
        return "agreed: " + ", ".join(shown(name) for name, _ in candidate.votes)
    votes = [f"{shown(name)} {shown(label)}" for name, label in candidate.votes]
    votes += [f"({shown(name)}: none)" for name in candidate.missing]
    return " · ".join(votes)
