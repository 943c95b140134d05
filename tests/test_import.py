"""`annotator import`: formats, per-line validation, idempotence, and the export round trip.

Real SQLite files through the real Store; the real command in-process (``commands.run``)
and, for the exit status, the installed ``annotator``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from test_export import assert_one_line_failure, build_fixture, run, run_installed

from annotator.store import Store


def write_lines(path: Path, *objects) -> Path:
    lines = [o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in objects]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def spans_in(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT d.source, s.start, s.end, s.label, s.annotator, s.status FROM spans s"
            " JOIN documents d ON d.id = s.doc_id ORDER BY d.rowid, s.start, s.end, s.label"
        ).fetchall()


def documents_in(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        # the statuses annotators have in the document (schema 4: progress per annotator)
        return conn.execute(
            "SELECT text, source, coalesce((SELECT group_concat(DISTINCT p.status) FROM progress AS p"
            " WHERE p.doc_id = d.id AND p.status != 'new'), 'new') FROM documents AS d ORDER BY rowid"
        ).fetchall()


TEXT = "قال الأمين العام للأمم المتحدة بان كى مون في نيويورك إن حلب تعاني."


def span(text: str, needle: str, label: str, **extra) -> dict:
    start = text.index(needle)
    return {"start": start, "end": start + len(needle), "label": label, "text": needle, **extra}


# -- the round trip -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "doccano"])
def test_export_import_export_is_byte_identical(tmp_path, capsysbinary, fmt):
    fx = build_fixture(tmp_path)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    empty = tmp_path / "empty.db"
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--format", fmt, "--out", str(first))
    assert code == 0, err
    code, _, err = run(capsysbinary, "import", str(first), "--db", str(empty), "--status", "accepted")
    assert code == 0, err
    assert "imported 11 spans into 3 documents (2 new)" in err and "0 bad lines skipped of 3" in err
    code, _, err = run(capsysbinary, "export", "--db", str(empty), "--format", fmt, "--out", str(second))
    assert code == 0, err
    assert second.read_bytes() == first.read_bytes()
    # the statuses came along too, so a full export (with suggestions) matches as well
    assert [d[2] for d in documents_in(empty)] == ["in_progress", "done"]


def test_imported_predictions_are_suggestions_by_their_own_annotator(tmp_path, capsysbinary):
    fx = build_fixture(tmp_path)
    exported = tmp_path / "out.jsonl"
    run(capsysbinary, "export", "--db", str(fx.db), "--out", str(exported))
    target = tmp_path / "target.db"
    code, _, err = run(capsysbinary, "import", str(exported), "--db", str(target))
    assert code == 0, err
    got = spans_in(target)
    assert {s[5] for s in got} == {"suggested"}
    assert {(s[1], s[2], s[3], s[4]) for s in got} == set(fx.aligned) | set(fx.misaligned)
    with Store(target) as store:  # what the app will show: suggestions
        assert {s.status for s in store.spans(fx.seed_id)} == {"suggested"}


def test_annotator_comes_from_meta_else_the_option_else_import(tmp_path, capsysbinary):
    data = write_lines(
        tmp_path / "in.jsonl",
        {"text": TEXT, "spans": [span(TEXT, "حلب", "LOC")], "meta": {"annotator": "model-v2"}},
        {"text": TEXT + " ثانية", "spans": [span(TEXT, "حلب", "LOC")]},
    )
    db = tmp_path / "a.db"
    assert run(capsysbinary, "import", str(data), "--db", str(db), "--annotator", "crf")[0] == 0
    assert [s[4] for s in spans_in(db)] == ["model-v2", "crf"]
    db2 = tmp_path / "b.db"
    assert run(capsysbinary, "import", str(data), "--db", str(db2))[0] == 0
    assert [s[4] for s in spans_in(db2)] == ["model-v2", "import"]


def test_source_is_meta_source_else_the_file_and_line(tmp_path, capsysbinary):
    data = write_lines(
        tmp_path / "in.jsonl",
        {"text": TEXT, "spans": [], "meta": {"source": str(tmp_path / "article.txt")}},
        "",
        {"text": TEXT + " ثانية"},
    )
    db = tmp_path / "a.db"
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(db))
    assert code == 0, err
    assert [d[1] for d in documents_in(db)] == [str(tmp_path / "article.txt"), f"{data.resolve()}:line 3"]
    assert "into 2 documents (2 new)" in err and "of 2" in err  # the blank line is not a line


# -- doccano and Prodigy files made elsewhere --------------------------------------------------------


def test_the_doccano_shapes_are_all_read(tmp_path, capsysbinary):
    hal, ban = TEXT.index("حلب"), TEXT.index("بان كى مون")
    data = write_lines(
        tmp_path / "doccano.jsonl",
        {"id": 1, "text": TEXT, "label": [[hal, hal + 3, "LOC"]]},
        {"id": 2, "text": TEXT + " 2", "labels": [[ban, ban + 10, "PER"]]},
        {"id": 3, "text": TEXT + " 3", "entities": [
            {"id": 7, "label": "LOC", "start_offset": hal, "end_offset": hal + 3},
            {"id": 8, "label": "PER", "start_offset": ban, "end_offset": ban + 10},
        ], "relations": []},
    )
    db = tmp_path / "a.db"
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(db), "--format", "doccano")
    assert code == 0, err
    assert [(s[1], s[2], s[3]) for s in spans_in(db)] == [
        (hal, hal + 3, "LOC"), (ban, ban + 10, "PER"), (ban, ban + 10, "PER"), (hal, hal + 3, "LOC"),
    ]
    db2 = tmp_path / "b.db"  # auto detects the same
    assert run(capsysbinary, "import", str(data), "--db", str(db2))[0] == 0
    assert spans_in(db2) == spans_in(db)
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(tmp_path / "c.db"), "--format", "jsonl")
    assert code == 2 and err.count("a doccano line? use --format doccano or auto; line skipped") == 3


def test_prodigy_lines_with_a_reject_or_ignore_answer_are_left_out(tmp_path, capsysbinary):
    data = write_lines(
        tmp_path / "prodigy.jsonl",
        {"text": TEXT, "spans": [span(TEXT, "حلب", "LOC", token_start=9, token_end=9)], "answer": "accept",
         "_input_hash": 1, "_task_hash": 2, "_view_id": "ner_manual"},
        {"text": TEXT + " 2", "spans": [span(TEXT, "حلب", "LOC")], "answer": "reject"},
        {"text": TEXT + " 3", "spans": [span(TEXT, "حلب", "LOC")], "answer": "ignore"},
    )
    db = tmp_path / "a.db"
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(db))
    assert code == 0, err
    assert len(documents_in(db)) == 1 and len(spans_in(db)) == 1
    assert "2 rejected/ignored lines left out" in err


# -- bad lines --------------------------------------------------------------------------------------


def test_each_bad_line_is_reported_with_its_number_and_skipped_whole(tmp_path, capsysbinary):
    good = {"text": TEXT, "spans": [span(TEXT, "حلب", "LOC")]}
    hal = TEXT.index("حلب")
    bad_lines = {
        2: ('{"text": "نص", "spans": [', "not JSON"),
        3: ('["a", "list"]', "not an object"),
        4: ({"spans": []}, 'no "text"'),
        5: ({"text": ""}, '"text" is empty'),
        6: ({"text": TEXT + " 6", "spans": [span(TEXT, "حلب", "LOC"), {"start": 5, "end": 500, "label": "LOC"}]},
            "span 2 LOC [5:500] is not inside the text"),
        7: ({"text": TEXT + " 7", "spans": [{"start": "3", "end": 5, "label": "LOC"}]}, "not an integer"),
        8: ({"text": TEXT + " 8", "spans": [{"start": 3.0, "end": 5, "label": "LOC"}]}, "not an integer"),
        9: ({"text": TEXT + " 9", "spans": [{"start": hal, "end": hal + 3, "label": "LOC", "text": "حل"}]},
            "is not text["),
        10: ({"text": TEXT + " 10", "spans": [{"start": hal, "end": hal + 3, "label": "CITY"}]},
             "CITY not in the label set"),
        11: ({"text": TEXT + " 11", "spans": [{"start": hal, "end": hal + 3}]}, 'has no "label"'),
        12: ({"text": TEXT + " 12", "label": ["POSITIVE"]}, "not [start, end, label]"),
        13: ({"text": TEXT + " 13", "spans": [], "meta": "x"}, '"meta" is not an object'),
    }
    lines = [good] + [bad_lines[n][0] for n in sorted(bad_lines)] + [{"text": TEXT + " ok", "spans": []}]
    data = write_lines(tmp_path / "in.jsonl", *lines)
    data.write_bytes(data.read_bytes() + b"\xff\xfe not utf-8\n")  # line 15
    db = tmp_path / "a.db"
    code, stdout, err = run(capsysbinary, "import", str(data), "--db", str(db))
    assert code == 2 and stdout == b""
    reports = [line for line in err.splitlines() if line.endswith("; line skipped")]
    assert len(reports) == len(bad_lines) + 1
    for (number, (_, needle)), report in zip(sorted(bad_lines.items()), reports):
        assert report.startswith(f"annotator import: {data}:{number}: "), report
        assert needle in report, (needle, report)
    assert reports[-1].startswith(f"annotator import: {data}:15: not UTF-8")
    assert "Traceback" not in err
    # only the two good lines went in, and nothing of line 6 (whose first span was fine)
    assert [d[0] for d in documents_in(db)] == [TEXT, TEXT + " ok"]
    assert len(spans_in(db)) == 1
    assert err.splitlines()[-1].endswith(f"{len(bad_lines) + 1} bad lines skipped of 15")


def test_add_labels_adds_unknown_labels_to_the_label_set(tmp_path, capsysbinary):
    data = write_lines(tmp_path / "in.jsonl", {"text": TEXT, "spans": [span(TEXT, "حلب", "CITY")]})
    db = tmp_path / "a.db"
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(db), "--add-labels")
    assert code == 0, err
    assert "1 label added" in err
    with Store(db) as store:
        assert [name for name, _ in store.labels()][-1] == "CITY"
    assert spans_in(db)[0][3] == "CITY"


def test_accepted_spans_that_would_overlap_are_refused_with_the_line(tmp_path, capsysbinary):
    data = write_lines(tmp_path / "in.jsonl", {
        "text": TEXT,
        "spans": [span(TEXT, "للأمم المتحدة", "ORG"), span(TEXT, "الأمين العام للأمم", "PER")],
    })
    db = tmp_path / "a.db"
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(db), "--status", "accepted")
    assert_one_line_failure(code, "\n".join(l for l in err.splitlines() if l.endswith("; line skipped")), "overlaps", ":1:")
    assert not db.exists()  # nothing to store: no database made
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(db))  # as suggestions: fine
    assert code == 0, err
    assert len(spans_in(db)) == 2


# -- nothing stored is lost or changed --------------------------------------------------------------


def test_importing_twice_adds_nothing_and_a_rejected_suggestion_stays_rejected(tmp_path, capsysbinary):
    data = write_lines(tmp_path / "in.jsonl", {"text": TEXT, "spans": [span(TEXT, "حلب", "LOC"), span(TEXT, "بان كى مون", "PER")]})
    db = tmp_path / "a.db"
    assert run(capsysbinary, "import", str(data), "--db", str(db))[0] == 0
    with Store(db, annotator="amira") as store:
        doc_id = store.open_document(TEXT, tmp_path / "x.txt")[0].id
        hal = [s for s in store.spans(doc_id) if s.label == "LOC"][0]
        store.update_span(hal.id, status="rejected")
        store.set_status(doc_id, "done")
    before = spans_in(db), documents_in(db)
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(db), "--status", "accepted")
    assert code == 0, err
    assert "imported 0 spans into 1 document (0 new); 2 already present" in err
    assert (spans_in(db), documents_in(db)) == before  # status "done" and source kept


def test_an_existing_document_keeps_its_source_and_status(tmp_path, capsysbinary):
    db = tmp_path / "a.db"
    with Store(db) as store:
        doc_id = store.open_document(TEXT, tmp_path / "article.txt")[0].id
        store.set_status(doc_id, "done")
    data = write_lines(tmp_path / "in.jsonl", {
        "text": TEXT, "spans": [span(TEXT, "حلب", "LOC")], "meta": {"source": "elsewhere", "status": "new"},
    })
    assert run(capsysbinary, "import", str(data), "--db", str(db))[0] == 0
    assert documents_in(db) == [(TEXT, str(tmp_path / "article.txt"), "done")]
    assert len(spans_in(db)) == 1


@pytest.mark.parametrize(
    "make, needles",
    [
        (lambda d: d / "missing.jsonl", ["missing.jsonl", "no such file"]),
        (lambda d: d, ["not a regular file"]),
        (lambda d: (d / "x.spacy").write_bytes(b"\x00\x01binary") and d / "x.spacy", ["x.spacy", "binary"]),
    ],
)
def test_an_unusable_file_gets_one_line_and_exit_2(tmp_path, capsysbinary, make, needles):
    path = make(tmp_path)
    db = tmp_path / "a.db"
    code, _, err = run(capsysbinary, "import", str(path), "--db", str(db))
    assert_one_line_failure(code, err, *needles)


def test_an_unusable_database_gets_one_line_and_is_left_alone(tmp_path, capsysbinary):
    data = write_lines(tmp_path / "in.jsonl", {"text": TEXT})
    db = tmp_path / "not.db"
    db.write_bytes(b"this is not sqlite" * 50)
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(db))
    assert_one_line_failure(code, err, "not.db")
    assert db.read_bytes() == b"this is not sqlite" * 50


def test_the_installed_command_reports_bad_lines_and_exits_2(tmp_path):
    data = write_lines(tmp_path / "in.jsonl", {"text": TEXT, "spans": [span(TEXT, "حلب", "LOC")]}, "{oops")
    result = run_installed("import", str(data), "--db", str(tmp_path / "a.db"), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"annotator import: {data}:2: not JSON (Expecting property name enclosed in double quotes at column 2); line skipped",
        f"annotator import: {data}: imported 1 span into 1 document (1 new); 0 already present; 1 bad line skipped of 2",
    ]


def test_offsets_are_code_points_not_bytes_or_utf16_units(tmp_path, capsysbinary):
    text = "😀 حلب"  # an astral character first: UTF-16 offsets would be off by one
    data = write_lines(
        tmp_path / "in.jsonl",
        {"text": text, "spans": [{"start": 2, "end": 5, "label": "LOC", "text": "حلب"}]},
        {"text": text + " ", "spans": [{"start": 3, "end": 6, "label": "LOC", "text": "حلب"}]},
    )
    db = tmp_path / "a.db"
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(db))
    assert code == 2 and ":2: span 1 LOC [3:6]" in err and "code points" in err
    assert [(s[1], s[2]) for s in spans_in(db)] == [(2, 5)]


def test_a_file_whose_every_line_is_bad_creates_no_database(tmp_path):
    data = write_lines(
        tmp_path / "in.jsonl",
        "{oops",
        {"text": TEXT, "spans": [span(TEXT, "حلب", "CITY")]},  # a label not in the set
        {"text": TEXT, "spans": [span(TEXT, "حلب", "LOC")], "answer": "reject"},  # left out
    )
    result = run_installed("import", str(data), cwd=tmp_path)  # default --db ./annotations.db
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].endswith("2 bad lines skipped of 3")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]  # no db, no -wal, no -shm


def test_an_existing_database_is_left_byte_for_byte_when_every_line_is_bad(tmp_path, capsysbinary):
    db = tmp_path / "a.db"
    with Store(db) as store:
        store.open_document(TEXT, tmp_path / "t.txt")
    before = db.read_bytes()
    data = write_lines(tmp_path / "in.jsonl", "{oops", {"text": TEXT, "spans": [span(TEXT, "حلب", "CITY")]})
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(db))
    assert code == 2 and "2 bad lines skipped of 2" in err
    assert db.read_bytes() == before


def test_an_unusable_database_path_is_refused_before_any_line_is_read(tmp_path, capsysbinary):
    data = write_lines(tmp_path / "in.jsonl", "{oops")
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(tmp_path / "no" / "such" / "a.db"))
    assert_one_line_failure(code, err, "a.db", "not an existing folder")


def test_lone_surrogate_escapes_and_bad_names_are_bad_lines_and_store_nothing(tmp_path, capsysbinary):
    # JSON's \ud800 escape decodes to a lone surrogate, which is not text and cannot be
    # stored as UTF-8; a name with control characters is refused by the store.  Either way
    # the line is reported and skipped whole: its new document is not stored either.
    hal = TEXT.index("حلب")
    lone = "\\ud800"
    data = tmp_path / "in.jsonl"
    data.write_text("\n".join([
        '{"text": "نص ' + lone + '"}',
        '{"text": "نص 2", "spans": [{"start": 0, "end": 2, "label": "LOC' + lone + '"}]}',
        '{"text": "نص 3", "spans": [], "meta": {"annotator": "' + lone + '"}}',
        '{"text": "نص 4", "meta": {"source": "a' + lone + '.txt"}}',
        json.dumps({"text": "نص 5", "spans": [{"start": 0, "end": 2, "label": "LOC"}],
                    "meta": {"annotator": "\x1b[2Jevil"}}),
        json.dumps({"text": TEXT, "spans": [span(TEXT, "حلب", "LOC")]}),
    ]) + "\n", encoding="utf-8")
    db = tmp_path / "a.db"
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(db), "--add-labels")
    assert code == 2 and "Traceback" not in err, err
    reports = [line for line in err.splitlines() if line.endswith("; line skipped")]
    assert [r.split(":")[2] for r in reports] == ["1", "2", "3", "4", "5"], err
    assert all("surrogate" in r for r in reports[:4]), reports
    assert "control" in reports[4] and "\x1b" not in err
    assert documents_in(db) == [(TEXT, f"{data.resolve()}:line 6", "new")]
    assert [(s[1], s[2]) for s in spans_in(db)] == [(hal, hal + 3)]


def test_a_file_name_that_is_not_utf8_is_imported(tmp_path, capsysbinary):
    # A Latin-1 file name reaches Python as lone surrogates (surrogateescape), which SQLite
    # cannot store: the documents' source shows U+FFFD where the name has a bad byte.
    data = write_lines(tmp_path / os.fsdecode(b"caf\xe9.jsonl"), {"text": TEXT})
    db = tmp_path / "a.db"
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(db))
    assert code == 0 and "Traceback" not in err, err
    assert documents_in(db) == [(TEXT, f"{tmp_path.resolve()}/caf\ufffd.jsonl:line 1", "new")]


def test_a_bad_annotator_option_is_refused_once_before_any_line(tmp_path, capsysbinary):
    data = write_lines(tmp_path / "in.jsonl", {"text": TEXT}, {"text": TEXT + " 2"})
    db = tmp_path / "a.db"
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(db), "--annotator", "a\x1b[31m")
    assert_one_line_failure(code, err, "--annotator", "\u241b[31m")
    assert not db.exists()


def test_a_raw_control_character_in_a_json_string_is_reported_in_plain_words(tmp_path, capsysbinary):
    # json says "Invalid control character at"; the report adds "at column N" itself.
    data = tmp_path / "in.jsonl"
    data.write_bytes('{"text": "نص\tمع"}\n'.encode())
    code, _, err = run(capsysbinary, "import", str(data), "--db", str(tmp_path / "a.db"))
    assert code == 2
    assert f"{data}:1: not JSON (Invalid control character at column 13); line skipped" in err


def test_import_takes_the_project_files_labels_before_the_app_ever_ran(tmp_path):
    """annotator.toml declares GPE; a fresh database must not refuse the project's label."""
    (tmp_path / "annotator.toml").write_text(
        '[[labels]]\nname = "PER"\n\n[[labels]]\nname = "GPE"\ncolor = "#123456"\n', encoding="utf-8")
    line = {"text": "زار حلب", "spans": [{"start": 4, "end": 7, "label": "GPE"}]}
    (tmp_path / "in.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run_installed("import", "in.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with Store(tmp_path / "annotations.db", annotator="t") as store:
        assert [name for name, _ in store.labels()] == ["PER", "GPE"]
        [doc] = store.document_ids()
        assert [(s.start, s.end, s.label) for s in store.spans(doc)] == [(4, 7, "GPE")]
    (tmp_path / "annotator.toml").write_text('[[labels]]\nnmae = "PER"\n', encoding="utf-8")
    result = run_installed("import", "in.jsonl", cwd=tmp_path)
    assert result.returncode == 2 and "annotator.toml:2" in result.stderr
