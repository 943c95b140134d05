"""``annotator init [FILE]``: write the commented example project file."""

from __future__ import annotations

import os
import sys

from annotator.text.glyphs import neutralised

from .config import CONFIG_NAME, example_text
from .parsing import OneLineParser


def run(argv: list[str]) -> int:
    """Write the example to FILE (default ./annotator.toml); never replaces anything."""
    parser = OneLineParser(
        prog="annotator init",
        description="Write a commented example project file to edit (never replaces a file).")
    parser.add_argument("file", nargs="?", default=CONFIG_NAME,
                        help=f"where to write it (default ./{CONFIG_NAME})")
    args = parser.parse_args(argv)
    shown = neutralised(os.fsdecode(args.file))
    try:
        # O_EXCL: an existing file, folder, pipe or symbolic link (even a dangling one) is
        # refused by the kernel itself, with no window between a check and the write.
        fd = os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return _fail(f"{shown}: already exists; it was left as it is -- edit it, or give "
                     "another path: annotator init FILE")
    except OSError as error:
        return _fail(f"{shown}: cannot create it ({neutralised(error.strerror or str(error))}); "
                     "give another path")
    except ValueError:
        return _fail(f"{shown}: not a usable file name (it contains a NUL character)")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(example_text())
    print(f"annotator init: wrote {shown}; edit its labels and files, then run annotator")
    return 0


def _fail(message: str) -> int:
    print(f"annotator init: {message}", file=sys.stderr)
    return 2
