"""Writes tests/data/schema4-suggestions.db with annotator 0.x at c5edb23 (schema version 4),
the release before suggestions became per annotator:

    git archive c5edb23 src | tar -x -C /tmp/old && PYTHONPATH=/tmp/old/src python tests/data/make_schema4_db.py

Two sources suggest in one article; amal's * proposes two, she accepts one of them; amal accepts one in place (with 1-9's label change),
rejects one, accepts one and undoes it, rejects one and undoes it; badr rejects one
suggestion with R; a rejected row with no undo entry is written as a script could; and
`annotator import` adds a suggestion, on its own undo log.
"""

import sys
from pathlib import Path

from annotator.store import SCHEMA_VERSION, Store

TEXT = "قال بان كي مون في حلب ثم دمشق وحمص إن الأمم المتحدة قلقة"
OUT = Path(__file__).with_name("schema4-suggestions.db")

assert SCHEMA_VERSION == 4, "run this with the release at c5edb23 on PYTHONPATH"
OUT.unlink(missing_ok=True)
with Store(OUT, annotator="amal") as amal, Store(OUT, annotator="badr") as badr:
    doc, _ = amal.open_document(TEXT, "/corpus/news.txt")
    at = TEXT.index
    amal.add_suggestions([(doc.id, [(at("بان"), at("بان") + 10, "PER"), (at("حلب"), at("حلب") + 3, "LOC"),
                                    (at("دمشق"), at("دمشق") + 4, "LOC"), (at("حمص"), at("حمص") + 3, "LOC")])],
                         annotator="patterns")
    amal.add_suggestions([(doc.id, [(at("الأمم"), at("الأمم") + 13, "ORG"), (at("قلقة"), at("قلقة") + 4, "MISC")])],
                         annotator="model")
    amal.add_suggestions([(doc.id, [(0, 3, "MISC")])], annotator="script")
    # what * did: amal's own proposals under her name, on her undo log; she accepts one
    own = amal.add_spans(doc.id, [(at("إن"), at("إن") + 2, "MISC"), (at("ثم"), at("ثم") + 2, "MISC")],
                         status="suggested")
    amal.update_span(own[1].id, status="accepted")
    by = {(s.start, s.label): s for s in amal.spans(doc.id)}
    amal.update_span(by[at("بان"), "PER"].id, status="accepted", label="ORG")  # 1-9 on a suggestion
    amal.update_span(by[at("حلب"), "LOC"].id, status="rejected")
    amal.update_span(by[at("دمشق"), "LOC"].id, status="accepted")
    amal.undo(doc.id)  # دمشق is a suggestion again, with a redo entry
    amal.update_span(by[at("حمص"), "LOC"].id, status="rejected")
    amal.undo(doc.id)
    badr.decide_suggestions(doc.id, "model", "rejected")  # R
    with badr._writing("a script") as conn:  # rejected with no undo entry: nobody to name
        conn.execute("UPDATE spans SET status = 'rejected' WHERE annotator = 'script'")
with Store(OUT, annotator="import") as imported:  # as `annotator import` stores a suggestion
    imported.add_span(doc.id, at("كي"), at("كي") + 6, "PER", status="suggested")
print(OUT, file=sys.stderr)
