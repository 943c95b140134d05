"""Where ``suggest`` writes its suggestions: in this process, or in a second one while this
one runs spaCy.

Finding suggestions is spaCy's work (tokenizing and matching, or a model); writing them is
SQLite's (an insert per suggestion, a synced commit per batch) and needs none of spaCy's
state.  Over a corpus the store's share cost about as much as the matching with patterns
(``bench/suggest_bench.py``, 10,000 articles: 0.47 s of matching, ~0.55 s of store), so a run
of more than one batch starts a child Python process that imports only the store and writes
the batches it is sent while this process finds the next ones: with a second core the
writes are off the critical path.  A one-batch run writes here, as starting Python costs
more than it saves.  (The texts are read here: sending them from the child cost more than
reading them, measured.)

A thread could not do it: spaCy's Cython loops hold the GIL for a whole document, and
sqlite3 gives it up and takes it back around every row.

The child is its own session: Ctrl+C in the terminal reaches only the parent, which then
sends what it has and waits.  It takes length-prefixed pickles on stdin, only from its
parent, and answers once, on stdout, with its counts or one line saying what went wrong.
When the parent is killed, the child sees its input end and commits what it was sent.
Batches that queue up while it writes are merged into one transaction (fewer syncs when it
falls behind).
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from annotator.store import Store, StoreError
from annotator.text.glyphs import neutralised

__all__ = ["ChildProcessWriter", "InlineWriter", "Written", "open_writer"]

Batch = list[tuple[str, list[tuple[int, int, str]]]]
Written = tuple[int, int, int]  # added, left out (already there), withdrawn

#: Documents the child writes in one transaction at most when batches have queued up: a
#: commit holds the database's write lock, and annotators labelling meanwhile wait for it.
MERGED_DOCUMENTS = 5000
#: Documents the parent sends at a time: what is left to write after the last document is
#: found is the run's tail.
SENT_DOCUMENTS = 250
#: Bytes the pipe to the child holds: dozens of batches, so the parent seldom waits for it.
PIPE_BYTES = 1 << 20


def send_message(stream: BinaryIO, message: object) -> None:
    """One pickle, after its length, in ONE write to an unbuffered pipe: the write blocks
    without the GIL until the reader has taken it all.  (pickle.dump writes 64 KB frames, and
    between frames each writer waits its turn for the GIL: ~5 ms a frame while spaCy or
    sqlite3 holds it.)"""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(8, "little") + data)
    while view:
        view = view[stream.write(view):]


def receive_message(stream: BinaryIO) -> object:
    """The next message; EOFError when the stream ends (mid-message too)."""
    size = int.from_bytes(_exactly(stream, 8), "little")
    return pickle.loads(_exactly(stream, size))


def _exactly(stream: BinaryIO, size: int) -> bytearray:
    data = bytearray(size)
    view, done = memoryview(data), 0
    while done < size:
        got = stream.readinto(view[done:])
        if not got:
            raise EOFError
        done += got
    return data


def _store_batch(store: Store, batch: Batch, annotator: str, replace: bool) -> Written:
    if replace:
        return store.replace_suggestions(batch, annotator=annotator)
    added, left_out = store.add_suggestions(batch, annotator=annotator)
    return added, left_out, 0


def _add(total: Written, more: Written) -> Written:
    return total[0] + more[0], total[1] + more[1], total[2] + more[2]


class InlineWriter:
    """Each batch written at once, in this process (one transaction a batch)."""

    def __init__(self, store: Store, annotator: str, *, replace: bool, batch_size: int) -> None:
        self._store, self._annotator, self._replace = store, annotator, replace
        self.batch_size = batch_size  # documents the caller gives write() at a time
        self._written: Written = (0, 0, 0)

    def write(self, batch: Batch) -> None:
        self._written = _add(self._written, _store_batch(self._store, batch, self._annotator, self._replace))

    def finish(self) -> Written:
        return self._written


class ChildProcessWriter:
    """Batches written by a child process (see the module's docstring); ``finish`` waits
    for it and returns its counts, or raises StoreError with its reason."""

    def __init__(self, path: Path, annotator: str, *, replace: bool, batch_size: int) -> None:
        self.batch_size = min(batch_size, SENT_DOCUMENTS)
        self._child = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
            start_new_session=True, env=_child_environment(),
        )
        _widen(self._child.stdin)
        self._ended = False
        self._reply: tuple = ()
        self._stderr = b""
        self._send((str(path), annotator, replace))

    def write(self, batch: Batch) -> None:
        if not self._send(batch):  # the child stopped reading: it has said why
            self._end()
            raise StoreError(self._reason())

    def finish(self) -> Written:
        """Wait for the child to write everything sent; its counts."""
        self._end()
        if len(self._reply) == 2 and self._reply[0] == "done":
            return self._reply[1]
        raise StoreError(self._reason())

    def _send(self, message: object) -> bool:
        """Send a message whole (False: the child has stopped).  Straight from this thread:
        the pipe holds a megabyte, so the write seldom waits, and a sender thread cost more
        in waits for the GIL than it saved (measured).  Ctrl+C is held off for the write:
        half a message would leave the child unable to read the rest."""
        if self._ended:
            return False
        try:
            with _sigint_held():
                send_message(self._child.stdin, message)
        except OSError:  # BrokenPipeError
            return False
        return True

    def _end(self) -> None:
        """Close the child's input and wait for its reply and its exit (once)."""
        if self._ended:
            return
        self._ended = True
        try:
            self._child.stdin.close()
        except OSError:
            pass  # a broken pipe: closed all the same
        self._reply = _received(self._child.stdout)
        self._stderr = self._child.stderr.read()  # empty unless Python itself failed
        self._child.stdout.close()
        self._child.stderr.close()
        self._child.wait()

    def _reason(self) -> str:
        """Why the child failed: its own line, else its exit status and Python's last line."""
        if len(self._reply) == 2 and self._reply[0] == "error":
            return str(self._reply[1])
        last = self._stderr.decode("utf-8", "replace").strip().splitlines()
        detail = f": {neutralised(last[-1])[:200]}" if last else ""
        return (f"the process writing the suggestions stopped (exit status {self._child.returncode})"
                f"{detail}; what it had committed is kept, run suggest again to add the rest")


@contextmanager
def _sigint_held() -> Iterator[None]:
    """SIGINT held back (delivered, as KeyboardInterrupt, when the block ends), where the
    platform can block signals and this is the main thread (the only one Python delivers
    them to)."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _received(stream: BinaryIO) -> tuple:
    """The next message, or () when the stream ends or holds no message."""
    try:
        message = receive_message(stream)
    except (EOFError, OSError, pickle.UnpicklingError):
        return ()
    return message if isinstance(message, tuple) else ()


def _widen(*pipes: BinaryIO) -> None:
    """Make the pipes hold a megabyte (Linux; 64 KB by default), so the writer seldom waits
    for the child to be scheduled to take each 64 KB."""
    import fcntl

    for pipe in pipes:
        try:
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        except (AttributeError, OSError):
            pass  # another system, or a lower limit: the default size works, more slowly


def _child_environment() -> dict[str, str]:
    """This process's environment; when this package was not imported from the interpreter's
    own site-packages (a source checkout, an editable install, PYTHONPATH), its folder first
    on the child's path, so the child runs the same code.  (Never site-packages itself first:
    it would shadow the standard library.)"""
    import site

    root = Path(__file__).resolve().parents[2]
    own = [*getattr(site, "getsitepackages", list)(), site.getusersitepackages()]
    if any(root == Path(folder).resolve() for folder in own):
        return dict(os.environ)
    paths = [str(root)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


@contextmanager
def open_writer(store: Store, annotator: str, *, replace: bool, separate: bool,
                batch_size: int) -> Iterator[InlineWriter | ChildProcessWriter]:
    """A ChildProcessWriter (``separate``, and this Python's executable is known), else an
    InlineWriter inside :meth:`Store.bulk_writing`; ``batch_size`` documents a transaction."""
    if separate and sys.executable:
        yield ChildProcessWriter(store.path, annotator, replace=replace, batch_size=batch_size)
    else:
        with store.bulk_writing():
            yield InlineWriter(store, annotator, replace=replace, batch_size=batch_size)


# -- the child -----------------------------------------------------------------------------


def _merged(batches: queue.Queue, first: Batch) -> tuple[Batch, bool]:
    """``first`` and the batches queued behind it (up to MERGED_DOCUMENTS documents); whether
    the input has ended."""
    merged = list(first)
    while len(merged) < MERGED_DOCUMENTS:
        try:
            more = batches.get_nowait()
        except queue.Empty:
            return merged, False
        if more is None:
            return merged, True
        merged += more
    return merged, False


def _take_batches(stream: BinaryIO, batches: queue.Queue) -> None:
    """Unpickle batches into ``batches`` until the input ends (the parent closed it, or was
    killed: what it sent is written all the same)."""
    try:
        while True:
            batches.put(receive_message(stream))
    except (EOFError, OSError, pickle.UnpicklingError):
        batches.put(None)


def _work(stream: BinaryIO) -> Written:
    """The child's work: the settings, then batches until the input ends."""
    path, annotator, replace = receive_message(stream)
    batches: queue.Queue[Batch | None] = queue.Queue()
    threading.Thread(target=_take_batches, args=(stream, batches), daemon=True).start()
    written: Written = (0, 0, 0)
    with Store(path, annotator=annotator) as store:
        ended = False
        while not ended:
            first = batches.get()
            if first is None:
                break
            batch, ended = _merged(batches, first)
            written = _add(written, _store_batch(store, batch, annotator, replace))
    return written


def _unbuffered(stream: BinaryIO) -> BinaryIO:
    return getattr(stream, "raw", stream)  # already raw under PYTHONUNBUFFERED


def main() -> None:
    try:
        reply: tuple = ("done", _work(_unbuffered(sys.stdin.buffer)))
    except StoreError as error:
        reply = ("error", str(error))
    except BaseException as error:  # noqa: BLE001 -- one line to the parent, whatever it was
        reply = ("error", neutralised(f"writing suggestions failed: {type(error).__name__}: {error}")[:300])
    try:
        send_message(_unbuffered(sys.stdout.buffer), reply)
    except OSError:
        pass  # the parent is gone; what was sent is committed
    # The store is closed and the reply sent: the parent waits for this exit, and tearing
    # the interpreter down would add ~20 ms to the end of every run.
    os._exit(0 if reply[0] == "done" else 1)


if __name__ == "__main__":
    main()
