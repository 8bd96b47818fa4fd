"""What the console's browser tests share: a real `regulink console` process, headless Chromium, and a page
that records every request, response, console message and download it sees.

The console runs as its own process (`python -m gateway.cli.main console …`), against a real gateway over
mTLS; a test asks it for a fresh one-time link with SIGUSR1, as a person presses Enter in its terminal.
Chromium is found as the HTML export's tests find it (tests/unit/export/test_html.py); without it, or
without Playwright, the tests skip and say why.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.sdk.client import sign_for
from regulink.v1 import records_pb2
from tests.e2e.conftest import projected

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions", "--mute-audio"]


def chromium() -> str | None:
    for candidate in (os.environ.get("REGULINK_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@contextlib.asynccontextmanager
async def browser():
    async_api = pytest.importorskip("playwright.async_api", reason="Playwright is not installed (pip install playwright)")
    executable = chromium()
    if executable is None:
        pytest.skip("no Chromium found (Debian: apt-get install -y chromium; or set REGULINK_CHROMIUM)")
    async with async_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            await launched.close()


class ConsoleProcess:
    """`regulink console` as a child process; its links come from its stdout, its log goes to a file."""

    def __init__(self, process: asyncio.subprocess.Process, log_path: Path) -> None:
        self.process, self.log_path = process, log_path
        self.links: asyncio.Queue[str] = asyncio.Queue()
        self.base = ""
        self._reader: asyncio.Task | None = None

    @classmethod
    async def start(cls, agency: str, target: str, tls_dir: Path, folder: Path, *extra: str,
                    timeout: float = 60) -> ConsoleProcess:
        folder.mkdir(parents=True, exist_ok=True)
        log_path = folder / f"console-{agency}.log"
        environment = {**os.environ, "REGULINK_LOG_LEVEL": "INFO", "COLUMNS": "200"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway.cli.main", "console", "--as", agency, "--target", target, "--tls-dir",
            str(tls_dir), "--state-dir", str(folder / f"state-{agency}"), *extra,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=log_path.open("wb"),
            env=environment)
        console = cls(process, log_path)
        console._reader = asyncio.create_task(console._read())
        try:
            first = await asyncio.wait_for(console.links.get(), timeout)
        except asyncio.TimeoutError:
            await console.stop()
            raise AssertionError(f"the console did not start: {log_path.read_text()[-2000:]}") from None
        console.base = first.split("/?", 1)[0]
        console.first_link = first
        return console

    async def _read(self) -> None:
        while line := await self.process.stdout.readline():
            text = line.decode().strip()
            if "/?token=" in text:
                await self.links.put(text)

    async def new_link(self) -> str:
        """A fresh one-time link (what pressing Enter in the console's terminal prints)."""
        self.process.send_signal(signal.SIGUSR1)
        return await asyncio.wait_for(self.links.get(), 10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), 20)
        except asyncio.TimeoutError:
            self.process.kill()
            code = await self.process.wait()
        if self._reader:
            await self._reader
        return code


@dataclass
class Opened:
    """One browser context on a console, with everything it saw."""

    context: object
    page: object
    base: str
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    bodies: list[tuple[str, bytes]] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)
    downloads: list[bytes] = field(default_factory=list)
    _pending: list[asyncio.Task] = field(default_factory=list)

    def problems(self) -> list[tuple[str, str]]:
        return [(kind, text) for kind, text in self.messages if kind in ("error", "warning", "pageerror")]

    async def until(self, script: str, timeout: float = 20) -> object:
        """Poll a JavaScript expression until it is truthy (the page's CSP forbids Playwright's eval-based
        wait_for_function, as it should)."""
        deadline = time.monotonic() + timeout
        while True:
            value = await self.page.evaluate(script)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"still false after {timeout}s: {script}")
            await asyncio.sleep(0.05)

    async def ready(self) -> None:
        await self.until("!!(window.regulink && window.regulink.ready)")

    async def network_text(self) -> str:
        await asyncio.gather(*self._pending, return_exceptions=True)
        return "\n".join(body.decode("utf-8", "replace") for _, body in self.bodies)

    async def call(self, path: str, body: dict | None = None) -> dict:
        """A JSON API call from inside the page (same origin, same session), as the page's code makes it."""
        return await self.page.evaluate(
            """async ([path, body]) => {
                const r = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                                             body: JSON.stringify(body)});
                return {status: r.status, body: await r.json()};
            }""", [path, body or {}])

    async def download(self, fmt: str) -> tuple[str, bytes]:
        """Export the current view in `fmt` through the page's own button; the file's name and bytes."""
        await self.page.select_option("#export-format", fmt)
        async with self.page.expect_download(timeout=60_000) as waiting:
            await self.page.click("#export")
        download = await waiting.value
        data = Path(await download.path()).read_bytes()
        self.downloads.append(data)
        return download.suggested_filename, data

    async def close(self) -> None:
        await asyncio.gather(*self._pending, return_exceptions=True)
        await self.context.close()


