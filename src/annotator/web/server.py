"""``annotator serve``: the same app in web browsers, one app process per tab.

textual-serve runs a command for every browser tab that connects (xterm.js in the page,
the app's output over a websocket).  What is ours: the page (``templates/``), which loads no
font from outside the server and draws Arabic in a monospaced font that covers the
presentation forms (``fonts/``); the words printed at start, which say plainly that there is
no login; and the names people label under.

Unless the server was given one name for every tab, the landing page asks for a name
(``name_form.html``) and the tab's page is ``/?annotator=NAME``, which can be bookmarked.  The
page's websocket is ``/ws/@NAME`` (a path, because textual.js appends its own ``?width=``
query; the ``@`` keeps a name such as ``..`` from being read as a dot segment), and the tab's
app process is started with ``--annotator=NAME``.  A name from a browser is untrusted: it is
checked by the store's rule for names on both routes, and textual-serve starts the command
through a shell, so the name is quoted into it (``shlex``), never pasted.

Who may talk to the server at all (Host, Origin, token) is ``guard``; how many tabs may run is
``limits``; one tab's session, with its idle end, is ``session``.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import signal
import socket
import sys
from pathlib import Path
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server

from annotator.store import StoreError, check_name
from annotator.text.glyphs import neutralised
from annotator.web.guard import TOKEN_QUERY, Guard, redact
from annotator.web.limits import SessionLimits
from annotator.web.session import run_tab, say_and_close

__all__ = ["AnnotatorServer", "NO_LOGIN", "NOT_A_LOGIN"]

HERE = Path(__file__).resolve().parent
FONTS_ROUTE = "/annotator-fonts"
#: After textual-serve's "/ws": the tab's name, quoted, as one path segment.
NAME_SEGMENT = "/@"
NO_LOGIN = (
    "There is no login: the token in that address is the key, and anyone who has it can read "
    "and label the documents. Keep it on 127.0.0.1 and reach it through an SSH tunnel "
    "(ssh -L {port}:127.0.0.1:{port} server), or put it behind a reverse proxy with "
    "authentication."
)
NOT_A_LOGIN = "A name only says whose spans these are: anyone can type anyone's name."


class OneLineFormatter(logging.Formatter):
    """A log record as one line of inert text.  What the server logs comes from the network
    (request lines, headers, aiohttp's complaints about them), so control and bidi characters
    get visible stand-ins; an error is its type and message, not textual-serve's Rich
    traceback with local variables (a screenful for every malformed request); and the token,
    which a first visit's request line carries, is never written."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            message += f": {type(error).__name__}: {error}"
        message = redact(" ".join(message.split()), self.token)
        return f"annotator serve: {record.levelname.lower()}: {neutralised(message)}"


class AnnotatorServer(Server):
    """``argv`` is the app's command without a name; ``annotator`` fixes the name for every
    tab (a one-person server), else each tab names itself.  ``guard`` says who may talk to the
    server, ``limits`` how many tabs may run; a tab idle for ``idle_timeout`` seconds ends, and
    a client gets ``header_timeout`` seconds to send a request's headers."""

    def __init__(self, argv: list[str], host: str, port: int, *, guard: Guard,
                 limits: SessionLimits, annotator: str | None = None,
                 idle_timeout: float | None = None, header_timeout: float = 10.0,
                 title: str = "annotator") -> None:
        super().__init__(shlex.join(argv), host=host, port=port, title=title,
                         templates_path=HERE / "templates")
        self.argv = list(argv)
        self.annotator = annotator
        self.guard = guard
        self.limits = limits
        self.idle_timeout = idle_timeout
        self.header_timeout = header_timeout

    def initialize_logging(self) -> None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(OneLineFormatter(self.guard.token))
        logging.basicConfig(level="DEBUG" if self.debug else "INFO", handlers=[handler], force=True)

    def serve(self, debug: bool = False) -> None:
        """textual-serve's ``serve``, with aiohttp's keep-alive deadline as the header timeout:
        it closes a connection that has not sent a whole request within that many seconds of
        connecting (or of its last answer), however slowly the bytes trickle in."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        loop.add_signal_handler(signal.SIGINT, self.request_exit)
        loop.add_signal_handler(signal.SIGTERM, self.request_exit)
        web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False,
                    loop=loop, keepalive_timeout=self.header_timeout, print=lambda *args: None)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self.guard.middleware(self._refusal))
        app.router.add_static(FONTS_ROUTE, HERE / "fonts", name="annotator-fonts")
        app.router.add_get(f"/ws{NAME_SEGMENT}{{annotator}}", self.handle_websocket,
                           name="named-websocket")
        aiohttp_jinja2.get_env(app).globals["annotator_fonts_url"] = f"{FONTS_ROUTE}/"
        return app

    def _refusal(self, request: web.Request, status: int, problem: str) -> web.Response:
        return aiohttp_jinja2.render_template("refusal.html", request, {"problem": problem},
                                              status=status)

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The app's page for the name in ``?annotator=``, else the form that asks for one."""
        if self.annotator is not None:
            if "annotator" in request.query and request.query["annotator"] != self.annotator:
                return self._name_form(request, f"This server labels every tab as "
                                       f"«{neutralised(self.annotator)}» (it was started with "
                                       "--annotator).", 409, fixed=True)
            return await self._app_page(request, self.annotator, websocket="")
        given = request.query.get("annotator")
        if given is None:
            return self._name_form(request, "", 200)
        if not given.strip():
            return self._name_form(request, "Type the name you label under.", 400)
        try:
            name = check_name(given.strip(), "annotator")
        except StoreError as error:
            return self._name_form(request, f"Not a name you can label under: {error}.", 400,
                                   given)
        return await self._app_page(request, name, websocket=NAME_SEGMENT + quote(name, safe=""))

    async def _app_page(self, request: web.Request, name: str, websocket: str) -> web.StreamResponse:
        # A page whose session would be refused says so, instead of a terminal that closes.
        if (refused := self.limits.refusal(name)) is not None:
            return self._refusal(request, 503, refused)
        # textual-serve's own handler makes the page; these keys join its context.  Its URLs
        # start with the server's address (http://0.0.0.0:8000 with --public): ours are paths.
        router = request.app.router
        request[aiohttp_jinja2.REQUEST_CONTEXT_KEY] = {
            "annotator": name,
            "static_path": str(router["static"].url_for(filename="/")).rstrip("/") + "/",
            "websocket_path": str(router["websocket"].url_for()) + websocket,
        }
        return await super().handle_index(request)

    def _name_form(self, request: web.Request, problem: str, status: int, given: str = "",
                   *, fixed: bool = False) -> web.Response:
        # a refused name is shown with its control characters as visible stand-ins
        return aiohttp_jinja2.render_template(
            "name_form.html", request, {"problem": problem, "given": neutralised(given),
                                        "fixed": fixed, "not_a_login": NOT_A_LOGIN},
            status=status)

    def _websocket_name(self, request: web.Request) -> str:
        """The tab's name, checked again here: anyone can open a websocket without the page."""
        given = request.match_info.get("annotator")
        if self.annotator is not None:
            if given is not None:
                raise web.HTTPConflict(text="this server labels every tab under one name")
            return self.annotator
        if given is None:
            raise web.HTTPBadRequest(text="this server asks each tab for a name: open / first")
        try:
            return check_name(given, "annotator")
        except StoreError as error:
            raise web.HTTPBadRequest(text=str(error)) from None

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        """The tab's app process, started under the tab's name, if the limits allow one more."""
        name = self._websocket_name(request)
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if (refused := self.limits.admit(name)) is not None:
            await say_and_close(websocket, refused)
            return websocket
        # The command runs through a shell (textual-serve's AppService): the name is quoted
        # into it, and exec makes the app the shell's process, one process per tab, not two.
        command = "exec " + shlex.join([*self.argv, f"--annotator={name}"])
        try:
            await run_tab(websocket, request, command, self.download_manager, self.idle_timeout)
        finally:
            self.limits.release(name)
        return websocket

    def addresses(self) -> list[str]:
        """Where to open the server, token included: where it listens, or on a server that
        listens everywhere, this machine's name."""
        host = socket.gethostname() if self.guard.reachable else self.host
        if ":" in host:
            host = f"[{host}]"
        return [f"http://{host}:{self.port}/?{TOKEN_QUERY}={self.guard.token}"]

    async def on_startup(self, app: web.Application) -> None:
        # print, not Rich: a warning that wraps mid-sentence is easy to skim past
        for address in self.addresses():
            print(f"annotator: open {address}", flush=True)
        print(f"annotator: {NO_LOGIN.format(port=self.port)}", flush=True)
        print(f"annotator: {NOT_A_LOGIN}", flush=True)
        print(f"annotator: at most {self.limits.max_sessions} tabs at once "
              f"({self.limits.max_per_name} per name); Ctrl+C stops the server", flush=True)
