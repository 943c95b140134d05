"""`annotator suggest`: patterns and spaCy pipelines become suggestions in the store.

The real `annotator` command on a real SQLite file, real spaCy pipelines (built and saved in
the test, and one trained with `spacy train`).  Expected offsets come from where the test put
the words, never from the code under test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.pipeline.export import Record, split_records
from annotator.pipeline.suggest import Suggester, pattern_suggester, project_tokenizer, suggest
from annotator.store import Store
from annotator.text.tokens import spacy_tokens
from strategies import mixed_text

TIMEOUT_S = 120
UN = "الأمم المتحدة"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("annotator")
    assert exe is not None, "the `annotator` command is not installed; run: pip install -e '.[test]'"
    result = subprocess.run(
        [exe, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
        encoding="utf-8", errors="replace", timeout=TIMEOUT_S, cwd=cwd,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def store_texts(db: Path, texts: list[str]) -> list[str]:
    with Store(db, annotator="tester") as store:
        return [store.open_document(text, f"/doc/{i}.txt")[0].id for i, text in enumerate(texts)]


def spans_of(db: Path, doc_id: str, statuses=("accepted", "suggested", "rejected")):
    with Store(db, annotator="tester") as store:
        return [(s.start, s.end, s.label, s.annotator, s.status) for s in store.spans(doc_id, statuses)]


def write_patterns(path: Path, *objects) -> Path:
    path.write_text(
        "\n".join(o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in objects) + "\n",
        encoding="utf-8",
    )
    return path


# -- patterns: folding and whole tokens ----------------------------------------------------


def test_phrase_patterns_fold_harakat_tatweel_and_alef_forms_on_whole_tokens(tmp_path):
    texts = [
        "قالت الأُمَم المتحدة اليوم",  # harakat
        "قالت الامـم المتحـدة اليوم",  # tatweel, bare alef
        "قالت للأمم المتحدة اليوم",  # clitic: «للأمم» is one token, not «الأمم»
        "قالت الأمم\nالمتحدة اليوم",  # a line break is not the phrase's space
    ]
    db = tmp_path / "a.db"
    ids = store_texts(db, texts)
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "ORG", "pattern": "الامم المتحدة"})
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for doc, written in ((ids[0], "الأُمَم المتحدة"), (ids[1], "الامـم المتحـدة")):
        assert spans_of(db, doc) == [(5, 5 + len(written), "ORG", "patterns", "suggested")]
    assert spans_of(db, ids[2]) == []
    assert spans_of(db, ids[3]) == []


def test_phrase_patterns_with_stray_whitespace_match_as_search_does(tmp_path):
    """A gazetteer line with a trailing space, a tab or two spaces between its words (as
    search folds whitespace runs to one space) is the same phrase, not a phrase that can
    never match."""
    db = tmp_path / "a.db"
    [doc] = store_texts(db, ["قالت الأمم المتحدة إن حلب آمنة"])
    patterns = write_patterns(
        tmp_path / "p.jsonl", {"label": "ORG", "pattern": "الأمم  المتحدة"},
        {"label": "LOC", "pattern": " حلب\t"},
    )
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert spans_of(db, doc) == [(5, 18, "ORG", "patterns", "suggested"),
                                 (22, 25, "LOC", "patterns", "suggested")]


def test_token_patterns_and_the_annotator_option(tmp_path):
    db = tmp_path / "a.db"
    [doc] = store_texts(db, ["زار Ban Ki-moon حلب"])
    patterns = write_patterns(
        tmp_path / "p.jsonl", {"label": "PER", "pattern": [{"LOWER": "ban"}, {"LOWER": "ki"}]},
        {"label": "LOC", "pattern": [{"TEXT": "حلب"}]},
    )
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), "--annotator", "gazetteer",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert spans_of(db, doc) == [(4, 10, "PER", "gazetteer", "suggested"),
                                 (16, 19, "LOC", "gazetteer", "suggested")]


LETTERS = "بتحدرسعلمنهوي"
ALEFS = ["ا", "أ", "إ", "آ"]
MARKS = ["\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u064b", "\u0640"]
FILLER = ["قال", "في", "اليوم", "مدينة", "،", "«", "»", "2016", "و"]


@st.composite
def decorated(draw, plain: str) -> str:
    """``plain`` as it may be written: any alef form, harakat and tatweel after letters."""
    out = []
    for char in plain:
        out.append(draw(st.sampled_from(ALEFS)) if char == "ا" else char)
        out.extend(draw(st.lists(st.sampled_from(MARKS), max_size=2)))
    return "".join(out)


@st.composite
def text_with_hits(draw):
    """Filler and occurrences of «امل بحر» (written anyhow); returns the text and the
    offsets of the occurrences standing as whole tokens (not after a clitic «ل»)."""
    pieces, hits, position = [], [], 0
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            clitic = draw(st.sampled_from(["", "", "ل"]))
            phrase = clitic + draw(decorated("امل")) + " " + draw(decorated("بحر"))
            if not clitic:
                hits.append((position, position + len(phrase)))
            piece = phrase
        else:
            piece = draw(st.sampled_from(FILLER))
        pieces.append(piece)
        position += len(piece) + 1
    return " ".join(pieces), hits


@cache
def _ruler():
    return pattern_suggester([{"label": "LOC", "pattern": "امل بحر"}])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_with_hits())
def test_folded_phrase_hits_are_exactly_the_whole_token_occurrences(case):
    text, hits = case
    suggester = _ruler()
    found = suggester.spans(suggester.nlp(text))
    assert [(s, e) for s, e, _ in found] == hits


WORDS = ["حلب", "بحر", "امل", "نهر", "جبل"]
OVERLAPPING = [  # phrases that share words, so matches overlap and contain each other
    {"label": "LOC", "pattern": "حلب"}, {"label": "ORG", "pattern": "حلب بحر"},
    {"label": "PER", "pattern": "بحر امل"}, {"label": "MISC", "pattern": "امل نهر جبل"},
    {"label": "LOC", "pattern": "نهر"}, {"label": "PER", "pattern": "جبل حلب"},
]


@cache
def _entity_ruler():
    nlp = project_tokenizer(spacy.blank("ar"), fold_norms=True)
    nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "NORM"}).add_patterns(OVERLAPPING)
    return nlp


@cache
def _overlapping_suggester():
    return pattern_suggester(OVERLAPPING)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), max_size=14))
def test_overlapping_matches_are_resolved_as_spacys_entity_ruler_does(words):
    text = " ".join(words)
    suggester = _overlapping_suggester()
    expected = [(e.start_char, e.end_char, e.label_) for e in _entity_ruler()(text).ents]
    assert suggester.spans(suggester.nlp(text)) == expected


@st.composite
def proclitic_case(draw):
    """«الأمم المتحدة» written anyhow, after a proclitic (harakat on it too) or none; returns
    the text and where the name starts (after the proclitic and its marks), or None for «لل»."""
    clitic = draw(st.sampled_from(["", "و", "ف", "ب", "ك", "وب", "فك", "ل"]))
    written = "".join(c + "".join(draw(st.lists(st.sampled_from(MARKS[:6]), max_size=1))) for c in clitic)
    name = draw(decorated("الامم")) + " " + draw(decorated("المتحدة"))
    if clitic == "ل":  # ل + ال is written لل: no stretch of the text is the name
        return "قال " + written + name[1:], None
    return "قال " + written + name, 4 + len(written)


@cache
def _proclitic_suggester():
    return pattern_suggester([{"label": "ORG", "pattern": UN}], proclitics=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(proclitic_case())
def test_proclitics_match_and_the_suggestion_starts_after_them(case):
    text, start = case
    suggester = _proclitic_suggester()
    found = suggester.spans(suggester.nlp(text))
    assert found == ([] if start is None else [(start, len(text), "ORG")])


def test_proclitics_only_with_the_option_and_only_for_patterns(tmp_path):
    text = "قال إن والأمم المتحدة وبالأمم المتحدة للأمم المتحدة"
    db = tmp_path / "a.db"
    [doc] = store_texts(db, [text])
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "ORG", "pattern": UN})
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), cwd=tmp_path)
    assert result.returncode == 0 and spans_of(db, doc) == []  # whole tokens by default
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), "--proclitics", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first, second = text.index("الأمم"), text.index("الأمم", text.index("بالأمم"))
    assert spans_of(db, doc) == [
        (first, first + len(UN), "ORG", "patterns", "suggested"),
        (second, second + len(UN), "ORG", "patterns", "suggested"),
    ]
    model = run("suggest", "--db", str(db), "--model", "xx_nothing", "--proclitics", cwd=tmp_path)
    assert model.returncode == 2 and "use it with --patterns" in one_line(model)


# -- the store: reruns, accepted spans, interruption ----------------------------------------


def test_second_run_adds_nothing_and_accepted_spans_hide_suggestions_from_their_owner(tmp_path):
    text = "قال الأمين العام للأمم المتحدة إن الأمم المتحدة قلقة"
    db = tmp_path / "a.db"
    [doc] = store_texts(db, [text])
    first = text.index("الأمم")
    with Store(db, annotator="amal") as store:
        store.add_span(doc, first, first + 5, "LOC")  # a person's decision over half the phrase
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "ORG", "pattern": UN},
                              {"label": "ORG", "pattern": "قلقة"})
    for _ in range(2):
        result = run("suggest", "--db", str(db), "--patterns", str(patterns), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    end = text.index("قلقة")
    # amal's span is hers: the phrase over it is still proposed, to everybody else
    assert spans_of(db, doc) == [
        (first, first + 5, "LOC", "amal", "accepted"),
        (first, first + 13, "ORG", "patterns", "suggested"),
        (end, end + 4, "ORG", "patterns", "suggested"),
    ]
    assert "added 0 suggestions" in result.stderr and "left out 2" in result.stderr
    with Store(db, annotator="amal") as amal, Store(db, annotator="badr") as badr:
        assert [(s.start, s.end) for s in amal.suggestions(doc)] == [(end, end + 4)]
        assert [(s.start, s.end) for s in badr.suggestions(doc)] == [(first, first + 13), (end, end + 4)]


def test_rejected_suggestions_do_not_come_back(tmp_path):
    db = tmp_path / "a.db"
    [doc] = store_texts(db, ["زار حلب"])
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "LOC", "pattern": "حلب"})
    run("suggest", "--db", str(db), "--patterns", str(patterns), cwd=tmp_path)
    with Store(db, annotator="amal") as store:
        [span] = store.suggestions(doc)
        store.decide_suggestion(span.id, "rejected")
    run("suggest", "--db", str(db), "--patterns", str(patterns), cwd=tmp_path)
    assert spans_of(db, doc) == [(4, 7, "LOC", "patterns", "suggested")]  # still the one row
    with Store(db, annotator="amal") as amal, Store(db, annotator="badr") as badr:
        assert amal.suggestions(doc) == []  # not back for the one who rejected it
        assert [(s.start, s.end) for s in badr.suggestions(doc)] == [(4, 7)]


def test_ctrl_c_keeps_every_document_done_before_it(tmp_path):
    db = tmp_path / "a.db"
    ids = store_texts(db, [f"زار حلب {i}" for i in range(7)])

    def stop_at_five(done: int) -> None:
        if done == 5:
            raise KeyboardInterrupt

    with Store(db, annotator="patterns") as store:
        summary = suggest(store, ids, _ruler_for("حلب"), known_labels={"LOC"}, progress=stop_at_five,
                          batch_size=2)
    assert summary.interrupted and summary.documents == 5
    assert [len(spans_of(db, doc)) for doc in ids] == [1, 1, 1, 1, 1, 0, 0]


def test_every_batch_is_committed_before_suggest_returns(tmp_path):
    db = tmp_path / "a.db"
    ids = store_texts(db, [f"زار حلب {i}" for i in range(5)])
    with Store(db, annotator="patterns") as store:
        summary = suggest(store, ids, _ruler_for("حلب"), known_labels={"LOC"}, batch_size=2)
        # Another connection, while this store is still open, sees every suggestion.
        assert [spans_of(db, doc) for doc in ids] == [[(4, 7, "LOC", "patterns", "suggested")]] * 5
        assert summary.added == 5 and not summary.interrupted
        store.set_status(ids[0], "done")  # the store writes as before after the bulk run


def test_a_write_that_fails_mid_run_says_the_batches_before_it_are_kept(tmp_path, monkeypatch):
    """Another program holding the write lock past the busy timeout fails one batch: the line
    must not say "nothing was changed" when the batches before it were committed."""
    import sqlite3

    import annotator.store.database as database
    from annotator.pipeline.suggest import SuggestError

    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.2)  # not 30 s (written in this process)
    db = tmp_path / "a.db"
    ids = store_texts(db, [f"زار حلب {i}" for i in range(6)])
    blocker = sqlite3.connect(db, isolation_level=None)

    def progress(done: int) -> None:
        if done == 3 and not blocker.in_transaction:  # the first batch of 2 is committed
            blocker.execute("BEGIN IMMEDIATE")

    with Store(db, annotator="patterns") as store, pytest.raises(SuggestError) as raised:
        suggest(store, ids, _ruler_for("حلب"), known_labels={"LOC"}, batch_size=2,
                progress=progress, child_process=False)
    blocker.execute("ROLLBACK")
    blocker.close()
    line = str(raised.value)
    assert "busy" in line and "run suggest again to add the rest" in line, line
    assert [len(spans_of(db, doc)) for doc in ids[:2]] == [1, 1]  # kept, as the line says


def _ruler_for(phrase: str) -> Suggester:
    return pattern_suggester([{"label": "LOC", "pattern": phrase}])


def test_given_files_and_status_choose_the_documents(tmp_path):
    db = tmp_path / "a.db"
    ids = store_texts(db, ["زار حلب", "في حلب"])
    with Store(db, annotator="amal") as store:
        store.set_status(ids[1], "done")
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "LOC", "pattern": "حلب"})
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), "--status", "done", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [len(spans_of(db, d)) for d in ids] == [0, 1]
    (tmp_path / "new.txt").write_text("حلب مدينة\n", encoding="utf-8")
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), "new.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "read 1 document" in result.stderr
    with Store(db, annotator="t") as store:
        new = store.document_ids()[-1]
    assert spans_of(db, new) == [(0, 3, "LOC", "patterns", "suggested")]
    with Store(db, annotator="t") as store:
        assert store.queue() == []  # one file is stored alone, as the reader opens it


def test_a_status_no_document_has_is_said_as_such(tmp_path):
    """Documents are stored, none is done: the line says that, not "open or import some"."""
    db = tmp_path / "a.db"
    store_texts(db, ["زار حلب", "في حلب"])
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "LOC", "pattern": "حلب"})
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), "--status", "done",
                 "--status", "skipped", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "annotator suggest: none of the 2 stored documents is done or skipped; "
        "see their statuses with: annotator stats"
    )


def test_no_database_and_no_files_creates_no_database(tmp_path):
    """Run in the wrong folder: one line, and no empty annotations.db left behind there."""
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "LOC", "pattern": "حلب"})
    result = run("suggest", "--patterns", str(patterns), cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result) == ("annotator suggest: no documents to read: annotations.db does not exist; "
                                "give files or folders, or --db PATH")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.jsonl"]


def write_corpus(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def test_folders_and_globs_are_read_and_join_the_project_queue(tmp_path):
    write_corpus(tmp_path, {
        "articles/doc10.txt": "في حلب", "articles/doc2.txt": "زار حلب", "articles/old/doc1.txt": "حلب",
        "articles/notes.md": "حلب", "more/x.text": "مدينة حلب",
    })
    db = tmp_path / "a.db"
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "LOC", "pattern": "حلب"})
    for _ in range(2):  # the second run adds nothing and queues nothing twice
        result = run("suggest", "--db", str(db), "--patterns", str(patterns), "articles", "more/*.text",
                     cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert "read 4 documents: added 0 suggestions" in result.stderr
    expected = {  # path -> where حلب is in it
        "articles/doc2.txt": 4, "articles/doc10.txt": 3, "articles/old/doc1.txt": 0, "more/x.text": 6,
    }
    with Store(db, annotator="t") as store:
        queue = store.queue()
    assert [entry.path for entry in queue] == [str(tmp_path / name) for name in expected]
    for entry, at in zip(queue, expected.values()):
        assert spans_of(db, entry.doc_id) == [(at, at + 3, "LOC", "patterns", "suggested")]


def test_unreadable_files_in_a_folder_are_named_and_the_rest_is_used(tmp_path):
    write_corpus(tmp_path, {"articles/a.txt": "زار حلب", "articles/b.txt": "", "articles/c.txt": "حلب"})
    (tmp_path / "articles/d.txt").write_bytes(b"\xff\xfe\xfd\x00\x81")
    db = tmp_path / "a.db"
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "LOC", "pattern": "حلب"})
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), "articles", "missing", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert [line.split(":")[1].strip() for line in lines[:-1]] == [
        "missing", str(tmp_path / "articles/b.txt"), str(tmp_path / "articles/d.txt"),
    ], result.stderr
    assert lines[-1].endswith("read 2 documents: added 2 suggestions as patterns")
    with Store(db, annotator="t") as store:
        queue = store.queue()
    assert [(Path(e.path).name, e.doc_id is not None, e.problem is not None) for e in queue] == [
        ("a.txt", True, False), ("b.txt", False, True), ("c.txt", True, False), ("d.txt", False, True),
    ]


def test_paths_that_give_no_file_are_bad_input(tmp_path):
    (tmp_path / "empty").mkdir()
    db = tmp_path / "a.db"
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "LOC", "pattern": "حلب"})
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), "empty", "*.nothing", cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 2
    assert "empty: no file in this folder or below matches *.txt" in result.stderr
    assert "*.nothing: no file matches this pattern" in result.stderr


# -- bad input -----------------------------------------------------------------------------


def one_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_patterns_file_saved_with_a_bom_and_crlf_is_read_whole(tmp_path):
    """Windows editors write a byte order mark and CRLF; import reads such files, so must
    suggest (the first line was "not JSON (Unexpected UTF-8 BOM ...)")."""
    db = tmp_path / "a.db"
    [doc] = store_texts(db, ["زار حلب ودمشق"])
    patterns = tmp_path / "p.jsonl"
    patterns.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(
        json.dumps({"label": "LOC", "pattern": p}, ensure_ascii=False) for p in ("حلب", "ودمشق")
    ).encode("utf-8") + b"\r\n")
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert spans_of(db, doc) == [(4, 7, "LOC", "patterns", "suggested"),
                                 (8, 13, "LOC", "patterns", "suggested")]


def test_bad_pattern_lines_are_named_and_the_rest_is_used(tmp_path):
    db = tmp_path / "a.db"
    [doc] = store_texts(db, ["زار حلب"])
    patterns = write_patterns(
        tmp_path / "p.jsonl", "{not json", {"label": "LOC", "pattern": "حلب"}, {"label": "LOC"},
        {"label": "LOC", "pattern": [{"NOT_AN_ATTR": "x"}]}, {"label": "", "pattern": "x"},
    )
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 5, result.stderr  # four bad lines, then the summary
    assert [line.split("p.jsonl:")[1].split(":")[0] for line in lines[:4]] == ["1", "3", "4", "5"]
    assert all("line skipped" in line for line in lines[:4])
    assert "not JSON" in lines[0] and "pattern" in lines[1] and "token pattern" in lines[2]
    assert spans_of(db, doc) == [(4, 7, "LOC", "patterns", "suggested")]


def test_unknown_labels_are_refused_unless_added(tmp_path):
    db = tmp_path / "a.db"
    [doc] = store_texts(db, ["زار حلب"])
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "GPE", "pattern": "حلب"})
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result)
    assert "GPE" in line and "p.jsonl:1" in line and "--add-labels" in line
    assert spans_of(db, doc) == []
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), "--add-labels", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # Said as a component's undeclared labels are: a declared one is added before the run.
    assert "added to the label set: GPE" in one_line(result)
    assert spans_of(db, doc) == [(4, 7, "GPE", "patterns", "suggested")]
    with Store(db, annotator="t") as store:
        assert "GPE" in [name for name, _ in store.labels()]


def test_a_refused_label_creates_no_database(tmp_path):
    (tmp_path / "a.txt").write_text("زار حلب\n", encoding="utf-8")
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "GPE", "pattern": "حلب"})
    result = run("suggest", "--patterns", str(patterns), "a.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert "GPE" in one_line(result) and "--add-labels" in one_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "p.jsonl"]


def test_the_project_files_labels_are_the_label_set(tmp_path):
    """annotator.toml declares GPE: suggest, run before the app was ever opened, takes it as
    the app would, rather than refusing the project's own label."""
    (tmp_path / "annotator.toml").write_text(
        '[[labels]]\nname = "PER"\n\n[[labels]]\nname = "GPE"\ncolor = "#123456"\n', encoding="utf-8")
    (tmp_path / "a.txt").write_text("زار حلب\n", encoding="utf-8")
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "GPE", "pattern": "حلب"})
    result = run("suggest", "--patterns", str(patterns), "a.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    db = tmp_path / "annotations.db"
    with Store(db, annotator="t") as store:
        [doc] = store.document_ids()
        assert store.labels() == [("PER", store.labels()[0][1]), ("GPE", "#123456")]
    assert spans_of(db, doc) == [(4, 7, "GPE", "patterns", "suggested")]
    (tmp_path / "annotator.toml").write_text('[[labels]]\nnmae = "PER"\n', encoding="utf-8")
    result = run("suggest", "--patterns", str(patterns), "a.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert "annotator.toml:2" in one_line(result)


def test_a_model_that_cannot_be_loaded_or_has_no_ner(tmp_path):
    db = tmp_path / "a.db"
    store_texts(db, ["زار حلب"])
    result = run("suggest", "--db", str(db), "--model", "no_such_pipeline_xx", cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result)
    assert "no_such_pipeline_xx" in line and "E050" in line
    spacy.blank("ar").to_disk(tmp_path / "blank")
    result = run("suggest", "--db", str(db), "--model", str(tmp_path / "blank"), cwd=tmp_path)
    assert result.returncode == 2
    assert "no NER" in one_line(result)


def test_a_spans_key_the_pipeline_does_not_set_is_one_line(tmp_path):
    """span_ruler writes doc.spans["ruler"]; --spans-key sc (spancat's default) was a KeyError
    traceback after the model had loaded."""
    db = tmp_path / "a.db"
    [doc] = store_texts(db, ["زار حلب"])
    nlp = spacy.blank("ar")
    nlp.add_pipe("span_ruler").add_patterns([{"label": "LOC", "pattern": "حلب"}])
    nlp.to_disk(tmp_path / "ruler")
    result = run("suggest", "--db", str(db), "--model", str(tmp_path / "ruler"), "--spans-key", "sc",
                 cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result) == (
        "annotator suggest: --spans-key sc: the pipeline sets no doc.spans[\"sc\"]"
        " (the keys it sets: ruler); give one of them"
    )
    result = run("suggest", "--db", str(db), "--model", str(tmp_path / "ruler"), cwd=tmp_path)
    assert result.returncode == 2  # no doc.ents: the line points at --spans-key
    assert "no NER" in one_line(result) and "--spans-key" in one_line(result)
    assert spans_of(db, doc) == []


# -- models --------------------------------------------------------------------------------


def test_a_saved_pipeline_suggests_through_model_path(tmp_path):
    nlp = spacy.blank("ar")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "LOC", "pattern": "حلب"}])
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": "places"})
    ruler.add_patterns([{"label": "LOC", "pattern": "سوريا"}])
    nlp.to_disk(tmp_path / "model")
    text = "من حلب في سوريا"
    db = tmp_path / "a.db"
    [doc] = store_texts(db, [text])
    result = run("suggest", "--db", str(db), "--model", "model", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert spans_of(db, doc) == [(3, 6, "LOC", "model", "suggested")]
    result = run("suggest", "--db", str(db), "--model", "model/", "--spans-key", "places",
                 "--annotator", "ruler", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert spans_of(db, doc)[1:] == [(10, 15, "LOC", "ruler", "suggested")]


def test_the_loop_label_export_train_suggest(tmp_path, seed_text):
    """20 labelled documents -> export --split -> spacy-config -> spacy train (a few steps)
    -> suggest --model: the loop runs (accuracy is not asserted)."""
    sentences = [s for s in seed_text.replace("\n", " ").split(".") if "حلب" in s or "الأسد" in s]
    sentences = (sentences * 20)[:20]
    db = tmp_path / "annotations.db"
    ids = store_texts(db, [f"{i} {s.strip()}." for i, s in enumerate(sentences)])
    with Store(db, annotator="amal") as store:
        for doc in ids:
            text = store.text(doc)
            for word, label in (("حلب", "LOC"), ("الأسد", "PER")):
                at = text.find(word)
                if at >= 0:
                    store.add_span(doc, at, at + len(word), label, allow_overlap=True)
    result = run("export", "--format", "spacy", "--split", "0.8", "--seed", "3", "--out", "corpus", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    result = run("spacy-config", "--out", "config.cfg", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    train = subprocess.run(
        [sys.executable, "-m", "spacy", "train", "config.cfg", "--output", "training",
         "--training.max_steps", "6", "--training.eval_frequency", "3"],
        capture_output=True, text=True, cwd=tmp_path, timeout=TIMEOUT_S,
    )
    assert train.returncode == 0, train.stderr[-2000:]
    result = run("suggest", "--model", "training/model-last", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "read 20 documents" in result.stderr and "as training/model-last" in result.stderr


# -- export --split ------------------------------------------------------------------------


@given(st.lists(st.text("abcdef", min_size=1, max_size=4), min_size=2, max_size=30, unique=True),
       st.floats(0.05, 0.95), st.integers(0, 1000))
def test_split_is_whole_documents_deterministic_and_order_free(doc_ids, fraction, seed):
    records = [Record(d, "t", "s", "new", who, []) for d in doc_ids for who in ("a", "b")]
    train, dev = split_records(records, fraction, seed)
    train_ids, dev_ids = {r.doc_id for r in train}, {r.doc_id for r in dev}
    assert train_ids.isdisjoint(dev_ids) and train_ids | dev_ids == set(doc_ids)
    assert len(train) + len(dev) == len(records) and train_ids and dev_ids
    assert abs(len(train_ids) - fraction * len(doc_ids)) <= 1
    again = split_records(list(reversed(records)), fraction, seed)
    assert ({r.doc_id for r in again[0]}, {r.doc_id for r in again[1]}) == (train_ids, dev_ids)


def test_export_split_writes_train_and_dev(tmp_path):
    from spacy.tokens import DocBin

    db = tmp_path / "a.db"
    ids = store_texts(db, [f"زار حلب {i}" for i in range(10)])
    with Store(db, annotator="amal") as store:
        for doc in ids:
            store.add_span(doc, 4, 7, "LOC")
    result = run("export", "--db", str(db), "--format", "spacy", "--split", "0.8", "--out", "corpus",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    vocab = spacy.blank("ar").vocab
    train = list(DocBin().from_disk(tmp_path / "corpus" / "train.spacy").get_docs(vocab))
    dev = list(DocBin().from_disk(tmp_path / "corpus" / "dev.spacy").get_docs(vocab))
    assert (len(train), len(dev)) == (8, 2)
    assert all([e.text for e in d.ents] == ["حلب"] for d in train + dev)
    result = run("export", "--db", str(db), "--split", "0.8", "--out", "c2", cwd=tmp_path)
    assert result.returncode == 2 and "--format spacy" in one_line(result)


# -- the project's tokens through spaCy's tokenizer ------------------------------------------


@cache
def _tokenizer():
    return project_tokenizer(spacy.blank("ar"), fold_norms=True)


def layout(text: str) -> list[tuple[str, bool]]:
    return [(text[s:e], ws) for s, e, ws in spacy_tokens(text)]


@settings(max_examples=600, deadline=None)
@given(mixed_text(max_size=80) | st.text(max_size=30))
def test_spacy_tokenizer_makes_exactly_the_project_tokens(text):
    doc = _tokenizer().make_doc(text)
    assert [(t.text, bool(t.whitespace_)) for t in doc] == layout(text)


def test_spacy_tokenizer_on_the_seed_and_its_hard_cases(seed_text):
    for text in (seed_text, "«الأممالمتحدة» (3.5) ١٬٠٠٠ G20 90% 5.a .5 ab5\u064ecd a.\u064e 1\u064e.5 \U0001f600x\U0001d7ce"):
        doc = _tokenizer().make_doc(text)
        assert [(t.text, bool(t.whitespace_)) for t in doc] == layout(text)


def test_deciding_all_suggestions_of_a_source_keeps_what_cannot_be_accepted(tmp_path):
    db = tmp_path / "a.db"
    [doc] = store_texts(db, ["زار حلب ثم دمشق وحمص"])
    with Store(db, annotator="amal") as store:
        store.add_suggestions([(doc, [(4, 7, "LOC"), (11, 15, "LOC"), (16, 20, "LOC")])], annotator="m1")
        store.add_suggestions([(doc, [(0, 3, "MISC")])], annotator="m2")
        store.add_suggestions([(doc, [(11, 20, "LOC")])], annotator="m1")  # over both of the next
        store.add_span(doc, 4, 7, "PER")  # a person's span over حلب, after the suggestions
        # حلب is hidden from amal (her PER is there); the long one clashes with the two
        # accepted before it in the same call, so it stays open
        assert store.decide_suggestions(doc, "m1", "accepted") == (2, 1)
    assert spans_of(db, doc) == [
        (0, 3, "MISC", "m2", "suggested"),  # another source: untouched
        (4, 7, "LOC", "m1", "suggested"),  # the suggestions are all still there for others
        (4, 7, "PER", "amal", "accepted"),
        (11, 15, "LOC", "m1", "suggested"),
        (11, 15, "LOC", "amal", "accepted"),  # amal's own spans, she answers for them
        (11, 20, "LOC", "m1", "suggested"),
        (16, 20, "LOC", "m1", "suggested"),
        (16, 20, "LOC", "amal", "accepted"),
    ]
    with Store(db, annotator="amal") as store:
        assert store.undo(doc) == "undid 2 changes made by one key"  # A was one key press
        assert [(s.start, s.end) for s in store.suggestions(doc)] == [(0, 3), (11, 15), (11, 20), (16, 20)]
    assert (16, 20, "LOC", "amal", "accepted") not in spans_of(db, doc)
    assert (11, 15, "LOC", "amal", "accepted") not in spans_of(db, doc)


def test_documents_longer_than_a_models_max_length_are_skipped_and_counted(tmp_path):
    nlp = spacy.blank("ar")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "LOC", "pattern": "حلب"}])
    nlp.to_disk(tmp_path / "model")
    db = tmp_path / "a.db"
    short, long = store_texts(db, ["زار حلب", "زار حلب " + "كلمة " * 200_001])  # over 1,000,000
    result = run("suggest", "--db", str(db), "--model", "model", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "skipped 1 document longer than the pipeline's max_length (1,000,000 characters" in result.stderr
    assert [len(spans_of(db, d)) for d in (short, long)] == [1, 0]
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "LOC", "pattern": "حلب"})
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), cwd=tmp_path)
    assert result.returncode == 0 and "skipped" not in result.stderr, result.stderr
    assert [len(spans_of(db, d)) for d in (short, long)] == [1, 1]


