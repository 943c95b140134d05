"""`annotator suggest`'s progress bar: the rate and time left it shows.

Rendered by Rich into a real console (a string), on a clock the test moves: a model's
``nlp.pipe`` hands over a batch of documents at once, and the bar must not take the burst
for the rate.
"""

from __future__ import annotations

import io

from rich.console import Console

from annotator.cli.suggesting import _Progress


def shown(progress: _Progress) -> str:
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=True, color_system=None)
    console.print(progress.bar.make_tasks_table(progress.bar.tasks))
    return out.getvalue()


def test_a_model_handing_over_batches_shows_its_real_rate_and_time_left():
    now = [0.0]
    console = Console(file=io.StringIO(), width=100, force_terminal=True)
    progress = _Progress(3000, console=console, get_time=lambda: now[0])
    for batch in range(2):  # two batches of 250, each found in one second, handed over at once
        now[0] += 1.0
        for done in range(batch * 250 + 1, batch * 250 + 251):
            progress.bar.update(progress.task, completed=done)
    line = shown(progress)
    assert "500/3000" in line
    assert "250 docs/s" in line  # 500 documents in 2 seconds
    assert "0:00:10" in line  # 2,500 left at 250 a second


def test_before_the_first_document_and_when_finished():
    now = [0.0]
    console = Console(file=io.StringIO(), width=100, force_terminal=True)
    progress = _Progress(10, console=console, get_time=lambda: now[0])
    assert "- docs/s" in shown(progress) and "-:--:--" in shown(progress)
    now[0] = 5.0
    progress.bar.update(progress.task, completed=10)
    now[0] = 60.0  # the bar is drawn once more when it stops
    line = shown(progress)
    assert "10/10" in line and "2 docs/s" in line and "0:00:00" in line


def test_the_bar_leaves_room_for_the_terminals_echo_of_ctrl_c():
    """A terminal echoes Ctrl+C as "^C" where the cursor is, after the bar: on a full line
    it wraps, and the bar's last redraw left a copy of the bar above the summary."""
    for width in (50, 60, 80, 100, 200):
        out = io.StringIO()
        console = Console(file=out, width=width, force_terminal=True, color_system=None)
        progress = _Progress(30_000, console=console, get_time=lambda: 2.0)
        progress.bar.update(progress.task, completed=12_345)
        console.print(progress.bar.get_renderable())
        lines = out.getvalue().splitlines()
        assert any("12345/30000" in line for line in lines), lines
        assert max(console.measure(line).maximum for line in lines) <= width - 2, (width, lines)


def test_on_a_narrow_terminal_the_bar_shrinks_and_the_figures_stay_whole():
    for width in (50, 60, 80):
        out = io.StringIO()
        console = Console(file=out, width=width, force_terminal=True, color_system=None)
        now = [0.0]
        progress = _Progress(30_000, console=console, get_time=lambda: now[0])
        now[0] = 0.25
        progress.bar.update(progress.task, completed=3_000)
        console.print(progress.bar.get_renderable())
        [line] = out.getvalue().splitlines()  # one line: "docs/s" was wrapped onto a second at 50
        assert "3000/30000 12,000 docs/s 0:00:02" in line, (width, line)
