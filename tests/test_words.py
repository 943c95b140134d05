"""One definition of a word: the caret's word (labelling, Ctrl+arrows) is always whole export
tokens, and the export tokenizer gives exactly the UAX #29 segments of text/words.py."""

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.text import navigation as nav
from annotator.text.document import Document, DocumentLayout
from annotator.text.tokens import Tokens, tokenize
from annotator.text.words import segments, word_at
from strategies import mixed_text

EDGES = ["2.0", "99.5", "1,250", "٣٫٥", "١٬٢٥٠", "٫", "٬", ".", ",", "%", "٪", "\u0301", "\u064e",
         "\u200c", "\u200d", "\u0640", "😀", "𝐀", "𝟏", "\U000e0001", "G20", "و"]
TEXTS = mixed_text() | st.lists(st.sampled_from(EDGES + [" ", "\n", "ب", "a", "1", "٢"]),
                                 max_size=20).map("".join) | st.text(max_size=30)


def words_of(text: str) -> list[str]:
    return [text[s:e] for s, e in segments(text)]


@settings(max_examples=600, deadline=None)
@given(TEXTS)
def test_the_export_tokens_are_the_uax29_segments(text):
    assert tokenize(text) == segments(text)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_every_word_under_the_caret_is_one_whole_export_token(text):
    tokens = set(tokenize(text))
    for offset in range(len(text)):
        word = word_at(text, offset)
        if word is not None:
            assert word in tokens and word[0] <= offset < word[1]
            assert Tokens(text).aligned(*word) is not None  # what CoNLL and spaCy need


def test_decimal_and_grouped_numbers_in_any_script_are_one_word():
    text = "ارتفع 2.0 و99.5 إلى ٣٫٥ من 1,250 و١٬٢٥٠ بنسبة 90% و٩٠٪."
    for number in ("2.0", "99.5", "٣٫٥", "1,250", "١٬٢٥٠"):
        start = text.index(number)
        for offset in range(start, start + len(number)):
            assert text[slice(*word_at(text, offset))] == number
    for percent in ("%", "٪"):
        assert word_at(text, text.index(percent)) is None
    assert text[slice(*word_at(text, text.index("%") - 1))] == "90"


def test_separators_join_only_digits():
    assert words_of("5٫ ٫٫ 1،2 1;2 a.b 1..2 3.5.") == [
        "5", "٫", "٫", "٫", "1", "،", "2", "1", ";", "2", "a", ".", "b", "1", ".", ".", "2", "3.5", ".",
    ]


def test_the_arabic_rules_hold():
    assert words_of("«الأممالمتحدة»، هل؟ نعم؛ لوكالة كَتَبَ مـــحمد می\u200cخواهم") == [
        "«", "الأممالمتحدة", "»", "،", "هل", "؟", "نعم", "؛", "لوكالة", "كَتَبَ", "مـــحمد", "می\u200cخواهم",
    ]


def test_punctuation_and_a_mark_left_after_a_space_are_not_words():
    text = "قال: « \u064eب»"
    assert [word_at(text, i) for i in (3, 5, 7)] == [None, None, None]
    assert word_at(text, 8) == (8, 9)


def test_word_moves_stop_at_whole_numbers():
    text = "بلغ ٣٫٥ في 2.0، ثم 99.5"
    layout = DocumentLayout(Document(text), 80)
    stops, caret = [], 0
    for _ in range(len(text)):
        caret = nav.next_word(layout, caret)
        if caret in stops:
            break
        stops.append(caret)
    words = [text[slice(*word_at(text, s))] for s in stops if word_at(text, s)[0] == s]
    assert words == ["٣٫٥", "في", "2.0", "ثم", "99.5"]
    back = nav.previous_word(layout, len(text) - 1)
    assert text[back:] == "99.5"
    assert nav.previous_word(layout, text.index("،")) == text.index("2.0")
    assert nav.word_end(layout, text.index("2.0")) == text.index("2.0") + 2  # the last stop of 2.0


@settings(max_examples=200, deadline=None)
@given(mixed_text(max_size=40))
def test_word_moves_land_on_word_starts(text):
    layout = DocumentLayout(Document(text), 30)
    starts = {s for s, _ in segments(text) if word_at(text, s) is not None}
    ends = {nav.snap(layout, e - 1) for s, e in segments(text) if word_at(text, s) is not None}
    for caret in {nav.snap(layout, i) for i in range(len(text))}:
        assert nav.next_word(layout, caret) in {nav.snap(layout, s) for s in starts} | {nav.document_end(layout)}
        assert nav.previous_word(layout, caret) in {nav.snap(layout, s) for s in starts} | {0}
        assert nav.word_end(layout, caret) in ends | {nav.document_end(layout)}
