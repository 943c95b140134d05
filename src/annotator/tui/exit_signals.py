"""SIGTERM, SIGHUP and SIGINT end the app as ``q`` does.

Textual's driver handles only job control (SIGTSTP, SIGCONT).  Unhandled, ``kill -TERM`` (a
system shutting down, a process manager, a timeout) ends the process at once: the caret is not
saved and the terminal is left raw, with no echo and no line editing.  SIGHUP is the terminal
going away (a closed window, a dropped SSH connection), SIGINT a ``kill -INT`` from outside
(Ctrl+C inside the app is a key, read in raw mode).  Each is turned into an ordinary exit in the
app's own event loop: unmounting saves the caret, and the driver gives the terminal back.  The
exit status is 128 + the signal's number, as a shell reports a process the signal ended.
"""

from __future__ import annotations

import asyncio
import signal

from textual.app import App

__all__ = ["EXIT_SIGNALS", "exit_on_signals", "stop_exit_signals"]

EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def exit_on_signals(app: App) -> None:
    """From now on, each of EXIT_SIGNALS makes ``app`` exit cleanly (call from on_mount)."""
    loop = asyncio.get_running_loop()
    for number in EXIT_SIGNALS:
        try:
            loop.add_signal_handler(number, app.exit, None, 128 + number)
        except (ValueError, RuntimeError):  # not the main thread (an embedding program's)
            return


def stop_exit_signals() -> None:
    """Back to the defaults (call from on_unmount): the loop may outlive the app (tests)."""
    loop = asyncio.get_running_loop()
    for number in EXIT_SIGNALS:
        try:
            loop.remove_signal_handler(number)
        except (ValueError, RuntimeError):
            return
