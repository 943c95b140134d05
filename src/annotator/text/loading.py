"""Turn a file path into the document text the whole application works on.

Every span the annotator stores is a pair of *code-point offsets* into the
string returned by :func:`load_text`, so that string must be a deterministic
function of the file's bytes (and the ``encoding`` argument).  The rules:

Decoding
    * With ``encoding=None`` the encoding is chosen by the byte-order mark:

      ========================  ==========================
      file starts with          decoded as
      ========================  ==========================
      ``FF FE 00 00``           UTF-32 LE
      ``00 00 FE FF``           UTF-32 BE
      ``FF FE``                 UTF-16 LE
      ``FE FF``                 UTF-16 BE
      ``EF BB BF``              UTF-8
      anything else             UTF-8
      ========================  ==========================

      The BOM bytes are removed; nothing else is.  (``FF FE 00 00`` is
      always UTF-32: a UTF-16 LE file whose first character is U+0000 cannot
      be told apart and is not supported.)  Without a BOM there is no
      guessing: the bytes must be strict UTF-8.  In particular a leading
      U+FEFF in a BOM-less UTF-8 file is indistinguishable from a BOM and is
      removed.
    * With ``encoding`` given (any Python text codec, e.g. ``"cp1256"`` for
      legacy Arabic Windows files) the whole file is decoded strictly with
      that codec, and BOM detection is *not* done.  If the decoded text then
      starts with U+FEFF it is removed (a BOM the codec kept, e.g. with
      ``utf-8`` or ``utf-16-le``) -- except for ``utf-16``, ``utf-32`` and
      ``utf-8-sig``, which consume a BOM themselves.

Newlines
    CRLF and lone CR become LF.  That is the only change made to the decoded
    text: no Unicode normalisation, no stripping, control characters and
    other line separators (U+0085, U+2028, U+2029) are kept -- making them
    visible and safe is the display layer's job.

Refused files (each raises :class:`LoadError` with a one-line message)
    * missing paths, directories and other non-regular files (pipes, devices:
      they could block or never end), unreadable files;
    * *empty* files: 0 bytes, or a BOM and nothing else (the decoded text is
      ``""``).  Whitespace-only text is allowed;
    * *binary* files: a NUL byte in the first 8 KiB, unless the file starts
      with a UTF-16/32 BOM (or ``encoding`` names a codec in which ASCII
      letters contain NUL bytes, such as UTF-16).  NUL bytes later in a file
      are decoded and kept like any other control character;
    * bytes that are invalid in the encoding: the message gives the byte
      offset in the file of the first bad byte and its line number.

This module is pure: no terminal or UI imports, no printing.
"""

from __future__ import annotations

import codecs
import os
import stat
import unicodedata

__all__ = ["LoadError", "load_text", "one_line", "BINARY_SNIFF_BYTES"]

#: How many leading bytes are searched for NUL to detect a binary file.
BINARY_SNIFF_BYTES = 8192

# Longest first: the UTF-32 LE BOM begins with the UTF-16 LE BOM.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
)

# Codecs that remove a leading BOM themselves (codecs.lookup(...).name).
_BOM_CONSUMING_CODECS = frozenset({"utf-16", "utf-32", "utf-8-sig"})

# Characters that must not reach the terminal raw inside an error message:
# controls (incl. newlines), format characters (bidi overrides), lone
# surrogates (undecodable bytes in file names), line/paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


class LoadError(Exception):
    """One clear line for the user: what, where, what to do. str(err) is that line."""


