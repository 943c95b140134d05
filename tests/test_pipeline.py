"""The whole loop a user runs: label the seed in the app, export it for spaCy, import a model's
predictions, accept one in the app, export again.  Real CLI processes, real spaCy."""

import json
import shutil
import subprocess

import spacy
from spacy.tokens import DocBin

from annotator.tui.app import AnnotatorApp
from annotator.store import Store
from annotator.tui.widgets.document_view import DocumentView

ANNOTATOR = shutil.which("annotator")
ENTITIES = [("بشار الأسد", "1"), ("حلب", "2"), ("المرصد السورى", "3")]


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([ANNOTATOR, *map(str, args)], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


async def label_in_app(db, text, entities) -> None:
    app = AnnotatorApp(text, "seed.txt", Store(db, annotator="amina"))
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(DocumentView)
        for surface, key in entities:
            view.move_caret(text.index(surface))
            await pilot.pause()
            if " " in surface:  # select as many words as the name has; else the caret's word
                for _ in surface.split():
                    await pilot.press("ctrl+shift+left")
            await pilot.press(key)


async def test_labels_made_in_the_app_load_into_spacy_intact(tmp_path, seed_text):
    db = tmp_path / "annotations.db"
    await label_in_app(db, seed_text, ENTITIES)
    jsonl = tmp_path / "seed.jsonl"
    assert cli("export", "--db", db, "--out", jsonl).returncode == 0
    [record] = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert record["text"] == seed_text
    assert [(s["text"], s["label"]) for s in record["spans"]] == [
        ("حلب", "LOC"), ("المرصد السورى", "ORG"), ("بشار الأسد", "PER")]
    nlp = spacy.blank("ar")
    doc = nlp(record["text"])
    for span in record["spans"]:
        entity = doc.char_span(span["start"], span["end"], label=span["label"])
        assert entity is not None and entity.text == span["text"]
    binary = tmp_path / "seed.spacy"
    assert cli("export", "--db", db, "--format", "spacy", "--out", binary).returncode == 0
    [doc] = DocBin().from_disk(binary).get_docs(nlp.vocab)
    assert [(e.text, e.label_) for e in doc.ents] == [(s["text"], s["label"]) for s in record["spans"]]
    for fmt in ("doccano", "conll"):
        result = cli("export", "--db", db, "--format", fmt)
        assert result.returncode == 0 and "حلب" in result.stdout


async def test_imported_predictions_are_suggestions_a_user_accepts_in_the_app(tmp_path, seed_text):
    db = tmp_path / "annotations.db"
    predictions = tmp_path / "predictions.jsonl"
    spans = [{"start": seed_text.index(w), "end": seed_text.index(w) + len(w), "label": label}
             for w, label in (("روسيا", "LOC"), ("إيران", "LOC"))]
    predictions.write_text(json.dumps({"text": seed_text, "spans": spans}, ensure_ascii=False) + "\n",
                           encoding="utf-8")
    result = cli("import", predictions, "--db", db, "--annotator", "model")
    assert result.returncode == 0, result.stderr
    app = AnnotatorApp(seed_text, "seed.txt", Store(db, annotator="amina"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("u")  # the import is not on the user's undo stack: nothing to undo
        assert len(app.store.spans(app.record.id)) == 2
        await pilot.press("n", "a")  # the first suggestion in reading order: accept it
    exported = cli("export", "--db", db)
    [record] = [json.loads(line) for line in exported.stdout.splitlines()]
    # an accepted suggestion is the accepter's: she answers for it (the model's other
    # suggestion stays the model's, and is not exported)
    assert record["meta"]["annotator"] == "amina"
    assert [(s["text"], s["label"]) for s in record["spans"]] == [("روسيا", "LOC")]
