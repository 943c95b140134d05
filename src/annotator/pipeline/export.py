"""Export the annotation database for NLP pipelines: JSONL (Prodigy), doccano, CoNLL, spaCy.

One output record per (document, annotator) that has spans after filtering, and one per
(document, annotator) who marked the document done and has no span in it (after filtering):
for NER a finished document without entities is a negative example, so it is exported with
``"spans": []``, as an all-``O`` CoNLL record, as a Doc with no entities.
Records come from the store's read-only :class:`~annotator.store.Snapshot`:
ONE read transaction, so the export is a consistent snapshot even while the
app is writing, in the project queue's order (documents not queued after them),
and streamed, so memory holds one document at a time however
large the database is.  (The ``spacy`` format is the exception: a DocBin is
one serialised object, so it grows with the corpus.)

Formats (field choices are documented in README, "Export and import"):

``jsonl`` (default)
    One JSON object per line, Prodigy's ``ner_manual`` shape::

        {"text": ..., "spans": [{"start", "end", "label", "text", "token_start", "token_end"}],
         "tokens": [{"text", "start", "end", "id", "ws"}],
         "meta": {"source", "doc_id", "annotator", "status"},
         "_input_hash": ..., "_task_hash": ..., "answer": "accept"}

    ``tokens`` follow spaCy's layout (:func:`annotator.tokens.spacy_tokens`):
    whitespace other than one trailing space is a token of its own, so
    ``Doc(vocab, words=[t["text"]], spaces=[t["ws"]])`` rebuilds the text exactly.
    ``token_start``/``token_end`` are indices into ``tokens``, ``token_end``
    inclusive as in Prodigy; for a span that does not fall on token boundaries
    they name the tokens it overlaps, and a span over whitespace alone has
    neither key.  With ``--include-suggestions`` every span also has ``"status"``.
``doccano``
    ``{"text": ..., "label": [[start, end, label], ...], "source", "doc_id",
    "annotator", "status"}`` -- doccano's sequence-labelling JSONL, with the
    meta fields at top level (doccano keeps unknown keys as metadata).
``conll``
    Two columns, token TAB BIO tag (``B-ORG``/``I-ORG``/``O``), over the word
    tokens of :func:`annotator.text.tokens.tokenize`; each record starts with
    ``-DOCSTART- -X- O O`` and a blank line, sentences are separated by a blank
    line (at line breaks, and after ``.`` ``!`` ``?`` ``؟`` ``۔`` ``…`` runs
    unless the next token is inside the same entity: ``د. محمد`` stays one).
    This is what ``spacy convert --converter ner`` reads.  With
    ``--split-tokens`` (the default here) a token is cut where a span edge falls
    inside it, so ``وكالة`` inside ``لوكالة`` is written ``ل`` ``O`` /
    ``وكالة`` ``B-ORG``.  A span BIO cannot hold -- one that does not start and
    end on token boundaries (with ``--no-split-tokens``, or an edge in
    whitespace), one across a line break (BIO would read back as two entities),
    or one that overlaps a span that takes precedence (accepted before
    suggested, then the longer, then the earlier) -- has its tags OMITTED (its
    tokens stay ``O``), and is reported on stderr by document and offsets and
    counted in the summary.
``spacy``
    A ``.spacy`` DocBin (needs ``--out`` and the ``spacy`` extra).  One Doc per
    record, built from the same tokens as the JSONL (``doc.text == text``), cut
    at span edges with ``--split-tokens`` (the default here: every span is then
    ``doc.char_span(start, end)`` in strict mode); every span is in
    ``doc.spans["sc"]`` (overlaps allowed) as ``doc.char_span(start, end, label,
    alignment_mode="expand")`` -- with ``--no-split-tokens`` a span off token
    boundaries grows to whole tokens (and is reported); ``doc.ents`` holds the
    spans that do not overlap (``spacy.util.filter_spans``: longest wins; a
    dropped one is reported).  ``doc.user_data`` holds the meta fields.

``--split-tokens`` (off by default for ``jsonl``, where Prodigy's ``tokens``
are expected to be the tokeniser's) cuts tokens per record, at the edges of
that record's spans; the pieces abut, so the first ones get ``ws: false`` and
the text rebuilds exactly.  The summary says how many tokens were cut.

Hashes (``_input_hash``, ``_task_hash``): Prodigy computes both with
MurmurHash3 (32-bit, signed): the input hash over the input fields (``text``),
the task hash over the annotation fields (``spans``) prefixed with the input
hash.  Prodigy's exact serialisation is not published, so the values are our
own, stable and documented: ``_input_hash`` = MurmurHash3_x86_32 (seed 0,
signed) of the UTF-8 text; ``_task_hash`` = the same of
``f"{_input_hash}|" + json.dumps([[start, end, label], ...], ensure_ascii=False,
separators=(",", ":"))``.  Prodigy's ``set_hashes(..., overwrite=True)``
recomputes its own if a pipeline needs them.

The JSON formats write the controls of :data:`_JSON_UNSAFE` (C0, C1, bidi) as ``\\uXXXX``
escapes, always: the same value once parsed.  CoNLL is raw text: onto a terminal its tokens
and tags are shown with the reader's stand-ins (``neutralised``), elsewhere written exact.

Every exported span satisfies ``text[start:end] == span["text"]``: offsets are
checked against the text (``0 <= start < end <= len(text)``) and an export that
meets a span that breaks this stops with :class:`ExportError` -- naming the
document and offsets.  Where the output goes depends on what is at ``--out``:

* nothing, or a regular file: a temporary file in the same directory replaces
  it only when complete (``os.replace``; a replaced file keeps its permissions),
  so a failed export leaves no file, or the old one untouched;
* a symlink: the file it points to is replaced that way, and the link is kept;
* a FIFO, a character device (``/dev/null``, a terminal) or ``-`` (stdout): the
  records are written into it as they are made (a reader starts at once; a
  failed export stops part-way, with exit status 2);
* a directory, socket or block device: refused with one line, nothing written.

Without ``--out`` the output is spooled to a temporary file and copied to
stdout at the end, so a failed export writes nothing there.

No Textual/Rich imports; spaCy is imported only for ``--format spacy``.
"""

