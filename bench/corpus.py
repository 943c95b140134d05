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


def write_articles(folder: Path, count: int = 10_000, size: int = 3_000) -> Path:
    """``count`` news-like articles of about ``size`` UTF-8 bytes, each unique (a serial
    line), as ``folder/NNNNN.txt`` in 100 subfolders: a generated corpus for the queue."""
    sentences = [s for s in re.split(r"(?<=[.!؟])\s+", seed_text()) if s]
    rng = random.Random(1)
    for n in range(count):
        parts, total = [f"مقال رقم {n}"], 0
        while total < size:
            parts.append(rng.choice(sentences))
            total += len(parts[-1].encode("utf-8")) + 1
        path = folder / f"{n % 100:02d}" / f"{n}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return folder


def write_big(path: Path) -> Path:
    path.write_text(big_text(), encoding="utf-8")
    return path
