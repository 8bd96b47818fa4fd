"""The console on `make demo`'s data: the demo investigation (the README's screenshot), a gateway that goes
away and comes back (banner, reconnection, nothing lost on the canvas), and the one command `make demo`
prints, which starts a gateway of its own and stops it with the console.

Set REGULINK_SCREENSHOT=docs/console-demo.png to write the screenshot the README shows.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import signal
import socket
import sys
from importlib import resources
from pathlib import Path

import pytest

from gateway.cli import demo
from gateway.ops import process
from gateway.sdk.client import AsyncClient, TlsFiles, sign_for
from gateway.sdk.record_files import read_records
from tests.e2e.consolekit import ConsoleProcess, add_by_search, open_console, select

pytestmark = pytest.mark.slow
WALLET = demo.DEMO_WALLET


class Demo:
    def __init__(self, data: Path, gateway: process.GatewayProcess) -> None:
        self.data, self.gateway = data, gateway

    async def start(self, port: int = 0) -> None:
        args = ["--config", str(self.data / "gateway.toml"), "--log-level", "WARNING"]
        if port:
            args += ["--listen", f"127.0.0.1:{port}"]
        self.gateway = await process.start(self.data, *args)


@pytest.fixture(scope="module")
async def demo_data(tmp_path_factory):
    data = tmp_path_factory.mktemp("console-demo") / "demo-data"
    signing = demo.setup(data)
    found = Demo(data, None)
    await found.start()
    for agency, *_ in demo.AGENCIES:
        sample = Path(str(resources.files("gateway") / "samples" / f"{agency}.jsonl"))
        envelopes = [sign_for(r, [signing[agency]]) for _, r in read_records(sample, agency)]
        async with AsyncClient.connect(found.gateway.target, TlsFiles.for_agency(data / "tls", agency)) as client:
            assert all(hasattr(o, "log_index") for o in [o async for o in client.submit_stream(envelopes)])
            await client.wait_projected()
    yield found
    if found.gateway is not None:
        await found.gateway.stop()


async def test_the_demo_investigation_survives_the_gateway_going_away(demo_data, chromium, tmp_path):
    data = demo_data.data
    console = await ConsoleProcess.start("npa-cyber", demo_data.gateway.target, data / "tls", tmp_path,
                                         "--key", str(data / "agency-keys" / "npa-cyber.pem"),
                                         "--investigator", "Demo Investigator")
    page = await open_console(chromium, await console.new_link())
    try:
        await add_by_search(page, "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", WALLET)
        await select(page, WALLET)
        await page.page.click("#expand")
        await page.until("window.regulink.lastExpansion")
        await page.page.click("#operators")
        await page.until("document.getElementById('status').textContent.includes('unauthorized operator')")
        await page.page.click("#relayout")
        operator = "local:mas-sg/MAS-2026-0412:op"
        await page.page.evaluate(f"(() => {{ const cy = window.regulink.canvas.cy; cy.$(':selected').unselect();"
                                 f"cy.getElementById('{operator}').select(); }})()")
        await page.page.evaluate(f"window.regulink.card.showNode('{operator}')")
        await page.until("document.querySelectorAll('.proof.verified').length >= 1", timeout=30)
        await page.page.evaluate("document.fonts.ready")
        await asyncio.sleep(0.5)
        shot = tmp_path / "console-demo.png"
        await page.page.screenshot(path=str(shot))
        if os.environ.get("REGULINK_SCREENSHOT"):
            shutil.copyfile(shot, os.environ["REGULINK_SCREENSHOT"])
        before = sorted(await page.page.evaluate("window.regulink.canvas.cy.nodes().map(n => n.id())"))
        assert len(before) >= 5

        # The gateway goes away: a banner says so, a question fails with its reason, the canvas stays.
        port = demo_data.gateway.port
        await demo_data.gateway.stop()
        demo_data.gateway = None
        await page.until("!document.getElementById('gateway-banner').hidden", timeout=30)
        await select(page, operator)
        await page.page.click("#expand")
        await page.until("document.getElementById('status').classList.contains('error')")
        assert sorted(await page.page.evaluate("window.regulink.canvas.cy.nodes().map(n => n.id())")) == before

        # It comes back on the same address: the banner goes, the canvas is as it was, questions work again.
        await demo_data.start(port)
        await page.until("document.getElementById('gateway-banner').hidden", timeout=40)
        assert sorted(await page.page.evaluate("window.regulink.canvas.cy.nodes().map(n => n.id())")) == before
        await page.page.click("#expand")
        await page.until("document.getElementById('status').textContent.includes('neighbours shown')", timeout=30)
        await add_by_search(page, "Lumen Crest", operator)
        # Only the refused calls during the outage were errors on the page.
        assert all("503" in text for kind, text in page.problems()), page.problems()
        assert page.foreign == []
    finally:
        await page.close()
        assert await console.stop() == 0


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def test_make_demo_prints_the_one_command_that_opens_the_console(demo_data, chromium):
    data = demo_data.data
    if demo_data.gateway is not None:  # the command starts a gateway of its own on the same data
        await demo_data.gateway.stop()
        demo_data.gateway = None
    command = demo.console_command(data)
    words = shlex.split(command)
    assert Path(words[0]).name == "regulink" and words[1] == "console" and "--with-gateway" in words
    assert words[-1] == "--open" and str(data / "agency-keys" / "npa-cyber.pem") in words
    args = [w for w in words[2:] if w != "--open"]
    started = await asyncio.create_subprocess_exec(sys.executable, "-m", "gateway.cli.main", "console", *args,
                                                   stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE, env={**os.environ, "COLUMNS": "300"})
    try:
        link = ""
        while "/?token=" not in link:
            link = (await asyncio.wait_for(started.stdout.readline(), 90)).decode().strip()
            assert link or started.returncode is None
        page = await open_console(chromium, link)
        await add_by_search(page, "Lumen", "local:mas-sg/MAS-2026-0412:op")
        session = await page.call("/api/session")
        assert session["body"]["can_decide"] is True and session["body"]["agency"] == "npa-cyber"
        port = int(session["body"]["target"].rsplit(":", 1)[1])
        assert _listening(port)
        await page.close()
        assert page.problems() == []
    finally:
        started.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(started.wait(), 30) == 0
    assert not _listening(port)  # the console stopped the gateway it started
