"""Ingest into a PostgreSQL ledger against ingest into SQLite, in the same run (issue 19).

The same gateway (its own process, graph none so the ledger is what differs), the same signed
records over SubmitStream, into: the SQLite file (the baseline, run first and last), a local PostgreSQL server, and a
PostgreSQL primary with a synchronous standby (every commit waits for the standby's disk; on one
machine here, so it measures the protocol, not a network). Goal: local PostgreSQL >= 0.7 x SQLite.
Servers from Debian's postgresql package (tests/pgcluster.py); without them the stage fails saying so.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

import grpc

from gateway.ledger.migrate import copy_registry
from gateway.ops import process
from gateway.sdk.client import TlsFiles, sign_record
from gateway.server.registry import Registry
from gateway.server.registry_pg import open_registry
from regulink.v1 import exchange_pb2, exchange_pb2_grpc
from tests import pgcluster
from tests.e2e.conftest import make_record
from tests.perf.bench_ingest import PER_MESSAGE, STREAMS, _stream
from tests.perf.common import Figure, prepare_gateway

RECORDS = int(os.environ.get("REGULINK_BENCH_RECORDS", "20000"))


async def _ingest(records: int, dsn: str | None) -> float:
    """Records/s over SubmitStream into the ledger at `dsn` (None: SQLite in the data directory)."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        signing = prepare_gateway(data, ["bench"])
        args = ["--log-level", "WARNING", "--graph", "none"]
        if dsn is not None:
            copy_registry(Registry(data / "registry.db"), open_registry(dsn))  # the registry lives beside the ledger
            args += ["--ledger", dsn]
        envelopes = [sign_record(make_record("bench"), [signing["bench"]]) for _ in range(records)]
        messages = [exchange_pb2.SubmitStreamRequest(envelopes=envelopes[i:i + PER_MESSAGE])
                    for i in range(0, records, PER_MESSAGE)]
        gateway = await process.start(data, *args)
        try:
            channels = [grpc.aio.secure_channel(gateway.target, TlsFiles.for_agency(data / "tls", "bench")
                                                .credentials(), options=[("grpc.use_local_subchannel_pool", 1)])
                        for _ in range(STREAMS)]
            stubs = [exchange_pb2_grpc.ExchangeServiceStub(c) for c in channels]
            start = time.perf_counter()
            counts = await asyncio.gather(*(_stream(stubs[s], messages[s::STREAMS], []) for s in range(STREAMS)))
            elapsed = time.perf_counter() - start
            for channel in channels:
                await channel.close()
        finally:
            await gateway.stop()
    assert sum(counts) == records, f"only {sum(counts)} of {records} accepted"
    return records / elapsed


async def run(records: int = RECORDS) -> list[Figure]:
    if not pgcluster.available():
        raise RuntimeError(pgcluster.SKIP_REASON)
    local = pgcluster.Cluster.create()
    primary = pgcluster.Cluster.create()
    standby = primary.standby()
    try:
        before = await _ingest(records, None)
        alone = await _ingest(records, local.dsn())
        replicated = await _ingest(records, primary.dsn())
        sqlite = (before + await _ingest(records, None)) / 2  # before and after: the load may change meanwhile
    finally:
        for cluster in (standby, primary, local):
            cluster.destroy()
    return [
        Figure(f"ingest into SQLite (SubmitStream, {STREAMS} streams, graph none; mean of a run before and after)",
               sqlite, "records/s"),
        Figure("ingest into PostgreSQL, local server", alone, "records/s", "SQLite, same run", sqlite, ">= 0.70"),
        Figure("ingest into PostgreSQL, synchronous standby on the same machine", replicated, "records/s",
               "SQLite, same run", sqlite),
    ]


if __name__ == "__main__":
    for figure in asyncio.run(run()):
        print(figure)
