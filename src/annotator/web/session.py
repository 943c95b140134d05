"""One browser tab's session: its websocket and the app process behind it.

textual-serve's own handler is rebuilt here, on its ``AppService`` (which starts the process
and speaks its packet protocol), for what a server on a network needs and it lacks: a tab that
sends nothing for ``idle_timeout`` seconds has its process ended and is told why; an app that
does not quit when asked is killed; a message that is not the page's JSON is ignored instead
of ending the handler; and a reason (a refusal, the idle end) is written into the tab's
terminal, where its person looks, after the app has restored the screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

__all__ = ["run_tab", "say_and_close", "STOP_GRACE"]

log = logging.getLogger("annotator.serve")
#: How long an app is given to quit when its tab goes, before it is killed.
STOP_GRACE = 10.0
#: What the page sends for its person; "ping" is not among them (it is no sign of a person).
ACTIVITY = frozenset({"stdin", "resize", "focus", "blur"})
ENDED = frozenset({WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR})


def _dimension(value: str | None, default: int) -> int:
    try:
        return min(max(int(value or default), 1), 1000)
    except (ValueError, TypeError):
        return default


async def say_and_close(websocket: web.WebSocketResponse, text: str) -> None:
    """``text`` on the tab's terminal (xterm.js draws the bytes it is sent), then the end."""
    with contextlib.suppress(ConnectionError, RuntimeError):
        await websocket.send_bytes(f"\r\n\x1b[0m annotator: {text}\r\n".encode())
        await websocket.close()


async def run_tab(websocket: web.WebSocketResponse, request: web.Request, command: str,
                  downloads: DownloadManager, idle_timeout: float | None) -> None:
    """Runs ``command`` for the tab until the tab or the app goes, or the tab is idle."""
    idle = False

    async def close() -> None:  # the app quit by itself (q): the tab's session is over
        if not idle:
            await websocket.close()

    service = AppService(command, write_bytes=websocket.send_bytes,
                         write_str=websocket.send_str, close=close, download_manager=downloads)
    await service.start(_dimension(request.query.get("width"), 80),
                        _dimension(request.query.get("height"), 24))
    try:
        idle = await _relay(websocket, service, idle_timeout)
    except asyncio.CancelledError:
        pass
    except Exception as error:  # noqa: BLE001 -- one tab's failure must not end the server
        log.exception(error)
    finally:
        await _stop(service)
    if idle:
        minutes = f"{idle_timeout / 60:g} minutes" if idle_timeout >= 60 else f"{idle_timeout:g} s"
        await say_and_close(websocket, f"this tab was idle for {minutes}, so its session ended "
                            "(everything is saved). Reload the page to go on.")


async def _relay(websocket: web.WebSocketResponse, service: AppService,
                 idle_timeout: float | None) -> bool:
    """Passes the page's messages to the app; True when the tab went idle."""
    loop = asyncio.get_running_loop()
    deadline = None if idle_timeout is None else loop.time() + idle_timeout
    while True:
        wait = None if deadline is None else max(deadline - loop.time(), 0)
        try:
            message = await websocket.receive(timeout=wait)
        except asyncio.TimeoutError:
            return True
        if message.type in ENDED:
            return False
        if message.type != WSMsgType.TEXT:
            continue
        try:
            kind, *data = json.loads(message.data)
        except (ValueError, TypeError, RecursionError):  # not the client's protocol: ignored
            continue
        if kind in ACTIVITY and deadline is not None:
            deadline = loop.time() + idle_timeout
        await _deliver(websocket, service, kind, data)


async def _deliver(websocket: web.WebSocketResponse, service: AppService, kind: object,
                   data: list) -> None:
    if kind == "stdin" and data and isinstance(data[0], str):
        await service.send_bytes(data[0].encode("utf-8"))
    elif kind == "resize" and data and isinstance(data[0], dict):
        size = data[0]
        await service.set_terminal_size(_dimension(size.get("width"), 80),
                                        _dimension(size.get("height"), 24))
    elif kind == "ping" and data:
        await websocket.send_json(["pong", data[0]])
    elif kind == "blur":
        await service.blur()
    elif kind == "focus":
        await service.focus()


async def _stop(service: AppService) -> None:
    """Asks the app to quit; kills it if it has not within STOP_GRACE."""
    try:
        await asyncio.wait_for(asyncio.shield(service.stop()), STOP_GRACE)
    except (asyncio.TimeoutError, ConnectionError):
        # AppService keeps its process to itself; killing it is the only way left.
        process = service._process  # noqa: SLF001
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
