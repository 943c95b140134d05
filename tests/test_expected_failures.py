"""The failures users met as tracebacks (16.4), through the installed `annotator`: each is one
line naming the file, exit status 2, and nothing stored changed.

The full and read-only disks are real: a tmpfs mounted in a private mount namespace
(``unshare``, no root needed), filled to the last byte or remounted read-only.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess

import pytest
from conftest import SEED
from test_cli_errors import assert_clean_failure, run_annotator

TEXT = SEED.read_text(encoding="utf-8")[:60]
DEEP = "[" * 1000 + "]" * 1000


@pytest.fixture
def labelled(tmp_path):
    """A database with one span, made by the real import; returns its path."""
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"text": TEXT, "spans": [{"start": 0, "end": 3, "label": "PER"}]},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    assert run_annotator("import", str(good), "--db", "a.db", cwd=tmp_path).returncode == 0
    return tmp_path / "a.db"


def bad_line_refused(result, name: str, why: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert f"{name}:1: {why}" in result.stderr, result.stderr


@pytest.mark.parametrize("line, said", [
    (DEEP, "bad.jsonl: one JSON array, not JSON lines"),  # told what to do with the file
    ('{"text": ' + DEEP + "}", "bad.jsonl:1: nested too deeply"),
    ('{"text": "abc", "spans": [{"start": ' + "1" * 6001 + ', "end": 2, "label": "PER"}]}',
     "bad.jsonl:1: holds a number of more than 4,300 digits"),
])
def test_an_import_file_too_deep_or_too_long_is_refused_in_one_line(tmp_path, labelled, line, said):
    before = labelled.read_bytes()
    (tmp_path / "bad.jsonl").write_text(line + "\n")
    result = run_annotator("import", "bad.jsonl", "--db", "a.db", cwd=tmp_path)
    assert "Traceback" not in result.stderr and result.returncode == 2, result.stderr
    assert f"annotator import: {said}" in result.stderr, result.stderr
    assert labelled.read_bytes() == before


@pytest.mark.parametrize("pattern, why", [
    (DEEP, "nested too deeply"), ("1" * 6001, "holds a number of more than 4,300 digits")])
def test_a_pattern_too_deep_or_too_long_is_one_skipped_line(tmp_path, labelled, pattern, why):
    before = labelled.read_bytes()
    (tmp_path / "p.jsonl").write_text('{"label": "PER", "pattern": ' + pattern + "}\n")
    result = run_annotator("suggest", "--patterns", "p.jsonl", "--db", "a.db", cwd=tmp_path)
    bad_line_refused(result, "p.jsonl", why)
    assert labelled.read_bytes() == before


@pytest.mark.parametrize("value, why", [
    (DEEP, "nested too deeply"), ("1" * 6001, "a number has more than 4,300 digits")])
def test_a_project_file_too_deep_or_too_long_is_one_line(tmp_path, value, why):
    (tmp_path / "annotator.toml").write_text(f"files = {value}\n")
    result = run_annotator(str(SEED), "--db", "a.db", cwd=tmp_path)
    assert_clean_failure(result, "annotator.toml")
    assert why in result.stderr
    assert not (tmp_path / "a.db").exists()


def test_merge_onto_a_file_that_is_not_a_database_leaves_it(tmp_path, labelled):
    shutil.copyfile(labelled, tmp_path / "b.db")
    (tmp_path / "m.db").write_bytes(b"my notes, not a database\n")
    result = run_annotator("merge", "a.db", "b.db", "-o", "m.db", cwd=tmp_path)
    assert_clean_failure(result, "m.db")
    assert "not an SQLite database" in result.stderr
    assert (tmp_path / "m.db").read_bytes() == b"my notes, not a database\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db", "b.db", "good.jsonl", "m.db"]


def in_small_disk(tmp_path, setup: str, *commands: list[str]) -> list[str]:
    """Run ``commands`` (the installed annotator's arguments) with ``disk`` a 256 KiB tmpfs
    prepared by the shell ``setup``; each command's exit status and stderr, in order."""
    exe = shutil.which("annotator")
    runs = "\n".join(f"{shlex.join([exe, *argv])} 2>&1; echo \"EXIT=$?\"" for argv in commands)
    script = f"mount -t tmpfs -o size=256k tmpfs disk || exit 97\n{setup}\n{runs}"
    (tmp_path / "disk").mkdir()
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=tmp_path, timeout=60,
                            capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert result.returncode != 97, result.stderr
    return result.stdout.split("EXIT=")


FILL = "dd if=/dev/zero of=disk/ballast bs=4k 2>/dev/null; true"
READ_ONLY = "mount -o remount,ro disk"


@pytest.mark.parametrize("setup, why", [(FILL, "No space left"), (READ_ONLY, "Read-only")])
def test_export_onto_a_full_or_read_only_disk_is_one_line(tmp_path, labelled, setup, why):
    outputs = in_small_disk(tmp_path, setup, ["export", "--include-suggestions", "--db", "a.db",
                                               "--out", "disk/out.jsonl"])
    said, status = outputs[0], outputs[1].split("\n")[0]
    assert status == "2" and "Traceback" not in said, said
    assert said.startswith("annotator export: --out disk/out.jsonl") and why in said, said
    assert said.count("\n") == 1


@pytest.mark.parametrize("setup", [FILL, READ_ONLY])
def test_merge_and_import_onto_a_full_or_read_only_disk_are_one_line(tmp_path, labelled, setup):
    shutil.copyfile(labelled, tmp_path / "b.db")
    outputs = in_small_disk(tmp_path, setup, ["merge", "a.db", "b.db", "-o", "disk/m.db"],
                            ["import", "good.jsonl", "--db", "disk/n.db"])
    for said, command in zip(outputs[:2], ["merge", "import"]):
        said = said.split("\n", 1)[-1] if command == "import" else said
        assert said.startswith(f"annotator {command}: ") and "disk/" in said, said
        assert "Traceback" not in said and said.count("\n") == 1, said
    assert [out.split("\n")[0] for out in outputs[1:]] == ["2", "2"]
    assert ".merging" not in "".join(outputs)
