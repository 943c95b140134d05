"""The argument parser every command uses: bad arguments are one line, not a usage block."""

from __future__ import annotations

import argparse
from typing import NoReturn

from annotator.text.glyphs import neutralised

__all__ = ["OneLineParser"]


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, not argparse's usage block: what is wrong and where to look."""
        # The message may quote an argument, e.g. a file name matched by a shell glob.
        self.exit(2, f"{self.prog}: {neutralised(message)} (see {self.prog} --help)\n")