def load_text(path: str | os.PathLike, encoding: str | None = None) -> str:
    """Read *path* and return its text, decoded and newline-normalised.

    See the module docstring for the exact rules.  Raises :class:`LoadError`
    (never OSError/UnicodeError) for every problem with the file or the
    encoding name.
    """
    shown = _show(os.fsdecode(path))
    codec_name = _check_encoding(shown, encoding) if encoding is not None else None
    data = _read_bytes(path, shown)
    if not data:
        raise LoadError(f"{shown}: the file is empty (0 bytes); there is no text to read")

    if encoding is None:
        text = _decode_auto(data, shown)
    else:
        assert codec_name is not None
        text = _decode_with(data, shown, encoding, codec_name)

    if not text:
        raise LoadError(
            f"{shown}: the file is empty (only a byte-order mark, no text); "
            "there is no text to read"
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# -- reading -----------------------------------------------------------------


def _read_bytes(path: str | os.PathLike, shown: str) -> bytes:
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise LoadError(f"{shown}: is a directory, not a file; give the path of a text file")
        if not stat.S_ISREG(st.st_mode):
            raise LoadError(
                f"{shown}: is not a regular file (a pipe, socket or device); "
                "save the text to a file and open that"
            )
        with open(path, "rb") as f:
            return f.read()
    except LoadError:
        raise
    except (FileNotFoundError, NotADirectoryError):
        if os.path.islink(path):
            raise LoadError(
                f"{shown}: is a broken symbolic link; check where it points"
            ) from None
        raise LoadError(f"{shown}: no such file; check the path") from None
    except IsADirectoryError:
        raise LoadError(f"{shown}: is a directory, not a file; give the path of a text file") from None
    except PermissionError:
        raise LoadError(
            f"{shown}: permission denied; check the file's permissions (e.g. chmod u+r)"
        ) from None
    except OSError as e:
        reason = _show(e.strerror or str(e))
        raise LoadError(f"{shown}: cannot read the file ({reason}); check the path") from None
    except ValueError:  # e.g. "embedded null byte" in the path
        raise LoadError(f"{shown}: not a usable file name (it contains a NUL character)") from None


# -- decoding ----------------------------------------------------------------


def _check_encoding(shown: str, encoding: str) -> str:
    """Return the codec's canonical name, or raise LoadError for a bad name."""
    hint = "use a Python codec name such as utf-8, utf-16 or cp1256"
    try:
        name = codecs.lookup(encoding).name
        b"a".decode(encoding)  # rejects bytes-to-bytes codecs like base64
    except UnicodeDecodeError:
        pass  # a real text codec that cannot decode b"a" on its own (utf-16)
    except (LookupError, TypeError, ValueError):
        raise LoadError(f"{shown}: unknown text encoding {_show(repr(encoding))}; {hint}") from None
    return name


def _decode_auto(data: bytes, shown: str) -> str:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            break
    else:
        bom, codec, label = b"", "utf-8", "UTF-8"

    if codec == "utf-8":
        _refuse_binary(data, shown)

    skip = len(bom)
    try:
        return str(memoryview(data)[skip:], codec, "strict")
    except UnicodeDecodeError as e:
        where = _where(data, skip, skip + e.start, codec)
        if codec == "utf-8":
            raise LoadError(
                f"{shown}: not valid UTF-8 at {where}; "
                "if it is a legacy file, try --encoding cp1256"
            ) from None
        raise LoadError(
            f"{shown}: starts with a {label} byte-order mark but is not valid {label} "
            f"at {where}; the file may be truncated or damaged, re-save it as UTF-8"
        ) from None


def _decode_with(data: bytes, shown: str, encoding: str, codec_name: str) -> str:
    if not _codec_has_nul_in_ascii(encoding):
        _refuse_binary(data, shown)
    try:
        text = data.decode(encoding, "strict")
    except UnicodeDecodeError as e:
        where = _where(data, 0, e.start, encoding)
        raise LoadError(
            f"{shown}: not valid {_show(encoding)} text at {where}; "
            "check the --encoding name (or leave it out for UTF-8)"
        ) from None
    if codec_name not in _BOM_CONSUMING_CODECS and text.startswith("\ufeff"):
        text = text[1:]
    return text


def _codec_has_nul_in_ascii(encoding: str) -> bool:
    try:
        return b"\x00" in "a".encode(encoding)
    except (UnicodeError, LookupError):
        return False


def _refuse_binary(data: bytes, shown: str) -> None:
    head = data[:BINARY_SNIFF_BYTES]
    nul = head.find(b"\x00")
    if nul < 0:
        return
    msg = f"{shown}: looks like a binary file (NUL byte at offset {nul}), not text"
    guess = _guess_bomless_utf16(head)
    if guess:
        msg += f"; if it is {guess.upper()} text without a byte-order mark, try --encoding {guess}"
    raise LoadError(msg)


def _guess_bomless_utf16(head: bytes) -> str | None:
    """UTF-16 text has its NULs (ASCII characters) on one byte parity only."""
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if len(head) % 2 == 0:
        if even == 0 and odd >= 2:
            return "utf-16-le"
        if odd == 0 and even >= 2:
            return "utf-16-be"
    return None


def _where(data: bytes, start: int, bad: int, codec: str) -> str:
    """'byte N (line L)' for the first bad byte at file offset *bad*."""
    # Decode only the good prefix to count lines; runs on the error path only.
    prefix = str(memoryview(data)[start:bad], codec, "replace")
    line = prefix.count("\n") + prefix.count("\r") - prefix.count("\r\n") + 1
    return f"byte {bad} (line {line})"


def _show(s: str) -> str:
    """Make *s* safe to print on one terminal line (escape controls etc.)."""
    if all(unicodedata.category(c) not in _UNSAFE_CATEGORIES for c in s):
        return s
    return "".join(
        c.encode("unicode_escape", "backslashreplace").decode("ascii")
        if unicodedata.category(c) in _UNSAFE_CATEGORIES
        else c
        for c in s
    )


#: Public name for messages about paths that other layers build (e.g. a corpus's folders).
one_line = _show
