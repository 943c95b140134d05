"""The project file, annotator.toml: what it sets, how the command line overrides it, and the
one line (file, line, problem; exit 2) that a bad one gets -- before anything stored changes."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SEED
from hypothesis import given, settings
from hypothesis import strategies as st

from screen_text import shown as shown_on_screen
from annotator.cli.config import ConfigError, example_text, load_config
from annotator.cli.key_lines import KeyLines
from annotator.cli.reader import apply_config, build_parser
from annotator.store import Store
from annotator.text.folding import FoldOptions

ANNOTATOR = shutil.which("annotator")
TIMEOUT_S = 20


def run_annotator(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    if ANNOTATOR is None:
        pytest.fail("the `annotator` command is not installed; run: pip install -e '.[test]'")
    return subprocess.run([ANNOTATOR, *args], cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, encoding="utf-8", errors="replace",
                          timeout=TIMEOUT_S)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file in the folder with a hash of its bytes: what 'nothing changed' means."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def project(tmp_path):
    """A folder with a document and a database that already holds a span of it."""
    shutil.copy(SEED, tmp_path / "doc.txt")
    with Store(tmp_path / "annotations.db", annotator="earlier") as store:
        record, _ = store.open_document(SEED.read_text(encoding="utf-8"), str(tmp_path / "doc.txt"))
        store.add_span(record.id, 0, 6, "PER")
    return tmp_path


LABEL = '[[labels]]\nname = "{}"\n'

# (what, the file's text, the line the message must name, words it must say)
BAD_FILES = [
    ("syntax", 'direction = "rtl"\nfiles = ["doc.txt"\n\noverlap = "allow"\n', 4,
     ["TOML syntax"]),
    ("unterminated string", 'annotator = "ann\n', 1, ["TOML syntax"]),
    ("unknown top-level key", 'direction = "rtl"\nlables = []\n', 2,
     ["unknown key 'lables'", "'labels'"]),
    ("unknown label key", LABEL.format("PER") + 'key = 1\ncolour = "red"\n', 4,
     ["unknown key 'colour'", "'color'"]),
    ("unknown search key", '[search]\nfold_alef = true\nfold_hamza = true\n', 3,
     ["unknown key 'fold_hamza'"]),
    ("a TOML key twice", 'overlap = "allow"\ndirection = "rtl"\noverlap = "refuse"\n', 3,
     ["twice"]),
    ("a label twice", LABEL.format("PER") + "\n" + LABEL.format("LOC") + LABEL.format("PER"), 7,
     ["'PER'", "twice", "line 2"]),
    ("a key twice", LABEL.format("PER") + "key = 2\n" + LABEL.format("LOC") + "key = 2\n", 6,
     ["key 2", "twice", "line 3"]),
    ("a colour Textual cannot parse", LABEL.format("PER") + 'color = "#4e79a"\n', 3,
     ["'#4e79a'", "not a colour"]),
    ("a transparent colour", LABEL.format("PER") + 'color = "transparent"\n', 3,
     ["transparent"]),
    ("a key out of range", LABEL.format("PER") + "key = 10\n", 3, ["1-9", "10"]),
    ("a key 0", LABEL.format("PER") + "key = 0\n", 3, ["1-9", "not 0"]),
    ("a key that is not a number", LABEL.format("PER") + 'key = "1"\n', 3, ["1-9", "'1'"]),
    ("an empty annotator name", 'direction = "rtl"\nannotator = " "\n', 2,
     ["annotator name", "non-empty"]),
    ("a key left unused", LABEL.format("PER") + LABEL.format("LOC") + "key = 3\n", 5,
     ["key 3", "key 2 unused"]),
    ("ten labels", "".join(LABEL.format(f"L{n}") for n in range(10)), 19, ["at most 9"]),
    ("a label without a name", '[[labels]]\nkey = 1\n', 1, ["name", "missing"]),
    ("a bad direction", 'files = ["doc.txt"]\ndirection = "up"\n', 2, ["'up'", "'rtl'"]),
    ("a bad overlap", 'overlap = "sometimes"\n', 1, ["'sometimes'", "'allow'"]),
    ("a two-line description", LABEL.format("PER") + 'description = """a\nperson"""\n', 3,
     ["description", "one plain line"]),
    ("a bidi override in a name", LABEL.format("P\u202eER"), 2, ["\\u202e"]),
    ("a fold option that is not a boolean", '[search]\nfold_ya = "yes"\n', 2,
     ["fold_ya", "true or false"]),
    ("files that are not a list of paths", "files = [1, 2]\n", 1, ["files"]),
]


@pytest.mark.parametrize("name, text, line, words", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_bad_project_file_gets_one_line_naming_file_and_line_and_exit_2(
        project, name, text, line, words):
    (project / "annotator.toml").write_text(text, encoding="utf-8")
    before = snapshot(project)
    result = run_annotator("doc.txt", cwd=project)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"annotator: annotator.toml:{line}: "), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    assert snapshot(project) == before  # the database was not even opened


def test_a_project_file_that_is_not_utf8_names_the_line_of_the_bad_byte(project):
    (project / "annotator.toml").write_bytes('direction = "rtl"\n\nannotator = "'.encode()
                                              + "سلمى".encode("cp1256") + b'"\n')
    result = run_annotator("doc.txt", cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith("annotator: annotator.toml:3: not UTF-8")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("make", ["missing", "directory", "fifo"])
def test_a_config_path_that_is_no_regular_file_is_refused_in_one_line(project, make):
    path = project / "elsewhere.toml"
    if make == "directory":
        path.mkdir()
    elif make == "fifo":
        os.mkfifo(path)
    before = snapshot(project)
    result = run_annotator("doc.txt", "--config", str(path), cwd=project)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr, result.stderr
    assert snapshot(project) == before


def test_a_hostile_config_file_name_is_escaped_in_the_message(project):
    result = run_annotator("doc.txt", "--config", "evil\x1b]0;pwned\x07.toml", cwd=project)
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "evil\u241b]0;pwned\u2407.toml" in result.stderr


# -- what a good file sets ------------------------------------------------------------------


def write(folder: Path, text: str) -> str:
    path = folder / "annotator.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_example_loads_with_what_it_says(tmp_path):
    config = load_config(write(tmp_path, example_text()))
    assert [(label.key, label.name, label.color) for label in config.labels] == [
        (1, "PER", "#5b8ff9"), (2, "LOC", "#f2d45c"), (3, "ORG", "#5fd35f"), (4, "MISC", "#f25f5c")]
    assert config.labels[0].description == "a person (بشار الأسد)"
    assert config.files == (str(tmp_path / "*.txt"),)
    assert (config.direction, config.overlap, config.annotator) == ("auto", "refuse", None)
    assert config.fold == FoldOptions(alef=True, ya=True, ta_marbuta=False)


def test_labels_come_in_key_order_and_a_label_without_a_key_takes_the_first_free_one(tmp_path):
    config = load_config(write(tmp_path, "\n".join([
        '[[labels]]\nname = "ORG"\nkey = 3',
        '[[labels]]\nname = "PER"',
        '[[labels]]\nname = "LOC"\nkey = 1',
    ])))
    assert [(label.key, label.name) for label in config.labels] == [(1, "LOC"), (2, "PER"), (3, "ORG")]


def test_colours_are_stored_as_hex_whatever_css_form_they_are_given_in(tmp_path):
    config = load_config(write(tmp_path, "\n".join(
        f'[[labels]]\nname = "{name}"\ncolor = "{colour}"'
        for name, colour in [("A", "steelblue"), ("B", "rgb(1, 2, 3)"), ("C", "#ABC")])))
    assert [label.color for label in config.labels] == ["#4682b4", "#010203", "#aabbcc"]


def test_files_are_relative_to_the_project_file_not_the_working_folder(tmp_path):
    (tmp_path / "proj").mkdir()
    config = load_config(write(tmp_path / "proj", 'files = ["a.txt", "texts/", "/abs/*.txt"]'))
    assert config.files == (f"{tmp_path}/proj/a.txt", f"{tmp_path}/proj/texts/", "/abs/*.txt")


def test_an_empty_project_file_sets_nothing(tmp_path):
    config = load_config(write(tmp_path, ""))
    assert (config.labels, config.files, config.direction, config.overlap) == ((), (), None, None)


# -- the command line wins ------------------------------------------------------------------

PROJECT = """files = ["doc.txt"]
direction = "ltr"
overlap = "allow"
annotator = "from-file"
[[labels]]
name = "PERSON"
color = "#010203"
description = "a person"
[[labels]]
name = "PLACE"
[search]
fold_ta_marbuta = true
"""


def parsed(argv: list[str], config_text: str, folder: Path):
    args = build_parser().parse_args(argv)
    apply_config(args, load_config(write(folder, config_text)))
    return args


def test_the_project_file_fills_in_what_the_command_line_leaves_out(tmp_path):
    (tmp_path / "doc.txt").write_text("x", encoding="utf-8")
    args = parsed([], PROJECT, tmp_path)
    assert args.paths == [str(tmp_path / "doc.txt")]
    assert (args.direction, args.allow_overlap, args.annotator) == ("ltr", True, "from-file")
    assert args.labels == ["PERSON", "PLACE"]
    assert args.label_colors == {"PERSON": "#010203"}
    assert args.label_descriptions == {"PERSON": "a person"}
    assert args.fold_options == FoldOptions(alef=True, ya=True, ta_marbuta=True)


def test_options_on_the_command_line_win_over_the_project_file(tmp_path):
    args = parsed(["other.txt", "--direction", "rtl", "--no-allow-overlap", "--annotator", "me",
                   "--labels", "A,B"], PROJECT, tmp_path)
    assert (args.paths, args.direction, args.allow_overlap) == (["other.txt"], "rtl", False)
    assert (args.annotator, args.labels) == ("me", ["A", "B"])


def test_without_a_project_file_the_built_in_defaults_hold(tmp_path):
    args = parsed(["doc.txt"], "", tmp_path)
    assert (args.direction, args.allow_overlap, args.annotator, args.labels) == (
        "auto", False, None, None)


def test_files_that_match_nothing_get_one_line_naming_the_files_line(project):
    (project / "annotator.toml").write_text('direction = "rtl"\nfiles = ["none/*.txt"]\n',
                                            encoding="utf-8")
    result = run_annotator(cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith("annotator: annotator.toml:2: ")
    assert "none/*.txt: no file matches" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_no_file_and_no_project_file_asks_for_a_file(tmp_path):
    result = run_annotator(cwd=tmp_path)
    assert result.returncode == 2 and "give the files or folders to label" in result.stderr
    assert list(tmp_path.iterdir()) == []


# -- annotator init -------------------------------------------------------------------------


def test_init_writes_the_example_and_it_loads(tmp_path):
    result = run_annotator("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = (tmp_path / "annotator.toml").read_text(encoding="utf-8")
    assert written == example_text() and written.count("#") > 10  # commented
    assert [label.name for label in load_config(str(tmp_path / "annotator.toml")).labels] == [
        "PER", "LOC", "ORG", "MISC"]


@pytest.mark.parametrize("make", ["file", "directory", "dangling symlink", "fifo"])
def test_init_never_replaces_what_is_there(tmp_path, make):
    path = tmp_path / "annotator.toml"
    if make == "file":
        path.write_text("mine = 1\n", encoding="utf-8")
    elif make == "directory":
        path.mkdir()
    elif make == "dangling symlink":
        path.symlink_to(tmp_path / "nowhere.toml")
    else:
        os.mkfifo(path)
    result = run_annotator("init", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("annotator init: annotator.toml: already exists")
    assert len(result.stderr.splitlines()) == 1
    if make == "file":
        assert path.read_text(encoding="utf-8") == "mine = 1\n"
    assert not (tmp_path / "nowhere.toml").exists()


def test_init_writes_to_a_path_given(tmp_path):
    result = run_annotator("init", "sub.toml", cwd=tmp_path)
    assert result.returncode == 0 and (tmp_path / "sub.toml").read_text(encoding="utf-8") == (
        example_text())


def test_init_in_a_folder_that_does_not_exist_is_one_line(tmp_path):
    result = run_annotator("init", "no/such/dir/annotator.toml", cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert "cannot create" in result.stderr


def test_the_readme_shows_the_example_that_init_writes():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "```toml\n" + example_text() + "```" in readme


# -- finding the line of a key --------------------------------------------------------------


def test_key_lines_know_tables_arrays_dotted_and_quoted_keys():
    lines = KeyLines("\n".join([
        'files = ["a"]',  # 1
        "# a comment",  # 2
        "[[labels]]",  # 3
        'name = "A"',  # 4
        "[[labels]]  # second",  # 5
        '  "name" = "B"',  # 6
        "color = 'red'",  # 7
        "[search]",  # 8
        'note = """',  # 9
        "fold_ya = true",  # 10: inside a multi-line string
        '"""',  # 11
        "fold_ya = false",  # 12
        "search.deep.key = 1",  # 13 (under [search], so search.search.deep.key)
    ]))
    assert lines.line_of(("files",)) == 1
    assert lines.line_of(("labels", 0, "name")) == 4
    assert lines.line_of(("labels", 1, "name")) == 6
    assert lines.line_of(("labels", 1, "color")) == 7
    assert lines.line_of(("labels", 1, "key")) == 5  # not there: its table
    assert lines.line_of(("search", "fold_ya")) == 12
    assert lines.line_of(("search", "search", "deep", "key")) == 13
    assert lines.line_of(("nowhere",)) == 1


