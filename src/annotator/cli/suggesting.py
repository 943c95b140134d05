"""``annotator suggest`` and ``annotator spacy-config``: the pre-annotation loop's commands.

The work is in :mod:`annotator.pipeline.suggest`; this module parses nothing (cli/data.py
does), draws the progress bar (Rich, on stderr, only on a terminal) and turns errors into one
line and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from annotator.text.glyphs import neutralised

__all__ = ["suggest_command", "spacy_config_command"]

Say = Callable[[str], None]


def suggest_command(args: argparse.Namespace, say: Say) -> int:
    from annotator.pipeline.suggest import SuggestError, refuse_unknown_labels
    from annotator.store import DEFAULT_LABELS, Store, StoreError

    if args.spans_key and not args.model:
        say("--spans-key reads a model's doc.spans; use it with --model")
        return 2
    if args.proclitics and not args.patterns:
        say("--proclitics changes how phrase patterns match; use it with --patterns")
        return 2
    if args.files and args.status:
        say("give files or --status, not both (--status picks among the stored documents)")
        return 2
    if not args.files and not os.path.lexists(args.db):  # the wrong folder: leave no empty database
        say(f"no documents to read: {neutralised(args.db)} does not exist; give files or folders, or --db PATH")
        return 2
    from annotator.cli.config import ConfigError, project_config, project_label_set

    try:
        config = project_config()  # read once: its labels and its search folding
        project_labels = project_label_set(config)
        suggester, wanted, bad_lines = _suggester(args, say, config.fold)
        if not args.add_labels and not os.path.lexists(args.db):  # refused: create no database
            refuse_unknown_labels(set(project_labels[0] if project_labels else DEFAULT_LABELS), wanted)
        with Store(args.db, annotator=suggester.annotator) as store:
            if project_labels:  # as the app sets them when it opens: the project's label set
                store.set_labels(*project_labels)
            return _run(args, store, suggester, wanted, bad_lines, say)
    except (SuggestError, StoreError, ConfigError) as error:
        say(str(error))
        return 2


def _suggester(args: argparse.Namespace, say: Say, fold_options):
    """The Suggester, the labels it may produce (label -> where from), and the bad lines;
    phrases fold as the project's search does (``fold_options``)."""
    from annotator.pipeline import suggest as s

    if args.patterns:
        patterns = s.load_patterns(args.patterns, say)
        where = {label: f"{args.patterns}:{line}" for label, line in patterns.labels.items()}
        suggester = s.pattern_suggester(patterns.patterns, args.annotator or s.DEFAULT_PATTERNS_ANNOTATOR,
                                        proclitics=args.proclitics, fold_options=fold_options)
        return suggester, where, patterns.bad
    nlp = s.load_model(args.model, args.spans_key)
    where = {label: f"model {args.model}" for label in s.model_labels(nlp)}
    return s.Suggester(nlp, args.annotator or s.model_annotator(args.model), args.spans_key), where, 0


def _run(args, store, suggester, wanted, bad_lines: int, say: Say) -> int:
    from annotator.pipeline.suggest import check_labels, suggest

    known, declared_added = check_labels(store, wanted, add_labels=args.add_labels)
    doc_ids, problems = _documents(args, store, say)
    if not doc_ids:
        if not problems:
            say(_nothing_to_read(args, store))
        return 2
    with _Progress(len(doc_ids)) as advance:
        summary = suggest(store, doc_ids, suggester, known_labels=known, progress=advance,
                          replace=args.replace, add_labels=args.add_labels)
    # The declared labels --add-labels added before the run are said with those met in it.
    summary.labels_added[:0] = declared_added
    say(summary.line(suggester.annotator))
    if summary.interrupted:
        return 130
    # Bad pattern lines and unreadable files are bad input, even when the rest ran.
    return 2 if bad_lines or problems else 0


def _nothing_to_read(args, store) -> str:
    """Why there is no document to read: an empty database, or no document with --status."""
    stored = len(store.document_ids())
    if not stored:
        return f"no documents to read in {neutralised(args.db)}; open or import some first, or give files"
    statuses = " or ".join(status.replace("_", " ") for status in dict.fromkeys(args.status))
    return (f"none of the {stored} stored document{'s' * (stored != 1)} is {statuses}; "
            "see their statuses with: annotator stats")


