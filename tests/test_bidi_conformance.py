"""Unicode 15.0 BidiCharacterTest.txt conformance for annotator.text.bidi.

Every one of the 91,707 test cases is checked: the paragraph level (field 2),
the resolved levels after L1 (field 3; 'x' marks characters removed by X9,
which must be exactly the ones ``removed_by_x9`` reports and are not
compared) and the visual order (field 4, which leaves the X9-removed
characters out).  (Field numbers are 0-based as in the file's header.)

The file is committed xz-compressed (tests/data/, from Debian's unicode-data
package: ``xz -9 -c /usr/share/unicode/BidiCharacterTest.txt``), so the suite
needs no system package.  The cases are checked in chunks of 5,000 so that a
failure report stays readable; each chunk collects all its failures.
"""

from __future__ import annotations

import lzma
from functools import lru_cache
from pathlib import Path

import pytest

from annotator.text import bidi

DATA = Path(__file__).parent / "data" / "BidiCharacterTest-15.0.0.txt.xz"
TOTAL_CASES = 91_707
CHUNK = 5_000

Case = tuple[int, str, int, int, list[str], list[int]]


@lru_cache(maxsize=1)
def load_cases() -> list[Case]:
    cases: list[Case] = []
    with lzma.open(DATA, "rt", encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            cps, direction, para, levels, order = line.split(";")
            text = "".join(chr(int(cp, 16)) for cp in cps.split())
            cases.append(
                (lineno, text, int(direction), int(para), levels.split(), [int(i) for i in order.split()])
            )
    return cases


def check(case: Case) -> str | None:
    lineno, text, direction, para, want_levels, want_order = case
    base = None if direction == 2 else direction
    levels = bidi.resolve_levels(text, base)
    got_para = bidi.paragraph_level(text) if base is None else base
    if got_para != para:
        return f"line {lineno}: paragraph level {got_para}, want {para}"
    if len(levels) != len(text):
        return f"line {lineno}: {len(levels)} levels for {len(text)} characters"
    line_levels = bidi.line_levels(text, levels, 0, len(text), para)
    removed = [bidi.removed_by_x9(ch) for ch in text]
    if removed != [lv == "x" for lv in want_levels]:
        return f"line {lineno}: X9-removed characters differ"
    got_levels = ["x" if r else str(lv) for lv, r in zip(line_levels, removed)]
    if got_levels != want_levels:
        return f"line {lineno}: levels {' '.join(got_levels)}, want {' '.join(want_levels)}"
    got_order = [i for i in bidi.visual_order(line_levels) if not removed[i]]
    if got_order != want_order:
        return f"line {lineno}: order {got_order}, want {want_order}"
    return None


def test_case_count() -> None:
    assert len(load_cases()) == TOTAL_CASES


@pytest.mark.parametrize("start", range(0, TOTAL_CASES, CHUNK), ids=lambda s: f"cases{s}-")
def test_conformance_chunk(start: int) -> None:
    failures = []
    for case in load_cases()[start : start + CHUNK]:
        try:
            problem = check(case)
        except Exception as exc:  # report, don't stop at the first crash
            problem = f"line {case[0]}: {type(exc).__name__}: {exc}"
        if problem:
            failures.append(problem)
    assert not failures, f"{len(failures)} failures, first ones:\n" + "\n".join(failures[:10])
