"""A document marked done with no spans is a negative example: every export format has it.

For NER a finished text without entities is training data.  Real SQLite files through the
real Store, the real command in-process, spaCy's own DocBin and CoNLL reader.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_export import records, run

from annotator.pipeline.stats import collect
from annotator.store import Store

WITH_NAME = "قال الأمين العام بان كى مون إن الوضع في حلب مقلق."
NOTHING = "ارتفعت درجات الحرارة اليوم، وهطلت أمطار غزيرة.\nثم عاد الهدوء."
NOT_DONE = "نص لم ينته أحد من قراءته بعد."
IN_PROGRESS = "نص بدأه أحدهم ولم يضع فيه شيئاً."


def corpus(tmp_path: Path) -> Path:
    """amira: a name in one document (done), nothing in another (done); a third untouched, a
    fourth in progress with no spans.  bilal: nothing in the first (done)."""
    db = tmp_path / "annotations.db"
    with Store(db, annotator="amira") as amira:
        named = amira.open_document(WITH_NAME, tmp_path / "named.txt")[0].id
        start = WITH_NAME.index("بان كى مون")
        amira.add_span(named, start, start + len("بان كى مون"), "PER")
        amira.set_status(named, "done")
        empty = amira.open_document(NOTHING, tmp_path / "nothing.txt")[0].id
        amira.set_status(empty, "done")
        amira.open_document(NOT_DONE, tmp_path / "new.txt")
        busy = amira.open_document(IN_PROGRESS, tmp_path / "busy.txt")[0].id
        amira.set_status(busy, "in_progress")
    with Store(db, annotator="bilal") as bilal:
        bilal.set_status(named, "done")
    return db


def export_jsonl(capsysbinary, db: Path, out: Path, *options: str) -> list[dict]:
    code, _, err = run(capsysbinary, "export", "--db", str(db), "--out", str(out), *options)
    assert code == 0, err
    return records(out)


@pytest.mark.parametrize("options", [(), ("--status", "done")], ids=["default", "--status done"])
def test_jsonl_has_every_done_document_with_empty_spans_for_those_who_found_nothing(
        tmp_path, capsysbinary, options):
    got = export_jsonl(capsysbinary, corpus(tmp_path), tmp_path / "out.jsonl", *options)
    assert [(r["text"], r["meta"]["annotator"], r["meta"]["status"], len(r["spans"]))
            for r in got] == [
        (WITH_NAME, "amira", "done", 1),
        (WITH_NAME, "bilal", "done", 0),  # bilal found no name where amira found one
        (NOTHING, "amira", "done", 0),
    ]  # the untouched and the in-progress documents are nobody's finished work
    negative = got[2]
    assert negative["spans"] == [] and negative["answer"] == "accept"
    assert "".join(t["text"] + " " * t["ws"] for t in negative["tokens"]) == NOTHING


def test_filters_keep_negative_examples_of_the_chosen_annotators_and_labels(tmp_path, capsysbinary):
    db = corpus(tmp_path)
    only_bilal = export_jsonl(capsysbinary, db, tmp_path / "b.jsonl", "--annotator", "bilal")
    assert [(r["text"], r["spans"]) for r in only_bilal] == [(WITH_NAME, [])]
    # amira's done document has no LOC: for LOC it is a negative example too
    loc = export_jsonl(capsysbinary, db, tmp_path / "loc.jsonl", "--label", "LOC")
    assert [(r["text"], r["meta"]["annotator"], r["spans"]) for r in loc] == [
        (WITH_NAME, "amira", []), (WITH_NAME, "bilal", []), (NOTHING, "amira", [])]
    assert export_jsonl(capsysbinary, db, tmp_path / "new.jsonl", "--status", "new") == []


def test_doccano_has_an_empty_label_list(tmp_path, capsysbinary):
    got = export_jsonl(capsysbinary, corpus(tmp_path), tmp_path / "out.jsonl", "--format", "doccano")
    assert [(r["text"], r["annotator"], r["label"]) for r in got][1:] == [
        (WITH_NAME, "bilal", []), (NOTHING, "amira", [])]


def test_conll_has_an_all_o_record_that_spacys_reader_takes(tmp_path, capsysbinary):
    from spacy.training.converters import conll_ner_to_docs

    db = corpus(tmp_path)
    out = tmp_path / "out.conll"
    code, _, err = run(capsysbinary, "export", "--db", str(db), "--format", "conll", "--out", str(out))
    assert code == 0, err
    assert "wrote 3 records (2 documents, 1 span)" in err
    blocks = out.read_text(encoding="utf-8").split("-DOCSTART- -X- O O\n")[1:]
    assert len(blocks) == 3
    last = [line.split("\t") for line in blocks[2].splitlines() if line]
    assert [token for token, _ in last] == ["ارتفعت", "درجات", "الحرارة", "اليوم", "،", "وهطلت",
                                            "أمطار", "غزيرة", ".", "ثم", "عاد", "الهدوء", "."]
    assert {tag for _, tag in last} == {"O"}
    docs = list(conll_ner_to_docs(out.read_text(encoding="utf-8"), n_sents=1, no_print=True))
    assert [len(doc.ents) for doc in docs] == [1, 0, 0]  # one Doc per -DOCSTART-


def test_a_docbin_has_an_empty_doc_for_each_negative_example(tmp_path, capsysbinary):
    import spacy
    from spacy.tokens import DocBin

    out = tmp_path / "out.spacy"
    code, _, err = run(capsysbinary, "export", "--db", str(corpus(tmp_path)), "--format", "spacy",
                       "--out", str(out))
    assert code == 0, err
    docs = list(DocBin().from_bytes(out.read_bytes()).get_docs(spacy.blank("ar").vocab))
    assert [(doc.text, len(doc.ents), doc.user_data["annotator"]) for doc in docs] == [
        (WITH_NAME, 1, "amira"), (WITH_NAME, 0, "bilal"), (NOTHING, 0, "amira")]
    assert list(docs[2].spans["sc"]) == []


def test_the_split_keeps_negative_examples_on_one_side_or_the_other(tmp_path, capsysbinary):
    import spacy
    from spacy.tokens import DocBin

    out = tmp_path / "corpus"
    code, _, err = run(capsysbinary, "export", "--db", str(corpus(tmp_path)), "--format", "spacy",
                       "--split", "0.5", "--out", str(out))
    assert code == 0, err
    vocab = spacy.blank("ar").vocab
    texts = sorted(doc.text for name in ("train", "dev")
                   for doc in DocBin().from_bytes((out / f"{name}.spacy").read_bytes()).get_docs(vocab))
    assert texts == sorted([WITH_NAME, WITH_NAME, NOTHING])


def test_done_records_match_what_stats_counts_done(tmp_path, capsysbinary):
    db = corpus(tmp_path)
    got = export_jsonl(capsysbinary, db, tmp_path / "done.jsonl", "--status", "done")
    stats = collect(db)
    done = sum(row["done"] for row in stats["documents"]["by_annotator"].values())
    assert len(got) == done == 3
    assert len({r["meta"]["doc_id"] for r in got}) == stats["documents"]["by_status"]["done"] == 2


def test_agreement_counts_a_document_both_marked_done_with_no_spans(tmp_path, capsysbinary):
    from annotator.cli import team

    db = corpus(tmp_path)
    with Store(db, annotator="bilal") as bilal:
        [_, empty, *_] = bilal.document_ids()
        bilal.set_status(empty, "done")  # bilal agrees: nothing in NOTHING
    code = team.run(["agreement", "--db", str(db), "--json"])
    out, err = capsysbinary.readouterr()
    assert code == 0, err
    [pair] = json.loads(out)["pairs"]
    # both documents count: the name bilal missed, and the text both found nothing in
    assert (pair["a"], pair["b"], pair["documents"]) == ("amira", "bilal", 2)
    assert (pair["spans"], pair["exact"]["recall"]) == ({"a": 1, "b": 0}, 0.0)
    # --all compares only documents both have spans in: none here
    code = team.run(["agreement", "--db", str(db), "--json", "--all"])
    out, _ = capsysbinary.readouterr()
    assert code == 0 and json.loads(out)["pairs"] == []


def test_negative_examples_survive_export_import_export(tmp_path, capsysbinary):
    db = corpus(tmp_path)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    export_jsonl(capsysbinary, db, first)
    code, _, err = run(capsysbinary, "import", str(first), "--db", str(tmp_path / "copy.db"),
                       "--status", "accepted")
    assert code == 0, err
    export_jsonl(capsysbinary, tmp_path / "copy.db", second)
    assert second.read_bytes() == first.read_bytes()
