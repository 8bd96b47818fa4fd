"""A query gateway's 2-hop reads against the writer's (issue 19): goal p50 <= 1.2 x the writer's.

A PostgreSQL primary with a synchronous hot standby (tests/pgcluster.py); a writer (`regulink
serve`, ledger on the primary, embedded graph) and a query gateway (`serve --role query`, ledger on
the standby, its own embedded graph which it projects from the standby), each its own process.
RECORDS realistic records (tests/perf/realistic.py) are pushed to the writer by their five
authors; once both graphs hold the last one, the same 2-hop Neighbourhood questions go through
gRPC to both, interleaved (drift of a shared machine hits both alike), the order flipped every
question. Every answer is compared: a query gateway that answered faster by answering less
would be no gateway (an answer cut by the node limit is compared by size: which 200 nodes a
cut keeps may differ between two databases).
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from gateway.ledger.migrate import copy_registry
from gateway.ops import process
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from gateway.server.registry import Registry
from gateway.server.registry_pg import open_registry
from graph.project import contribution
from regulink.v1 import query_pb2
from tests import pgcluster
from tests.perf.common import Figure, percentile, prepare_gateway, stream_all
from tests.perf.realistic import AGENCIES, Realistic

RECORDS = int(os.environ.get("REGULINK_BENCH_QUERY_GATEWAY_RECORDS", "20000"))
QUERIES = int(os.environ.get("REGULINK_BENCH_QUERY_GATEWAY_QUERIES", "1000"))
WARM_UP = 50
ASKER = "fsa-jp"  # asks about elements of its own records: all of them visible to it


async def _push(target: str, tls: Path, envelopes: dict[str, list]) -> int:
    """Stream every agency's envelopes to the writer at once; the highest log index acknowledged."""
    clients = {agency: AsyncClient.connect(target, TlsFiles.for_agency(tls, agency)) for agency in envelopes}
    try:
        return await stream_all(clients, envelopes)
    finally:
        for client in clients.values():
            await client.close()


async def _projected(client: AsyncClient, index: int, timeout: float = 900) -> float:
    """Wait until the client's gateway has `index` in its graph; when that was (perf_counter)."""
    deadline = time.monotonic() + timeout
    while (await client.graph_status()).projected_through < index:
        assert time.monotonic() < deadline, f"entry {index} not projected within {timeout:.0f} s"
        await asyncio.sleep(0.1)
    return time.perf_counter()


def _same_answer(a: query_pb2.Subgraph, b: query_pb2.Subgraph) -> bool:
    if a.truncated or b.truncated:
        return a.truncated == b.truncated and len(a.nodes) == len(b.nodes)
    return ({n.key for n in a.nodes} == {n.key for n in b.nodes}
            and {(e.source, e.target, e.type) for e in a.edges} == {(e.source, e.target, e.type) for e in b.edges})


async def run(records: int = RECORDS, queries: int = QUERIES) -> list[Figure]:
    if not pgcluster.available():
        raise RuntimeError(pgcluster.SKIP_REASON)
    primary = pgcluster.Cluster.create()
    standby = primary.standby()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return await _measure(Path(tmp), primary.dsn(), standby.dsn(), records, queries)
    finally:
        standby.destroy()
        primary.destroy()


async def _measure(root: Path, primary: str, standby: str, records: int, queries: int) -> list[Figure]:
    writer_dir, query_dir = root / "writer", root / "query"
    signing = prepare_gateway(writer_dir, list(AGENCIES))
    copy_registry(Registry(writer_dir / "registry.db"), open_registry(primary))  # the registry beside the ledger
    shutil.copytree(writer_dir / "tls", query_dir / "tls")  # one CA, one server certificate for both
    generated = list(Realistic(seed=19, agencies=AGENCIES).records(records))
    envelopes = {a: [sign_record(r, [signing[a]]) for r in generated if r.agency_id == a] for a in AGENCIES}
    own_keys = sorted({key for r in generated if r.agency_id == ASKER for key in contribution(r, 0, 0).nodes})
    questions = random.Random(19).sample(own_keys, min(queries, len(own_keys)))

    writer = await process.start(writer_dir, "--log-level", "WARNING", "--ledger", primary)
    query = None
    try:
        query = await process.start(query_dir, "--log-level", "WARNING", "--role", "query", "--ledger", standby)
        tls = writer_dir / "tls"
        async with (AsyncClient.connect(writer.target, TlsFiles.for_agency(tls, ASKER)) as at_writer,
                    AsyncClient.connect(query.target, TlsFiles.for_agency(tls, ASKER)) as at_query):
            began = time.perf_counter()
            last_index = await _push(writer.target, tls, envelopes)
            acknowledged = time.perf_counter() - began
            writer_done, query_done = await asyncio.gather(_projected(at_writer, last_index),
                                                           _projected(at_query, last_index))
            await asyncio.to_thread(os.sync)  # the projection's dirty pages, not the questions, pay for writeback
            for key in questions[:WARM_UP]:
                await at_writer.neighbourhood(key, hops=2)
                await at_query.neighbourhood(key, hops=2)
            latencies = {"writer": [], "query": []}
            sizes, differing, cut = [], [], 0
            for turn, key in enumerate(questions):
                order = (("writer", at_writer), ("query", at_query))
                answers = {}
                for name, client in order if turn % 2 == 0 else order[::-1]:
                    t = time.perf_counter()
                    answers[name] = await client.neighbourhood(key, hops=2)
                    latencies[name].append(time.perf_counter() - t)
                sizes.append(len(answers["writer"].nodes))
                cut += answers["writer"].truncated
                if not _same_answer(answers["writer"], answers["query"]):
                    differing.append(key)
    finally:
        if query is not None:
            await query.stop()
        await writer.stop()
    assert not differing, f"{len(differing)} of {len(questions)} answers differ between the gateways, e.g. {differing[:3]}"
    writer_p50, query_p50 = percentile(latencies["writer"], 50) * 1000, percentile(latencies["query"], 50) * 1000
    writer_p99, query_p99 = percentile(latencies["writer"], 99) * 1000, percentile(latencies["query"], 99) * 1000
    shape = (f"{len(questions):,} questions, mean {sum(sizes) / len(sizes):.0f} nodes, {cut} cut at the node limit, "
             f"{records:,} realistic records")
    return [
        Figure(f"{records:,} records pushed to a PostgreSQL-ledger writer (sync standby): time until acknowledged",
               acknowledged, "s"),
        Figure("time until in the writer's graph", writer_done - began, "s", "time until acknowledged",
               acknowledged),
        Figure("time until in the query gateway's graph (projected from the hot standby)", query_done - began, "s",
               "time until acknowledged", acknowledged),
        Figure(f"2-hop neighbourhood p50 via gRPC, writer ({shape})", writer_p50, "ms"),
        Figure("2-hop neighbourhood p99 via gRPC, writer", writer_p99, "ms"),
        Figure("2-hop neighbourhood p50 via gRPC, query gateway on the hot standby", query_p50, "ms",
               "writer, same questions", writer_p50, "<= 1.2x"),
        Figure("2-hop neighbourhood p99 via gRPC, query gateway on the hot standby", query_p99, "ms",
               "writer, same questions", writer_p99),
    ]


if __name__ == "__main__":
    for figure in asyncio.run(run()):
        print(figure)
