"""Records/s end to end through SubmitStream into the durable ledger, and receipt latency.

The gateway runs as its own process (as in production); the partner signs
every record before the clock starts, then streams them with several
envelopes per message, as docs/api.md advises. Baseline: the same run's raw
single-core Ed25519 verify rate; goal: >= 0.7 x (2 x raw) on 2 cores.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

import grpc

from gateway.ops import process
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from regulink.v1 import exchange_pb2, exchange_pb2_grpc
from tests.e2e.conftest import make_record
from tests.perf.common import Figure, percentile, prepare_gateway, raw_verify_rate

RECORDS = int(os.environ.get("REGULINK_BENCH_RECORDS", "20000"))
PER_MESSAGE = 200
STREAMS = 2
UNARY = 500


async def _stream(stub, messages, latencies: list[float]) -> int:
    sent: list[float] = []

    async def requests():
        for message in messages:
            sent.append(time.perf_counter())
            yield message

    accepted = 0
    i = 0
    async for response in stub.SubmitStream(requests()):
        now = time.perf_counter()
        latencies.append(now - sent[i])
        accepted += sum(1 for r in response.results if r.HasField("receipt"))
        i += 1
    return accepted


async def _ingest(records: int, *serve_args: str) -> tuple[float, list[float], list[float]]:
    """Records/s over SubmitStream, stream message latencies, then unary receipt latencies."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        signing = prepare_gateway(data, ["bench"])
        envelopes = [sign_record(make_record("bench"), [signing["bench"]]) for _ in range(records)]
        single = [sign_record(make_record("bench"), [signing["bench"]]) for _ in range(UNARY)]
        messages = [
            exchange_pb2.SubmitStreamRequest(envelopes=envelopes[i:i + PER_MESSAGE])
            for i in range(0, records, PER_MESSAGE)
        ]
        gateway = await process.start(data, "--log-level", "WARNING", *serve_args)
        try:
            channels = [grpc.aio.secure_channel(gateway.target, TlsFiles.for_agency(data / "tls", "bench")
                                                .credentials(), options=[("grpc.use_local_subchannel_pool", 1)])
                        for _ in range(STREAMS)]
            stubs = [exchange_pb2_grpc.ExchangeServiceStub(c) for c in channels]
            latencies: list[float] = []
            start = time.perf_counter()
            counts = await asyncio.gather(*(
                _stream(stubs[s], messages[s::STREAMS], latencies) for s in range(STREAMS)))
            elapsed = time.perf_counter() - start
            for channel in channels:
                await channel.close()
            # Latency without queueing: one unary Submit at a time.
            unary: list[float] = []
            async with AsyncClient.connect(gateway.target, TlsFiles.for_agency(data / "tls", "bench")) as client:
                for envelope in single:
                    began = time.perf_counter()
                    await client.submit(envelope)
                    unary.append(time.perf_counter() - began)
        finally:
            await gateway.stop()
    accepted = sum(counts)
    assert accepted == records, f"only {accepted} of {records} accepted"
    return accepted / elapsed, latencies, unary


async def run(records: int = RECORDS) -> list[Figure]:
    raw = raw_verify_rate()
    rate, latencies, unary = await _ingest(records)
    ledger_only, _, _ = await _ingest(records, "--graph", "none")
    return [
        Figure("raw Ed25519 verify, 1 core", raw, "verify/s"),
        Figure(f"ingest SubmitStream ({STREAMS} streams, {PER_MESSAGE}/msg, durable, graph projecting)", rate,
               "records/s", "2 x raw verify", 2 * raw, ">= 0.70"),
        Figure("ingest as above, graph none (ledger only)", ledger_only, "records/s", "2 x raw verify", 2 * raw,
               ">= 0.70"),
        Figure(f"stream message round trip p50 at full load ({PER_MESSAGE} records)", percentile(latencies, 50) * 1000,
               "ms"),
        Figure(f"stream message round trip p99 at full load ({PER_MESSAGE} records)", percentile(latencies, 99) * 1000,
               "ms"),
        Figure("receipt latency p50, unary Submit, one at a time", percentile(unary, 50) * 1000, "ms"),
        Figure("receipt latency p99, unary Submit, one at a time", percentile(unary, 99) * 1000, "ms"),
    ]


if __name__ == "__main__":
    for figure in asyncio.run(run()):
        print(figure)
