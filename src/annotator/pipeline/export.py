"""Export the annotation database for NLP pipelines: JSONL (Prodigy), doccano, CoNLL, spaCy.

One output record per (document, annotator) that has spans after filtering.
Spans are read with plain SQL over the store's tables (schema version 1, see
``store.py``) in ONE read transaction, so the export is a consistent snapshot
even while the app is writing, and streamed: a cursor over ``documents`` in
rowid (insertion) order walks in step with a cursor over the joined spans, so
memory holds one document at a time however large the database is.  (The
``spacy`` format is the exception: a DocBin is one serialised object, so it
grows with the corpus.)

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
    tokens of :func:`annotator.tokens.tokenize`; each record starts with
    ``-DOCSTART- -X- O O`` and a blank line, sentences are separated by a blank
    line (after ``.`` ``!`` ``?`` ``؟`` ``۔`` ``…`` runs and at line breaks).
    This is what ``spacy convert --converter ner`` reads.  A span that does not
    start and end on token boundaries (e.g. ``وكالة`` inside ``لوكالة``), or that
    overlaps a span that takes precedence (accepted before suggested, then the
    longer, then the earlier), cannot be written in BIO: its tags are OMITTED
    (its tokens stay ``O``), and it is reported on stderr by document and
    offsets and counted in the summary.
``spacy``
    A ``.spacy`` DocBin (needs ``--out`` and the ``spacy`` extra).  One Doc per
    record, built from the same tokens as the JSONL (``doc.text == text``);
    every span is in ``doc.spans["sc"]`` (overlaps allowed) as
    ``doc.char_span(start, end, label, alignment_mode="expand")`` -- a span off
    token boundaries grows to whole tokens (and is reported); ``doc.ents`` holds
    the spans that do not overlap (``spacy.util.filter_spans``: longest wins; a
    dropped one is reported).  ``doc.user_data`` holds the meta fields.

Hashes (``_input_hash``, ``_task_hash``): Prodigy computes both with
MurmurHash3 (32-bit, signed): the input hash over the input fields (``text``),
the task hash over the annotation fields (``spans``) prefixed with the input
hash.  Prodigy's exact serialisation is not published, so the values are our
own, stable and documented: ``_input_hash`` = MurmurHash3_x86_32 (seed 0,
signed) of the UTF-8 text; ``_task_hash`` = the same of
``f"{_input_hash}|" + json.dumps([[start, end, label], ...], ensure_ascii=False,
separators=(",", ":"))``.  Prodigy's ``set_hashes(..., overwrite=True)``
recomputes its own if a pipeline needs them.

Every exported span satisfies ``text[start:end] == span["text"]``: offsets are
checked against the text (``0 <= start < end <= len(text)``) and an export that
meets a span that breaks this stops with :class:`ExportError` -- naming the
document and offsets -- and leaves no output file.  Output goes to a temporary
file in the target's directory that replaces ``--out`` only when complete
(os.replace); for stdout it is spooled to a temporary file and copied out at
the end, so a failed export never leaves partial output.

No Textual/Rich imports; spaCy is imported only for ``--format spacy``.
"""

from __future__ import annotations

import json
import json.encoder
import os
import random
import shutil
import sqlite3
import struct
import sys
import tempfile
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from annotator.store import DOCUMENT_STATUSES as DOC_STATUSES
from annotator.store import SCHEMA_VERSION
from annotator.text.tokens import Tokens, spacy_tokens, tokenize

__all__ = [
    "FORMATS",
    "DOC_STATUSES",
    "ExportError",
    "ExportOptions",
    "ExportSummary",
    "Record",
    "connect_readonly",
    "export",
    "export_split",
    "read_records",
    "split_records",
    "murmurhash3_32",
    "input_hash",
    "task_hash",
]

FORMATS = ("jsonl", "doccano", "conll", "spacy")
CONLL_DOCSTART = "-DOCSTART- -X- O O"
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
    split: float | None = None  # spacy only: the share of documents in train.spacy
    seed: int = 0  # the shuffle behind ``split``


@dataclass
class Record:
    """The spans of one document by one annotator, ordered by (start, end, id)."""

    doc_id: str
    text: str
    source: str
    status: str
    annotator: str
    spans: list[tuple[int, int, str, str]]  # (start, end, label, span status)


