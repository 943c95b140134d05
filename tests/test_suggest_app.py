"""Suggestions made by `annotator suggest` are told apart and decided in the app, in a real
terminal (tmux), and the decisions are in the store."""

from __future__ import annotations

import json
import shutil

import spacy
from test_suggest import run
from tmux import ANNOTATOR, Tmux

from annotator.store import Store

TEXT = "زار بان كي مون حلب ثم دمشق وحمص.\n"


def until(session: Tmux, predicate) -> list[str]:
    """The screen once ``predicate`` holds (generous time: the machine may be busy)."""
    rows = session.wait_for(predicate, timeout=60)
    assert predicate(rows), "\n".join(rows)
    return rows


def status(rows: list[str]) -> str:
    return [row for row in rows if row.strip()][-1]


def test_suggestions_from_two_sources_are_accepted_and_rejected_in_the_app(tmp_path):
    assert ANNOTATOR and shutil.which("tmux")
    doc = tmp_path / "news.txt"
    doc.write_text(TEXT, encoding="utf-8")
    patterns = tmp_path / "places.jsonl"
    patterns.write_text("\n".join(json.dumps({"label": "LOC", "pattern": p}, ensure_ascii=False)
                                  for p in ("حلب", "دمشق")) + "\n", encoding="utf-8")
    nlp = spacy.blank("ar")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PER", "pattern": "بان كي مون"}])
    nlp.to_disk(tmp_path / "people")
    assert run("suggest", "--patterns", "places.jsonl", "news.txt", cwd=tmp_path).returncode == 0
    assert run("suggest", "--model", "people", cwd=tmp_path).returncode == 0

    session = Tmux([ANNOTATOR, str(doc), "--db", str(tmp_path / "annotations.db"), "--annotator", "amal"],
                   120, 20)
    try:
        shown = lambda rows: "\n".join(rows)  # noqa: E731
        rows = until(session, lambda rows: "offset 0/" in shown(rows) and "people" in shown(rows))
        assert "people" in shown(rows) and "patterns" in shown(rows)  # the span list names the sources
        session.send("S", "n")  # n/p: suggestions only; the first is بان كي مون
        rows = until(session, lambda rows: "by people" in "\n".join(rows))
        assert "suggested PER [4:14] by people" in status(rows)
        session.send("A")  # every suggestion of `people`
        until(session, lambda rows: "accepted 1 suggestion from people" in "\n".join(rows))
        session.send("n")  # حلب, from patterns
        until(session, lambda rows: "suggested LOC [15:18] by patterns" in "\n".join(rows))
        session.send("r", "n")  # reject it; on to دمشق
        until(session, lambda rows: "suggested LOC [22:26] by patterns" in "\n".join(rows))
        session.send("a")
        until(session, lambda rows: "offset 22/" in status(rows) and "suggested" not in status(rows))
    finally:
        session.close()
    with Store(tmp_path / "annotations.db", annotator="amal") as store:
        [doc_id] = store.document_ids()
        decided = [(s.start, s.end, s.label, s.annotator, s.status)
                   for s in store.spans(doc_id, ("accepted", "suggested", "rejected"))]
        assert store.suggestions(doc_id) == []  # amal decided every one
        assert sorted(store.decisions(doc_id).values()) == ["accepted", "accepted", "rejected"]
    assert decided == [  # the suggestions stay for the rest of the team; amal's spans are hers
        (4, 14, "PER", "people", "suggested"),
        (4, 14, "PER", "amal", "accepted"),
        (15, 18, "LOC", "patterns", "suggested"),
        (22, 26, "LOC", "patterns", "suggested"),
        (22, 26, "LOC", "amal", "accepted"),
    ]


async def test_accepting_suggestions_puts_a_new_document_in_progress(tmp_path):
    # Correcting suggestions is the work on a pre-annotated document, as labelling is: the
    # overview and `D` must not take a document whose suggestions were accepted for untouched.
    from annotator.tui.app import AnnotatorApp

    with Store(tmp_path / "annotations.db", annotator="amal") as store:
        record, _ = store.open_document(TEXT, tmp_path / "news.txt")
        store.add_spans(record.id, [(4, 14, "PER")], status="suggested", annotator="people")
        store.add_spans(record.id, [(15, 18, "LOC"), (22, 26, "LOC")], status="suggested",
                        annotator="patterns")
        for keys in (["a"], ["A"], ["2"]):  # one, all of a source, a label key on one
            store.set_status(record.id, "new")
            app = AnnotatorApp(TEXT, str(tmp_path / "news.txt"), store)
            async with app.run_test(size=(100, 20)) as pilot:
                await pilot.press("S", "n", *keys)
                await pilot.pause()
                assert store.document(record.id).status == "in_progress", keys
                assert "in progress" in str(app.query_one("#status").render())
                await pilot.press("u")  # back to a suggestion for the next round
                await pilot.pause()


