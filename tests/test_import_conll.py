"""`annotator import` reads CoNLL BIO: our own export, and ANERcorp-style corpora.

Real SQLite files through the real Store, the real command in-process and installed; the
round trip export conll -> import -> export conll must give the same file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import mixed_text
from test_export import assert_one_line_failure, build_fixture, run, run_installed
from test_import import documents_in, spans_in

from annotator.pipeline.conll_reading import read_documents
from annotator.store import Store


def export_conll(capsysbinary, db: Path, out: Path, *options: str) -> bytes:
    code, _, err = run(capsysbinary, "export", "--db", str(db), "--format", "conll",
                       "--out", str(out), *options)
    assert code == 0, err
    return out.read_bytes()


def import_file(capsysbinary, path: Path, db: Path, *options: str) -> tuple[int, str]:
    code, _, err = run(capsysbinary, "import", str(path), "--db", str(db), *options)
    return code, err


@pytest.mark.parametrize("fmt", [[], ["--format", "conll"]], ids=["auto", "--format conll"])
def test_our_own_conll_export_imports_and_exports_again_identically(tmp_path, capsysbinary, fmt):
    fx = build_fixture(tmp_path)
    first = export_conll(capsysbinary, fx.db, tmp_path / "first.conll", "--annotator", "amira")
    copy = tmp_path / "copy.db"
    code, err = import_file(capsysbinary, tmp_path / "first.conll", copy, "--status", "accepted", *fmt)
    assert code == 0, err
    # amira's 10 spans in the seed and the short document, the two off token boundaries too:
    # --split-tokens cut their tokens (ل + وكالة), so they are whole tokens in the file
    assert "imported 10 spans into 2 documents (2 new)" in err, err
    assert "0 bad documents skipped of 2" in err
    second = export_conll(capsysbinary, copy, tmp_path / "second.conll")
    assert second == first
    # documents were finished (every token tagged): done, for the importing annotator
    assert [status for _, _, status in documents_in(copy)] == ["done", "done"]


def test_offsets_are_code_points_into_the_rebuilt_text(tmp_path):
    lines = ["-DOCSTART- -X- O O", "", "زار\tO", "الرئيسُ\tB-PER", "مـحمد\tI-PER", "القاهرةَ\tB-LOC",
             "؟\tO", "", "ثم\tO", "عاد\tO", "إلى\tO", "عمّان\tB-LOC", ".\tO", ""]
    raw = [(n, line.encode()) for n, line in enumerate(lines, 1)]
    [doc] = list(read_documents(raw))
    assert doc.text == "زار الرئيسُ مـحمد القاهرةَ ؟\nثم عاد إلى عمّان ."
    assert [(doc.text[s:e], label) for s, e, label in doc.spans] == [
        ("الرئيسُ مـحمد", "PER"), ("القاهرةَ", "LOC"), ("عمّان", "LOC")]
    assert doc.number == 1 and doc.error is None


def test_an_anercorp_style_file_is_one_document_per_sentence(tmp_path, capsysbinary):
    # ANERcorp: "word TAG", space separated, PERS for people, no -DOCSTART-; other columns
    # (a CoNLL-2003 part of speech) are ignored: the tag is the last column
    corpus = tmp_path / "ANERCorp.txt"
    corpus.write_text(
        "فرانكفورت B-LOC\n(د O\nب O\nأ) O\nأعلن O\nاتحاد B-ORG\nصناعة I-ORG\nالسيارات I-ORG\n"
        "في O\nألمانيا B-LOC\n. O\n\n"
        "وقال NN O\nبان NNP B-PERS\nكي NNP I-PERS\nمون NNP I-PERS\n. PUNC O\n",
        encoding="utf-8")
    db = tmp_path / "a.db"
    code, err = import_file(capsysbinary, corpus, db, "--status", "accepted")
    assert code == 2
    [refused] = [line for line in err.splitlines() if "skipped" in line and "PERS" in line]
    # said once, by the first line of the sentence (a document here) that has it
    assert f"{corpus}:13:" in refused and "--add-labels" in refused
    code, err = import_file(capsysbinary, corpus, db, "--status", "accepted", "--add-labels")
    assert code == 0, err
    assert [text for text, _, _ in documents_in(db)] == [
        "فرانكفورت (د ب أ) أعلن اتحاد صناعة السيارات في ألمانيا .", "وقال بان كي مون ."]
    with Store(db) as store:
        got = [[(store.text(d)[s.start:s.end], s.label) for s in store.spans(d)]
               for d in store.document_ids()]
    assert got == [[("فرانكفورت", "LOC"), ("اتحاد صناعة السيارات", "ORG"), ("ألمانيا", "LOC")],
                   [("بان كي مون", "PERS")]]
    assert {source for source, *_ in spans_in(db)} == {f"{corpus}:line 1", f"{corpus}:line 13"}


def test_iob1_and_stray_i_tags_start_an_entity_as_conlleval_reads_them():
    lines = ["أعلن O", "اتحاد I-ORG", "صناعة I-ORG", "بان I-PER", "كي B-PER", "مون I-PER"]
    [doc] = list(read_documents((n, line.encode()) for n, line in enumerate(lines, 1)))
    assert [(doc.text[s:e], label) for s, e, label in doc.spans] == [
        ("اتحاد صناعة", "ORG"), ("بان", "PER"), ("كي مون", "PER")]


def test_a_bad_line_skips_its_whole_document_by_that_line(tmp_path, capsysbinary):
    data = tmp_path / "in.conll"
    data.write_bytes("\n".join([
        "-DOCSTART- -X- O O", "", "قال\tO", "بان\tB-PER", "", "-DOCSTART- -X- O O", "",
        "زار\tO", "حلب\tE-LOC", "أمس\tO", "", "-DOCSTART- -X- O O", "", "وحيدة", "",
        "-DOCSTART- -X- O O", "", "عاد\tO", "إلى\tO", "دمشق\tB-LOC", ""]).encode() + b"\n"
        + b"-DOCSTART- -X- O O\n\n\xff\xfe\tO\n")
    db = tmp_path / "a.db"
    code, err = import_file(capsysbinary, data, db)
    assert code == 2
    reports = [line for line in err.splitlines() if line.endswith("; document skipped")]
    assert len(reports) == 3
    assert f"{data}:9: tag «E-LOC» is not BIO" in reports[0]
    assert f"{data}:14: one column «وحيدة»" in reports[1]
    assert f"{data}:24: not UTF-8" in reports[2]
    assert [text for text, _, _ in documents_in(db)] == ["قال بان", "عاد إلى دمشق"]
    assert "3 bad documents skipped of 5" in err.splitlines()[-1]


@pytest.mark.parametrize("content, fmt, needles", [
    ("id,text\n1,قال بان\n2,زار حلب\n", "auto", ["not a format import reads", "CoNLL"]),
    ("قال بان كي مون إن الوضع في حلب مقلق.\nثم عاد إلى دمشق.\n", "auto",
     ["not a format import reads"]),
    ('[{"text": "قال بان", "label": []}]\n', "auto", ["one JSON array, not JSON lines", "jq -c"]),
    ("-DOCSTART- -X- O O\n\nقال\tO\nبان\tB-PER\n", "jsonl", ["is CoNLL", "--format conll"]),
    ('{"text": "قال بان", "spans": []}\n', "conll", ["is JSON lines, not CoNLL"]),
])
def test_a_file_import_does_not_read_gets_one_line_and_no_database(tmp_path, capsysbinary,
                                                                   content, fmt, needles):
    data = tmp_path / "in.data"
    data.write_text(content, encoding="utf-8")
    code, err = import_file(capsysbinary, data, tmp_path / "a.db", "--format", fmt)
    assert_one_line_failure(code, err, "in.data", *needles)
    assert not (tmp_path / "a.db").exists()


def test_the_installed_command_imports_the_conll_export(tmp_path):
    fx = build_fixture(tmp_path)
    exported = run_installed("export", "--db", str(fx.db), "--format", "conll", "--out",
                             str(tmp_path / "ex.conll"), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    result = run_installed("import", "ex.conll", "--db", "copy.db", cwd=tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    [summary] = result.stderr.splitlines()
    # 3 records, 3 texts: tokens are cut at each record's own span edges (ل + وكالة in
    # amira's), and CoNLL keeps only the tokens
    assert "imported 11 spans into 3 documents (3 new)" in summary


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mixed_text(controls=True), data=st.data())
def test_any_text_round_trips_through_conll(tmp_path_factory, capsysbinary, text, data):
    """Whatever the text and its spans, the CoNLL export of what was imported from the
    CoNLL export is that export."""
    folder = tmp_path_factory.mktemp("conll")
    db = folder / "a.db"
    with Store(db, annotator="amira") as store:
        doc_id = store.open_document(text + " آخر.", folder / "t.txt")[0].id
        full = text + " آخر."
        cuts = sorted(data.draw(st.sets(st.integers(0, len(full)), max_size=6)))
        for start, end in zip(cuts[::2], cuts[1::2]):
            if start < end and full[start:end].strip():
                store.add_span(doc_id, start, end, "PER")
        store.set_status(doc_id, "done")
    first = export_conll(capsysbinary, db, folder / "first.conll")
    code, err = import_file(capsysbinary, folder / "first.conll", folder / "copy.db",
                            "--status", "accepted")
    assert code == 0, err
    assert export_conll(capsysbinary, folder / "copy.db", folder / "second.conll") == first
