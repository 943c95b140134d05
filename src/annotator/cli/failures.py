"""The last line of defence of every command.

Each layer turns the failures it knows into its own message (a bad import line, a file that
is not a database).  What is left are failures any command can meet wherever it reads or
writes: input nested deeper than Python's parsers recurse (JSON, TOML), a number longer than
Python converts, a full or read-only disk.  Those are expected, not bugs: one line naming
the file where there is one, exit status 2, never a traceback.  Anything else is a bug and
keeps its traceback, so that it can be reported.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from typing import NoReturn

from annotator.text.glyphs import neutralised

__all__ = ["expected_failure", "guarded"]

_DISK_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and run it again",
    errno.EDQUOT: "the disk quota is used up; free some space and run it again",
    errno.EROFS: "the file system is read-only; give a path on a writable disk",
    errno.EACCES: "permission denied; check the file's and its folder's permissions",
    errno.EPERM: "permission denied; check the file's and its folder's permissions",
    errno.EIO: "the disk reported an input/output error; check the disk",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EMFILE: "too many files are open; raise the limit (ulimit -n) and run it again",
}


def expected_failure(error: BaseException) -> str | None:
    """One line for an expected failure, or None for a bug."""
    if isinstance(error, RecursionError):
        return ("the input is nested too deeply to read (a value inside hundreds of brackets); "
                "no file annotator reads needs that, so it is not one of them")
    if isinstance(error, ValueError) and "integer string conversion" in str(error):
        return ("the input holds a number of more than 4,300 digits; no offset or setting is "
                "that long, so check the file")
    if isinstance(error, OSError) and error.errno in _DISK_HINTS:
        where = f"{neutralised(os.fsdecode(error.filename))}: " if error.filename else ""
        return where + _DISK_HINTS[error.errno]
    return None


def guarded(command: Callable[[], None], prog: str = "annotator") -> None:
    """Run ``command`` (which ends by SystemExit); an expected failure is one line, exit 2."""
    try:
        command()
    except (RecursionError, ValueError, OSError) as error:
        line = expected_failure(error)
        if line is None:
            raise
        _fail(f"{prog}: {line}")


def _fail(line: str) -> NoReturn:
    try:
        print(line, file=sys.stderr)
    except OSError:
        pass  # stderr itself is on the failing disk or gone: the exit status still says it
    raise SystemExit(2)
