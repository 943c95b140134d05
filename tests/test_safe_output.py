"""No byte of outside data reaches the terminal raw.

Labels, annotator names, file names and text from an import file or a database are printed
(CLI) and drawn (app) with the reader's visible stand-ins (␛ ␇ ⇚ �), and names with
controls are refused when they are made.  The real `annotator` command, real SQLite files,
and a real terminal (tmux) whose title a stray OSC sequence would change.
"""

import json
import sqlite3
import subprocess

import pytest
from conftest import SEED
from hypothesis import given
from hypothesis import strategies as st
from strategies import mixed_text
from tmux import ANNOTATOR, needs_annotator, needs_tmux, terminal  # noqa: F401

from annotator.store import Store, StoreError
from annotator.text.glyphs import BIDI_CONTROL_MARKERS, neutralised

TITLE = "\x1b]0;HACKED\x07"  # OSC 0: sets the terminal's title
TITLE_SHOWN = "\u241b]0;HACKED\u2407"  # ␛]0;HACKED␇
RED = "\x1b[31m"  # CSI: red text from here on
CSI_C1 = "\x9b31m"  # the same with the one-byte C1 CSI
TEXT = "قال بان كى مون إن الوضع في حلب مقلق"


def unsafe_characters(output: str) -> list[str]:
    """What a terminal would act on rather than show: C0 (but the line feed), DEL, C1, and
    the bidi controls that reorder a line."""
    return [c for c in output if (c != "\n" and ord(c) < 0x20) or 0x7F <= ord(c) <= 0x9F
            or c in BIDI_CONTROL_MARKERS]


def run(*args) -> subprocess.CompletedProcess:
    result = subprocess.run([ANNOTATOR, *map(str, args)], capture_output=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    # strict UTF-8: a lone C1 byte would not even decode
    result.stdout, result.stderr = result.stdout.decode(), result.stderr.decode()
    assert unsafe_characters(result.stdout) == [] and unsafe_characters(result.stderr) == []
    assert "Traceback" not in result.stderr
    return result


# -- the one function --------------------------------------------------------------------


@given(mixed_text(controls=True) | st.text())
def test_neutralised_text_has_no_control_keeps_its_length_and_is_stable(text):
    shown = neutralised(text)
    assert unsafe_characters(shown.replace("\n", "\x00")) == []  # a line feed is drawn too
    assert len(shown) == len(text)  # one stand-in per character: columns line up
    assert neutralised(shown) == shown


def test_printable_text_is_left_as_it_is():
    assert neutralised(TEXT + " «PER» 90% \u200c") == TEXT + " «PER» 90% \u200c"


# -- names are refused when they are made ---------------------------------------------------


@pytest.mark.parametrize("name", [TITLE, "PER" + RED, CSI_C1, "P\u202eER", "PER\u200b", "A\nB"])
def test_label_and_annotator_names_with_controls_are_refused_with_a_safe_message(tmp_path, name):
    with Store(tmp_path / "a.db") as store:
        record, _ = store.open_document(TEXT, str(tmp_path / "t.txt"))
        for action in (lambda: store.set_labels(["PER", name]), lambda: store.add_labels([name]),
                       lambda: store.add_span(record.id, 0, 3, name),
                       lambda: store.add_span(record.id, 0, 3, "PER", annotator=name)):
            with pytest.raises(StoreError) as refused:
                action()
            assert unsafe_characters(str(refused.value)) == []
        assert [label for label, _ in store.labels()] == ["PER", "LOC", "ORG", "MISC"]
        assert store.spans(record.id) == []
    with pytest.raises(StoreError):
        Store(tmp_path / "a.db", annotator=name)


@needs_annotator
@pytest.mark.parametrize("option", ["--labels", "--annotator"])
def test_the_reader_refuses_a_hostile_name_in_one_safe_line(tmp_path, option):
    value = f"PER,{TITLE}" if option == "--labels" else TITLE
    result = run(SEED, "--db", tmp_path / "a.db", option, value)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert TITLE_SHOWN in line


# -- the CLI ---------------------------------------------------------------------------------


@needs_annotator
def test_a_hostile_import_file_is_reported_with_stand_ins(tmp_path):
    lines = [
        {"text": TEXT, "spans": [{"start": 4, "end": 7, "label": TITLE}]},
        {"text": TEXT, "spans": [{"start": 4, "end": 7, "label": "PER", "text": f"«{RED}»"}]},
        {"text": TEXT, "spans": [{"start": 4, "end": 7, "label": CSI_C1}]},
        {"text": TEXT, "meta": {"annotator": TITLE}, "spans": [{"start": 4, "end": 7, "label": "PER"}]},
    ]
    source = tmp_path / "hostile.jsonl"
    source.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
                      encoding="utf-8")
    db = tmp_path / "a.db"
    result = run("import", source, "--db", db)
    assert result.returncode == 2
    reported = result.stderr.splitlines()
    assert TITLE_SHOWN in reported[0] and "hostile.jsonl:1:" in reported[0]
    assert "\u241b[31m" in reported[1] and "hostile.jsonl:2:" in reported[1]
    assert "hostile.jsonl:3:" in reported[2] and "hostile.jsonl:4:" in reported[3]
    assert TITLE_SHOWN in reported[3]  # the annotator name, refused by the store
    refused = run("import", source, "--db", db, "--add-labels")  # the store refuses the names
    assert refused.returncode == 2 and TITLE_SHOWN in refused.stderr
    # every line is refused before anything of it is stored, so no database is made
    assert not db.exists()


