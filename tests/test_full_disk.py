"""The disk fills while the user labels (16.5): the real `annotator` in a real terminal, its
database on a real 4 MiB tmpfs that a helper fills on cue.  The app must keep running, say
what was not saved, keep everything committed before, work again once there is room, and
quit cleanly when asked -- it used to quit by itself with a traceback.

The tmpfs is mounted in a private mount namespace (``unshare``, as an unprivileged user may),
so the test needs no root and leaves nothing mounted behind.
"""

import json
import os
import shlex
import time
from pathlib import Path

from conftest import SEED
from tmux import ANNOTATOR, Tmux, needs_tmux


def wait_for_file(path: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def cue(fifo: Path) -> None:
    """Wake the helper waiting on ``fifo`` (a FIFO: the write blocks until it reads)."""
    with open(fifo, "w") as pipe:
        pipe.write("go\n")


@needs_tmux
def test_a_full_disk_keeps_the_app_running_and_what_was_committed(tmp_path):
    disk, seen = tmp_path / "disk", tmp_path / "seen"
    disk.mkdir()
    seen.mkdir()
    fill, free = tmp_path / "fill.fifo", tmp_path / "free.fifo"
    os.mkfifo(fill)
    os.mkfifo(free)
    db = disk / "annotations.db"
    q = shlex.quote
    script = f"""
        mount -t tmpfs -o size=4m tmpfs {q(str(disk))} || {{ echo MOUNT-FAILED; exec cat; }}
        (read go < {q(str(fill))}; dd if=/dev/zero of={q(str(disk / 'ballast'))} bs=4k 2>/dev/null
         touch {q(str(seen / 'full'))}
         read go < {q(str(free))}; rm {q(str(disk / 'ballast'))}; touch {q(str(seen / 'free'))}) &
        {shlex.join([ANNOTATOR, str(SEED), "--db", str(db)])}
        echo "EXIT=$?"
        {shlex.join([ANNOTATOR, "export", "--db", str(db), "--out", str(seen / 'export.jsonl')])}
        echo "EXPORTED=$?"
        exec cat
    """
    session = Tmux(["unshare", "-rm", "sh", "-c", script], 120, 30)
    try:
        session.wait_for_text("offset 0/")
        session.send("Left", "S-Left", "S-Left", "S-Left", "S-Left", "1")  # PER [1:6]
        session.wait_for_text("1 span")

        cue(fill)
        wait_for_file(seen / "full")
        session.send("Left", "Left", "Left", "S-Left", "S-Left", "2")  # refused: no room
        screen = "\n".join(session.wait_for_text("disk is full"))
        assert "offset" in screen, "the app is still on screen"

        cue(free)
        wait_for_file(seen / "free")
        session.send("Left", "Left", "Left", "Left", "S-Left", "S-Left", "3")  # room again
        session.wait_for_text("2 spans")

        session.send("q")
        screen = "\n".join(session.wait_for_text("EXPORTED="))
    finally:
        session.close()
    assert "MOUNT-FAILED" not in screen
    assert "EXIT=0" in screen and "EXPORTED=0" in screen, screen
    assert "Traceback" not in screen, screen
    (record,) = [json.loads(line) for line in (seen / "export.jsonl").read_text().splitlines()]
    spans = sorted((s["start"], s["end"]) for s in record["spans"])
    assert len(spans) == 2 and spans[0] == (1, 6), spans
