"""Cutting word tokens at span edges: properties over generated texts and spans."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from annotator.pipeline.token_split import split_at_edges
from annotator.text.tokens import spacy_tokens, tokenize

LETTERS = "لوكالةبانحلب"
texts = st.text(alphabet=LETTERS + " \n.،", min_size=1, max_size=60)


@st.composite
def text_and_spans(draw):
    text = draw(texts)
    spans = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        spans.append((start, end, "ORG", "accepted"))
    return text, spans


@given(text_and_spans())
def test_every_span_edge_becomes_a_token_boundary_and_the_text_rebuilds(case):
    text, spans = case
    words = tokenize(text)
    pieces, split = split_at_edges(words, spans)
    # the pieces cover exactly the characters the words covered, in order
    assert "".join(text[s:e] for s, e in pieces) == "".join(text[s:e] for s, e in words)
    assert all(s < e for s, e in pieces)
    boundaries = {s for s, _ in pieces} | {e for _, e in pieces}
    for start, end, _, _ in spans:
        for edge in (start, end):
            inside = any(s < edge < e for s, e in words)
            assert edge in boundaries or not inside  # an edge in whitespace cuts nothing
    assert split == sum(1 for s, e in words if any(s < x < e for sp in spans for x in sp[:2]))
    toks = spacy_tokens(text, pieces)
    assert "".join(text[s:e] + (" " if ws else "") for s, e, ws in toks) == text


def test_a_proclitic_left_out_is_cut_off_and_glued_without_a_space():
    text = "مراسل لوكالة الصحافة"
    start = text.index("وكالة")
    pieces, split = split_at_edges(tokenize(text), [(start, start + 5, "ORG", "accepted")])
    assert split == 1
    assert [text[s:e] for s, e in pieces] == ["مراسل", "ل", "وكالة", "الصحافة"]
    assert [ws for _, _, ws in spacy_tokens(text, pieces)] == [True, False, True, False]


def test_a_span_inside_a_word_cuts_it_in_three():
    text = "بانحلبلو"
    pieces, split = split_at_edges(tokenize(text), [(3, 6, "LOC", "accepted")])
    assert split == 1 and [text[s:e] for s, e in pieces] == ["بان", "حلب", "لو"]
