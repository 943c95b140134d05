"""A document split into paragraphs, and its layout at one width, built on demand.

Only paragraphs that are looked at get laid out (and cached), so a 10 MB file opens at once.
Paragraphs not yet laid out count with an estimated number of lines; the estimate is replaced
by the real count when the paragraph is laid out.  A Fenwick tree keeps the running totals, so
"which paragraph holds screen line y" costs O(log n) however many paragraphs there are.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from functools import cached_property
from itertools import accumulate, chain

from .layout import Direction, DisplayLine, LayoutOptions, layout_paragraph, strong_direction


# Paragraphs longer than this many characters are laid out in blocks of about this size,
# cut after a space: a 10 MB file with no line breaks still shows its first screen at once.
# (The bidi algorithm runs per block; with bidi controls made inert, what crosses a cut is
# at most a bracket pair, and a block keeps the direction of its paragraph.)
MAX_BLOCK = 8192


class Document:
    """The stored text, exactly as loaded, and the blocks it is laid out in: its paragraphs,
    a very long paragraph cut into several blocks."""

    def __init__(self, text: str, max_block: int = MAX_BLOCK) -> None:
        self.text = text
        lengths = [len(part) + 1 for part in text.split("\n")]
        lengths[-1] -= 1  # the last part has no line feed after it
        if len(lengths) > 1 and lengths[-1] == 0:
            lengths.pop()  # a final line feed ends the last paragraph; it opens none
        self.heads: list[int] | None = None  # each block's first block of its paragraph
        if max(lengths) > max_block:
            lengths, self.heads = self._cut(lengths, max_block)
        self.lengths = lengths
        self.starts = [0, *accumulate(lengths[:-1])]

    def _cut(self, lengths: list[int], max_block: int) -> tuple[list[int], list[int]]:
        blocks: list[int] = []
        heads: list[int] = []
        position = 0
        for length in lengths:
            head, end = len(blocks), position + length
            while end - position > max_block:
                cut = self.text.rfind(" ", position + max_block // 2, position + max_block)
                cut = cut + 1 if cut >= 0 else position + max_block
                blocks.append(cut - position)
                heads.append(head)
                position = cut
            blocks.append(end - position)
            heads.append(head)
            position = end
        return blocks, heads

    def head(self, index: int) -> int:
        """The first block of the paragraph that block ``index`` belongs to."""
        return index if self.heads is None else self.heads[index]

    def __len__(self) -> int:
        return len(self.text)

    @property
    def paragraph_count(self) -> int:
        return len(self.starts)

    def paragraph_of(self, offset: int) -> int:
        return max(0, bisect_right(self.starts, offset) - 1)

    def paragraph(self, index: int) -> tuple[int, int]:
        """``[start, end)`` of a paragraph, its line feed included."""
        start = self.starts[index]
        return start, start + self.lengths[index]

    def crosses_paragraph_break(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` holds text of two paragraphs: a line feed with more than
        whitespace on both sides of it inside the range (a line feed at an edge does not)."""
        return "\n" in self.text[start:end].strip()

    def trimmed(self, start: int, end: int) -> tuple[int, int] | None:
        """``[start, end)`` without the whitespace at its edges, or None if nothing else is
        in it: a span never begins or ends with a space or a line feed (a selection run
        across a blank line would store one)."""
        inside = self.text[start:end]
        kept = inside.lstrip()
        if not kept:
            return None
        low = start + len(inside) - len(kept)
        return low, low + len(kept.rstrip())


class LineCounts:
    """Fenwick (binary indexed) tree of lines per paragraph."""

    def __init__(self, counts: list[int]) -> None:
        self.counts = list(counts)
        self.tree = [0] + self.counts
        n = len(self.tree)
        for i in range(1, n):
            parent = i + (i & -i)
            if parent < n:
                self.tree[parent] += self.tree[i]
        self.total = sum(self.counts)
        self.version = 0  # changes whenever a count does

    def set(self, index: int, count: int) -> None:
        delta = count - self.counts[index]
        if not delta:
            return
        self.counts[index] = count
        self.total += delta
        self.version += 1
        i = index + 1
        while i < len(self.tree):
            self.tree[i] += delta
            i += i & -i

    def before(self, index: int) -> int:
        """Lines in the paragraphs before ``index``."""
        total, i = 0, index
        while i > 0:
            total += self.tree[i]
            i -= i & -i
        return total

    def find(self, line: int) -> tuple[int, int]:
        """The paragraph holding screen ``line``, and the line's index inside it."""
        index, remaining = 0, line
        step = 1 << (len(self.tree).bit_length())
        while step:
            nxt = index + step
            if nxt < len(self.tree) and self.tree[nxt] <= remaining:
                index = nxt
                remaining -= self.tree[nxt]
            step >>= 1
        return min(index, len(self.counts) - 1), remaining


