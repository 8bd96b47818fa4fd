"""Graph benchmarks on the embedded ArcadeDB: projection rate, 2-hop neighbourhood latency through
the gRPC QueryService on a large generated graph, resident memory of the database process.

Baselines measured in the same run: a bulk `UNWIND … CREATE` of bare nodes (what the database
itself can ingest) for projection, and a Bolt `RETURN 1` round trip for query latency.
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from pathlib import Path

from gateway.ledger.store import LedgerStore
from gateway.ops import process
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from gateway.server.collector import BatchCollector
from graph import bulk_arcadedb, provenance
from graph.embedded import EmbeddedArcadeDB
from graph.projector import Projector
from graph.store import GraphStore
from regulink.v1 import records_pb2
from tests.contract.graphgen import Generator
from tests.perf.common import Figure, percentile, prepare_gateway

PROJECTED = int(os.environ.get("REGULINK_BENCH_PROJECTED", "20000"))
REPLAYED = int(os.environ.get("REGULINK_BENCH_REPLAYED", "100000"))
BIG_NODES = int(os.environ.get("REGULINK_BENCH_NODES", "1000000"))
BIG_EDGES = int(os.environ.get("REGULINK_BENCH_EDGES", "3000000"))
QUERIES = 2000


async def projection_figures(root: Path) -> list[Figure]:
    db = EmbeddedArcadeDB(root / "graph")
    endpoint = await db.start()
    store = await GraphStore.connect(endpoint)
    try:
        await store.setup()
        # Baseline: the database's own bulk create of bare nodes.
        rows = [{"key": f"b{i}"} for i in range(20000)]
        began = time.perf_counter()
        for i in range(0, len(rows), 5000):
            await store.run("UNWIND $rows AS row CREATE (:Bare {key: row.key})", rows=rows[i:i + 5000])
        bulk = len(rows) / (time.perf_counter() - began)
        await store.run("MATCH (n:Bare) DETACH DELETE n")

        items = Generator(3, wallets=4000, domains=1500).run(PROJECTED)
        BatchCollector()  # the collector as the projector process and the rebuild command have it
        projector = Projector(store)
        began = time.perf_counter()
        for i in range(0, len(items), 1000):
            await projector.apply(items[i:i + 1000])
        first = len(items) / (time.perf_counter() - began)
        await store.clear()
        await store.setup()
        items = Generator(3, wallets=20000, domains=7500).run(REPLAYED)
        began = time.perf_counter()
        await projector.rebuild([items[i:i + 5000] for i in range(0, len(items), 5000)])
        replay = len(items) / (time.perf_counter() - began)
    finally:
        await store.close()
        await db.stop()
    return [
        Figure("bulk UNWIND CREATE of bare nodes (database baseline)", bulk, "nodes/s"),
        Figure(f"incremental projection, 1,000-record batches ({PROJECTED:,} records)", first, "records/s",
               "bulk create", bulk),
        Figure(f"rebuild (replay of {REPLAYED:,} records into an empty graph, bulk path)", replay, "records/s",
               "bulk create", bulk,
               ">= 20,000 records/s"),
    ]


async def load_big_graph(store: GraphStore, nodes: int, edges: int) -> None:
    """A generated graph with the projector's property layout (readers, src), loaded in bulk."""
    rng = random.Random(9)
    agencies = ["fsa-jp", "mas-sg", "tokyo-metro", "npa-cyber"]

    def source(i: int) -> str:
        agency = agencies[i % 4]
        readers = ["*"] if i % 3 else [agency, agencies[(i + 1) % 4]]
        entry = {"record": f"{agency}/r{i // 50}", "agency": agency, "version": 1, "log_index": i // 50,
                 "tlp": 2 if i % 3 else 3, "readers": readers, "seen_ms": 1764000000000 + i,
                 "facts": {"name": f"Entity {i}"}}
        # One source each, as the projector stores it (graph.provenance): a head, no pages, no tally.
        return {"readers": readers, "src": [provenance.encode(entry)]}

    entities = [{"key": f"n{i}", **source(i), "names": [f"entity {i}"], "agency_count": 1} for i in range(nodes)]
    links = []
    for i in range(edges):
        a = rng.randrange(nodes)
        b = (a + rng.randrange(1, 50)) % nodes if rng.random() < 0.8 else rng.randrange(nodes)
        links.append({"source": f"n{a}", "target": f"n{b}", **source(i)})
    # The rebuild's own bulk path (ArcadeDB batch endpoint): minutes faster than UNWIND … CREATE;
    # the layout mark first, as a rebuild sets it, or the gateway would clear this graph as foreign.
    await store.set_watermark(-1)
    await bulk_arcadedb.load(store.endpoint, {"Organization": entities}, {"ASSOCIATED_WITH": links}, [], [], [], [],
                             store._ensure_node_type)


