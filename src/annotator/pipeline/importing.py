"""``annotator import``: read spans from JSONL (annotator/Prodigy), doccano and CoNLL files.

Accepted input, one JSON object per line (blank lines are ignored), or CoNLL:

* **jsonl** -- what ``annotator export`` writes and Prodigy's ``db-out``:
  ``{"text": ..., "spans": [{"start", "end", "label", "text"?, ...}], "meta":
  {"source"?, "annotator"?, "status"?}, "answer"?}``.  Lines whose ``answer``
  is ``reject`` or ``ignore`` are not imported (counted, not errors).  A line
  with ``text`` and no ``spans`` adds the document alone.
* **doccano** -- sequence-labelling JSONL in both shapes doccano has exported:
  ``{"text", "label": [[start, end, label], ...]}`` (``"labels"`` in some
  versions) and ``{"text", "entities": [{"id", "label", "start_offset",
  "end_offset"}], "relations": [...]}``; ``source``/``annotator``/``status``
  may sit at top level (``annotator export --format doccano`` puts them there).

* **conll** -- CoNLL BIO/IOB2, one token per line with its tag in the last column,
  a blank line between sentences, ``-DOCSTART-`` between documents: what
  ``annotator export --format conll`` writes and the format of Arabic NER corpora
  such as ANERcorp (``conll_reading.py`` says how the text and offsets are rebuilt).
  A bad line makes its whole document bad, reported by that line's number.

``--format auto`` (default) tells the file's format from its first non-blank lines
(JSON objects, or CoNLL token lines), then decides per JSON line: ``spans`` -> jsonl;
``entities``, ``label`` or ``labels`` -> doccano.  A file that is neither (a JSON
array, CSV, plain text), or not in the ``--format`` given, is refused in one line
before anything is read into the database.

Every line is checked BEFORE anything of it is stored, and a bad line is
reported with its line number and skipped whole: valid UTF-8 and JSON, an
object with a non-empty string ``text``; each span has integer offsets with
``0 <= start < end <= len(text)`` (code points, the project's offsets), its
``text`` -- when given -- equals ``text[start:end]``, its label is a non-empty
string in the project's label set (``Store.labels()``) unless ``--add-labels``;
with ``--status accepted`` spans may not overlap each other or an accepted span
already in the document (the store's rule for accepted spans).

Writing goes through :class:`annotator.store.Store`, ONE transaction per line
(``Store.import_document``): all of the line or none of it, so an import killed
part-way never leaves a document without its spans.  A text not yet stored is
added with ``source=meta.source or "FILE:line N"``; a document already stored keeps
its source and every status someone has in it.  ``meta.status`` (one of the
document statuses) becomes the status of the line's annotator where they have
none yet, so each annotator's record of an export comes back with its status;
the spans are stored under the line's ``meta.annotator`` (else ``--annotator``,
else ``"import"``) with ``--status`` (default ``suggested``: imported
predictions show in the app as suggestions).  A span whose (start, end, label) the document already has --
as a suggestion, from any source, including one someone rejected (their
decision stays on it); with ``--status accepted``, among the line's
annotator's own spans -- is left alone and counted as already present, so importing the same file twice adds
nothing and nothing stored is changed or lost.  The run ends with a summary.
The database is created only when the first line with something to store
comes: a file whose every line is bad leaves no ``annotations.db`` behind.
All reading goes through the Store too: no SQL outside the store package.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from annotator.store import DEFAULT_LABELS, SPAN_STATUSES, Store, StoreError, check_name
from annotator.store import DOCUMENT_STATUSES as DOC_STATUSES
from annotator.text.glyphs import neutralised
from annotator.text.loading import BINARY_SNIFF_BYTES

from .conll_reading import ConllDocument, looks_like_conll, read_documents
from .json_lines import BadJsonLine, json_line, lone_surrogate

__all__ = ["ImportFileError", "ImportSummary", "import_file", "parse_line", "LineError", "ParsedLine",
           "lone_surrogate"]

DEFAULT_ANNOTATOR = "import"


class ImportFileError(Exception):
    """The whole run cannot start (file or database unusable). str() is one line."""


class LineError(Exception):
    """One input line is bad. str() says what, without the line number."""


@dataclass
class ParsedLine:
    text: str
    spans: list[tuple[int, int, str]]
    source: str | None
    annotator: str | None
    status: str | None
    answer: str | None


@dataclass
class ImportSummary:
    file: str
    lines: int = 0  # non-blank lines read
    documents: int = 0  # lines whose document was stored (new or already there)
    new_documents: int = 0
    spans: int = 0  # spans added
    present: int = 0  # spans the document already had
    skipped: int = 0  # bad lines
    not_accepted: int = 0  # Prodigy answers reject/ignore
    labels_added: int = 0
    unit: str = "line"  # what ``lines`` and ``skipped`` count: JSON lines, CoNLL documents

    def line(self) -> str:
        parts = [
            f"{self.file}: imported {self.spans} span{'s' * (self.spans != 1)} into "
            f"{self.documents} document{'s' * (self.documents != 1)} ({self.new_documents} new)",
            f"{self.present} already present",
        ]
        if self.labels_added:
            parts.append(f"{self.labels_added} label{'s' * (self.labels_added != 1)} added")
        if self.not_accepted:
            parts.append(f"{self.not_accepted} rejected/ignored line{'s' * (self.not_accepted != 1)} left out")
        parts.append(f"{self.skipped} bad {self.unit}{'s' * (self.skipped != 1)} skipped of {self.lines}")
        return "; ".join(parts)


def _show(value: str, limit: int = 40) -> str:
    value = neutralised(value[:limit]) + ("…" if len(value) > limit else "")
    return f"«{value}»"


def _int(value, what: str) -> int:
    if type(value) is not int:  # bool is an int subclass, 3.0 is a float: both refused
        raise LineError(f"{what} is {json.dumps(value, ensure_ascii=False)[:40]}, not an integer")
    return value


def _spans_jsonl(obj: dict) -> list[tuple[int, int, str, str | None]]:
    spans = obj.get("spans", [])
    if not isinstance(spans, list):
        raise LineError('"spans" is not a list')
    out = []
    for number, span in enumerate(spans, 1):
        if not isinstance(span, dict):
            raise LineError(f"span {number} is not an object")
        for key in ("start", "end", "label"):
            if key not in span:
                raise LineError(f'span {number} has no "{key}"')
        text = span.get("text")
        if text is not None and not isinstance(text, str):
            raise LineError(f'span {number}: "text" is not a string')
        out.append((
            _int(span["start"], f"span {number} start"),
            _int(span["end"], f"span {number} end"),
            span["label"],
            text,
        ))
    return out


def _spans_doccano(obj: dict) -> list[tuple[int, int, str, str | None]]:
    out = []
    if "entities" in obj:
        entities = obj["entities"]
        if not isinstance(entities, list):
            raise LineError('"entities" is not a list')
        for number, entity in enumerate(entities, 1):
            if not isinstance(entity, dict):
                raise LineError(f"entity {number} is not an object")
            for key in ("start_offset", "end_offset", "label"):
                if key not in entity:
                    raise LineError(f'entity {number} has no "{key}"')
            out.append((
                _int(entity["start_offset"], f"entity {number} start_offset"),
                _int(entity["end_offset"], f"entity {number} end_offset"),
                entity["label"],
                None,
            ))
        return out
    key = "label" if "label" in obj else "labels"
    items = obj.get(key, [])
    if not isinstance(items, list):
        raise LineError(f'"{key}" is not a list of [start, end, label]')
    for number, item in enumerate(items, 1):
        if not (isinstance(item, list) and len(item) == 3):
            raise LineError(
                f'"{key}" item {number} is {json.dumps(item, ensure_ascii=False)[:40]}, not '
                "[start, end, label] (a text-classification file has no spans to import)"
            )
        out.append((_int(item[0], f"{key} item {number} start"), _int(item[1], f"{key} item {number} end"), item[2], None))
    return out


def _optional_str(container: dict, key: str, where: str) -> str | None:
    value = container.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise LineError(f'{where}"{key}" is not a string')
    return value or None


def parse_line(raw: bytes, fmt: str = "auto") -> ParsedLine:
    """Decode and check one line on its own (no database).  LineError says what is wrong."""
    try:
        obj = json_line(raw)
    except BadJsonLine as error:
        raise LineError(str(error)) from None
    if not isinstance(obj, dict):
        raise LineError(f"a JSON {type(obj).__name__}, not an object with \"text\"")
    text = obj.get("text")
    if not isinstance(text, str):
        raise LineError('no "text" string' if text is None else '"text" is not a string')
    if not text:
        raise LineError('"text" is empty')
    if fmt == "auto":
        if "spans" in obj:
            fmt = "jsonl"
        elif any(key in obj for key in ("entities", "label", "labels")):
            fmt = "doccano"
        else:
            fmt = "jsonl"
    doccano_keys = [key for key in ("entities", "label", "labels") if key in obj]
    if fmt == "jsonl" and "spans" not in obj and doccano_keys:
        raise LineError(f'no "spans" but "{doccano_keys[0]}": a doccano line? use --format doccano or auto')
    if fmt == "doccano" and "spans" in obj and not doccano_keys:
        raise LineError('"spans" but no "label" or "entities": a JSONL (Prodigy) line? use --format jsonl or auto')
    if fmt == "jsonl":
        meta = obj.get("meta", {})
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            raise LineError('"meta" is not an object')
        where = 'meta '
        raw_spans = _spans_jsonl(obj)
    else:
        meta, where = obj, ""
        raw_spans = _spans_doccano(obj)
    answer = obj.get("answer")
    if answer is not None and not isinstance(answer, str):
        raise LineError('"answer" is not a string')
    spans: list[tuple[int, int, str]] = []
    for number, (start, end, label, surface) in enumerate(raw_spans, 1):
        if not isinstance(label, str) or not label:
            raise LineError(f"span {number} [{start}:{end}]: label {json.dumps(label, ensure_ascii=False)[:30]} is not a non-empty string")
        if not 0 <= start < end <= len(text):
            raise LineError(
                f"span {number} {label} [{start}:{end}] is not inside the text "
                f"(0 <= start < end <= {len(text)} code points)"
            )
        if surface is not None and text[start:end] != surface:
            raise LineError(
                f"span {number} {label} [{start}:{end}]: its text {_show(surface)} is not "
                f"text[{start}:{end}] {_show(text[start:end])} -- offsets must count code points"
            )
        spans.append((start, end, label))
    status = _optional_str(meta, "status", where)
    return ParsedLine(
        text=text,
        spans=spans,
        source=_optional_str(meta, "source", where),
        annotator=_optional_str(meta, "annotator", where),
        status=status if status in DOC_STATUSES else None,
        answer=answer,
    )


def _all_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Every line of the file, numbered from 1, without its line end (or a leading BOM)."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, 1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            yield number, raw.rstrip(b"\r\n")


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    return ((number, raw) for number, raw in _all_lines(path) if raw.strip())


#: How much of a file is read to tell its format: the first non-blank lines, in this many bytes.
SNIFF_LINES, SNIFF_BYTES = 20, 1 << 16


def sniff_format(path: Path) -> str:
    """What the file looks like from its first non-blank lines: ``json`` (a line is a JSON
    object), ``conll`` (most are ``TOKEN ... TAG`` or ``-DOCSTART-``), ``json-array`` (one
    JSON document, not JSON lines), ``empty``, or ``unknown``."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    lines = [line for line in head.decode("utf-8", "replace").splitlines() if line.strip()]
    lines = lines[:SNIFF_LINES]
    if not lines:
        return "empty"
    if any(line.lstrip().startswith("{") and not looks_like_conll(line) for line in lines):
        return "json"  # a JSON object, or meant to be one (a bad line is reported as such)
    if lines[0].lstrip().startswith("["):
        return "json-array"
    if 2 * sum(looks_like_conll(line) for line in lines) > len(lines):
        return "conll"
    return "unknown"


