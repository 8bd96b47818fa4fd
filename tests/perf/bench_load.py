"""Mixed load (issue 6): several partner streams pushing while investigators query the graph.

One gateway process with its embedded graph. First the investigators' latency with the gateway
otherwise idle (the baseline, same run), then the same questions while three agencies stream
records at full speed: the figures say what ingest keeps and what the queries lose.
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from pathlib import Path

from gateway.ops import process
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from regulink.v1 import exchange_pb2
from tests.e2e.conftest import make_record
from tests.perf.common import Figure, percentile, prepare_gateway

PARTNERS = ("fsa-jp", "mas-sg", "tokyo-metro")
INVESTIGATORS = 2
SEED = int(os.environ.get("REGULINK_BENCH_LOAD_SEED", "1000"))  # records per partner before the clock
STREAMED = int(os.environ.get("REGULINK_BENCH_LOAD_RECORDS", "5000"))  # records per partner under load
IDLE_QUERIES = 300


def wallet_key(record) -> str:
    return f"wallet:ETH:{record.entities[1].identifiers[0].value.lower()}"


async def ask(client: AsyncClient, keys: list[str], rng: random.Random, latencies: list[float]) -> None:
    key = rng.choice(keys)
    began = time.perf_counter()
    if rng.random() < 0.8:
        await client.neighbourhood(key, hops=2)
    else:
        await client.search(key.rsplit(":", 1)[1])
    latencies.append(time.perf_counter() - began)


async def investigate(client, keys, seed: int, latencies: list[float], until: asyncio.Event | None, count: int = 0):
    rng = random.Random(seed)
    done = 0
    while (until is not None and not until.is_set()) or (until is None and done < count):
        await ask(client, keys, rng, latencies)
        done += 1


async def push(client: AsyncClient, envelopes) -> int:
    return sum([isinstance(o, exchange_pb2.Receipt) async for o in client.submit_stream(envelopes, per_message=100)])


async def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        signing = prepare_gateway(data, [*PARTNERS, "npa-cyber"])
        seeded = {p: [make_record(p) for _ in range(SEED)] for p in PARTNERS}
        streamed = {p: [sign_record(make_record(p), [signing[p]]) for _ in range(STREAMED)] for p in PARTNERS}
        keys = [wallet_key(r) for records in seeded.values() for r in records]
        gateway = await process.start(data, "--log-level", "WARNING")
        clients = {a: AsyncClient.connect(gateway.target, TlsFiles.for_agency(data / "tls", a))
                   for a in [*PARTNERS, "npa-cyber"]}
        try:
            for partner, records in seeded.items():
                await push(clients[partner], [sign_record(r, [signing[partner]]) for r in records])
            await clients["npa-cyber"].wait_projected(timeout=600)

            idle: list[float] = []
            await asyncio.gather(*(investigate(clients["npa-cyber"], keys, i, idle, None, IDLE_QUERIES // INVESTIGATORS)
                                   for i in range(INVESTIGATORS)))

            loaded: list[float] = []
            streaming_done = asyncio.Event()
            questions = [asyncio.create_task(investigate(clients["npa-cyber"], keys, 100 + i, loaded, streaming_done))
                         for i in range(INVESTIGATORS)]
            began = time.perf_counter()
            accepted = await asyncio.gather(*(push(clients[p], streamed[p]) for p in PARTNERS))
            elapsed = time.perf_counter() - began
            streaming_done.set()
            await asyncio.gather(*questions)
            lag_began = time.perf_counter()
            await clients["npa-cyber"].wait_projected(timeout=900)
            catch_up = time.perf_counter() - lag_began
        finally:
            for client in clients.values():
                await client.close()
            await gateway.stop()
    total = sum(accepted)
    assert total == STREAMED * len(PARTNERS), f"only {total} accepted"
    idle_p50, idle_p99 = percentile(idle, 50) * 1000, percentile(idle, 99) * 1000
    return [
        Figure(f"mixed load: ingest, {len(PARTNERS)} partner streams + {INVESTIGATORS} investigators querying",
               total / elapsed, "records/s"),
        Figure("mixed load: query p50 (80% 2-hop neighbourhood, 20% search)", percentile(loaded, 50) * 1000, "ms",
               "same queries, idle gateway", idle_p50, "<= 2x"),
        Figure("mixed load: query p99", percentile(loaded, 99) * 1000, "ms", "same queries, idle gateway", idle_p99,
               "<= 3x"),
        Figure(f"mixed load: queries answered while {total:,} records streamed in", len(loaded), "queries"),
        Figure("mixed load: projection catch-up after the streams end", catch_up, "s"),
    ]


if __name__ == "__main__":
    for figure in asyncio.run(run()):
        print(figure)