from __future__ import annotations

import json
import json.encoder
import os
import random
import re
import shutil
import stat
import struct
import sys
import tempfile
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from annotator.store import DOCUMENT_STATUSES as DOC_STATUSES
from annotator.store import Record, Snapshot, StoreError
from annotator.store.leftovers import LockedTemp, remove_leftovers
from annotator.text.glyphs import neutralised
from annotator.text.tokens import Tokens, spacy_tokens, tokenize

from .token_split import split_at_edges

__all__ = [
    "FORMATS",
    "DOC_STATUSES",
    "ExportError",
    "ExportOptions",
    "ExportSummary",
    "Record",
    "export",
    "export_records",
    "open_snapshot",
    "export_split",
    "split_records",
    "murmurhash3_32",
    "input_hash",
    "task_hash",
    "write_output",
]

FORMATS = ("jsonl", "doccano", "conll", "spacy")
CONLL_DOCSTART = "-DOCSTART- -X- O O"
#: Formats whose tokens are cut at span edges unless --no-split-tokens: BIO and a Doc's
#: entities can only hold whole tokens.
SPLIT_BY_DEFAULT = frozenset({"conll", "spacy"})
#: Tokens after (a run of) which a CoNLL sentence ends.
SENTENCE_END = frozenset(".!?\u061f\u06d4\u2026")


class ExportError(Exception):
    """str() is one line: what is wrong, where, and what to do."""


@dataclass(frozen=True)
class ExportOptions:
    format: str = "jsonl"
    annotators: tuple[str, ...] = ()  # empty: every annotator
    labels: tuple[str, ...] = ()  # empty: every label
    doc_statuses: tuple[str, ...] = ()  # empty: every document status
    include_suggestions: bool = False
    split_tokens: bool | None = None  # None: the format's default (SPLIT_BY_DEFAULT)
    split: float | None = None  # spacy only: the share of documents in train.spacy
    seed: int = 0  # the shuffle behind ``split``

    @property
    def splitting(self) -> bool:
        """Whether tokens are cut at span edges for this export."""
        return self.format in SPLIT_BY_DEFAULT if self.split_tokens is None else self.split_tokens


@dataclass
class ExportSummary:
    documents: int = 0
    records: int = 0
    spans: int = 0
    misaligned: int = 0  # spans that do not start and end on token boundaries
    omitted: int = 0  # spans the format could not carry (CoNLL tags, spaCy ents)
    expanded: int = 0  # spans grown to token boundaries (spaCy)
    split_tokens: int = 0  # word tokens cut at span edges (--split-tokens)
    shown_with_stand_ins: int = 0  # CoNLL tokens and tags with controls, on a terminal

    def line(self, destination: str) -> str:
        text = (
            f"wrote {self.records} record{'s' * (self.records != 1)} "
            f"({self.documents} document{'s' * (self.documents != 1)}, "
            f"{self.spans} span{'s' * (self.spans != 1)}) to {destination}"
        )
        if self.split_tokens:
            text += (
                f"; {self.split_tokens} token{'s' * (self.split_tokens != 1)} split at span edges"
            )
        if self.shown_with_stand_ins:
            text += (
                f"; {self.shown_with_stand_ins} token{'s' * (self.shown_with_stand_ins != 1)} "
                "or tags with control characters shown with stand-ins on this terminal "
                "(--out FILE or a pipe gets the exact text)"
            )
        extra = []
        if self.misaligned:
            extra.append(f"{self.misaligned} not on token boundaries")
        if self.expanded:
            extra.append(f"{self.expanded} expanded to token boundaries")
        if self.omitted:
            extra.append(f"{self.omitted} omitted from the output")
        return text + (f"; spans: {', '.join(extra)}" if extra else "")


