"""Time to first screen with a project file against without one, the seed in both.

`annotator SEED` started in a terminal (a pty) until the status bar shows, in a folder with
the example annotator.toml (four labels with colours and descriptions, read, checked and the
label set stored) and in one without; rounds interleaved, best of each.  Target: <= 1.1x.

    python bench/project_file.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from corpus import SEED
from first_screen import process_first_screen

from annotator.cli.config import example_text


def best_first_screen(folder: Path, rounds: int) -> float:
    """Reopening (the seed is stored in the first round), so storing it does not count."""
    os.chdir(folder)  # the child looks for ./annotator.toml where it starts
    return min(process_first_screen(SEED, folder / "a.db") for _ in range(rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as bare, tempfile.TemporaryDirectory() as project:
        bare, project = Path(bare), Path(project)
        (project / "annotator.toml").write_text(example_text(), encoding="utf-8")
        without, with_file = [], []
        for _ in range(args.rounds):
            without.append(best_first_screen(bare, 1))
            with_file.append(best_first_screen(project, 1))
        base, result = min(without), min(with_file)
    print(f"first screen, seed: without a project file {base * 1000:.0f} ms, "
          f"with the example {result * 1000:.0f} ms, ratio {result / base:.2f}x (target <= 1.1x)")


if __name__ == "__main__":
    main()