def test_spacy_config_out_follows_the_export_rules(tmp_path):
    # Through a symlink the file it points to is replaced and the link stays a link; a new
    # file gets the umask's permissions (not mkstemp's 0600); "-" is stdout; a directory is
    # refused in one line -- the same --out rules as export.
    (tmp_path / "configs").mkdir()
    target = tmp_path / "configs" / "ner.cfg"
    target.write_text("old\n")
    (tmp_path / "config.cfg").symlink_to("configs/ner.cfg")
    result = run("spacy-config", "--out", "config.cfg", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "config.cfg").is_symlink()
    assert target.read_text().startswith("[paths]")
    fresh = run("spacy-config", "--out", "new.cfg", cwd=tmp_path)
    assert fresh.returncode == 0 and (tmp_path / "new.cfg").stat().st_mode & 0o044 == 0o044
    stdout = run("spacy-config", "--out", "-", cwd=tmp_path)
    assert stdout.stdout == target.read_text() and not (tmp_path / "-").exists()
    refused = run("spacy-config", "--out", "configs", cwd=tmp_path)
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1
    assert "configs" in refused.stderr and "directory" in refused.stderr


def test_a_lone_surrogate_escape_in_a_pattern_is_a_bad_line(tmp_path):
    # JSON's \ud800 decodes to a lone surrogate, which spaCy cannot hash: it crashed the run.
    db = tmp_path / "a.db"
    [doc] = store_texts(db, ["زار حلب"])
    patterns = tmp_path / "p.jsonl"
    patterns.write_text('{"label": "LOC", "pattern": "\\ud800"}\n'
                        '{"label": "LOC", "pattern": [{"LOWER": "\\udfff"}]}\n'
                        '{"label": "LOC", "pattern": "حلب"}\n', encoding="utf-8")
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and all("surrogate" in line and "line skipped" in line for line in lines[:2])
    assert spans_of(db, doc) == [(4, 7, "LOC", "patterns", "suggested")]


