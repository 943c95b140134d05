"""``--bidi auto``: who reorders right-to-left text, annotator or the terminal.

Most terminals draw code points left to right as sent, so annotator shapes and reorders
("app" mode; bidi-capable ones such as VTE and mintty are switched off with CSI 8 l).  A few
reorder every row by themselves and ignore CSI 8 l: fed visual order, they reverse it again.
Those are recognised by the variable they set in their children's environment, and get
"terminal" mode (logical, unshaped text).  Tried for real: rtl-display.md, "Real terminals".
"""

from __future__ import annotations

from collections.abc import Mapping

from annotator.text.layout import BidiMode

# Terminals that reorder by themselves and cannot be told not to, by the variable they set.
SELF_REORDERING = {"MLTERM": "mlterm", "KONSOLE_VERSION": "Konsole"}


def choose_bidi(requested: str, environ: Mapping[str, str]) -> tuple[BidiMode, str]:
    """The mode to run in and one sentence for the help screen: which mode, why, and how
    to switch."""
    if requested in ("app", "terminal"):
        other = "terminal" if requested == "app" else "app"
        return requested, (f"Bidi: {requested} mode (--bidi {requested}). If Arabic shows "
                           f"reversed or unjoined, restart with --bidi {other} (or --bidi auto).")
    for variable, terminal in SELF_REORDERING.items():
        if environ.get(variable):
            return "terminal", (
                f"Bidi: terminal mode, chosen by --bidi auto because {terminal} reorders "
                f"right-to-left text itself ({variable} is set): annotator sends logical, "
                "unshaped text. If Arabic shows reversed or unjoined, restart with --bidi app.")
    return "app", (
        "Bidi: app mode, chosen by --bidi auto (no self-reordering terminal detected): "
        "annotator shapes and reorders right-to-left text itself. If Arabic shows reversed or "
        "unjoined (a terminal that reorders by itself: Konsole, mlterm, PuTTY, Terminal.app), "
        "restart with --bidi terminal.")