async def open_console(chromium_browser, link: str, *, ready: bool = True) -> Opened:
    base = link.split("/?", 1)[0]
    context = await chromium_browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True,
                                                 service_workers="block")
    page = await context.new_page()
    opened = Opened(context, page, base)

    async def route(request_route):
        url = request_route.request.url
        if url.startswith(base + "/") or url.startswith(("blob:", "data:")):
            await request_route.continue_()
        else:  # nothing may leave the console's origin; what tries is recorded and stopped
            opened.foreign.append(url)
            await request_route.abort()

    await context.route("**/*", route)
    context.on("request", lambda request: opened.requests.append(request.url))

    def on_response(response) -> None:
        if "/api/live" in response.url or "/fonts/" in response.url or "/vendor/" in response.url:
            return  # an endless event stream; the fonts and the vendored library hold no data

        async def keep() -> None:
            with contextlib.suppress(Exception):
                opened.bodies.append((response.url, await response.body()))

        opened._pending.append(asyncio.ensure_future(keep()))

    page.on("response", on_response)
    page.on("console", lambda message: opened.messages.append((message.type, message.text)))
    page.on("pageerror", lambda error: opened.messages.append(("pageerror", str(error))))
    await page.goto(link)
    if ready:
        await opened.ready()
    return opened


async def add_by_search(opened: Opened, text: str, key: str) -> None:
    """Type into the search, wait for the hit with this key, pick it: the node is on the canvas."""
    await opened.page.fill("#search-input", text)
    await opened.page.wait_for_selector(f'#search-results[aria-busy="false"] li[data-key="{key}"]', timeout=20_000)
    await opened.page.click(f'#search-results li[data-key="{key}"]')
    await opened.until(f"window.regulink.canvas.has({json.dumps(key)})")


async def select(opened: Opened, *keys: str) -> None:
    await opened.page.evaluate("""keys => { const cy = window.regulink.canvas.cy; cy.$(':selected').unselect();
                                            keys.forEach(k => cy.getElementById(k).select()); }""", list(keys))


async def capture_live(opened: Opened) -> None:
    """A second event stream in the page that keeps every live event the console pushes to it
    (`live_events`): what a page is told, beside what it shows and fetches. The page's own is left alone.
    Returns once the console has sent the stream's first event (its status, sent once the stream is
    registered): an event published after this reaches the capture."""
    await opened.page.evaluate("""() => new Promise((registered) => { window.__live = [];
        new EventSource('/api/live').onmessage = (message) => {
            window.__live.push(message.data); registered(); }; })""")


async def live_events(opened: Opened) -> list[dict]:
    return [json.loads(data) for data in await opened.page.evaluate("window.__live")]


async def canvas_keys(opened: Opened) -> set[str]:
    return set(await opened.page.evaluate("window.regulink.canvas.cy.nodes().map(n => n.id())"))


# -- records the console tests push ------------------------------------------------------------------

def wallet_address() -> str:
    return "0x" + secrets.token_hex(20)


def record(agency: str, record_id: str, tlp=records_pb2.TLP_GREEN, share_with=()) -> records_pb2.CaseRecord:
    issued = Timestamp()
    issued.GetCurrentTime()
    return records_pb2.CaseRecord(record_id=record_id, agency_id=agency, case_reference="CONSOLE-TESTS", version=1,
                                  issued_at=issued, tlp=tlp, share_with=list(share_with),
                                  summary="console test record")


def org(found: records_pb2.CaseRecord, ref: str, name: str, *, domain: str = "", operator: bool = False):
    entity = found.entities.add(ref=ref, type=records_pb2.ENTITY_TYPE_ORGANIZATION, name=name)
    if domain:
        entity.identifiers.add(kind="domain", value=domain)
    if operator:
        entity.roles.append(records_pb2.ENTITY_ROLE_UNAUTHORIZED_OPERATOR)
    return entity


def wallet_entity(found: records_pb2.CaseRecord, ref: str, address: str):
    entity = found.entities.add(ref=ref, type=records_pb2.ENTITY_TYPE_CRYPTO_WALLET)
    entity.identifiers.add(kind="wallet", scheme="ETH", value=address)
    return entity


async def push(env, *found: records_pb2.CaseRecord) -> list:
    """Sign each record with its agency's key, submit it, and wait until the graph holds them all."""
    receipts = []
    for each in found:
        receipts.append(await env.client(each.agency_id).submit(sign_for(each, [env.signing[each.agency_id]])))
    await projected(env)
    return receipts
