"""Exports read by the REAL libraries a pipeline would use: spaCy and pandas (no mocks).

Both come with the `test` extra; spaCy's blank Arabic pipeline needs no model download.
"""

from __future__ import annotations

import json

import pandas
import pytest
import spacy
from spacy.tokens import Doc, DocBin
from spacy.training.converters import conll_ner_to_docs
from test_export import build_fixture, records, run


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("ar")


@pytest.fixture
def fx(tmp_path):
    return build_fixture(tmp_path)


@pytest.fixture
def jsonl(fx, tmp_path, capsysbinary):
    out = tmp_path / "out.jsonl"
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out))
    assert code == 0, err
    return out


def test_exported_tokens_make_a_spacy_doc_where_every_aligned_span_is_a_char_span(fx, jsonl, nlp):
    misaligned = {(s, e) for s, e, _, _ in fx.misaligned}
    checked = 0
    for record in records(jsonl):
        tokens = record["tokens"]
        doc = Doc(nlp.vocab, words=[t["text"] for t in tokens], spaces=[t["ws"] for t in tokens])
        assert doc.text == record["text"]
        for span in record["spans"]:
            char_span = doc.char_span(span["start"], span["end"], label=span["label"])
            if (span["start"], span["end"]) in misaligned:
                assert char_span is None  # strict mode: off token boundaries, as reported
                expanded = doc.char_span(span["start"], span["end"], alignment_mode="expand")
                assert (expanded.start, expanded.end - 1) == (span["token_start"], span["token_end"])
                continue
            assert char_span is not None, span
            assert char_span.text == span["text"] and char_span.label_ == span["label"]
            assert (char_span.start, char_span.end - 1) == (span["token_start"], span["token_end"])
            checked += 1
    assert checked == len(fx.aligned)


def test_the_fixture_spans_also_align_with_spacys_own_arabic_tokenizer(fx, jsonl, nlp):
    """spaCy's rules split Arabic differently in places (it keeps «الانتصار».» together),
    so the JSONL tokens are what to build Docs from; the spans of this article align
    with both."""
    for record in records(jsonl):
        doc = nlp(record["text"])
        for span in record["spans"]:
            if (span["start"], span["end"], span["label"], record["meta"]["annotator"]) in fx.aligned:
                char_span = doc.char_span(span["start"], span["end"], label=span["label"])
                assert char_span is not None and char_span.text == span["text"], span


def test_the_spacy_docbin_reads_back_with_the_same_entities(fx, tmp_path, capsysbinary, nlp, jsonl):
    out = tmp_path / "out.spacy"
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--format", "spacy", "--out", str(out),
                       "--no-split-tokens")
    assert code == 0, err
    assert "2 expanded to token boundaries" in err
    docs = list(DocBin().from_disk(out).get_docs(nlp.vocab))
    expected = records(jsonl)
    assert len(docs) == len(expected) == 3
    for doc, record in zip(docs, expected):
        assert doc.text == record["text"]
        assert doc.user_data["doc_id"] == record["meta"]["doc_id"]
        assert doc.user_data["annotator"] == record["meta"]["annotator"]
        want = []
        for span in record["spans"]:
            if (span["start"], span["end"], span["label"], record["meta"]["annotator"]) in fx.aligned:
                want.append((span["start"], span["end"], span["label"], span["text"]))
            else:  # expanded to whole tokens: the proclitic comes along
                first, last = record["tokens"][span["token_start"]], record["tokens"][span["token_end"]]
                want.append((first["start"], last["end"], span["label"], record["text"][first["start"]:last["end"]]))
        got = [(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents]
        assert got == sorted(want)
        assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["sc"]] == [w[:3] for w in want]
    amira = [e.text for e in docs[0].ents]
    assert "وبان كى مون" in amira and "لوكالة الصحافة الفرنسية" in amira


def test_the_conll_file_converts_with_spacys_own_conll_reader(fx, tmp_path, capsysbinary, jsonl):
    out = tmp_path / "out.conll"
    assert run(capsysbinary, "export", "--db", str(fx.db), "--format", "conll", "--out", str(out),
               "--no-split-tokens")[0] == 0
    docs = list(conll_ner_to_docs(out.read_text(encoding="utf-8"), n_sents=0, no_print=True))
    expected = records(jsonl)
    assert len(docs) == len(expected)
    for doc, record in zip(docs, expected):
        want = sorted(
            (span["start"], span["text"], span["label"]) for span in record["spans"]
            if (span["start"], span["end"], span["label"], record["meta"]["annotator"]) in fx.aligned
        )
        assert [(e.text, e.label_) for e in doc.ents] == [(text, label) for _, text, label in want]


