"""Command line: ``annotator FILE`` opens the reader."""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import NoReturn

from annotator.text.layout import LayoutOptions
from annotator.text.loading import LoadError, load_text

# ECMA-48 BDSM: explicit mode tells bidi-capable terminals (VTE >= 0.58, mintty) not to
# reorder what we send, since we send visual order; implicit mode is their default.
BIDI_EXPLICIT = "\x1b[8l"
BIDI_IMPLICIT = "\x1b[8h"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, not argparse's usage block: what is wrong and where to look."""
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="annotator",
        description="Read (and later label) Arabic and other right-to-left text in a terminal.",
    )
    parser.add_argument("file", help="the text file to open (UTF-8, UTF-16 with BOM, or --encoding)")
    parser.add_argument("--encoding", help="decode the file with this codec, e.g. cp1256")
    parser.add_argument(
        "--direction", choices=("auto", "rtl", "ltr"), default="auto",
        help="paragraph direction: auto (first strong letter, the default), rtl or ltr",
    )
    parser.add_argument(
        "--bidi", choices=("app", "terminal"), default="app",
        help="app: annotator shapes and reorders (most terminals); terminal: send logical, "
        "unshaped text, for terminals that run bidi themselves (Konsole, mlterm, ...)",
    )
    parser.add_argument("--no-harakat", action="store_true", help="start with harakat hidden (key h)")
    parser.add_argument("--db", default="annotations.db",
                        help="the SQLite database of documents and spans (default ./annotations.db)")
    parser.add_argument("--labels", type=_labels,
                        help="the label set, keys 1-9 in this order (default PER,LOC,ORG,MISC "
                        "or the set last given for this database), e.g. PER,LOC,ORG")
    parser.add_argument("--allow-overlap", action="store_true",
                        help="allow overlapping and nested spans (span categorisation); by "
                        "default a span that overlaps another is refused (NER)")
    parser.add_argument("--annotator", help="your name on the spans you make (default: your login)")
    return parser


def _labels(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",")]
    if not all(names) or len(set(names)) != len(names) or len(names) > 9:
        raise argparse.ArgumentTypeError(
            f"--labels {value!r}: give 1 to 9 distinct, non-empty names separated by commas")
    return names


SUBCOMMANDS = ("export", "import", "stats", "suggest", "spacy-config")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SUBCOMMANDS:
        from annotator.cli.data import run

        raise SystemExit(run(argv))
    args = build_parser().parse_args(argv)
    try:
        text = load_text(args.file, args.encoding)
    except LoadError as error:
        print(f"annotator: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    options = LayoutOptions(
        direction=args.direction, bidi=args.bidi, show_harakat=not args.no_harakat
    )
    from annotator.store import Store, StoreError  # before Textual: a bad database fails fast

    try:
        store = Store(args.db, annotator=args.annotator)
        with ThreadPoolExecutor(max_workers=1) as pool:
            # Hashing and storing a large text (~130 ms for 10 MB, the first time) runs while
            # Textual is imported (~270 ms): neither waits for the other.
            opening = pool.submit(store.open_document, text, os.path.abspath(args.file))
            from annotator.tui.app import AnnotatorApp

            opened = opening.result()
        app = AnnotatorApp(text, args.file, store, options, labels=args.labels,
                           allow_overlap=args.allow_overlap, opened=opened)
    except StoreError as error:  # an unusable database, a bad label or annotator name
        print(f"annotator: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    explicit = args.bidi == "app" and sys.stdout.isatty()
    if explicit:
        _write_terminal(BIDI_EXPLICIT)
    try:
        app.run()
    finally:
        if explicit:
            _write_terminal(BIDI_IMPLICIT)
        store.close()


def _write_terminal(sequence: str) -> None:
    sys.stdout.write(sequence)
    sys.stdout.flush()
