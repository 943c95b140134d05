"""``annotator stats``: what is in the annotation database.

Counts, read with plain SQL in one read-only transaction (a consistent snapshot):
the progress through the project queue (done / total), documents by status, and
spans by label, by annotator and by status -- plus the two-way tables label x
status and annotator x status, so "how many accepted ORG spans" and "how far is
each annotator" need no second query.  No Textual/Rich.
"""

from __future__ import annotations

import json
import os

from .export import DOC_STATUSES, connect_readonly
from annotator.store import SPAN_STATUSES
from annotator.text.glyphs import neutralised

__all__ = ["collect", "render_table", "render_json"]


def _counts(conn, sql: str) -> dict[str, int]:
    return {key: count for key, count in conn.execute(sql)}


def _matrix(conn, sql: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for key, status, count in conn.execute(sql):
        out.setdefault(key, {})[status] = count
    return out


def collect(db_path: str | os.PathLike) -> dict:
    """The statistics as plain data (what ``--json`` prints).  ExportError on a bad --db."""
    conn = connect_readonly(db_path)
    try:
        conn.execute("BEGIN")
        by_status = _counts(conn, "SELECT status, COUNT(*) FROM documents GROUP BY status")
        documents = {status: by_status.pop(status, 0) for status in DOC_STATUSES}
        documents.update(sorted(by_status.items()))  # any status outside the contract, shown as is
        spans_by_status = _counts(conn, "SELECT status, COUNT(*) FROM spans GROUP BY status")
        span_status = {status: spans_by_status.pop(status, 0) for status in SPAN_STATUSES}
        span_status.update(sorted(spans_by_status.items()))
        label_status = _matrix(
            conn, "SELECT label, status, COUNT(*) FROM spans GROUP BY label, status ORDER BY label"
        )
        annotator_status = _matrix(
            conn,
            "SELECT annotator, status, COUNT(*) FROM spans GROUP BY annotator, status ORDER BY annotator",
        )
        queue = _queue_progress(conn)
        with_spans = conn.execute(
            "SELECT COUNT(DISTINCT doc_id) FROM spans WHERE status = 'accepted'"
        ).fetchone()[0]
        conn.execute("COMMIT")
    finally:
        conn.close()
    return {
        "queue": queue,
        "documents": {
            "total": sum(documents.values()),
            "by_status": documents,
            "with_accepted_spans": with_spans,
        },
        "spans": {
            "total": sum(span_status.values()),
            "by_status": span_status,
            "by_label": {label: sum(row.values()) for label, row in label_status.items()},
            "by_annotator": {name: sum(row.values()) for name, row in annotator_status.items()},
            "by_label_and_status": label_status,
            "by_annotator_and_status": annotator_status,
        },
    }


def _queue_progress(conn) -> dict[str, int]:
    """Queue entries in all, and by their document's status ("unread": not stored)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue'").fetchone():
        return {"total": 0, "done": 0, "skipped": 0, "unread": 0}  # schema version 1: no queue
    total, done, skipped, unread = conn.execute(
        "SELECT count(*), count(CASE WHEN d.status = 'done' THEN 1 END),"
        " count(CASE WHEN d.status = 'skipped' THEN 1 END), count(*) - count(d.id)"
        " FROM queue AS q LEFT JOIN documents AS d INDEXED BY documents_progress ON d.id = q.doc_id"
    ).fetchone()
    return {"total": total, "done": done, "skipped": skipped, "unread": unread}


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
    accepted = {label: row.get("accepted", 0) for label, row in spans["by_label_and_status"].items()}
    if accepted:
        lines.append("accepted spans per label: "
                     + ", ".join(f"{label} {count}" for label, count in accepted.items()))
    columns = list(spans["by_status"])
    if spans["by_label_and_status"]:
        lines += [""] + _table("label", spans["by_label_and_status"], columns)
    if spans["by_annotator_and_status"]:
        lines += [""] + _table("annotator", spans["by_annotator_and_status"], columns)
    # Names come from the data; a stand-in is one column like the control it replaces.
    return "\n".join(map(neutralised, lines)) + "\n"
