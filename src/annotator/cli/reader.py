"""Command line: ``annotator FILE`` opens the reader; ``annotator PATH...`` a corpus queue."""

from __future__ import annotations

import argparse
import codecs
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import NoReturn

from annotator.cli.bidi_mode import choose_bidi
from annotator.cli.corpus_paths import (
    DEFAULT_PATTERN,
    Expansion,
    covers,
    expand_paths,
    is_single_file,
    show,
)
from annotator.text.glyphs import neutralised
from annotator.text.layout import LayoutOptions
from annotator.text.loading import LoadError, load_text

from .config import ConfigError, ProjectConfig, find_config, load_config
from .failures import guarded
from .parsing import OneLineParser

# ECMA-48 BDSM: explicit mode tells bidi-capable terminals (VTE >= 0.58, mintty) not to
# reorder what we send, since we send visual order; implicit mode is their default.
BIDI_EXPLICIT = "\x1b[8l"
BIDI_IMPLICIT = "\x1b[8h"


def build_parser(*, review: bool = False) -> argparse.ArgumentParser:
    """The reader's options; with ``review`` those of ``annotator review`` (--gold, the name
    decisions are stored under, in place of --annotator)."""
    parser = OneLineParser(
        prog="annotator review" if review else "annotator",
        description=REVIEW_DESCRIPTION if review else
        "Read (and later label) Arabic and other right-to-left text in a terminal.",
        epilog="Options given here win over the project file (./annotator.toml or --config).\n"
        "annotator init writes a commented example of it.\n\n"
        # The other commands parse their own arguments; without this list a new user who
        # asks --help never learns they exist.
        "Other commands (each has --help):\n"
        "  annotator init          write an example annotator.toml\n"
        "  annotator export        write the spans for NLP tools (jsonl, doccano, conll, spacy)\n"
        "  annotator import FILE   read spans from JSONL/doccano files\n"
        "  annotator stats         count documents and spans\n"
        "  annotator suggest       pre-annotate with patterns or a spaCy pipeline\n"
        "  annotator spacy-config  write a spaCy training config (Arabic, NER)\n"
        "  annotator agreement     how well annotators agree\n"
        "  annotator merge         merge databases made offline into one\n"
        "  annotator review        settle the annotators' differences into a gold set\n"
        "  annotator serve         the same app in web browsers",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH",
        help="review only the documents of these files, folders (their --pattern files) and "
        "globs; none: every document two annotators marked done" if review else
        "a text file to open (UTF-8, UTF-16 with BOM, or --encoding); or several files, "
        "folders (their --pattern files, recursively) and globs, worked through as one queue; "
        "none: the project file's files, else resume the queue stored in --db",
    )
    parser.add_argument("--pattern", default=DEFAULT_PATTERN,
                        help=f"the files to take from a folder (default {DEFAULT_PATTERN})")
    parser.add_argument("--config", metavar="FILE",
                        help="the project file (default ./annotator.toml if there is one; "
                        "annotator init writes an example)")
    parser.add_argument("--encoding", help="decode the file with this codec, e.g. cp1256")
    parser.add_argument(
        "--direction", choices=("auto", "rtl", "ltr"),
        help="paragraph direction: auto (first strong letter, the default), rtl or ltr",
    )
    parser.add_argument(
        "--bidi", choices=("auto", "app", "terminal"), default="auto",
        help="auto (the default): terminal in mlterm and Konsole, else app; app: annotator "
        "shapes and reorders (most terminals); terminal: send logical, unshaped text, for "
        "terminals that run bidi themselves (Konsole, mlterm, PuTTY, Terminal.app)",
    )
    parser.add_argument("--no-harakat", action="store_true", help="start with harakat hidden (key h)")
    parser.add_argument("--db", default="annotations.db",
                        help="the SQLite database of documents and spans (default ./annotations.db)")
    parser.add_argument("--labels", type=_labels,
                        help="the label set, keys 1-9 in this order (default PER,LOC,ORG,MISC "
                        "or the set last given for this database), e.g. PER,LOC,ORG")
    parser.add_argument("--allow-overlap", action=argparse.BooleanOptionalAction,
                        help="allow overlapping and nested spans (span categorisation); by "
                        "default a span that overlaps another is refused (NER)")
    if review:
        parser.add_argument("--gold", default="gold", metavar="NAME",
                            help="the annotator the reviewed spans are stored under (default "
                            "gold); annotator export --annotator NAME writes them")
    else:
        parser.add_argument("--annotator",
                            help="your name on the spans you make (default: your login)")
    return parser