# --------------------------------------------------------------------------- hashing


def _murmurhash3_32_py(data: bytes, seed: int = 0) -> int:
    """MurmurHash3_x86_32 (Austin Appleby's reference), returned as a signed int32."""
    c1, c2, mask = 0xCC9E2D51, 0x1B873593, 0xFFFFFFFF
    h = seed & mask
    whole = len(data) & ~3
    for (k,) in struct.iter_unpack("<I", data[:whole]):
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        h ^= (k * c2) & mask
        h = ((h << 13) | (h >> 19)) & mask
        h = (h * 5 + 0xE6546B64) & mask
    tail = data[whole:]
    if tail:
        k = int.from_bytes(tail, "little")
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        h ^= (k * c2) & mask
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & mask
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & mask
    h ^= h >> 16
    return h - 0x100000000 if h & 0x80000000 else h


try:  # the same function in C, installed with spaCy (Explosion's murmurhash package)
    from murmurhash.mrmr import hash as _murmur_c
except ImportError:  # pragma: no cover - exercised when spaCy is not installed
    _murmur_c = None


def murmurhash3_32(data: bytes) -> int:
    """MurmurHash3_x86_32, seed 0, signed -- as ``mmh3.hash`` and ``murmurhash.hash``."""
    if _murmur_c is not None:
        return _murmur_c(data)
    return _murmurhash3_32_py(data)


def input_hash(text: str) -> int:
    return murmurhash3_32(text.encode("utf-8"))


def task_hash(in_hash: int, spans: list[tuple[int, int, str]]) -> int:
    key = f"{in_hash}|" + json.dumps(
        [[s, e, label] for s, e, label in spans], ensure_ascii=False, separators=(",", ":")
    )
    return murmurhash3_32(key.encode("utf-8"))


# --------------------------------------------------------------------------- reading


def _records(snapshot: Snapshot, options: ExportOptions) -> Iterator[Record]:
    return snapshot.records(
        annotators=options.annotators,
        labels=options.labels,
        doc_statuses=options.doc_statuses,
        span_statuses=("accepted", "suggested") if options.include_suggestions else ("accepted",),
        done_without_spans=True,  # a finished document with no entity is a negative example
    )


def open_snapshot(db_path: str | os.PathLike) -> Snapshot:
    """The database as one read-only snapshot, or ExportError with the store's one line."""
    try:
        return Snapshot(db_path)
    except StoreError as error:
        raise ExportError(str(error)) from None


# --------------------------------------------------------------------------- writers

Warn = Callable[[str], None]


def _where(record: Record, start: int, end: int, label: str) -> str:
    return neutralised(  # every part but the offsets comes from the data
        f"document {record.doc_id[:12]} ({record.source}), {record.annotator}: "
        f"{label} [{start}:{end}] «{record.text[start:end]}»"
    )


#: Characters a JSON export never writes raw, only as ``\uXXXX`` escapes (the same value once
#: parsed): C0 controls (json escapes those already), DEL and the C1 controls (U+009B is a
#: one-byte CSI), the bidi controls that reorder a terminal's line (ALM, LRM, RLM, the
#: embeddings, overrides and isolates), the line and paragraph separators, the deprecated
#: format controls U+206A-206F (Arabic shaping and digit shapes) and the interlinear
#: annotation controls.  So a JSON export is safe on a terminal and in a viewer, always.
#: ZWJ/ZWNJ stay raw: they are part of Arabic and Persian words and move nothing.
_JSON_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e"
                          "\u2066-\u206f\ufff9-\ufffb]")


def _escape_unsafe(json_text: str) -> str:
    """``json_text`` with every :data:`_JSON_UNSAFE` character as a ``\\uXXXX`` escape.  Such
    characters can only be inside JSON strings (the syntax around them is ASCII), where the
    escape is the same value."""
    if _JSON_UNSAFE.search(json_text) is None:  # nearly always: no copy
        return json_text
    return _JSON_UNSAFE.sub(lambda match: "\\u%04x" % ord(match.group()), json_text)


def _dumps(obj) -> str:
    return _escape_unsafe(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))


def _string(text: str) -> str:
    """A str as a JSON string literal, non-ASCII kept but for :data:`_JSON_UNSAFE`."""
    return _escape_unsafe(_json_string(text))


_json_string = json.encoder.encode_basestring  # the C encoder


