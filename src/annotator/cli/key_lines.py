"""Where a key sits in a TOML file: tomllib gives values but no positions.

A problem found after parsing (an unknown key, a duplicate label) must still name a line, so
this scans the text for table headers and ``key =`` lines and records the key path each one
defines: ``("labels", 1, "color")`` is the ``color`` key of the second ``[[labels]]`` table.
It only has to be right for files tomllib has already accepted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["KeyLines"]

Path = tuple[str | int, ...]

_PART = r"""[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'"""
_DOTTED = rf"(?:{_PART})(?:\s*\.\s*(?:{_PART}))*"
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(rf"\s*({_DOTTED})\s*=")


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p[1:-1] if p[0] in "\"'" else p for p in re.findall(_PART, dotted))


class KeyLines:
    """The 1-based line of each header and key in a TOML text."""

    def __init__(self, text: str) -> None:
        self.count = text.count("\n") + 1
        self._lines: dict[Path, int] = {}
        tables: Path = ()
        arrays: dict[tuple[str, ...], int] = {}  # [[name]] -> index of the last one
        in_string = False
        for number, line in enumerate(text.split("\n"), start=1):
            quotes = line.count('"""') + line.count("'''")
            if in_string:
                in_string = quotes % 2 == 0  # a line inside a multi-line string defines nothing
                continue
            if header := _HEADER.match(line):
                names = _parts(header[2])
                if header[1] == "[[":
                    arrays[names] = arrays.get(names, -1) + 1
                tables = self._table_path(names, arrays)
                self._lines.setdefault(tables, number)
            elif key := _KEY.match(line):
                self._lines.setdefault((*tables, *_parts(key[1])), number)
            in_string = quotes % 2 == 1

    @staticmethod
    def _table_path(names: tuple[str, ...], arrays: dict[tuple[str, ...], int]) -> Path:
        """``[labels.x]`` under ``[[labels]]`` belongs to the last labels table."""
        path: list[str | int] = []
        for depth, name in enumerate(names, start=1):
            path.append(name)
            if names[:depth] in arrays:
                path.append(arrays[names[:depth]])
        return tuple(path)

    def line_of(self, path: Sequence[str | int]) -> int:
        """The line defining ``path``, else its nearest enclosing key or table, else 1."""
        path = tuple(path)
        for end in range(len(path), 0, -1):
            if path[:end] in self._lines:
                return self._lines[path[:end]]
        return 1
