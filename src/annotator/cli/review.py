"""``annotator review [PATH...]``: settle the finished annotators' spans into a gold set.

The reader's options (--db, --labels, the project file, --bidi ...) plus ``--gold NAME``, the
annotator the decisions are stored under.  Nothing to review is one line and exit status 2.
"""

from __future__ import annotations

import argparse
import os

from annotator.cli.bidi_mode import choose_bidi
from annotator.cli.corpus_paths import expand_paths, show
from annotator.text.layout import LayoutOptions
from annotator.text.loading import LoadError, load_text

from .config import ConfigError
from .reader import _fail, _project_file, apply_config, build_parser, run_app


def run(argv: list[str]) -> int:
    args = build_parser(review=True).parse_args(argv)
    args.annotator = args.gold  # the project file's annotator is not the reviewer's name
    try:
        apply_config(args, _project_file(args.config))
    except ConfigError as error:
        _fail(str(error))
    from annotator.store import Store, StoreError

    try:
        if not Store.check_path(args.db):  # nothing to review: do not create a database
            _fail(f"{show(args.db)}: no database here, so nothing to review; give --db the "
                  "database the annotators labelled in")
        store = Store(args.db, annotator=args.gold)
    except StoreError as error:
        _fail(str(error))
    try:
        documents = _reviewable(store, args)
        first = _first_to_review(store, documents)
        record, text = store.document(first), store.text(first)
    except StoreError as error:
        store.close()
        _fail(str(error))
    bidi, bidi_note = choose_bidi(args.bidi, os.environ)
    options = LayoutOptions(direction=args.direction, bidi=bidi, show_harakat=not args.no_harakat)
    from annotator.tui.review import ReviewApp

    try:
        app = ReviewApp(text, record.source, store, options, opened=(record, None),
                        documents=documents, labels=args.labels, label_colors=args.label_colors,
                        label_descriptions=args.label_descriptions,
                        allow_overlap=args.allow_overlap, bidi_note=bidi_note)
    except StoreError as error:  # a bad label set
        store.close()
        _fail(str(error))
    run_app(app, bidi, store)
    return 0


def _reviewable(store, args: argparse.Namespace) -> dict[str, list[str]]:
    """The documents two or more annotators (not gold) marked done, with who did, in queue
    order; only those of PATH... if given.  Exits 2 saying why if there are none."""
    done = {doc: [name for name in names if name != args.gold]
            for doc, names in store.done_by().items()}
    where = ""
    if args.paths:
        wanted = _documents_of(args)
        done = {doc: names for doc, names in done.items() if doc in wanted}
        where = " of the given files"
    documents = {doc: names for doc, names in done.items() if len(names) >= 2}
    if not documents:
        by_one = sum(len(names) == 1 for names in done.values())
        if by_one:
            _fail(f"no document{where} is done by two annotators yet: {by_one} "
                  f"{'is' if by_one == 1 else 'are'} done by one (run `annotator stats`)")
        _fail(f"no document{where} is done by any annotator yet: annotators mark a document "
              "done with D, then it can be reviewed")
    return documents


def _documents_of(args: argparse.Namespace) -> set[str]:
    """The document ids of the texts of PATH... (read, never stored)."""
    from annotator.store import text_id

    expansion = expand_paths(args.paths, args.pattern)
    if not expansion.files:
        _fail(*expansion.problems)
    ids = set()
    for path in expansion.files:
        try:
            ids.add(text_id(load_text(path, args.encoding)))
        except LoadError as error:
            _fail(str(error))
    return ids


def _first_to_review(store, documents: dict[str, list[str]]) -> str:
    """The first document gold has neither done nor skipped, else the first."""
    for doc in documents:
        if store.document(doc).status not in ("done", "skipped"):
            return doc
    return next(iter(documents))
