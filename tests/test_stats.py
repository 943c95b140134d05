"""`annotator stats`: counts from a real database, as a table and as JSON."""

from __future__ import annotations

import json

from test_export import assert_one_line_failure, build_fixture, run, run_installed


def test_stats_json_counts_documents_and_spans_every_way(tmp_path, capsysbinary):
    fx = build_fixture(tmp_path)
    code, out, err = run(capsysbinary, "stats", "--db", str(fx.db), "--json")
    assert code == 0 and err == ""
    stats = json.loads(out)
    assert stats["documents"] == {
        "total": 3,
        "by_status": {"new": 1, "in_progress": 1, "done": 1, "skipped": 0},
        # only amira ever set a status: bilal has no progress of his own
        "by_annotator": {"amira": {"new": 1, "in_progress": 1, "done": 1, "skipped": 0}},
        "with_accepted_spans": 2,
    }
    spans = stats["spans"]
    assert spans["total"] == 13
    assert spans["by_status"] == {"accepted": 11, "suggested": 1, "rejected": 1}
    assert spans["by_label"] == {"LOC": 5, "ORG": 4, "PER": 4}
    assert spans["by_annotator"] == {"amira": 11, "bilal": 2}
    assert spans["by_label_and_status"]["LOC"] == {"accepted": 4, "suggested": 1}
    assert spans["by_label_and_status"]["ORG"] == {"accepted": 3, "rejected": 1}
    assert spans["by_annotator_and_status"]["bilal"] == {"accepted": 1, "suggested": 1}


def test_stats_table_is_readable(tmp_path, capsysbinary):
    fx = build_fixture(tmp_path)
    code, out, _ = run(capsysbinary, "stats", "--db", str(fx.db))
    assert code == 0
    lines = out.decode("utf-8").splitlines()
    assert lines[0] == "documents: 3  (new 1, in_progress 1, done 1, skipped 0; 2 with accepted spans)"
    assert lines[1] == "spans: 13  (accepted 11, suggested 1, rejected 1)"
    table = {line.split()[0]: line.split()[1:] for line in lines[2:] if line.strip()}
    assert table["label"] == ["accepted", "suggested", "rejected", "total"]
    assert table["LOC"] == ["4", "1", "0", "5"]
    assert table["amira"] == ["10", "0", "1", "11"]
    assert table["bilal"] == ["1", "1", "0", "2"]


def test_stats_of_an_empty_database(tmp_path, capsysbinary):
    from annotator.store import Store

    Store(tmp_path / "empty.db").close()
    code, out, _ = run(capsysbinary, "stats", "--db", str(tmp_path / "empty.db"))
    assert code == 0
    assert out.decode().splitlines() == [
        "documents: 0  (new 0, in_progress 0, done 0, skipped 0; 0 with accepted spans)",
        "spans: 0  (accepted 0, suggested 0, rejected 0)",
    ]


def test_stats_on_a_missing_database_is_one_line_and_exit_2(tmp_path, capsysbinary):
    code, out, err = run(capsysbinary, "stats", "--db", str(tmp_path / "none.db"))
    assert_one_line_failure(code, err, "none.db")
    assert out == b"" and not (tmp_path / "none.db").exists()
    result = run_installed("stats", cwd=tmp_path)  # ./annotations.db is not there
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "annotator stats: annotations.db: no such database; give --db the annotations.db the app writes"
    ]
