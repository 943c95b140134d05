"""`annotator serve` in a real headless Chromium, driven over the DevTools protocol.

The page is read through xterm.js's own buffer (caught as the page creates it), names and keys
are typed into the page, and the spans and progress are looked up in the database.  Every process the test starts --
the server, its app processes, the browser -- runs in a process group of its own and is ended
with it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import aiohttp
import arabic_reshaper
import pytest
from arabic_reshaper.ligatures import LIGATURES
from bidi import get_display
from serving import (ANNOTATOR, SEED, app_processes, end_group, handshake, page_of,
                     start_server, wait_for)

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


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium; yields a function that opens a new tab and gives its DevTools URL."""
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
        wait_for(lambda: json.load(urllib.request.urlopen(
            f"http://127.0.0.1:{port}/json/list", timeout=2)), 10, "a page")

        def new_tab() -> str:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank",
                                             method="PUT")
            return json.load(urllib.request.urlopen(request, timeout=10))["webSocketDebuggerUrl"]

        yield new_tab
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
            try:
                value = await self.evaluate(expression)
            except AssertionError:  # the page is between two documents (a form submitted)
                value = None
            if value:
                return value
            await asyncio.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")

    async def press(self, key: str, code: str, key_code: int, text: str = "", modifiers: int = 0):
        await self.send("Input.dispatchKeyEvent", type="keyDown", key=key, code=code, text=text,
                        windowsVirtualKeyCode=key_code, modifiers=modifiers)
        await self.send("Input.dispatchKeyEvent", type="keyUp", key=key, code=code,
                        windowsVirtualKeyCode=key_code, modifiers=modifiers)

    async def screenshot(self, path: Path) -> None:
        data = (await self.send("Page.captureScreenshot", format="png"))["data"]
        path.write_bytes(base64.b64decode(data))
        print(f"screenshot: {path}")

    def requested(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]


def visual(word: str) -> str:
    """How a word must look in the terminal, by an independent reference: arabic-reshaper's
    joining and python-bidi's order."""
    return get_display(RESHAPER.reshape(word))


async def open_tab(session: aiohttp.ClientSession, ws_url: str) -> Page:
    ws = await session.ws_connect(ws_url, max_msg_size=0)
    page = Page(ws)
    await page.send("Network.enable")
    await page.send("Page.enable")
    await page.send("Page.addScriptToEvaluateOnNewDocument", source=HOOK)
    return page


async def wait_for_article(page: Page) -> None:
    """The article, shaped and ordered as an independent reference says, read off the page's
    terminal (the first frames may be laid out before the page has its size)."""
    expected = [visual(word) for word in ("المرصد", "حلب", "تدمر", "بشار")]
    await page.wait_for(f"(() => {{ const s = {ROWS}; return s && s.includes('? keys') && "
                        f"{json.dumps(expected)}.every(w => s.includes(w)); }})()",
                        60, f"the article's words {expected} in the page's terminal")
    await page.evaluate("window.__terminal.focus()")


def query(db: Path, sql: str) -> list[tuple]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


async def settle(db: Path, sql: str, expected: list[tuple]) -> list[tuple]:
    """The rows once they equal ``expected`` -- or, after a deadline for a hang, as they are."""
    deadline = time.monotonic() + 20
    while query(db, sql) != expected and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    return query(db, sql)


SPANS = "SELECT annotator, start, end, label FROM spans ORDER BY annotator"
PROGRESS = "SELECT annotator, status, caret FROM progress ORDER BY annotator"
FIRST, SECOND = [(m.start(), m.end()) for m in re.finditer(r"\S+", SEED.read_text("utf-8"))][:2]


async def two_tabs(new_tab, served, first: str, second: str, shots: Path):
    """The first person opens the address the server printed (its token in it) and types a name
    into the form; the second opens a bookmarked URL with theirs, in the same browser.  Both
    tabs stay open, each labelling in its own app process."""
    # The server knows itself as localhost, the browser finds it at 127.0.0.1 (as through a
    # tunnel, or at the address of a --public server): the page must use where it was found.
    url, db = served.url, served.db
    async with aiohttp.ClientSession() as session:
        sara, omar = await open_tab(session, new_tab()), await open_tab(session, new_tab())
        await sara.send("Page.navigate", url=served.address.replace("localhost", "127.0.0.1"))
        await sara.wait_for("!!document.getElementById('name-form')", 30, "the name form")
        first_page = await sara.evaluate("[location.href, document.cookie]")
        await sara.evaluate("document.getElementById('annotator').focus()")
        await sara.send("Input.insertText", text=first)
        await sara.screenshot(shots / "serve-name-form.png")
        await sara.press("Enter", "Enter", 13, text="\r")
        await wait_for_article(sara)
        title = await sara.evaluate("document.title")
        screen = await sara.evaluate(ROWS)
        faces = await sara.evaluate(
            "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.unicodeRange)")
        await sara.press("1", "Digit1", 49, text="1")  # the word under the caret: the first
        await settle(db, SPANS, [(first, *FIRST, "PER")])

        await omar.send("Page.navigate", url=f"{url}?annotator={quote(second)}")
        await wait_for_article(omar)
        for _ in range(SECOND[0]):  # Left: forward in RTL text, to the second word
            await omar.press("ArrowLeft", "ArrowLeft", 37)
        await omar.press("2", "Digit2", 50, text="2")
        await omar.press("D", "KeyD", 68, text="D", modifiers=8)  # shift: mark the document done
        spans = await settle(db, SPANS, sorted([(first, *FIRST, "PER"), (second, *SECOND, "LOC")]))
        progress = await settle(db, PROGRESS, sorted([(first, "in_progress", 0),
                                                      (second, "done", SECOND[0])]))
        await sara.screenshot(shots / "serve-first.png")
        await omar.screenshot(shots / "serve-second.png")
        return (spans, progress, title, screen, faces, sara.requested() + omar.requested(),
                first_page)