@dataclass
class ExportSummary:
    documents: int = 0
    records: int = 0
    spans: int = 0
    misaligned: int = 0  # spans that do not start and end on token boundaries
    omitted: int = 0  # spans the format could not carry (CoNLL tags, spaCy ents)
    expanded: int = 0  # spans grown to token boundaries (spaCy)

    def line(self, destination: str) -> str:
        text = (
            f"wrote {self.records} record{'s' * (self.records != 1)} "
            f"({self.documents} document{'s' * (self.documents != 1)}, "
            f"{self.spans} span{'s' * (self.spans != 1)}) to {destination}"
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


def connect_readonly(db_path: str | os.PathLike) -> sqlite3.Connection:
    """A read-only connection to an annotator database, or ExportError with one line."""
    path = Path(db_path)
    if not path.exists():
        raise ExportError(
            f"{db_path}: no such database; give --db the annotations.db the app writes"
        )
    if not path.is_file():
        raise ExportError(f"{db_path}: not a database file; give --db the annotations.db the app writes")
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as error:
        raise ExportError(f"{db_path}: cannot open the database ({error})") from None
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        conn.execute("SELECT id, text, source, status FROM documents LIMIT 0")
        conn.execute("SELECT doc_id, start, end, label, annotator, status FROM spans LIMIT 0")
    except sqlite3.DatabaseError as error:
        conn.close()
        raise ExportError(
            f"{db_path}: not an annotator database ({error}); "
            "give --db the annotations.db the app writes"
        ) from None
    try:
        version = int(row[0]) if row else 0
    except (TypeError, ValueError):
        version = -1
    if version > SCHEMA_VERSION or version < 1:
        conn.close()
        raise ExportError(
            f"{db_path}: database schema version {row[0] if row else 'missing'} is not one this "
            f"annotator reads ({SCHEMA_VERSION}); use the annotator version that wrote it"
        )
    return conn


def _in(column: str, values: tuple[str, ...], params: list) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join('?' * len(values))})"


def read_records(conn: sqlite3.Connection, options: ExportOptions) -> Iterator[Record]:
    """Records in document insertion order, then annotator name; spans by (start, end, id).

    Must run inside a read transaction for a consistent snapshot (``export`` opens one).
    Raises ExportError on a span whose offsets do not lie inside its document's text.
    """
    doc_where: list[str] = []
    doc_params: list = []
    if options.doc_statuses:
        doc_where.append(_in("status", options.doc_statuses, doc_params))
    docs = conn.execute(
        "SELECT rowid, id, text, source, status FROM documents"
        + (f" WHERE {' AND '.join(doc_where)}" if doc_where else "")
        + " ORDER BY rowid",
        doc_params,
    )
    span_params: list = []
    span_where = [
        _in("s.status", ("accepted", "suggested") if options.include_suggestions else ("accepted",), span_params)
    ]
    if options.doc_statuses:
        span_where.append(_in("d.status", options.doc_statuses, span_params))
    if options.annotators:
        span_where.append(_in("s.annotator", options.annotators, span_params))
    if options.labels:
        span_where.append(_in("s.label", options.labels, span_params))
    # CROSS JOIN pins the loop order: documents by rowid outside, so rows arrive grouped
    # by document without sorting the whole table; only each document's spans are sorted.
    spans = conn.execute(
        "SELECT d.rowid, s.start, s.end, s.label, s.annotator, s.status"
        " FROM documents AS d CROSS JOIN spans AS s ON s.doc_id = d.id"
        f" WHERE {' AND '.join(span_where)}"
        " ORDER BY d.rowid, s.annotator, s.start, s.end, s.id",
        span_params,
    )
    pending = spans.fetchone()
    for rowid, doc_id, text, source, status in docs:
        while pending is not None and pending[0] < rowid:
            pending = spans.fetchone()
        if pending is None:
            break
        if pending[0] != rowid:
            continue
        length = len(text)
        current = None
        group: list[tuple[int, int, str, str]] = []
        while pending is not None and pending[0] == rowid:
            _, start, end, label, annotator, span_status = pending
            if not (type(start) is int and type(end) is int and 0 <= start < end <= length):
                raise ExportError(
                    f"span {label} [{start}:{end}] by {annotator} in document {doc_id[:12]} "
                    f"({source}) lies outside its text ({length} characters), so "
                    "text[start:end] would not be the labelled text; nothing was written -- "
                    "fix or delete that span in the app, then export again"
                )
            if annotator != current:
                if group:
                    yield Record(doc_id, text, source, status, current, group)
                current, group = annotator, []
            group.append((start, end, label, span_status))
            pending = spans.fetchone()
        if group:
            yield Record(doc_id, text, source, status, current, group)


