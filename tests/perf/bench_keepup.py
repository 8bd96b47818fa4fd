"""Does the graph keep up? (issue 12) Projection against ingest, its cost as the graph grows, and
reads around a hub element against the same reads around an element of one record.

- push: PUSHED realistic records (tests/perf/realistic.py: organizations, wallets with valid
  checksums, persons, websites; 30 % touching one of 10 hubs; TLP mixed) streamed by three
  agencies into a gateway process; time until the last is in the graph against time until the
  last receipt (goal <= 1.2).
- growth: the same records folded by the projector alone in the batches the projector process
  uses; the per-record cost of the last 10k against the first 10k (goal <= 1.2).
- hub: HUB_RECORDS records all asserting one authority (as every OFAC row does), pushed and
  projected like the others; then GetEntity and a 1-hop Neighbourhood of it through gRPC against the same calls on an element of one record
  (interleaved, after a warm-up; goal p50 <= 3x).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from gateway.ops import process
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from gateway.server.collector import BatchCollector
from gateway.server.projection.worker import BATCH
from graph.embedded import EmbeddedArcadeDB
from graph.projector import Projector
from graph.store import GraphStore
from tests.perf.common import Figure, percentile, prepare_gateway, stream_all
from tests.perf.realistic import Realistic

PUSHED = int(os.environ.get("REGULINK_BENCH_PUSHED", "50000"))
HUB_RECORDS = int(os.environ.get("REGULINK_BENCH_HUB_RECORDS", "100000"))
AGENCIES = ("fsa-jp", "mas-sg", "npa-cyber")
CALLS = 300


async def _push(root: Path, gateway: process.GatewayProcess, signing: dict, generator: Realistic,
                count: int) -> tuple[float, float]:
    """`count` records of `generator`, signed by their agencies and streamed by the three at once into
    the gateway: (seconds until the last receipt, seconds until the last is in the graph)."""
    envelopes: dict[str, list] = {a: [] for a in AGENCIES}
    for record in generator.records(count):
        envelopes[record.agency_id].append(sign_record(record, [signing[record.agency_id]]))
    clients = {a: AsyncClient.connect(gateway.target, TlsFiles.for_agency(root / "tls", a)) for a in AGENCIES}
    try:
        began = time.perf_counter()
        last_index = await stream_all(clients, envelopes)
        acknowledged = time.perf_counter() - began
        while (await clients[AGENCIES[0]].graph_status()).projected_through < last_index:
            await asyncio.sleep(0.05)
        projected = time.perf_counter() - began
    finally:
        for client in clients.values():
            await client.close()
    return acknowledged, projected


async def push_figures(root: Path) -> list[Figure]:
    signing = prepare_gateway(root, list(AGENCIES))
    gateway = await process.start(root, "--log-level", "WARNING")
    try:
        acknowledged, projected = await _push(root, gateway, signing, Realistic(seed=12, agencies=AGENCIES), PUSHED)
    finally:
        await gateway.stop()
    return [
        Figure(f"{PUSHED:,}-record push: time until acknowledged", acknowledged, "s"),
        Figure(f"{PUSHED:,}-record push: time until projected", projected, "s", "time until acknowledged",
               acknowledged, "<= 1.2x"),
        Figure("ingest rate of that push", PUSHED / acknowledged, "records/s"),
    ]


async def growth_figures(root: Path) -> list[Figure]:
    items = Realistic(seed=12, agencies=AGENCIES).items(PUSHED)
    db = EmbeddedArcadeDB(root / "graph")
    store = await GraphStore.connect(await db.start())
    try:
        await store.setup()
        BatchCollector()  # the collector as the projector process has it
        projector = Projector(store)
        spent = []
        for i in range(0, len(items), BATCH):
            began = time.perf_counter()
            await projector.apply(items[i:i + BATCH])
            spent.append((time.perf_counter() - began) / len(items[i:i + BATCH]))
    finally:
        await store.close()
        await db.stop()
    tenth = max(1, 10_000 // BATCH)
    first, last = statistics.fmean(spent[:tenth]), statistics.fmean(spent[-tenth:])
    return [
        Figure(f"projection alone, {BATCH:,}-record batches, {PUSHED:,} records", 1 / statistics.fmean(spent),
               "records/s"),
        Figure("projection cost per record, last 10k", last * 1000, "ms", "first 10k", first * 1000, "<= 1.2x"),
    ]


async def hub_figures(root: Path) -> list[Figure]:
    """One authority asserted by HUB_RECORDS records, pushed and projected the way partners' records are,
    then read through the gateway against a one-record element."""
    signing = prepare_gateway(root, list(AGENCIES))
    generator = Realistic(seed=5, agencies=AGENCIES, hubs=1, hub_share=1.0)
    hub = generator.hub_keys[0]
    gateway = await process.start(root, "--log-level", "WARNING")
    try:
        _, projected = await _push(root, gateway, signing, generator, HUB_RECORDS)
        async with AsyncClient.connect(gateway.target, TlsFiles.for_agency(root / "tls", "npa-cyber")) as client:
            card = await client.entity(hub)
            plain = next(n.key for n in card.neighbours.nodes if n.key != hub and n.source_count == 1)
            calls = {
                "GetEntity": lambda key: client.entity(key),
                "1-hop Neighbourhood": lambda key: client.neighbourhood(key, hops=1),
            }
            timings = {(name, which): [] for name in calls for which in ("hub", "plain")}
            for round_ in range(CALLS + 50):  # interleaved: drift of the machine hits both alike
                for name, call in calls.items():
                    for which, key in (("hub", hub), ("plain", plain)):
                        t = time.perf_counter()
                        await call(key)
                        if round_ >= 50:
                            timings[(name, which)].append(time.perf_counter() - t)
            source_count = card.node.source_count
    finally:
        await gateway.stop()
    figures = [Figure(f"push and projection of {HUB_RECORDS:,} records on one hub", HUB_RECORDS / projected,
                      "records/s"),
               Figure("hub's visible source count on its card", source_count, "records")]
    for name in calls:
        hub_times, plain_times = timings[(name, "hub")], timings[(name, "plain")]
        figures.append(Figure(f"{name} of the hub ({HUB_RECORDS:,} records) p50", percentile(hub_times, 50) * 1000,
                              "ms", "same on a one-record element", percentile(plain_times, 50) * 1000, "<= 3x"))
    return figures


async def run() -> list[Figure]:
    figures = []
    for stage in (growth_figures, hub_figures, push_figures):
        with tempfile.TemporaryDirectory() as tmp:
            figures += await stage(Path(tmp))
    return figures


if __name__ == "__main__":
    for figure in asyncio.run(run()):
        print(figure)
