"""One document of an import with its spans, as one transaction: a text, its status and its
labels arrive together or not at all."""

from __future__ import annotations

import os
from collections.abc import Iterable

from .checks import (
    check_choice,
    check_label_names,
    check_name,
    stored_source,
    text_id,
    utc_now,
)
from .part import StorePart
from .records import DOCUMENT_STATUSES, SPAN_STATUSES, Span


class ImportsPart(StorePart):
    """What ``annotator import`` stores for each line of its file."""

    def import_document(
        self,
        text: str,
        source: str | os.PathLike,
        spans: Iterable[tuple[int, int, str]],
        *,
        annotator: str,
        status: str = "suggested",
        doc_status: str | None = None,
        new_labels: Iterable[str] = (),
        allow_overlap: bool = False,
    ) -> tuple[str, bool, list[Span]]:
        """One document of an import, with its spans, in ONE durable transaction: all of it or
        none, so an import killed part-way never leaves a document without its spans.

        A text not yet stored is added with ``source``; one already stored is left as it is
        (its source, and every status someone has in it).  ``doc_status`` becomes
        ``annotator``'s status in the document where they have none yet (``new``).
        ``new_labels`` join the label set, then ``spans`` are added as :meth:`add_spans` adds
        them.  Returns the document's id, whether it was new, and the spans added."""
        annotator = check_name(annotator, "annotator")
        check_choice(status, SPAN_STATUSES, "span status")
        if doc_status is not None:
            check_choice(doc_status, DOCUMENT_STATUSES, "document status")
        new_labels = check_label_names(list(new_labels))
        where = stored_source(source)
        doc_id = text_id(text)
        is_new = False
        try:
            with self._writing("importing a document") as conn, self._one_action():
                is_new = conn.execute("SELECT 1 FROM documents WHERE id = ?",
                                      (doc_id,)).fetchone() is None
                if is_new:
                    self._store_text(conn, doc_id, text, where)
                if doc_status is not None and doc_status != "new":
                    conn.execute(
                        "INSERT INTO progress(doc_id, annotator, status, changed) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT(doc_id, annotator) DO UPDATE SET status = excluded.status,"
                        " changed = excluded.changed WHERE progress.status = 'new'",
                        (doc_id, annotator, doc_status, utc_now()),
                    )
                if new_labels:
                    colours = dict(self._labels(conn))
                    self._save_labels(conn, colours,
                                      [*colours, *(n for n in new_labels if n not in colours)])
                added = self._add_spans(conn, doc_id, spans, annotator, status, allow_overlap)
        except BaseException:
            if is_new:  # rolled back: the document's length must not outlive it in the cache
                self._lengths.pop(doc_id, None)
            raise
        return doc_id, is_new, added