REVIEW_DESCRIPTION = (
    "Review the documents two or more annotators marked done: accept the spans they agree "
    "on, settle the rest, and store the result as the gold annotator's spans.")


def _labels(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",")]
    if not all(names) or len(set(names)) != len(names) or len(names) > 9:
        raise argparse.ArgumentTypeError(
            f"--labels {value!r}: give 1 to 9 distinct, non-empty names separated by commas")
    return names


SUBCOMMANDS = ("export", "import", "stats", "suggest", "spacy-config")
TEAM_COMMANDS = ("agreement", "merge")


def _project_file(given: str | None) -> ProjectConfig:
    """The checked project file, or an empty one when there is none (ConfigError if bad)."""
    path = find_config(given)
    return ProjectConfig(path="") if path is None else load_config(path)


def apply_config(args: argparse.Namespace, config: ProjectConfig) -> None:
    """Fill in what the command line left out (None) from the project file, then the built-in
    defaults: an option given on the command line always wins."""
    if args.labels is None and config.labels:
        args.labels = [label.name for label in config.labels]  # in key order
    args.label_colors = {label.name: label.color for label in config.labels if label.color}
    args.label_descriptions = {label.name: label.description for label in config.labels
                               if label.description}
    if args.direction is None:
        args.direction = config.direction or "auto"
    if args.allow_overlap is None:
        args.allow_overlap = config.overlap == "allow"
    if args.annotator is None:
        args.annotator = config.annotator
    args.fold_options = config.fold  # for search (no command-line options of its own yet)
    args.paths_from = None  # where the paths were named, when not on the command line
    if not args.paths and config.files:
        args.paths = list(config.files)
        args.paths_from = f"{config.path}:{config.files_line}"


def main(argv: list[str] | None = None) -> None:
    """Every command; an expected failure no layer named (cli/failures.py) is one line."""
    argv = sys.argv[1:] if argv is None else argv
    guarded(lambda: _run(argv))


