"""What a web page, a process on the machine, or a flood of clients can do to `annotator serve`:
the attacks themselves, sent by a real client (aiohttp) to the real server.

A page on any site can open a websocket to 127.0.0.1 (the browser only adds its Origin), and
DNS rebinding makes the page's own name point at 127.0.0.1 (then the Host is the page's).  The
server must refuse both, and anything without the token it printed.  The happy path in a real
browser is tests/test_serve.py's.
"""

from __future__ import annotations

import asyncio
import re
import socket
import sqlite3
import subprocess

import aiohttp
import pytest
from serving import (ANNOTATOR, SEED, app_processes, handshake, needs_annotator, page_of,
                     start_server, terminal_text, wait_for)

pytestmark = needs_annotator
assert start_server  # the fixture, imported for the tests below
SIZE = "?width=100&height=30"


def spans(db) -> list[tuple]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT annotator, start, end, label FROM spans").fetchall()


def test_a_page_on_another_site_cannot_open_a_session(start_server):
    served = start_server()
    victim = f"{served.ws}ws/@victim{SIZE}"
    # Even holding the cookie (which SameSite=Strict keeps from another site's page).
    for origin in ("http://evil.example", "null", f"http://evil.example:{served.port}",
                   f"https://127.0.0.1.evil.example:{served.port}"):
        assert asyncio.run(handshake(victim, served.cookie, {"Origin": origin})) == 403, origin
    assert app_processes(served.process) == []
    assert spans(served.db) == []


def test_a_rebound_name_is_refused_on_every_route(start_server):
    served = start_server()
    rebound = {"Host": f"evil.example:{served.port}", "Origin": f"http://evil.example:{served.port}"}
    for path in ("", "?annotator=victim", "static/js/textual.js", f"?token={served.token}"):
        status, page = page_of(served.url + path, served.token, {"Host": rebound["Host"]})
        assert status == 403 and "--allow-host" in page, path
    assert asyncio.run(handshake(f"{served.ws}ws/@victim{SIZE}", served.cookie, rebound)) == 403
    assert app_processes(served.process) == []


def test_without_the_token_nothing_is_served(start_server):
    served = start_server()
    for path in ("", "?annotator=sara", "static/js/textual.js", "annotator-fonts/x",
                 "?token=not-the-token"):
        status, page = page_of(served.url + path)
        assert status == 403 and "?token=" in page, path
    wrong = {f"annotator-token-{served.port}": "x" * len(served.token)}
    for cookies in (None, wrong):
        assert asyncio.run(handshake(f"{served.ws}ws/@sara{SIZE}", cookies)) == 403
    assert app_processes(served.process) == []