def test_two_tabs_label_under_their_own_names(start_server, browser, tmp_path):
    served = start_server("--host", "localhost")
    marker = tmp_path / "ran"
    # The second name is shell syntax: textual-serve starts the app through a shell, and the
    # name must arrive as one argument, never run.
    first, second = "سارة", f"omar'; touch {marker}; '$(touch {marker})`touch {marker}`"
    spans, progress, title, screen, faces, requested, first_page = asyncio.run(
        two_tabs(browser, served, first, second, tmp_path))
    assert spans == sorted([(first, *FIRST, "PER"), (second, *SECOND, "LOC")]), served.printed()
    assert progress == sorted([(first, "in_progress", 0), (second, "done", SECOND[0])])
    assert not marker.exists()
    assert title == f"annotator · {first}"
    assert f"annotator {visual(first)}" in screen.splitlines()[-1]  # the status bar
    assert any("U+FE70-FEFF" in face.upper() for face in faces), f"Arabic font not loaded: {faces}"
    origin = served.url.rstrip("/")
    outside = [u for u in requested if not u.startswith((origin, "data:", "about:"))]
    assert not outside, f"the page asked for something outside the server: {outside}"
    # The token was traded for a cookie the page's scripts cannot read, and left the address.
    assert first_page == [served.url, ""]
    assert served.token not in served.printed().split("\n", 1)[1]  # printed once, never logged


@pytest.mark.parametrize("name", ["\x1b[31mred", "sara\u202e", "sa\nra", "  "],
                         ids=["escape", "bidi-override", "newline", "blank"])
def test_a_name_with_control_characters_is_refused_and_starts_nothing(start_server, name):
    served = start_server()
    url, db, server = served.url, served.db, served.process
    status, page = page_of(f"{url}?annotator={quote(name)}", served.token)
    assert status == 400
    problem = re.search(r'<p class="problem" id="problem">(.*?)</p>', page).group(1)
    if name.strip():
        assert "contains control or invisible characters" in problem
        given = re.search(r'value="([^"]*)"', page).group(1)  # shown again, to be corrected
        for shown in (problem, given):  # with stand-ins for what it must not contain
            assert given and not re.search(r"[\x00-\x1f\x7f\u202e]", shown)
    else:
        assert problem == "Type the name you label under."
    assert "data-session-websocket-url" not in page  # no terminal page, so no app
    # Nor without the page: the websocket refuses the name before any process starts.
    ws, cookie = served.ws, served.cookie
    assert asyncio.run(handshake(f"{ws}ws/@{quote(name, safe='')}?width=80&height=24",
                                 cookie)) == 400
    assert asyncio.run(handshake(f"{ws}ws?width=80&height=24", cookie)) == 400  # no name at all
    assert app_processes(server) == []
    assert query(db, SPANS) == [] and query(db, PROGRESS) == []


def test_one_name_for_every_tab_shows_no_form(start_server):
    served = start_server("--annotator", "bob")
    url, token, server = served.url, served.token, served.process
    status, page = page_of(url, token)
    assert status == 200 and 'id="name-form"' not in page
    assert 'data-session-websocket-url="/ws"' in page
    assert page_of(f"{url}?annotator=bob", token)[0] == 200
    status, page = page_of(f"{url}?annotator=eve", token)
    assert status == 409 and "This server labels every tab as «bob»" in page
    assert asyncio.run(handshake(f"{served.ws}ws/@eve?width=80&height=24", served.cookie)) == 409
    assert app_processes(server) == []


def test_the_tunnel_it_recommends_is_to_its_own_port(start_server):
    served = start_server()
    port = served.port
    notice = wait_for(lambda: "There is no login" in served.printed() and served.printed(), 10,
                      "the no-login notice")
    assert f"ssh -L {port}:127.0.0.1:{port} server" in notice


def test_serve_refuses_a_reachable_address_without_public(tmp_path):
    result = subprocess.run([ANNOTATOR, "serve", str(SEED), "--host", "0.0.0.0"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "there is no login; add --public" in result.stderr
    assert result.stderr.count("\n") == 1


def raw_request(url: str, payload: bytes) -> bytes:
    """Send bytes as they are (no HTTP library would send these) and read the answer."""
    port = int(url.rsplit(":", 1)[1].strip("/"))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(payload)
        return conn.recv(200)


def test_what_the_network_sends_reaches_the_servers_terminal_as_inert_single_lines(start_server):
    served = start_server("--annotator", "bob")
    url = served.url
    before = served.printed()
    hostile = [
        b"GET /\x01\x1b[2J HTTP/1.1\r\nHost: x\r\n\r\n",  # control bytes in the path
        b"GARBAGE\x1b]0;pwned\x07 / HTTP/1.1\r\n\r\n",  # a title change as the method
        b"GET /x HTTP/1.1\r\nHost: x\r\nUser-Agent: \xe2\x80\xaemoc.evil\r\n\r\n",  # RLO
        "GET /\u202egnp.exe HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
    ]
    for payload in hostile:
        assert raw_request(url, payload).startswith(b"HTTP/1.")
    # aiohttp logs every answer (an access line) after any complaint about it: wait for four.
    printed = wait_for(lambda: served.printed().count('" 40') - before.count('" 40') >= 4
                       and served.printed(), 20, "a line for each request")
    lines = printed.splitlines()
    assert all(line.startswith("annotator") for line in lines), printed  # nothing spills over
    assert len(lines) - len(before.splitlines()) <= 2 * len(hostile)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", printed)
    assert "Traceback" not in printed and "locals" not in printed
    assert "400" in printed or "Invalid" in printed  # the refusals are still reported
