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
"""

from __future__ import annotations

import copy
import logging
import shlex
import sys
from pathlib import Path
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server

from annotator.store import StoreError, check_name
from annotator.text.glyphs import neutralised

__all__ = ["AnnotatorServer", "NO_LOGIN", "NOT_A_LOGIN"]

HERE = Path(__file__).resolve().parent
FONTS_ROUTE = "/annotator-fonts"
#: After textual-serve's "/ws": the tab's name, quoted, as one path segment.
NAME_SEGMENT = "/@"
NO_LOGIN = (
    "There is no login: anyone who can reach this address can read and label the documents. "
    "Keep it on 127.0.0.1 and reach it through an SSH tunnel (ssh -L {port}:127.0.0.1:{port} "
    "server), or put it behind a reverse proxy with authentication."
)
NOT_A_LOGIN = "A name only says whose spans these are: anyone can type anyone's name."


class OneLineFormatter(logging.Formatter):
    """A log record as one line of inert text.  What the server logs comes from the network
    (request lines, headers, aiohttp's complaints about them), so control and bidi characters
    get visible stand-ins; an error is its type and message, not textual-serve's Rich
    traceback with local variables (a screenful for every malformed request)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            message += f": {type(error).__name__}: {error}"
        return f"annotator serve: {record.levelname.lower()}: {neutralised(' '.join(message.split()))}"


class AnnotatorServer(Server):
    """``argv`` is the app's command without a name; ``annotator`` fixes the name for every
    tab (a one-person server), else each tab names itself."""

    def __init__(self, argv: list[str], host: str, port: int, annotator: str | None = None,
                 title: str = "annotator") -> None:
        super().__init__(shlex.join(argv), host=host, port=port, title=title,
                         templates_path=HERE / "templates")
        self.argv = list(argv)
        self.annotator = annotator

    def initialize_logging(self) -> None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(OneLineFormatter())
        logging.basicConfig(level="DEBUG" if self.debug else "INFO", handlers=[handler], force=True)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_static(FONTS_ROUTE, HERE / "fonts", name="annotator-fonts")
        app.router.add_get(f"/ws{NAME_SEGMENT}{{annotator}}", self.handle_websocket,
                           name="named-websocket")
        aiohttp_jinja2.get_env(app).globals["annotator_fonts_url"] = f"{FONTS_ROUTE}/"
        return app

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

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        """The tab's app process, started under the tab's name (checked again here: anyone can
        open a websocket without the page)."""
        given = request.match_info.get("annotator")
        if self.annotator is not None:
            if given is not None:
                raise web.HTTPConflict(text="this server labels every tab under one name")
            name = self.annotator
        elif given is None:
            raise web.HTTPBadRequest(text="this server asks each tab for a name: open / first")
        else:
            try:
                name = check_name(given, "annotator")
            except StoreError as error:
                raise web.HTTPBadRequest(text=str(error)) from None
        # textual-serve's handler runs self.command through a shell: a copy of the server for
        # this connection carries the quoted command and shares everything else.
        tab = copy.copy(self)
        tab.command = shlex.join([*self.argv, f"--annotator={name}"])
        return await Server.handle_websocket(tab, request)

    async def on_startup(self, app: web.Application) -> None:
        # print, not Rich: a warning that wraps mid-sentence is easy to skim past
        print(f"annotator: serving on {self.public_url}", flush=True)
        print(f"annotator: {NO_LOGIN.format(port=self.port)}", flush=True)
        print(f"annotator: {NOT_A_LOGIN}", flush=True)
        print("annotator: Ctrl+C stops the server", flush=True)
