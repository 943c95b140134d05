"""`annotator serve` in a real headless Chromium, driven over the DevTools protocol.

The page is read through xterm.js's own buffer (caught as the page creates it), keys are typed
into the page, and the span is looked up in the database.  Every process the test starts --
the server, its app processes, the browser -- runs in a process group of its own and is ended
with it.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import aiohttp
import arabic_reshaper
import pytest
from arabic_reshaper.ligatures import LIGATURES
from bidi import get_display

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_fbaffb694397fea6.txt"
ANNOTATOR = shutil.which("annotator")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(not (ANNOTATOR and CHROMIUM),
                                reason="needs the installed annotator and chromium (apt-get install chromium)")

# Catches the xterm.js Terminal that textual-serve's script keeps inside a closure: it is
# assigned as `this.terminal = new Terminal(...)`, which runs this setter first.
HOOK = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    window.__terminal = value;
  },
});
"""
ROWS = """(() => {
  const t = window.__terminal; if (!t) return null;
  const b = t.buffer.active, rows = [];
  for (let i = 0; i < t.rows; i++) { const l = b.getLine(i); rows.push(l ? l.translateToString(true) : ""); }
  return rows.join("\\n");
})()"""
LAM_ALEF_ONLY = {name: name.startswith("ARABIC LIGATURE LAM WITH ALEF") and "MAKSURA" not in name
                 for name, _ in LIGATURES}
RESHAPER = arabic_reshaper.ArabicReshaper(
    configuration={"delete_harakat": True, "support_ligatures": True, **LAM_ALEF_ONLY})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def end_group(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=5)
            os.killpg(process.pid, signal.SIGKILL)  # the group's stragglers (app processes)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def server(tmp_path):
    port = free_port()
    db = tmp_path / "team.db"
    log = open(tmp_path / "server.log", "wb")
    process = subprocess.Popen([ANNOTATOR, "serve", str(SEED), "--port", str(port), "--db", str(db)],
                               cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}/"

    def up():
        try:
            return urllib.request.urlopen(url, timeout=1).status == 200
        except OSError:
            return False

    try:
        wait_for(up, 30, "the server")
        yield url, db, tmp_path / "server.log"
    finally:
        end_group(process)
        log.close()


@pytest.fixture
def browser(tmp_path):
    profile = tmp_path / "chromium-profile"
    process = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--remote-debugging-port=0", "--window-size=1400,900",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        active = profile / "DevToolsActivePort"
        wait_for(lambda: active.exists() and active.read_text().strip(), 30, "chromium")
        port = active.read_text().split()[0]
        targets = wait_for(lambda: json.load(urllib.request.urlopen(
            f"http://127.0.0.1:{port}/json/list", timeout=2)), 10, "a page")
        yield next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
    finally:
        end_group(process)


class Page:
    """The smallest DevTools protocol client: commands, and the events seen so far."""

    def __init__(self, ws) -> None:
        self.ws, self.next_id, self.events = ws, 0, []

    async def send(self, method: str, **params):
        self.next_id += 1
        await self.ws.send_json({"id": self.next_id, "method": method, "params": params})
        while True:
            message = await self.ws.receive_json(timeout=30)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    async def evaluate(self, expression: str):
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")


def visual(word: str) -> str:
    """How a word must look in the terminal, by an independent reference: arabic-reshaper's
    joining and python-bidi's order."""
    return get_display(RESHAPER.reshape(word))


async def drive(ws_url: str, url: str, db: Path, shot: Path) -> str:
    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url, max_msg_size=0) as ws:
        page = Page(ws)
        await page.send("Network.enable")
        await page.send("Page.enable")
        await page.send("Page.addScriptToEvaluateOnNewDocument", source=HOOK)
        await page.send("Page.navigate", url=url)
        # The article, shaped and ordered as an independent reference says, read off the
        # page's terminal (the first frames may be laid out before the page has its size).
        expected = [visual(word) for word in ("المرصد", "حلب", "تدمر", "بشار")]
        await page.wait_for(f"(() => {{ const s = {ROWS}; return s && s.includes('? keys') && "
                            f"{json.dumps(expected)}.every(w => s.includes(w)); }})()",
                            60, f"the article's words {expected} in the page's terminal")
        faces = await page.evaluate(
            "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.unicodeRange)")
        assert any("U+FE70-FEFF" in face.upper() for face in faces), f"Arabic font not loaded: {faces}"
        # Label the word under the caret (the first word of the article) with key 1.
        await page.evaluate("window.__terminal.focus()")
        await page.send("Input.dispatchKeyEvent", type="keyDown", key="1", text="1",
                        code="Digit1", windowsVirtualKeyCode=49)
        await page.send("Input.dispatchKeyEvent", type="keyUp", key="1", code="Digit1",
                        windowsVirtualKeyCode=49)

        def stored():
            if not db.exists():
                return None
            with sqlite3.connect(db) as conn:
                return conn.execute("SELECT start, end, label FROM spans").fetchall()

        deadline = time.monotonic() + 20
        while not stored() and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        shot.write_bytes(__import__("base64").b64decode(
            (await page.send("Page.captureScreenshot", format="png"))["data"]))
        print(f"screenshot: {shot}")
        requested = [e["params"]["request"]["url"] for e in page.events
                     if e.get("method") == "Network.requestWillBeSent"]
        return stored(), requested


def test_the_app_in_a_browser_reads_the_article_and_labels_a_word(server, browser, tmp_path):
    url, db, log = server
    spans, requested = asyncio.run(drive(browser, url, db, tmp_path / "serve.png"))
    text = SEED.read_text(encoding="utf-8")
    first_word = text.split()[0]
    assert spans == [(0, len(first_word), "PER")], log.read_text(errors="replace")
    origin = url.rstrip("/")
    outside = [u for u in requested if not u.startswith((origin, "data:"))]
    assert not outside, f"the page asked for something outside the server: {outside}"


def test_serve_refuses_a_reachable_address_without_public(tmp_path):
    result = subprocess.run([ANNOTATOR, "serve", str(SEED), "--host", "0.0.0.0"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "there is no login; add --public" in result.stderr
    assert result.stderr.count("\n") == 1
