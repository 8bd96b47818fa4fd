"""`make bench`: run every benchmark, print one table, write tests/perf/results.json.

Each figure is reported with the baseline measured in the same run (when it
has one), their ratio, and the goal from the issue that asked for it.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tests.perf import (
    bench_console,  # the investigator console in headless Chromium
    bench_export,
    bench_first_stream,
    bench_graph,
    bench_ingest,
    bench_keepup,
    bench_ledger_pg,
    bench_load,
    bench_query_gateway,
    bench_warnings,
    bench_watch,
)
from tests.perf.common import Figure

RESULTS = Path(__file__).with_name("results.json")


async def exports() -> list[Figure]:
    from tests.perf import bench_export_visual  # the visual writers' timings

    # The visual timings drive a browser through Playwright's sync API: off the event loop's thread.
    rows = bench_export.run() + await asyncio.to_thread(bench_export_visual.run)
    return [Figure(r["figure"], r["value"], r["unit"], r.get("baseline_name", ""), r.get("baseline", 0.0),
                   r.get("goal", "")) for r in rows]


def main(only: list[str]) -> None:
    """Every stage, or only those named (`python -m tests.perf.run exports`): their figures then
    replace the same figures in results.json and the rest of the file is kept."""
    console = Console()
    figures: list[Figure] = []
    failed: list[str] = []
    stages = (("ingest", bench_ingest.run), ("ingest-postgresql", bench_ledger_pg.run),
              ("query-gateway", bench_query_gateway.run), ("first-stream", bench_first_stream.run), ("load", bench_load.run),
              ("keepup", bench_keepup.run),
              ("graph", bench_graph.run), ("exports", exports), ("warnings-import", bench_warnings.run),
              ("watch", bench_watch.run), ("console", bench_console.run))
    unknown = set(only) - {name for name, _ in stages}
    if unknown:
        raise SystemExit(f"unknown stage(s) {', '.join(sorted(unknown))}; stages: {', '.join(n for n, _ in stages)}")
    if only and RESULTS.exists():
        figures = [Figure(**{k: v for k, v in f.items() if k != "ratio"})
                   for f in json.loads(RESULTS.read_text())["figures"]]
    for name, bench in stages:
        if only and name not in only:
            continue
        console.print(f"running [bold]{name}[/bold] …")
        try:
            fresh = asyncio.run(bench())
            names = {f.name for f in fresh}
            figures = [f for f in figures if f.name not in names] + fresh
        except Exception as exc:  # one broken benchmark must not cost the others' figures
            console.print_exception()
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
        _write(figures, failed)  # after every stage, so a long run keeps what it measured
    table = Table("figure", "value", "unit", "baseline (same run)", "ratio", "goal", title="regulink benchmarks")
    for f in figures:
        table.add_row(
            f.name, f"{f.value:,.2f}", f.unit,
            f"{f.baseline_name} = {f.baseline:,.2f}" if f.baseline else "",
            f"{f.ratio:.2f}" if f.ratio is not None else "", f.goal,
        )
    console.print(table)
    console.print(f"written to {RESULTS}")
    if failed:
        raise SystemExit("failed: " + "; ".join(failed))


def _write(figures: list[Figure], failed: list[str]) -> None:
    RESULTS.write_text(json.dumps({
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": len(os.sched_getaffinity(0)), "python": platform.python_version()},
        "figures": [{**f.__dict__, "ratio": f.ratio} for f in figures],
        "failed": failed,
    }, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
