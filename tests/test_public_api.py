"""The public API a pipeline author uses: the README's example runs, and export_records
yields exactly what the export command writes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_export import build_fixture, records, run

import annotator
from annotator import ExportError, Snapshot, Store, export_records, open_store

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_example() -> tuple[str, str]:
    """The code block of README's "From Python" section and the output block after it."""
    section = README.read_text(encoding="utf-8").split("### From Python", 1)[1].split("\n## ", 1)[0]
    code, output = re.findall(r"```(?:python|text)\n(.*?)```", section, re.S)
    return code, output


def test_the_readme_example_runs_and_prints_what_the_readme_says(tmp_path):
    code, output = readme_example()
    assert len(code.strip().splitlines()) <= 8
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, encoding="utf-8", timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == output
    assert (tmp_path / "example.db").is_file()


@pytest.mark.parametrize("fmt, argv", [
    ("jsonl", []),
    ("jsonl", ["--include-suggestions", "--split-tokens", "--annotator", "bilal"]),
    ("doccano", ["--label", "PER", "--status", "in_progress"]),
])
def test_export_records_are_the_lines_the_command_writes(tmp_path, capsysbinary, fmt, argv):
    fx = build_fixture(tmp_path)
    out = tmp_path / "out.jsonl"
    code, _, err = run(capsysbinary, "export", "--db", str(fx.db), "--format", fmt, "--out", str(out), *argv)
    assert code == 0, err
    filters = {"format": fmt}
    if "--include-suggestions" in argv:
        filters.update(include_suggestions=True, split_tokens=True, annotators=["bilal"])
    if "--label" in argv:
        filters.update(labels=["PER"], doc_statuses=["in_progress"])
    got = list(export_records(fx.db, **filters))
    assert got == records(out) and got  # and not vacuously: there are records


def test_export_records_streams_from_one_snapshot(tmp_path):
    fx = build_fixture(tmp_path)
    stream = export_records(fx.db)
    first = next(stream)
    with Store(fx.db, annotator="zed") as store:  # written while the stream is open
        store.add_span(fx.short_id, 0, 3, "MISC")
    rest = list(stream)
    assert [r["meta"]["annotator"] for r in [first, *rest]] == ["amira", "bilal", "amira"]
    assert "zed" in [r["meta"]["annotator"] for r in export_records(fx.db)]


def test_bad_options_fail_at_the_call_and_a_missing_database_at_the_first_record(tmp_path):
    with pytest.raises(ExportError, match="export_records yields JSON records"):
        export_records(tmp_path / "x.db", format="conll")
    with pytest.raises(ExportError, match="unknown document status 'finished'"):
        export_records(tmp_path / "x.db", doc_statuses=["finished"])
    with pytest.raises(ExportError, match="no_such_field"):
        export_records(tmp_path / "x.db", no_such_field=1)
    stream = export_records(tmp_path / "missing.db")
    with pytest.raises(ExportError, match="no such database"):
        next(stream)
    assert not (tmp_path / "missing.db").exists()


def test_open_store_reads_and_writes_or_only_reads(tmp_path):
    path = tmp_path / "a.db"
    with open_store(path, annotator="amira") as store:
        assert isinstance(store, Store) and store.annotator == "amira"
        doc = store.open_document("حلب", tmp_path / "t.txt")[0].id
        store.add_span(doc, 0, 3, "LOC")
    before = path.read_bytes()
    with open_store(path, readonly=True) as snap:
        assert isinstance(snap, Snapshot)
        assert [r.spans for r in snap.records()] == [[(0, 3, "LOC", "accepted")]]
    assert path.read_bytes() == before


def test_the_new_names_are_in_the_public_api():
    for name in ("open_store", "export_records", "Snapshot", "Record", "ExportError"):
        assert name in annotator.__all__ and getattr(annotator, name) is not None
