"""The project file, ``annotator.toml``: labels, files, direction, overlap, annotator, search.

:func:`load_config` reads and checks it; every problem is a :class:`ConfigError` whose str()
is ONE line, ``FILE:LINE: what is wrong; what to do`` -- tomllib knows the line of a syntax
error, :class:`~annotator.cli.key_lines.KeyLines` finds the line of a key for the checks made
after parsing.  Nothing here opens the database: a bad file stops the program before anything
stored can change.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.text.folding import FoldOptions
from annotator.text.glyphs import neutralised  # the one escaper for outside strings

from .key_lines import KeyLines

__all__ = ["CONFIG_NAME", "ConfigError", "LabelConfig", "ProjectConfig", "example_text",
           "find_config", "load_config", "project_config", "project_label_set"]

CONFIG_NAME = "annotator.toml"
MAX_LABELS = 9  # the label keys are 1-9

_TOP_KEYS = ("files", "direction", "overlap", "annotator", "labels", "search")
_LABEL_KEYS = ("name", "key", "color", "description")
_SEARCH_KEYS = ("fold_alef", "fold_ya", "fold_ta_marbuta")
DIRECTIONS = ("auto", "rtl", "ltr")
OVERLAPS = ("refuse", "allow")
# Characters a one-line value must not hold: controls (newlines too), bidi and other format
# characters, separators -- the same set the loaders escape in messages.
_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# tomllib's words for a key given twice, said plainly.
_PLAIN_TOML = {"Cannot overwrite a value": "a key is given twice in one table"}
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


class ConfigError(Exception):
    """str() is one line: the file, the line, the problem and what to do."""


@dataclass(frozen=True, slots=True)
class LabelConfig:
    name: str
    key: int  # 1-9
    color: str | None  # "#rrggbb", or None to keep the stored colour
    description: str = ""


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """What a project file says; None (or empty) where it says nothing."""

    path: str
    labels: tuple[LabelConfig, ...] = ()  # in key order
    files: tuple[str, ...] = ()  # relative paths are relative to the project file's folder
    direction: str | None = None
    overlap: str | None = None
    annotator: str | None = None
    fold: FoldOptions = field(default_factory=FoldOptions)
    files_line: int = 1  # where ``files`` is, for problems found when the files are opened


def find_config(given: str | None) -> str | None:
    """The project file to read: ``--config``'s, else ./annotator.toml if there is one."""
    if given is not None:
        return given
    return CONFIG_NAME if os.path.lexists(CONFIG_NAME) else None


def load_config(path: str) -> ProjectConfig:
    """Read and check the project file at ``path``; ConfigError says what is wrong and where."""
    shown = neutralised(os.fsdecode(path))
    text = _read(path, shown)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(error, text, shown) from None
    except RecursionError:  # tomllib recurses once per bracket
        raise ConfigError(f"{shown}: a value is nested too deeply (hundreds of brackets); "
                          "no setting needs that, so check the file") from None
    except ValueError:  # int() refuses more than sys.get_int_max_str_digits() digits
        raise ConfigError(f"{shown}: a number has more than 4,300 digits; no setting is "
                          "that long, so check the file") from None
    return _Checker(path, shown, KeyLines(text)).project(data)


def example_text() -> str:
    """The commented example that ``annotator init`` writes."""
    return (Path(__file__).with_name("annotator.example.toml")).read_text(encoding="utf-8")


# -- reading --------------------------------------------------------------------------------


def _read(path: str, shown: str) -> str:
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            what = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            raise ConfigError(f"{shown}: is {what}; give the path of a project file (TOML)")
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise ConfigError(f"{shown}: no such file (or a broken link); check the path "
                          f"(annotator init writes an example)") from None
    except PermissionError:
        raise ConfigError(f"{shown}: permission denied; make the file readable") from None
    except OSError as error:
        raise ConfigError(f"{shown}: cannot read it ({neutralised(error.strerror or str(error))})"
                          ) from None
    except ValueError:  # a NUL in the path
        raise ConfigError(f"{shown}: not a usable file name (it contains a NUL character)") from None
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(f"{shown}:{line}: not UTF-8 (byte {error.start}); a TOML file must "
                          "be saved as UTF-8") from None


