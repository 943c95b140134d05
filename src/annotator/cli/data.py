"""``annotator export | import | stats | suggest | spacy-config``: the data commands.

``cli.main`` hands ``argv`` here when its first word is one of these names.
Bad input gets ONE line on stderr (what, where, what to do) and exit status 2,
never a traceback; the summary of a run goes to stderr too, so stdout carries
only data (``export`` without ``--out``, ``stats``, ``spacy-config``).  No Textual; Rich only
for ``suggest``'s progress bar on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys

from annotator.text.glyphs import neutralised

from .parsing import OneLineParser

__all__ = ["run", "build_parser"]

DEFAULT_DB = "annotations.db"


def build_parser() -> argparse.ArgumentParser:
    from annotator.pipeline.export import DOC_STATUSES, FORMATS

    parser = OneLineParser(prog="annotator", description="Export, import and count annotations.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    def db_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--db", default=DEFAULT_DB, metavar="PATH",
            help=f"the annotation database (default: ./{DEFAULT_DB})",
        )

    ex = commands.add_parser(
        "export", help="write the spans for NLP tools",
        description="Write one record per (document, annotator) that has spans.",
    )
    db_option(ex)
    ex.add_argument("--format", choices=FORMATS, default="jsonl",
                    help="jsonl (Prodigy-style, default), doccano, conll (BIO), spacy (.spacy DocBin)")
    ex.add_argument("--out", metavar="FILE",
                    help="write here instead of stdout: a file (or a symlink's target) is replaced "
                         "atomically; a FIFO, a device or - is written into")
    ex.add_argument("--annotator", action="append", default=[], metavar="NAME",
                    help="only this annotator's spans (repeatable)")
    ex.add_argument("--label", action="append", default=[], metavar="L",
                    help="only spans with this label (repeatable)")
    ex.add_argument("--status", action="append", default=[], choices=DOC_STATUSES,
                    help="only documents with this status (repeatable)")
    ex.add_argument("--include-suggestions", action="store_true",
                    help="also export suggested spans (default: accepted only)")
    ex.add_argument("--split-tokens", action=argparse.BooleanOptionalAction, default=None,
                    help="cut a token where a span edge falls inside it (e.g. a proclitic left "
                         "out), so every span is whole tokens (default: on for conll and spacy)")
    ex.add_argument("--split", type=float, metavar="FRACTION",
                    help="spacy only: write --out DIR/train.spacy with this share of the "
                    "documents (e.g. 0.8) and DIR/dev.spacy with the rest")
    ex.add_argument("--seed", type=int, default=0, metavar="N",
                    help="the shuffle behind --split (default 0): same seed, same split")

    im = commands.add_parser(
        "import", help="read spans from JSONL/doccano/CoNLL files",
        description="Add the documents and spans of a JSONL (Prodigy/annotator), doccano or "
        "CoNLL (BIO) file.",
    )
    db_option(im)
    im.add_argument("file", metavar="FILE",
                    help="the file to read: one JSON object per line, or CoNLL (token ... tag per line)")
    im.add_argument("--format", choices=("auto", "jsonl", "doccano", "conll"), default="auto",
                    help="auto (by the file's first lines, then per JSON line by its keys; "
                    "default), jsonl, doccano or conll")
    im.add_argument("--annotator", metavar="NAME",
                    help="annotator for lines whose meta names none (default: import)")
    im.add_argument("--add-labels", action="store_true",
                    help="add unknown labels to the label set instead of skipping the line")
    im.add_argument("--status", choices=("suggested", "accepted"), default="suggested",
                    help="status of the imported spans (default: suggested)")

    st = commands.add_parser(
        "stats", help="count documents and spans",
        description="Documents by status; spans by label, annotator and status.",
    )
    db_option(st)
    st.add_argument("--json", action="store_true", help="print JSON instead of a table")

    su = commands.add_parser(
        "suggest", help="pre-annotate with patterns or a spaCy pipeline",
        description="Add suggested spans from an EntityRuler patterns file or a spaCy pipeline "
        "to the stored documents (or the given files); accept or reject them in the app.",
    )
    db_option(su)
    source = su.add_mutually_exclusive_group(required=True)
    source.add_argument("--patterns", metavar="FILE",
                        help="JSONL patterns: {\"label\": ..., \"pattern\": \"phrase\" or [token dicts]}")
    source.add_argument("--model", metavar="NAME_OR_PATH",
                        help="an installed or saved spaCy pipeline (its doc.ents)")
    su.add_argument("files", nargs="*", metavar="PATH",
                    help="only these files, folders (their *.txt files, recursively) or globs, as the "
                    "reader takes them: stored first if new or changed, and queued for the app (one "
                    "file alone is stored, not queued); default: every stored document")
    su.add_argument("--status", action="append", default=[], choices=DOC_STATUSES,
                    help="only stored documents with this status (repeatable)")
    su.add_argument("--annotator", metavar="NAME",
                    help="the source name on the suggestions (default: patterns, or the model's name)")
    su.add_argument("--replace", action="store_true",
                    help="withdraw this source's earlier suggestions that nobody has decided "
                         "and this run does not make again (after retraining a model)")
    su.add_argument("--proclitics", action="store_true",
                    help="with --patterns: a phrase starting with ال also matches after و ف ب ك "
                    "written onto it (والأمم المتحدة); the suggestion starts after them")
    su.add_argument("--spans-key", metavar="KEY", help="with --model: read doc.spans[KEY] instead of doc.ents")
    su.add_argument("--add-labels", action="store_true",
                    help="add unknown labels to the label set instead of refusing them")

    sc = commands.add_parser(
        "spacy-config", help="write a spaCy training config (Arabic, NER)",
        description="Write a `spacy train` config for a blank Arabic pipeline with NER, reading "
        "corpus/train.spacy and corpus/dev.spacy (see export --split).",
    )
    sc.add_argument("--out", metavar="FILE",
                    help="write here instead of stdout (the same rules as export --out)")
    parser.subcommands = {"export": ex, "import": im, "stats": st, "suggest": su, "spacy-config": sc}
    return parser


def _say(command: str, message: str) -> None:
    # Messages quote labels, names, file names and text from the data: made safe here, where
    # they reach the terminal, so no message can carry an escape sequence or a line break.
    print(f"annotator {command}: {neutralised(message)}", file=sys.stderr, flush=True)


def undecodable_name(args: argparse.Namespace) -> str | None:
    """The complaint about an --annotator or --label that is not UTF-8, if one is.

    Such bytes reach Python as lone surrogates (surrogateescape), which no stored name holds
    and SQLite cannot even be asked about.
    """
    for option in ("annotator", "label"):
        values = getattr(args, option, None)
        for value in [values] if isinstance(values, str) else values or ():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return (f"--{option} «{neutralised(value)}» is not UTF-8 text; type the name "
                        "in a UTF-8 terminal (see annotator stats for the stored names)")
    return None


def run(argv: list[str]) -> int:
    """Run one data command; returns the exit status (0 ok, 2 bad input)."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # reported by the subcommand, so the line names it and its --help
            parser.subcommands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as stop:  # --help (0) or a usage error (2), already printed
        return int(stop.code or 0)
    if (problem := undecodable_name(args)) is not None:
        _say(args.command, problem)
        return 2
    try:
        if args.command == "export":
            return _export(args)
        if args.command == "import":
            return _import(args)
        if args.command == "suggest":
            from annotator.cli.suggesting import suggest_command

            return suggest_command(args, lambda m: _say("suggest", m))
        if args.command == "spacy-config":
            from annotator.cli.suggesting import spacy_config_command

            return spacy_config_command(args, lambda m: _say("spacy-config", m))
        return _stats(args)
    except KeyboardInterrupt:
        _say(args.command, "interrupted; nothing more was written")
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (e.g. `| head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _export(args: argparse.Namespace) -> int:
    from annotator.pipeline.export import ExportError, ExportOptions, export

    options = ExportOptions(
        format=args.format,
        annotators=tuple(args.annotator),
        labels=tuple(args.label),
        doc_statuses=tuple(args.status),
        include_suggestions=args.include_suggestions,
        split_tokens=args.split_tokens,
        split=args.split,
        seed=args.seed,
    )
    try:
        summary = export(args.db, args.out, options, warn=lambda m: _say("export", f"warning: {m}"))
    except ExportError as error:
        _say("export", str(error))
        return 2
    if args.split is not None:
        where = f"{args.out}/train.spacy and dev.spacy"
    else:
        where = "stdout" if args.out in (None, "-") else args.out
    _say("export", summary.line(where))
    return 0


def _import(args: argparse.Namespace) -> int:
    from annotator.cli.config import ConfigError, project_label_set
    from annotator.pipeline.importing import ImportFileError, import_file

    try:
        labels = project_label_set()  # as the app takes them on opening
        summary = import_file(
            args.file,
            args.db,
            fmt=args.format,
            annotator=args.annotator,
            add_labels=args.add_labels,
            status=args.status,
            report=lambda m: _say("import", m),
            labels=labels,
        )
    except (ImportFileError, ConfigError) as error:
        _say("import", str(error))
        return 2
    _say("import", summary.line())
    return 2 if summary.skipped else 0  # bad lines are bad input, even when the rest went in


def _stats(args: argparse.Namespace) -> int:
    from annotator.pipeline.export import ExportError
    from annotator.pipeline.stats import collect, render_json, render_table

    try:
        stats = collect(args.db)
    except ExportError as error:
        _say("stats", str(error))
        return 2
    sys.stdout.write(render_json(stats) if args.json else render_table(stats))
    sys.stdout.flush()
    return 0
