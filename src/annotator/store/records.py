"""What the store hands out (spans, documents, queue entries) and the values their fields
take.  Plain frozen data: reading one never touches the database."""

from __future__ import annotations

from dataclasses import dataclass

SPAN_STATUSES = ("accepted", "suggested", "rejected")

DOCUMENT_STATUSES = ("new", "in_progress", "done", "skipped")

#: How far along a status is, where two must become one (a merge, a document's overall
#: status): done says the most, then skipped (looked at, left out), in progress, new.
PROGRESS_RANK = {"new": 0, "in_progress": 1, "skipped": 2, "done": 3}

SPAN_FIELDS = ("id", "doc_id", "start", "end", "label", "annotator", "status", "created", "updated")

SPAN_COLUMNS = ", ".join(SPAN_FIELDS)


@dataclass(frozen=True, slots=True)
class Span:
    id: int
    doc_id: str
    start: int
    end: int
    label: str
    annotator: str
    status: str
    created: str
    updated: str


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    id: str
    source: str
    length: int
    status: str
    caret: int
    first_seen: str
    last_seen: str
    previous_id: str | None


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One file of the project queue (see schema._migrate_1_to_2)."""

    position: int
    path: str
    doc_id: str | None
    size: int | None
    mtime_ns: int | None
    problem: str | None


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A line of the queue overview: the file, its document's status and its spans."""

    position: int
    path: str
    doc_id: str | None
    status: str  # the document's status, or "unread" for a file not stored (see problem)
    spans: int  # accepted spans
    labels: str  # the labels used, comma-separated, in name order
    changed: str  # newest span change or status change, ISO 8601; "" if none
    problem: str | None


@dataclass(frozen=True, slots=True)
class QueueRead:
    """What the queue filler found at a position: the text, or why there is none."""

    position: int
    text: str | None
    size: int | None = None
    mtime_ns: int | None = None
    problem: str | None = None