class _DocTokens:
    """What every record of one document shares: tokens, their JSON, the input hash."""

    __slots__ = ("doc_id", "text_json", "tokens_json", "tok_index", "words", "toks", "in_hash")

    def __init__(self, doc_id: str, text: str, words: list[tuple[int, int]] | None = None) -> None:
        words = tokenize(text) if words is None else words
        toks = spacy_tokens(text, words)
        self.doc_id = doc_id
        self.words = Tokens(text, words)
        self.toks = toks
        # word token (start, end) -> its index among the spaCy-style tokens
        self.tok_index = {(s, e): i for i, (s, e, _) in enumerate(toks)}
        text_json = _json_string(text)
        unsafe = _JSON_UNSAFE.search(text_json) is not None
        self.text_json = _escape_unsafe(text_json) if unsafe else text_json
        # Assembled by hand: the same bytes json.dumps(..., separators=(",", ":"),
        # ensure_ascii=False) gives for the list of token dicts (but for the escapes of
        # _JSON_UNSAFE), a third of the time.  Tokens are slices of the text: escaped only
        # when the text has something to escape (one search per document).
        string = _string if unsafe else _json_string
        self.tokens_json = "[" + ",".join([
            '{"text":%s,"start":%d,"end":%d,"id":%d,"ws":%s}'
            % (string(text[s:e]), s, e, i, "true" if ws else "false")
            for i, (s, e, ws) in enumerate(toks)
        ]) + "]"
        self.in_hash = input_hash(text)


class JsonlWriter:
    def __init__(self, out: BinaryIO, summary: ExportSummary, warn: Warn, options: ExportOptions):
        self.out, self.summary, self.with_status = out, summary, options.include_suggestions
        self.split = options.splitting
        self.doc: _DocTokens | None = None

    def write(self, record: Record) -> None:
        doc, spans, meta, t_hash = self._parts(record)
        line = (
            f'{{"text":{doc.text_json},"spans":{_dumps(spans)},"tokens":{doc.tokens_json},'
            f'"meta":{_dumps(meta)},"_input_hash":{doc.in_hash},"_task_hash":{t_hash},'
            '"answer":"accept"}\n'
        )
        self.out.write(line.encode("utf-8"))

    def as_dict(self, record: Record) -> dict:
        """The record as the object ``json.loads`` makes of the line :meth:`write` writes."""
        doc, spans, meta, t_hash = self._parts(record)
        text = record.text
        tokens = [
            {"text": text[s:e], "start": s, "end": e, "id": i, "ws": ws}
            for i, (s, e, ws) in enumerate(doc.toks)
        ]
        return {
            "text": text, "spans": spans, "tokens": tokens, "meta": meta,
            "_input_hash": doc.in_hash, "_task_hash": t_hash, "answer": "accept",
        }

    def _parts(self, record: Record) -> tuple[_DocTokens, list[dict], dict, int]:
        text = record.text
        doc = self.doc
        if doc is None or doc.doc_id != record.doc_id:  # records of a document come together
            doc = self.doc = _DocTokens(record.doc_id, text)
        if self.split:
            words, split = split_at_edges(doc.words.words, record.spans)
            if split:  # this record's own tokens; the shared ones stay cached
                self.summary.split_tokens += split
                doc = _DocTokens(record.doc_id, text, words)
        spans = []
        for start, end, label, status in record.spans:
            span = {"start": start, "end": end, "label": label, "text": text[start:end]}
            aligned = doc.words.aligned(start, end)
            if aligned is not None:
                words = doc.words.words
                first, last = doc.tok_index[words[aligned[0]]], doc.tok_index[words[aligned[1]]]
            else:
                self.summary.misaligned += 1
                first, last = _overlapping(doc.toks, start, end)
            if first is not None:
                span["token_start"], span["token_end"] = first, last
            if self.with_status:
                span["status"] = status
            spans.append(span)
        meta = {
            "source": record.source,
            "doc_id": record.doc_id,
            "annotator": record.annotator,
            "status": record.status,
        }
        t_hash = task_hash(doc.in_hash, [(s, e, lab) for s, e, lab, _ in record.spans])
        return doc, spans, meta, t_hash

    def on_terminal(self) -> None:
        pass  # every control is written as a JSON escape, wherever the output goes

    def close(self) -> None:
        pass


def _overlapping(toks: list[tuple[int, int, bool]], start: int, end: int) -> tuple[int | None, int | None]:
    """Indices (inclusive) of the first and last tokens overlapping [start, end)."""
    ends = [e for _, e, _ in toks]
    starts = [s for s, _, _ in toks]
    first = bisect_right(ends, start)
    last = bisect_left(starts, end) - 1
    if first > last:
        return None, None
    return first, last


class DoccanoWriter:
    def __init__(self, out: BinaryIO, summary: ExportSummary, warn: Warn, options: ExportOptions):
        self.out = out

    def write(self, record: Record) -> None:
        self.out.write((_dumps(self.as_dict(record)) + "\n").encode("utf-8"))

    def as_dict(self, record: Record) -> dict:
        return {
            "text": record.text,
            "label": [[s, e, label] for s, e, label, _ in record.spans],
            "source": record.source,
            "doc_id": record.doc_id,
            "annotator": record.annotator,
            "status": record.status,
        }

    def on_terminal(self) -> None:
        pass  # every control is written as a JSON escape, wherever the output goes

    def close(self) -> None:
        pass


