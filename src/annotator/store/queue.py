"""Filling the project queue: read the queued files and store their texts, in batches.

The reader opens the first document itself and runs :func:`fill_queue` in a background
thread for the rest, so a 10,000-file corpus does not delay the first screen.  A file whose
size and modification time are what they were when it was stored is not read again; one that
cannot be read keeps its place in the queue with the reason (and the text stored from it
before, if any), and the others go on.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from annotator.text.glyphs import neutralised
from annotator.text.loading import LoadError, load_text

from .checks import StoreError
from .database import Store
from .records import DocumentRecord, QueueEntry, QueueRead

__all__ = [
    "BATCH", "NoQueue", "Opening", "fill_queue", "open_entry", "queue_files", "read_entry", "start_queue",
]

#: Files read per transaction: few enough that the reader waits at most a few ms for the
#: store, enough that 10,000 files are not 10,000 fsyncs.
BATCH = 100


def read_entry(entry: QueueEntry, encoding: str | None = None) -> QueueRead | None:
    """Read one queued file; None if it is unchanged since its text was stored."""
    try:
        st = os.stat(entry.path)
    except OSError:
        st = None  # load_text says why, in its words
    if (st is not None and entry.doc_id is not None
            and (st.st_size, st.st_mtime_ns) == (entry.size, entry.mtime_ns)):
        return None
    try:
        text = load_text(entry.path, encoding)
    except LoadError as error:
        kept = "; the text stored from it before is kept" if entry.doc_id else ""
        return QueueRead(entry.position, None, problem=f"{error}{kept}")
    return QueueRead(entry.position, text, st.st_size if st else None, st.st_mtime_ns if st else None)


def open_entry(store: Store, entry: QueueEntry, encoding: str | None = None) -> tuple[str, DocumentRecord]:
    """The text and document of a queue entry: the stored text if the file is unchanged
    (one stat), else the file read again and stored as a new version.

    A file that cannot be read now but was stored before opens from the database; one that
    never was raises LoadError (after keeping the reason on the entry).
    """
    read = read_entry(entry, encoding)
    if read is not None:
        [record] = store.store_queued([read])
        if record is not None:
            return read.text, record
        if entry.doc_id is None:
            raise LoadError(read.problem)
    return store.text(entry.doc_id), store.document(entry.doc_id)


def fill_queue(
    store: Store,
    on_batch: Callable[[int, int, list[str]], None] = lambda done, total, problems: None,
    *,
    encoding: str | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> list[str]:
    """Store every queued file that is new or changed; returns the new problems (one line
    each; a file refused the same way on an earlier run is not counted again).

    ``on_batch(checked, total, problems)`` runs after each stored batch with that batch's
    problems; ``stop()`` is asked between files so that quitting does not wait for the rest.
    """
    entries = store.queue()
    known = {entry.position: entry.problem for entry in entries}
    problems: list[str] = []
    batch: list[QueueRead] = []
    for checked, entry in enumerate(entries, 1):
        if stop():
            break
        read = read_entry(entry, encoding)
        if read is not None:
            batch.append(read)
        if len(batch) >= BATCH or checked == len(entries):
            store.store_queued(batch)
            # A problem told on an earlier run is not told again (the overview lists it).
            found = [r.problem for r in batch if r.problem and r.problem != known[r.position]]
            problems += found
            on_batch(checked, len(entries), found)
            batch = []
    if batch and not stop():
        store.store_queued(batch)
    return problems


class NoQueue(StoreError):
    """Nothing to open: no paths given and no queue to resume, or no queued file readable."""


@dataclass
class Opening:
    """The queue document to show first, and the files that could not be opened on the way."""

    text: str
    record: DocumentRecord
    position: int
    problems: list[str] = field(default_factory=list)


def start_queue(store: Store, files: list[str] | None, encoding: str | None = None) -> Opening:
    """Queue ``files`` (None: resume the stored queue) and open the document to show first.

    That is the one open last if it is among ``files`` (or when resuming), else the first
    file; a file that cannot be read is noted and the next one tried.
    """
    if files is not None:
        store.enqueue(files)
    position = store.queue_position()
    entry = store.queue_entry(position) if position is not None else None
    if files is not None and (entry is None or entry.path not in set(files)):
        entry = store.queue_entry_at(files[0])
    elif entry is None:  # a queue whose position was never saved: its beginning
        entry = store.queue_step(0, 1)
    if entry is None:
        raise NoQueue(f"{neutralised(os.fsdecode(store.path))}: there is no queue to resume; "
                      "give the files or folders to label")
    problems: list[str] = []
    while True:
        try:
            text, record = open_entry(store, entry, encoding)
            break
        except LoadError as error:
            problems.append(str(error))
            entry = store.queue_step(entry.position, 1)
            if entry is None:
                raise NoQueue("; ".join(problems[:1] + [
                    f"and {len(problems) - 1} more files cannot be read"] * (len(problems) > 1)
                )) from None
    store.set_queue_position(entry.position)
    return Opening(text, record, entry.position, problems)


def queue_files(store: Store, files: list[str], encoding: str | None = None) -> tuple[list[str], list[str]]:
    """Queue ``files`` as the reader does (appended after the files queued before) and store
    the texts of those new or changed since, a batch per transaction; without opening any.

    Returns the ids of their documents in the order of ``files``, each once, and one line per
    file that cannot be read now (it keeps its place in the queue, and the text stored from it
    before, if any, is still among the ids)."""
    store.enqueue(files)
    wanted = set(files)
    entries = [entry for entry in store.queue() if entry.path in wanted]
    problems: list[str] = []
    for start in range(0, len(entries), BATCH):
        reads = [read for entry in entries[start : start + BATCH]
                 if (read := read_entry(entry, encoding)) is not None]
        store.store_queued(reads)
        problems += [read.problem for read in reads if read.problem]
    stored = {entry.path: entry.doc_id for entry in store.queue() if entry.path in wanted}
    ids = [stored[path] for path in files if stored.get(path) is not None]
    return list(dict.fromkeys(ids)), problems
