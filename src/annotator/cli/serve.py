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
from annotator.web.limits import default_max_sessions


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="annotator serve",
                     description="Serve the app to web browsers: each tab runs its own "
                     "annotator on the server, all on one database. The address it prints "
                     "holds a token, the one key; there is no login.")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="what each tab opens, as for `annotator PATH...`")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--public", action="store_true",
                        help="allow an address other machines can reach (default 0.0.0.0 then); "
                        "anyone who reaches it with the token can label: there is no login")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH",
                        help=f"the annotation database (default: ./{DEFAULT_DB})")
    parser.add_argument("--annotator", metavar="NAME",
                        help="label every tab under this one name (a one-person server); "
                        "by default each tab asks for the name its person labels under")
    parser.add_argument("--token", default=os.environ.get("ANNOTATOR_TOKEN"),
                        help="the key to the server, in the address it prints (default: "
                        "$ANNOTATOR_TOKEN, else a new random one at every start)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="another name the server may be reached under (a reverse "
                        "proxy's), besides its address and localhost; repeatable; * for any")
    parser.add_argument("--max-sessions", type=_positive(int), default=default_max_sessions(),
                        metavar="N", help="most tabs (app processes) at once (default "
                        f"{default_max_sessions()}, from this machine's memory and cores)")
    parser.add_argument("--max-per-name", type=_positive(int), default=3, metavar="N",
                        help="most tabs at once under one name (default 3)")
    parser.add_argument("--idle-timeout", type=_positive(float), default=1800.0,
                        metavar="SECONDS", help="end a tab's app after this long without a key, "
                        "a click or a resize (default 1800: 30 minutes)")
    parser.add_argument("--header-timeout", type=_positive(float), default=10.0,
                        metavar="SECONDS", help="close a connection that has not sent a whole "
                        "request this long after connecting (default 10)")
    return parser


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


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
    if args.token is not None and not _is_token(args.token):
        _say("serve", "--token must be at least 16 letters, digits, '-' or '_'")
        return 2
    command = [sys.executable, "-m", "annotator", *args.paths, "--db", os.path.abspath(args.db)]
    from annotator.web.guard import Guard, new_token
    from annotator.web.limits import SessionLimits
    from annotator.web.server import AnnotatorServer

    guard = Guard(bound=host, port=args.port, token=args.token or new_token(),
                  allowed=args.allow_host)
    limits = SessionLimits(max_sessions=args.max_sessions, max_per_name=args.max_per_name)
    try:
        AnnotatorServer(command, host=host, port=args.port, annotator=args.annotator,
                        guard=guard, limits=limits, idle_timeout=args.idle_timeout,
                        header_timeout=args.header_timeout).serve()
    except OSError as error:  # the port is taken, or the address is not this machine's
        _say("serve", f"cannot listen on {host}:{args.port} ({error.strerror}); "
             "choose another --port or --host")
        return 2
    return 0


def _is_token(token: str) -> bool:
    # It is put in a URL and a cookie as it is, and compared as a secret: long, and plain.
    return len(token) >= 16 and all(c.isascii() and (c.isalnum() or c in "-_") for c in token)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
