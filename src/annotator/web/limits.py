"""How much one ``annotator serve`` lets its visitors take: app processes overall and per name,
how long a tab may sit idle, how long a client may take to send its request's headers.

Every tab is a Python process of 50-100 MB: without a cap, 50 websockets from one client
started 100 processes (2.5 GiB) on a 2-core machine.  The caps are counted here, in the server's
one event loop, so a check and the count it protects cannot interleave.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["SessionLimits", "default_max_sessions", "APP_MEMORY"]

#: What one tab's app process is budgeted (its resident size is 50-100 MB).
APP_MEMORY = 200 * 1024 * 1024
#: Live tabs per core: an idle app costs memory, not CPU, but all of them redraw at once.
TABS_PER_CORE = 8


def default_max_sessions() -> int:
    """App processes this machine can hold: the smaller of a memory and a CPU budget."""
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        memory = 4 * 1024 ** 3
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(2, min(memory // APP_MEMORY, TABS_PER_CORE * (cores or 1)))


@dataclass
class SessionLimits:
    """The open sessions, by name.  ``admit`` and ``release`` pair up around a session."""

    max_sessions: int
    max_per_name: int
    open: Counter[str] = field(default_factory=Counter)

    def refusal(self, name: str) -> str | None:
        """Why a new session under ``name`` would be refused now, or None."""
        if sum(self.open.values()) >= self.max_sessions:
            return (f"This server already runs the most sessions it is allowed "
                    f"({self.max_sessions}, --max-sessions). Close a tab that is not in use, "
                    "or try again later.")
        if self.open[name] >= self.max_per_name:
            return (f"This name already has {self.open[name]} tabs open, the most one name may "
                    f"have (--max-per-name). Use one of those, or close one and reload.")
        return None

    def admit(self, name: str) -> str | None:
        """Counts a session in, or says why not."""
        refused = self.refusal(name)
        if refused is None:
            self.open[name] += 1
        return refused

    def release(self, name: str) -> None:
        self.open[name] -= 1
        if self.open[name] <= 0:
            del self.open[name]
