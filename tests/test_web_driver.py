"""Under Textual's web driver (as textual-serve runs it) a resize and a quit that arrive before
the first frame end the app, as a browser tab closed early does: it used to spin at 100% CPU
forever, the screen laying itself out at two stale sizes in turn."""

import json
import os
import subprocess
import sys

import pytest

ANNOTATOR = [sys.executable, "-c", "from annotator.cli.reader import main; main()"]
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"


def meta_packet(payload: dict) -> bytes:
    """The driver's framing for meta data: b"M", a 4-byte big-endian length, JSON."""
    data = json.dumps(payload).encode()
    return b"M" + len(data).to_bytes(4, "big") + data


RESIZE = meta_packet({"type": "resize", "width": 80, "height": 24})
QUIT = meta_packet({"type": "quit"})


@pytest.mark.parametrize("packets", [(RESIZE, QUIT), (QUIT, RESIZE), (RESIZE, RESIZE, QUIT)],
                         ids=["resize-quit", "quit-resize", "resize-resize-quit"])
def test_early_resize_and_quit_end_the_app(tmp_path, packets):
    text = tmp_path / "one.txt"
    text.write_text("مرحبا بالعالم\n", encoding="utf-8")
    env = dict(os.environ, TEXTUAL_DRIVER=WEB_DRIVER, COLUMNS="155", ROWS="45")
    process = subprocess.Popen(
        [*ANNOTATOR, str(text), "--db", str(tmp_path / "a.db")],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )
    process.stdin.write(b"".join(packets))
    process.stdin.flush()
    try:
        process.wait(timeout=30)  # a deadline for a hang, not a speed assertion
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail("the app spun instead of quitting after a resize and a quit")
    finally:
        process.stdin.close()
    assert process.returncode == 0, process.stderr.read().decode(errors="replace")
    process.stderr.close()
