"""What every part of the :class:`~annotator.store.database.Store` relies on, and the Store
provides: whose store it is, and its two ways into the database.

The Store is one class made of parts, one module per concern (documents, spans, suggestions,
history, the queue, labels, search); each part reads and writes only through these, so every
write is one ``BEGIN IMMEDIATE`` ... ``COMMIT`` transaction wherever its SQL lives.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

__all__ = ["StorePart"]


class StorePart:
    """Declarations only: the attributes and methods a part uses, set up by ``Store``."""

    #: The annotator every read is for and every write is made by.
    annotator: str
    _lock: threading.RLock
    #: A document's text never changes, nor its length: asked once per document.
    _lengths: dict[str, int]
    #: The undo entry that the entries of one action point at (history.py).
    _batch: object
    #: A read on the Store's connection; ``doing`` names it in the error that says it failed.
    _reading: Callable[[str], AbstractContextManager[sqlite3.Connection]]
    #: One durable transaction; any exception inside rolls it all back.
    _writing: Callable[[str], AbstractContextManager[sqlite3.Connection]]
    #: Groups the undo entries recorded inside into one action (history.py).
    _one_action: Callable[[], AbstractContextManager[None]]
    _record: Callable[..., None]
    _length: Callable[[sqlite3.Connection, str], int]
    _store_text: Callable[..., tuple]
    _add_spans: Callable[..., list]
    _labels: Callable[[sqlite3.Connection], list[tuple[str, str]]]
    _save_labels: Callable[..., None]
