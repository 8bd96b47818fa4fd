"""kill -9 in the middle of a stream: every acknowledged record is in the log after restart."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from gateway import devca, keys
from gateway.client import AsyncClient, TlsFiles, sign_record
from gateway.errors import AlreadyExists
from gateway.registry import Registry
from regulink.v1 import exchange_pb2
from tests.e2e.conftest import make_record


async def start_gateway(data: Path) -> tuple[asyncio.subprocess.Process, int]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "serve", "--data-dir", str(data), "--listen", "127.0.0.1:0",
        "--origin", "crash.test/log", stdout=asyncio.subprocess.PIPE, stderr=open(data / "gateway.err", "ab"),
    )
    while True:
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        assert line, "the gateway exited before it was ready"
        if line.startswith(b"READY "):
            return process, int(line.split()[1])


def prepare(data: Path):
    registry = Registry(data / "registry.db")
    registry.add_agency("fsa-jp", "Financial Services Agency", "regulator", "JP")
    key = keys.generate()
    registry.add_key("fsa-jp", keys.raw_public_key(key))
    registry.close()
    devca.ensure_ca(data / "tls")
    devca.issue_client(data / "tls", "fsa-jp")
    return key


TRIALS = int(os.environ.get("REGULINK_CRASH_TRIALS", "1"))  # `make soak` runs 10


@pytest.mark.parametrize("trial", range(TRIALS))
async def test_acknowledged_records_survive_kill_9(tmp_path, trial):
    key = prepare(tmp_path)
    envelopes = [sign_record(make_record("fsa-jp"), [key]) for _ in range(3000)]
    tls = TlsFiles.for_agency(tmp_path / "tls", "fsa-jp")
    process, port = await start_gateway(tmp_path)
    acknowledged: list[tuple[exchange_pb2.Receipt, int]] = []
    client = AsyncClient.connect(f"localhost:{port}", tls)
    try:
        async for outcome in client.submit_stream(envelopes, per_message=50):
            assert isinstance(outcome, exchange_pb2.Receipt)
            acknowledged.append((outcome, len(acknowledged)))
            if len(acknowledged) == 1200 + 37 * trial:
                os.kill(process.pid, signal.SIGKILL)  # no goodbye: the disk is all that is left
    except Exception:  # the stream breaks when the server dies
        pass
    await process.wait()
    await client.close()
    assert 1200 + 37 * trial <= len(acknowledged) < len(envelopes), "the kill must land mid-stream"

    process, port = await start_gateway(tmp_path)
    try:
        async with AsyncClient.connect(f"localhost:{port}", tls) as client:
            latest = await client.tree_head()
            for receipt, i in acknowledged:
                await client.verify_receipt(receipt, envelopes[i])
            # Every acknowledged entry is still in today's tree, which extends the receipts' trees.
            for receipt, _ in acknowledged[:: max(1, len(acknowledged) // 50)]:
                await client.check_inclusion(receipt.log_index, latest.tree_size, receipt.leaf_hash)
                await client.audit(receipt.tree_head, latest)
            # Resubmitting the acknowledged ones is a duplicate, not a second entry.
            receipt, i = acknowledged[-1]
            with pytest.raises(AlreadyExists) as duplicate:
                await client.submit(envelopes[i])
            assert duplicate.value.receipt.log_index == receipt.log_index
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()
