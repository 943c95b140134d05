"""Temporary files written beside an output and renamed over it when complete -- by export
(``.NAME.annotator-XXXXXXXX.tmp``) and merge (``.NAME.annotator-XXXXXXXX.merging``, with
SQLite's ``-wal``/``-shm``/``-journal``) -- and removing the ones a killed run left.

Their owner holds an exclusive ``flock`` on each for as long as it writes; the kernel
drops it when the process ends, however it ends (kill -9 included).  So a leftover is a
file of that name whose lock can be taken: its owner is dead.  A file of a live run is
never touched, whatever its age, and nothing but these names is ever removed.  Files of
older versions (``.NAME.XXXXXXXX.tmp``, no marker, no lock) count as left over once an
hour old: no export or merge runs that long without writing.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LockedTemp", "remove_leftovers"]

MARKER = "annotator-"
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
OLD_FORMAT_AGE_S = 3600
_MKSTEMP_RANDOM = "[a-z0-9_]{8}"  # tempfile's eight random characters


@dataclass
class LockedTemp:
    """A new temporary file beside an output, locked until :meth:`release`.  Its owner
    renames it over the output (before releasing, so it is never seen unlocked and
    unfinished) or removes it."""

    fd: int
    path: str
    _lock: int

    @classmethod
    def beside(cls, target: Path, suffix: str) -> LockedTemp:
        while True:
            fd, path = tempfile.mkstemp(prefix=f".{target.name}.{MARKER}", suffix=suffix,
                                        dir=target.parent)
            lock = os.open(path, os.O_RDONLY)  # its own description: fd may be closed first
            fcntl.flock(lock, fcntl.LOCK_EX)  # waits out a cleanup that looked just then...
            if _same_file(path, fd):
                return cls(fd, path, lock)
            os.close(lock)  # ...and removed it as unlocked: take another name
            os.close(fd)

    def release(self) -> None:
        os.close(self._lock)


def _same_file(path: str, fd: int) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def remove_leftovers(target: Path, suffix: str) -> list[str]:
    """Remove what killed runs writing ``target`` left beside it; the names removed."""
    ours = re.compile(re.escape(f".{target.name}.") + f"(?:{MARKER}(?P<new>)[a-z0-9_]+|{_MKSTEMP_RANDOM})"
                      + re.escape(suffix) + "$")
    removed = []
    try:
        names = sorted(os.listdir(target.parent))
    except OSError:
        return removed
    for name in names:
        match = ours.match(name)
        if match and _abandoned(target.parent / name, new=match.group("new") is not None):
            for companion in ("", *SQLITE_COMPANIONS):
                if _remove(target.parent / (name + companion)):
                    removed.append(name + companion)
    return removed


def _abandoned(path: Path, *, new: bool) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False  # gone (renamed by its owner), a link, or not ours to read
    try:
        if not new:
            return time.time() - os.fstat(fd).st_mtime > OLD_FORMAT_AGE_S
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its owner is alive and writing
        return True
    finally:
        os.close(fd)


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError:
        return False  # not ours to remove after all (permissions): leave it
    return True
