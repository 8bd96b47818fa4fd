"""The console's ASGI application: pages, static assets, the JSON API, and the guard in front of them.

The guard (one plain ASGI middleware, so server-sent events stream through
it untouched) does, for every request:

1. Host: only the console's own host names are answered (a DNS-rebinding
   page on another name gets 421), then the security headers on every
   answer: a strict Content-Security-Policy (only this origin's scripts,
   styles, connections; no inline code, no frames, Trusted Types for every
   HTML sink), no sniffing, no referrer, no framing, no caching of answers.
2. Who: a session cookie (or, for the page itself, a one-time link token
   or a login) — otherwise 401, with a page that says how to get a link.
3. Where from: a request that changes anything must come from this origin
   (its Origin header), so no other site can drive the console.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs

import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from gateway.console import api
from gateway.console.access import LinkTokens, Sessions, Users
from gateway.console.alerts import AlertBook
from gateway.console.link import GatewayLink
from gateway.console.live import Feed
from gateway.console.proofs import Prover
from gateway.console.saved import Investigations

log = logging.getLogger("regulink.console")

STATIC = Path(str(resources.files("gateway.console") / "static"))
VENDOR = Path(str(resources.files("graph") / "export" / "vendor"))
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; font-src 'self'; "
       "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
       "require-trusted-types-for 'script'; trusted-types 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # Not no-referrer: with it, browsers send "Origin: null" on the page's own form posts (sign in and out),
    # which the origin check would refuse; nothing goes to another origin in either case.
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), usb=(), serial=()"),
]
PUBLIC = ("/static/", "/vendor/", "/fonts/", "/login", "/favicon.ico")
SAFE_METHODS = {"GET", "HEAD"}


@dataclass
class ConsoleState:
    link: GatewayLink
    saved: Investigations
    signer: Ed25519PrivateKey | None
    person: str  # who started a loopback console ("" beyond loopback: each login names its person)
    users: Users | None = None
    tls: bool = False
    hosts: set[str] = field(default_factory=set)  # Host header values answered; filled once the port is known
    tokens: LinkTokens = field(default_factory=LinkTokens)
    sessions: Sessions = field(default_factory=Sessions)
    feed: Feed | None = None
    alerts: AlertBook | None = None
    prover: Prover | None = None
    port: int = 0

    @property
    def cookie(self) -> str:
        # Browsers keep cookies per host, not per port: two consoles side by side on 127.0.0.1 (two agencies)
        # need names of their own. "__Host-" binds the cookie to this origin; browsers take it over HTTPS only.
        return f"{'__Host-' if self.tls else ''}regulink-console-{self.port}"

    def link_url(self, base: str) -> str:
        """A fresh one-time link (loopback)."""
        return f"{base}/?token={self.tokens.issue()}"


def _page(title: str, *paragraphs: str, status: int = 200) -> HTMLResponse:
    """A small server-made page (link expired, login), every text escaped, styled by the console's CSS."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return HTMLResponse(f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
                        f'</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/static/console.css">'
                        f'</head><body class="notice">'
                        f'<main><h1>{html.escape(title)}</h1>{body}</main></body></html>', status_code=status)


def _no_link(why: str, status: int = 401) -> HTMLResponse:
    return _page("This console link does not open", why,
                 "Each link printed by `regulink console` opens the console once, within 15 minutes. For a new "
                 "link, press Enter in the terminal where `regulink console` runs (or send it SIGUSR1); or stop it "
                 "and start it again. Nothing you saved is lost.", status=status)


