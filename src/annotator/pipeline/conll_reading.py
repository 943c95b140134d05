"""Read CoNLL BIO (IOB2) files into documents with spans: what ``annotator import`` stores.

The format of existing NER corpora (ANERcorp, CoNLL-2003) and of ``annotator export --format
conll``: one token per line, its tag in the LAST whitespace-separated column (``O``,
``B-LABEL``, ``I-LABEL``; other columns, such as part-of-speech, are ignored), a blank line
between sentences, ``-DOCSTART-`` lines between documents.

* A file whose first line is ``-DOCSTART-`` has one document per ``-DOCSTART-``; any other
  file has one document per sentence (ANERcorp has no document breaks, and one document of
  150,000 tokens could not be read in the app).
* The text is rebuilt from the tokens: one space between tokens, a line break between
  sentences -- which is where ``export --format conll`` puts its breaks again, so export ->
  import -> export gives the same file.  Span offsets are code points into that text.
* ``B-X`` starts an entity, ``I-X`` continues one of label X; an ``I-X`` that follows ``O``
  or another label starts a new entity, as ``conlleval`` reads it (so IOB1 files read the
  same).  An entity ends at ``O``, at another ``B-``, and at the end of its sentence.

A line that is not ``TOKEN ... TAG`` with a BIO tag, or not UTF-8, makes its whole document
bad (``ConllDocument.error``, with that line's number): nothing of it is stored.  Streamed: memory holds one document at a time.  No Textual, no SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

__all__ = ["DOCSTART", "ConllDocument", "looks_like_conll", "read_documents"]

DOCSTART = "-DOCSTART-"
_TAG = re.compile(r"O|[BI]-(\S+)")


def looks_like_conll(line: str) -> bool:
    """Whether one non-blank line reads as a CoNLL token line (or a document break)."""
    fields = line.split()
    if not fields:
        return False
    if fields[0] == DOCSTART:
        return True
    return len(fields) >= 2 and _TAG.fullmatch(fields[-1]) is not None


@dataclass
class ConllDocument:
    """One document read: its first line's number, text and spans, or why it is bad."""

    number: int
    text: str = ""
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    error: str | None = None  # the first bad line of the document, and what is wrong
    error_line: int = 0


class _Builder:
    """The document being read: text pieces, spans, and the entity still open."""

    def __init__(self, number: int) -> None:
        self.doc = ConllDocument(number)
        self.pieces: list[str] = []
        self.length = 0
        self.in_sentence = False
        self.entity: list | None = None  # [label, start, end]

    def token(self, token: str, tag: str) -> None:
        if self.in_sentence:
            self._add(" ")
        elif self.length:
            self._add("\n")  # a new sentence
        self.in_sentence = True
        start = self.length
        self._add(token)
        if tag == "O":
            self.close()
            return
        label = tag[2:]
        if tag[0] == "I" and self.entity is not None and self.entity[0] == label:
            self.entity[2] = self.length
        else:
            self.close()
            self.entity = [label, start, self.length]

    def end_sentence(self) -> None:
        self.close()
        self.in_sentence = False

    def close(self) -> None:
        if self.entity is not None:
            label, start, end = self.entity
            self.doc.spans.append((start, end, label))
            self.entity = None

    def bad(self, number: int, why: str) -> None:
        if self.doc.error is None:
            self.doc.error, self.doc.error_line = why, number

    def _add(self, piece: str) -> None:
        self.pieces.append(piece)
        self.length += len(piece)

    def finish(self) -> ConllDocument | None:
        """The document, or None if it had no token (an empty -DOCSTART- block)."""
        self.close()
        if not self.length and self.doc.error is None:
            return None
        self.doc.text = "".join(self.pieces)
        return self.doc


def read_documents(lines: Iterable[tuple[int, bytes]]) -> Iterator[ConllDocument]:
    """The documents of ``(line number, raw line without its line feed)``, blank lines
    included (they end sentences)."""
    builder: _Builder | None = None
    per_sentence: bool | None = None  # decided by the first non-blank line
    for number, raw in lines:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = None
            why = f"not UTF-8 (bad byte at column {error.start + 1})"
        fields = line.split() if line is not None else [""]
        if not fields:  # a blank line: the sentence ends (and, per sentence, the document)
            if builder is not None:
                builder.end_sentence()
                if per_sentence:
                    if (doc := builder.finish()) is not None:
                        yield doc
                    builder = None
            continue
        if per_sentence is None:
            per_sentence = fields[0] != DOCSTART
        if fields[0] == DOCSTART:
            if builder is not None and (doc := builder.finish()) is not None:
                yield doc
            builder = _Builder(number)
            continue
        if builder is None:
            builder = _Builder(number)
        if line is None:
            builder.bad(number, why)
        elif len(fields) < 2:
            builder.bad(number, f"one column «{fields[0][:40]}», not a token and its tag "
                                "(TOKEN TAG, the tag last)")
        elif _TAG.fullmatch(fields[-1]) is None:
            builder.bad(number, f"tag «{fields[-1][:40]}» is not BIO: use O, B-LABEL or I-LABEL")
        else:
            builder.token(fields[0], fields[-1])
    if builder is not None and (doc := builder.finish()) is not None:
        yield doc
