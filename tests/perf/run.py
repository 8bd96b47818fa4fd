"""`make bench`: run every benchmark, print one table, write tests/perf/results.json.

Each figure is reported with the baseline measured in the same run (when it
has one), their ratio, and the goal from the issue that asked for it.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tests.perf import bench_export, bench_graph, bench_ingest
from tests.perf.common import Figure

RESULTS = Path(__file__).with_name("results.json")


async def exports() -> list[Figure]:
    from tests.perf import bench_export_visual  # the visual writers' timings

    rows = bench_export.run() + bench_export_visual.run()
    return [Figure(r["figure"], r["value"], r["unit"], r.get("baseline_name", ""), r.get("baseline", 0.0),
                   r.get("goal", "")) for r in rows]


def main() -> None:
    console = Console()
    figures = []
    for name, bench in (("ingest", bench_ingest.run), ("graph", bench_graph.run), ("exports", exports)):
        console.print(f"running [bold]{name}[/bold] …")
        figures += asyncio.run(bench())
    table = Table("figure", "value", "unit", "baseline (same run)", "ratio", "goal", title="regulink benchmarks")
    for f in figures:
        table.add_row(
            f.name, f"{f.value:,.1f}", f.unit,
            f"{f.baseline_name} = {f.baseline:,.1f}" if f.baseline else "",
            f"{f.ratio:.2f}" if f.ratio is not None else "", f.goal,
        )
    console.print(table)
    RESULTS.write_text(json.dumps({
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": len(os.sched_getaffinity(0)), "python": platform.python_version()},
        "figures": [{**f.__dict__, "ratio": f.ratio} for f in figures],
    }, indent=2))
    console.print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
