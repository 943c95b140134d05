"""The corpus search index: an SQLite FTS5 table over a folded copy of each document's text.

``document_folds(doc_id, text)`` holds every stored document's text folded with
:data:`INDEX_FOLDING`, the widest folding a search may ask for (harakat, tatweel, alef forms,
ى, and ة), so a query folded the same way finds a superset of the documents any narrower
folding would: callers re-check each candidate against the stored text with their own options
and map hits back with ``fold()`` (no offset map is stored).  sqlite-utils builds the FTS5
table ``document_folds_fts`` with triggers that keep it in step with ``document_folds``.

A document is indexed in the transaction that stores it when it is at most
:data:`INLINE_LIMIT` characters long (an article: about a millisecond).  A longer one -- a
10 MB text takes over a second to index -- is indexed by :func:`index_pending` before the
next search, so opening it is not delayed and no search ever misses it.  The same catch-up
covers any other code that stores documents.

The tokenizer is ``trigram``: Arabic attaches clitics (و ب ل ال) to words, so a search must
match inside words -- «الامم» in «والأمم» -- which word tokenizers cannot.  A trigram index
answers queries of three or more folded characters; shorter ones scan the folded copies.

A query of several words asks for documents holding each word (of three characters or more),
not the phrase: folding makes any run of whitespace one space, but an index written before it
did holds the runs as they were, and the exact check on each candidate narrows to the phrase.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from annotator.text.folding import FoldOptions, fold

from .part import StorePart

if TYPE_CHECKING:
    import sqlite_utils

__all__ = [
    "INDEX_FOLDING", "INLINE_LIMIT", "candidates", "count", "create_index", "index_document",
    "index_pending", "pending",
]

INDEX_FOLDING = FoldOptions(alef=True, ya=True, ta_marbuta=True)
_TABLE = "document_folds"
_TRIGRAM = 3  # the shortest query the trigram index can answer
INLINE_LIMIT = 1 << 16  # characters: longer documents are indexed before the next search


def _database(conn: sqlite3.Connection) -> sqlite_utils.Database:
    # Imported here, on the first search: sqlite_utils imports pandas when it is installed
    # (a quarter of a second), and most commands never search.
    import sqlite_utils

    # No PRAGMAs and no plugins: the store owns the connection's settings.
    return sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)


def create_index(conn: sqlite3.Connection) -> None:
    """Create the folded copies and their FTS5 index, and index every stored document.
    Runs inside the migration's transaction (sqlite-utils then avoids executescript's commit)."""
    db = _database(conn)
    db[_TABLE].create(
        {"doc_id": str, "text": str}, pk="doc_id", not_null={"text"},
        foreign_keys=[("doc_id", "documents", "id")],
    )
    for doc_id, text in conn.execute("SELECT id, text FROM documents ORDER BY rowid"):
        index_document(conn, doc_id, text, now=True)
    db[_TABLE].enable_fts(["text"], tokenize="trigram", create_triggers=True)


def index_document(conn: sqlite3.Connection, doc_id: str, text: str, *, now: bool = False) -> None:
    """Add a newly stored document to the index (its triggers update the FTS table); a long
    one only if ``now``, else it waits for :func:`index_pending`."""
    if len(text) > INLINE_LIMIT and not now:
        return
    conn.execute(
        f"INSERT OR IGNORE INTO {_TABLE}(doc_id, text) VALUES (?, ?)",
        (doc_id, fold(text, INDEX_FOLDING).text),
    )


def pending(conn: sqlite3.Connection) -> bool:
    """Are documents waiting to be indexed?  (Documents are never deleted, so comparing the
    two counts, each read off a covering index, answers in microseconds.)"""
    row = conn.execute(
        f"SELECT (SELECT count(*) FROM documents) > (SELECT count(*) FROM {_TABLE})").fetchone()
    return bool(row[0])


def index_pending(conn: sqlite3.Connection) -> int:
    """Index every stored document the index lacks; how many there were."""
    waiting = conn.execute(
        f"SELECT id FROM documents WHERE id NOT IN (SELECT doc_id FROM {_TABLE})").fetchall()
    for (doc_id,) in waiting:
        text = conn.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()[0]
        index_document(conn, doc_id, text, now=True)
    return len(waiting)


def _words(query: str) -> list[str]:
    """The query folded, cut at whitespace."""
    return fold(query, INDEX_FOLDING).text.split()


def _phrase(folded: str) -> str:
    return '"' + folded.replace('"', '""') + '"'  # one literal string, no FTS5 syntax


def _matching(words: list[str]) -> tuple[str, str, list[str]] | None:
    """The table to ask, the condition and its values for documents holding every word:
    through the trigram index if a word is long enough (shorter ones are left to the exact
    check), else by scanning the folded copies; None for a query of no words."""
    long = [word for word in words if len(word) >= _TRIGRAM]
    if long:
        return f"{_TABLE}_fts", f"{_TABLE}_fts MATCH ?", [" AND ".join(map(_phrase, long))]
    if words:
        return _TABLE, " AND ".join(["instr(text, ?) > 0"] * len(words)), words
    return None


def candidates(conn: sqlite3.Connection, query: str, limit: int | None = None,
               offset: int = 0) -> list[str]:
    """Ids of the documents whose folded text contains ``query`` folded with
    :data:`INDEX_FOLDING`, in the order they were stored: ``limit`` of them after ``offset``."""
    matching = _matching(_words(query))
    if matching is None:
        return []
    table, condition, values = matching
    if table == _TABLE:
        rows = conn.execute(
            f"SELECT doc_id FROM {_TABLE} WHERE {condition} ORDER BY rowid LIMIT ? OFFSET ?",
            (*values, -1 if limit is None else limit, offset),
        )
        return [row[0] for row in rows]
    # Ordered by the FTS table's rowid, SQLite streams the matches in order and stops at the
    # limit; ordered by the content table's, it would sort every match first.
    rows = _database(conn)[_TABLE].search(
        values[0], columns=["doc_id"], order_by=f"{_TABLE}_fts.rowid", limit=limit,
        offset=offset or None)
    return [row["doc_id"] for row in rows]


def count(conn: sqlite3.Connection, query: str, cap: int | None = None) -> int:
    """How many documents :func:`candidates` would list, without listing them; counting
    stops at ``cap`` (a common word is in nearly every document: 1000+ says enough)."""
    matching = _matching(_words(query))
    if matching is None:
        return 0
    table, condition, values = matching
    row = conn.execute(f"SELECT count(*) FROM (SELECT rowid FROM {table} WHERE {condition} LIMIT ?)",
                       (*values, -1 if cap is None else cap))
    return row.fetchone()[0]


class SearchPart(StorePart):
    """Corpus search over the index, for the Store."""

    def find_documents(self, query: str, limit: int | None = None, offset: int = 0) -> list[str]:
        """Ids of the stored documents that may hold ``query`` (any search folding), in the
        order they were stored, from the FTS5 index (``limit`` of them after ``offset``);
        callers find the hits with ``fold()``."""
        self._catch_up_index()
        with self._reading("searching the documents") as conn:
            return candidates(conn, query, limit, offset)

    def count_documents(self, query: str, cap: int | None = None) -> int:
        """How many documents :meth:`find_documents` would return, counted in the index up
        to ``cap``."""
        self._catch_up_index()
        with self._reading("searching the documents") as conn:
            return count(conn, query, cap)

    def _catch_up_index(self) -> None:
        """Index the long documents stored since the last search (fulltext.py)."""
        with self._reading("checking the search index") as conn:
            if not pending(conn):
                return
        with self._writing("indexing documents for search") as conn:
            index_pending(conn)