def _record_words(record: Record, split: bool, summary: ExportSummary) -> list[tuple[int, int]]:
    """The record's word tokens, cut at its span edges when ``split`` (counted in summary)."""
    words = tokenize(record.text)
    if split:
        words, count = split_at_edges(words, record.spans)
        summary.split_tokens += count
    return words


class ConllWriter:
    def __init__(self, out: BinaryIO, summary: ExportSummary, warn: Warn, options: ExportOptions):
        self.out, self.summary, self.warn = out, summary, warn
        self.split = options.splitting
        self.terminal = False

    def on_terminal(self) -> None:
        """CoNLL is raw text: on a terminal its tokens and tags are shown with the reader's
        stand-ins (a file or a pipe gets them exact), and the summary says so."""
        self.terminal = True

    def write(self, record: Record) -> None:
        text = record.text
        words = _record_words(record, self.split, self.summary)
        tokens = Tokens(text, words)
        line_breaks = _line_breaks(text, words)
        tags = ["O"] * len(words)
        # Where spans overlap, BIO can carry one: accepted before suggested, then the
        # longer, then the earlier one (the same preference as filter_spans for ents).
        placed = []
        for start, end, label, status in record.spans:  # in document order
            aligned = tokens.aligned(start, end)
            if aligned is None:
                self.summary.misaligned += 1
                self._omit(record, start, end, label, "does not start and end on token boundaries; "
                           "its CoNLL tags are omitted (its tokens stay O)")
            elif any(index in line_breaks for index in range(aligned[0], aligned[1])):
                # A line break is a sentence break in CoNLL: B-, blank line, I- reads back
                # as two entities, so the span is reported, never split silently.
                self._omit(record, start, end, label, "crosses a line break, where CoNLL starts "
                           "a new sentence; BIO would split it in two, so its CoNLL tags are omitted")
            else:
                placed.append((start, end, label, status, aligned))
        ranked = sorted(placed, key=lambda s: (s[3] != "accepted", s[0] - s[1], s[0]))
        for start, end, label, _, (first, last) in ranked:
            if any(tag != "O" for tag in tags[first : last + 1]):
                self._omit(record, start, end, label, "overlaps a span that takes precedence "
                           "(accepted, then longer); BIO cannot carry both, so its CoNLL tags are omitted")
                continue
            tags[first] = f"B-{label}"
            for index in range(first + 1, last + 1):
                tags[index] = f"I-{label}"
        lines = _conll_lines(text, words, tags, line_breaks)
        if self.terminal:
            lines = self._shown(lines)
        self.out.write(lines.encode("utf-8"))

    def _shown(self, lines: str) -> str:
        """The lines with every control in a token or tag as its stand-in: the tabs and line
        feeds are the format's (no token holds whitespace), so they stay."""
        out = []
        for line in lines.split("\n"):
            fields = line.split("\t")
            safe = [neutralised(field) for field in fields]
            self.summary.shown_with_stand_ins += sum(a != b for a, b in zip(fields, safe))
            out.append("\t".join(safe))
        return "\n".join(out)

    def _omit(self, record: Record, start: int, end: int, label: str, why: str) -> None:
        self.summary.omitted += 1
        self.warn(f"{_where(record, start, end, label)} {why}")

    def close(self) -> None:
        pass


def _line_breaks(text: str, words: list[tuple[int, int]]) -> set[int]:
    """Indices i such that a line break lies between word i and word i + 1."""
    return {
        index for index in range(len(words) - 1)
        if "\n" in text[words[index][1] : words[index + 1][0]]
    }


def _conll_lines(text: str, words: list[tuple[int, int]], tags: list[str], line_breaks: set[int]) -> str:
    """One record: DOCSTART, then token TAB tag, a blank line between sentences.

    A sentence ends at a line break, and after a run of sentence-final punctuation --
    except inside an entity (``د. محمد``: an abbreviation's dot must not split a name).
    """
    lines = [CONLL_DOCSTART, ""]
    for index, (start, end) in enumerate(words):
        lines.append(f"{text[start:end]}\t{tags[index]}")
        if index + 1 == len(words):
            break
        token = text[start:end]
        next_token = text[words[index + 1][0] : words[index + 1][1]]
        full_stop = token in SENTENCE_END and next_token not in SENTENCE_END
        if index in line_breaks or (full_stop and not tags[index + 1].startswith("I-")):
            lines.append("")
    lines.append("")
    return "\n".join(lines) + "\n"


