"""The store's errors, and the checks every value passes before it is written: names, offsets,
choices, texts.  A failed check is a :class:`StoreError` whose str() is one line: what, where,
what to do."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from annotator.text.glyphs import neutralised


class StoreError(Exception):
    """str() is one line: what, where, what to do."""


class OverlapError(StoreError):
    """The span would overlap an existing accepted span."""


def check_offsets(start: object, end: object, length: int) -> None:
    if not (is_int(start) and is_int(end)):
        raise StoreError(f"span offsets must be integers, not {start!r} and {end!r}")
    if not 0 <= start < end <= length:
        raise StoreError(
            f"span [{start}:{end}] is not inside the text (offsets 0 to {length}, start before end)"
        )


def check_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise StoreError(f"the {what} must be a non-empty string, not {name!r}")
    # Names are printed by the CLI and drawn by the app: no controls (see ``neutralised``),
    # and no invisible format characters, so two names that look the same are the same.
    if neutralised(name) != name or any(unicodedata.category(c) == "Cf" for c in name):
        raise StoreError(
            f"the {what} «{neutralised(name)}» contains control or invisible characters; "
            "remove them"
        )
    return name


def check_choice(value: object, choices: tuple[str, ...], what: str) -> None:
    if value not in choices:
        raise StoreError(f"{what} must be one of {', '.join(choices)}, not {value!r}")


def check_label_names(names: object) -> list[str]:
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise StoreError(f"labels must be given as a list of names, not {names!r}")
    names = [check_name(name, "label") for name in names]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise StoreError(f"the label {name!r} is given twice; give each label once")
        seen.add(name)
    return names


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def text_id(text: object) -> str:
    """A document's id: the SHA-256 of its text as UTF-8."""
    if not isinstance(text, str):
        raise StoreError(f"document text must be a str, not {type(text).__name__}")
    try:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    except UnicodeEncodeError as error:
        raise StoreError(
            f"the text has a lone surrogate at offset {error.start} and cannot be stored as UTF-8"
        ) from None


def unknown_document(doc_id: object) -> StoreError:
    return StoreError(f"there is no document {neutralised(str(doc_id))!r} in the store; open it first")


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def stored_source(source: str | os.PathLike) -> str:
    """Where a text came from as stored: absolute and resolved, and storable."""
    where = str(Path(os.fsdecode(source)).resolve())
    if not where.isascii():  # a name that is not UTF-8 holds lone surrogates SQLite refuses
        try:
            where.encode("utf-8")
        except UnicodeEncodeError:
            raise StoreError(f"{neutralised(where)}: the file name is not UTF-8, which the "
                             "database cannot store; rename the file") from None
    return where
