"""Search in the reader (Pilot and a real terminal): folded hits at logical offsets."""

from __future__ import annotations

import pytest
from conftest import SEED
from tmux import ANNOTATOR, Tmux

from annotator.store import SPAN_STATUSES, Store
from annotator.text.folding import fold_query
from annotator.text.layout import LayoutOptions, visual_text
from annotator.tui.app import AnnotatorApp
from annotator.tui.widgets.document_view import DocumentView
from annotator.tui.widgets.search_bar import SearchBar

TEXT = "قال الأمين العام إن الأُمَمَ المتحدة تعمل، وإن الامـم كلها للأمم.\nثم الأمم أيضا."


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "annotations.db", annotator="tester") as store:
        yield store


def count_shown(app) -> str:
    return str(app.query_one("#search-count").render())


async def press_and_wait(app, pilot, key: str) -> None:
    """Press a key whose work runs in a thread worker, and wait for it and its result."""
    await pilot.press(key)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def search(pilot, query: str) -> None:
    await pilot.press("slash", *query, "enter")
    await pilot.pause()


async def test_slash_finds_alef_forms_harakat_and_tatweel_at_logical_offsets(store):
    app = AnnotatorApp(TEXT, "un.txt", store)
    async with app.run_test(size=(100, 20)) as pilot:
        await search(pilot, "الامم")
        view = app.query_one(DocumentView)
        first = TEXT.index("الأُمَمَ")
        assert view.caret == first
        assert "1 / 3" in count_shown(app)
        assert visual_text("الامم") in count_shown(app)
        hits = app._hits
        assert [TEXT[s:e] for s, e in hits] == ["الأُمَمَ", "الامـم", "الأمم"]
        assert all(fold_query(TEXT[s:e]) == "الامم" for s, e in hits)
        assert app.focused is view  # back to the document: keys step through hits


async def test_slash_and_f_find_words_across_a_line_break_or_two_spaces(store, tmp_path):
    text = "قال الأمم  المتحدة\nثم الأمم\nالمتحدة أيضا."
    other = store.open_document("في الأمم \t المتحدة", tmp_path / "other.txt")[0].id
    app = AnnotatorApp(text, "un.txt", store)
    async with app.run_test(size=(100, 20)) as pilot:
        await search(pilot, "الأمم المتحدة")
        assert [text[s:e] for s, e in app._hits] == ["الأمم  المتحدة", "الأمم\nالمتحدة"]
        assert "1 / 2" in count_shown(app)
        await pilot.press("escape", "F", "enter")  # the corpus, for the query in the bar
        await pilot.pause()
        summary = str(app.screen.query_one("#corpus-summary").render())
        assert "3 hits in 2 documents" in summary
    assert other in store.find_documents("الأمم المتحدة")


async def test_the_hit_keys_step_forward_and_back_and_wrap(store):
    app = AnnotatorApp(TEXT, "un.txt", store)
    async with app.run_test(size=(100, 20)) as pilot:
        await search(pilot, "الأمم")
        view = app.query_one(DocumentView)
        starts = [TEXT.index("الأُمَمَ"), TEXT.index("الامـم"), TEXT.rindex("الأمم")]
        await pilot.press("greater_than_sign")
        assert view.caret == starts[1] and "2 / 3" in count_shown(app)
        await pilot.press("f3", "greater_than_sign")
        assert view.caret == starts[0] and "1 / 3" in count_shown(app)  # wrapped
        await pilot.press("less_than_sign")
        assert view.caret == starts[2] and "3 / 3" in count_shown(app)


async def test_hits_are_painted_on_their_cells_and_escape_clears_them(store):
    app = AnnotatorApp(TEXT, "un.txt", store)
    async with app.run_test(size=(100, 20)) as pilot:
        view = app.query_one(DocumentView)
        start, end = TEXT.index("الامـم"), TEXT.index("الامـم") + len("الامـم")

        def underlined_columns() -> set[int]:
            strip = view.render_line(0)
            columns, x = set(), 0
            for segment in strip:
                if segment.style and segment.style.underline:
                    columns |= set(range(x, x + segment.cell_length))
                x += segment.cell_length
            return columns

        assert underlined_columns() == set()
        await search(pilot, "الامم")
        line = view.text_layout.line(0)
        indent = line.indent(view.text_layout.width)
        cells = line.cells_intersecting(start, end)
        hit_columns = {indent + line.columns()[c] + k for c in cells for k in range(line.widths[c])}
        assert hit_columns <= underlined_columns()
        await pilot.press("slash", "escape")
        await pilot.pause()
        assert underlined_columns() == set()
        assert not app.query_one(SearchBar).display or not app.screen.has_class("-searching")


