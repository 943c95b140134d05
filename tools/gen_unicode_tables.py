#!/usr/bin/env python3
"""Generate ``src/annotator/text/unicode_tables.py`` from the Unicode Character Database.

The bidi implementation in ``annotator.text.bidi`` needs three UCD properties:

* ``Bidi_Class`` for every code point (``extracted/DerivedBidiClass.txt``),
  including the defaults of *unassigned* code points, which are not all ``L``:
  the ``# @missing`` lines give R / AL / ET defaults for blocks reserved for
  right-to-left scripts and currency symbols, and noncharacters / default
  ignorables are listed explicitly as BN;
* ``Bidi_Mirroring_Glyph`` (``BidiMirroring.txt``);
* ``Bidi_Paired_Bracket`` and ``Bidi_Paired_Bracket_Type`` (``BidiBrackets.txt``).

We deliberately do not use ``unicodedata.bidirectional``: its Unicode version
follows the Python version, and we want the same answers everywhere (and the
same version as the committed conformance test file).

Usage::

    python tools/gen_unicode_tables.py [UCD_DIR] [OUTPUT]

UCD_DIR defaults to /usr/share/unicode (Debian's ``unicode-data`` package),
OUTPUT to src/annotator/text/unicode_tables.py next to this script's repository.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_UCD = Path("/usr/share/unicode")
DEFAULT_OUT = REPO / "src" / "annotator" / "text" / "unicode_tables.py"

# Long property value aliases used in the @missing lines -> short names.
LONG_TO_SHORT = {
    "Left_To_Right": "L",
    "Right_To_Left": "R",
    "Arabic_Letter": "AL",
    "European_Number": "EN",
    "European_Separator": "ES",
    "European_Terminator": "ET",
    "Arabic_Number": "AN",
    "Common_Separator": "CS",
    "Nonspacing_Mark": "NSM",
    "Boundary_Neutral": "BN",
    "Paragraph_Separator": "B",
    "Segment_Separator": "S",
    "White_Space": "WS",
    "Other_Neutral": "ON",
    "Left_To_Right_Embedding": "LRE",
    "Left_To_Right_Override": "LRO",
    "Right_To_Left_Embedding": "RLE",
    "Right_To_Left_Override": "RLO",
    "Pop_Directional_Format": "PDF",
    "Left_To_Right_Isolate": "LRI",
    "Right_To_Left_Isolate": "RLI",
    "First_Strong_Isolate": "FSI",
    "Pop_Directional_Isolate": "PDI",
}
SHORT = set(LONG_TO_SHORT.values())
MAX_CP = 0x10FFFF


def _range(field: str) -> tuple[int, int]:
    field = field.strip()
    if ".." in field:
        a, b = field.split("..")
        return int(a, 16), int(b, 16)
    return int(field, 16), int(field, 16)


def _version(path: Path) -> str:
    first = path.open(encoding="utf-8").readline()
    m = re.search(r"-(\d+\.\d+\.\d+)\.txt", first)
    if not m:
        raise SystemExit(f"cannot find the UCD version in the first line of {path}")
    return m.group(1)


def read_bidi_classes(path: Path) -> list[str]:
    """Return a list of 0x110000 short Bidi_Class names."""
    classes = [""] * (MAX_CP + 1)
    explicit = []
    for line in path.open(encoding="utf-8"):
        if line.startswith("# @missing:"):
            # "# @missing: 0590..05FF; Right_To_Left" -- later lines override
            # earlier ones (the first one covers 0000..10FFFF).
            rng, value = line[len("# @missing:"):].split(";")
            lo, hi = _range(rng)
            value = value.strip()
            short = LONG_TO_SHORT.get(value, value)
            if short not in SHORT:
                raise SystemExit(f"unknown bidi class in @missing line: {line!r}")
            classes[lo : hi + 1] = [short] * (hi - lo + 1)
            continue
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        rng, value = line.split(";")
        value = value.strip()
        if value not in SHORT:
            raise SystemExit(f"unknown bidi class: {line!r}")
        explicit.append((_range(rng), value))
    if any(c == "" for c in classes):
        raise SystemExit("the @missing lines do not cover every code point")
    # Explicit assignments win over every @missing default.
    for (lo, hi), value in explicit:
        classes[lo : hi + 1] = [value] * (hi - lo + 1)
    return classes


def read_pairs(path: Path) -> list[list[str]]:
    rows = []
    for line in path.open(encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if line:
            rows.append([f.strip() for f in line.split(";")])
    return rows


def _chunks(items: list[str], width: int = 76, indent: str = "    ") -> list[str]:
    lines, cur = [], indent
    for item in items:
        if len(cur) + len(item) + 1 > width and cur.strip():
            lines.append(cur.rstrip())
            cur = indent
        cur += item + " "
    if cur.strip():
        lines.append(cur.rstrip())
    return lines


def generate(ucd: Path) -> str:
    bidi_path = ucd / "extracted" / "DerivedBidiClass.txt"
    brackets_path = ucd / "BidiBrackets.txt"
    mirroring_path = ucd / "BidiMirroring.txt"
    versions = {p.name: _version(p) for p in (bidi_path, brackets_path, mirroring_path)}
    if len(set(versions.values())) != 1:
        raise SystemExit(f"UCD files come from different versions: {versions}")
    version = next(iter(versions.values()))

    classes = read_bidi_classes(bidi_path)
    starts: list[int] = []
    values: list[str] = []
    prev = None
    for cp, cls in enumerate(classes):
        if cls != prev:
            starts.append(cp)
            values.append(cls)
            prev = cls
    names = sorted(set(values))

    mirroring = {}
    for src, dst in read_pairs(mirroring_path):
        mirroring[int(src, 16)] = int(dst, 16)
    brackets = {}
    for src, dst, kind in read_pairs(brackets_path):
        if kind not in ("o", "c"):
            raise SystemExit(f"bad bracket type {kind!r}")
        brackets[int(src, 16)] = (int(dst, 16), kind)

    out = [
        "# GENERATED FILE -- DO NOT EDIT.",
        "# Generated by tools/gen_unicode_tables.py from the Unicode Character",
        f"# Database {version} (extracted/DerivedBidiClass.txt, BidiMirroring.txt,",
        "# BidiBrackets.txt). Regenerate with:  python tools/gen_unicode_tables.py",
        '"""Bidi property tables (Unicode %s) for annotator.text.bidi."""' % version,
        "",
        f'UNICODE_VERSION = "{version}"',
        "",
        "# Bidi_Class of every code point, run-length encoded: code points",
        "# BIDI_STARTS[i] .. BIDI_STARTS[i + 1] - 1 have class",
        "# BIDI_CLASS_NAMES[BIDI_CLASSES[i]] (look up with bisect_right - 1).",
        "# Unassigned code points carry the DerivedBidiClass.txt defaults.",
        f"BIDI_CLASS_NAMES = {tuple(names)!r}",
        "BIDI_STARTS = (",
        *_chunks([f"0x{s:X}," for s in starts]),
        ")",
        "BIDI_CLASSES = bytes((",
        *_chunks([f"{names.index(v)}," for v in values]),
        "))",
        "",
        "# Bidi_Mirroring_Glyph: character -> its mirror image.",
        "MIRRORING: dict[str, str] = {",
        *_chunks([f'"\\u{a:04X}": "\\u{b:04X}",' if a <= 0xFFFF and b <= 0xFFFF
                  else f'"\\U{a:08X}": "\\U{b:08X}",' for a, b in sorted(mirroring.items())]),
        "}",
        "",
        "# Bidi_Paired_Bracket and Bidi_Paired_Bracket_Type ('o' open, 'c' close).",
        "BRACKETS: dict[str, tuple[str, str]] = {",
        *_chunks([f'"\\u{a:04X}": ("\\u{b:04X}", "{k}"),' for a, (b, k) in sorted(brackets.items())]),
        "}",
        "",
    ]
    assert all(a <= 0xFFFF for a in brackets)
    return "\n".join(out)


def main(argv: list[str]) -> int:
    ucd = Path(argv[1]) if len(argv) > 1 else DEFAULT_UCD
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    text = generate(ucd)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