# --------------------------------------------------------------------------- writers

Warn = Callable[[str], None]


def _where(record: Record, start: int, end: int, label: str) -> str:
    surface = record.text[start:end].replace("\n", " ")
    return (
        f"document {record.doc_id[:12]} ({record.source}), {record.annotator}: "
        f"{label} [{start}:{end}] «{surface}»"
    )


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


_string = json.encoder.encode_basestring  # a str as a JSON string literal, non-ASCII kept (C)


class _DocTokens:
    """What every record of one document shares: tokens, their JSON, the input hash."""

    __slots__ = ("doc_id", "text_json", "tokens_json", "tok_index", "words", "toks", "in_hash")

    def __init__(self, doc_id: str, text: str) -> None:
        words = tokenize(text)
        toks = spacy_tokens(text, words)
        self.doc_id = doc_id
        self.words = Tokens(text, words)
        self.toks = toks
        # word token (start, end) -> its index among the spaCy-style tokens
        self.tok_index = {(s, e): i for i, (s, e, _) in enumerate(toks)}
        self.text_json = _string(text)
        # Assembled by hand: the same bytes json.dumps(..., separators=(",", ":"),
        # ensure_ascii=False) gives for the list of token dicts, a third of the time.
        self.tokens_json = "[" + ",".join([
            '{"text":%s,"start":%d,"end":%d,"id":%d,"ws":%s}'
            % (_string(text[s:e]), s, e, i, "true" if ws else "false")
            for i, (s, e, ws) in enumerate(toks)
        ]) + "]"
        self.in_hash = input_hash(text)


class JsonlWriter:
    def __init__(self, out: BinaryIO, summary: ExportSummary, warn: Warn, options: ExportOptions):
        self.out, self.summary, self.with_status = out, summary, options.include_suggestions
        self.doc: _DocTokens | None = None

    def write(self, record: Record) -> None:
        text = record.text
        doc = self.doc
        if doc is None or doc.doc_id != record.doc_id:  # records of a document come together
            doc = self.doc = _DocTokens(record.doc_id, text)
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
        line = (
            f'{{"text":{doc.text_json},"spans":{_dumps(spans)},"tokens":{doc.tokens_json},'
            f'"meta":{_dumps(meta)},"_input_hash":{doc.in_hash},"_task_hash":{t_hash},'
            '"answer":"accept"}\n'
        )
        self.out.write(line.encode("utf-8"))

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
        line = {
            "text": record.text,
            "label": [[s, e, label] for s, e, label, _ in record.spans],
            "source": record.source,
            "doc_id": record.doc_id,
            "annotator": record.annotator,
            "status": record.status,
        }
        self.out.write((_dumps(line) + "\n").encode("utf-8"))

    def close(self) -> None:
        pass


class ConllWriter:
    def __init__(self, out: BinaryIO, summary: ExportSummary, warn: Warn, options: ExportOptions):
        self.out, self.summary, self.warn = out, summary, warn

    def write(self, record: Record) -> None:
        text = record.text
        tokens = Tokens(text)
        tags = ["O"] * len(tokens.words)
        # Where spans overlap, BIO can carry one: accepted before suggested, then the
        # longer, then the earlier one (the same preference as filter_spans for ents).
        placed = []
        for start, end, label, status in record.spans:  # in document order
            aligned = tokens.aligned(start, end)
            if aligned is None:
                self.summary.misaligned += 1
                self.summary.omitted += 1
                self.warn(
                    f"{_where(record, start, end, label)} does not start and end on token "
                    "boundaries; its CoNLL tags are omitted (its tokens stay O)"
                )
            else:
                placed.append((start, end, label, status, aligned))
        ranked = sorted(placed, key=lambda s: (s[3] != "accepted", s[0] - s[1], s[0]))
        for start, end, label, _, (first, last) in ranked:
            if any(tag != "O" for tag in tags[first : last + 1]):
                self.summary.omitted += 1
                self.warn(
                    f"{_where(record, start, end, label)} overlaps a span that takes precedence "
                    "(accepted, then longer); BIO cannot carry both, so its CoNLL tags are omitted"
                )
                continue
            tags[first] = f"B-{label}"
            for index in range(first + 1, last + 1):
                tags[index] = f"I-{label}"
        lines = [CONLL_DOCSTART, ""]
        words = tokens.words
        for index, (start, end) in enumerate(words):
            lines.append(f"{text[start:end]}\t{tags[index]}")
            if index + 1 < len(words):
                token, next_start = text[start:end], words[index + 1][0]
                next_token = text[next_start : words[index + 1][1]]
                if (token in SENTENCE_END and next_token not in SENTENCE_END) or "\n" in text[end:next_start]:
                    lines.append("")
        lines.append("")
        self.out.write(("\n".join(lines) + "\n").encode("utf-8"))

    def close(self) -> None:
        pass