async def test_the_suggestions_only_mode_stays_in_the_status_bar_on_a_narrow_screen(tmp_path):
    # S changes what n/p do; the toast saying so goes away, the bar is all that tells.
    from annotator.tui.app import AnnotatorApp

    with Store(tmp_path / "annotations.db", annotator="amal") as store:
        record, _ = store.open_document(TEXT, tmp_path / "news.txt")
        store.add_spans(record.id, [(4, 14, "PER")], status="suggested", annotator="people")
        app = AnnotatorApp(TEXT, str(tmp_path / "news.txt"), store)
        async with app.run_test(size=(80, 20)) as pilot:
            await pilot.press("S", "n")
            await pilot.pause()
            shown = str(app.query_one("#status").render())
            assert "suggested PER [4:14] by people" in shown
            assert "n/p: suggestions" in shown


def test_a_folder_suggested_for_is_the_queue_the_app_opens(tmp_path):
    assert ANNOTATOR and shutil.which("tmux")
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "doc2.txt").write_text("وصل الوفد إلى حلب أمس.\n", encoding="utf-8")
    (tmp_path / "articles" / "doc10.txt").write_text("ثم زار دمشق.\n", encoding="utf-8")
    patterns = tmp_path / "places.jsonl"
    patterns.write_text("\n".join(json.dumps({"label": "LOC", "pattern": p}, ensure_ascii=False)
                                  for p in ("حلب", "دمشق")) + "\n", encoding="utf-8")
    db = tmp_path / "annotations.db"
    result = run("suggest", "--db", str(db), "--patterns", str(patterns), str(tmp_path / "articles"),
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr

    # No PATH: the app resumes the project queue, which the suggested folder joined.
    session = Tmux([ANNOTATOR, "--db", str(db), "--annotator", "amal"], 120, 20)
    try:
        until(session, lambda rows: "offset 0/" in "\n".join(rows))
        session.send("S", "n")
        rows = until(session, lambda rows: "by patterns" in "\n".join(rows))
        # The queue's first file (doc2 before doc10), 23 characters long, at its suggestion.
        assert "1 of 2" in status(rows) and "offset 14/23" in status(rows)
        assert "suggested LOC [14:17] by patterns" in status(rows)
        session.send("a")
        until(session, lambda rows: "offset 14/" in status(rows) and "suggested" not in status(rows))
    finally:
        session.close()
    with Store(db, annotator="t") as store:
        first, second = store.queue()
        assert [(s.start, s.end, s.annotator, s.status) for s in store.spans(first.doc_id)] == [
            (14, 17, "patterns", "suggested"), (14, 17, "amal", "accepted")]  # still there for others
        assert [(s.start, s.end, s.status) for s in store.spans(second.doc_id)] == [(7, 11, "suggested")]


def test_a_long_source_name_still_shows_in_the_status_bar_of_a_queue(tmp_path):
    """README's loop: `suggest --model training/model-best articles/` then `annotator`, at 100
    columns.  The queue's progress leaves no room for the full field; the bar gives up the
    offsets (the offset field says where the caret is) rather than which source it is."""
    assert ANNOTATOR and shutil.which("tmux")
    (tmp_path / "articles").mkdir()
    text = "قال مصدر عسكرى رفيع المستوى إن مقاتلو المعارضة السورية بعد ظهر أمس من ستة أحياء اخرى كانت لا تزال تحت سيطرتهم قرب حلب.\n"
    for number in range(12):
        (tmp_path / "articles" / f"{number:02d}.txt").write_text(text, encoding="utf-8")
    patterns = tmp_path / "places.jsonl"
    patterns.write_text(json.dumps({"label": "LOC", "pattern": "حلب"}, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    result = run("suggest", "--patterns", str(patterns), "--annotator", "training/model-best",
                 "articles", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    session = Tmux([ANNOTATOR, "--db", str(tmp_path / "annotations.db"), "--annotator", "amal"], 100, 20)
    try:
        until(session, lambda rows: "offset 0/" in "\n".join(rows))
        session.send("S", "n")
        rows = until(session, lambda rows: "offset 114/" in status(rows))
        assert "1 of 12" in status(rows)
        assert "suggested LOC by training/model-best" in status(rows)
    finally:
        session.close()
