"""``annotator serve``: the same app in web browsers, one app process per tab.

textual-serve runs the command for every browser tab that connects (xterm.js in the page,
the app's output over a websocket).  Two things are ours: the page (``templates/``), which
loads no font from outside the server and draws Arabic in a monospaced font that covers the
presentation forms (``fonts/``), and the words printed at start, which say plainly that there
is no login.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server

__all__ = ["AnnotatorServer", "NO_LOGIN"]

HERE = Path(__file__).resolve().parent
FONTS_ROUTE = "/annotator-fonts"
NO_LOGIN = (
    "There is no login: anyone who can reach this address can read and label the documents. "
    "Keep it on 127.0.0.1 and reach it through an SSH tunnel (ssh -L 8000:127.0.0.1:8000 "
    "server), or put it behind a reverse proxy with authentication."
)


class AnnotatorServer(Server):
    def __init__(self, command: str, host: str, port: int, title: str = "annotator") -> None:
        super().__init__(command, host=host, port=port, title=title,
                         templates_path=HERE / "templates")

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_static(FONTS_ROUTE, HERE / "fonts", name="annotator-fonts")
        aiohttp_jinja2.get_env(app).globals["annotator_fonts_url"] = f"{FONTS_ROUTE}/"
        return app

    async def on_startup(self, app: web.Application) -> None:
        # print, not Rich: a warning that wraps mid-sentence is easy to skim past
        print(f"annotator: serving on {self.public_url}", flush=True)
        print(f"annotator: {NO_LOGIN}", flush=True)
        print("annotator: Ctrl+C stops the server", flush=True)