KEYS = st.sampled_from(["name", "key", "color", "description"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(KEYS, unique=True, min_size=1), min_size=1, max_size=9),
       st.lists(st.sampled_from(["", "# note", "   "]), min_size=20, max_size=20))
def test_every_label_key_is_found_on_the_line_it_was_written(tables, fillers):
    """Written line by line with blank and comment lines between: the expected line of each
    key is known from the writing, not asked of the code under test."""
    text_lines: list[str] = []
    expected = {}
    for index, keys in enumerate(tables):
        text_lines += ["[[labels]]", fillers[index]]
        for key in keys:
            text_lines.append(f"{key} = 1")
            expected[("labels", index, key)] = len(text_lines)
            text_lines.append(fillers[(index + len(text_lines)) % len(fillers)])
    lines = KeyLines("\n".join(text_lines))
    for path, line in expected.items():
        assert lines.line_of(path) == line


# -- on screen ------------------------------------------------------------------------------

HALAB = "\ufe90\ufee0\ufea3"  # «حلب» shaped (final ba, medial lam, initial ha) in visual order


def app_from(folder: Path, text: str, store: Store, document: str = "حلب مدينة"):
    from annotator.tui.app import AnnotatorApp

    args = parsed(["doc.txt"], text, folder)
    return AnnotatorApp(document, "doc.txt", store, labels=args.labels,
                        label_colors=args.label_colors,
                        label_descriptions=args.label_descriptions)