@needs_annotator
def test_a_hostile_import_file_name_is_reported_with_stand_ins(tmp_path):
    result = run("import", tmp_path / f"gone{TITLE}.jsonl", "--db", tmp_path / "a.db")
    assert result.returncode == 2 and f"gone{TITLE_SHOWN}.jsonl" in result.stderr


@needs_annotator
def test_a_hostile_file_name_for_the_reader_is_reported_with_stand_ins(tmp_path):
    result = run(tmp_path / f"gone{TITLE}\n{RED}.txt", "--db", tmp_path / "a.db")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert f"gone{TITLE_SHOWN}\u240a\u241b[31m.txt" in line


def hostile_database(tmp_path, source) -> sqlite3.Connection:
    """A database whose text, source name, label and annotator hold escape sequences: what
    another tool, or an older annotator, could have written (the store itself refuses such
    names, so they are written with SQL)."""
    db = tmp_path / "annotations.db"
    with Store(db, annotator="amira") as store:
        store.set_labels(["PER", "LOC", "ORG", "MISC"])
        record, _ = store.open_document(f"قال مصدر {RED}لوكالة الصحافة", str(source))
        store.add_span(record.id, 9, 18, "ORG")  # starts inside a token: CoNLL warns
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE labels SET name = ? WHERE name = 'ORG'", (TITLE,))
        conn.execute("UPDATE spans SET label = ?, annotator = ?", (TITLE, CSI_C1))
    conn.close()
    return db


@needs_annotator
@pytest.mark.parametrize("fmt", ["conll", "spacy", "jsonl"])
def test_export_warnings_quote_hostile_data_with_stand_ins(tmp_path, fmt):
    db = hostile_database(tmp_path, tmp_path / f"x{TITLE}.txt")
    # --no-split-tokens: a span starting inside a token is then warned about, not split
    split = ["--no-split-tokens"] if fmt != "jsonl" else []
    result = run("export", "--db", db, "--format", fmt, "--out", tmp_path / f"out.{fmt}", *split)
    assert result.returncode == 0
    if fmt != "jsonl":  # jsonl keeps spans off token boundaries without a warning
        [warning] = [line for line in result.stderr.splitlines() if ": warning: " in line]
        assert f"x{TITLE_SHOWN}.txt" in warning and "«\u241b[31mلوكا»" in warning


@needs_annotator
def test_stats_show_hostile_names_with_stand_ins_and_as_json_escapes(tmp_path):
    db = hostile_database(tmp_path, tmp_path / "x.txt")
    table = run("stats", "--db", db)
    assert table.returncode == 0 and TITLE_SHOWN in table.stdout and "\ufffd31m" in table.stdout
    as_json = run("stats", "--db", db, "--json")
    assert as_json.returncode == 0
    stats = json.loads(as_json.stdout)  # the escapes are JSON's own: the names come back exact
    assert stats["spans"]["by_label"] == {TITLE: 1}
    assert stats["spans"]["by_annotator"] == {CSI_C1: 1}


# -- the app, in a real terminal ---------------------------------------------------------------


