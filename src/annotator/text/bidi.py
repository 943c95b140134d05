"""Unicode Bidirectional Algorithm (UAX #9, Unicode 15.0) in pure Python.

Why this exists: python-bidi's ``get_display`` only returns a reordered
string -- no resolved embedding levels, no logical<->visual index map and no
mirroring -- and the reader needs all three to place a cursor and annotation
spans on bidi text.  PyICU needs a compiler and ICU headers, fribidi bindings
a system library, so the algorithm is implemented here, checked against the
full BidiCharacterTest.txt conformance file (tests/test_bidi_conformance.py).

Scope: one paragraph at a time (rule P1 is the caller's job), rules P2-P3,
X1-X10, W1-W7, N0-N2, I1-I2 (:func:`resolve_levels`), L1 (:func:`line_levels`)
and L2 (:func:`visual_order`); L3/L4 are left to the renderer (:func:`mirror`
gives the Bidi_Mirroring_Glyph for L4).

Implementation notes (performance): every character is mapped once, with
``str.translate`` and a lazily filled table, to a one-byte class code; the
weak/neutral rules then run as regular-expression passes and ``bytes``
operations over that code string (with the sos/eos types glued on at both
ends), so most of the work happens in C, on runs rather than on single
characters.  A paragraph without explicit embedding/override/isolate controls
is a single isolating run sequence at the paragraph level and takes a fast
path that skips X1-X10 entirely.  The module must not import Textual or Rich.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from .unicode_tables import (
    BIDI_CLASS_NAMES,
    BIDI_CLASSES,
    BIDI_STARTS,
    BRACKETS,
    MIRRORING,
    UNICODE_VERSION,
)

__all__ = [
    "MAX_DEPTH",
    "UNICODE_VERSION",
    "bidi_class",
    "line_levels",
    "mirror",
    "paragraph_level",
    "removed_by_x9",
    "resolve_levels",
    "visual_order",
]

MAX_DEPTH = 125  # BD2
_MAX_BRACKET_STACK = 63  # BD16

# --------------------------------------------------------------------------
# Character classes
# --------------------------------------------------------------------------

# One ASCII byte per bidi class; the rules below are written against these.
_CODE_OF = {
    "L": "L", "R": "R", "AL": "A", "EN": "E", "ES": "+", "ET": "$",
    "AN": "N", "CS": ",", "NSM": "M", "BN": "b", "B": "B", "S": "S",
    "WS": "W", "ON": "O", "LRE": "1", "RLE": "2", "LRO": "3", "RLO": "4",
    "PDF": "5", "LRI": "6", "RLI": "7", "FSI": "8", "PDI": "9",
}
_X9_REMOVED = frozenset({"LRE", "RLE", "LRO", "RLO", "PDF", "BN"})

_L, _R, _E, _N, _O, _M = b"LRENOM"
_B = ord("B")
_RLE, _LRO, _RLO, _PDF, _LRI, _RLI, _FSI, _PDI = b"23456789"  # LRE is "1"
_BN = ord("b")
_ISOLATE_INITIATORS = frozenset(b"678")


def _class_of_cp(cp: int) -> str:
    return BIDI_CLASS_NAMES[BIDI_CLASSES[bisect_right(BIDI_STARTS, cp) - 1]]


_class_cache: dict[str, str] = {}


def bidi_class(ch: str) -> str:
    """Bidi_Class (short alias, e.g. ``'AL'``) of the single character *ch*."""
    try:
        return _class_cache[ch]
    except KeyError:
        cls = _class_cache[ch] = _class_of_cp(ord(ch))
        return cls


def removed_by_x9(ch: str) -> bool:
    """True for characters rule X9 removes: LRE, RLE, LRO, RLO, PDF and BN."""
    return bidi_class(ch) in _X9_REMOVED


def mirror(ch: str) -> str:
    """Bidi_Mirroring_Glyph of *ch* (for rule L4), or *ch* itself."""
    return MIRRORING.get(ch, ch)


# ``str.translate`` table: code point -> one-char class code.  A plain dict
# (a dict subclass with __missing__ makes translate ~1.5x slower), filled on
# demand: ASCII is always present, so any character that is still non-ASCII
# after translating is one we have not seen yet.
_CODES: dict[int, str] = {cp: _CODE_OF[_class_of_cp(cp)] for cp in range(0x80)}

# The classes of the text most recently resolved, so that line_levels() on the
# same string does not translate it again.
_last_classes: tuple[str, bytes] = ("", b"")


def _classes(text: str) -> bytes:
    """One class-code byte per code point of *text*."""
    try:
        return text.translate(_CODES).encode("ascii")
    except UnicodeEncodeError:
        for ch in set(text):
            cp = ord(ch)
            if cp not in _CODES:
                _CODES[cp] = _CODE_OF[_class_of_cp(cp)]
        return text.translate(_CODES).encode("ascii")


# --------------------------------------------------------------------------
# P2/P3
# --------------------------------------------------------------------------

_STRONG_OR_ISOLATE_RE = re.compile(rb"[LRA678]")
_ISOLATE_OR_PDI_RE = re.compile(rb"[6789]")


def _first_strong(cls: bytes, start: int, end: int) -> int:
    """P2: class code of the first L/R/AL in cls[start:end], skipping isolates; 0 if none."""
    pos = start
    search = _STRONG_OR_ISOLATE_RE.search
    while True:
        m = search(cls, pos, end)
        if m is None:
            return 0
        c = cls[m.start()]
        if c in b"LRA":
            return c
        # An isolate initiator: skip to its matching PDI (or the end).
        depth = 1
        pos = m.end()
        while depth:
            m = _ISOLATE_OR_PDI_RE.search(cls, pos, end)
            if m is None:
                return 0
            depth += -1 if cls[m.start()] == _PDI else 1
            pos = m.end()


def _auto_level(cls: bytes) -> int:
    end = cls.find(b"B")  # P2 looks at one paragraph only
    return 0 if _first_strong(cls, 0, len(cls) if end < 0 else end) in (0, _L) else 1


def paragraph_level(text: str) -> int:
    """Rules P2/P3: 1 if the first strong character (outside isolates) is R/AL, else 0."""
    return _auto_level(_classes(text))


def strong_level(text: str) -> int | None:
    """Rule P2 alone: 0 or 1 by the first strong character (outside isolates), None if
    ``text`` has none (an empty or neutral-only paragraph)."""
    cls = _classes(text)
    end = cls.find(b"B")
    first = _first_strong(cls, 0, len(cls) if end < 0 else end)
    return None if first == 0 else int(first != _L)


# --------------------------------------------------------------------------
# One isolating run sequence: W1-W7, N0, N1-N2, I1-I2
# --------------------------------------------------------------------------

_NSM_RUN_RE = re.compile(rb"M+")
_AL_SCOPE_RE = re.compile(rb"A[^LR]*")  # an AL and everything up to the next L/R
# Patterns start with a literal where possible (no leading look-behind), so
# that the regex engine can skip ahead quickly.
_W4_EN_RE = re.compile(rb"E[+,](?=E)")
_W4_AN_RE = re.compile(rb"N,(?=N)")
_W5_RE = re.compile(rb"\$+(?=E)|(?<=E)\$+")
_W6_TABLE = bytes.maketrans(b"+,$", b"OOO")
_L_SCOPE_RE = re.compile(rb"L[^R]*")  # from an L up to the next R (after W3: no AL)
# N1 for neutrals between two strongs *against* the embedding direction (the
# remaining neutrals all get the embedding direction, N1 or N2 alike).
_NI_BETWEEN_L_RE = re.compile(rb"L[OBSW6789]+(?=L)")
_NI_BETWEEN_R_RE = re.compile(rb"[REN][OBSW6789]+(?=[REN])")
_R_LIKE_RE = re.compile(rb"[REN]")

# Canonical equivalents among brackets (BD16): U+2329/U+232A ~ U+3008/U+3009.
_CANONICAL_BRACKET = {"\u2329": "\u3008", "\u232a": "\u3009"}
_BRACKET_RE = re.compile("[" + "".join(re.escape(c) for c in sorted(BRACKETS)) + "]")
# For each bracket: (key shared by a pair, is_opening).
_BRACKET_KEY = {
    ch: (_CANONICAL_BRACKET.get(ch if kind == "c" else other, ch if kind == "c" else other),
         kind == "o")
    for ch, (other, kind) in BRACKETS.items()
}


def _w1_repl(m: re.Match) -> bytes:
    prev = m.string[m.start() - 1]  # never NSM (runs are maximal); sos at worst
    if prev in _ISOLATE_INITIATORS or prev == _PDI:
        prev = _O
    return bytes((prev,)) * (m.end() - m.start())


def _w2_repl(m: re.Match) -> bytes:
    return m.group().replace(b"E", b"N")


def _w5_repl(m: re.Match) -> bytes:
    return b"E" * (m.end() - m.start())


def _w7_repl(m: re.Match) -> bytes:
    return m.group().replace(b"E", b"L")


_level_tables: dict[int, bytes] = {}


def _level_table(level: int) -> bytes:
    """I1/I2 as a translate table: resolved type code -> embedding level byte.

    Neutrals still unresolved at this point take the embedding direction
    (N1 against the embedding direction has been applied already, so N2 and
    N1 towards the embedding direction agree), i.e. the level itself."""
    table = _level_tables.get(level)
    if table is None:
        t = bytearray([level]) * 256
        if level & 1:
            t[_L] = t[_E] = t[_N] = level + 1
        else:
            t[_R] = level + 1
            t[_E] = t[_N] = level + 2
        table = _level_tables[level] = bytes(t)
    return table


def _n0(s: bytes, chars: str, orig: bytes, e: int) -> bytes:
    """Rule N0 (paired brackets).  *s* has sos/eos at both ends; *chars* and
    *orig* are aligned with s[1:-1].  *orig* holds the original Bidi_Class
    (before X6 overrides), which decides the "NSM after a bracket" clause, as
    in the reference implementation that generated BidiCharacterTest.txt."""
    pairs = []
    stack: list[tuple[str, int]] = []
    for m in _BRACKET_RE.finditer(chars):
        i = m.start()
        if s[i + 1] != _O:  # BD14/BD15: the current type must be ON
            continue
        key, opening = _BRACKET_KEY[m.group()]
        if opening:
            if len(stack) == _MAX_BRACKET_STACK:
                break  # BD16: stop looking for more pairs
            stack.append((key, i))
        else:
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == key:
                    pairs.append((stack[k][1] + 1, i + 1))  # positions in s
                    del stack[k:]
                    break
    if not pairs:
        return s
    pairs.sort()
    ba = bytearray(s)
    last = len(ba) - 1  # eos
    find = ba.find
    r_like = _R_LIKE_RE.search
    opposite = _R if e == _L else _L
    for o, c in pairs:
        if e == _L:
            embedding_inside = find(b"L", o + 1, c) >= 0
            opposite_inside = not embedding_inside and r_like(ba, o + 1, c) is not None
        else:
            embedding_inside = r_like(ba, o + 1, c) is not None
            opposite_inside = not embedding_inside and find(b"L", o + 1, c) >= 0
        if embedding_inside:
            d = e  # N0 b
        elif opposite_inside:  # N0 c: look at the context before the pair
            rfind = ba.rfind
            p = max(rfind(b"L", 0, o), rfind(b"R", 0, o), rfind(b"E", 0, o), rfind(b"N", 0, o))
            before = _L if ba[p] == _L else _R  # p >= 0: s[0] is sos
            d = opposite if before == opposite else e
        else:
            continue  # N0 d
        ba[o] = ba[c] = d
        # NSMs (originally) following a bracket take its new type.
        j = o + 1
        while j < c and orig[j - 1] == _M:
            ba[j] = d
            j += 1
        j = c + 1
        while j < last and orig[j - 1] == _M:
            ba[j] = d
            j += 1
    return bytes(ba)


def _n1_l_repl(m: re.Match) -> bytes:
    return b"L" * (m.end() - m.start())


def _n1_r_repl(m: re.Match) -> bytes:
    return m.string[m.start() : m.start() + 1] + b"R" * (m.end() - m.start() - 1)


def _resolve_sequence(types: bytes, chars: str, orig: bytes, level: int, sos: int, eos: int) -> bytes:
    """Resolve one isolating run sequence; returns one level byte per element."""
    s = bytes((sos,)) + types + bytes((eos,))
    # W1
    if b"M" in s:
        s = _NSM_RUN_RE.sub(_w1_repl, s)
    if b"A" in s:
        # W2: EN after AL (nearest strong) -> AN
        if b"E" in s:
            s = _AL_SCOPE_RE.sub(_w2_repl, s)
        # W3
        s = s.replace(b"A", b"R")
    has_en = b"E" in s
    if b"+" in s or b"," in s or b"$" in s:
        # W4
        if has_en:
            s = _W4_EN_RE.sub(b"EE", s)
        if b"N" in s:
            s = _W4_AN_RE.sub(b"NN", s)
        # W5
        if has_en and b"$" in s:
            s = _W5_RE.sub(_w5_repl, s)
        # W6
        s = s.translate(_W6_TABLE)
    # W7
    if has_en and b"L" in s:
        s = _L_SCOPE_RE.sub(_w7_repl, s)
    e = _R if level & 1 else _L
    # N0
    if b"O" in s and _BRACKET_RE.search(chars) is not None:
        s = _n0(s, chars, orig, e)
    # N1 for neutrals surrounded by the direction opposite to the embedding
    # direction (EN and AN count as R); every other neutral gets the
    # embedding direction (N1 or N2), which the I1/I2 table below does.
    if e == _R:
        if b"L" in s:
            s = _NI_BETWEEN_L_RE.sub(_n1_l_repl, s)
    elif b"R" in s or b"E" in s or b"N" in s:
        s = _NI_BETWEEN_R_RE.sub(_n1_r_repl, s)
    # I1/I2
    return s[1:-1].translate(_level_table(level))


# --------------------------------------------------------------------------
# resolve_levels
# --------------------------------------------------------------------------

_EXPLICIT_RE = re.compile(rb"[1-9]")
_NON_BN_RUN_RE = re.compile(rb"[^b]+")
_BN_RUN_RE = re.compile(rb"b+")


def resolve_levels(text: str, base_level: int | None = None) -> list[int]:
    """Resolved embedding levels (rules P2-I2, not L1) of one paragraph.

    *base_level*: None = from the text (P2/P3), 0 = LTR, 1 = RTL.  Characters
    removed by X9 (LRE, RLE, LRO, RLO, PDF, BN) get the level of the preceding
    character, or the paragraph level at the start.
    """
    global _last_classes
    n = len(text)
    if n == 0:
        return []
    cls = _classes(text)
    _last_classes = (text, cls)
    if base_level is None:
        para = _auto_level(cls)
    elif base_level in (0, 1):
        para = base_level
    else:
        raise ValueError(f"base_level must be None, 0 or 1, not {base_level!r}")
    if _EXPLICIT_RE.search(cls) is not None:
        return _resolve_explicit(text, cls, para)
    # Fast path: no explicit controls, so the whole paragraph is a single
    # isolating run sequence at the paragraph level with sos = eos = its direction.
    e = _R if para else _L
    if _BN not in cls:
        return list(_resolve_sequence(cls, text, cls, para, e, e))
    # BN are removed by X9: resolve the rest, then give each BN its predecessor's level.
    seq = cls.replace(b"b", b"")
    if not seq:
        return [para] * n
    chars = "".join([text[m.start() : m.end()] for m in _NON_BN_RUN_RE.finditer(cls)])
    res = list(_resolve_sequence(seq, chars, seq, para, e, e))
    out: list[int] = []
    done = 0
    pos = 0
    for m in _BN_RUN_RE.finditer(cls):
        a, b = m.span()
        k = a - pos
        out += res[done : done + k]
        done += k
        out += [out[-1] if out else para] * (b - a)
        pos = b
    out += res[done:]
    return out


def _match_isolates(cls: bytes) -> dict[int, int]:
    """BD9: isolate initiator index -> index of its matching PDI."""
    match: dict[int, int] = {}
    open_: list[int] = []
    for m in re.finditer(rb"[6789B]", cls):
        i = m.start()
        c = cls[i]
        if c == _PDI:
            if open_:
                match[open_.pop()] = i
        elif c == _B:
            open_.clear()
        else:
            open_.append(i)
    return match


_OVERRIDE_L = bytes.maketrans(bytes(range(256)), b"L" * 256)
_OVERRIDE_R = bytes.maketrans(bytes(range(256)), b"R" * 256)
# X6 does not apply to BN (and B is handled separately).
_OVERRIDE_L = _OVERRIDE_L[:_BN] + b"b" + _OVERRIDE_L[_BN + 1 :]
_OVERRIDE_R = _OVERRIDE_R[:_BN] + b"b" + _OVERRIDE_R[_BN + 1 :]
_X_CONTROL_RE = re.compile(rb"[1-9B]")


_REMOVED_RUN_RE = re.compile(rb"[1-5b]+")


def _resolve_explicit(text: str, cls: bytes, para: int) -> list[int]:
    """General path: X1-X10, then each isolating run sequence.

    Works on spans of characters rather than single characters: between two
    explicit controls every character has the same embedding level and
    override, so X1-X8 only loop over the controls."""
    n = len(cls)
    match = _match_isolates(cls)
    types = bytearray(cls)
    # (start, end, level) of the characters X9 keeps, in text order.
    spans: list[tuple[int, int, int]] = []
    has_bn = _BN in cls

    # X1-X8.  Stack entries: (level, override code or 0, isolate flag).
    stack = [(para, 0, False)]
    level, override = para, 0
    overflow_isolates = overflow_embeddings = valid_isolates = 0
    pos = 0
    for m in _X_CONTROL_RE.finditer(cls):
        i = m.start()
        if i > pos:  # X6 for the plain characters before this control
            if has_bn:
                spans += [(r.start(), r.end(), level) for r in _NON_BN_RUN_RE.finditer(cls, pos, i)]
            else:
                spans.append((pos, i, level))
            if override:
                types[pos:i] = types[pos:i].translate(_OVERRIDE_L if override == _L else _OVERRIDE_R)
        pos = i + 1
        c = cls[i]
        if c <= _RLO:  # X2-X5: LRE, RLE, LRO, RLO
            if c == _RLE or c == _RLO:
                new = (level + 1) | 1
            else:
                new = (level + 2) & ~1
            if new <= MAX_DEPTH and overflow_isolates == 0 and overflow_embeddings == 0:
                override = _L if c == _LRO else _R if c == _RLO else 0
                level = new
                stack.append((level, override, False))
            elif overflow_isolates == 0:
                overflow_embeddings += 1
        elif c == _PDF:  # X7
            if overflow_isolates:
                pass
            elif overflow_embeddings:
                overflow_embeddings -= 1
            elif not stack[-1][2] and len(stack) >= 2:
                stack.pop()
                level, override, _ = stack[-1]
        elif c == _PDI:  # X6a
            if overflow_isolates:
                overflow_isolates -= 1
            elif valid_isolates:
                overflow_embeddings = 0
                while not stack[-1][2]:
                    stack.pop()
                stack.pop()
                valid_isolates -= 1
                level, override, _ = stack[-1]
            spans.append((i, i + 1, level))
            if override:
                types[i] = override
        elif c == _B:  # X8: end of paragraph
            spans.append((i, i + 1, para))
            del stack[1:]
            level, override = para, 0
            overflow_isolates = overflow_embeddings = valid_isolates = 0
        else:  # X5a-X5c: LRI, RLI, FSI
            spans.append((i, i + 1, level))
            if override:
                types[i] = override
            if c == _FSI:
                c = _RLI if _first_strong(cls, i + 1, match.get(i, n)) in (_R, ord("A")) else _LRI
            new = (level + 1) | 1 if c == _RLI else (level + 2) & ~1
            if new <= MAX_DEPTH and overflow_isolates == 0 and overflow_embeddings == 0:
                valid_isolates += 1
                level, override = new, 0
                stack.append((level, 0, True))
            else:
                overflow_isolates += 1
    if pos < n:
        if has_bn:
            spans += [(r.start(), r.end(), level) for r in _NON_BN_RUN_RE.finditer(cls, pos, n)]
        else:
            spans.append((pos, n, level))
        if override:
            types[pos:n] = types[pos:n].translate(_OVERRIDE_L if override == _L else _OVERRIDE_R)

    # X9 (LRE, RLE, LRO, RLO, PDF and BN are not in any span) and X10:
    # level runs as lists of spans.
    run_levels: list[int] = []
    runs: list[list[tuple[int, int]]] = []
    for a, b, lvl in spans:
        if run_levels and run_levels[-1] == lvl:
            run = runs[-1]
            if run[-1][1] == a:
                run[-1] = (run[-1][0], b)
            else:
                run.append((a, b))
        else:
            run_levels.append(lvl)
            runs.append([(a, b)])
    run_starting_at = {run[0][0]: k for k, run in enumerate(runs)}

    out = [para] * n
    used = [False] * len(runs)
    for k in range(len(runs)):
        if used[k]:
            continue
        # An isolating run sequence: chain level runs from an isolate
        # initiator to the run starting with its matching PDI.
        chain = [k]
        used[k] = True
        while True:
            last = runs[chain[-1]][-1][1] - 1
            if cls[last] not in _ISOLATE_INITIATORS:
                break
            nxt = run_starting_at.get(match.get(last, -1))
            if nxt is None or used[nxt]:
                break
            chain.append(nxt)
            used[nxt] = True
        seq = runs[k] if len(chain) == 1 else [span for r in chain for span in runs[r]]
        level = run_levels[k]
        before = run_levels[k - 1] if k > 0 else para
        last_run = chain[-1]
        if types[seq[-1][1] - 1] in _ISOLATE_INITIATORS or last_run + 1 == len(runs):
            after = para
        else:
            after = run_levels[last_run + 1]
        sos = _R if max(level, before) & 1 else _L
        eos = _R if max(level, after) & 1 else _L
        if len(seq) == 1:
            a, b = seq[0]
            seq_types = bytes(types[a:b])
            res = _resolve_sequence(seq_types, text[a:b], cls[a:b], level, sos, eos)
            out[a:b] = res
        else:
            seq_types = b"".join([types[a:b] for a, b in seq])
            chars = "".join([text[a:b] for a, b in seq])
            orig = b"".join([cls[a:b] for a, b in seq])
            res = _resolve_sequence(seq_types, chars, orig, level, sos, eos)
            p = 0
            for a, b in seq:
                out[a:b] = res[p : p + b - a]
                p += b - a
    # Characters removed by X9 follow their predecessor.
    for m in _REMOVED_RUN_RE.finditer(cls):
        a, b = m.span()
        out[a:b] = [out[a - 1] if a else para] * (b - a)
    return out


# --------------------------------------------------------------------------
# L1, L2
# --------------------------------------------------------------------------

# Whitespace, isolate formatters and X9-removed characters (UAX #9 5.2: kept
# characters removed by X9 are treated like whitespace here), by original class.
_L1_TRAILING = b"W6789" + b"12345b"
_L1_TRAILING_SET = frozenset(_L1_TRAILING)
_SEPARATOR_RE = re.compile(rb"[SB]")


def line_levels(text: str, levels: list[int], start: int, end: int, para_level: int) -> list[int]:
    """Rule L1 for the line text[start:end]; returns a new list of end - start levels.

    Segment separators, paragraph separators, and any sequence of whitespace,
    isolate formatters and X9-removed characters before them or at the end of
    the line are reset to *para_level*.
    """
    out = levels[start:end]
    if type(out) is not list:
        out = list(out)
    last_text, last_cls = _last_classes
    cls = last_cls[start:end] if text == last_text else _classes(text[start:end])
    n = len(cls)
    k = len(cls.rstrip(_L1_TRAILING))
    if k < n:
        out[k:] = [para_level] * (n - k)
    if b"S" in cls or b"B" in cls:
        trailing = _L1_TRAILING_SET
        for m in _SEPARATOR_RE.finditer(cls, 0, k):
            i = j = m.start()
            while j and cls[j - 1] in trailing:
                j -= 1
            out[j : i + 1] = [para_level] * (i + 1 - j)
    return out


_level_run_res: dict[int, re.Pattern[bytes]] = {}
_HIGH_LEVEL_RE = re.compile(rb"[^\x00-\x02]")


def visual_order(levels: Sequence[int]) -> list[int]:
    """Rule L2: result[k] = logical index of the character at visual position k."""
    n = len(levels)
    order = list(range(n))
    if n == 0:
        return order
    b = bytes(levels)
    # min()/max() would iterate in Python; the levels are nearly always 0-2.
    if _HIGH_LEVEL_RE.search(b) is None:
        highest = 2 if 2 in b else 1 if 1 in b else 0
        lowest = 0 if 0 in b else 1 if 1 in b else 2
    else:
        highest = max(b)
        lowest = min(b)
    if highest == 0:
        return order
    for lvl in range(highest, (lowest | 1) - 1, -1):
        if lvl == lowest:
            order.reverse()  # the whole line is one run at this level
            continue
        rx = _level_run_res.get(lvl)
        if rx is None:
            rx = _level_run_res[lvl] = re.compile(b"[\\x%02x-\\xff]+" % lvl)
        for m in rx.finditer(b):
            a, e = m.span()
            order[a:e] = order[a:e][::-1]
    return order
