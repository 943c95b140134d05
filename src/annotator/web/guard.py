"""Who may talk to ``annotator serve``: the Host, the Origin and the token, checked on every
request before any handler runs.

Without these, any web page the user visits can drive the server: a page on evil.example can
open ``ws://127.0.0.1:PORT/ws/@victim`` (browsers let a page open a websocket anywhere; the
server must check the Origin), and DNS rebinding makes evil.example itself resolve to
127.0.0.1, so the page's requests are same-origin to the browser and carry ``Host:
evil.example`` (the server must check the Host).  The token stops what gets past both: another
local user, a process that can reach the port, a page that guesses a name.  The design is
Jupyter's: a random token per start, printed in the URL; the first visit trades it for an
HttpOnly, SameSite=Strict cookie (JavaScript cannot read it, no other site's page sends it)
and is redirected to the same address without it, so it stays out of history and Referer.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import hdrs, web

__all__ = ["Guard", "new_token", "host_name", "redact"]

TOKEN_QUERY = "token"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})
_TOKEN_IN_TEXT = re.compile(r"(token=)[^&\s\"']+", re.IGNORECASE)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Refuse = Callable[[web.Request, int, str], web.StreamResponse]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def redact(text: str, token: str) -> str:
    """``text`` with the token, and anything given as ``token=``, hidden: for the log."""
    if token:
        text = text.replace(token, "[token]")
    return _TOKEN_IN_TEXT.sub(r"\1[token]", text)


def host_name(host_header: str) -> str:
    """The name or address in a Host header, without its port, lowercased: ``[::1]:8000`` ->
    ``::1``, ``Example.org.:80`` -> ``example.org``."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


@dataclass
class Guard:
    """The checks for one server.  ``bound`` is the address it listens on; ``allowed`` names
    more Host names it may be reached under (``--allow-host``; ``*`` for any, behind a proxy
    that checks the Host itself)."""

    bound: str
    port: int
    token: str
    allowed: Iterable[str] = ()
    names: frozenset[str] = field(init=False)
    allowed_names: frozenset[str] = field(init=False)
    any_host: bool = field(init=False)

    def __post_init__(self) -> None:
        allowed = {host_name(name) for name in self.allowed}
        self.any_host = "*" in allowed
        names = set(LOOPBACK_NAMES) | (allowed - {"*"})
        if self.reachable:
            # This machine's own names: an attacker's rebinding needs a name the attacker owns.
            names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        elif not _ip(self.bound):
            names.add(host_name(self.bound))
        self.names = frozenset(names)
        self.allowed_names = frozenset(allowed - {"*"})

    @property
    def reachable(self) -> bool:
        return host_name(self.bound) in WILDCARDS

    @property
    def cookie(self) -> str:
        # Cookies are not kept apart by port: two servers on one machine need two names.
        return f"annotator-token-{self.port}"

    def host_is_allowed(self, host_header: str | None) -> bool:
        if self.any_host:
            return True
        if not host_header:
            return False
        name = host_name(host_header)
        address = _ip(name)
        if address is None:
            return name in self.names
        # An address typed in the browser cannot be rebound: the page's origin is the address.
        if address.is_loopback or self.reachable:
            return True
        return address == _ip(host_name(self.bound))

    def origin_is_allowed(self, request: web.Request) -> bool:
        """A browser always sends Origin with a websocket; it must be this server's own.  A
        client that sends none is not a page in a browser (and still needs the token)."""
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None:
            return True
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False  # "null": a sandboxed frame, a file, a redirect across sites
        # The server's own address, or one named with --allow-host (a reverse proxy may send
        # its own Host while the browser's Origin is the public name).
        return (parts.netloc.lower() == (request.host or "").lower()
                or host_name(parts.netloc) in self.allowed_names)

    def has_token(self, request: web.Request) -> bool:
        given = [request.cookies.get(self.cookie, "")]
        scheme, _, value = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
        if scheme.lower() == "token":
            given.append(value.strip())
        return any(secrets.compare_digest(value.encode(), self.token.encode())
                   for value in given if value)

    def token_in_query(self, request: web.Request) -> bool:
        value = request.query.get(TOKEN_QUERY, "")
        return bool(value) and secrets.compare_digest(value.encode(), self.token.encode())

    def middleware(self, refuse: Refuse) -> Callable:
        @web.middleware
        async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
            if not self.host_is_allowed(request.headers.get(hdrs.HOST)):
                return refuse(request, 403, "This server is not known by the name in the address "
                              "bar. Open the address `annotator serve` printed, or start it with "
                              "--allow-host NAME.")
            if request.headers.get(hdrs.UPGRADE, "").lower() == "websocket" \
                    and not self.origin_is_allowed(request):
                return refuse(request, 403, "A page from another site may not open this "
                              "server's sessions.")
            if self.token_in_query(request):
                return self._trade_token_for_cookie(request)
            if not self.has_token(request):
                return refuse(request, 403, "This server needs the token it printed when it "
                              "started: open the whole address `annotator serve` printed (it "
                              "ends in ?token=...).")
            return await handler(request)

        return guard

    def _trade_token_for_cookie(self, request: web.Request) -> web.StreamResponse:
        """The same address without the token, with the token kept in the cookie."""
        query = request.url.query.copy()
        query.popall(TOKEN_QUERY)
        response = web.HTTPFound(request.rel_url.with_query(query))
        response.set_cookie(self.cookie, self.token, httponly=True, samesite="Strict", path="/")
        return response
