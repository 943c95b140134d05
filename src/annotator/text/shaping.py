"""Arabic contextual shaping that keeps track of which logical characters each glyph draws.

Terminals draw code points one per cell and do not join Arabic letters, so the reader must
send presentation forms (U+FB50-U+FEFF).  ``arabic_reshaper.reshape`` produces them but gives
no map back to the logical text, deletes harakat by default and turns the letters of any word
ending in الله (the name عبدالله, for one) into the single glyph U+FDF2.  Its maintainer declines
a reverse map, so we shape here from its public ``letters`` tables (forms per letter, which
tell the joining behaviour) and keep the map: one result per logical character.

Only the lam-alef ligatures are made: they are mandatory in Arabic typography.  Word ligatures
(الله, ﷺ ...) are optional, change the number of cells a word takes, and are wrong inside names.

Speed: joined chains are found by one regular expression and their letters mapped to forms
by ``str.translate``, so the per-character work runs in C, not in a Python loop.
"""

from __future__ import annotations

import re
import unicodedata

from arabic_reshaper.letters import FINAL, INITIAL, ISOLATED, LETTERS_ARABIC, MEDIAL

LAM = "\u0644"
# Alef variant -> (isolated lam-alef ligature, final lam-alef ligature)
LAM_ALEF = {
    "\u0622": ("\ufef5", "\ufef6"),  # alef with madda above
    "\u0623": ("\ufef7", "\ufef8"),  # alef with hamza above
    "\u0625": ("\ufef9", "\ufefa"),  # alef with hamza below
    "\u0627": ("\ufefb", "\ufefc"),  # alef
}
_LAM_ALEF_RE = re.compile(LAM + "[" + "".join(LAM_ALEF) + "]")

# In the shaped text, the alef of a lam-alef becomes LIGATED: the lam's glyph draws both.
LIGATED = "\uffff"  # a noncharacter: never in decoded text that reaches the shaper


def is_transparent(ch: str) -> bool:
    """Transparent to joining: combining marks and format characters other than ZWNJ/ZWJ.

    Harakat between two letters must not break the join between them.
    """
    category = unicodedata.category(ch)
    return category in ("Mn", "Me") or (category == "Cf" and ch not in "\u200c\u200d")


def _char_class(chars) -> str:
    """A regular-expression class matching exactly ``chars``."""
    return "[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]"


def _joins(ch: str) -> tuple[bool, bool]:
    """(joins the letter before it, joins the letter after it), in reading order."""
    forms = LETTERS_ARABIC[ch]
    return bool(forms[FINAL] or forms[MEDIAL]), bool(forms[INITIAL] or forms[MEDIAL])


def _form_table(form: int) -> dict[int, str]:
    """``str.translate`` table: letter -> its glyph in ``form`` (or the nearest form it has)."""
    fallback = {MEDIAL: (MEDIAL, FINAL, INITIAL, ISOLATED), FINAL: (FINAL, ISOLATED),
                INITIAL: (INITIAL, ISOLATED), ISOLATED: (ISOLATED,)}[form]
    return {ord(ch): next((forms[f] for f in fallback if forms[f]), ch)
            for ch, forms in LETTERS_ARABIC.items()}


# Transparent characters (ArabicShaping.txt type T) of the blocks Arabic text mixes with.
_TRANSPARENT = _char_class(
    chr(c) for c in [*range(0x0300, 0x2070), *range(0xFE00, 0xFE10), 0xFE20, 0xFEFF]
    if is_transparent(chr(c))
)
_DUAL = _char_class(ch for ch in LETTERS_ARABIC if _joins(ch) == (True, True))
_RIGHT = _char_class(ch for ch in LETTERS_ARABIC if _joins(ch) == (True, False))
# A chain of joined letters: dual-joining letters, then a dual- or right-joining one, with
# harakat anywhere between them.  Its first letter is initial, its last final.
_CHAIN_RE = re.compile(f"{_DUAL}(?:{_TRANSPARENT}*{_DUAL})*{_TRANSPARENT}*(?:{_DUAL}|{_RIGHT})")
_ISOLATED, _INITIAL, _MEDIAL, _FINAL = (_form_table(f) for f in (ISOLATED, INITIAL, MEDIAL, FINAL))

_LAM_FORMS = LETTERS_ARABIC[LAM]
_LAM_ALEF_RE = re.compile(
    f"([{_LAM_FORMS[INITIAL]}{_LAM_FORMS[MEDIAL]}])({_TRANSPARENT}*)"
    f"([{''.join(LETTERS_ARABIC[alef][FINAL] for alef in LAM_ALEF)}])"
)
_ALEF_OF_FINAL = {LETTERS_ARABIC[alef][FINAL]: alef for alef in LAM_ALEF}


class _Chains(dict):
    """Joined chain -> its glyphs.  Words repeat, so most chains are shaped once a run."""

    def __missing__(self, chain: str) -> str:
        if len(self) > 100_000:
            self.clear()
        shaped = self[chain] = (chain[0].translate(_INITIAL) + chain[1:-1].translate(_MEDIAL)
                                + chain[-1].translate(_FINAL))
        return shaped


_CHAINS = _Chains()


def _shape_chain(match: re.Match) -> str:
    return _CHAINS[match.group()]


def _ligate(match: re.Match) -> str:
    lam, marks, alef = match.groups()
    isolated, final = LAM_ALEF[_ALEF_OF_FINAL[alef]]
    return (isolated if lam == _LAM_FORMS[INITIAL] else final) + marks + LIGATED


def shape(text: str) -> str:
    """Return ``text`` with each Arabic letter replaced by the glyph that draws it.

    The result has the same length as ``text``: character i draws character i.  Characters
    that are not Arabic letters are unchanged.  The alef of a lam-alef becomes ``LIGATED``:
    its lam's glyph is the ligature.
    """
    shaped = _CHAIN_RE.sub(_shape_chain, text).translate(_ISOLATED)
    return _LAM_ALEF_RE.sub(_ligate, shaped)