def test_a_file_name_that_is_not_utf8_gets_one_line(tmp_path):
    # Its undecodable byte reaches Python as a lone surrogate, which SQLite cannot store as
    # the document's source: it was a UnicodeEncodeError traceback.
    name = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / name).write_text("زار حلب", encoding="utf-8")
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "LOC", "pattern": "حلب"})
    exe = shutil.which("annotator")
    result = subprocess.run([exe, "suggest", "--patterns", str(patterns), os.fsencode(tmp_path / name)],
                            capture_output=True, stdin=subprocess.DEVNULL, timeout=TIMEOUT_S, cwd=tmp_path)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 2 and "Traceback" not in err, err
    assert len(err.splitlines()) == 1 and "caf\ufffd.txt" in err and "not UTF-8" in err


def test_each_bad_file_is_named_once_per_run_however_many_arguments_reach_it(tmp_path):
    # A file name that is not UTF-8 was named once per argument that found it (the folder and
    # a glob over it: two lines), and again on every run.
    write_corpus(tmp_path, {"articles/a.txt": "زار حلب", "articles/b.txt": ""})
    (tmp_path / "articles" / os.fsdecode(b"caf\xe9.txt")).write_text("حلب", encoding="utf-8")
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "LOC", "pattern": "حلب"})
    for _ in range(2):
        result = run("suggest", "--patterns", str(patterns), "articles", "articles/*.txt",
                     "articles/b.txt", "missing", "missing", cwd=tmp_path)
        assert result.returncode == 2
        named = sorted(line.split(": ")[1] for line in result.stderr.splitlines()[:-1])
        assert named == sorted(["missing", str(tmp_path / "articles/b.txt"),
                                str(tmp_path / "articles/caf\ufffd.txt")]), result.stderr