class DocumentLayout:
    """The document laid out for one view width; paragraphs are laid out when first needed."""

    def __init__(
        self,
        document: Document,
        width: int,
        options: LayoutOptions = LayoutOptions(),
        cache_size: int = 256,
    ) -> None:
        self.document = document
        self.width = max(1, width)
        self.options = options
        self._cache: OrderedDict[int, list[DisplayLine]] = OrderedDict()
        self._cache_size = cache_size
        self._stops: dict[int, tuple[list[DisplayLine], list[int]]] = {}
        self._rows: dict[int, DisplayLine | None] = {}
        self._rows_version = -1
        self._strong: dict[int, Direction | None] = {}  # a paragraph's own direction, if any
        self._directions: dict[int, Direction] = {}  # ... and the one it is laid out in

    @cached_property
    def counts(self) -> LineCounts:
        """Lines per paragraph, estimated until laid out.  Built on first use: a view makes a
        layout before it knows its width, and that one is replaced unused."""
        return LineCounts([max(1, -(-length // self.width)) for length in self.document.lengths])

    @property
    def line_count(self) -> int:
        return self.counts.total

    def paragraph_lines(self, index: int) -> list[DisplayLine]:
        lines = self._cache.get(index)
        if lines is None:
            start, end = self.document.paragraph(index)
            text = self.document.text[start:end]
            lines = layout_paragraph(text, start, self.width, self._options_for(index))
            self._cache[index] = lines
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            self.counts.set(index, len(lines))
        else:
            self._cache.move_to_end(index)
        return lines

    def _options_for(self, index: int) -> LayoutOptions:
        if self.options.direction != "auto":
            return self.options
        return replace(self.options, direction=self.direction(index))

    def direction(self, index: int) -> Direction:
        """The direction of block ``index`` with ``--direction auto``: its paragraph's first
        strong character; an empty or neutral-only paragraph takes the direction of the
        paragraph before it (else after it, else left-to-right), so the caret keeps its way
        across an empty line between two right-to-left paragraphs.  A block cut from a long
        paragraph takes the direction of the paragraph's start."""
        head = self.document.head(index)
        if head not in self._directions:
            self._directions[head] = self._resolve_direction(head)
        return self._directions[head]

    def _resolve_direction(self, head: int) -> Direction:
        for other in chain((head,), self._heads(head, -1), self._heads(head, +1)):
            if (found := self._strong_direction(other)) is not None:
                return found
        return "ltr"

    def _heads(self, index: int, step: int) -> Iterator[int]:
        """The first blocks of the paragraphs before (step -1) or after (+1) block ``index``,
        nearest first."""
        current = self.document.head(index)
        index += step
        while 0 <= index < self.document.paragraph_count:
            head = self.document.head(index)
            if head != current:
                yield head
                current = head
            index += step

    def _strong_direction(self, head: int) -> Direction | None:
        if head not in self._strong:
            start, end = self.document.paragraph(head)
            self._strong[head] = strong_direction(self.document.text[start:end])
        return self._strong[head]

    def stops(self, index: int) -> list[int]:
        """Caret stops of a paragraph in logical order: the starts of its clusters."""
        lines = self.paragraph_lines(index)
        cached = self._stops.get(index)
        if cached is None or cached[0] is not lines:
            cached = self._stops[index] = (lines, [s for line in lines for s in line.logical_starts()])
            if len(self._stops) > self._cache_size:
                self._stops.pop(next(iter(self._stops)))
        return cached[1]

    def line(self, y: int) -> DisplayLine | None:
        """Screen line ``y`` of the whole document, or None past its end."""
        # Screen rows are asked for again at every repaint: remember them until a paragraph's
        # real line count replaces its estimate (which moves the rows below it).
        if self._rows_version != self.counts.version or len(self._rows) > 4096:
            self._rows.clear()
            self._rows_version = self.counts.version
        if y not in self._rows:
            line = self._find_line(y)
            if self._rows_version == self.counts.version:  # else rows moved: keep none
                self._rows[y] = line
            return line
        return self._rows[y]

    def _find_line(self, y: int) -> DisplayLine | None:
        while 0 <= y < self.counts.total:
            index, local = self.counts.find(y)
            lines = self.paragraph_lines(index)  # may correct this paragraph's count
            if local < len(lines):
                return lines[local]
        return None

    def locate(self, offset: int) -> tuple[int, DisplayLine]:
        """The screen line index and the line that show logical ``offset``."""
        index = self.document.paragraph_of(offset)
        lines = self.paragraph_lines(index)
        local = 0
        while local + 1 < len(lines) and lines[local + 1].start <= offset:
            local += 1
        return self.counts.before(index) + local, lines[local]
