"""A span across a paragraph break is refused in the app, with a message: CoNLL and spaCy
would read it as two entities.  Each paragraph's part is labelled on its own."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.widgets._toast import Toast

from annotator.store import Store
from annotator.text.document import Document
from annotator.tui.app import AnnotatorApp
from annotator.tui.widgets.document_view import DocumentView

TEXT = "قال مصدر في دمشق\n\nإن الجيش في حلب\nثم انسحب"
SECOND = TEXT.index("إن")


def crosses_by_hand(text: str, start: int, end: int) -> bool:
    """A reference: some line feed in the range has a non-space character before it and
    another after it, both inside the range."""
    inside = text[start:end]
    return any(
        ch == "\n" and not inside[:i].isspace() and inside[:i] != ""
        and not inside[i + 1:].isspace() and inside[i + 1:] != ""
        for i, ch in enumerate(inside)
    )


@given(text=st.text(alphabet="ab \t\n\u00a0\u0644", max_size=30), data=st.data())
def test_crossing_a_paragraph_break_means_text_on_both_sides_of_a_line_feed(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert Document(text).crosses_paragraph_break(start, end) == crosses_by_hand(text, start, end)


@given(text=st.text(alphabet="ab \t\n\u00a0\u2003\u0644\u064e", max_size=30), data=st.data())
def test_trimming_keeps_the_selection_from_its_first_to_its_last_non_space(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    got = Document(text).trimmed(start, end)
    if text[start:end].strip() == "":
        assert got is None  # nothing but whitespace: nothing to label
        return
    low, high = got
    assert start <= low < high <= end
    assert not text[low].isspace() and not text[high - 1].isspace()
    assert text[start:low].isspace() or low == start  # only whitespace left out
    assert text[high:end].isspace() or high == end


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "annotations.db", annotator="tester") as store:
        yield store


def toasts(app) -> str:
    return " ".join(str(toast.render()) for toast in app.screen.query(Toast))


async def test_a_selection_across_a_paragraph_break_is_refused_with_a_message(store):
    app = AnnotatorApp(TEXT, "t.txt", store)
    async with app.run_test(size=(100, 12), notifications=True) as pilot:
        app.query_one(DocumentView).select(TEXT.index("دمشق"), SECOND + 2)
        await pilot.press("1")
        await pilot.pause(0.1)
        assert store.spans(app.record.id) == []
        assert "paragraph break" in toasts(app)


async def test_a_selection_ending_on_the_line_feed_is_still_labelled(store):
    app = AnnotatorApp(TEXT, "t.txt", store)
    async with app.run_test(size=(100, 12)) as pilot:
        start = TEXT.index("دمشق")
        app.query_one(DocumentView).select(start, start + len("دمشق\n"))
        await pilot.press("1")
        assert [(s.start, s.end, s.label) for s in store.spans(app.record.id)] == [
            (start, start + len("دمشق"), "PER")]  # the line feed left out


@pytest.mark.parametrize("selected, stored", [
    ((TEXT.index("دمشق"), SECOND), (TEXT.index("دمشق"), TEXT.index("دمشق") + 4)),
    ((SECOND - 2, SECOND + 2), (SECOND, SECOND + 2)),  # from the blank line into a word
    ((SECOND - 6, SECOND + 3), None),  # text on both sides of the blank line: refused
])
async def test_a_selection_run_across_a_blank_line_is_trimmed_to_its_text(store, selected, stored):
    app = AnnotatorApp(TEXT, "t.txt", store)
    async with app.run_test(size=(100, 12)) as pilot:
        app.query_one(DocumentView).select(*selected)
        await pilot.press("1")
        spans = [(s.start, s.end) for s in store.spans(app.record.id)]
        assert spans == ([] if stored is None else [stored])
        for start, end in spans:
            assert not TEXT[start].isspace() and not TEXT[end - 1].isspace()


async def test_a_selection_of_only_whitespace_is_refused_with_a_message(store):
    app = AnnotatorApp(TEXT, "t.txt", store)
    async with app.run_test(size=(100, 12), notifications=True) as pilot:
        app.query_one(DocumentView).select(SECOND - 2, SECOND)  # the blank line
        await pilot.press("1")
        await pilot.pause(0.1)
        assert store.spans(app.record.id) == []
        assert "only whitespace" in toasts(app)


async def test_an_edit_that_takes_in_a_space_is_trimmed(store):
    app = AnnotatorApp(TEXT, "t.txt", store)
    async with app.run_test(size=(100, 12)) as pilot:
        view = app.query_one(DocumentView)
        view.move_caret(SECOND + 1)
        await pilot.press("2", "e")  # the word إن, then its edges
        view.select(SECOND, SECOND + 3)  # and the space after it
        await pilot.press("enter")
        assert [(s.start, s.end) for s in store.spans(app.record.id)] == [(SECOND, SECOND + 2)]


async def test_editing_a_span_across_a_paragraph_break_is_refused_and_keeps_editing(store):
    app = AnnotatorApp(TEXT, "t.txt", store)
    async with app.run_test(size=(100, 12), notifications=True) as pilot:
        view = app.query_one(DocumentView)
        view.move_caret(SECOND + 1)
        await pilot.press("2", "e")  # the word إن as LOC, then edit its edges
        view.select(TEXT.index("حلب"), TEXT.index("انسحب") + 2)
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert [(s.start, s.end) for s in store.spans(app.record.id)] == [(SECOND, SECOND + 2)]
        assert "paragraph break" in toasts(app)
        view.select(TEXT.index("حلب"), TEXT.index("حلب") + 3)  # back inside one paragraph
        await pilot.press("enter")
        start = TEXT.index("حلب")
        assert [(s.start, s.end) for s in store.spans(app.record.id)] == [(start, start + 3)]
