"""Labels stay distinguishable in 16- and 256-colour terminals and with NO_COLOR set."""

import sqlite3

import pytest
from rich.color import Color, ColorSystem
from textual.app import App

from annotator.store import Store
from annotator.store.labels import PALETTE
from annotator.tui.app import AnnotatorApp
from annotator.tui.widgets.document_view import DocumentView
from annotator.tui.widgets.legend import Legend
from annotator.tui.widgets.status_bar import StatusBar

TABLEAU_10 = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759")  # the defaults databases used to get
BLACK = 0  # the chips' text colour in 16 colours


def downgraded(colour: str, system: ColorSystem) -> int:
    return Color.parse(colour).downgrade(system).number


def theme_colour(name: str) -> str:
    return App().get_css_variables()[name][:7]


@pytest.mark.parametrize("system", [ColorSystem.STANDARD, ColorSystem.EIGHT_BIT])
def test_every_palette_colour_downgrades_to_a_colour_of_its_own(system):
    assert len({downgraded(colour, system) for colour in PALETTE}) == len(PALETTE)


@pytest.mark.parametrize("system", [ColorSystem.STANDARD, ColorSystem.EIGHT_BIT])
def test_no_chip_melts_into_the_bars_the_background_or_its_black_text(system):
    around = {downgraded(theme_colour(name), system) for name in ("panel", "surface", "background")}
    if system == ColorSystem.STANDARD:
        around.add(BLACK)
    assert not around & {downgraded(colour, system) for colour in PALETTE}


def test_no_new_colour_was_an_old_default_so_none_is_renewed_twice():
    assert not set(PALETTE) & {*TABLEAU_10, "#b07aa1", "#76b7b2", "#edc948", "#ff9da7",
                               "#9c755f", "#bab0ac"}


def test_a_database_holding_the_old_default_colours_shows_the_new_ones(tmp_path):
    db = tmp_path / "old.db"
    with Store(db, annotator="tester") as store:
        store.set_labels(["PER", "LOC", "ORG", "MISC"])
    with sqlite3.connect(db) as conn:  # as an older annotator left it
        for name, colour in zip(["PER", "LOC", "ORG", "MISC"], TABLEAU_10):
            conn.execute("UPDATE labels SET color = ? WHERE name = ?", (colour, name))
    with Store(db, annotator="tester") as store:
        colours = [colour for _, colour in store.labels()]
        store.add_labels(["DATE"])  # saving the set again writes the new colours back
        assert [colour for _, colour in store.labels()][:4] == colours
    assert colours == ["#5b8ff9", "#f2d45c", "#5fd35f", "#f25f5c"]
    with sqlite3.connect(db) as conn:
        assert not {row[0] for row in conn.execute("SELECT color FROM labels")} & set(TABLEAU_10)


def cell_styles(view: DocumentView, y: int) -> list:
    return [segment.style for segment in view.render_line(y) if segment.text.strip()]


async def test_without_colour_spans_are_reversed_and_their_label_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    with Store(tmp_path / "a.db", annotator="tester") as store:
        app = AnnotatorApp("abc def ghi", "t.txt", store)
        async with app.run_test(size=(100, 10)) as pilot:
            await pilot.press("right", "right", "right", "right", "right", "2")  # "def" is LOC
            view = app.query_one(DocumentView)
            reversed_ = {ch: bool(segment.style.reverse)
                         for segment in view.render_line(0) for ch in segment.text}
            assert reversed_["d"] and reversed_["f"]  # the span ("e" holds the caret)
            assert not reversed_["a"] and not reversed_["g"]
            assert "LOC [4:7]" in str(app.query_one(StatusBar).render())
            legend = app.query_one(Legend).content
            chips = [legend.plain[s.start:s.end] for s in legend.spans if "reverse" in str(s.style)]
            assert " LOC " in chips


async def test_with_colour_a_span_is_filled_with_its_labels_colour(tmp_path):
    with Store(tmp_path / "a.db", annotator="tester") as store:
        app = AnnotatorApp("abc def ghi", "t.txt", store)
        async with app.run_test(size=(100, 10)) as pilot:
            await pilot.press("right", "right", "right", "right", "right", "2")  # "def" is LOC
            await pilot.press("right", "right", "right")  # the caret off the span
            view = app.query_one(DocumentView)
            styles = [s.style for s in view.render_line(0) if s.text.strip() == "def"]
            assert styles and styles[0].bgcolor == Color.parse(dict(store.labels())["LOC"])