class SpacyWriter:
    def __init__(self, out: BinaryIO, summary: ExportSummary, warn: Warn, options: ExportOptions):
        from spacy.tokens import Doc, DocBin
        from spacy.util import filter_spans
        from spacy.vocab import Vocab

        self.out, self.summary, self.warn = out, summary, warn
        self.split = options.splitting
        self.Doc, self.filter_spans = Doc, filter_spans
        self.vocab = Vocab()
        self.docbin = DocBin(store_user_data=True)

    def write(self, record: Record) -> None:
        text = record.text
        words = _record_words(record, self.split, self.summary)
        toks = spacy_tokens(text, words)
        doc = self.Doc(self.vocab, words=[text[s:e] for s, e, _ in toks], spaces=[ws for _, _, ws in toks])
        if doc.text != text:  # pragma: no cover - spacy_tokens guarantees it
            raise ExportError(f"document {record.doc_id[:12]}: tokens do not rebuild the text")
        aligned = Tokens(text, words)
        group = []
        for start, end, label, _ in record.spans:
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is None or not span.text.strip():
                self.summary.omitted += 1
                self.warn(f"{_where(record, start, end, label)} covers no token; left out of the Doc")
                continue
            if aligned.aligned(start, end) is None:
                self.summary.misaligned += 1
                self.summary.expanded += 1
                self.warn(
                    f"{_where(record, start, end, label)} does not start and end on token "
                    f"boundaries; in the Doc it is expanded to [{span.start_char}:{span.end_char}] "
                    f"«{neutralised(span.text)}»"
                )
            group.append(span)
        doc.spans["sc"] = group
        ents = self.filter_spans(group)
        kept = {(s.start, s.end, s.label_) for s in ents}
        for span in group:
            if (span.start, span.end, span.label_) not in kept:
                self.summary.omitted += 1
                self.warn(
                    f"{_where(record, span.start_char, span.end_char, span.label_)} overlaps a "
                    "longer span, so it is in doc.spans['sc'] but not in doc.ents"
                )
        doc.ents = ents
        doc.user_data.update(
            {"doc_id": record.doc_id, "annotator": record.annotator, "source": record.source, "status": record.status}
        )
        self.docbin.add(doc)

    def close(self) -> None:
        self.out.write(self.docbin.to_bytes())


WRITERS = {"jsonl": JsonlWriter, "doccano": DoccanoWriter, "conll": ConllWriter, "spacy": SpacyWriter}


# --------------------------------------------------------------------------- output


@contextmanager
def _output(
    out_path: str | None, db_path: str | os.PathLike | None, warn: Warn = lambda message: None,
) -> Iterator[tuple[BinaryIO, bool, bool]]:
    """Where the export goes, by what is at ``out_path`` (see the module docstring), whether
    it is all-or-nothing (False: records reach it as they are written), and whether it is a
    terminal (stdout or a device that is one), where no raw control may be written.

    Only a regular file (or nothing) is replaced, atomically; a symlink's target is
    replaced and the link kept; a FIFO, a character device or ``-`` is written into.
    """
    if out_path is None:
        with _spooled_stdout() as out:
            yield out, True, sys.stdout.isatty()
        return
    if not out_path:
        raise ExportError("--out is empty; give a file name, or - for stdout")
    if out_path == "-":
        yield sys.stdout.buffer, False, sys.stdout.isatty()
        sys.stdout.buffer.flush()
        return
    try:
        st = os.stat(out_path)  # follows symlinks: what is at the end of the link
    except FileNotFoundError:
        st = None
    except OSError as error:
        raise ExportError(f"--out {out_path}: cannot use this path ({error.strerror})") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ExportError(f"--out {out_path}: is a directory; give a file name")
    if st is not None and (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)):
        with _stream_into(out_path) as out:
            yield out, False, out.isatty()
        return
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ExportError(
            f"--out {out_path}: is not a regular file, a FIFO or a character device; "
            "give a file name"
        )
    with _replace_atomically(Path(os.path.realpath(out_path)), out_path, st, db_path, warn) as out:
        yield out, True, False


def write_output(out_path: str, data: bytes) -> None:
    """Write ``data`` to ``--out`` by the export's rules (see :func:`_output`), for a command
    that writes something other than records; ExportError (one line) where it cannot."""
    with _output(out_path, None) as (out, _, _):
        out.write(data)


@contextmanager
def _spooled_stdout() -> Iterator[BinaryIO]:
    # Spooled, so a failed export writes nothing at all to stdout.
    with tempfile.TemporaryFile() as spool:
        yield spool
        spool.seek(0)
        stdout = sys.stdout.buffer
        shutil.copyfileobj(spool, stdout, 1 << 20)
        stdout.flush()


@contextmanager
def _stream_into(out_path: str) -> Iterator[BinaryIO]:
    # No O_CREAT: if the FIFO went away since the stat, fail rather than make a file.
    try:
        fd = os.open(out_path, os.O_WRONLY)
    except OSError as error:
        raise ExportError(f"--out {out_path}: cannot write to it ({error.strerror})") from None
    with os.fdopen(fd, "wb", buffering=1 << 20) as fh:
        yield fh


