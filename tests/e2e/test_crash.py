"""kill -9 in the middle of a stream: every acknowledged record is in the log after restart."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from gateway import keys
from gateway.errors import AlreadyExists
from gateway.ops import devca, process
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from gateway.server.registry import Registry
from regulink.v1 import exchange_pb2
from tests.e2e.conftest import make_record


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
RECORDS = int(os.environ.get("REGULINK_CRASH_RECORDS", "3000"))  # `make soak`: 10,000 per stream


@pytest.mark.parametrize("trial", range(TRIALS))
async def test_acknowledged_records_survive_kill_9(tmp_path, trial):
    key = prepare(tmp_path)
    records = [make_record("fsa-jp") for _ in range(RECORDS)]
    envelopes = [sign_record(record, [key]) for record in records]
    tls = TlsFiles.for_agency(tmp_path / "tls", "fsa-jp")
    gateway = await process.start(tmp_path, "--origin", "crash.test/log", stderr=open(tmp_path / "gateway.err", "ab"))
    acknowledged: list[tuple[exchange_pb2.Receipt, int]] = []
    client = AsyncClient.connect(gateway.target, tls)
    try:
        async for outcome in client.submit_stream(envelopes, per_message=50):
            assert isinstance(outcome, exchange_pb2.Receipt)
            acknowledged.append((outcome, len(acknowledged)))
            if len(acknowledged) == RECORDS * 2 // 5 + 37 * trial:
                os.kill(gateway.process.pid, signal.SIGKILL)  # no goodbye: the disk is all that is left
    except Exception:  # the stream breaks when the server dies
        pass
    await gateway.stop(signal.SIGKILL)
    await client.close()
    assert RECORDS * 2 // 5 + 37 * trial <= len(acknowledged) < len(envelopes), "the kill must land mid-stream"

    gateway = await process.start(tmp_path, "--origin", "crash.test/log", stderr=open(tmp_path / "gateway.err", "ab"))
    try:
        async with AsyncClient.connect(gateway.target, tls) as client:
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
            # The graph (its database was killed with the gateway) catches up and holds each record once.
            status = await client.wait_projected(timeout=120)
            assert status.projected_through == latest.tree_size - 1
            for _, i in acknowledged[:: max(1, len(acknowledged) // 25)]:
                wallet = records[i].entities[1].identifiers[0].value.lower()
                node = (await client.entity(f"wallet:ETH:{wallet}")).node
                assert [s.record_id for s in node.sources] == [records[i].record_id]
    finally:
        assert await gateway.stop() == 0