@needs_tmux
def test_a_hostile_file_name_leaves_the_title_alone_and_shows_stand_ins(terminal, tmp_path):
    hostile = tmp_path / f"news{TITLE}{RED}.txt"
    hostile.write_text(TEXT, encoding="utf-8")
    session = terminal(hostile, 160, 12)
    rows = session.wait_for_text("offset 0/")
    assert f"news{TITLE_SHOWN}\u241b[31m.txt" in "\n".join(rows)  # in the status bar
    assert "HACKED" not in session.title()


@needs_tmux
def test_hostile_labels_in_the_database_are_drawn_with_stand_ins(terminal, tmp_path):
    source = tmp_path / "news.txt"
    db = hostile_database(tmp_path, source)
    with sqlite3.connect(db) as conn:
        [text] = conn.execute("SELECT text FROM documents").fetchone()
    conn.close()
    source.write_text(text, encoding="utf-8")  # the same text: it opens with its spans
    with sqlite3.connect(db) as conn:  # amira's own copy of the hostile annotator's span
        conn.execute("INSERT INTO spans(doc_id, start, end, label, annotator, status, created,"
                     " updated) SELECT doc_id, start, end, label, 'amira', status, created,"
                     " updated FROM spans")
    conn.close()
    # the fixture's database is tmp_path/annotations.db
    session = terminal(source, 160, 12, "--annotator", "amira")
    session.send("n", "t")  # to the span: the status bar names its label too; t: whose else
    rows = session.wait_for_text("(read-only)")
    screen = "\n".join(rows)
    assert screen.count(TITLE_SHOWN) >= 4  # the span list, the legend, the status bar twice
    assert f"by {neutralised(CSI_C1)} (read-only)" in screen
    assert "HACKED" not in session.title()


async def test_a_message_quoting_a_label_is_shown_as_text_not_markup(tmp_path):
    """Store messages quote labels; a label "[/]" used to end the app with a MarkupError."""
    from annotator.tui.app import AnnotatorApp

    with Store(tmp_path / "a.db", annotator="amira") as store:
        app = AnnotatorApp(TEXT, "t.txt", store, labels=["[/]", "[b]LOC"])
        async with app.run_test(size=(100, 20), notifications=True) as pilot:
            await pilot.press("1", "u")  # label the word, undo: "undid: add [/] [0:3]"
            await pilot.pause(0.3)
            assert [str(toast.render()) for toast in app.query("Toast")] == ["undid: add [/] [0:3]"]
            await pilot.press("2", "u")
            await pilot.pause(0.3)
            assert "undid: add [b]LOC [0:3]" in [str(toast.render()) for toast in app.query("Toast")]


@needs_annotator
def test_agreement_shows_hostile_names_with_stand_ins_and_as_json_escapes(tmp_path):
    # Names another tool or a merged database brought in: the table shows stand-ins, and
    # the JSON escapes C1 and bidi controls (json.dumps leaves them raw) like stats does.
    db = tmp_path / "annotations.db"
    for name, (start, end) in {"ali": (0, 3), "badr": (4, 7)}.items():
        with Store(db, annotator=name) as store:
            record, _ = store.open_document(TEXT, tmp_path / "t.txt")
            store.add_span(record.id, start, end, "PER")
            store.set_status(record.id, "done")
    with sqlite3.connect(db) as conn:  # their spans and their progress (status done)
        conn.execute("UPDATE spans SET annotator = ? WHERE annotator = 'ali'", (CSI_C1,))
        conn.execute("UPDATE spans SET annotator = ?, label = ? WHERE annotator = 'badr'",
                     ("b\u202eadr", TITLE))
        conn.execute("UPDATE progress SET annotator = ? WHERE annotator = 'ali'", (CSI_C1,))
        conn.execute("UPDATE progress SET annotator = ? WHERE annotator = 'badr'",
                     ("b\u202eadr",))
    conn.close()
    table = run("agreement", "--db", db)  # run() asserts nothing unsafe reached stdout/stderr
    assert table.returncode == 0 and TITLE_SHOWN in table.stdout
    as_json = run("agreement", "--db", db, "--json")
    assert as_json.returncode == 0
    [pair] = json.loads(as_json.stdout)["pairs"]
    assert {pair["a"], pair["b"]} == {CSI_C1, "b\u202eadr"} and TITLE in pair["labels"]
