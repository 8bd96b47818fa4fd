"""Export benchmarks (data formats): seconds to write a 10k-node / 30k-edge visible subgraph.

Each writer runs three times on the same random subgraph (tests/unit/export/conftest.py:
mixed types, Japanese names, several agencies and markings) into a sink that only counts
bytes, so the figure is the writer's own time, not the disk's; the median is reported with
the file size. The visual formats (HTML, pictures) are timed in bench_export_visual.py.
"""

from __future__ import annotations

import io
import os
import statistics
import time

import networkx as nx

from graph.export import FORMATS, ExportInfo
from graph.export.meta import edge_fields, flat, node_fields
from tests.unit.export.conftest import random_subgraph

NODES = int(os.environ.get("REGULINK_BENCH_EXPORT_NODES", "10000"))
EDGES = int(os.environ.get("REGULINK_BENCH_EXPORT_EDGES", "30000"))
RUNS = 3
DATA_FORMATS = ("graphml", "gexf", "cytoscape", "node-link", "csv", "stix")
GOALS = {"graphml": "<= 3 s (2 cores)"}


class ByteCounter(io.RawIOBase):
    """A sink that only counts bytes, so a figure is the writer's own time, not the disk's."""

    def __init__(self):
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.size += len(b)
        return len(b)


def networkx_graphml_seconds(subgraph) -> float:
    """Baseline: networkx's own GraphML writer on the same nodes, edges and flat fields."""
    graph = nx.MultiDiGraph()
    for key, node in subgraph.nodes.items():
        graph.add_node(key, **flat(node_fields(node)))
    for edge in subgraph.edges.values():
        graph.add_edge(edge.source, edge.target, key=edge.type, **flat(edge_fields(edge)))
    began = time.perf_counter()
    nx.write_graphml(graph, ByteCounter())
    return time.perf_counter() - began


def run() -> list[dict]:
    subgraph = random_subgraph(NODES, EDGES, seed=1)
    info = ExportInfo.for_subgraph(subgraph, "benchmark", "fsa-jp")
    baseline = networkx_graphml_seconds(subgraph)
    rows = [{"figure": "networkx write_graphml of the same graph (baseline)", "value": baseline, "unit": "s",
             "goal": ""}]
    for fmt in DATA_FORMATS:
        times, size = [], 0
        for _ in range(RUNS):
            sink = ByteCounter()
            began = time.perf_counter()
            FORMATS[fmt].writer(subgraph, info, sink)
            times.append(time.perf_counter() - began)
            size = sink.size
        scale = f"{len(subgraph.nodes) // 1000}k nodes / {len(subgraph.edges) // 1000}k edges"
        rows.append({"figure": f"export {fmt}, {scale} (median of {RUNS})", "value": statistics.median(times),
                     "unit": "s", "goal": GOALS.get(fmt, ""), "baseline_name": "networkx write_graphml",
                     "baseline": baseline})
        rows.append({"figure": f"export {fmt}, {scale}: file size", "value": size / 1e6, "unit": "MB", "goal": ""})
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['figure']:<60} {row['value']:>8.2f} {row['unit']:<3} {row['goal']}")
