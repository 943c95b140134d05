"""Pre-annotation: patterns and spaCy pipelines propose spans, stored as suggestions.

Two sources, one path.  Both run a spaCy ``Language`` with ``nlp.pipe`` in batches over Docs
of the project's own tokens (those of :func:`annotator.text.tokens.spacy_tokens`, made by a
spaCy ``Tokenizer`` given the project's rules, :func:`project_tokenizer`), so ``doc.text`` is
the stored text and a span's character offsets are logical offsets into it:

* ``--patterns FILE``: a blank Arabic pipeline with spaCy's ``PhraseMatcher`` matching phrase
  patterns on ``NORM`` (and its ``Matcher`` for token patterns; overlaps resolved as the
  ``EntityRuler`` does).  Each word's lexeme ``NORM`` is its folded form
  (:func:`annotator.text.folding.fold`: harakat, tatweel, alef forms), and the pattern phrases
  are tokenised and folded the same way, so «الامم المتحدة» finds «الأُمَم المتحدة».  Matches
  are whole tokens: a clitic-joined «والأمم» is one token and is not «الأمم» (unless
  ``--proclitics``, :data:`PROCLITICS`).
* ``--model NAME_OR_PATH``: any installed or saved pipeline; its ``doc.ents`` (or
  ``doc.spans[KEY]``) are the suggestions.  The model's NORMs are left as they are: it was
  trained with them.

Suggestions are written through :meth:`Store.add_suggestions`, a transaction per batch, so an
interrupted run keeps every document finished before it, and a second run adds nothing.  Over
more than one batch the suggestions are written by a second process while this one runs
spaCy (:mod:`annotator.pipeline.suggestion_writer`).  Documents given as PATH... join
the project queue (:func:`annotator.store.queue.queue_files`), as the reader's do.

No Textual or Rich: the caller draws the progress (``progress`` callback).  spaCy is imported
only inside the functions that need it, as it is an optional extra.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.pipeline.json_lines import json_line
from annotator.pipeline.suggestion_writer import open_writer
from annotator.store import Store, StoreError
from annotator.store.queue import queue_files
from annotator.text.folding import FoldOptions, fold, fold_query
from annotator.text.glyphs import neutralised
from annotator.text.loading import LoadError, load_text
from annotator.text.tokens import affix_pattern, leading_marks_pattern

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = [
    "DEFAULT_PATTERNS_ANNOTATOR",
    "PROCLITICS",
    "SuggestError",
    "SuggestSummary",
    "Suggester",
    "file_documents",
    "load_model",
    "load_patterns",
    "training_config",
    "model_annotator",
    "pattern_suggester",
    "project_tokenizer",
    "queued_documents",
    "suggest",
]

DEFAULT_PATTERNS_ANNOTATOR = "patterns"
#: Documents per store transaction (and text read): big enough that the commit (an fsync)
#: is a small share, small enough that Ctrl+C loses little.
BATCH_SIZE = 1000
#: Longest text the patterns read: there is no model, so memory is the Doc's (~100 bytes a
#: token), and a 10 MB book is fine; spaCy's default (1,000,000) guards models.
PATTERNS_MAX_LENGTH = 100_000_000


class SuggestError(Exception):
    """str() is one line: what is wrong, where, and what to do."""


def _spacy():
    try:
        import spacy
    except ImportError:
        raise SuggestError(
            "suggest needs spaCy, which is not installed; install it with: pip install 'annotator[spacy]'"
        ) from None
    return spacy


def _show(value: object, limit: int = 60) -> str:
    """A value from a file or a library, safe on one terminal line (controls and bidi
    controls as their visible stand-ins), cut to ``limit`` characters."""
    text = neutralised(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- tokens ------------------------------------------------------------------------------


def project_tokenizer(nlp: Language, *, fold_norms: bool,
                      fold_options: FoldOptions = FoldOptions()) -> Language:
    """Give ``nlp`` a spaCy ``Tokenizer`` that makes the project's tokens (those of
    :func:`annotator.text.tokens.spacy_tokens`; a test holds them equal): spaCy splits on
    whitespace as the project does, and the prefix/suffix/infix rules split off exactly the
    number and punctuation tokens.  Being spaCy's own, it is Cython with a cache: about 6x
    faster than building Docs from Python word lists (measured on the bench's articles).

    With ``fold_norms`` every lexeme's NORM is its folded form (harakat, tatweel, alef
    forms; ``fold_options`` are the project's search folding), computed once per word type
    when spaCy first meets it."""
    import re
    from functools import partial

    from spacy.attrs import NORM
    from spacy.tokenizer import Tokenizer

    affix = affix_pattern()
    if fold_norms:
        folded = partial(fold_query, options=fold_options)
        nlp.vocab.lex_attr_getters[NORM] = folded
        for lexeme in nlp.vocab:  # the ones made before the getter was set
            lexeme.norm_ = folded(lexeme.orth_)
    nlp.tokenizer = Tokenizer(
        nlp.vocab,
        rules={},
        prefix_search=re.compile(f"^(?:{affix}|{leading_marks_pattern()})").search,
        suffix_search=re.compile(f"(?:{affix})$").search,
        infix_finditer=re.compile(affix).finditer,
    )
    return nlp


# -- patterns ----------------------------------------------------------------------------


@dataclass
class Patterns:
    patterns: list[dict[str, Any]]
    labels: dict[str, int]  # label -> line it is first used on
    bad: int = 0


def load_patterns(path: str, report: Callable[[str], None]) -> Patterns:
    """Read an EntityRuler/Prodigy patterns file (JSONL).  A bad line is reported
    (``FILE:N: why; line skipped``) and the rest is used."""
    shown = _show(path, 200)
    file = Path(path)
    if not file.is_file():
        what = "no such file" if not file.exists() else "not a regular file"
        raise SuggestError(f"--patterns {shown}: {what}; give the path of a JSONL patterns file")
    try:
        # A byte order mark (Windows editors) is not part of the first line, as in import
        raw_lines = file.read_bytes().removeprefix(b"\xef\xbb\xbf").splitlines()
    except OSError as error:
        raise SuggestError(f"--patterns {shown}: cannot read it ({error.strerror})") from None
    spacy = _spacy()
    from spacy.matcher import Matcher

    checker = Matcher(spacy.blank("ar").vocab, validate=True)
    result = Patterns([], {})
    for number, raw in enumerate(raw_lines, 1):
        if not raw.strip():
            continue
        try:
            pattern = _pattern_line(raw, checker)
        except ValueError as error:
            result.bad += 1
            report(f"{shown}:{number}: {error}; line skipped")
            continue
        result.patterns.append(pattern)
        result.labels.setdefault(pattern["label"], number)
    if not result.patterns:
        raise SuggestError(f"--patterns {shown}: no usable pattern in the file; see the format in README")
    return result


def _pattern_line(raw: bytes, checker) -> dict[str, Any]:
    obj = json_line(raw)  # BadJsonLine is a ValueError: the line is skipped, saying why
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object; write {\"label\": ..., \"pattern\": ...}")
    label, pattern = obj.get("label"), obj.get("pattern")
    if not isinstance(label, str) or not label.strip() or _show(label) != label:
        raise ValueError(f"\"label\" must be a non-empty name, not {_show(json.dumps(label, ensure_ascii=False))}")
    if isinstance(pattern, str):
        if not fold_query(pattern).strip():
            raise ValueError("the phrase \"pattern\" is empty")
    elif isinstance(pattern, list) and pattern and all(isinstance(t, dict) for t in pattern):
        try:
            checker.add("check", [pattern])
        except Exception as error:  # spaCy's MatchPatternError and friends: say why
            reason = " ".join(str(error).split())
            raise ValueError(f"not a valid token pattern ({_show(reason, 160)})") from None
        finally:
            if "check" in checker:
                checker.remove("check")
    else:
        raise ValueError("\"pattern\" must be a phrase (a string) or a list of token objects")
    kept = {"label": label, "pattern": pattern}
    if isinstance(obj.get("id"), str):
        kept["id"] = obj["id"]
    return kept


def pattern_suggester(
    patterns: list[dict[str, Any]], annotator: str = DEFAULT_PATTERNS_ANNOTATOR, *, proclitics: bool = False,
    fold_options: FoldOptions = FoldOptions(),
) -> Suggester:
    """A blank Arabic pipeline on the project's tokens (folded NORMs) and the patterns in
    spaCy's ``PhraseMatcher`` (on NORM) and ``Matcher``, chosen among as the EntityRuler
    does.  (The EntityRuler itself spends 3/4 of its time setting ``doc.ents``, which a
    suggester does not need.)  With ``proclitics``, see :data:`PROCLITICS`.  Phrases fold as
    search does with ``fold_options`` (the project file's ``[search]``)."""
    spacy = _spacy()
    nlp = project_tokenizer(spacy.blank("ar"), fold_norms=True, fold_options=fold_options)
    nlp.max_length = PATTERNS_MAX_LENGTH
    finder = PatternFinder(nlp, patterns, proclitics=proclitics, fold_options=fold_options)
    return Suggester(nlp, annotator, finder=finder)


#: With ``--proclitics``, a phrase whose first word has the article ال also matches with these
#: written onto it (``والأمم المتحدة``, ``بالأمم``, ``وبالأمم``), and the suggestion starts
#: after them.  Not ل: ل + ال is written لل (``للأمم``), so no stretch of the text is the name.
PROCLITICS = ("و", "ف", "ب", "ك", "وب", "وك", "فب", "فك")


class PatternFinder:
    """Matches of phrase and token patterns, as ``(start, end, label)`` character offsets."""

    def __init__(self, nlp: Language, patterns: list[dict[str, Any]], *, proclitics: bool = False,
                 fold_options: FoldOptions = FoldOptions()) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        self.fold_options = fold_options
        self.strings = nlp.vocab.strings
        self.labels: dict[int, str] = {}  # match id -> label, looked up once
        self.phrases = PhraseMatcher(nlp.vocab, attr="NORM")
        self.tokens = Matcher(nlp.vocab)
        phrases: dict[str, list] = {}
        tokens: dict[str, list] = {}
        self.skips: dict[int, int] = {}  # match id -> folded characters of proclitic to skip
        for pattern in patterns:
            if isinstance(pattern["pattern"], str):
                # Whitespace runs are one space, as search folds them: otherwise a stray
                # space or tab in a gazetteer line is a whitespace token no text matches.
                phrase = " ".join(pattern["pattern"].split())
                phrases.setdefault(pattern["label"], []).append(nlp.make_doc(phrase))
                if proclitics:
                    self._add_proclitics(nlp, pattern["label"], phrase, phrases)
            else:
                tokens.setdefault(pattern["label"], []).append(pattern["pattern"])
        for label, docs in phrases.items():
            self.phrases.add(label, docs)
        for label, token_patterns in tokens.items():
            self.tokens.add(label, token_patterns)
        self.has_tokens = bool(tokens)

    def __call__(self, doc: Doc) -> list[tuple[int, int, str]]:
        matches = self.phrases(doc)
        if self.has_tokens:
            matches += self.tokens(doc)
        if not matches:
            return []
        matches.sort(key=_start)
        if _overlapping(matches):
            matches = _longest_first(matches)
        labels = self.labels
        found = []
        for match_id, start, end in matches:
            # Only the matched tokens are looked at: the Doc's whole IDX and LENGTH columns
            # (to_array) cost a fifth of the matching (measured on the bench's articles).
            last = doc[end - 1]
            found.append((doc[start].idx, last.idx + len(last),
                          labels[match_id] if match_id in labels else self._label(match_id)))
        return self._after_proclitics(doc, matches, found) if self.skips else found

    def _add_proclitics(self, nlp: Language, label: str, phrase: str, phrases: dict[str, list]) -> None:
        folded = fold_query(phrase, self.fold_options).strip()
        if not folded.startswith("ال"):
            return
        for clitic in PROCLITICS:
            key = f"{label}\x00{len(clitic)}"  # a match key of its own: the label and the skip
            match_id = self.strings.add(key)
            self.labels[match_id], self.skips[match_id] = label, len(clitic)
            phrases.setdefault(key, []).append(nlp.make_doc(clitic + folded))

    def _after_proclitics(self, doc: Doc, matches, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """Suggestions of proclitic variants start after the proclitic (and its harakat)."""
        for i, (match_id, _, _) in enumerate(matches):
            skip = self.skips.get(match_id)
            if skip:
                start, end, label = found[i]
                found[i] = (start + fold(doc.text[start:end], self.fold_options).start_of(skip), end, label)
        return found

    def _label(self, match_id: int) -> str:
        label = self.labels[match_id] = self.strings[match_id]
        return label


_start = itemgetter(1)  # a match's first token (in C: it runs once per match)


def _overlapping(matches: list[tuple[int, int, int]]) -> bool:
    """Whether any two of the matches (sorted by start) share a token."""
    reach = 0
    for _, start, end in matches:
        if start < reach:
            return True
        reach = end
    return False


def _longest_first(matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Overlapping matches resolved as the EntityRuler does: the longest wins, then the
    earliest.  Returned sorted by start."""
    matches = sorted(matches, key=lambda match: (match[1] - match[2], match[1]))
    taken = bytearray(max(end for _, _, end in matches))
    kept = []
    for match in matches:
        _, start, end = match
        if taken.find(1, start, end) == -1:
            taken[start:end] = b"\x01" * (end - start)
            kept.append(match)
    kept.sort(key=_start)
    return kept


# -- models ------------------------------------------------------------------------------


def load_model(name: str, spans_key: str | None = None) -> Language:
    """``spacy.load`` with one-line errors; the pipeline must set ``doc.ents`` (or
    ``doc.spans`` with ``spans_key``).  Its tokenizer is replaced by the project's."""
    spacy = _spacy()
    shown = _show(name, 200)
    try:
        nlp = spacy.load(name)
    except Exception as error:  # OSError (not found), ValueError/KeyError (bad config), ...
        reason = _show(" ".join(str(error).split()), 300)
        raise SuggestError(f"--model {shown}: spaCy cannot load it: {reason}") from None
    wanted = "doc.spans" if spans_key else "doc.ents"
    assigned = [a for name in nlp.pipe_names for a in nlp.get_pipe_meta(name).assigns]
    if wanted not in assigned:
        hint = "it has no NER (ner or entity_ruler)" if not spans_key else "no component sets doc.spans"
        # a spancat or span_ruler pipeline: its spans are there, under a key
        other = "; or read its doc.spans with --spans-key KEY" if "doc.spans" in assigned else ""
        raise SuggestError(
            f"--model {shown}: {hint}, so it cannot suggest spans "
            f"(pipeline: {', '.join(nlp.pipe_names) or 'empty'}); give a pipeline with one{other}"
        )
    return project_tokenizer(nlp, fold_norms=False)


def model_labels(nlp: Language) -> set[str]:
    """The labels the pipeline's span-setting components declare (may be empty)."""
    labels: set[str] = set()
    for name, pipe in nlp.pipeline:
        assigns = nlp.get_pipe_meta(name).assigns
        if any(a in ("doc.ents", "doc.spans") for a in assigns):
            labels.update(getattr(pipe, "labels", ()) or ())
    return labels


def model_annotator(name: str) -> str:
    """The annotator a model's suggestions are stored under: the name or path as given
    (normalised: ``./training/model-best/`` is ``training/model-best``)."""
    return _show(os.path.normpath(name), 200)


def training_config() -> str:
    """A ``spacy train`` config: blank Arabic, tok2vec + NER (CPU, efficiency), reading
    ``corpus/train.spacy`` and ``corpus/dev.spacy`` as ``export --split`` writes them."""
    _spacy()
    from spacy.cli.init_config import init_config

    config = init_config(lang="ar", pipeline=["ner"], optimize="efficiency", gpu=False)
    config["paths"]["train"] = "corpus/train.spacy"
    config["paths"]["dev"] = "corpus/dev.spacy"
    return config.to_str()


# -- documents ---------------------------------------------------------------------------


def queued_documents(store: Store, statuses: Iterable[str] = ()) -> list[str]:
    """The stored documents to suggest for, in order (with one of ``statuses`` as the most
    advanced status any annotator has in them: ``new`` is a document nobody has started).

    The order is the store's: the project queue's, then the documents not queued."""
    return store.document_ids(statuses, overall=True)


def file_documents(store: Store, files: list[str], *, queue: bool) -> tuple[list[str], list[str]]:
    """The documents of the given files, stored first if new or changed, in order; and one
    line per file that cannot be read.

    With ``queue`` (a folder, a glob or several files, as the reader takes them) the files
    join the project queue, so ``annotator`` then works through them with their suggestions,
    and a file that cannot be read is told and the others used.  Without (one file, which the
    reader opens without queueing) the file is stored alone and a problem is an error."""
    if queue:
        return queue_files(store, files)
    try:
        text = load_text(files[0])
    except LoadError as error:
        raise SuggestError(str(error)) from None
    record, _ = store.open_document(text, os.path.abspath(files[0]))
    return [record.id], []


# -- running -----------------------------------------------------------------------------


@dataclass
class SuggestSummary:
    documents: int = 0
    added: int = 0
    present: int = 0  # already there as a suggestion
    withdrawn: int = 0  # with replace: the source's earlier, undecided ones not made again
    unknown: dict[str, int] = field(default_factory=dict)  # label -> spans left out
    labels_added: list[str] = field(default_factory=list)  # with add_labels: met in the run
    adding_labels: bool = False
    too_long: int = 0  # documents longer than the pipeline's max_length, not read
    max_length: int = 0
    interrupted: bool = False

    def line(self, annotator: str) -> str:
        text = (
            f"{'interrupted after' if self.interrupted else 'read'} {self.documents} "
            f"document{'s' * (self.documents != 1)}: added {self.added} suggestion"
            f"{'s' * (self.added != 1)} as {_show(annotator)}"
        )
        if self.present:
            text += f", left out {self.present} already there"
        if self.withdrawn:
            text += f", withdrew {self.withdrawn} earlier one{'s' * (self.withdrawn != 1)} nobody had decided"
        if self.labels_added:
            text += f", added to the label set: {', '.join(_show(label) for label in self.labels_added)}"
        if self.unknown:
            counts = ", ".join(f"{_show(k)} ({v})" for k, v in sorted(self.unknown.items()))
            text += (f", left out labels that cannot be label names: {counts}" if self.adding_labels
                     else f", left out labels not in the label set: {counts} (add --add-labels)")
        if self.too_long:
            text += (
                f", skipped {self.too_long} document{'s' * (self.too_long != 1)} longer than the "
                f"pipeline's max_length ({self.max_length:,} characters, spaCy's guard on memory)"
            )
        return text + (" -- everything before the interruption is saved" if self.interrupted else "")


@dataclass
class Suggester:
    """A pipeline and how to read suggestions off its Docs: ``finder``, or the Doc's ents
    (``doc.spans[spans_key]`` when given)."""

    nlp: Language
    annotator: str
    spans_key: str | None = None
    finder: Callable[[Doc], list[tuple[int, int, str]]] | None = None

    def spans(self, doc: Doc) -> list[tuple[int, int, str]]:
        if self.finder is not None:
            return self.finder(doc)
        found = self._span_group(doc) if self.spans_key else doc.ents
        return [
            (span.start_char, span.end_char, span.label_)
            for span in found
            if span.text.strip()  # a span over whitespace tokens alone marks nothing
        ]


    def _span_group(self, doc: Doc):
        if self.spans_key not in doc.spans:  # the pipeline writes other keys (span_ruler: "ruler")
            keys = ", ".join(_show(key) for key in doc.spans) or "none"
            raise SuggestError(
                f"--spans-key {_show(self.spans_key)}: the pipeline sets no "
                f"doc.spans[{_show(json.dumps(self.spans_key, ensure_ascii=False))}] "
                f"(the keys it sets: {keys}); give one of them"
            )
        return doc.spans[self.spans_key]


def suggest(
    store: Store,
    doc_ids: list[str],
    suggester: Suggester,
    *,
    known_labels: set[str],
    progress: Callable[[int], None] = lambda done: None,
    batch_size: int = BATCH_SIZE,
    replace: bool = False,
    child_process: bool | None = None,
    add_labels: bool = False,
) -> SuggestSummary:
    """Run the suggester over the documents and store what it finds, one transaction per
    batch.  Ctrl+C (KeyboardInterrupt) stops it: the batch in hand is written and the summary
    says ``interrupted``.  ``replace`` (a retrained model run again under its name): the
    source's earlier suggestions in each document that nobody decided and this run does not
    make again are withdrawn, with the batch (:meth:`Store.replace_suggestions`).
    ``child_process``: write in a second process (:mod:`.suggestion_writer`); by default,
    when there is more than one batch.  ``add_labels``: a label not in ``known_labels`` is
    added to the store's label set when first met (a component may declare no labels, so
    they are not all known before the run), unless it cannot be a label name."""
    summary = SuggestSummary(adding_labels=add_labels)
    known = set(known_labels)
    add_label = (lambda label: _add_label(store, label, summary)) if add_labels else None
    if child_process is None:
        child_process = len(doc_ids) > batch_size
    try:
        with open_writer(store, suggester.annotator, replace=replace, separate=child_process,
                         batch_size=batch_size) as writer:
            texts = _readable(store, doc_ids, suggester.nlp.max_length, summary, batch_size)
            _run(texts, writer, suggester, known, add_label, progress, summary)
    except StoreError as error:
        if not summary.documents:
            raise SuggestError(str(error)) from None
        # The store's "nothing was changed" is about the failed transaction only: the
        # batches committed before it stay, and a rerun adds the rest.
        raise SuggestError(f"{error} in that batch; the suggestions written before it are kept: "
                           "run suggest again to add the rest") from None
    return summary


def _run(texts, writer, suggester, known_labels, add_label, progress, summary) -> None:
    pending: list[tuple[str, list[tuple[int, int, str]]]] = []

    def flush() -> None:
        if pending:
            writer.write(pending)
            summary.documents += len(pending)
            pending.clear()

    try:
        docs = suggester.nlp.pipe(texts, as_tuples=True, batch_size=min(writer.batch_size, 256))
        for doc, doc_id in docs:
            found = suggester.spans(doc)
            kept = [span for span in found if span[2] in known_labels]
            if len(kept) < len(found):
                kept = _known_only(found, known_labels, add_label, summary)
            pending.append((doc_id, kept))
            if len(pending) >= writer.batch_size:
                flush()
            progress(summary.documents + len(pending) + summary.too_long)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        # Everything found before an interruption or an error is written: a rolled-back
        # batch is still pending, and the child process commits what it was sent.
        flush()
        summary.added, summary.present, summary.withdrawn = writer.finish()


def _known_only(found, known_labels: set[str], add_label, summary: SuggestSummary):
    """The spans whose label is in the label set, after ``add_label`` (if any) has added the
    new ones it can; the rest are counted by label."""
    if add_label is not None:
        for label in {label for _, _, label in found} - known_labels:
            if add_label(label):
                known_labels.add(label)
    for _, _, label in found:
        if label not in known_labels:
            summary.unknown[label] = summary.unknown.get(label, 0) + 1
    return [span for span in found if span[2] in known_labels]


def _add_label(store: Store, label: str, summary: SuggestSummary) -> bool:
    try:
        store.add_labels([label])
    except StoreError:  # not a usable name (a control character, too long): left out, counted
        return False
    summary.labels_added.append(label)
    return True


def _readable(store: Store, doc_ids: list[str], limit: int, summary: SuggestSummary, batch_size: int):
    """``(text, doc_id)`` for ``nlp.pipe(as_tuples=True)``, read a batch at a time; texts
    longer than the pipeline's ``max_length`` are counted and left out (spaCy refuses them:
    its models need about 1 GB of memory per 100,000 characters)."""
    summary.max_length = limit
    for i in range(0, len(doc_ids), batch_size):
        part = doc_ids[i : i + batch_size]
        for doc_id, text in zip(part, store.texts(part)):
            if len(text) > limit:
                summary.too_long += 1
            else:
                yield text, doc_id


def refuse_unknown_labels(known: set[str], wanted: dict[str, str]) -> None:
    """SuggestError naming the ``wanted`` labels (label -> where from) not in ``known``."""
    unknown = sorted(set(wanted) - known)
    if unknown:
        where = ", ".join(f"{_show(label)} ({_show(wanted[label], 200)})" for label in unknown)
        raise SuggestError(
            f"label{'s' * (len(unknown) > 1)} not in the label set "
            f"({', '.join(_show(k) for k in sorted(known))}): {where}; add --add-labels to add "
            "them, or change the label set"
        )


def check_labels(store: Store, wanted: dict[str, str], *, add_labels: bool) -> tuple[set[str], list[str]]:
    """The label set after the suggester's labels are checked, and the labels added to it:
    unknown ones are refused (SuggestError naming them and where they come from) unless
    ``add_labels`` adds them.  ``wanted`` maps label -> where it comes from (``FILE:3``)."""
    known = {name for name, _ in store.labels()}
    if not add_labels:
        refuse_unknown_labels(known, wanted)
    unknown = sorted(set(wanted) - known)
    if unknown:
        store.add_labels(unknown)
        known.update(unknown)
    return known, unknown