def legend_of(app) -> tuple[str, int]:
    from annotator.tui.widgets.legend import Legend

    legend = app.query_one(Legend)
    return str(legend.render()), legend.size.height


async def test_labels_colours_and_descriptions_reach_the_store_legend_and_help(tmp_path):
    with Store(tmp_path / "a.db", annotator="t") as store:
        app = app_from(tmp_path, example_text(), store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert store.labels() == [("PER", "#5b8ff9"), ("LOC", "#f2d45c"),
                                      ("ORG", "#5fd35f"), ("MISC", "#f25f5c")]
            shown, height = legend_of(app)
            assert height == 2  # whole descriptions take a second row at 100 columns
            assert "1  PER  a person (" in shown and f"2  LOC  a place ({HALAB})" in shown
            assert "4  MISC  another name: an event, a nationality" in shown
            assert "حلب" not in shown  # never logical, unshaped Arabic on screen
            await pilot.press("question_mark")
            assert shown_on_screen(app.screen.query_one("#help-labels-title")) == "Labels"
            rows = shown_on_screen(app.screen.query_one("#help-labels")).splitlines()
            assert rows[1].split() == ["2", "LOC", "a", "place", f"({HALAB})"]
            assert rows[3].split()[:3] == ["4", "MISC", "another"]


async def test_a_narrow_legend_keeps_one_row_of_names(tmp_path):
    with Store(tmp_path / "a.db", annotator="t") as store:
        app = app_from(tmp_path, example_text(), store)
        async with app.run_test(size=(50, 20)) as pilot:
            await pilot.pause()
            shown, height = legend_of(app)
            assert height == 1 and "a person" not in shown
            assert shown.startswith("1  PER   2  LOC   3  ORG")


async def test_the_legend_takes_its_second_row_on_the_first_screen(tmp_path, seed_text):
    """The row count is known only once the width is: the legend must grow after layout."""
    with Store(tmp_path / "a.db", annotator="t") as store:
        app = app_from(tmp_path, example_text(), store, seed_text)
        async with app.run_test(size=(100, 12)) as pilot:
            await pilot.pause(0.2)
            shown, height = legend_of(app)
            assert len(shown.splitlines()) == 2 and height == 2


async def test_the_legend_refits_when_the_terminal_is_resized(tmp_path):
    with Store(tmp_path / "a.db", annotator="t") as store:
        app = app_from(tmp_path, example_text(), store)
        async with app.run_test(size=(180, 20)) as pilot:
            await pilot.pause()
            shown, height = legend_of(app)
            assert height == 1 and "a nationality  0 spans" in shown
            await pilot.resize_terminal(100, 20)
            await pilot.pause()
            shown, height = legend_of(app)
            assert height == 2 and "a nationality" in shown.splitlines()[1]
            await pilot.resize_terminal(50, 20)
            await pilot.pause()
            assert legend_of(app)[1] == 1 and "a person" not in legend_of(app)[0]


async def test_a_label_key_labels_with_the_project_files_label(tmp_path):
    with Store(tmp_path / "a.db", annotator="t") as store:
        app = app_from(tmp_path, PROJECT, store)
        async with app.run_test(size=(100, 20)) as pilot:
            await pilot.press("2")  # the caret is on «حلب»
            [span] = store.spans(app.record.id)
            assert (span.start, span.end, span.label) == (0, 3, "PLACE")


def test_init_then_plain_annotator_opens_the_projects_file_in_a_real_terminal(tmp_path):
    from tmux import Tmux  # tests/tmux.py, exactly as on main, so the two merge as one

    if not (ANNOTATOR and shutil.which("tmux")):
        pytest.fail("needs the installed annotator and tmux")
    assert run_annotator("init", cwd=tmp_path).returncode == 0
    shutil.copy(SEED, tmp_path / "article.txt")
    command = f"cd '{tmp_path}' && exec '{ANNOTATOR}' --db '{tmp_path}/a.db'"
    session = Tmux(["sh", "-c", command], 120, 24)
    try:
        rows = session.wait_for(lambda rows: "a nationality" in "\n".join(rows))
    finally:
        session.close()
    legend = "\n".join(rows[-4:])
    assert "1  PER  a person" in legend and f"2  LOC  a place ({HALAB})" in legend
    assert "0 spans, overlaps refused" in legend
    assert "article.txt" in rows[-2] or "article.txt" in "\n".join(rows[-3:])
