"""Export onto a terminal: no raw control byte from the data reaches it, files keep it exact.

JSON formats always write C0/C1 and bidi controls as ``\\uXXXX`` escapes (the same values once
parsed); CoNLL, raw text, shows tokens and tags with the reader's stand-ins only when its
output is a terminal.  The real `annotator export` on a real pty (``pty.openpty``), real
SQLite files through the real Store.
"""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
from pathlib import Path

import pytest
from test_safe_output import CSI_C1, RED, TITLE, unsafe_characters

from annotator.store import Store

#: Every kind of control a document can bring: CSI and OSC in 7 and 8 bits, BEL, the bidi
#: controls (RLO, PDF, RLI, PDI, ALM, LRM), a line separator and a deprecated format control.
HOSTILE = (f"قال {RED}مصدر\x07 \u202eلوكالة\u202c الصحافة {CSI_C1} \u2067الفرنسية\u2069 "
           f"في {TITLE}دمشق \u061c\u200eإن \u2028بان\u206a كى مون.")


def exe() -> str:
    found = shutil.which("annotator")
    assert found, "the `annotator` command is not installed; run: pip install -e '.[test]'"
    return found


def hostile_db(tmp_path: Path) -> Path:
    db = tmp_path / "annotations.db"
    with Store(db, annotator="amira") as store:
        record, _ = store.open_document(HOSTILE, tmp_path / "news.txt")
        for needle, label in (("الصحافة", "ORG"), ("دمشق", "LOC"), ("مون", "PER")):
            start = HOSTILE.index(needle)
            store.add_span(record.id, start, start + len(needle), label)
        store.add_span(record.id, 0, 3, "PER", annotator="patterns", status="suggested")
    return db


def on_a_terminal(tmp_path: Path, *args: str, out_to_terminal: bool = False) -> tuple[int, str, str]:
    """Run `annotator` with stdout on a new pty; what reached the terminal, and stderr.

    ``out_to_terminal``: pass the pty's own path as ``--out`` (a character device)."""
    leader, follower = pty.openpty()
    if out_to_terminal:
        args = (*args, "--out", os.ttyname(follower))
    err = tmp_path / "stderr"
    try:
        with err.open("wb") as stderr:
            process = subprocess.Popen([exe(), *args], stdout=follower, stderr=stderr,
                                       stdin=subprocess.DEVNULL)
        os.close(follower)  # the child holds the terminal now: EOF (EIO) when it is done
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 1 << 16)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = process.wait(timeout=120)
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    # strict UTF-8: a lone C1 byte would not even decode; the pty turns \n into \r\n
    screen = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    return code, screen, err.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["jsonl", "doccano"])
def test_json_exports_reach_a_terminal_with_every_control_escaped(tmp_path, fmt):
    db = hostile_db(tmp_path)
    code, screen, err = on_a_terminal(tmp_path, "export", "--db", str(db), "--format", fmt,
                                      "--include-suggestions")
    assert code == 0, err
    assert unsafe_characters(screen) == [] and unsafe_characters(err) == []
    assert "\\u009b31m" in screen and "\\u202e" in screen and "\\u001b]0;HACKED\\u0007" in screen
    lines = [json.loads(line) for line in screen.splitlines()]
    assert [line["text"] for line in lines] == [HOSTILE, HOSTILE]  # the same data, parsed


@pytest.mark.parametrize("fmt", ["jsonl", "doccano"])
def test_json_files_escape_the_controls_too_and_parse_to_the_exact_text(tmp_path, fmt):
    db = hostile_db(tmp_path)
    out = tmp_path / f"out.{fmt}"
    result = subprocess.run([exe(), "export", "--db", str(db), "--format", fmt, "--out", str(out),
                             "--include-suggestions"], capture_output=True, stdin=subprocess.DEVNULL,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    written = out.read_text(encoding="utf-8")
    assert unsafe_characters(written) == []
    records = [json.loads(line) for line in written.splitlines()]
    assert [r["text"] for r in records] == [HOSTILE, HOSTILE]
    if fmt == "jsonl":
        for record in records:
            for span in record["spans"]:
                assert HOSTILE[span["start"]:span["end"]] == span["text"]
            assert "".join(t["text"] + " " * t["ws"] for t in record["tokens"]) == HOSTILE
    # and the file imports back to the very same document and spans
    copy = tmp_path / "copy.db"
    imported = subprocess.run([exe(), "import", str(out), "--db", str(copy), "--status", "accepted"],
                              capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    assert imported.returncode == 0, imported.stderr
    with Store(copy, annotator="amira") as store:
        [doc_id] = store.document_ids()
        assert store.text(doc_id) == HOSTILE


@pytest.mark.parametrize("out_to_terminal", [False, True], ids=["stdout", "--out /dev/pts/N"])
def test_conll_on_a_terminal_shows_stand_ins_and_says_so(tmp_path, out_to_terminal):
    db = hostile_db(tmp_path)
    code, screen, err = on_a_terminal(tmp_path, "export", "--db", str(db), "--format", "conll",
                                      out_to_terminal=out_to_terminal)
    assert code == 0, err
    assert unsafe_characters(screen.replace("\t", " ")) == [] and unsafe_characters(err) == []
    rows = [line.split("\t") for line in screen.splitlines() if "\t" in line]
    assert ["\u241b", "O"] in rows and ["\u21da", "O"] in rows  # ␛ and ⇚ (RLO), one token each
    assert ["الصحافة", "B-ORG"] in rows and ["مون", "B-PER"] in rows
    [summary] = err.splitlines()
    assert "shown with stand-ins on this terminal" in summary


def test_conll_into_a_file_or_a_pipe_keeps_the_exact_text(tmp_path):
    db = hostile_db(tmp_path)
    out = tmp_path / "out.conll"
    to_file = subprocess.run([exe(), "export", "--db", str(db), "--format", "conll", "--out", str(out)],
                             capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    piped = subprocess.run([exe(), "export", "--db", str(db), "--format", "conll"],
                           capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    assert to_file.returncode == 0 and piped.returncode == 0, (to_file.stderr, piped.stderr)
    assert piped.stdout == out.read_bytes()
    assert b"stand-ins" not in piped.stderr
    tokens = [line.split("\t")[0] for line in out.read_text(encoding="utf-8").splitlines()
              if "\t" in line]
    assert "\x1b" in tokens and "\u202e" in tokens and "\x9b" in tokens  # raw, as stored
    non_space = "".join(HOSTILE.split())
    assert "".join(tokens) == non_space.replace("\u2028", "")  # U+2028 separates like a space


def test_a_spacy_docbin_is_refused_on_a_terminal_given_as_out(tmp_path):
    db = hostile_db(tmp_path)
    code, screen, err = on_a_terminal(tmp_path, "export", "--db", str(db), "--format", "spacy",
                                      out_to_terminal=True)
    assert code == 2 and screen == ""
    [line] = err.splitlines()
    assert "terminal" in line and "--out FILE.spacy" in line