def _run(argv: list[str]) -> None:
    if argv and argv[0] == "init":
        from annotator.cli.init_command import run

        raise SystemExit(run(argv[1:]))
    if argv and argv[0] in SUBCOMMANDS:
        from annotator.cli.data import run

        raise SystemExit(run(argv))
    if argv and argv[0] in TEAM_COMMANDS:
        from annotator.cli.team import run as run_team

        raise SystemExit(run_team(argv))
    if argv and argv[0] == "review":
        from annotator.cli.review import run as review

        raise SystemExit(review(argv[1:]))
    if argv and argv[0] == "serve":
        from annotator.cli.serve import run as serve

        raise SystemExit(serve(argv[1:]))
    args = build_parser().parse_args(argv)
    try:
        apply_config(args, _project_file(args.config))
    except ConfigError as error:
        _fail(str(error))
    single = is_single_file(args.paths)
    expansion = None
    if args.encoding and not single:
        try:  # checked once here, not refused again for each of 10,000 files
            codecs.lookup(args.encoding)
        except LookupError:
            _fail(f"--encoding {show(args.encoding)}: no such codec; give a Python codec name "
                  "such as cp1256 or utf-16")
    if single:
        try:
            text = load_text(args.paths[0], args.encoding)
        except LoadError as error:
            _fail(str(error))
    elif not os.path.exists(args.db):  # a new database: expand now, to leave none if in vain
        if not args.paths:
            _fail(f"no PATH given and no database {show(args.db)} to resume a queue from; "
                  "give the files or folders to label, or list them in annotator.toml "
                  "(annotator init writes one)")
        expansion = _expand(args)
    bidi, bidi_note = choose_bidi(args.bidi, os.environ)
    options = LayoutOptions(direction=args.direction, bidi=bidi, show_harakat=not args.no_harakat)
    from annotator.store import (  # before Textual: a bad database fails fast
        Store,
        StoreError,
    )

    try:
        store = Store(args.db, annotator=args.annotator)
        with ThreadPoolExecutor(max_workers=1) as pool:
            # Hashing and storing a large text (~130 ms for 10 MB, the first time), or queueing
            # a corpus, runs while Textual is imported (~270 ms): neither waits for the other.
            if single:
                opening = pool.submit(store.open_document, text, os.path.abspath(args.paths[0]))
            else:
                opening = pool.submit(_open_queue, store, args, expansion)
            from annotator.tui.app import AnnotatorApp

            opened = opening.result()
        labelling = dict(labels=args.labels, label_colors=args.label_colors,
                         label_descriptions=args.label_descriptions,
                         allow_overlap=args.allow_overlap, bidi_note=bidi_note)
        if single:
            app = AnnotatorApp(text, args.paths[0], store, options, opened=opened, **labelling)
        else:
            opened, expand_later = opened
            app = AnnotatorApp(
                opened.text, opened.record.source, store, options, opened=(opened.record, None),
                queue_position=opened.position, encoding=args.encoding,
                queue_problems=opened.problems, expand_later=expand_later, **labelling,
            )
    except StoreError as error:  # an unusable database, a bad label or annotator name
        _fail(str(error))
    run_app(app, bidi, store)


def run_app(app, bidi: str, store) -> None:
    """Run the app (bidi-capable terminals told not to reorder what the app reorders), then
    close the store."""
    explicit = bidi == "app" and sys.stdout.isatty()
    if explicit:
        _write_terminal(BIDI_EXPLICIT)
    try:
        app.run()
    finally:
        if explicit:
            _write_terminal(BIDI_IMPLICIT)
        store.close()
    if app.return_code:  # ended by a signal (tui/exit_signals.py): say so, as a shell would
        raise SystemExit(app.return_code)


def _expand(args: argparse.Namespace) -> Expansion:
    """The files of PATH...; exit 2 with one line per problem if there are none."""
    expansion = expand_paths(args.paths, args.pattern)
    if not expansion.files:
        where = f"{args.paths_from}: " if args.paths_from else ""
        _fail(*(where + problem for problem in expansion.problems))
    return expansion


def _open_queue(store, args: argparse.Namespace, expansion: Expansion | None):
    """Queue PATH... (or resume the stored queue) and open the document to show first.

    Returns the store's Opening and, when the document open last is among PATH... and is
    shown before walking them again (a 10,000-file folder takes ~100 ms), the function that
    expands them for the app's background worker; else None.
    """
    from annotator.store.queue import start_queue

    if expansion is None and args.paths:
        position = store.queue_position()
        last = store.queue_entry(position).path if position is not None else None
        if last is not None and covers(args.paths, last, args.pattern):
            def expand_later() -> tuple[list[str], list[str]]:
                later = expand_paths(args.paths, args.pattern)
                return later.files, later.problems

            return start_queue(store, None, args.encoding), expand_later
        expansion = _expand(args)
    opening = start_queue(store, expansion.files if expansion else None, args.encoding)
    if expansion is not None:
        opening.problems[:0] = expansion.problems
    return opening, None


def _fail(*lines: str) -> NoReturn:
    """Bad input: one line per problem on stderr, exit status 2, no traceback."""
    for line in lines:
        print(f"annotator: {neutralised(line)}", file=sys.stderr)
    raise SystemExit(2)


def _write_terminal(sequence: str) -> None:
    sys.stdout.write(sequence)
    sys.stdout.flush()
