"""Visual export benchmarks: seconds to lay out and write the HTML page and the pictures of a
random visible subgraph, at 2k nodes / 6k edges and 10k nodes / 30k edges.

As bench_export.py: the same random subgraphs (tests/unit/export/conftest.py), written into a
sink that only counts bytes, median of RUNS. The layout is timed on its own too (every visual
writer runs it). When Playwright and Chromium are there, the time headless Chromium takes to
parse the page and draw it once is reported as well (software rendering, no GPU: a desktop
browser is faster).
"""

from __future__ import annotations

import io
import os
import statistics
import tempfile
import time
from pathlib import Path

from graph.export import FORMATS, ExportInfo
from graph.export.layout import layout
from tests.perf.bench_export import ByteCounter
from tests.unit.export.conftest import random_subgraph

SIZES = ((2_000, 6_000), (int(os.environ.get("REGULINK_BENCH_EXPORT_NODES", "10000")),
                          int(os.environ.get("REGULINK_BENCH_EXPORT_EDGES", "30000"))))
RUNS = 3
FORMATS_TIMED = ("html", "png", "svg", "pdf")
GOALS = {("html", 10_000): "<= 3 s (2 cores)"}


def _median(action) -> float:
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def _browser_seconds(page: bytes) -> float | None:
    """Seconds from navigation until the page has drawn once in headless Chromium, or None."""
    try:
        from playwright.sync_api import sync_playwright

        from tests.unit.export.test_html import CHROMIUM_FLAGS, _chromium
    except ImportError:
        return None
    executable = _chromium()
    if executable is None:
        return None
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        path = Path(folder) / "page.html"
        path.write_bytes(page)
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 900})
            began = time.perf_counter()
            tab.goto(path.as_uri())
            tab.wait_for_function("window.regulink && window.regulink.timings.rendered !== undefined",
                                  timeout=300_000)
            return time.perf_counter() - began
        finally:
            browser.close()


def run() -> list[dict]:
    rows = []
    for nodes, edges in SIZES:
        subgraph = random_subgraph(nodes, edges, seed=1)
        info = ExportInfo.for_subgraph(subgraph, "benchmark", "fsa-jp")
        scale = f"{len(subgraph.nodes) // 1000}k nodes / {len(subgraph.edges) // 1000}k edges"
        rows.append({"figure": f"layout (FR with a grid field), {scale} (median of {RUNS})",
                     "value": _median(lambda subgraph=subgraph: layout(subgraph)), "unit": "s", "goal": ""})
        for fmt in FORMATS_TIMED:
            sink = ByteCounter()

            def write(fmt=fmt, subgraph=subgraph, info=info):
                nonlocal sink
                sink = ByteCounter()
                FORMATS[fmt].writer(subgraph, info, sink)

            seconds = _median(write)
            rows.append({"figure": f"export {fmt}, {scale} (median of {RUNS})", "value": seconds, "unit": "s",
                         "goal": GOALS.get((fmt, nodes), "")})
            if fmt in ("html", "svg"):
                rows.append({"figure": f"export {fmt}, {scale}: file size", "value": sink.size / 1e6,
                             "unit": "MB", "goal": ""})
        page = io.BytesIO()
        FORMATS["html"].writer(subgraph, info, page)
        shown = _browser_seconds(page.getvalue())
        if shown is not None:
            rows.append({"figure": f"html, {scale}: load and first drawing in headless Chromium (no GPU)",
                         "value": shown, "unit": "s", "goal": ""})
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['figure']:<75} {row['value']:>8.2f} {row['unit']:<3} {row['goal']}")
