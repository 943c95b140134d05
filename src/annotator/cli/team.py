"""``annotator agreement | merge``: the commands for a team working on one corpus.

Like the data commands: one line and exit status 2 for bad input, summaries on stderr, data
(the agreement table or JSON) on stdout.
"""

from __future__ import annotations

import argparse
import sys

from annotator.cli.data import DEFAULT_DB, _say, undecodable_name
from annotator.cli.parsing import OneLineParser
from annotator.text.glyphs import neutralised as safe_text

COMMANDS = ("agreement", "merge")
#: ``merge``'s exit status when it merged but reported conflicts.
CONFLICTS = 1


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="annotator", description="Agreement and merging for a team.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    ag = commands.add_parser(
        "agreement", help="how well annotators agree",
        description="Exact and overlap span F1 and Cohen's kappa over tokens, for each pair of "
        "annotators, over the documents marked done that both have spans in.")
    ag.add_argument("--db", default=DEFAULT_DB, metavar="PATH",
                    help=f"the annotation database (default: ./{DEFAULT_DB})")
    ag.add_argument("--annotator", action="append", default=[], metavar="NAME",
                    help="compare only these annotators (repeat: --annotator A --annotator B)")
    ag.add_argument("--label", action="append", default=[], metavar="L",
                    help="only spans with this label (repeatable)")
    ag.add_argument("--all", action="store_true",
                    help="every document both have spans in, not only those marked done")
    ag.add_argument("--json", action="store_true", help="print JSON instead of a table")
    me = commands.add_parser(
        "merge", help="merge databases made offline into one",
        description="Union of documents (by text hash), spans (by document, annotator, "
        "offsets and label) and queues (by path); conflicts are reported, never resolved "
        "silently. Exit status: 0 merged, 1 merged with conflicts, 2 bad input.")
    me.add_argument("inputs", nargs="+", metavar="DB", help="databases to merge (opened read-only)")
    me.add_argument("-o", "--out", required=True, metavar="TEAM.db",
                    help="the merged database (created, or added to; written atomically)")
    parser.subcommands = {"agreement": ag, "merge": me}
    return parser


def run(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            parser.subcommands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as stop:
        return int(stop.code or 0)
    if (problem := undecodable_name(args)) is not None:
        _say(args.command, problem)
        return 2
    from annotator.store import StoreError

    try:
        return _agreement(args) if args.command == "agreement" else _merge(args)
    except StoreError as error:
        _say(args.command, str(error))
        return 2
    except KeyboardInterrupt:
        _say(args.command, "interrupted; nothing was changed")
        return 130


def _agreement(args: argparse.Namespace) -> int:
    from annotator.pipeline.agreement import agreement
    from annotator.pipeline.stats import render_json
    from annotator.store.snapshot import Snapshot

    if len(args.annotator) == 1:
        _say("agreement", "give two or more --annotator names, or none for every pair")
        return 2
    with Snapshot(args.db) as snapshot:
        if (problem := _unknown_name(snapshot, args)) is not None:
            _say("agreement", problem)
            return 2
        # A document two annotators marked done with no spans is one they agree on (every
        # token O), as export writes it as a negative example: it is counted too.
        records = snapshot.records(labels=tuple(args.label), done_without_spans=not args.all)
        pairs = agreement(records, args.annotator, args.label, include_unfinished=args.all,
                          done=snapshot.statuses())
    if args.json:
        # stats' JSON writer: json.dumps leaves C1 and bidi controls in names raw
        sys.stdout.write(render_json({"pairs": [pair.as_dict() for pair in pairs]}))
    else:
        sys.stdout.write(render_table(pairs))
    if not pairs:
        where = "with spans" if args.all else "marked done"
        _say("agreement", f"no document {where} by two annotators; nothing to compare "
             "(--all counts documents not marked done)")
    return 0


def _unknown_name(snapshot, args: argparse.Namespace) -> str | None:
    """A --annotator or --label the database has no trace of: a typo, which would otherwise
    read as "nothing marked done" (a false statement that hides it)."""
    counts = snapshot.counts()
    for option, given, known in (
            ("annotator", args.annotator,
             {name for name, _ in [*counts.spans_by_annotator, *counts.progress_by_annotator]}),
            ("label", args.label, {label for label, _ in counts.spans_by_label})):
        for name in given:
            if name not in known:
                what = (f"no annotator '{safe_text(name)}' in {safe_text(args.db)}"
                        if option == "annotator" else
                        f"no span in {safe_text(args.db)} has the label '{safe_text(name)}'")
                there = ", ".join(safe_text(k) for k in sorted(known)) or "none"
                return f"{what} (its {option}s: {there}); check the --{option}"
    return None


def render_table(pairs) -> str:
    lines = []
    for pair in pairs:
        lines.append(f"{safe_text(pair.a)} ~ {safe_text(pair.b)}: {pair.documents} "
                     f"document{'s' * (pair.documents != 1)}, "
                     f"{pair.exact.a} / {pair.exact.b} spans")
        kappa = "undefined" if pair.kappa is None else f"{pair.kappa:.3f}"
        lines.append(f"  Cohen's kappa over tokens: {kappa}")
        lines.append(f"  {'label':<12}{'exact P':>9}{'R':>7}{'F1':>7}{'overlap P':>12}{'R':>7}{'F1':>7}")
        rows = [("all", pair.exact, pair.overlap)]
        rows += [(label, s["exact"], s["overlap"]) for label, s in sorted(pair.labels.items())]
        for label, exact, overlap in rows:
            lines.append(f"  {safe_text(label):<12}{_ratio(exact.precision, 9)}"
                         f"{_ratio(exact.recall, 7)}{_ratio(exact.f1, 7)}"
                         f"{_ratio(overlap.precision, 12)}{_ratio(overlap.recall, 7)}"
                         f"{_ratio(overlap.f1, 7)}")
        lines.append("")
    return "\n".join(lines)


def _ratio(value: float | None, width: int) -> str:
    """A score right-aligned in its column; ``-`` for one that is undefined (0 / 0)."""
    return f"{'-' if value is None else f'{value:.3f}':>{width}}"


def _merge(args: argparse.Namespace) -> int:
    from annotator.store.merging import merge_databases

    summary = merge_databases(args.inputs, args.out, report=lambda m: _say("merge", m))
    _say("merge", summary.line(safe_text(args.out)))
    # merged either way; 1 tells a script a person has to look (as diff does), 2 is bad input
    return CONFLICTS if summary.conflicts else 0