def _documents(args, store, say: Say) -> tuple[list[str], list[str]]:
    """The documents to read, and the problems with PATH... (each said as it is found):
    PATH... as the reader takes them (files, folders, globs; they join the project queue,
    except one file, which the reader opens alone), else the stored documents."""
    from annotator.cli.corpus_paths import expand_paths, is_single_file
    from annotator.pipeline.suggest import file_documents, queued_documents

    if not args.files:
        return queued_documents(store, args.status), []
    if is_single_file(args.files):
        return file_documents(store, args.files, queue=False)
    expansion = expand_paths(args.files)
    for problem in expansion.problems:
        say(problem)
    if not expansion.files:
        return [], expansion.problems
    doc_ids, problems = file_documents(store, expansion.files, queue=True)
    for problem in problems:
        say(problem)
    return doc_ids, expansion.problems + problems


class _Progress:
    """A Rich progress bar on stderr (documents, documents/s, time left), or nothing when
    stderr is not a terminal."""

    def __init__(self, total: int, *, console=None, get_time: Callable[[], float] | None = None) -> None:
        from rich.console import Console
        from rich.constrain import Constrain
        from rich.table import Column
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn
        from rich.text import Text

        class Bar(Progress):
            def get_renderables(self):
                # Short of the terminal's width: the terminal echoes Ctrl+C as "^C" after the
                # bar, and on a full line that wraps, so the bar's last redraw (one line up)
                # left a copy of it above the summary on terminals narrower than ~80 columns.
                yield Constrain(self.make_tasks_table(self.tasks), width=console.width - len("^C"))

        class Rate(ProgressColumn):
            def render(self, task) -> Text:
                speed = _average_speed(task)
                return Text(f"{speed:,.0f} docs/s" if speed else "- docs/s", style="progress.data.speed")

        class TimeLeft(ProgressColumn):
            def render(self, task) -> Text:
                speed = _average_speed(task)
                if task.finished or not speed:
                    return Text("0:00:00" if task.finished else "-:--:--", style="progress.remaining")
                minutes, seconds = divmod(round((task.total - task.completed) / speed), 60)
                hours, minutes = divmod(minutes, 60)
                return Text(f"{hours}:{minutes:02d}:{seconds:02d}", style="progress.remaining")

        console = console or Console(stderr=True)
        self.bar = Bar(
            # On a narrow terminal the bar gives up its width; the figures are never wrapped.
            TextColumn("suggest"), BarColumn(),
            *(column(table_column=Column(no_wrap=True)) for column in (MofNCompleteColumn, Rate, TimeLeft)),
            console=console, disable=not console.is_terminal, get_time=get_time,
        )
        self.task = self.bar.add_task("suggest", total=total)

    def __enter__(self) -> Callable[[int], None]:
        self.bar.start()
        return lambda done: self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


def _average_speed(task) -> float | None:
    """Documents a second since the bar started.  Not Rich's own estimate: that one takes the
    rate between its samples, and a model's ``nlp.pipe`` hands over a batch of documents at
    once, so its first samples said ~15,000 docs/s (0:00:01 left) for a model doing 200, and
    it stayed too high by a batch for as long as its window held few batches."""
    elapsed = task.finished_time if task.finished_time is not None else task.elapsed
    return task.completed / elapsed if task.completed and elapsed else None


def spacy_config_command(args: argparse.Namespace, say: Say) -> int:
    from annotator.pipeline.suggest import SuggestError, training_config

    try:
        text = training_config()
    except SuggestError as error:
        say(str(error))
        return 2
    if args.out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    from annotator.pipeline.export import ExportError, write_output

    shown = neutralised(args.out)
    try:  # the export's --out rules: a symlink's target is replaced, "-" is stdout
        write_output(args.out, text.encode("utf-8"))
    except ExportError as error:
        say(str(error))
        return 2
    if args.out == "-":
        return 0
    say(f"wrote {shown}: train with  python -m spacy train {shown} --output training")
    return 0