def test_pandas_reads_the_jsonl_with_one_row_per_record(jsonl):
    frame = pandas.read_json(jsonl, lines=True)
    assert len(frame) == 3
    assert list(frame.columns) == ["text", "spans", "tokens", "meta", "_input_hash", "_task_hash", "answer"]
    assert list(frame["answer"]) == ["accept"] * 3
    assert [m["annotator"] for m in frame["meta"]] == ["amira", "bilal", "amira"]
    spans = pandas.json_normalize(frame.to_dict("records"), record_path="spans", meta=[["meta", "doc_id"]])
    assert len(spans) == 11
    assert set(spans.columns) >= {"start", "end", "label", "text", "token_start", "token_end", "meta.doc_id"}


def test_pandas_reads_the_doccano_export_with_the_same_spans_as_the_jsonl(fx, tmp_path, capsysbinary, jsonl):
    out = tmp_path / "doccano.jsonl"
    run(capsysbinary, "export", "--db", str(fx.db), "--format", "doccano", "--out", str(out))
    frame = pandas.read_json(out, lines=True)
    assert list(frame.columns) == ["text", "label", "source", "doc_id", "annotator", "status"]
    assert frame["label"].map(len).sum() == 11
    # one record per line (a raw line break inside a record would add lines), in JSONL's order
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(frame) == 3
    for row, record in zip(frame.itertuples(), records(jsonl)):
        assert (row.text, row.doc_id, row.annotator) == (
            record["text"], record["meta"]["doc_id"], record["meta"]["annotator"])
        assert sorted(map(tuple, row.label)) == sorted(
            (span["start"], span["end"], span["label"]) for span in record["spans"])
        assert [row.text[start:end] for start, end, _ in sorted(row.label)] == [
            span["text"] for span in sorted(record["spans"], key=lambda s: (s["start"], s["end"]))]
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["status"] == "in_progress"


# -- --split-tokens (on by default for conll and spacy) -------------------------------------------


def stored_spans(record: dict) -> list[tuple[int, int, str, str]]:
    """(start, end, label, text) of a record's spans, the text sliced from the record's own text."""
    return sorted((s["start"], s["end"], s["label"], record["text"][s["start"]:s["end"]]) for s in record["spans"])


def test_split_tokens_make_every_span_an_exact_entity_in_the_docbin(fx, tmp_path, capsysbinary, nlp, jsonl):
    out = tmp_path / "out.spacy"
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--format", "spacy", "--out", str(out))
    assert code == 0, err
    assert "2 tokens split at span edges" in err and "expanded" not in err and "warning" not in err
    docs = list(DocBin().from_disk(out).get_docs(nlp.vocab))
    expected = records(jsonl)
    assert sum(len(r["spans"]) for r in expected) == len(fx.aligned) + len(fx.misaligned)
    for doc, record in zip(docs, expected, strict=True):
        assert doc.text == record["text"]
        want = stored_spans(record)
        assert [(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents] == want
        for start, end, label, text in want:  # strict: the span IS whole tokens
            span = doc.char_span(start, end, label=label, alignment_mode="strict")
            assert span is not None and span.text == text
    amira = {e.text for e in docs[0].ents}
    assert "بان كى مون" in amira and "وكالة الصحافة الفرنسية" in amira
    tokens = [(t.text, t.whitespace_) for t in docs[0]]
    assert ("و", "") in tokens and ("بان", " ") in tokens  # the proclitic, glued to its word
    assert ("ل", "") in tokens and ("وكالة", " ") in tokens


def test_split_tokens_make_every_span_an_entity_for_spacys_conll_reader(fx, tmp_path, capsysbinary, jsonl):
    out = tmp_path / "out.conll"
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--format", "conll", "--out", str(out))
    assert code == 0, err
    assert "2 tokens split at span edges" in err and "omitted" not in err
    docs = list(conll_ner_to_docs(out.read_text(encoding="utf-8"), n_sents=0, no_print=True))
    for doc, record in zip(docs, records(jsonl), strict=True):
        assert [(e.text, e.label_) for e in doc.ents] == [(text, label) for _, _, label, text in stored_spans(record)]
    lines = out.read_text(encoding="utf-8").splitlines()
    at = lines.index("و\tO")
    assert lines[at + 1 : at + 4] == ["بان\tB-PER", "كى\tI-PER", "مون\tI-PER"]


def test_no_split_tokens_in_jsonl_unless_asked(fx, tmp_path, capsysbinary, jsonl, nlp):
    out = tmp_path / "split.jsonl"
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out), "--split-tokens")
    assert code == 0 and "2 tokens split at span edges" in err and "not on token boundaries" not in err
    assert "tokens split" not in run(capsysbinary, "export", "--db", str(fx.db), "--out", str(jsonl))[2]
    for record in records(out):
        tokens = record["tokens"]
        doc = Doc(nlp.vocab, words=[t["text"] for t in tokens], spaces=[t["ws"] for t in tokens])
        assert doc.text == record["text"]
        for span in record["spans"]:
            char_span = doc.char_span(span["start"], span["end"], alignment_mode="strict")
            assert char_span is not None and char_span.text == span["text"]
            assert (char_span.start, char_span.end - 1) == (span["token_start"], span["token_end"])