@contextmanager
def _replace_atomically(
    target: Path, out_path: str, st: os.stat_result | None, db_path: str | os.PathLike | None,
    warn: Warn = lambda message: None,
) -> Iterator[BinaryIO]:
    """A temporary file beside ``target`` (the resolved path) that replaces it when done."""
    parent = target.parent
    if not parent.is_dir():
        raise ExportError(f"--out {out_path}: directory {parent} does not exist; create it first")
    try:
        if st is not None and db_path is not None and os.path.samefile(target, db_path):
            raise ExportError(f"--out {out_path}: that is the database itself; give another file name")
    except OSError:
        pass
    if removed := remove_leftovers(target, ".tmp"):
        warn(f"removed {len(removed)} unfinished file{'s' * (len(removed) != 1)} that an export "
             f"stopped before it finished left in {parent}: {', '.join(removed)}")
    try:
        temp = LockedTemp.beside(target, ".tmp")
    except OSError as error:
        raise ExportError(f"--out {out_path}: cannot write in {parent} ({error.strerror})") from None
    try:
        with os.fdopen(temp.fd, "wb", buffering=1 << 20) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp.path, _mode(st))
        os.replace(temp.path, target)
    except OSError as error:  # a full or failing disk, while writing or renaming
        Path(temp.path).unlink(missing_ok=True)
        kept = "was left as it was" if st is not None else "was not created"
        raise ExportError(f"--out {out_path}: writing failed ({error.strerror}); "
                          f"the file {kept}") from None
    except BaseException:
        Path(temp.path).unlink(missing_ok=True)
        raise
    finally:
        temp.release()


