"""CoNLL sentence breaks never split an entity silently (issue 8, item 6, the export half).

A line break is a sentence break in CoNLL (a blank line), so a span across one would come
back from spaCy's reader as two entities: it is reported and its tags omitted, like other
spans BIO cannot hold.  A full stop inside an entity (``د. محمد``) does not end a sentence.
"""

from __future__ import annotations

from spacy.training.converters import conll_ner_to_docs
from test_export import run

from annotator.store import Store

TEXT = "زار الوفد مدينة\n\nحلب الشرقية أمس. وقال د. محمد علي إن الوضع هادئ."


def build(tmp_path, *needles_labels):
    db = tmp_path / "annotations.db"
    with Store(db, annotator="amira") as store:
        doc = store.open_document(TEXT, tmp_path / "t.txt")[0].id
        for needle, label in needles_labels:
            start = TEXT.index(needle)
            store.add_span(doc, start, start + len(needle), label)
    return db


def conll(tmp_path, capsysbinary, db) -> tuple[str, str]:
    out = tmp_path / "out.conll"
    code, _, err = run(capsysbinary, "export", "--db", str(db), "--format", "conll", "--out", str(out))
    assert code == 0, err
    return out.read_text(encoding="utf-8"), err


def test_a_span_across_a_paragraph_break_is_reported_and_not_split(tmp_path, capsysbinary):
    db = build(tmp_path, ("مدينة\n\nحلب", "LOC"), ("أمس", "MISC"))
    text, err = conll(tmp_path, capsysbinary, db)
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "LOC [10:20]" in warnings[0] and "crosses a line break" in warnings[0]
    assert "1 omitted" in err
    assert "B-LOC" not in text and "I-LOC" not in text
    assert "مدينة\tO\n\nحلب\tO" in text  # the paragraph break is still a sentence break
    [doc] = conll_ner_to_docs(text, n_sents=0, no_print=True)
    assert [(e.text, e.label_) for e in doc.ents] == [("أمس", "MISC")]


def test_a_span_across_a_single_line_break_is_reported_too(tmp_path, capsysbinary):
    db = tmp_path / "annotations.db"
    with Store(db, annotator="amira") as store:
        doc = store.open_document("قال بان\nكي مون", tmp_path / "t.txt")[0].id
        store.add_span(doc, 4, 14, "PER")
    text, err = conll(tmp_path, capsysbinary, db)
    assert "PER [4:14]" in err and "crosses a line break" in err and "B-PER" not in text


def test_a_full_stop_inside_an_entity_does_not_end_the_sentence(tmp_path, capsysbinary):
    db = build(tmp_path, ("د. محمد علي", "PER"))
    text, err = conll(tmp_path, capsysbinary, db)
    assert "warning" not in err
    assert "د\tB-PER\n.\tI-PER\nمحمد\tI-PER\nعلي\tI-PER\n" in text
    assert "أمس\tO\n.\tO\n\nوقال\tO" in text  # outside an entity, a full stop still ends one
    [doc] = conll_ner_to_docs(text, n_sents=0, no_print=True)
    assert [(e.text, e.label_) for e in doc.ents] == [("د . محمد علي", "PER")]
