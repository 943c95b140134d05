"""`annotator export`: tokeniser, hashes, the four formats, filters, atomic output, errors.

Real SQLite files written through the real Store, the real command (in-process through
``commands.run`` and, for exit status and tracebacks, the installed ``annotator``).
The fixture is the seed article with the spans the issue names, including two that do
not fall on token boundaries (a proclitic left out of the span).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.cli import data as commands
from annotator.pipeline.export import (
    ExportError,
    ExportOptions,
    _murmurhash3_32_py,
    export,
    input_hash,
    murmurhash3_32,
    task_hash,
)
from annotator.store import Store
from annotator.text.tokens import Tokens, spacy_tokens, tokenize

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_fbaffb694397fea6.txt"

#: A short second document: harakat, tatweel, Arabic-Indic digits, Arabic punctuation.
SHORT = "زار الرئيسُ مـحمد القاهرةَ في ٢٠٢٤، وقال: «مرحباً بكم»؟\nثم عاد إلى عمّان."


@dataclass
class Fixture:
    db: Path
    seed_id: str
    short_id: str
    seed: str
    aligned: list[tuple[int, int, str, str]]  # (start, end, label, annotator), accepted
    misaligned: list[tuple[int, int, str, str]]


def find(text: str, needle: str, occurrence: int = 0) -> int:
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    return index


def build_fixture(tmp_path: Path) -> Fixture:
    """The seed article and a short document, annotated by amira and bilal."""
    seed = SEED.read_text(encoding="utf-8")
    db = tmp_path / "annotations.db"
    aligned, misaligned = [], []
    with Store(db, annotator="amira") as store:
        seed_id = store.open_document(seed, SEED)[0].id

        def add(needle, label, occurrence=0, skip=0, who="amira", status="accepted"):
            start = find(seed, needle, occurrence) + skip
            end = find(seed, needle, occurrence) + len(needle)
            store.add_span(seed_id, start, end, label, annotator=who, status=status)
            return start, end, label, who

        aligned.append(add("بشار الأسد", "PER"))
        aligned.append(add("بان كى مون", "PER", occurrence=1))
        misaligned.append(add("بان كى مون", "PER"))  # inside «وبان»: the proclitic و left out
        aligned.append(add("حلب", "LOC"))
        aligned.append(add("روسيا", "LOC"))
        aligned.append(add("الأممالمتحدة", "ORG"))  # «الأممالمتحدة», run together: one token
        misaligned.append(add("لوكالة الصحافة الفرنسية", "ORG", skip=1))  # ل left out
        aligned.append(add("للأمم المتحدة", "ORG", who="bilal"))  # proclitic included
        add("دمشق", "LOC", who="bilal", status="suggested")
        rejected = store.add_span(seed_id, find(seed, "داعش"), find(seed, "داعش") + 4, "ORG")
        store.update_span(rejected.id, status="rejected")
        store.set_status(seed_id, "in_progress")

        short_id = store.open_document(SHORT, tmp_path / "short.txt")[0].id
        for needle, label in (("الرئيسُ مـحمد", "PER"), ("القاهرةَ", "LOC"), ("عمّان", "LOC")):
            start = SHORT.index(needle)
            store.add_span(short_id, start, start + len(needle), label)
            aligned.append((start, start + len(needle), label, "amira"))
        store.set_status(short_id, "done")

        store.open_document("وثيقة بلا تعليقات.", tmp_path / "empty.txt")  # no spans: not exported
    return Fixture(db, seed_id, short_id, seed, aligned, misaligned)


@pytest.fixture
def fx(tmp_path) -> Fixture:
    return build_fixture(tmp_path)


def run(capsysbinary, *argv: str) -> tuple[int, bytes, str]:
    code = commands.run(list(argv))
    out, err = capsysbinary.readouterr()
    return code, out, err.decode("utf-8")


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_installed(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("annotator")
    assert exe, "the `annotator` command is not installed; run: pip install -e '.[test]'"
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, encoding="utf-8", cwd=cwd,
        stdin=subprocess.DEVNULL, timeout=120,
    )


def assert_one_line_failure(code: int, err: str, *needles: str) -> str:
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].strip(), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# -- the tokeniser ----------------------------------------------------------------------------


def words(text: str) -> list[str]:
    return [text[s:e] for s, e in tokenize(text)]


def test_punctuation_arabic_and_latin_is_split_off_one_mark_at_a_time():
    assert words("«الأممالمتحدة»، قال: نعم؟ لا؛ (شرق).. !") == [
        "«", "الأممالمتحدة", "»", "،", "قال", ":", "نعم", "؟", "لا", "؛", "(", "شرق", ")", ".", ".", "!",
    ]


def test_digits_are_tokens_of_their_own_in_any_script():
    assert words("أكثر من 90% في ٢٠١٢م و۱۲۳ G20") == [
        "أكثر", "من", "90", "%", "في", "٢٠١٢", "م", "و", "۱۲۳", "G", "20",
    ]
    assert words("3.5 و١٬٠٠٠ و٣٫٥ 1,000.") == ["3.5", "و", "١٬٠٠٠", "و", "٣٫٥", "1,000", "."]


def test_harakat_tatweel_and_joiners_stay_inside_the_word():
    assert words("كَتَبَ مـــحمد عمّان می\u200cخواهم") == ["كَتَبَ", "مـــحمد", "عمّان", "می\u200cخواهم"]


def test_proclitics_are_not_split():
    assert words("لوكالة وبان للأمم") == ["لوكالة", "وبان", "للأمم"]


def test_characters_outside_the_bmp_are_handled_like_the_rest():
    assert words("مرحبا😀 𝐀𝐁𝐂، 𝟏𝟐") == ["مرحبا", "😀", "𝐀𝐁𝐂", "،", "𝟏𝟐"]


def test_alignment_follows_word_tokens(seed_text):
    tokens = Tokens(seed_text)
    start = find(seed_text, "لوكالة")
    assert tokens.aligned(start, start + len("لوكالة")) is not None
    assert tokens.aligned(start + 1, start + len("لوكالة")) is None
    assert tokens.covering(start + 1, start + len("لوكالة")) == tokens.aligned(start, start + len("لوكالة"))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab ،«»كَتـ1٢.\n\t😀\u200c%")), max_size=40) | st.text(max_size=40))
def test_tokens_cover_every_non_space_character_once_and_rebuild_the_text(text):
    spans = tokenize(text)
    covered = [i for s, e in spans for i in range(s, e)]
    assert covered == sorted(set(covered))  # in order, no overlap
    assert set(covered) == {i for i, ch in enumerate(text) if not ch.isspace()}
    assert all(not any(ch.isspace() for ch in text[s:e]) for s, e in spans)
    laid_out = spacy_tokens(text, spans)
    assert "".join(text[s:e] + (" " if ws else "") for s, e, ws in laid_out) == text
    assert [(s, e) for s, e, _ in laid_out if text[s:e].strip()] == spans


# -- hashes -----------------------------------------------------------------------------------


def test_murmurhash3_matches_the_published_values():
    # mmh3's documented examples, and the algorithm's reference vectors
    assert _murmurhash3_32_py(b"foo") == -156908512
    assert _murmurhash3_32_py(b"") == 0
    assert _murmurhash3_32_py(b"hello") == 613153351
    assert _murmurhash3_32_py(b"The quick brown fox jumps over the lazy dog") == 776992547


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_the_pure_python_murmurhash_agrees_with_the_c_one(data):
    from murmurhash.mrmr import hash as c_hash

    assert _murmurhash3_32_py(data) == c_hash(data) == murmurhash3_32(data)


def test_hashes_are_stable_and_depend_on_what_they_should():
    h = input_hash("حلب")
    assert h == murmurhash3_32("حلب".encode("utf-8"))
    assert task_hash(h, [(0, 3, "LOC")]) == task_hash(h, [(0, 3, "LOC")])
    assert task_hash(h, [(0, 3, "LOC")]) != task_hash(h, [(0, 3, "ORG")])
    assert task_hash(h, [(0, 3, "LOC")]) != task_hash(input_hash("حلب "), [(0, 3, "LOC")])


# -- jsonl --------------------------------------------------------------------------------------


def test_jsonl_has_one_record_per_document_and_annotator_with_prodigy_fields(fx, tmp_path, capsysbinary):
    out = tmp_path / "out.jsonl"
    code, stdout, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out))
    assert code == 0, err
    assert stdout == b""
    got = records(out)
    assert [(r["meta"]["doc_id"], r["meta"]["annotator"]) for r in got] == [
        (fx.seed_id, "amira"), (fx.seed_id, "bilal"), (fx.short_id, "amira"),
    ]
    for record in got:
        assert list(record) == ["text", "spans", "tokens", "meta", "_input_hash", "_task_hash", "answer"]
        assert record["answer"] == "accept"
        assert set(record["meta"]) == {"source", "doc_id", "annotator", "status"}
        assert record["_input_hash"] == input_hash(record["text"])
        spans = [(s["start"], s["end"], s["label"]) for s in record["spans"]]
        assert record["_task_hash"] == task_hash(record["_input_hash"], spans)
    assert got[0]["meta"] == {"source": str(SEED), "doc_id": fx.seed_id, "annotator": "amira", "status": "in_progress"}
    assert got[2]["meta"]["status"] == "done"
    assert got[0]["_input_hash"] == got[1]["_input_hash"] != got[2]["_input_hash"]
    assert got[0]["_task_hash"] != got[1]["_task_hash"]
    exported = {(s["start"], s["end"], s["label"], r["meta"]["annotator"]) for r in got for s in r["spans"]}
    assert exported == set(fx.aligned) | set(fx.misaligned)  # no suggestion, no rejected span
    assert "2 not on token boundaries" in err and "wrote 3 records (2 documents, 11 spans)" in err


def test_every_exported_span_is_its_text_slice_and_tokens_point_at_it(fx, tmp_path, capsysbinary):
    out = tmp_path / "out.jsonl"
    assert run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out))[0] == 0
    misaligned = {(s, e) for s, e, _, _ in fx.misaligned}
    for record in records(out):
        text, tokens = record["text"], record["tokens"]
        assert "".join(t["text"] + (" " if t["ws"] else "") for t in tokens) == text
        assert [t["id"] for t in tokens] == list(range(len(tokens)))
        assert all(text[t["start"]:t["end"]] == t["text"] for t in tokens)
        for span in record["spans"]:
            assert text[span["start"]:span["end"]] == span["text"]
            first, last = tokens[span["token_start"]], tokens[span["token_end"]]
            if (span["start"], span["end"]) in misaligned:  # the tokens it overlaps
                assert first["start"] < span["start"] < first["end"] and last["end"] == span["end"]
            else:
                assert (first["start"], last["end"]) == (span["start"], span["end"])


def test_suggestions_are_exported_only_when_asked_and_carry_their_status(fx, tmp_path, capsysbinary):
    out = tmp_path / "out.jsonl"
    run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out), "--include-suggestions")
    bilal = [r for r in records(out) if r["meta"]["annotator"] == "bilal"][0]
    assert [(s["text"], s["status"]) for s in bilal["spans"]] == [("دمشق", "suggested"), ("للأمم المتحدة", "accepted")]
    assert "داعش" not in {s["text"] for r in records(out) for s in r["spans"]}  # rejected: never


def test_filters_by_annotator_label_and_document_status(fx, tmp_path, capsysbinary):
    out = tmp_path / "out.jsonl"
    run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out), "--annotator", "bilal")
    assert [r["meta"]["annotator"] for r in records(out)] == ["bilal"]
    run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out), "--label", "LOC", "--label", "PER")
    assert {s["label"] for r in records(out) for s in r["spans"]} == {"LOC", "PER"}
    assert [r["meta"]["annotator"] for r in records(out)] == ["amira", "amira"]  # bilal has no LOC/PER
    run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out), "--status", "done")
    assert [r["meta"]["doc_id"] for r in records(out)] == [fx.short_id]
    # a record's status is its annotator's: amira set hers on both, bilal never set his
    run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out), "--status", "new")
    assert [(r["meta"]["annotator"], r["meta"]["status"]) for r in records(out)] == [("bilal", "new")]
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out), "--status", "skipped")
    assert code == 0 and out.read_bytes() == b"" and "wrote 0 records" in err


def test_stdout_gets_the_same_bytes_as_the_file(fx, tmp_path, capsysbinary):
    out = tmp_path / "out.jsonl"
    run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out))
    code, stdout, err = run(capsysbinary, "export", "--db", str(fx.db))
    assert code == 0 and stdout == out.read_bytes() and "to stdout" in err


# -- doccano ------------------------------------------------------------------------------------


def test_doccano_lines_have_text_label_triples_and_flat_meta(fx, tmp_path, capsysbinary):
    out = tmp_path / "out.jsonl"
    assert run(capsysbinary, "export", "--db", str(fx.db), "--format", "doccano", "--out", str(out))[0] == 0
    got = records(out)
    assert [list(r) for r in got] == [["text", "label", "source", "doc_id", "annotator", "status"]] * 3
    for r in got:
        for start, end, label in r["label"]:
            assert (start, end, label, r["annotator"]) in set(fx.aligned) | set(fx.misaligned)


# -- conll --------------------------------------------------------------------------------------


def conll_blocks(path: Path) -> list[list[list[tuple[str, str]]]]:
    """Records -> sentences -> (token, tag)."""
    docs = []
    for chunk in path.read_text(encoding="utf-8").split("-DOCSTART- -X- O O\n")[1:]:
        sentences = [
            [tuple(line.split("\t")) for line in block.splitlines() if line]
            for block in chunk.split("\n\n") if block.strip()
        ]
        docs.append(sentences)
    return docs


def test_conll_is_bio_over_the_tokeniser_and_omits_spans_off_token_boundaries(fx, tmp_path, capsysbinary):
    out = tmp_path / "out.conll"
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--format", "conll", "--out", str(out),
                       "--no-split-tokens")
    assert code == 0, err
    docs = conll_blocks(out)
    assert len(docs) == 3
    amira = [pair for sentence in docs[0] for pair in sentence]
    assert [t for t, _ in amira] == [fx.seed[s:e] for s, e in tokenize(fx.seed)]
    entities, current = [], None
    for token, tag in amira:
        if tag.startswith("B-"):
            current = [tag[2:], token]
            entities.append(current)
        elif tag.startswith("I-"):
            current.append(token)
    assert [(e[0], " ".join(e[1:])) for e in entities] == [
        ("LOC", "حلب"), ("ORG", "الأممالمتحدة"), ("PER", "بشار الأسد"), ("PER", "بان كى مون"), ("LOC", "روسيا"),
    ]
    assert ("وبان", "O") in amira and ("لوكالة", "O") in amira  # misaligned: tags omitted
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 2
    for (start, end, label, _), line in zip(sorted(fx.misaligned), warnings):
        assert f"{label} [{start}:{end}]" in line and fx.seed_id[:12] in line and "omitted" in line
    assert "2 not on token boundaries, 2 omitted" in err
    assert docs[0][0][-2:] == [(".", "O"), (".", "O")]  # «..» ends the first sentence
    short = docs[2]
    assert [t for t, _ in short[-1]] == ["ثم", "عاد", "إلى", "عمّان", "."]  # the line break ends a sentence
    assert ("الرئيسُ", "B-PER") in short[0] and ("مـحمد", "I-PER") in short[0]


def test_conll_reports_a_span_that_overlaps_one_already_tagged(fx, tmp_path, capsysbinary):
    with Store(fx.db, annotator="bilal") as store:
        start = find(fx.seed, "للأمم المتحدة")
        store.add_span(fx.seed_id, start, start + len("للأمم"), "MISC", status="suggested")
    out = tmp_path / "out.conll"
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--format", "conll", "--out", str(out),
                       "--annotator", "bilal", "--include-suggestions")
    assert code == 0
    assert "MISC" in err and "overlaps" in err and "1 omitted" in err
    tags = [tag for sentence in conll_blocks(out)[0] for _, tag in sentence]
    assert tags.count("B-ORG") == 1 and "B-MISC" not in tags


# -- atomic output and refusals -------------------------------------------------------------------


def corrupt(db: Path, doc_id: str, start: int, end: int) -> None:
    """A span whose end lies past the text (the store refuses these; a broken copy may not)."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO spans(doc_id, start, end, label, annotator, status, created, updated)"
            " VALUES (?, ?, ?, 'ORG', 'zed', 'accepted', 'x', 'x')",
            (doc_id, start, end),
        )