class Guard:
    """Host check, security headers, session, origin check (see the module's docstring)."""

    def __init__(self, app, console: ConsoleState) -> None:
        self.app, self.console = app, console

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}

        async def send_secured(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        console = self.console
        if console.hosts and headers.get("host", "") not in console.hosts:
            await Response("not this console's address", status_code=421)(scope, receive, send_secured)
            return
        path, method = scope["path"], scope["method"]
        if method not in SAFE_METHODS:
            scheme = "https" if console.tls else "http"
            if headers.get("origin") != f"{scheme}://{headers.get('host', '')}":
                await Response("requests that change anything come from the console's own page",
                               status_code=403)(scope, receive, send_secured)
                return
        if not path.startswith(PUBLIC) and path != "/":
            session = console.sessions.get(_cookie(headers, console.cookie))
            if session is None:
                response = api._problem(401, "not signed in: open a new console link", code="UNAUTHENTICATED")
                await response(scope, receive, send_secured)
                return
            scope["console.person"] = session.person
        await self.app(scope, receive, send_secured)


def _cookie(headers: dict[str, str], name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _signed_in(request: Request, console: ConsoleState, person: str) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(console.cookie, console.sessions.open(person), httponly=True, samesite="strict",
                        secure=console.tls, path="/")
    return response


async def index(request: Request) -> Response:
    """The console page; or, with a one-time token, a session and a redirect to a clean URL."""
    console: ConsoleState = request.app.state.console
    token = parse_qs(request.url.query).get("token", [None])[0]
    if token is not None and console.users is None:
        if console.tokens.redeem(token):
            return _signed_in(request, console, console.person)
        return _no_link("This link was used already, has expired, or was never issued by this console.", 403)
    if console.sessions.get(request.cookies.get(console.cookie)) is None:
        if console.users is not None:
            return RedirectResponse("/login", status_code=303)
        return _no_link("Open the console with the link `regulink console` printed in its terminal.")
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


LOGIN_FORM = ('<form method="post" action="/login" class="login"><label>Name <input name="name" required '
              'autocomplete="username" autofocus></label><label>Password <input name="password" type="password" '
              'required autocomplete="current-password"></label><button type="submit">Sign in</button></form>')


async def login(request: Request) -> Response:
    console: ConsoleState = request.app.state.console
    if console.users is None:
        return _no_link("This console is opened with the link it printed, not with a login.", 404)
    failed = ""
    if request.method == "POST":
        # A two-field urlencoded form, parsed here (Starlette's form parser needs python-multipart).
        form = parse_qs((await request.body())[:4096].decode("utf-8", "replace"))
        name, password = form.get("name", [""])[0][:64], form.get("password", [""])[0][:1024]
        person = await asyncio.to_thread(console.users.check, name, password)
        if person is not None:
            log.info("%s signed in", person)
            return _signed_in(request, console, person)
        failed = '<p class="error">That name and password do not match.</p>'
    page = _page("regulink console: sign in", f"Agency {console.link.agency}.")
    return HTMLResponse(page.body.decode().replace("</main>", failed + LOGIN_FORM + "</main>"),
                        status_code=401 if failed else 200)


async def logout(request: Request) -> Response:
    console: ConsoleState = request.app.state.console
    console.sessions.close(request.cookies.get(console.cookie))
    response = RedirectResponse("/login" if console.users else "/", status_code=303)
    response.delete_cookie(console.cookie, path="/")
    return response


async def cjk_font(request: Request) -> Response:
    """Noto Sans CJK JP (SIL OFL 1.1), the font the picture exports ship (PyPI noto-cjk-sans-jp-regular):
    Japanese, Chinese and Korean names drawn on a machine without such a font, and no font from elsewhere.
    The page asks for it only when a name needs it (its unicode-range)."""
    try:
        from noto_cjk_sans_jp_regular import FONT_PATH
    except ImportError:
        return Response(status_code=404)
    return FileResponse(str(FONT_PATH), media_type="font/otf", headers={"Cache-Control": "max-age=604800"})


def build(console: ConsoleState) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        console.prover = Prover(console.link.agency, console.link.log_key_id)
        console.feed = Feed(console.link)
        console.feed.start()
        console.alerts = AlertBook(console.link, console.feed)
        console.alerts.start()
        try:
            yield
        finally:
            await console.alerts.stop()
            await console.feed.stop()

    post = ["POST"]
    routes = [
        Route("/", index),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=post),
        Route("/api/session", api.session, methods=post),
        Route("/api/status", api.status, methods=post),
        Route("/api/search", api.search, methods=post),
        Route("/api/entity", api.entity, methods=post),
        Route("/api/expand", api.expand, methods=post),
        Route("/api/paths", api.paths, methods=post),
        Route("/api/operators", api.operators, methods=post),
        Route("/api/overlaps", api.overlaps, methods=post),
        Route("/api/analyze", api.analyze, methods=post),
        Route("/api/verify", api.verify, methods=post),
        Route("/api/elements", api.elements, methods=post),
        Route("/api/export", api.export, methods=post),
        Route("/api/decide", api.decide, methods=post),
        Route("/api/investigations/list", api.investigations_list, methods=post),
        Route("/api/investigations/save", api.investigations_save, methods=post),
        Route("/api/investigations/open", api.investigations_open, methods=post),
        Route("/api/investigations/delete", api.investigations_delete, methods=post),
        Route("/api/alerts", api.alerts, methods=post),
        Route("/api/alerts/ack", api.alert_ack, methods=post),
        Route("/api/alerts/open", api.alert_open, methods=post),
        Route("/api/watch", api.watch_key, methods=post),
        Route("/api/live", api.live),
        Mount("/static", StaticFiles(directory=STATIC)),
        Route("/vendor/cytoscape.min.js", lambda request: FileResponse(VENDOR / "cytoscape.min.js",
                                                                       media_type="text/javascript")),
        Route("/fonts/cjk.otf", cjk_font),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.console = console
    app.add_middleware(Guard, console=console)
    return app



class ConsoleServer(uvicorn.Server):
    """uvicorn's server without its own signal handling: `regulink console` stops it on SIGINT/SIGTERM
    itself, then closes its gateway channels and stops a --with-gateway gateway."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield

    def stop_soon(self) -> None:
        self.force_exit = self.should_exit  # a second Ctrl+C does not wait for open pages
        self.should_exit = True
