"""``annotator serve [PATH...]``: the app in web browsers (textual-serve), one process per tab,
all on the same database."""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys

from annotator.cli.data import DEFAULT_DB, _say
from annotator.cli.parsing import OneLineParser


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="annotator serve",
                     description="Serve the app to web browsers: each tab runs its own "
                     "annotator on the server, all on one database. There is no login.")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="what each tab opens, as for `annotator PATH...`")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--public", action="store_true",
                        help="allow an address other machines can reach (default 0.0.0.0 then); "
                        "anyone who reaches it can label: there is no login")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH",
                        help=f"the annotation database (default: ./{DEFAULT_DB})")
    parser.add_argument("--annotator", metavar="NAME",
                        help="label every tab under this one name (a one-person server); "
                        "by default each tab asks for the name its person labels under")
    return parser


def run(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    host = args.host
    if args.public and host == "127.0.0.1":
        host = "0.0.0.0"
    if not args.public and not _is_loopback(host):
        _say("serve", f"--host {shlex.quote(host)} can be reached from other machines and there "
             "is no login; add --public if that is what you want")
        return 2
    from annotator.store import Store, StoreError

    try:
        Store(args.db, annotator=args.annotator).close()  # a bad database fails here, once
    except StoreError as error:
        _say("serve", str(error))
        return 2
    command = [sys.executable, "-m", "annotator", *args.paths, "--db", os.path.abspath(args.db)]
    from annotator.web.server import AnnotatorServer

    try:
        AnnotatorServer(command, host=host, port=args.port, annotator=args.annotator).serve()
    except OSError as error:  # the port is taken, or the address is not this machine's
        _say("serve", f"cannot listen on {host}:{args.port} ({error.strerror}); "
             "choose another --port or --host")
        return 2
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
