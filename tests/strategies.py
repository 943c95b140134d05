"""Hypothesis strategies for mixed right-to-left text, the engine's hardest inputs."""

from hypothesis import strategies as st

ARABIC_LETTERS = list("ابتثجحخدذرزسشصضطظعغفقكلمنهويىةءأإآؤئ")
HARAKAT = list("\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670")
WORDS = ["لا", "لأ", "الله", "عبدالله", "الأممالمتحدة", "Hello", "abc", "UN", "2012", "90%", "٢٠١٦"]
DIGITS = list("0123456789٠١٢٣٤٥٦٧٨٩")
LATIN = list("abcXYZ")
BRACKETS = list("()[]{}«»<>")
PUNCTUATION = list(".,:;!?%-+/،؛؟\"'")
SPACES = [" ", " ", " ", "\t", "\u00a0"]
NEWLINES = ["\n"]
CONTROLS = ["\x1b", "\x1b]0;pwned\x07", "\x00", "\x7f", "\x9b", "\u202e", "\u202b", "\u202c",
            "\u2066", "\u2067", "\u2069", "\u200e", "\u200f", "\u061c", "\u200c", "\u200d", "\u2029"]
WIDE = ["中", "文"]

PLAIN_PIECES = ARABIC_LETTERS + WORDS + DIGITS + LATIN + PUNCTUATION + [" "]


def mixed_text(*, controls: bool = True, newlines: bool = True, min_size: int = 0,
               max_size: int = 60) -> st.SearchStrategy[str]:
    """Random mixes of Arabic letters, harakat, lam-alef, الله, digits of both kinds, Latin,
    brackets, punctuation, spaces, tabs, newlines and (optionally) controls."""
    pieces = ARABIC_LETTERS * 3 + HARAKAT + WORDS + DIGITS + LATIN + BRACKETS + PUNCTUATION
    pieces += SPACES * 4 + WIDE
    if newlines:
        pieces += NEWLINES
    if controls:
        pieces += CONTROLS
    return st.lists(st.sampled_from(pieces), min_size=min_size, max_size=max_size).map("".join)
