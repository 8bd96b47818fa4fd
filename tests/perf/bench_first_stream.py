"""The first SubmitStream after a start against a warm one (issue 12).

`regulink serve` in its own process with 2 signature workers, ledger only (the graph would add
its own start-up); the partner connects, then streams RECORDS signed records twice. Repeated over
RESTARTS fresh starts; medians. Baseline: the warm stream of the same runs; goal: <= 2 x.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from gateway.ops import process
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from regulink.v1 import exchange_pb2
from tests.e2e.conftest import make_record
from tests.perf.common import Figure, prepare_gateway

RECORDS, PER_MESSAGE, WORKERS, RESTARTS = 1000, 200, 2, 3


async def _stream(client: AsyncClient, envelopes) -> float:
    began = time.perf_counter()
    outcomes = [o async for o in client.submit_stream(envelopes, per_message=PER_MESSAGE)]
    elapsed = time.perf_counter() - began
    assert all(isinstance(o, exchange_pb2.Receipt) for o in outcomes) and len(outcomes) == len(envelopes)
    return elapsed


async def _once() -> tuple[float, float, float]:
    """Seconds to READY, the first stream, the second."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        signing = prepare_gateway(data, ["bench"])
        batches = [[sign_record(make_record("bench"), [signing["bench"]]) for _ in range(RECORDS)] for _ in range(2)]
        (data / "gw.toml").write_text(f"[gateway]\nverify_workers = {WORKERS}\n")
        began = time.perf_counter()
        gateway = await process.start(data, "--config", str(data / "gw.toml"), "--graph", "none",
                                      "--log-level", "WARNING")
        ready = time.perf_counter() - began
        try:
            async with AsyncClient.connect(gateway.target, TlsFiles.for_agency(data / "tls", "bench")) as client:
                await client.whoami()  # connected: the TLS handshake is not what is measured
                first = await _stream(client, batches[0])
                warm = await _stream(client, batches[1])
        finally:
            await gateway.stop()
    return ready, first, warm


async def run() -> list[Figure]:
    runs = [await _once() for _ in range(RESTARTS)]
    ready, first, warm = (statistics.median(r[i] for r in runs) * 1000 for i in range(3))
    return [
        Figure(f"first SubmitStream after start ({RECORDS} records, {WORKERS} workers, median of {RESTARTS})", first,
               "ms", "warm SubmitStream", warm, "<= 2.00"),
        Figure(f"gateway start to READY ({WORKERS} workers warmed, graph none)", ready, "ms"),
    ]


if __name__ == "__main__":
    for figure in asyncio.run(run()):
        print(figure)