def test_suggest_replace_after_retraining_withdraws_what_the_new_run_no_longer_finds(tmp_path):
    (tmp_path / "a.txt").write_text("زار حلب ثم دمشق\n", encoding="utf-8")
    first = write_patterns(tmp_path / "p1.jsonl", {"label": "LOC", "pattern": "حلب"},
                           {"label": "LOC", "pattern": "دمشق"})
    second = write_patterns(tmp_path / "p2.jsonl", {"label": "LOC", "pattern": "دمشق"},
                            {"label": "PER", "pattern": "زار"})
    assert run("suggest", "--patterns", str(first), "a.txt", cwd=tmp_path).returncode == 0
    db = tmp_path / "annotations.db"
    with Store(db, annotator="t") as store:
        [doc] = store.document_ids()
    result = run("suggest", "--patterns", str(second), "--replace", "a.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "added 1 suggestion" in result.stderr and "withdrew 1 earlier one" in result.stderr
    assert spans_of(db, doc) == [(0, 3, "PER", "patterns", "suggested"),
                                 (11, 15, "LOC", "patterns", "suggested")]
    # without --replace, a run adds and withdraws nothing
    result = run("suggest", "--patterns", str(first), "a.txt", cwd=tmp_path)
    assert "added 1 suggestion" in result.stderr and "withdrew" not in result.stderr


def test_phrase_patterns_fold_as_the_project_files_search_does(tmp_path):
    """[search] fold_ta_marbuta = true: search finds «مدرسة» for «مدرسه», and so do patterns."""
    (tmp_path / "a.txt").write_text("زار المدرسة أمس\n", encoding="utf-8")
    patterns = write_patterns(tmp_path / "p.jsonl", {"label": "LOC", "pattern": "المدرسه"})
    result = run("suggest", "--patterns", str(patterns), "a.txt", cwd=tmp_path)
    assert result.returncode == 0 and "added 0 suggestions" in result.stderr, result.stderr
    (tmp_path / "annotator.toml").write_text("[search]\nfold_ta_marbuta = true\n", encoding="utf-8")
    result = run("suggest", "--patterns", str(patterns), "a.txt", cwd=tmp_path)
    assert result.returncode == 0 and "added 1 suggestion" in result.stderr, result.stderr
    with Store(tmp_path / "annotations.db", annotator="t") as store:
        [doc] = store.document_ids()
    assert spans_of(tmp_path / "annotations.db", doc) == [(4, 11, "LOC", "patterns", "suggested")]


# -- a component that declares no labels ---------------------------------------------------


def _undeclared_labels_pipeline(labels: list[str]) -> Suggester:
    """A pipeline whose component sets doc.ents with labels it declares nowhere (as custom
    components and LLM wrappers do): each document's first token, labelled in turn."""
    from spacy.language import Language
    from spacy.tokens import Span

    name = f"undeclared_{'_'.join(str(len(label)) for label in labels)}_{len(labels)}"
    if name not in Language.factories:
        @Language.component(name)
        def first_token(doc):
            doc.ents = [Span(doc, 0, 1, label=labels[len(doc.text) % len(labels)])]
            return doc

    nlp = project_tokenizer(spacy.blank("ar"), fold_norms=False)
    nlp.add_pipe(name)
    return Suggester(nlp, "custom")


def test_add_labels_adds_what_an_undeclaring_component_finds(tmp_path):
    db = tmp_path / "a.db"
    ids = store_texts(db, ["حلب", "حلب حلب"])  # lengths 3 and 7: labels[0], labels[1]
    suggester = _undeclared_labels_pipeline(["TOWN", "CITY", "TOWN"])
    with Store(db, annotator="custom") as store:
        without = suggest(store, ids, suggester, known_labels={"LOC"})
        assert without.added == 0 and without.unknown == {"CITY": 1, "TOWN": 1}
        assert "left out labels not in the label set: CITY (1), TOWN (1) (add --add-labels)" in without.line("custom")
        summary = suggest(store, ids, suggester, known_labels={"LOC"}, add_labels=True)
        labels = [name for name, _ in store.labels()]
    assert summary.added == 2 and summary.unknown == {} and summary.labels_added == ["TOWN", "CITY"]
    assert "added to the label set: TOWN, CITY" in summary.line("custom")
    assert labels[-2:] == ["TOWN", "CITY"]
    assert [spans_of(db, doc) for doc in ids] == [[(0, 3, "TOWN", "custom", "suggested")],
                                                  [(0, 3, "CITY", "custom", "suggested")]]


def test_add_labels_leaves_out_a_label_that_cannot_be_a_name(tmp_path):
    db = tmp_path / "a.db"
    ids = store_texts(db, ["حلب"])
    suggester = _undeclared_labels_pipeline(["BAD\x1b[31m"])
    with Store(db, annotator="custom") as store:
        summary = suggest(store, ids, suggester, known_labels={"LOC"}, add_labels=True)
        labels = [name for name, _ in store.labels()]
    line = summary.line("custom")
    assert summary.added == 0 and "\x1b" not in line and "BAD" not in labels[-1]
    assert "left out labels that cannot be label names: BAD" in line