def test_the_first_visit_trades_the_token_for_a_strict_cookie(start_server):
    served = start_server()

    async def first_visit():
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{served.address}&annotator=sara",
                                   allow_redirects=False) as response:
                return response.status, response.headers

    status, headers = asyncio.run(first_visit())
    assert status == 302 and headers["Location"] == "/?annotator=sara"  # the token left the URL
    cookie = headers["Set-Cookie"]
    assert cookie.startswith(f"annotator-token-{served.port}={served.token};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    # It was printed once, at start, and is in no line the server logged after.
    wait_for(lambda: "GET /?token=" in served.printed(), 10, "the request in the log")
    assert served.printed().count(served.token) == 1


def test_the_servers_own_page_gets_its_session(start_server):
    """A client with the cookie and the server's own Origin: the app starts, one process for
    the tab (not a shell and the app), and what the tab sends is labelled under its name."""
    served = start_server()

    async def label_first_word():
        async with aiohttp.ClientSession(cookies=served.cookie) as session:
            async with session.ws_connect(f"{served.ws}ws/@sara{SIZE}",
                                          headers={"Origin": served.url.rstrip("/")}) as ws:
                await terminal_text(ws, "? keys")
                processes = app_processes(served.process)
                await ws.send_json(["stdin", "1"])
                wait_for(lambda: spans(served.db), 30, "the span")
                return processes

    assert len(asyncio.run(label_first_word())) == 1
    assert spans(served.db)[0][0] == "sara"


def test_another_name_for_the_server_is_allowed_only_when_named(start_server):
    served = start_server("--allow-host", "annotator.example")
    host = {"Host": f"annotator.example:{served.port}"}
    assert page_of(served.url, served.token, host)[0] == 200
    assert page_of(served.url, served.token, {"Host": "other.example"})[0] == 403
    # Behind a proxy that sends its own Host, the browser's Origin is the public name.
    status = asyncio.run(handshake(f"{served.ws}ws/@sara{SIZE}", served.cookie,
                                   {"Origin": "https://annotator.example"}))
    assert status == 101


@pytest.mark.parametrize("token", ["short", "a" * 15, "x" * 20 + "\x1b[2J", "é" * 20])
def test_a_weak_or_strange_token_is_refused_in_one_line(tmp_path, token):
    result = subprocess.run([ANNOTATOR, "serve", str(SEED), "--token", token], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "--token must be" in result.stderr
    assert "\x1b" not in result.stderr


async def sessions(served, names: list[str], until: str) -> list[str]:
    """Opens a session per name, all at once, and reads each tab's terminal until ``until`` or
    a refusal; returns what each showed, and holds them all open until all have answered."""
    async with aiohttp.ClientSession(cookies=served.cookie) as session:
        sockets = await asyncio.gather(*(session.ws_connect(f"{served.ws}ws/@{name}{SIZE}")
                                         for name in names))
        shown = await asyncio.gather(*(terminal_text(ws, until) for ws in sockets))
        running = len(app_processes(served.process))
        for ws in sockets:
            await ws.close()
        return shown, running


def test_fifty_tabs_start_no_more_apps_than_the_cap(start_server):
    served = start_server("--max-sessions", "3", "--max-per-name", "50")
    shown, running = asyncio.run(sessions(served, [f"user{i}" for i in range(50)], "? keys"))
    refused = [text for text in shown if "the most sessions it is allowed (3" in text]
    assert len(refused) == 47 and running == 3
    assert all("Close a tab" in text for text in refused)
    wait_for(lambda: not app_processes(served.process), 60, "the apps to end")


def test_one_name_gets_at_most_its_share(start_server):
    served = start_server("--max-sessions", "10", "--max-per-name", "2")
    shown, running = asyncio.run(sessions(served, ["sara"] * 3, "? keys"))
    assert running == 2
    assert sum("the most one name may have" in text for text in shown) == 1


def test_a_full_server_answers_the_page_with_why(start_server):
    served = start_server("--max-sessions", "1")

    async def page_while_full():
        async with aiohttp.ClientSession(cookies=served.cookie) as session:
            async with session.ws_connect(f"{served.ws}ws/@sara{SIZE}") as ws:
                await terminal_text(ws, "? keys")
                async with session.get(f"{served.url}?annotator=omar") as response:
                    return response.status, await response.text()

    status, page = asyncio.run(page_while_full())
    assert status == 503 and "the most sessions it is allowed (1" in page
    assert "data-session-websocket-url" not in page


def test_an_idle_tab_is_ended_and_told_why(start_server):
    served = start_server("--idle-timeout", "3")

    async def idle():
        async with aiohttp.ClientSession(cookies=served.cookie) as session:
            async with session.ws_connect(f"{served.ws}ws/@sara{SIZE}") as ws:
                await terminal_text(ws, "? keys")
                assert len(app_processes(served.process)) == 1
                return await terminal_text(ws, "Reload the page")

    assert "this tab was idle for 3 s, so its session ended" in asyncio.run(idle())
    wait_for(lambda: not app_processes(served.process), 30, "the idle app to end")


def test_a_client_that_never_finishes_its_headers_is_cut_off(start_server):
    served = start_server("--header-timeout", "1")
    half_open = []
    for _ in range(100):
        conn = socket.create_connection(("127.0.0.1", served.port), timeout=60)
        conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # and nothing more
        half_open.append(conn)
    try:
        # recv returns b"" when the server closes: each waits for that, or its 60 s bound.
        assert all(conn.recv(100) == b"" for conn in half_open)
    finally:
        for conn in half_open:
            conn.close()
    assert page_of(served.url, served.token)[0] == 200  # and the server still answers


def test_the_words_printed_at_start_give_the_address_with_its_token(start_server):
    served = start_server("--token", "a-team-token-of-24-chars")
    first = served.printed().splitlines()[0]
    assert re.fullmatch(rf"annotator: open http://127\.0\.0\.1:{served.port}/\?token="
                        r"a-team-token-of-24-chars", first)


# The rules themselves, without a server.
from annotator.web.guard import Guard, host_name, redact  # noqa: E402


@pytest.mark.parametrize("header, name", [("[::1]:8000", "::1"), ("LocalHost:80", "localhost"),
                                          ("example.org.", "example.org"), ("::1", "::1"),
                                          ("127.0.0.1", "127.0.0.1")])
def test_the_name_in_a_host_header(header, name):
    assert host_name(header) == name


def test_which_hosts_a_loopback_server_answers():
    guard = Guard(bound="127.0.0.1", port=8000, token="t" * 20, allowed=["Team.Example"])
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "127.0.0.2", "team.example"):
        assert guard.host_is_allowed(host), host
    for host in ("evil.example:8000", "10.0.0.5:8000", "", None, "localhost.evil.example",
                 "127.0.0.1.nip.io"):
        assert not guard.host_is_allowed(host), host


def test_a_public_server_answers_its_addresses_and_own_name_but_no_other_name():
    guard = Guard(bound="0.0.0.0", port=8000, token="t" * 20)
    assert guard.host_is_allowed("10.0.0.5:8000") and guard.host_is_allowed(socket.gethostname())
    assert not guard.host_is_allowed("evil.example:8000")
    assert Guard(bound="0.0.0.0", port=1, token="t" * 20, allowed=["*"]).host_is_allowed("x")


def test_the_log_never_holds_the_token():
    token = "s3cret-token-1234567"
    line = f'GET /?annotator=x&token={token} "Referer: http://h/?token={token}"'
    assert token not in redact(line, token)
    assert "token=[token]" in redact("GET /?token=guessed-other HTTP/1.1", token)


def test_a_message_nested_too_deeply_is_ignored_and_the_session_goes_on(start_server):
    """json.loads recurses once per bracket: such a message used to end the connection's
    handler with a RecursionError."""
    served = start_server()

    async def nested_then_a_label():
        async with aiohttp.ClientSession(cookies=served.cookie) as session:
            async with session.ws_connect(f"{served.ws}ws/@sara{SIZE}",
                                          headers={"Origin": served.url.rstrip("/")}) as ws:
                await terminal_text(ws, "? keys")
                await ws.send_str("[" * 100_000 + "]" * 100_000)
                await ws.send_json(["stdin", "1"])
                wait_for(lambda: spans(served.db), 30, "the span")

    asyncio.run(nested_then_a_label())
    assert spans(served.db)[0][0] == "sara"
    assert "RecursionError" not in served.printed()
