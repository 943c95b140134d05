"""The store: the only code that knows the SQLite schema.  No Textual, no Rich."""

import os

from .checks import OverlapError, StoreError, check_name, text_id
from .database import Store
from .labels import DEFAULT_LABELS
from .records import (
    DOCUMENT_STATUSES,
    PROGRESS_RANK,
    SPAN_STATUSES,
    DocumentRecord,
    QueueEntry,
    QueueRead,
    QueueRow,
    Span,
)
from .schema import MIGRATIONS, SCHEMA_VERSION
from .snapshot import Counts, Record, Snapshot


def open_store(
    path: str | os.PathLike = "annotations.db", *, readonly: bool = False, annotator: str | None = None
) -> Store | Snapshot:
    """The annotation database at ``path``: a :class:`Store` to read and write (created if
    missing; ``annotator`` defaults to the login name), or with ``readonly=True`` a
    :class:`Snapshot` that never writes.  Both are context managers."""
    if readonly:
        return Snapshot(path)
    return Store(path, annotator=annotator)

__all__ = [
    "DEFAULT_LABELS",
    "DOCUMENT_STATUSES",
    "PROGRESS_RANK",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SPAN_STATUSES",
    "Counts",
    "DocumentRecord",
    "OverlapError",
    "QueueEntry",
    "QueueRead",
    "QueueRow",
    "Record",
    "Snapshot",
    "Span",
    "Store",
    "StoreError",
    "check_name",
    "text_id",
    "open_store",
]