def _check_file(file: str) -> Path:
    path = Path(file)
    if not path.exists():
        raise ImportFileError(f"{file}: no such file")
    if not path.is_file():
        raise ImportFileError(f"{file}: not a regular file; give a JSONL file")
    try:
        with path.open("rb") as fh:
            head = fh.read(BINARY_SNIFF_BYTES)
    except OSError as error:
        raise ImportFileError(f"{file}: cannot read it ({error.strerror})") from None
    if b"\x00" in head:
        raise ImportFileError(
            f"{file}: binary file (a .spacy DocBin?); import reads JSONL: one JSON object per line"
        )
    return path


def _overlap(spans: list[tuple[int, int, str]]) -> tuple[tuple[int, int, str], tuple[int, int, str]] | None:
    ordered = sorted(spans)
    for a, b in zip(ordered, ordered[1:]):
        if b[0] < a[1]:
            return a, b
    return None


def import_file(
    file: str,
    db_path: str | os.PathLike,
    *,
    fmt: str = "auto",
    annotator: str | None = None,
    add_labels: bool = False,
    status: str = "suggested",
    report: Callable[[str], None] = lambda message: None,
    labels: tuple[list[str], dict[str, str]] | None = None,
) -> ImportSummary:
    """Import ``file`` into the database at ``db_path`` (created if missing).

    ``labels`` (names, colours) is the project's label set: the database takes it, as the
    app does on opening, so the project's labels are known before the app ever ran.

    Bad lines are passed to ``report`` as one line each ("FILE:N: what; line skipped");
    ImportFileError when the file or the database cannot be used at all."""
    if fmt not in FORMATS:
        raise ImportFileError(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")
    if status not in ("suggested", "accepted"):
        raise ImportFileError(f"--status {status}: use suggested or accepted")
    if annotator is not None:
        try:
            check_name(annotator, "annotator")
        except StoreError as error:
            raise ImportFileError(f"--annotator: {error}") from None
    path = _check_file(file)
    try:  # the database path first: a wrong --db is the message to see, whatever the file
        Store.check_path(db_path)
    except StoreError as error:
        raise ImportFileError(str(error)) from None
    fmt = _format_of(file, path, fmt)
    # A file name that is not UTF-8 holds lone surrogates (surrogateescape) that SQLite
    # cannot store; the source is only a label here (the text is in the database).
    where = os.fsencode(path.resolve()).decode("utf-8", "replace")
    run = _Run(file, where, db_path, annotator, status, add_labels, report, labels)
    try:
        if fmt == "conll":
            run.summary.unit = "document"
            for document in read_documents(_all_lines(path)):
                run.conll_document(document)
        else:
            for number, raw in _lines(path):
                run.line(number, raw, fmt)
    finally:
        run.close()
    return run.summary


FORMATS = ("auto", "jsonl", "doccano", "conll")
_READS = "import reads JSON lines (annotator, Prodigy, doccano) and CoNLL (TOKEN ... TAG per line)"


def _format_of(file: str, path: Path, fmt: str) -> str:
    """The format to read ``path`` in: ``fmt``, or with ``auto`` what the file looks like
    (``auto`` still decides per JSON line between jsonl and doccano).  A file in a format
    import does not read, or not in the one given, is refused in one line."""
    try:
        kind = sniff_format(path)
    except OSError as error:
        raise ImportFileError(f"{file}: cannot read it ({error.strerror})") from None
    if kind == "empty":
        return "jsonl" if fmt == "auto" else fmt  # nothing to read, in any format
    if kind == "json-array":
        raise ImportFileError(
            f"{file}: one JSON array, not JSON lines; {_READS} -- one object per line, e.g. "
            f"jq -c '.[]' FILE > FILE.jsonl"
        )
    if kind == "unknown":
        raise ImportFileError(f"{file}: not a format import reads (its first lines are neither JSON "
                              f"objects nor CoNLL); {_READS}")
    if fmt == "auto":
        return kind if kind == "conll" else "auto"
    if kind == "conll" and fmt != "conll":
        raise ImportFileError(f"{file}: is CoNLL (TOKEN ... TAG per line), not {fmt}; "
                              "use --format conll, or auto")
    if kind == "json" and fmt == "conll":
        raise ImportFileError(f"{file}: is JSON lines, not CoNLL; use --format jsonl, doccano or auto")
    return fmt


class _Run:
    """One import: the store is opened up front only if the database exists, and created
    at the first line that has something to store -- a file whose every line is bad leaves
    no database behind."""

    def __init__(
        self, file: str, source_prefix: str, db_path: str | os.PathLike, annotator: str | None,
        status: str, add_labels: bool, report: Callable[[str], None],
        labels: tuple[list[str], dict[str, str]] | None = None,
    ) -> None:
        self.file, self.source_prefix, self.db_path = file, source_prefix, db_path
        self.annotator, self.status, self.add_labels, self.report = annotator, status, add_labels, report
        self.summary = ImportSummary(file=file)
        self.labels = labels
        self.unknown_said: set[str] = set()  # unknown labels reported already
        self.store: Store | None = None
        try:
            if Store.check_path(db_path):
                self.store = self._open()
        except StoreError as error:
            raise ImportFileError(str(error)) from None
        if self.labels:
            self.known = set(self.labels[0])
        else:
            self.known = {name for name, _ in self.store.labels()} if self.store else set(DEFAULT_LABELS)

    def _open(self) -> Store:
        # Imports are recorded under "import", never on a user's undo stack: a user's `u`
        # in the app undoes their own last action, not a span a model suggested.
        store = Store(self.db_path, annotator=DEFAULT_ANNOTATOR)
        if self.labels:
            try:
                store.set_labels(*self.labels)
            except BaseException:
                store.close()
                raise
        return store

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def _bad(self, number: int, message: str | None) -> None:
        """Count a bad line (a bad document, in CoNLL) and report it, unless ``message`` is
        None (said already)."""
        self.summary.skipped += 1
        if message is not None:
            self.report(f"{self.file}:{number}: {message}; {self.summary.unit} skipped")

    def line(self, number: int, raw: bytes, fmt: str) -> None:
        summary = self.summary
        summary.lines += 1
        try:
            parsed = parse_line(raw, fmt)
        except LineError as error:
            return self._bad(number, str(error))
        if parsed.answer is not None and parsed.answer != "accept":
            summary.not_accepted += 1
            return None
        return self._take(number, parsed)

    def conll_document(self, document: ConllDocument) -> None:
        """One CoNLL document: stored like a JSON line, its spans under --annotator.  Every
        token of it is tagged (O is a decision too), so imported with --status accepted it is
        a finished document: done, for that annotator."""
        self.summary.lines += 1
        if document.error is not None:
            return self._bad(document.error_line, document.error)
        status = "done" if self.status == "accepted" else None
        self._take(document.number, ParsedLine(document.text, document.spans, None, None, status, None))

    def _take(self, number: int, parsed: ParsedLine) -> None:
        """Check a parsed line (or CoNLL document) against the store, and store it whole."""
        summary = self.summary
        known = self.known
        unknown = sorted({label for _, _, label in parsed.spans} - known)
        if unknown and not self.add_labels:
            # Said once per label: a corpus tagged PERS would otherwise get a line per sentence.
            if set(unknown) <= self.unknown_said:
                return self._bad(number, None)
            self.unknown_said.update(unknown)
            return self._bad(
                number,
                f"label{'s' * (len(unknown) > 1)} {', '.join(unknown)} not in the label set "
                f"({', '.join(sorted(known))}); add --add-labels to add them (later {summary.unit}s "
                "with no other unknown label are skipped without a word, counted in the summary)",
            )
        who = parsed.annotator or self.annotator or DEFAULT_ANNOTATOR
        try:  # before anything of the line is stored, its new document included
            for name, what in [(who, "annotator")] + [(label, "label") for label in unknown]:
                check_name(name, what)
        except StoreError as error:
            return self._bad(number, str(error))
        doc_id = hashlib.sha256(parsed.text.encode("utf-8")).hexdigest()
        existing = self.store.spans(doc_id, SPAN_STATUSES) if self.store else []
        who = parsed.annotator or self.annotator or DEFAULT_ANNOTATOR
        if self.status == "accepted":  # another annotator's spans never block this one's
            existing = [s for s in existing if s.annotator == who]
        else:  # a person's accepted span is theirs: the suggestion is for everyone else
            existing = [s for s in existing if s.status != "accepted"]
        present = {(s.start, s.end, s.label) for s in existing}
        new_spans = []
        for span in parsed.spans:
            if span in present:
                summary.present += 1
            else:
                present.add(span)
                new_spans.append(span)
        if self.status == "accepted":
            accepted = [(s.start, s.end, s.label) for s in existing if s.status == "accepted"]
            clash = _overlap(accepted + new_spans)
            if clash is not None:
                a, b = clash
                return self._bad(
                    number,
                    f"span {b[2]} [{b[0]}:{b[1]}] overlaps span {a[2]} [{a[0]}:{a[1]}] "
                    "(accepted spans may not overlap); import with --status suggested to review them",
                )
        try:
            self._store(number, parsed, doc_id, unknown, new_spans, who)
        except StoreError as error:
            summary.skipped += 1
            self.report(f"{self.file}:{number}: the store refused it ({error}); "
                        f"{summary.unit} skipped, nothing of it stored")
        return None

    def _store(
        self, number: int, parsed: ParsedLine, doc_id: str, unknown: list[str],
        new_spans: list[tuple[int, int, str]], who: str,
    ) -> None:
        """The line is good: write it (creating the database if this is the first)."""
        summary = self.summary
        if self.store is None:
            try:
                self.store = self._open()
            except StoreError as error:
                raise ImportFileError(str(error)) from None
        # The document, its status, new labels and spans: one transaction (all or nothing),
        # so an import killed part-way never leaves a document without its spans.
        source = parsed.source or f"{self.source_prefix}:line {number}"
        _, is_new, added = self.store.import_document(
            parsed.text, source, new_spans, annotator=who, status=self.status,
            doc_status=parsed.status, new_labels=unknown, allow_overlap=self.status != "accepted",
        )
        if unknown:
            self.known.update(unknown)
            summary.labels_added += len(unknown)
        summary.documents += 1
        summary.new_documents += is_new
        summary.spans += len(added)