def _mode(st: os.stat_result | None) -> int:
    """A replaced file keeps its permissions; a new one gets the umask's."""
    if st is not None:
        return stat.S_IMODE(st.st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _check(options: ExportOptions, out_path: str | None) -> None:
    if options.format not in WRITERS:
        raise ExportError(f"unknown format {options.format!r}; use one of {', '.join(FORMATS)}")
    if options.format == "spacy":
        if out_path is None:
            raise ExportError("--format spacy writes a binary DocBin: give --out FILE.spacy")
        if out_path == "-" and sys.stdout.isatty():  # binary, escape bytes and all
            raise ExportError(
                "--format spacy --out - would write a binary DocBin onto the terminal; "
                "redirect stdout (> FILE.spacy) or give --out FILE.spacy"
            )
        try:
            import spacy  # noqa: F401
        except ImportError:
            raise ExportError(
                "--format spacy needs spaCy, which is not installed; "
                "install it with: pip install 'annotator[spacy]'"
            ) from None
    for status in options.doc_statuses:
        if status not in DOC_STATUSES:
            raise ExportError(f"unknown document status {status!r}; use one of {', '.join(DOC_STATUSES)}")


#: Formats whose records are JSON objects, which :func:`export_records` yields.
RECORD_FORMATS = ("jsonl", "doccano")


def export_records(
    db_path: str | os.PathLike = "annotations.db",
    options: ExportOptions | None = None,
    **fields,
) -> Iterator[dict]:
    """The export's records as Python objects, one at a time, for a pipeline in Python.

    Each is exactly what ``json.loads`` makes of a line of ``annotator export`` with the same
    options (``format`` ``jsonl``, the default, or ``doccano``); ``fields`` are
    :class:`ExportOptions` fields (``labels=["PER"]``, ``include_suggestions=True``, ...).
    One read snapshot, opened at the first record and streamed; ExportError (one line) on a
    bad option (at the call) or a bad database (at the first record).
    """
    if options is None:
        options = ExportOptions()
    fields = {k: tuple(v) if k in _TUPLE_FIELDS else v for k, v in fields.items()}
    try:
        options = replace(options, **fields)
    except TypeError as error:
        raise ExportError(f"export_records: {error}") from None
    if options.format not in RECORD_FORMATS:
        raise ExportError(
            f"export_records yields JSON records ({' or '.join(RECORD_FORMATS)}), not "
            f"{options.format!r}; use export() to write {options.format}"
        )
    _check(options, None)  # here, so a bad option fails at the call, not at the first record
    return _stream_records(db_path, options)


def _stream_records(db_path: str | os.PathLike, options: ExportOptions) -> Iterator[dict]:
    writer = WRITERS[options.format](None, ExportSummary(), lambda message: None, options)
    with open_snapshot(db_path) as snapshot:
        try:
            for record in _records(snapshot, options):
                yield writer.as_dict(record)
        except StoreError as error:
            raise ExportError(str(error)) from None


_TUPLE_FIELDS = frozenset({"annotators", "labels", "doc_statuses"})


def export(
    db_path: str | os.PathLike,
    out_path: str | None,
    options: ExportOptions = ExportOptions(),
    warn: Warn = lambda message: None,
) -> ExportSummary:
    """Write the export; returns its summary.  ExportError (one line) on bad input, in
    which case nothing was written (a file at ``out_path`` is untouched) -- except into a
    FIFO, a device or ``-``, which get the records as they are made."""
    if options.split is not None:
        return export_split(db_path, out_path, options, warn)
    _check(options, out_path)
    summary = ExportSummary()
    snapshot = open_snapshot(db_path)
    # Warnings wait in a spool (constant memory) and are shown only if the export
    # succeeds: a refused export says one line, not a page of warnings first.
    spool = tempfile.TemporaryFile("w+", encoding="utf-8")

    def spool_warning(message: str) -> None:
        spool.write(message.replace("\n", " ") + "\n")

    whole = True
    try:
        with _output(out_path, db_path, warn) as (out, whole, terminal):
            if terminal and options.format == "spacy":  # --out /dev/tty: escape bytes and all
                raise ExportError(
                    f"--format spacy --out {out_path} would write a binary DocBin onto a "
                    "terminal; give --out FILE.spacy"
                )
            writer = WRITERS[options.format](out, summary, spool_warning, options)
            if terminal:
                writer.on_terminal()
            last_doc = None
            for record in _records(snapshot, options):
                writer.write(record)
                summary.records += 1
                summary.spans += len(record.spans)
                if record.doc_id != last_doc:
                    summary.documents += 1
                    last_doc = record.doc_id
            writer.close()
        spool.seek(0)
        for line in spool:
            warn(line.rstrip("\n"))
    except StoreError as error:
        outcome = "nothing was written" if whole else "the output stopped part-way"
        raise ExportError(f"{error}; {outcome}") from None
    finally:
        snapshot.close()
        spool.close()
    return summary


# --------------------------------------------------------------------------- train/dev split


def split_records(records: list[Record], fraction: float, seed: int) -> tuple[list[Record], list[Record]]:
    """Train and dev records: whole documents (all their annotators' records together, so no
    text is in both), shuffled by ``random.Random(seed)`` from id order, so the split depends
    only on the seed and the set of documents.  Each side gets at least one document when
    there are two or more."""
    by_doc: dict[str, list[Record]] = {}
    for record in records:
        by_doc.setdefault(record.doc_id, []).append(record)
    ids = sorted(by_doc)
    random.Random(seed).shuffle(ids)
    cut = round(fraction * len(ids))
    if len(ids) >= 2:
        cut = min(max(cut, 1), len(ids) - 1)
    train = [record for doc_id in ids[:cut] for record in by_doc[doc_id]]
    dev = [record for doc_id in ids[cut:] for record in by_doc[doc_id]]
    return train, dev


def export_split(
    db_path: str | os.PathLike, out_dir: str | None, options: ExportOptions, warn: Warn = lambda m: None
) -> ExportSummary:
    """``--format spacy --split F --out DIR``: DIR/train.spacy and DIR/dev.spacy (DIR is
    created if missing), each written atomically from one read snapshot."""
    if options.format != "spacy":
        raise ExportError("--split needs --format spacy (it writes train.spacy and dev.spacy)")
    if not 0 < options.split < 1:
        raise ExportError(f"--split {options.split}: give the train share, between 0 and 1 (e.g. 0.8)")
    if out_dir is None:
        raise ExportError("--split writes two files: give --out DIR (train.spacy and dev.spacy go there)")
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"--out {out_dir}: with --split it is a folder, and this is a file; give a folder")
    try:
        import spacy  # noqa: F401
    except ImportError:
        raise ExportError(
            "--format spacy needs spaCy, which is not installed; install it with: pip install 'annotator[spacy]'"
        ) from None
    unsplit = replace(options, split=None)
    with open_snapshot(db_path) as snapshot:
        try:
            records = list(_records(snapshot, unsplit))
        except StoreError as error:
            raise ExportError(f"{error}; nothing was written") from None
    train, dev = split_records(records, options.split, options.seed)
    if not train or not dev:
        raise ExportError(
            f"--split needs records from at least 2 documents, and the database has "
            f"{len({r.doc_id for r in records})}; label more documents first"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"--out {out_dir}: cannot create the folder ({error.strerror})") from None
    summary = ExportSummary()
    for name, part in (("train", train), ("dev", dev)):
        target = folder / f"{name}.spacy"
        st = os.stat(target) if target.is_file() else None
        with _replace_atomically(target, str(target), st, db_path, warn) as out:
            writer = SpacyWriter(out, summary, warn, unsplit)
            for record in part:
                writer.write(record)
            writer.close()
        summary.records += len(part)
        summary.spans += sum(len(record.spans) for record in part)
        summary.documents += len({record.doc_id for record in part})
    return summary
