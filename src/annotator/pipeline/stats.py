"""``annotator stats``: what is in the annotation database.

Counts, read through the store's read-only :class:`~annotator.store.Snapshot` (one
consistent read transaction): the progress through the project queue (done / total),
documents by status (each by its most advanced status over the annotators), each
annotator's own progress (documents by their status, queue entries done), and spans by label, by annotator and by status -- plus the two-way
tables label x status and annotator x status, so "how many accepted ORG spans" and "how far
is each annotator" need no second query.  No Textual/Rich.
"""

from __future__ import annotations

import json
import os

from annotator.store import DOCUMENT_STATUSES, SPAN_STATUSES, Snapshot, StoreError
from annotator.text.glyphs import neutralised

from .export import ExportError

__all__ = ["collect", "render_table", "render_json"]


def _matrix(pairs: dict[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (key, status), count in pairs.items():
        out.setdefault(key, {})[status] = count
    return out


def _in_order(counts: dict[str, int], known: tuple[str, ...]) -> dict[str, int]:
    """The contract's statuses first (0 if none), then any other status found, as is."""
    rest = {key: count for key, count in counts.items() if key not in known}
    return {**{key: counts.get(key, 0) for key in known}, **dict(sorted(rest.items()))}


def collect(db_path: str | os.PathLike) -> dict:
    """The statistics as plain data (what ``--json`` prints).  ExportError on a bad --db."""
    try:
        with Snapshot(db_path) as snapshot:
            counts = snapshot.counts()
    except StoreError as error:
        raise ExportError(str(error)) from None
    documents = _in_order(counts.documents_by_status, DOCUMENT_STATUSES)
    span_status: dict[str, int] = {}
    for (_, status), count in counts.spans_by_label.items():
        span_status[status] = span_status.get(status, 0) + count
    span_status = _in_order(span_status, SPAN_STATUSES)
    label_status = _matrix(counts.spans_by_label)
    annotator_status = _matrix(counts.spans_by_annotator)
    progress = {name: _in_order(row, DOCUMENT_STATUSES)
                for name, row in _matrix(counts.progress_by_annotator).items()}
    return {
        "queue": {**counts.queue, "by_annotator": counts.queue_by_annotator},
        "documents": {
            "total": sum(documents.values()),
            "by_status": documents,
            "by_annotator": progress,
            "with_accepted_spans": counts.with_accepted_spans,
        },
        "spans": {
            "total": sum(span_status.values()),
            "by_status": span_status,
            "by_label": {label: sum(row.values()) for label, row in label_status.items()},
            "by_annotator": {name: sum(row.values()) for name, row in annotator_status.items()},
            "by_label_and_status": label_status,
            "by_annotator_and_status": annotator_status,
        },
        # each annotator decides suggestions for themselves: how many they accepted/rejected
        "suggestions_decided": {name: _in_order(row, ("accepted", "rejected")) for name, row
                                in _matrix(counts.decisions_by_annotator).items()},
    }


def render_json(stats: dict) -> str:
    """JSON with labels and names readable, and safe on a terminal: json escapes C0 controls
    (ESC too) but not C1 or bidi controls, so those are escaped here -- the same JSON value."""
    out = json.dumps(stats, ensure_ascii=False, indent=2)
    if neutralised(out.replace("\n", "")) != out.replace("\n", ""):
        out = "".join(
            json.dumps(c)[1:-1] if c != "\n" and neutralised(c) != c else c for c in out
        )
    return out + "\n"


def _table(title: str, rows: dict[str, dict[str, int]], columns: list[str]) -> list[str]:
    width = max([len(title)] + [len(name) for name in rows])
    widths = [max(len(column), 7) for column in columns]
    lines = ["  ".join([title.ljust(width)] + [c.rjust(w) for c, w in zip(columns, widths)] + ["  total"])]
    for name, row in rows.items():
        cells = [str(row.get(column, 0)).rjust(w) for column, w in zip(columns, widths)]
        lines.append("  ".join([name.ljust(width)] + cells + [str(sum(row.values())).rjust(7)]))
    return lines


def render_table(stats: dict) -> str:
    docs, spans, queue = stats["documents"], stats["spans"], stats["queue"]
    lines = []
    if queue["total"]:
        lines.append(
            f"progress: {queue['done']} / {queue['total']} done  ({queue['skipped']} skipped, "
            f"{queue['unread']} not stored or unreadable)"
        )
    lines += [
        f"documents: {docs['total']}  ("
        + ", ".join(f"{status} {count}" for status, count in docs["by_status"].items())
        + f"; {docs['with_accepted_spans']} with accepted spans)",
        f"spans: {spans['total']}  ("
        + ", ".join(f"{status} {count}" for status, count in spans["by_status"].items())
        + ")",
    ]
    for name, row in queue["by_annotator"].items():
        lines.append(f"  {name}: {row['done']} / {queue['total']} done  ({row['skipped']} skipped)")
    accepted = {label: row.get("accepted", 0) for label, row in spans["by_label_and_status"].items()}
    if accepted:
        lines.append("accepted spans per label: "
                     + ", ".join(f"{label} {count}" for label, count in accepted.items()))
    columns = list(spans["by_status"])
    if spans["by_label_and_status"]:
        lines += [""] + _table("label", spans["by_label_and_status"], columns)
    if docs["by_annotator"]:
        lines += [""] + _table("progress", docs["by_annotator"], list(DOCUMENT_STATUSES))
    if spans["by_annotator_and_status"]:
        lines += [""] + _table("annotator", spans["by_annotator_and_status"], columns)
    if stats["suggestions_decided"]:
        lines += [""] + _table("suggestions decided", stats["suggestions_decided"],
                               ["accepted", "rejected"])
    # Names come from the data; a stand-in is one column like the control it replaces.
    return "\n".join(map(neutralised, lines)) + "\n"
