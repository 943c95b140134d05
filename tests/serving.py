"""A real ``annotator serve`` for end-to-end tests, in a process group of its own.

The server is started as a user starts it; its token is read off the address it prints, as a
user copies it.  Every server a test starts is ended with its group (its tabs' app processes).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_fbaffb694397fea6.txt"
ANNOTATOR = shutil.which("annotator")
needs_annotator = pytest.mark.skipif(not ANNOTATOR, reason="needs the installed annotator")
PRINTED_ADDRESS = re.compile(r"annotator: open (http://\S+/\?token=(\S+))")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str):
    """``check()`` once it is true; ``timeout`` only bounds a hang (a failing test)."""
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


def app_processes(server: subprocess.Popen) -> list[int]:
    """The processes in the server's process group other than the server: its tabs' apps."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != server.pid:
            try:
                if os.getpgid(int(entry.name)) == server.pid:
                    found.append(int(entry.name))
            except ProcessLookupError:
                pass
    return found


@dataclass
class Served:
    url: str  # http://127.0.0.1:PORT/
    address: str  # what the server printed: the url with ?token=
    token: str
    port: int
    db: Path
    log: Path
    process: subprocess.Popen

    @property
    def ws(self) -> str:
        return self.url.replace("http:", "ws:")

    @property
    def cookie(self) -> dict[str, str]:
        return {f"annotator-token-{self.port}": self.token}

    def printed(self) -> str:
        return self.log.read_bytes().decode("utf-8", "replace")


def page_of(url: str, token: str | None = None, headers: dict | None = None) -> tuple[int, str]:
    """Status and body of a GET, with the token (as a script sends it) if given."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"token {token}"
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


async def handshake(url: str, cookies: dict | None = None, headers: dict | None = None) -> int:
    """The HTTP status a websocket to ``url`` gets (101: the server took the session)."""
    async with aiohttp.ClientSession(cookies=cookies) as session:
        try:
            async with session.ws_connect(url, headers=headers):
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


async def terminal_text(ws: aiohttp.ClientWebSocketResponse, until: str, timeout: float = 60) -> str:
    """What the session's terminal shows (its bytes, as text) once it includes ``until``, or
    everything it got when it closed."""
    seen = b""
    async with asyncio.timeout(timeout):
        async for message in ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                seen += message.data
                if until.encode() in seen:
                    break
    return seen.decode("utf-8", "replace")


@pytest.fixture
def start_server(tmp_path):
    """``start(*options)`` starts ``annotator serve SEED`` and returns a ``Served``."""
    started = []

    def start(*options: str, paths: tuple[str, ...] = (str(SEED),)) -> Served:
        port = free_port()
        db = tmp_path / "team.db"
        log_path = tmp_path / f"server{len(started)}.log"
        log = open(log_path, "wb")
        process = subprocess.Popen([ANNOTATOR, "serve", *paths, "--port", str(port),
                                    "--db", str(db), *options],
                                   cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        started.append((process, log))
        found = wait_for(lambda: PRINTED_ADDRESS.search(log_path.read_text(errors="replace"))
                         or process.poll() is not None, 30, "the address the server prints")
        assert process.poll() is None, log_path.read_text(errors="replace")
        served = Served(f"http://127.0.0.1:{port}/", found.group(1), found.group(2), port, db,
                        log_path, process)

        def up():
            try:
                return page_of(served.url, served.token)[0] == 200
            except OSError:
                return False

        wait_for(up, 30, "the server")
        return served

    try:
        yield start
    finally:
        for process, log in started:
            end_group(process)
            log.close()