async def continuable_big_graph(root: Path) -> float:
    """bench_graph's generated graph, marked as projected through a real first ledger entry: a gateway
    continues a graph only when its watermark names an entry of its ledger (gateway.server.projection.rebuild),
    and empties any other. The seconds the bulk load took."""
    signing = prepare_gateway(root, ["fsa-jp", "mas-sg", "tokyo-metro", "npa-cyber"])
    gateway = await process.start(root, "--log-level", "WARNING")
    try:
        async with AsyncClient.connect(gateway.target, TlsFiles.for_agency(root / "tls", "fsa-jp")) as client:
            record = records_pb2.CaseRecord(record_id="bench-first", agency_id="fsa-jp", version=1,
                                            tlp=records_pb2.TLP_GREEN, summary="the ledger's first entry")
            record.issued_at.GetCurrentTime()
            record.entities.add(ref="w", type=records_pb2.ENTITY_TYPE_CRYPTO_WALLET).identifiers.add(
                kind="wallet", scheme="ETH", value="0x" + "5a" * 20)
            await client.submit(sign_record(record, [signing["fsa-jp"]]))
            await client.wait_projected()
    finally:
        await gateway.stop()
    ledger = LedgerStore(root / "ledger.db", readonly=True)
    first = ledger.entry(0)
    ledger.close()
    db = EmbeddedArcadeDB(root / "graph")
    store = await GraphStore.connect(await db.start())
    try:
        began = time.perf_counter()
        await load_big_graph(store, BIG_NODES, BIG_EDGES)
        loaded = time.perf_counter() - began
        await store.set_watermark(0, first.leaf_hash)
    finally:
        await store.close()
        await db.stop()
    return loaded


async def query_figures(root: Path) -> list[Figure]:
    load_seconds = await continuable_big_graph(root)
    # The load leaves ~800 MB of dirty pages; without this their writeback would run
    # during the measured queries (a cost of setting up the benchmark, not of answering).
    await asyncio.to_thread(os.sync)

    gateway = await process.start(root, "--log-level", "WARNING")
    try:
        async with AsyncClient.connect(gateway.target, TlsFiles.for_agency(root / "tls", "fsa-jp")) as client:
            rng = random.Random(4)

            def visible_key() -> str:  # every third generated node is AMBER for two other agencies
                while (i := rng.randrange(BIG_NODES)) % 3 == 0:
                    pass
                return f"n{i}"

            for _ in range(50):  # warm-up
                await client.neighbourhood(visible_key(), hops=2)
            baseline, latencies, sizes = [], [], []
            for _ in range(QUERIES):
                key = visible_key()
                began = time.perf_counter()
                await client.graph_status()
                baseline.append(time.perf_counter() - began)
                began = time.perf_counter()
                subgraph = await client.neighbourhood(key, hops=2)
                latencies.append(time.perf_counter() - began)
                sizes.append(len(subgraph.nodes))
        rss = _rss_of_child(gateway.process.pid)
    finally:
        await gateway.stop()
    rtt = percentile(baseline, 50) * 1000
    return [
        Figure(f"bulk load {BIG_NODES:,} nodes + {BIG_EDGES:,} edges", load_seconds, "s"),
        Figure("gRPC round trip p50 (GetGraphStatus, no database)", rtt, "ms"),
        Figure(f"2-hop neighbourhood p50 via gRPC (mean {sum(sizes) / len(sizes):.0f} nodes)",
               percentile(latencies, 50) * 1000, "ms", "gRPC round trip", rtt, "<= 5 ms"),
        Figure("2-hop neighbourhood p99 via gRPC", percentile(latencies, 99) * 1000, "ms", "gRPC round trip", rtt,
               "<= 25 ms"),
        Figure("resident memory of the ArcadeDB process", rss / 2**30, "GiB", goal="<= 2 GiB"),
    ]


def _rss_of_child(gateway_pid: int) -> int:
    """RSS of the java child of the gateway."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"ArcadeDBServer" in cmdline and f"PPid:\t{gateway_pid}" in status:
            return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) * 1024
    return 0


async def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        figures = await projection_figures(Path(tmp) / "projection")
    with tempfile.TemporaryDirectory() as tmp:
        figures += await query_figures(Path(tmp))
    return figures


if __name__ == "__main__":
    for figure in asyncio.run(run()):
        print(figure)