async def test_a_query_with_no_hits_says_so(store):
    app = AnnotatorApp(TEXT, "un.txt", store)
    async with app.run_test(size=(100, 20)) as pilot:
        await search(pilot, "غزة")
        assert "no hits" in count_shown(app)
        assert app.query_one(DocumentView).caret == 0


async def test_corpus_search_lists_hits_per_document_and_enter_opens_one(store, tmp_path):
    other = "في نيويورك اجتمعت الأُمَم المتحدة أمس"
    other_id = store.open_document(other, tmp_path / "other.txt")[0].id
    store.open_document("لا شيء هنا", tmp_path / "none.txt")
    app = AnnotatorApp(TEXT, "un.txt", store)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press("F", *"الامم", "enter")
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "CorpusSearchScreen"
        summary = str(screen.query_one("#corpus-summary").render())
        assert "4 hits in 2 documents" in summary
        rows = [str(o.prompt) for o in screen.query_one("OptionList").options]
        assert "other.txt  (1 hit)" in rows and "un.txt  (3 hits)" in rows
        row = rows.index("other.txt  (1 hit)") + 1
        # the context line is the paragraph shaped and reordered, as the document shows it
        assert visual_text(other) in rows[row]
        screen.query_one("OptionList").highlighted = row
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ != "CorpusSearchScreen"
        assert app.record.id == other_id
        assert app.query_one(DocumentView).caret == other.index("الأُمَم")
        assert "1 / 1" in count_shown(app)


async def test_label_all_occurrences_suggests_whole_words_here_and_elsewhere(store, tmp_path):
    other = "الأمم المتحدة وللأمم أيضا الأمم"
    other_id = store.open_document(other, tmp_path / "other.txt")[0].id
    app = AnnotatorApp(TEXT, "un.txt", store)
    async with app.run_test(size=(100, 20)) as pilot:
        view = app.query_one(DocumentView)
        view.move_caret(TEXT.rindex("الأمم"))
        await pilot.press("3")  # ORG on the word under the caret
        await press_and_wait(app, pilot, "asterisk")
        assert type(app.screen).__name__ == "LabelAllScreen"
        await press_and_wait(app, pilot, "a")  # all documents
        here = [(TEXT[s.start:s.end], s.label, s.status) for s in store.spans(app.record.id)]
        assert sorted(here) == sorted([("الأمم", "ORG", "accepted"), ("الأُمَمَ", "ORG", "suggested"),
                                       ("الامـم", "ORG", "suggested")])
        there = [(s.start, s.end, s.status) for s in store.spans(other_id)]
        assert there == [(0, 5, "suggested"), (26, 31, "suggested")]  # not inside وللأمم
        # the proposals are this annotator's own, under a source that names them
        assert {s.annotator for s in store.spans(other_id)} == {f"*{store.annotator}"}
        # a suggestion is accepted or rejected like an imported one; A does not offer it again
        view.move_caret(TEXT.index("الامـم"))
        await pilot.press("r")
        await press_and_wait(app, pilot, "asterisk")
        assert type(app.screen).__name__ != "LabelAllScreen"  # nothing left to offer
        statuses = sorted(s.status for s in store.spans(app.record.id, SPAN_STATUSES))
        assert statuses == ["accepted", "suggested", "suggested"]  # rejected for me alone
        assert [TEXT[s.start:s.end] for s in store.suggestions(app.record.id)] == ["الأُمَمَ"]
    with Store(store.path, annotator="someone-else") as other_annotator:
        assert other_annotator.suggestions(app.record.id) == []  # private to who pressed *
        assert other_annotator.suggestions(other_id) == []


async def test_label_all_here_only_leaves_other_documents_alone(store, tmp_path):
    other_id = store.open_document("الأمم", tmp_path / "other.txt")[0].id
    app = AnnotatorApp(TEXT, "un.txt", store)
    async with app.run_test(size=(100, 20)) as pilot:
        app.query_one(DocumentView).move_caret(TEXT.rindex("الأمم"))
        await pilot.press("3")
        await press_and_wait(app, pilot, "asterisk")
        await press_and_wait(app, pilot, "h")
        assert len(store.spans(app.record.id)) == 3
        assert store.spans(other_id) == []


