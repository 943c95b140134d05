"""Search folding: what folds to what, and every hit maps back to text that folds to it."""

from __future__ import annotations

import sys

from hypothesis import given
from hypothesis import strategies as st

from annotator.text.folding import FoldOptions, fold, fold_query


def test_alef_forms_harakat_and_tatweel_fold_away():
    assert fold("الأُمَم").text == "الامم"
    assert fold("إيران آمنة ٱلله").text == "ايران امنة الله"
    assert fold("كبيـــر").text == "كبير"
    assert fold("بان كى مون").text == "بان كي مون"


def test_a_run_of_whitespace_folds_to_one_space():
    text = "الأمم  المتحدة\nفي\u00a0\tنيويورك \u064e كذا"
    folded = fold(text)
    assert folded.text == "الامم المتحدة في نيويورك كذا"
    i = folded.text.index(" في ")
    assert text[slice(*folded.span(i, i + 4))] == "\nفي\u00a0\t"  # the whole runs



def test_every_unicode_whitespace_character_folds_to_the_one_space():
    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
    assert len(spaces) > 20
    for char in spaces:
        folded = fold(f"ب{char}ت{char}{char}ث")
        assert (folded.text, folded.end_of(2), folded.end_of(4)) == ("ب ت ث", 2, 5), hex(ord(char))


def test_ta_marbuta_folds_only_when_asked():
    assert fold("مدينة").text == "مدينة"
    assert fold("مدينة", FoldOptions(ta_marbuta=True)).text == "مدينه"


def test_a_hit_maps_back_over_the_letters_own_harakat():
    text = "في الأُمَمِ المتحدة"
    folded = fold(text)
    i = folded.text.index("الامم")
    start, end = folded.span(i, i + len("الامم"))
    assert text[start:end] == "الأُمَمِ"


ARABIC = st.sampled_from(list("ابتثجحخدذرزسشصضطظعغفقكلمنهويىةءأإآٱ") + ["\u064e", "\u0650",
                         "\u0651", "\u0652", "\u0670", "\u0640", " ", "A", "b", "1", "٣", "«",
                         " ", "\n", "\t", "\u00a0", "\u2003"])


@given(st.text(ARABIC, max_size=60), st.data())
def test_every_hit_maps_back_to_original_text_that_folds_to_the_query(text, data):
    folded = fold(text)
    assert len(folded.origin) == len(folded.text)
    assert list(folded.origin) == sorted(set(folded.origin))
    if not folded.text:
        return
    i = data.draw(st.integers(0, len(folded.text) - 1))
    j = data.draw(st.integers(i + 1, len(folded.text)))
    query = folded.text[i:j]
    start, end = folded.span(i, j)
    assert 0 <= start < end <= len(text)
    assert fold_query(text[start:end]) == query


def reference_fold(text: str, options: FoldOptions) -> str:
    """The folding rules written out one character at a time, slowly and plainly."""
    out = []
    for char in text:
        if "\u064b" <= char <= "\u065f" or char in "\u0670\u0640" or (
                "\u06d6" <= char <= "\u06ed" and char not in "\u06dd\u06de\u06e5\u06e6\u06e9"):
            continue
        if options.alef and char in "أإآٱ":
            char = "ا"
        elif options.ya and char == "ى":
            char = "ي"
        elif options.ta_marbuta and char == "ة":
            char = "ه"
        if char.isspace():  # a run of any whitespace is one space
            if out and out[-1] == " ":
                continue
            char = " "
        lower = char.lower()
        out.append(lower if len(lower) == 1 else char)
    return "".join(out)


@given(st.text(st.one_of(ARABIC, st.sampled_from(list("ΣσςİIiAZßẞΑΒ\u06d6\u06dd\u06ed\u06e5"))),
               max_size=60),
       st.builds(FoldOptions, st.booleans(), st.booleans(), st.booleans()))
def test_folding_is_the_rules_applied_one_character_at_a_time(text, options):
    assert fold(text, options).text == reference_fold(text, options)
    assert fold_query(text, options) == reference_fold(text, options)
