"""Test documents for the benchmarks: the seed, and a generated 10 MB Arabic document."""

from __future__ import annotations

import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_fbaffb694397fea6.txt"
TEN_MB = 10 * 1024 * 1024


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def big_text(size: int = TEN_MB, rng_seed: int = 1) -> str:
    """Paragraphs of 3 to 30 sentences of the seed, shuffled, until ``size`` UTF-8 bytes:
    news-like Arabic with digits, «», brackets and the odd Latin word, like the real corpus."""
    sentences = [s for s in re.split(r"(?<=[.!؟])\s+", seed_text()) if s]
    rng = random.Random(rng_seed)
    paragraphs, total = [], 0
    while total < size:
        paragraph = " ".join(rng.choices(sentences, k=rng.randint(3, 30)))
        paragraphs.append(paragraph)
        total += len(paragraph.encode("utf-8")) + 1
    return "\n".join(paragraphs) + "\n"


def write_big(path: Path) -> Path:
    path.write_text(big_text(), encoding="utf-8")
    return path
