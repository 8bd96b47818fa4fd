"""SIGTERM in the middle of a stream: the gateway stops taking new calls, finishes the stream's
receipts within its grace period, and exits cleanly with every receipt it sent in the log."""

from __future__ import annotations

import signal

from gateway.ops import process
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from regulink.v1 import exchange_pb2
from tests.e2e.conftest import make_record
from tests.e2e.test_crash import prepare


async def test_sigterm_finishes_in_flight_receipts(tmp_path):
    key = prepare(tmp_path)
    tls = TlsFiles.for_agency(tmp_path / "tls", "fsa-jp")
    envelopes = [sign_record(make_record("fsa-jp"), [key]) for _ in range(2000)]
    args = ("--graph", "none", "--origin", "shutdown.test/log")
    gateway = await process.start(tmp_path, *args, stderr=open(tmp_path / "gateway.err", "ab"))
    receipts = []
    async with AsyncClient.connect(gateway.target, tls) as client:
        async for outcome in client.submit_stream(envelopes, per_message=50):
            assert isinstance(outcome, exchange_pb2.Receipt)
            receipts.append(outcome)
            if len(receipts) == 300:
                gateway.process.send_signal(signal.SIGTERM)  # an operator's `kill`, or Kubernetes
    assert len(receipts) == len(envelopes)  # the open stream was finished, not cut
    assert await gateway.stop() == 0

    gateway = await process.start(tmp_path, *args, stderr=open(tmp_path / "gateway.err", "ab"))
    try:
        async with AsyncClient.connect(gateway.target, tls) as client:
            assert (await client.tree_head()).tree_size == len(envelopes)
            for receipt, envelope in list(zip(receipts, envelopes))[::97]:
                await client.verify_receipt(receipt, envelope)
    finally:
        assert await gateway.stop() == 0
