"""The investigator console in headless Chromium (issue 17): how soon the page is usable, how long a one-hop
expansion takes from the click to the drawn nodes, and the canvas's frame time at 2,000 nodes.

On the generated graph of bench_graph (REGULINK_BENCH_NODES / _EDGES, 1M / 3M by default) behind a real
gateway process and a real `regulink console` process on loopback. Baselines in the same run: the
gateway's own one-hop Neighbourhood round trip through the SDK (what the console adds is the rest), and
an empty frame of the same page.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path

from gateway.ops import process
from gateway.sdk.client import AsyncClient, TlsFiles
from tests.e2e.consolekit import ConsoleProcess, browser, open_console
from tests.perf.bench_graph import BIG_EDGES, BIG_NODES, continuable_big_graph
from tests.perf.common import Figure, percentile

LOADS = 20
EXPANSIONS = 200
CANVAS_NODES, CANVAS_EDGES, FRAMES = 2000, 3000, 120


def _visible(rng: random.Random) -> str:
    while (i := rng.randrange(BIG_NODES)) % 3 == 0:  # every third generated node is AMBER for others
        pass
    return f"n{i}"


async def _page_interactive(page) -> list[float]:
    times = []
    for _ in range(LOADS):
        await page.page.reload()
        await page.ready()
        times.append(await page.page.evaluate("window.regulink.readyMs"))
    return times


async def _expansions(page, rng: random.Random) -> list[float]:
    times = []
    for _ in range(EXPANSIONS):
        key = _visible(rng)
        await page.page.evaluate("""key => { const c = window.regulink.canvas; c.clearAll({record: false});
            c.add({nodes: [{key, type: 'Organization', label: key, tlp: 'TLP:GREEN', agencies: [], roles: [],
                            first_ms: 1, last_ms: 1, cautions: 0, sources: 1}], edges: []}, null, {record: false});
            c.cy.getElementById(key).select(); window.regulink.lastExpansion = null; }""", key)
        await page.page.click("#expand")
        found = await page.until("window.regulink.lastExpansion", timeout=30)
        times.append(found["ms"])
    return times


async def _frames(page) -> tuple[list[float], list[float], list[float]]:
    """Frame times while panning and zooming: an empty canvas, then 2,000 nodes and 3,000 links (the first
    moves after adding them, then moves once cytoscape.js has cached what it draws)."""
    script = """async ([nodes, edges, frames]) => {
        const c = window.regulink.canvas, cy = c.cy;
        const measure = async () => { const times = []; let last = performance.now();
            for (let i = 0; i < frames; i++) {
                if (i % 2) cy.panBy({x: 7, y: -4}); else cy.zoom({level: cy.zoom() * (i % 4 ? 1.01 : 0.99),
                                                                 renderedPosition: {x: 400, y: 300}});
                await new Promise(r => requestAnimationFrame(r));
                const now = performance.now(); times.push(now - last); last = now; }
            return times; };
        c.clearAll({record: false});
        const empty = await measure();
        const els = [];
        for (let i = 0; i < nodes; i++) els.push({group: 'nodes', data: c.nodeData({key: 'b' + i, type: 'CryptoWallet',
            label: 'wallet ' + i, tlp: 'TLP:GREEN', agencies: [], roles: [], first_ms: 1, last_ms: 1, cautions: 0,
            sources: 1}), position: {x: (i % 50) * 60, y: Math.floor(i / 50) * 60}});
        for (let i = 0; i < edges; i++) { const a = i % nodes, b = (i * 7 + 13) % nodes;
            if (a !== b) els.push({group: 'edges', data: c.edgeData({id: 'e' + i, source: 'b' + a, target: 'b' + b,
                type: 'TRANSFERRED_TO', tlp: 'TLP:GREEN', agencies: [], score: 0, first_ms: 1})}); }
        cy.add(els); cy.fit();
        // The first full drawing of 2,000 nodes is a cost of adding them, not of panning: let it happen.
        for (let i = 0; i < 5; i++) await new Promise(r => requestAnimationFrame(r));
        await new Promise(r => setTimeout(r, 500));
        const first = await measure();  // cytoscape.js fills its label and element caches on the first moves
        const full = await measure();
        return [empty, first, full]; }"""
    return tuple(await page.page.evaluate(script, [CANVAS_NODES, CANVAS_EDGES, FRAMES]))


async def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        await continuable_big_graph(root)
        gateway = await process.start(root, "--log-level", "WARNING")
        console = None
        try:
            rng = random.Random(17)
            async with AsyncClient.connect(gateway.target, TlsFiles.for_agency(root / "tls", "fsa-jp")) as client:
                for _ in range(50):
                    await client.neighbourhood(_visible(rng), hops=1, node_limit=201)
                direct = []
                for _ in range(EXPANSIONS):
                    began = time.perf_counter()
                    await client.neighbourhood(_visible(rng), hops=1, node_limit=201)
                    direct.append((time.perf_counter() - began) * 1000)
            console = await ConsoleProcess.start("fsa-jp", gateway.target, root / "tls", root / "console")
            async with browser() as chromium:
                page = await open_console(chromium, console.first_link)
                for _ in range(3):  # warm-up: the browser's caches, the console's channel
                    await page.page.reload()
                    await page.ready()
                loads = await _page_interactive(page)
                await _expansions(page, random.Random(5))
                clicks = await _expansions(page, rng)
                empty, first, full = await _frames(page)
                await page.close()
        finally:
            if console is not None:
                await console.stop()
            await gateway.stop()
    graph = f"{BIG_NODES:,} nodes / {BIG_EDGES:,} edges"
    sdk = percentile(direct, 50)
    return [
        Figure(f"console: page interactive p50 ({graph})", percentile(loads, 50), "ms", goal="<= 1,000 ms"),
        Figure("console: one-hop expansion, click to drawn, p50", percentile(clicks, 50), "ms",
               "SDK Neighbourhood 1 hop p50", sdk, "<= 150 ms"),
        Figure("console: one-hop expansion, click to drawn, p99", percentile(clicks, 99), "ms",
               "SDK Neighbourhood 1 hop p50", sdk, "<= 500 ms"),
        Figure(f"console: frame time panning/zooming {CANVAS_NODES:,} nodes + {CANVAS_EDGES:,} links, p95",
               percentile(full, 95), "ms", "empty canvas p95", percentile(empty, 95), "<= 50 ms (usable)"),
        Figure("console: the first pan after adding them, time spent in frames over 50 ms",
               sum(t for t in first if t > 50), "ms"),
    ]


if __name__ == "__main__":
    for figure in asyncio.run(run()):
        print(figure)
