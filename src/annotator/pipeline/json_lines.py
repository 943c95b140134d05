"""One line of a JSON-lines file a user gave (an import file, a patterns file): its value, or
one short reason why it is not one, for ``FILE:LINE: reason; line skipped``."""

from __future__ import annotations

import json

__all__ = ["BadJsonLine", "json_line", "lone_surrogate"]


class BadJsonLine(ValueError):
    """Why a line is not a JSON value annotator can store (the message is the reason)."""


def json_line(raw: bytes) -> object:
    """The JSON value of one line of UTF-8."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadJsonLine(f"not UTF-8 (bad byte at column {error.start + 1})") from None
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise BadJsonLine(f"not JSON ({error.msg.removesuffix(' at')} at column {error.colno})") from None
    except RecursionError:  # json recurses once per bracket: '[' * 1000 exhausts the stack
        raise BadJsonLine("nested too deeply (a value inside hundreds of brackets)") from None
    except ValueError:  # int() refuses more than sys.get_int_max_str_digits() digits
        raise BadJsonLine(
            "holds a number of more than 4,300 digits; no offset is that long") from None
    if "\\u" in line and (problem := lone_surrogate(value)) is not None:
        raise BadJsonLine(problem)
    return value


def lone_surrogate(value: object) -> str | None:
    """Why a decoded JSON value is not text, if it is not: JSON's ``\\ud800`` decodes to a
    lone surrogate, not a character, which neither SQLite nor spaCy can encode."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(error.object[error.start])
        return f"has the escape \\u{code:04x}, a lone surrogate, not a character; fix the escape"
    return None
