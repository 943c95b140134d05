"""Malformed input files, generated (16.4): an import file, a patterns file and a project
file (annotator.toml), each read by the real command-line entry point.

Whatever the file holds -- nesting hundreds of brackets deep, a number of thousands of
digits, bytes that are not UTF-8, lone surrogates, controls, wrong types, truncation -- the
command ends with exit status 0 or 2 and never a traceback (any exception but SystemExit
escaping ``main`` fails the test), says something on stderr when it refuses, and on exit 2
the database is exactly as it was.  Each file is one line, so exit 2 means nothing was
taken from it.
"""

import contextlib
import io
import json
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from conftest import SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import CONTROLS, mixed_text

from annotator.cli.reader import main

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TEXT = SEED.read_text(encoding="utf-8")[:80]


def deep(opening: str, closing: str) -> st.SearchStrategy[str]:
    return st.integers(400, 3000).map(lambda n: opening * n + closing * n)


# JSON text that breaks parsers: deep nesting, numbers too long for int(), non-finite floats.
NASTY_JSON = st.one_of(
    deep("[", "]"), deep('{"a":', "}"),
    st.integers(4000, 7000).map(lambda n: "9" * n), st.integers(4000, 7000).map(lambda n: "-" + "1" * n),
    st.sampled_from(["1e400", "-1e400", "NaN", "Infinity", "-0", "1.5", "true", "null", '""',
                     '"\\ud800"', '"\\udfff x"', '"PER\\u0000"', "[]", "{}"]),
)
PLAIN_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70) | mixed_text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(mixed_text(max_size=5), inner, max_size=3),
    max_leaves=8,
).map(lambda value: json.dumps(value, ensure_ascii=False))
VALUE = st.one_of(NASTY_JSON, PLAIN_JSON)


def obj(fields: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    """A JSON object whose fields are drawn as raw JSON text (some left out)."""
    return st.fixed_dictionaries({}, optional=fields).map(
        lambda chosen: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in chosen.items()) + "}")


SPAN = obj({"start": st.one_of(VALUE, st.integers(-5, 90).map(str)),
            "end": st.one_of(VALUE, st.integers(-5, 90).map(str)),
            "label": st.one_of(VALUE, st.sampled_from(['"PER"', '"LOC"', '"x y"', '"\\u001b[31m"']))})
IMPORT_LINE = obj({
    "text": st.one_of(st.just(json.dumps(TEXT, ensure_ascii=False)), VALUE),
    "spans": st.one_of(st.lists(SPAN, max_size=3).map(lambda s: "[" + ",".join(s) + "]"), VALUE),
    "entities": st.one_of(VALUE, st.just("[[0, 3, \"PER\"]]")),
    "meta": st.one_of(VALUE, obj({"annotator": VALUE, "status": VALUE})),
})
PATTERN_LINE = obj({
    "label": st.one_of(st.just('"PER"'), VALUE),
    "pattern": st.one_of(st.just(json.dumps(TEXT[:6], ensure_ascii=False)), VALUE,
                         st.lists(obj({"LOWER": VALUE, "TEXT": VALUE, "OP": VALUE}), max_size=2)
                         .map(lambda t: "[" + ",".join(t) + "]")),
})