def test_search_finds_the_united_nations_in_a_real_terminal(tmp_path):
    db = str(tmp_path / "annotations.db")
    session = Tmux([ANNOTATOR, str(SEED), "--db", db], 100, 30)
    try:
        session.wait_for(lambda rows: "offset 0/" in "\n".join(rows))
        session.send("/")
        session.wait_for(lambda rows: "search this document" in "\n".join(rows))
        session.send("الامم", "Enter")
        rows = session.wait_for(lambda rows: "1 / 3" in "\n".join(rows))
        seed = SEED.read_text(encoding="utf-8")
        first = seed.index("الأمم")
        assert f"«{visual_text('الامم')}»  1 / 3" in "\n".join(rows)
        assert f"offset {first}/3328" in "\n".join(rows)
        session.send(">")
        rows = session.wait_for(lambda rows: "2 / 3" in "\n".join(rows))
        assert f"offset {seed.index('الأمم', first + 1)}/3328" in "\n".join(rows)
    finally:
        session.close()


async def test_corpus_search_lists_a_page_of_documents_and_enter_on_more_adds_the_next(store, tmp_path):
    from annotator.tui.screens.corpus_search import PAGE

    for n in range(PAGE + 3):
        store.open_document(f"{n}: اجتمعت الأمم المتحدة", tmp_path / f"{n:02}.txt")
    app = AnnotatorApp("نص آخر", "other.txt", store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("F", *"الامم", "enter")
        await pilot.pause()
        hits = app.screen.query_one("OptionList")
        summary = str(app.screen.query_one("#corpus-summary").render())
        assert f"{PAGE} hits in {PAGE} documents" in summary and f"{PAGE + 3} the index" in summary
        assert "3 more documents" in str(hits.options[-1].prompt)
        hits.highlighted = len(hits.options) - 1
        await pilot.press("enter")
        await pilot.pause()
        headings = [str(o.prompt) for o in hits.options if o.disabled]
        assert headings == [f"{n:02}.txt  (1 hit)" for n in range(PAGE + 3)]
        assert f"{PAGE + 3} hits in {PAGE + 3} documents" in str(
            app.screen.query_one("#corpus-summary").render())


@pytest.mark.parametrize("width", [20, 40, 77])
def test_a_context_line_is_cropped_around_its_hit_in_visual_order(seed_text, width):
    from annotator.text.layout import layout_paragraph
    from annotator.tui.screens.corpus_search import context_line

    start = seed_text.index("الأمم")
    end = start + len("الأمم")
    row = context_line(seed_text, start, end, LayoutOptions(), width)
    assert 0 < row.cell_len <= width
    # the reversed cells are the hit's cells as the whole paragraph lays them out
    [para] = layout_paragraph(seed_text, 0, 1 << 30)  # the seed is one paragraph
    hit = "".join(para.texts[i] for i in sorted(para.cells_intersecting(start, end)))
    reversed_text = "".join(row.plain[s.start:s.end] for s in row.spans if "reverse" in str(s.style))
    assert reversed_text == hit
    assert row.plain[1:-1] in para.text  # a piece of the visual line (its cut edges aside)


async def test_corpus_search_stops_counting_at_the_cap(store, tmp_path, monkeypatch):
    from annotator.tui.screens import corpus_search

    monkeypatch.setattr(corpus_search, "PAGE", 2)
    monkeypatch.setattr(corpus_search, "COUNT_CAP", 4)
    for n in range(7):
        store.open_document(f"{n} الأمم", tmp_path / f"{n}.txt")
    app = AnnotatorApp("نص آخر", "other.txt", store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("F", *"الامم", "enter")
        await pilot.pause()
        summary = str(app.screen.query_one("#corpus-summary").render())
        assert "2 hits in 2 documents (searched 2 of the 4+ the index names)" in summary
        assert "3+ more documents" in str(app.screen.query_one("OptionList").options[-1].prompt)


# -- found by trying it as a user (QA) ---------------------------------------------------------


def queued_app(store: Store, texts: list[str], tmp_path) -> AnnotatorApp:
    from annotator.store.queue import start_queue

    paths = []
    for n, text in enumerate(texts):
        paths.append(tmp_path / f"{n:02}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    opening = start_queue(store, [str(p) for p in paths])
    return AnnotatorApp(opening.text, opening.record.source, store,
                        opened=(opening.record, None), queue_position=opening.position)


async def test_the_next_document_is_searched_for_the_open_query_not_left_with_the_old_count(
        store, tmp_path):
    second = "لا شيء هنا سوى الأمم ثم الامم"
    app = queued_app(store, ["حلب والأمم", second, "نص بلا كلمة"], tmp_path)
    async with app.run_test(size=(100, 20)) as pilot:
        await app.workers.wait_for_complete()
        await search(pilot, "الامم")
        assert "1 / 1" in count_shown(app)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.document.text == second
        view = app.query_one(DocumentView)
        assert view.caret == 0  # the document opens where it was left, not at a hit
        assert "- / 2" in count_shown(app)  # this document's hits, none chosen yet
        await pilot.press("greater_than_sign")
        assert view.caret == second.index("الأمم") and "1 / 2" in count_shown(app)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert "no hits" in count_shown(app)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert view.caret == second.index("الأمم")  # left on a hit: it is the current one
        assert "1 / 2" in count_shown(app)


async def test_the_bar_shows_the_query_as_the_document_is_drawn_in_terminal_bidi_mode(store):
    # A terminal that runs bidi itself (mlterm, Konsole) is sent logical, unshaped text: a
    # query shaped and reversed by us would be reversed again on screen.
    options = LayoutOptions(bidi="terminal")
    app = AnnotatorApp(TEXT, "un.txt", store, options)
    async with app.run_test(size=(100, 20)) as pilot:
        await search(pilot, "الامم")
        shown = count_shown(app)
        assert visual_text("الامم", options) == "الامم"
        assert "«الامم»" in shown and visual_text("الامم") not in shown


async def test_down_from_the_corpus_query_goes_to_the_hits_and_enter_opens_the_first(store, tmp_path):
    other = "في نيويورك اجتمعت الأُمَم المتحدة أمس"
    other_id = store.open_document(other, tmp_path / "other.txt")[0].id
    app = AnnotatorApp("نص بلا الكلمة", "here.txt", store)
    async with app.run_test(size=(100, 20)) as pilot:
        await search(pilot, "الامم")
        await pilot.press("F")  # opens with the query searched, the cursor in the query
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ != "CorpusSearchScreen"
        assert app.record.id == other_id
        assert app.query_one(DocumentView).caret == other.index("الأُمَم")


async def test_the_corpus_summary_shows_the_query_shaped(store, tmp_path):
    # the query input shows what is typed in logical order (backwards on most terminals)
    store.open_document("الأمم المتحدة", tmp_path / "other.txt")
    app = AnnotatorApp("نص", "here.txt", store)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press("F", *"الامم", "enter")
        await pilot.pause()
        summary = str(app.screen.query_one("#corpus-summary").render())
        assert summary.startswith(f"«{visual_text('الامم')}»: 1 hit in 1 document")


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_caret_stays_visible_on_the_current_hit(store, monkeypatch, no_color):
    # The caret goes to the hit's first letter; drawn as the rest of the hit, it was lost
    # (the default theme's caret and current-hit backgrounds are the same orange, and
    # without colour both were bold).
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = AnnotatorApp("xyz two xyz three", "t.txt", store)
    async with app.run_test(size=(100, 10)) as pilot:
        await search(pilot, "xyz")
        await pilot.press("greater_than_sign")  # the second hit: caret on its "x"
        view = app.query_one(DocumentView)
        assert view.caret == 8

        def looks(style) -> tuple:
            """What tells a cell apart on screen: the background (a near-black letter on
            it reads as black), and the attributes; without colour only the attributes."""
            seen = (bool(style.bold), bool(style.underline), bool(style.reverse),
                    bool(style.italic))
            return seen if no_color else (style.bgcolor, *seen)

        shown, x = {}, 0
        for segment in view.render_line(0):
            for _ in segment.text:
                shown[x], x = looks(segment.style), x + 1
        indent = view.text_layout.line(0).indent(view.text_layout.width)
        caret, rest = shown[indent + 8], [shown[indent + 9], shown[indent + 10]]
        assert rest[0] == rest[1] and caret != rest[0]
        assert shown[indent + 1] != rest[0]  # the current hit stands out from the others


#: What xterm (and tmux, and xterm.js in `annotator serve`) sends for each search key.
XTERM_SEQUENCES = {"slash": "/", "greater_than_sign": ">", "less_than_sign": "<", "f3": "\x1bOR",
                   "shift+f3": "\x1b[1;2R", "F": "F", "asterisk": "*"}


def test_every_search_key_can_be_typed_in_an_xterm():
    # xterm's Shift+F3 is ESC [1;2R, which Textual reads as a cursor position report: a key
    # bound only there would be advertised and never arrive.
    from textual import events
    from textual._xterm_parser import XTermParser

    actions = ("search", "next_hit", "corpus_search", "label_all")
    keys = [key.strip() for binding in AnnotatorApp.BINDINGS
            if binding.action.startswith(actions) for key in binding.key.split(",")]
    assert {"slash", "greater_than_sign", "less_than_sign", "F", "asterisk"} <= set(keys)
    for key in keys:
        parser = XTermParser(debug=False)
        received = [*parser.feed(XTERM_SEQUENCES[key]), *parser.feed("")]
        assert [e.key for e in received if isinstance(e, events.Key)] == [key], key


async def test_the_corpus_search_tells_an_old_version_of_a_file_from_the_current_one(store, tmp_path):
    # A file that changed is stored as a new document; the old version keeps its text (and
    # its place in the index). Both were listed under the same name.
    path = tmp_path / "news.txt"
    store.open_document("زيارة إلى حلب", path)
    current, _ = store.open_document("زيارة إلى حلب ثم إلى حلب", path)
    app = AnnotatorApp("نص", "here.txt", store)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press("F", *"حلب", "enter")
        await pilot.pause()
        rows = [str(o.prompt) for o in app.screen.query_one("OptionList").options]
        assert "news.txt  (2 hits)" in rows
        assert "news.txt, an older version  (1 hit)" in rows
        assert store.is_superseded(current.previous_id) and not store.is_superseded(current.id)


async def test_the_looking_for_toast_does_not_cover_the_label_all_choices(store):
    from textual.widgets._toast import Toast

    app = AnnotatorApp(TEXT, "un.txt", store)
    async with app.run_test(size=(50, 16), notifications=True) as pilot:
        app.query_one(DocumentView).move_caret(TEXT.rindex("الأمم"))
        await pilot.press("3")
        await press_and_wait(app, pilot, "asterisk")
        await pilot.pause(0.2)
        assert type(app.screen).__name__ == "LabelAllScreen"
        dialog = app.screen.query_one("#label-all-body").region
        for toast in app.screen.query(Toast):
            assert not toast.region.overlaps(dialog), str(toast.render())


async def test_keys_in_the_corpus_hit_list_do_not_edit_the_document_behind_it(store):
    """After Enter in F's query the hit list has the focus: the reader's keys (1-9, x,
    Delete, u, Ctrl+Z, D ...) must not act, unseen, on the document under the screen, and a
    letter typed there goes on with the query instead of running a command."""
    app = AnnotatorApp("نص فيه حلب", "t.txt", store)
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.press("1")  # PER on the word under the caret
        labelled = store.spans(app.record.id, ("accepted",))
        await pilot.press("F", *"حلب", "enter")
        await pilot.pause()
        for key in ("x", "delete", "2", "u", "ctrl+z", "D", "h"):
            await pilot.press(key)
            await pilot.pause()
            assert store.spans(app.record.id, ("accepted",)) == labelled, key
            assert store.document(app.record.id).status != "done", key
        assert type(app.screen).__name__ == "CorpusSearchScreen"
        await pilot.press("q")  # not quit: the query goes on
        await pilot.pause()
        assert type(app.screen).__name__ == "CorpusSearchScreen"
        assert app.screen.query_one("#corpus-query").value.endswith("q")


async def test_a_long_query_leaves_the_search_box_room_at_50_columns(store):
    # The count repeats the query («...»  1 / 1): a long one took the whole bar and left the
    # box one column, so reopening it with / showed one letter of what was being edited.
    query = "الأمين العام للأمم المتحدة بان كي مون"
    app = AnnotatorApp(f"قال {query} إن الوضع خطير.", "t.txt", store)
    async with app.run_test(size=(50, 12)) as pilot:
        await search(pilot, query)
        bar = app.query_one(SearchBar)
        assert "1 / 1" in count_shown(app)
        assert bar.input.region.width >= bar.region.width // 2
        # cut at its end in reading order: its first word stays
        assert visual_text("الأمين") in count_shown(app) and "…" in count_shown(app)
