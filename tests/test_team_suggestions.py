"""Suggestions are proposals to each annotator (issues 10 and 11): one real SQLite file,
two Stores with different annotators on it, as two people in a team use it."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tmux import terminal  # noqa: F401 -- the fixture

from annotator.pipeline.agreement import agreement
from annotator.pipeline.stats import collect
from annotator.store import SCHEMA_VERSION, Snapshot, Store, StoreError

TEXT = "قال بان كي مون في حلب ثم دمشق وحمص إن الأمم المتحدة قلقة"
AT = TEXT.index
BAN, ALEPPO, DAMASCUS = (AT("بان"), AT("بان") + 10), (AT("حلب"), AT("حلب") + 3), (AT("دمشق"), AT("دمشق") + 4)
LEGACY = Path(__file__).parent / "data" / "schema4-suggestions.db"


@pytest.fixture
def team(tmp_path):
    db = tmp_path / "team.db"
    with Store(db, annotator="amal") as amal, Store(db, annotator="badr") as badr:
        doc = amal.open_document(TEXT, tmp_path / "news.txt")[0].id
        amal.add_suggestions([(doc, [(*BAN, "PER"), (*ALEPPO, "LOC"), (*DAMASCUS, "LOC")])],
                             annotator="patterns")
        yield amal, badr, doc


def open_ones(store: Store, doc: str) -> list[tuple[int, int, str, str]]:
    return [(s.start, s.end, s.label, s.annotator) for s in store.suggestions(doc)]


def accepted(store: Store, doc: str) -> list[tuple[int, int, str, str]]:
    return [(s.start, s.end, s.label, s.annotator) for s in store.spans(doc, ("accepted",))]


def suggestion(store: Store, doc: str, extent: tuple[int, int]):
    return next(s for s in store.suggestions(doc) if (s.start, s.end) == extent)


ALL = [(*BAN, "PER", "patterns"), (*ALEPPO, "LOC", "patterns"), (*DAMASCUS, "LOC", "patterns")]


def test_one_annotator_s_decisions_leave_the_suggestions_open_to_the_other(team):
    amal, badr, doc = team
    mine = amal.decide_suggestion(suggestion(amal, doc, BAN).id, "accepted")
    assert amal.decide_suggestion(suggestion(amal, doc, ALEPPO).id, "rejected") is None
    assert (mine.start, mine.end, mine.label, mine.annotator, mine.status) == (*BAN, "PER", "amal", "accepted")
    assert open_ones(amal, doc) == [(*DAMASCUS, "LOC", "patterns")]
    assert open_ones(badr, doc) == ALL  # badr still sees the model's every proposal
    assert accepted(badr, doc) == [(*BAN, "PER", "amal")]
    # badr decides the other way round; each keeps their own
    badr.decide_suggestion(suggestion(badr, doc, BAN).id, "rejected")
    badr.decide_suggestion(suggestion(badr, doc, ALEPPO).id, "accepted", label="ORG")
    assert accepted(amal, doc) == [(*BAN, "PER", "amal"), (*ALEPPO, "ORG", "badr")]
    assert open_ones(amal, doc) == open_ones(badr, doc) == [(*DAMASCUS, "LOC", "patterns")]


def test_undo_and_redo_take_a_decision_back_whole(team):
    amal, badr, doc = team
    amal.decide_suggestion(suggestion(amal, doc, BAN).id, "accepted", label="ORG")
    amal.decide_suggestion(suggestion(amal, doc, ALEPPO).id, "rejected")
    badr.decide_suggestion(suggestion(badr, doc, DAMASCUS).id, "accepted")
    assert badr.undo(doc) == "undid: accept suggestion LOC [25:29] from patterns"  # his own only
    assert amal.undo(doc) == "undid: reject suggestion LOC [18:21] from patterns"
    assert amal.undo(doc) == "undid: accept suggestion PER [4:14] from patterns as ORG"
    assert amal.undo(doc) is None
    assert accepted(amal, doc) == [] and open_ones(amal, doc) == open_ones(badr, doc) == ALL
    assert amal.decisions(doc) == {} == badr.decisions(doc)
    first = amal.redo(doc)
    assert first == "redid: accept suggestion PER [4:14] from patterns as ORG"
    amal.redo(doc)
    assert accepted(amal, doc) == [(*BAN, "ORG", "amal")]
    assert open_ones(amal, doc) == [(*DAMASCUS, "LOC", "patterns")]


def test_deciding_twice_is_refused_and_only_suggestions_are_decided(team):
    amal, _, doc = team
    ban = suggestion(amal, doc, BAN)
    span = amal.decide_suggestion(ban.id, "accepted")
    with pytest.raises(StoreError, match="already accepted this suggestion"):
        amal.decide_suggestion(ban.id, "rejected")
    with pytest.raises(StoreError, match="is not a suggestion"):
        amal.decide_suggestion(span.id, "accepted")
    with pytest.raises(StoreError, match="decision must be one of accepted, rejected"):
        amal.decide_suggestion(ban.id, "suggested")


def test_accept_all_and_reject_all_of_a_source_are_per_annotator(team):
    amal, badr, doc = team
    amal.add_suggestions([(doc, [(*ALEPPO, "PER")])], annotator="model")
    assert amal.decide_suggestions(doc, "patterns", "accepted") == (3, 0)
    assert open_ones(amal, doc) == []  # model's PER over حلب overlaps amal's LOC there now
    assert badr.decide_suggestions(doc, "model", "rejected") == (1, 0)
    assert open_ones(badr, doc) == ALL
    assert badr.undo(doc) is not None and len(open_ones(badr, doc)) == 4


def test_own_spans_hide_suggestions_by_the_overlap_rule(team):
    amal, badr, doc = team
    amal.add_span(doc, AT("بان"), AT("بان") + 3, "PER")  # inside the suggested بان كي مون
    amal.add_span(doc, *ALEPPO, "LOC")  # the same as a suggestion
    assert open_ones(amal, doc) == [(*DAMASCUS, "LOC", "patterns")]
    with_overlap = [(s.start, s.end) for s in amal.suggestions(doc, allow_overlap=True)]
    assert with_overlap == [BAN, DAMASCUS]  # only the duplicate stays hidden
    assert open_ones(badr, doc) == ALL  # amal's spans are hers


def test_suggesting_again_adds_nothing_and_a_rejection_stays(team):
    amal, badr, doc = team
    amal.decide_suggestion(suggestion(amal, doc, ALEPPO).id, "rejected")
    amal.decide_suggestion(suggestion(amal, doc, BAN).id, "accepted")
    again = [(doc, [(*BAN, "PER"), (*ALEPPO, "LOC"), (*DAMASCUS, "LOC")])]
    assert amal.add_suggestions(again, annotator="patterns") == (0, 3)
    assert amal.add_suggestions(again, annotator="model") == (0, 3)  # same span, other source
    assert open_ones(amal, doc) == [(*DAMASCUS, "LOC", "patterns")]
    assert open_ones(badr, doc) == ALL


def test_a_source_run_again_with_replace_withdraws_only_its_undecided_stale_suggestions(team):
    amal, badr, doc = team
    amal.add_suggestions([(doc, [(*ALEPPO, "ORG")])], annotator="model")  # another source
    amal.decide_suggestion(suggestion(amal, doc, DAMASCUS).id, "rejected")
    before = {(s.start, s.end): s.id for s in amal.spans(doc, ("suggested",))
              if s.annotator == "patterns"}
    # the retrained source proposes BAN again, no longer ALEPPO nor DAMASCUS, and a new one
    new = (DAMASCUS[1] + 1, DAMASCUS[1] + 4)
    assert badr.replace_suggestions([(doc, [(*BAN, "PER"), (*new, "MISC")])],
                                    annotator="patterns") == (1, 1, 1)
    kept = {(s.start, s.end, s.label, s.annotator): s.id for s in amal.spans(doc, ("suggested",))}
    assert kept == {
        (*BAN, "PER", "patterns"): before[BAN],  # proposed again: the same row, not a new one
        (*DAMASCUS, "LOC", "patterns"): before[DAMASCUS],  # amal decided it: it stays
        (*ALEPPO, "ORG", "model"): kept[(*ALEPPO, "ORG", "model")],  # another source's
        (*new, "MISC", "patterns"): kept[(*new, "MISC", "patterns")],
    }
    assert (*ALEPPO, "LOC", "patterns") not in kept  # withdrawn: undecided, not proposed again
    assert amal.decisions(doc) == {before[DAMASCUS]: "rejected"}


def test_star_proposals_are_seen_by_their_maker_only(team):
    amal, badr, doc = team
    amal.add_suggestions([(doc, [(AT("الأمم"), AT("الأمم") + 5, "ORG")])], annotator="*amal")
    assert (AT("الأمم"), AT("الأمم") + 5, "ORG", "*amal") in open_ones(amal, doc)
    assert open_ones(badr, doc) == ALL


def test_export_stats_and_agreement_count_each_annotator_s_accepted_spans(team):
    amal, badr, doc = team
    amal.decide_suggestions(doc, "patterns", "accepted")
    badr.decide_suggestion(suggestion(badr, doc, BAN).id, "accepted")
    badr.decide_suggestion(suggestion(badr, doc, ALEPPO).id, "rejected")
    for store in (amal, badr):
        store.set_status(doc, "done")
    with Snapshot(amal.path) as snap:
        records = {r.annotator: r.spans for r in snap.records()}
        counts = snap.counts()
        [pair] = agreement(snap.records(), done=snap.statuses())
    assert records == {"amal": [(*BAN, "PER", "accepted"), (*ALEPPO, "LOC", "accepted"),
                                (*DAMASCUS, "LOC", "accepted")],
                       "badr": [(*BAN, "PER", "accepted")]}
    assert counts.spans_by_annotator == {("amal", "accepted"): 3, ("badr", "accepted"): 1,
                                         ("patterns", "suggested"): 3}
    assert (pair.a, pair.b, pair.exact.a, pair.exact.b, pair.exact.f1) == ("amal", "badr", 3, 1, 0.5)
    assert collect(amal.path)["suggestions_decided"] == {
        "amal": {"accepted": 3, "rejected": 0}, "badr": {"accepted": 1, "rejected": 1}}


# -- a property: any interleaving of decisions, undos and redos by two annotators ----------

EXTENTS = [(0, 3), (4, 7), (4, 14), (8, 10), (11, 14), (18, 21), (25, 29), (25, 35)]
steps = st.lists(st.tuples(st.sampled_from(["amal", "badr"]),
                           st.sampled_from(["accept", "reject", "undo", "redo"]),
                           st.integers(0, 7)), max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_each_annotator_sees_what_they_have_not_decided_and_is_not_under_their_spans(tmp_path_factory, steps):
    """A model of the rule, step by step: an annotator's open suggestions are those they
    have not decided and that overlap none of their accepted spans; undo and redo move
    whole decisions; nothing one does changes what the other sees."""
    db = tmp_path_factory.mktemp("team") / "a.db"
    with Store(db, annotator="amal") as amal, Store(db, annotator="badr") as badr:
        doc = amal.open_document(TEXT, "/news.txt")[0].id
        amal.add_suggestions([(doc, [(s, e, "LOC") for s, e in EXTENTS])], annotator="m")
        ids = {(s.start, s.end): s.id for s in amal.spans(doc, ("suggested",))}
        stores = {"amal": amal, "badr": badr}
        done = {"amal": [], "badr": []}  # decisions in order: (extent, accepted?)
        undone = {"amal": [], "badr": []}

        def expected(who):
            mine = [x for x, ok in done[who] if ok]
            decided = {x for x, _ in done[who]}
            return [x for x in EXTENTS if x not in decided
                    and not any(s < x[1] and x[0] < e for s, e in mine)]

        for who, step, index in steps:
            store, visible = stores[who], expected(who)
            if step in ("accept", "reject") and visible:
                extent = visible[index % len(visible)]
                store.decide_suggestion(ids[extent], f"{step}ed" if step == "reject" else "accepted")
                done[who].append((extent, step == "accept"))
                undone[who].clear()
            elif step == "undo":
                assert (store.undo(doc) is None) == (not done[who])
                if done[who]:
                    undone[who].append(done[who].pop())
            elif step == "redo":
                assert (store.redo(doc) is None) == (not undone[who])
                if undone[who]:
                    done[who].append(undone[who].pop())
            for name, each in stores.items():
                assert [(s.start, s.end) for s in each.suggestions(doc)] == expected(name)
                assert sorted((s.start, s.end) for s in each.spans(doc, ("accepted",))
                              if s.annotator == name) == sorted(x for x, ok in done[name] if ok)


# -- migration 4 -> 5 ---------------------------------------------------------------------


def test_a_schema_4_database_migrates_decisions_to_the_annotators_who_made_them(tmp_path):
    """tests/data/schema4-suggestions.db was written by the release before (see
    make_schema4_db.py beside it): amal's * proposed two spans under her name and she
    accepted one; she accepted بان كي مون as ORG in place and rejected حلب, undid a
    rejection of حمص, badr rejected the model's two with R, and a script rejected one with
    no trace of who."""
    db = tmp_path / "old.db"
    shutil.copyfile(LEGACY, db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM meta").fetchone() == ("4",)
    with Store(db, annotator="amal") as amal, Store(db, annotator="badr") as badr, \
            Store(db, annotator="chadi") as chadi:
        [doc] = amal.document_ids()
        un, worried, hums = (AT("الأمم"), AT("الأمم") + 13), (AT("قلقة"), AT("قلقة") + 4), (AT("حمص"), AT("حمص") + 3)
        then, that = (AT("ثم"), AT("ثم") + 2), (AT("إن"), AT("إن") + 2)
        # spans accepted in place are kept as amal's; the suggestions they were are back
        assert accepted(chadi, doc) == [(*BAN, "ORG", "amal"), (*then, "MISC", "amal")]
        imported = (AT("كي"), AT("كي") + 6, "PER", "import")  # for everyone, as before
        assert open_ones(chadi, doc) == [  # the script's rejected MISC stays hidden: no one to name
            (*BAN, "PER", "patterns"), imported, (*ALEPPO, "LOC", "patterns"),
            (*DAMASCUS, "LOC", "patterns"), (*hums, "LOC", "patterns"), (*un, "ORG", "model"),
            (*worried, "MISC", "model")]
        # amal's * proposals are hers alone now, under *amal
        assert open_ones(amal, doc) == [(*DAMASCUS, "LOC", "patterns"), (*hums, "LOC", "patterns"),
                                        (*that, "MISC", "*amal"), (*un, "ORG", "model"),
                                        (*worried, "MISC", "model")]
        assert open_ones(badr, doc) == open_ones(chadi, doc)[:5]
        assert sorted(badr.decisions(doc).values()) == ["rejected", "rejected"]
        # the old undo entries now undo the decision, the per-annotator way
        assert badr.undo(doc) == "undid: reject suggestion MISC [52:56] from model"
        assert amal.redo(doc) is None  # an old-style redo entry was dropped
        assert amal.undo(doc) == "undid: reject suggestion LOC [18:21] from patterns"
        assert amal.undo(doc) == "undid: accept suggestion PER [4:14] from patterns as ORG"
        assert amal.undo(doc) == "undid: accept suggestion MISC [22:24] from *amal"
        assert accepted(chadi, doc) == []
        assert len(open_ones(amal, doc)) == 9
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM meta").fetchone() == (str(SCHEMA_VERSION),)
        assert conn.execute("SELECT count(*) FROM spans WHERE status = 'rejected'").fetchone() == (1,)


def test_merge_carries_each_annotator_s_decisions_to_the_same_suggestion(tmp_path):
    from annotator.store.merging import merge_databases

    homes = []
    for name, extent, decision in (("amal", BAN, "accepted"), ("badr", ALEPPO, "rejected")):
        db = tmp_path / f"{name}.db"
        with Store(db, annotator=name) as store:
            doc = store.open_document(TEXT, f"/{name}/news.txt")[0].id
            store.add_suggestions([(doc, [(*BAN, "PER"), (*ALEPPO, "LOC")])], annotator="patterns")
            store.decide_suggestion(suggestion(store, doc, extent).id, decision)
        homes.append(db)
    said: list[str] = []
    for _ in range(2):  # twice: nothing more
        merge_databases(homes, tmp_path / "team.db", report=said.append)
    with Store(tmp_path / "team.db", annotator="amal") as amal, \
            Store(tmp_path / "team.db", annotator="badr") as badr:
        assert open_ones(amal, doc) == [(*ALEPPO, "LOC", "patterns")]
        assert open_ones(badr, doc) == [(*BAN, "PER", "patterns")]
        assert accepted(badr, doc) == [(*BAN, "PER", "amal")]
    assert said == []


# -- the app: a / r / A / R / 1-9 / x / e / u, two annotators in turn -----------------------


async def in_app(db: Path, who: str, keys_at: list[tuple[int, tuple[str, ...]]]):
    """Open the article as ``who``, press keys with the caret at offsets, and return what
    the app holds as suggestions (start, end, source) afterwards."""
    from annotator.tui.app import AnnotatorApp
    from annotator.tui.widgets.document_view import DocumentView

    with Store(db, annotator=who) as store:
        app = AnnotatorApp(TEXT, "/news.txt", store)
        async with app.run_test(size=(100, 20)) as pilot:
            for offset, keys in keys_at:
                app.query_one(DocumentView).move_caret(offset)
                await pilot.pause()
                await pilot.press(*keys)
                await pilot.pause()
            return [(s.start, s.end, s.annotator) for s in app.spans if s.status == "suggested"]


async def test_in_the_app_each_annotator_decides_for_themselves(tmp_path):
    db = tmp_path / "team.db"
    with Store(db, annotator="amal") as store:
        doc = store.open_document(TEXT, "/news.txt")[0].id
        store.add_suggestions([(doc, [(*BAN, "PER"), (*ALEPPO, "LOC"), (*DAMASCUS, "LOC")])],
                              annotator="patterns")
        un, worried = (AT("الأمم"), AT("الأمم") + 13), (AT("قلقة"), AT("قلقة") + 4)
        store.add_suggestions([(doc, [(*un, "ORG"), (*worried, "MISC")])], annotator="model")
    everything = [(*BAN, "patterns"), (*ALEPPO, "patterns"), (*DAMASCUS, "patterns"),
                  (*un, "model"), (*worried, "model")]
    # amal: a on بان كي مون, r on حلب, 3 (ORG) on دمشق, A on the model's
    left = await in_app(db, "amal", [(BAN[0], ("a",)), (ALEPPO[0], ("r",)),
                                     (DAMASCUS[0], ("3",)), (un[0], ("A",))])
    assert left == []
    # badr sees every suggestion still; x on one rejects it for him, e on one changes nothing
    left = await in_app(db, "badr", [])
    assert left == everything
    left = await in_app(db, "badr", [(worried[0], ("x",)), (BAN[0], ("e", "enter")), (un[0], ("R",))])
    assert left == everything[:3]
    with Store(db, annotator="amal") as amal, Store(db, annotator="badr") as badr:
        assert accepted(amal, doc) == [(*BAN, "PER", "amal"), (*DAMASCUS, "ORG", "amal"),
                                       (*un, "ORG", "amal"), (*worried, "MISC", "amal")]
        assert badr.decisions(doc) == {s.id: "rejected" for s in amal.spans(doc, ("suggested",))
                                       if s.annotator == "model"}
        assert len(amal.spans(doc, ("suggested",))) == 5  # no decision touched a suggestion row
    # amal undoes her last two key presses (A: both its decisions at once, then 3), and redoes 3
    left = await in_app(db, "amal", [(0, ("u", "u", "ctrl+r"))])
    assert left == [(*un, "model"), (*worried, "model")]
    with Store(db, annotator="amal") as amal:
        assert accepted(amal, doc) == [(*BAN, "PER", "amal"), (*DAMASCUS, "ORG", "amal")]


# -- a real terminal: two annotators in turn on the seed article -----------------------------


def test_two_annotators_in_turn_in_a_real_terminal(terminal, tmp_path):
    """amal accepts one imported suggestion and rejects another in the real `annotator`;
    badr, opening the same article on the same database after her, still sees both."""
    from conftest import SEED
    from test_suggest import run

    from annotator.text.loading import load_text

    text = load_text(SEED)
    words = [("الأسد", "PER"), ("بان كى مون", "PER"), ("حلب", "LOC")]
    spans = [{"start": text.index(w), "end": text.index(w) + len(w), "label": label}
             for w, label in words]
    (tmp_path / "model.jsonl").write_text(
        json.dumps({"text": text, "spans": spans}, ensure_ascii=False) + "\n", encoding="utf-8")
    for times in range(2):  # importing twice adds nothing
        result = run("import", "model.jsonl", "--db", "annotations.db", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert "imported 0 spans" in result.stderr and "3 already present" in result.stderr
    assad, ban, aleppo = [f"[{s['start']}:{s['end']}] by import" for s in spans]

    def shows(session, text, present=True):  # on the status bar, the screen's last line
        def holds(rows):
            shown = [r for r in rows if r.strip()]
            return bool(shown) and "offset" in shown[-1] and (text in shown[-1]) == present
        rows = session.wait_for(holds, timeout=60)
        assert holds(rows), "\n".join(rows)

    def quit(session):  # and wait for the process to end, so the two come in turn
        session.send("q")
        for _ in range(240):
            if subprocess.run(["tmux", "has-session", "-t", session.name], capture_output=True).returncode:
                return
            time.sleep(0.25)
        raise AssertionError("annotator did not quit on q")

    amal = terminal(SEED, 120, 24, "--annotator", "amal")
    shows(amal, "offset 0/")
    amal.send("S", "n")  # suggestions only; the first: الأسد
    shows(amal, f"suggested PER {assad}")
    amal.send("a", "n")  # accept it; on to بان كى مون
    shows(amal, f"suggested PER {ban}")
    amal.send("r")
    shows(amal, "suggested", present=False)  # rejected: gone from her screen
    quit(amal)

    badr = terminal(SEED, 120, 24, "--annotator", "badr")
    shows(badr, "offset 0/")
    badr.send("S", "n")
    shows(badr, f"suggested PER {assad}")
    badr.send("n")
    shows(badr, f"suggested PER {ban}")
    badr.send("n")
    shows(badr, f"suggested LOC {aleppo}")
    quit(badr)
    with Store(tmp_path / "annotations.db", annotator="amal") as store:
        [doc] = store.document_ids()
        assert accepted(store, doc) == [(spans[0]["start"], spans[0]["end"], "PER", "amal")]
        assert [(s.start, s.end) for s in store.suggestions(doc)] == [(spans[2]["start"], spans[2]["end"])]
