"""From logical characters to glyph clusters: what a terminal draws, and for which characters.

A cluster is a base character with the combining marks and zero-width characters that follow
it.  It is drawn as one unit (a harakah stays on its letter: UAX #9 rule L3), and it covers a
logical range.  A lam-alef ligature is one cluster covering both letters.

Untrusted text never reaches the terminal as it is: C0/C1 controls (ESC included) are drawn as
visible symbols, and bidi embedding, override, isolate and mark characters as visible markers.
The markers are neutral for the bidi algorithm, which makes the controls inert: what is on the
screen is in the order of what is stored ("Trojan Source").

Speed: every character is classified once per distinct character (``str.translate`` with a
table filled on first use), and the common case -- a character that is its own cluster --
costs no Python-level work per character.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from enum import IntEnum

from wcwidth import wcwidth

from .shaping import LIGATED, shape

HARAKAT = frozenset(
    [chr(c) for c in range(0x0610, 0x061B)]
    + [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670"]
    + [chr(c) for c in range(0x06D6, 0x06EE) if unicodedata.category(chr(c)) == "Mn"]
)

BIDI_CONTROL_MARKERS = {
    "\u200e": "\u21c0",  # LEFT-TO-RIGHT MARK -> ⇀
    "\u200f": "\u21bc",  # RIGHT-TO-LEFT MARK -> ↼
    "\u061c": "\u21bd",  # ARABIC LETTER MARK -> ↽
    "\u202a": "\u21e2",  # LEFT-TO-RIGHT EMBEDDING -> ⇢
    "\u202b": "\u21e0",  # RIGHT-TO-LEFT EMBEDDING -> ⇠
    "\u202c": "\u21e1",  # POP DIRECTIONAL FORMATTING -> ⇡
    "\u202d": "\u21db",  # LEFT-TO-RIGHT OVERRIDE -> ⇛
    "\u202e": "\u21da",  # RIGHT-TO-LEFT OVERRIDE -> ⇚
    "\u2066": "\u21fe",  # LEFT-TO-RIGHT ISOLATE -> ⇾
    "\u2067": "\u21fd",  # RIGHT-TO-LEFT ISOLATE -> ⇽
    "\u2068": "\u21f9",  # FIRST STRONG ISOLATE -> ⇹
    "\u2069": "\u21de",  # POP DIRECTIONAL ISOLATE -> ⇞
    "\u2028": "\u21b5",  # LINE SEPARATOR -> ↵
    "\u2029": "\u00b6",  # PARAGRAPH SEPARATOR -> ¶
}
NO_BREAK_SPACES = frozenset("\u00a0\u2007\u202f")
UNPRINTABLE = "\ufffd"
DOTTED_CIRCLE = "\u25cc"  # the base a mark is drawn on when it has no letter before it


class Kind(IntEnum):
    """What a cluster is, so the view can style markers apart from text."""

    TEXT = 0
    SPACE = 1  # a break opportunity for wrapping
    CONTROL = 2  # a visible stand-in for a control character
    NEWLINE = 3  # the paragraph's line feed, drawn as a blank cell at its logical end


# One-letter class codes, one per character (see ``_Codes``).
#   X text, W wide text, S breaking space, P no-break space, B tab, N line feed,
#   K control (drawn as its stand-in), H harakah, M other combining mark,
#   Z zero-width character drawn by nothing (ZWJ, ZWNJ, soft hyphen, a ligated alef).
KIND_OF_CODE = {"S": Kind.SPACE, "B": Kind.SPACE, "N": Kind.NEWLINE, "K": Kind.CONTROL}
BREAK_CODES = "SBN"
_ATTACHED_RE = re.compile("[HMZ]")
_SPECIAL_RE = re.compile("[WPBNK]")


def stand_in(ch: str) -> str | None:
    """The visible symbol drawn for a control character, or None for printable characters."""
    if ch in BIDI_CONTROL_MARKERS:
        return BIDI_CONTROL_MARKERS[ch]
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # control pictures: ␀ ... ␟ (ESC is ␛)
    if code == 0x7F:
        return "\u2421"  # ␡
    if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn"):
        return UNPRINTABLE  # C1 controls, surrogates, private use, unassigned
    return None


def _code(ch: str) -> str:
    if ch == "\n":
        return "N"
    if ch == "\t":
        return "B"
    if ch == LIGATED:
        return "Z"
    if stand_in(ch) is not None:
        return "K"
    category = unicodedata.category(ch)
    if category in ("Mn", "Me"):
        return "H" if ch in HARAKAT else "M"
    if category == "Zs":
        return "P" if ch in NO_BREAK_SPACES else "S"
    width = wcwidth(ch)
    if category == "Cf" or width == 0:
        return "Z"
    return "W" if width == 2 else "X"


class _Codes(dict):
    """``str.translate`` table: code point -> class code, filled on first use."""

    def __missing__(self, code: int) -> str:
        self[code] = result = _code(chr(code))
        return result


class _StandIns(dict):
    """``str.translate`` table: control -> its visible stand-in, anything else -> itself."""

    def __missing__(self, code: int) -> str:
        self[code] = result = stand_in(chr(code)) or chr(code)
        return result


_CODES = _Codes()
_STAND_INS = _StandIns()


@dataclass(slots=True)
class Clusters:
    """The clusters of one paragraph, as parallel lists (much cheaper than an object each).

    ``bidi_text`` is the paragraph with every control replaced by its (neutral) stand-in: the
    bidi algorithm runs on it, so stored controls cannot reorder the screen.
    """

    starts: list[int]  # logical, relative to the paragraph
    texts: list[str]  # the shaped glyph and the marks drawn on it
    widths: list[int]  # terminal columns
    codes: str  # the class code of each cluster's first character
    bidi_text: str


def build_clusters(
    text: str, *, shaped: bool = True, show_harakat: bool = True, tab_width: int = 4
) -> Clusters:
    """Group one paragraph's characters into clusters.

    ``text`` may end with its line feed.  ``shaped=False`` keeps the letters as stored, for
    terminals that shape by themselves.
    """
    glyphs = shape(text) if shaped else text
    codes = glyphs.translate(_CODES)
    attached = [m.start() for m in _ATTACHED_RE.finditer(codes, 1)]
    if attached:
        skip = set(attached)
        starts = [i for i in range(len(text)) if i not in skip]
        texts = [glyphs[i] for i in starts]
        cluster_codes = "".join([codes[i] for i in starts])
    else:
        starts, texts, cluster_codes = list(range(len(text))), list(glyphs), codes
    widths = [1] * len(starts)
    for match in _SPECIAL_RE.finditer(cluster_codes):
        k, code = match.start(), match.group()
        if code == "W":
            widths[k] = 2
        elif code == "B":
            texts[k], widths[k] = " " * tab_width, tab_width
        elif code == "K":
            texts[k] = stand_in(text[starts[k]]) or UNPRINTABLE
        else:  # P, N: a blank cell
            texts[k] = " "
    if codes[:1] in ("H", "M", "Z"):  # a mark with no base before it in the paragraph
        texts[0] = DOTTED_CIRCLE + (text[0] if codes[0] != "Z" else "")
    drawn = "HM" if show_harakat else "M"
    for i in attached:
        if codes[i] in drawn:  # hidden harakat stay covered by their cluster, not drawn
            texts[bisect_right(starts, i) - 1] += glyphs[i]
    bidi_text = neutralised(text) if "K" in codes else text
    return Clusters(starts, texts, widths, cluster_codes, bidi_text)


def neutralised(text: str) -> str:
    """``text`` with every control replaced by its visible, bidi-neutral stand-in.

    This is THE function that makes an outside string safe for a terminal, wherever it is
    printed or drawn (CLI messages, stats, legend, status bar, span list): no C0/C1 control
    (ESC, BEL, CSI ...), no line break, no bidi control and no surrogate survives, so data
    can neither send escape sequences, nor break the one-line messages, nor reorder them.
    Stand-ins are printable, so applying it twice changes nothing.
    """
    return text.translate(_STAND_INS)