class SpacyWriter:
    def __init__(self, out: BinaryIO, summary: ExportSummary, warn: Warn, options: ExportOptions):
        from spacy.tokens import Doc, DocBin
        from spacy.util import filter_spans
        from spacy.vocab import Vocab

        self.out, self.summary, self.warn = out, summary, warn
        self.Doc, self.filter_spans = Doc, filter_spans
        self.vocab = Vocab()
        self.docbin = DocBin(store_user_data=True)

    def write(self, record: Record) -> None:
        text = record.text
        words = tokenize(text)
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
                    f"«{span.text}»"
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
def _atomic_output(out_path: str | None, db_path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file that becomes ``out_path`` (or stdout) only if the block succeeds."""
    if out_path is None:
        with tempfile.TemporaryFile() as spool:
            yield spool
            spool.seek(0)
            stdout = sys.stdout.buffer
            shutil.copyfileobj(spool, stdout, 1 << 20)
            stdout.flush()
        return
    target = Path(out_path)
    if target.is_dir():
        raise ExportError(f"--out {out_path}: is a directory; give a file name")
    parent = target.parent
    if not parent.is_dir():
        raise ExportError(f"--out {out_path}: directory {parent} does not exist; create it first")
    try:
        if target.exists() and os.path.samefile(target, db_path):
            raise ExportError(f"--out {out_path}: that is the database itself; give another file name")
    except OSError:
        pass
    try:
        fd, tmp_name = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise ExportError(f"--out {out_path}: cannot write in {parent} ({error.strerror})") from None
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise


def export(
    db_path: str | os.PathLike,
    out_path: str | None,
    options: ExportOptions = ExportOptions(),
    warn: Warn = lambda message: None,
) -> ExportSummary:
    """Write the export; returns its summary.  ExportError (one line) on bad input,
    in which case no output file exists afterwards (an existing one is untouched)."""
    if options.split is not None:
        return export_split(db_path, out_path, options, warn)
    if options.format not in WRITERS:
        raise ExportError(f"unknown format {options.format!r}; use one of {', '.join(FORMATS)}")
    if options.format == "spacy":
        if out_path is None:
            raise ExportError("--format spacy writes a binary DocBin: give --out FILE.spacy")
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
    summary = ExportSummary()
    conn = connect_readonly(db_path)
    # Warnings wait in a spool (constant memory) and are shown only if the export
    # succeeds: a refused export says one line, not a page of warnings first.
    spool = tempfile.TemporaryFile("w+", encoding="utf-8")

    def spool_warning(message: str) -> None:
        spool.write(message.replace("\n", " ") + "\n")

    try:
        conn.execute("BEGIN")  # one snapshot for both cursors
        with _atomic_output(out_path, db_path) as out:
            writer = WRITERS[options.format](out, summary, spool_warning, options)
            last_doc = None
            for record in read_records(conn, options):
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
    except sqlite3.Error as error:
        raise ExportError(f"{db_path}: reading the database failed ({error}); nothing was written") from None
    finally:
        conn.close()
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
    unsplit = ExportOptions(**{**options.__dict__, "split": None})
    conn = connect_readonly(db_path)
    try:
        conn.execute("BEGIN")
        records = list(read_records(conn, unsplit))
    except sqlite3.Error as error:
        raise ExportError(f"{db_path}: reading the database failed ({error}); nothing was written") from None
    finally:
        conn.close()
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
        with _atomic_output(str(folder / f"{name}.spacy"), db_path) as out:
            writer = SpacyWriter(out, summary, warn, unsplit)
            for record in part:
                writer.write(record)
            writer.close()
        summary.records += len(part)
        summary.spans += sum(len(record.spans) for record in part)
        summary.documents += len({record.doc_id for record in part})
    return summary