def test_a_span_outside_its_text_stops_the_export_and_leaves_no_file(fx, tmp_path, capsysbinary):
    n = len(SHORT)
    corrupt(fx.db, fx.short_id, n - 2, n + 5)
    out = tmp_path / "out.jsonl"
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out))
    line = assert_one_line_failure(code, err, fx.short_id[:12], f"[{n - 2}:{n + 5}]", "nothing was written")
    assert "zed" in line
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if "out.jsonl" in p.name or p.name.endswith(".tmp")]


def test_a_failed_export_leaves_an_existing_file_untouched_and_stdout_empty(fx, tmp_path, capsysbinary):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"earlier export\n")
    corrupt(fx.db, fx.short_id, 3, 10_000)
    for fmt in ("jsonl", "doccano", "conll", "spacy"):
        code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out), "--format", fmt)
        assert_one_line_failure(code, err, "[3:10000]")
        assert out.read_bytes() == b"earlier export\n"
    code, stdout, err = run(capsysbinary, "export", "--db", str(fx.db))
    assert_one_line_failure(code, err, "[3:10000]")
    assert stdout == b""
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_the_output_file_gets_ordinary_permissions(fx, tmp_path, capsysbinary):
    out = tmp_path / "out.jsonl"
    run(capsysbinary, "export", "--db", str(fx.db), "--out", str(out))
    import os

    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize(
    "args, needles",
    [
        (["--db", "{tmp}/missing.db"], ["missing.db", "no such database"]),
        (["--db", "{tmp}/notadb.db"], ["notadb.db", "not an annotator database"]),
        (["--db", "{tmp}"], ["not a database file"]),
        (["--db", "{db}", "--format", "spacy"], ["--out"]),
        (["--db", "{db}", "--out", "{tmp}/no/such/dir/out.jsonl"], ["does not exist"]),
        (["--db", "{db}", "--out", "{tmp}"], ["is a directory"]),
        (["--db", "{db}", "--out", ""], ["--out is empty"]),
        (["--db", "{db}", "--out", "{db}"], ["the database itself"]),
        (["--db", "{db}", "--format", "xml"], ["invalid choice", "xml"]),
        (["--db", "{db}", "--status", "finished"], ["invalid choice", "finished"]),
        (["--db", "{db}", "--bogus"], ["annotator export: unrecognized arguments: --bogus"]),
        # a name typed in Latin-1: the byte 0xff arrives as a lone surrogate (surrogateescape)
        (["--db", "{db}", "--annotator", "ali\udcff"], ["--annotator", "not UTF-8"]),
        (["--db", "{db}", "--label", "\udcffLOC"], ["--label", "not UTF-8"]),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(fx, tmp_path, capsysbinary, args, needles):
    (tmp_path / "notadb.db").write_text("hello, not sqlite\n" * 100)
    before = fx.db.read_bytes()
    argv = [a.format(tmp=tmp_path, db=fx.db) for a in args]
    code, stdout, err = run(capsysbinary, "export", *argv)
    assert_one_line_failure(code, err, *needles)
    assert stdout == b""
    assert fx.db.read_bytes() == before
    assert (tmp_path / "notadb.db").read_text() == "hello, not sqlite\n" * 100


def test_a_database_from_a_newer_annotator_is_refused(fx, tmp_path, capsysbinary):
    with sqlite3.connect(fx.db) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db))
    assert_one_line_failure(code, err, "schema version 99")


