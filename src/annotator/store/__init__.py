"""The store: the only code that knows the SQLite schema.  No Textual, no Rich."""

from .database import (
    DEFAULT_LABELS,
    DOCUMENT_STATUSES,
    SPAN_STATUSES,
    DocumentRecord,
    OverlapError,
    Span,
    Store,
    StoreError,
)
from .schema import MIGRATIONS, SCHEMA_VERSION
from .snapshot import Counts, Record, Snapshot

__all__ = [
    "DEFAULT_LABELS",
    "DOCUMENT_STATUSES",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SPAN_STATUSES",
    "Counts",
    "DocumentRecord",
    "OverlapError",
    "Record",
    "Snapshot",
    "Span",
    "Store",
    "StoreError",
]
