"""Screens that lay out only at the terminal's current size.

Textual's screen answers a ``Resize`` by laying out at the event's size and, when its own
region changed, posting itself another ``Resize`` of that size.  When two resizes of different
sizes are queued before the first frame (the web driver's start-up size and a browser's
resize, or a tab closed early), each one re-posts itself after the other: the screen's queue
never empties, its task never yields, and quit and SIGTERM are never handled -- 100% CPU for
ever.  The app's size is the truth; a resize of any other size is stale, and a newer one is
already on its way, so it is dropped.
"""

from __future__ import annotations

from textual import events
from textual.screen import ModalScreen, Screen


class LatestSize:
    """Drop ``Resize`` events the terminal has already outgrown (mix into a Screen)."""

    def on_resize(self, event: events.Resize) -> None:
        if event.size != self.app.size:
            event.prevent_default()  # skip Screen's own layout at the stale size
            event.stop()


class ReaderScreen(LatestSize, Screen):
    """The default screen of the reader."""


class LatestSizeModal(LatestSize, ModalScreen):
    """A modal screen (help) with the same guard."""
