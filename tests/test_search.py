"""Search in a text (folded, hits in logical offsets) and the corpus index kept in step."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import ARABIC_LETTERS, HARAKAT, mixed_text

from annotator.store import MIGRATIONS, Store
from annotator.text.folding import FoldOptions, fold, fold_query
from annotator.text.search import find_hits, word_occurrences

TATWEEL = "\u0640"
ALEFS = ["ا", "أ", "إ", "آ", "ٱ"]
# Text made of the letters that fold (alef forms, ى/ي, ة/ه) with harakat and tatweel between
# them, so folded hits land across dropped and changed characters.
FOLDY = st.lists(
    st.sampled_from(ALEFS * 3 + ["ل", "م", "ى", "ي", "ة", "ه", " ", TATWEEL] + HARAKAT),
    max_size=50,
).map("".join)
OPTIONS = st.builds(FoldOptions, st.booleans(), st.booleans(), st.booleans())


@given(st.one_of(FOLDY, mixed_text()), st.data(), OPTIONS)
def test_every_hit_maps_back_to_original_text_that_folds_to_the_query(text, data, options):
    folded = fold(text, options).text
    if folded:  # a query cut from the folded text, then written with other alef forms/harakat
        i = data.draw(st.integers(0, len(folded) - 1))
        query = folded[i: data.draw(st.integers(i + 1, min(len(folded), i + 6)))]
    else:
        query = data.draw(FOLDY)
    wanted = fold_query(query, options)
    hits = find_hits(text, query, options)
    for start, end in hits:
        assert 0 <= start < end <= len(text)
        assert fold_query(text[start:end], options) == wanted
    assert all(a[1] <= b[0] for a, b in zip(hits, hits[1:]))  # in order, not overlapping
    # A query of whitespace alone (or nothing, once folded) has no hits.
    assert len(hits) == (folded.count(wanted) if wanted.strip() else 0)


def test_the_united_nations_is_found_whatever_the_alef_and_harakat():
    text = "قال الأمين العام والأُمَمِ المتحدة إن الأمـم تعمل للأمم"  # للأمم has no ال
    hits = find_hits(text, "الامم")
    assert [text[s:e] for s, e in hits] == ["الأُمَمِ", "الأمـم"]
    assert [text[s:e] for s, e in find_hits(text, "الأمم")] == [text[s:e] for s, e in hits]


def test_words_are_found_across_any_run_of_whitespace():
    text = "قالت الأمم  المتحدة ثم الأمم\nالمتحدة ثم الأُمم\u00a0\t المتحدة والأمم المتحدة"
    found = [text[s:e] for s, e in find_hits(text, "الأمم المتحدة")]
    assert found == ["الأمم  المتحدة", "الأمم\nالمتحدة", "الأُمم\u00a0\t المتحدة", "الأمم المتحدة"]
    assert find_hits(text, "الأمم \n المتحدة") == find_hits(text, "الأمم المتحدة")
    words = [text[s:e] for s, e in word_occurrences(text, "الأمم المتحدة")]
    assert words == found[:3]  # in والأمم, not the whole word


WORD = st.sampled_from(["الأمم", "الامم", "المتحدة", "بان", "كى", "مون", "UN", "،"])
GAP = st.lists(st.sampled_from([" ", "\n", "\t", "\u00a0", "\u2003", "\u064e"]), min_size=1,
               max_size=4).filter(lambda gap: any(c.isspace() for c in gap)).map("".join)


@given(st.lists(st.tuples(WORD, GAP), min_size=1, max_size=12), st.data(), OPTIONS)
def test_a_query_of_words_in_the_text_is_found_whatever_the_whitespace_between(
        pieces, data, options):
    text = "".join(word + gap for word, gap in pieces)
    first = data.draw(st.integers(0, len(pieces) - 1))
    last = data.draw(st.integers(first, min(len(pieces) - 1, first + 3)))
    words = [word for word, _ in pieces[first:last + 1]]
    query = "".join(word + data.draw(GAP) for word in words[:-1]) + words[-1]  # other gaps
    hits = find_hits(text, query, options)
    assert hits  # those words stand in the text one after the other
    for start, end in hits:
        assert fold_query(text[start:end], options) == fold_query(query, options)
        assert not text[start].isspace() and not text[end - 1].isspace()

    text = "مدينة المدينه"
    assert len(find_hits(text, "مدينه")) == 1
    assert len(find_hits(text, "مدينه", FoldOptions(ta_marbuta=True))) == 2


def test_a_query_of_only_harakat_finds_nothing():
    assert find_hits("كَتَبَ", "\u064e") == []


def test_a_query_of_only_whitespace_finds_nothing():
    text = "زار حلب\nثم  دمشق"
    for query in (" ", "   ", "\t", "\n", " \u064e "):
        assert find_hits(text, query) == []
    assert find_hits(text, " حلب") == [(3, 7)]  # a space with a word still counts


def test_word_occurrences_are_whole_words_only():
    text = "الأمم المتحدة، وللأمم المتحدة مقر. الامم المتحدة"
    found = [text[s:e] for s, e in word_occurrences(text, "الأمم المتحدة")]
    assert found == ["الأمم المتحدة", "الامم المتحدة"]


@given(st.lists(st.sampled_from(["الأمم", "للأمم", "الامم", "أمم", "بان", "كى", "مون", "،", "."]
                                + [" "] * 4), max_size=30).map("".join), OPTIONS)
def test_word_occurrences_start_and_end_on_word_edges(text, options):
    from annotator.text.tokens import tokenize

    starts = {s for s, _ in tokenize(text)}
    ends = {e for _, e in tokenize(text)}
    for start, end in word_occurrences(text, "الأمم", options):
        assert start in starts and end in ends
        assert fold_query(text[start:end], options) == fold_query("الأمم", options)


# -- the corpus index -------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "annotations.db", annotator="tester") as store:
        yield store


def test_the_index_finds_the_alef_forms_in_every_document(store, tmp_path):
    un = store.open_document("اجتماع الأُمَم المتحدة في نيويورك", tmp_path / "a.txt")[0].id
    store.open_document("لا شيء هنا", tmp_path / "b.txt")
    also = store.open_document("قالت إِلامم كذا وللأمم", tmp_path / "c.txt")[0].id
    assert store.find_documents("الامم") == [un, also]
    assert store.find_documents("الأمم") == [un, also]
    assert store.find_documents("غزة") == []


def test_short_and_odd_queries_are_answered_without_fts_syntax(store, tmp_path):
    doc = store.open_document('قال "نعم" OR لا', tmp_path / "a.txt")[0].id
    assert store.find_documents("لا") == [doc]  # shorter than a trigram
    assert store.find_documents('"نعم"') == [doc]
    assert store.find_documents("NOT OR") == []
    assert store.find_documents("\u064e") == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(ARABIC_LETTERS[:6] + ALEFS + HARAKAT + [" "]),
                         min_size=1, max_size=30).map("".join), min_size=1, max_size=6),
       st.lists(st.sampled_from(ARABIC_LETTERS[:6] + ALEFS), min_size=1, max_size=4).map("".join))
def test_the_index_is_kept_in_step_as_documents_are_added(tmp_path_factory, texts, query):
    path = tmp_path_factory.mktemp("db") / "annotations.db"
    with Store(path, annotator="tester") as store:
        ids = []
        for n, text in enumerate(texts):
            ids.append(store.open_document(text, path.parent / f"{n}.txt")[0].id)
            # every document added is searchable at once, whatever was added before
            assert set(store.find_documents(query)) == {
                doc for doc, t in zip(ids, texts) if find_hits(t, query, FoldOptions(True, True, True))}


def test_the_index_finds_words_across_any_run_of_whitespace(store, tmp_path):
    two = store.open_document("اجتماع الأمم  المتحدة", tmp_path / "a.txt")[0].id
    store.open_document("الأمم وحدها", tmp_path / "b.txt")
    line = store.open_document("اجتماع الأمم\nالمتحدة", tmp_path / "c.txt")[0].id
    short = store.open_document("يا بو\tفي", tmp_path / "d.txt")[0].id  # words under a trigram
    assert store.find_documents("الأمم المتحدة") == [two, line]
    assert store.count_documents("الأمم المتحدة") == 2
    assert store.find_documents("بو في") == [short]
    assert store.count_documents("بو  في") == 1


def test_an_index_written_before_whitespace_folded_still_names_the_documents(tmp_path):
    path = tmp_path / "annotations.db"
    with Store(path, annotator="tester") as store:
        doc = store.open_document("اجتماع الأمم  المتحدة", tmp_path / "a.txt")[0].id
    with sqlite3.connect(path) as conn:  # the folded copy as the previous release wrote it
        conn.execute("UPDATE document_folds SET text = ?", ("اجتماع الامم  المتحده",))
    with Store(path, annotator="tester") as store:
        assert store.find_documents("الأمم المتحدة") == [doc]
        assert store.find_documents("الأمم   المتحدة") == [doc]


def test_documents_stored_before_the_index_existed_are_indexed_by_the_migration(tmp_path):
    path = tmp_path / "annotations.db"
    conn = sqlite3.connect(path)
    MIGRATIONS[0](conn)  # a schema version 1 database, as the previous release left it
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO documents(id, text, length, source, first_seen, last_seen)"
                 " VALUES ('old', 'في الأمم المتحدة', 16, '/a.txt', 't', 't')")
    conn.commit()
    conn.close()
    with Store(path, annotator="tester") as store:
        assert store.find_documents("الامم") == ["old"]
        assert store.text("old") == "في الأمم المتحدة"


def test_documents_come_in_stored_order_a_page_at_a_time(store, tmp_path):
    ids = [store.open_document(f"{n} الأمم", tmp_path / f"{n}.txt")[0].id for n in range(7)]
    assert store.count_documents("الامم") == 7
    assert store.find_documents("الامم", limit=3) == ids[:3]
    assert store.find_documents("الامم", limit=3, offset=3) == ids[3:6]
    assert store.find_documents("الامم", offset=6) == ids[6:]
    assert store.find_documents("ال", limit=2, offset=1) == ids[1:3]  # the short-query scan
    assert store.count_documents("ال") == 7 and store.count_documents("\u064e") == 0
    assert store.count_documents("الامم", cap=4) == 4 and store.count_documents("ال", cap=5) == 5


def test_a_long_document_is_stored_at_once_and_indexed_before_the_next_search(store, tmp_path):
    from annotator.store.fulltext import INLINE_LIMIT

    long_text = "كلمة " * (INLINE_LIMIT // 5) + "في الأُمَم المتحدة"
    doc = store.open_document(long_text, tmp_path / "long.txt")[0].id
    with sqlite3.connect(store.path) as conn:  # not indexed yet: opening it did not wait
        assert conn.execute("SELECT count(*) FROM document_folds").fetchone() == (0,)
    assert store.count_documents("الامم") == 1
    assert store.find_documents("الامم") == [doc]
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM document_folds").fetchone() == (1,)