def damaged(line: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """The line as UTF-8, sometimes cut short, or with bytes that are not UTF-8 put in."""
    return st.tuples(line, st.integers(0, 3), st.integers(0, 10 ** 6), st.sampled_from(
        [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", "\u202e".encode(), b"\x1b[2J"])
    ).map(lambda t: _damage(t[0].encode("utf-8", "surrogatepass"), *t[1:]))


def _damage(raw: bytes, how: int, where: int, junk: bytes) -> bytes:
    cut = where % (len(raw) + 1)
    if how == 1:
        return raw[:cut]
    if how == 2:
        return raw[:cut] + junk + raw[cut:]
    return raw


# A TOML project file: the example's keys, with values that break parsers or checks.
TOML_VALUE = st.one_of(
    deep("[", "]"), deep("{a=", "}"), st.integers(4000, 7000).map(lambda n: "1" * n),
    st.sampled_from(['"refuse"', '"allow"', '"rtl"', "1", "-1", "0x1F", "inf", "nan", "true",
                     '"#5b8ff9"', '"\\u001b]0;x\\u0007"', '""', "[]", '["*.txt"]', "{}",
                     "1979-05-27", '"""\nPER\n"""']),
    mixed_text(max_size=6).map(lambda s: json.dumps(s)),
)
TOML_KEYS = ["files", "direction", "overlap", "annotator", "pattern", "allow_overlap", "x"]
LABEL_KEYS = ["name", "key", "color", "description"]
PROJECT_FILE = st.tuples(
    st.lists(st.tuples(st.sampled_from(TOML_KEYS), TOML_VALUE), max_size=3, unique_by=lambda kv: kv[0]),
    st.lists(st.lists(st.tuples(st.sampled_from(LABEL_KEYS), TOML_VALUE), max_size=3,
                      unique_by=lambda kv: kv[0]), max_size=2),
    st.lists(st.sampled_from(CONTROLS + ["[", "]", "=", '"', "\n", "[search]\n", "\ud800"]), max_size=3),
).map(lambda parts: _toml(*parts))


def _toml(top, labels, junk) -> bytes:
    lines = [f"{key} = {value}" for key, value in top]
    for fields in labels:
        lines.append("[[labels]]")
        lines += [f"{key} = {value}" for key, value in fields]
    return ("\n".join(lines) + "".join(junk) + "\n").encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def template_db(tmp_path_factory) -> Path:
    """A database with one labelled document, made by the real import."""
    folder = tmp_path_factory.mktemp("template")
    good = folder / "good.jsonl"
    good.write_text(json.dumps({"text": TEXT, "spans": [{"start": 0, "end": 3, "label": "PER"}]},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    assert run(["import", str(good), "--db", str(folder / "a.db")], folder)[0] == 0
    return folder / "a.db"


def run(argv: list[str], cwd: Path) -> tuple[int, str]:
    """The real entry point in this process: its exit status and what it wrote to stderr.
    Any exception but SystemExit is a traceback a user would have seen: it fails the test."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.chdir(cwd):
        try:
            main(argv)
        except SystemExit as stop:
            return (stop.code if isinstance(stop.code, int) else 0), err.getvalue()
    return 0, err.getvalue()


def dump(db: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return list(conn.iterdump())


def check(template: Path, argv: list[str], file_name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        db = folder / "a.db"
        shutil.copyfile(template, db)
        before = dump(db)
        (folder / file_name).write_bytes(content)
        status, err = run([*argv, "--db", str(db)], folder)
        assert status in (0, 2), (status, err)
        if status == 2:
            assert err.strip(), "a refusal says why"
            assert dump(db) == before, err
        for line in err.splitlines():
            assert line.startswith("annotator") and "\x1b" not in line and "\x9b" not in line, line
        assert not [name for name in os.listdir(folder) if name.endswith((".tmp", ".merging"))]


@SETTINGS
@given(damaged(IMPORT_LINE))
def test_any_import_line_is_imported_or_refused_in_one_line(template_db, line):
    check(template_db, ["import", "in.jsonl"], "in.jsonl", line + b"\n")


@SETTINGS
@given(damaged(PATTERN_LINE))
def test_any_patterns_line_is_used_or_refused_in_one_line(template_db, line):
    check(template_db, ["suggest", "--patterns", "p.jsonl"], "p.jsonl", line + b"\n")


@SETTINGS
@given(PROJECT_FILE)
def test_any_project_file_is_read_or_refused_in_one_line(template_db, project):
    good = json.dumps({"text": TEXT, "spans": [{"start": 4, "end": 6, "label": "PER"}]},
                      ensure_ascii=False).encode()
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "good.jsonl").write_bytes(good + b"\n")
        check(template_db, ["import", str(Path(folder) / "good.jsonl")], "annotator.toml", project)