def _syntax_error(error: tomllib.TOMLDecodeError, text: str, shown: str) -> ConfigError:
    """tomllib (Python < 3.14) puts the position only in its message: move it to the front."""
    message = str(error)
    position = _TOML_POSITION.search(message)
    if position is None:
        line, where = 1, ""
    elif position[1] is None:  # at end of document
        line, where = text.count("\n") + 1, " at the end of the file"
    else:
        line, where = int(position[1]), f" (column {position[2]})"
    problem = message[: position.start()] if position else message
    problem = _PLAIN_TOML.get(problem, problem[:1].lower() + problem[1:])
    return ConfigError(f"{shown}:{line}: TOML syntax: {neutralised(problem)}{where}; "
                       "fix this line (see annotator init for an example)")


# -- checking -------------------------------------------------------------------------------


class _Checker:
    """Checks the parsed TOML; each refusal names the line of the key it is about."""

    def __init__(self, path: str, shown: str, lines: KeyLines) -> None:
        self.folder = os.path.dirname(path)
        self.shown = shown
        self.lines = lines

    def error(self, where: tuple, problem: str) -> ConfigError:
        return ConfigError(f"{self.shown}:{self.lines.line_of(where)}: {problem}")

    def project(self, data: dict[str, Any]) -> ProjectConfig:
        self.known_keys(data, _TOP_KEYS, (), "at the top level")
        return ProjectConfig(
            path=self.shown,
            labels=self.labels(data.get("labels", [])),
            files=self.files(data.get("files", [])),
            direction=self.choice(data, "direction", DIRECTIONS),
            overlap=self.choice(data, "overlap", OVERLAPS),
            annotator=self.one_line(data, ("annotator",), "the annotator name", required=False),
            fold=self.search(data.get("search", {})),
            files_line=self.lines.line_of(("files",)),
        )

    def known_keys(self, table: Mapping, known: tuple[str, ...], where: tuple, place: str) -> None:
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"the keys are {', '.join(known)}"
                raise self.error((*where, key),
                                 f"unknown key {neutralised(repr(key))} {place}; {hint}")

    def choice(self, data: Mapping, key: str, choices: tuple[str, ...]) -> str | None:
        value = data.get(key)
        if value is not None and value not in choices:
            raise self.error((key,), f"{key} is {neutralised(repr(value))}; it must be one of "
                             f"{', '.join(repr(c) for c in choices)}")
        return value

    def one_line(self, table: Mapping, where: tuple, what: str, required: bool,
                 blank_ok: bool = False) -> str | None:
        """A string of one plain line (no controls, no bidi overrides): it reaches the screen."""
        value = table.get(where[-1])
        if value is None and not required:
            return None
        if not isinstance(value, str) or (not blank_ok and not value.strip()):
            found = "missing" if value is None else f"{neutralised(repr(value))}"
            raise self.error(where, f"{what} must be a non-empty string, not {found}")
        if any(unicodedata.category(c) in _UNSAFE for c in value):
            raise self.error(where, f"{what} {neutralised(repr(value))} holds a line break or "
                             "another control character; keep it to one plain line")
        return value

    def files(self, files: object) -> tuple[str, ...]:
        if isinstance(files, str):
            files = [files]
        if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
            raise self.error(("files",), 'files must be a list of paths, folders or globs, '
                             'e.g. files = ["articles/"]')
        return tuple(self.relative(f) for f in files)

    def relative(self, name: str) -> str:
        """A path in the file is relative to the file's folder, not to where annotator runs."""
        name = os.path.expanduser(name)
        return name if os.path.isabs(name) else os.path.join(self.folder, name)

    def search(self, search: object) -> FoldOptions:
        if not isinstance(search, dict):
            raise self.error(("search",), "search must be a table: [search]")
        self.known_keys(search, _SEARCH_KEYS, ("search",), "in [search]")
        for key, value in search.items():
            if not isinstance(value, bool):
                raise self.error(("search", key), f"{key} must be true or false, not "
                                 f"{neutralised(repr(value))}")
        defaults = FoldOptions()
        return FoldOptions(
            alef=search.get("fold_alef", defaults.alef),
            ya=search.get("fold_ya", defaults.ya),
            ta_marbuta=search.get("fold_ta_marbuta", defaults.ta_marbuta),
        )

    # -- labels -----------------------------------------------------------------------------

    def labels(self, labels: object) -> tuple[LabelConfig, ...]:
        if not isinstance(labels, list) or not all(isinstance(t, dict) for t in labels):
            raise self.error(("labels",), "labels must be [[labels]] tables, each with a name")
        if len(labels) > MAX_LABELS:
            raise self.error(("labels", MAX_LABELS), f"{len(labels)} labels, but the keys are "
                             f"1-{MAX_LABELS}; give at most {MAX_LABELS}")
        checked = [self.label(i, table) for i, table in enumerate(labels)]
        self.unique([(i, label.name) for i, label in enumerate(checked)], "name", "label")
        keys = self.keys(checked)
        return tuple(sorted((_with_key(label, key) for label, key in zip(checked, keys)),
                            key=lambda label: label.key))

    def label(self, index: int, table: dict) -> LabelConfig:
        where = ("labels", index)
        self.known_keys(table, _LABEL_KEYS, where, "in [[labels]]")
        name = self.one_line(table, (*where, "name"), "a label's name", required=True)
        key = table.get("key")
        if key is not None and (not isinstance(key, int) or isinstance(key, bool)
                                or not 1 <= key <= MAX_LABELS):
            raise self.error((*where, "key"), f"key must be a whole number 1-9, not "
                             f"{neutralised(repr(key))}")
        return LabelConfig(
            name=name,
            key=key or 0,  # 0: take the first free key (see keys)
            color=self.color(table, (*where, "color")),
            description=self.one_line(table, (*where, "description"), "a description",
                                      required=False, blank_ok=True) or "",
        )

    def color(self, table: dict, where: tuple) -> str | None:
        value = table.get("color")
        if value is None:
            return None
        # Imported here: the textual package costs ~70 ms, which main() otherwise overlaps
        # with storing the document.
        from textual.color import Color, ColorParseError

        try:
            if not isinstance(value, str):
                raise ColorParseError("not a string")
            color = Color.parse(value)
        except ColorParseError:
            raise self.error(where, f"color {neutralised(repr(value))} is not a colour; give "
                             'e.g. "#5b8ff9", "rgb(91,143,249)" or "steelblue"') from None
        if color.a < 1:
            raise self.error(where, f"color {neutralised(repr(value))} is transparent; labels "
                             "need an opaque colour")
        return color.hex6.lower()

    def unique(self, values: list[tuple[int, object]], key: str, what: str) -> None:
        """Refuse the second of two labels with the same ``key`` (values: (index, value))."""
        first: dict[object, int] = {}
        for index, value in values:
            if value in first:
                line = self.lines.line_of(("labels", first[value], key))
                raise self.error(("labels", index, key), f"the {what} {neutralised(repr(value))} "
                                 f"is given twice (also on line {line}); give each {what} once")
            first[value] = index

    def keys(self, labels: list[LabelConfig]) -> list[int]:
        """Labels without a key take the free keys in file order; the keys must run 1 to N."""
        self.unique([(i, label.key) for i, label in enumerate(labels) if label.key], "key", "key")
        taken = {label.key for label in labels}
        free = iter(k for k in range(1, MAX_LABELS + 1) if k not in taken)
        keys = [label.key or next(free) for label in labels]
        unused = sorted(set(range(1, len(labels) + 1)) - set(keys))
        if unused:
            top = max(keys)
            n = len(labels)
            raise self.error(("labels", keys.index(top), "key"),
                             f"key {top} leaves key {unused[0]} unused; "
                             + ("the one label takes key 1" if n == 1 else
                                f"the {n} labels take the keys 1-{n}"))
        return keys


def _with_key(label: LabelConfig, key: int) -> LabelConfig:
    return LabelConfig(label.name, key, label.color, label.description)


def project_config() -> ProjectConfig:
    """./annotator.toml's settings, or the defaults where there is none; ConfigError if the
    file is bad.  For the data commands, which take no --config."""
    path = find_config(None)
    return load_config(path) if path is not None else ProjectConfig(path="")


def project_label_set(config: ProjectConfig | None = None) -> tuple[list[str], dict[str, str]] | None:
    """The label set (names, colours) of ``config`` (default: ./annotator.toml's), if it has
    one: suggest and import are often run before the app first opens the database, and must
    not refuse the project's labels.  ConfigError if the file is bad."""
    labels = (config or project_config()).labels
    if not labels:
        return None
    return [label.name for label in labels], {label.name: label.color for label in labels if label.color}
