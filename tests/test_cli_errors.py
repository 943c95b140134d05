"""The installed `annotator` command fails cleanly on files it cannot load.

Contract (cli.py calls loading.load_text before starting the terminal UI):
exit status 2, stderr is exactly one non-empty line that names the file,
and no Python traceback anywhere.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

TIMEOUT_S = 20

def run_annotator(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("annotator")
    if exe is None:
        pytest.fail("the `annotator` command is not installed; run: pip install -e '.[test]'")
    return subprocess.run(
        [exe, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=TIMEOUT_S,
        cwd=cwd,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], path) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"stderr was {result.stderr!r}"
    assert str(path) in lines[0], lines[0]


def test_missing_file_exits_2_with_one_line_naming_it(tmp_path):
    path = tmp_path / "does-not-exist.txt"
    assert_clean_failure(run_annotator(str(path), cwd=tmp_path), path)


def test_directory_exits_2_with_one_line_naming_it(tmp_path):
    path = tmp_path / "a-directory"
    path.mkdir()
    assert_clean_failure(run_annotator(str(path), cwd=tmp_path), path)


def test_empty_file_exits_2_with_one_line_naming_it(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert_clean_failure(run_annotator(str(path), cwd=tmp_path), path)


def test_binary_file_exits_2_with_one_line_naming_it(tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert_clean_failure(run_annotator(str(path), cwd=tmp_path), path)


def test_invalid_utf8_exits_2_with_one_line_naming_it(tmp_path):
    path = tmp_path / "legacy.txt"
    path.write_bytes("سلام عليكم\n".encode("cp1256"))
    result = run_annotator(str(path), cwd=tmp_path)
    assert_clean_failure(result, path)
    assert "byte 0" in result.stderr and "cp1256" in result.stderr


def test_unknown_encoding_name_exits_2_with_one_line_naming_the_file(tmp_path):
    path = tmp_path / "fine.txt"
    path.write_text("سلام\n", encoding="utf-8")
    result = run_annotator(str(path), "--encoding", "no-such-codec", cwd=tmp_path)
    assert_clean_failure(result, path)
    assert "no-such-codec" in result.stderr


def test_help_names_every_other_command(tmp_path):
    # `annotator --help` is where a new user looks: the data and team commands must be there.
    result = run_annotator("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("init", "export", "import", "stats", "suggest", "spacy-config",
                    "agreement", "merge", "serve"):
        assert f"annotator {command}" in result.stdout, command