def test_the_installed_command_exports_and_fails_cleanly(fx, tmp_path):
    ok = run_installed("export", "--format", "conll", cwd=fx.db.parent)  # default --db ./annotations.db
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("-DOCSTART- -X- O O\n")
    bad = run_installed("export", "--db", str(tmp_path / "nope.db"), cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and len(bad.stderr.splitlines()) == 1
    assert "nope.db" in bad.stderr


def test_without_spacy_the_spacy_format_says_how_to_install_it(fx, tmp_path):
    import sys

    code = (
        "import sys; sys.modules['spacy'] = None\n"  # as if spaCy were not installed
        "from annotator.cli.data import run\n"
        f"raise SystemExit(run(['export', '--db', {str(fx.db)!r}, '--format', 'spacy', '--out', 'x.spacy']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert_one_line_failure(result.returncode, result.stderr, "spaCy", "pip install 'annotator[spacy]'")
    assert not (tmp_path / "x.spacy").exists()


# -- streaming ------------------------------------------------------------------------------------


def bulk_database(path: Path, n_docs: int) -> Path:
    """n_docs documents with 3 spans each, inserted directly (schema from Store)."""
    Store(path).close()
    seed = SEED.read_text(encoding="utf-8")[:400]
    with sqlite3.connect(path) as conn:
        docs, spans = [], []
        for i in range(n_docs):
            text = f"{i} {seed}"
            import hashlib

            doc_id = hashlib.sha256(text.encode()).hexdigest()
            docs.append((doc_id, text, len(text), f"/c/{i}", "t", "t"))
            offset = len(str(i)) + 1
            spans += [(doc_id, offset, offset + 6, "ORG"), (doc_id, offset + 7, offset + 11, "LOC")]
        conn.executemany(
            "INSERT INTO documents(id, text, length, source, first_seen, last_seen) VALUES (?,?,?,?,?,?)", docs
        )
        conn.executemany(
            "INSERT INTO spans(doc_id, start, end, label, annotator, status, created, updated)"
            " VALUES (?, ?, ?, ?, 'bulk', 'accepted', 't', 't')",
            spans,
        )
    return path


def test_export_memory_does_not_grow_with_the_corpus(tmp_path):
    small = bulk_database(tmp_path / "small.db", 100)
    large = bulk_database(tmp_path / "large.db", 1500)
    peaks = {}
    for name, db in (("small", small), ("large", large)):
        tracemalloc.start()
        summary = export(db, str(tmp_path / f"{name}.jsonl"), ExportOptions())
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert summary.records == (100 if name == "small" else 1500)
    assert (tmp_path / "large.jsonl").stat().st_size > 2 * peaks["large"]  # output >> memory
    assert peaks["large"] < peaks["small"] * 1.25 + 128 * 1024, peaks


def test_export_error_is_one_line():
    assert "\n" not in str(ExportError("x"))
