"""Failover of the ledger's PostgreSQL primary in the middle of a stream.

A writer gateway (`regulink serve`, its own process) appends to a primary with a synchronous
streaming standby, through a connection string naming both (target_session_attrs=read-write).
A partner streams records; partway, the primary is killed with kill -9 (with all its processes,
as when its machine is lost) and the standby promoted. The partner retries what was refused.
Then, against the promoted log:

* every receipt acknowledged before, during and after the failover verifies (its own proof, and
  an inclusion proof the gateway serves now against its newest head),
* the log is consistent with the last signed head the partner saw before the kill (RFC 9162
  consistency proof), and with every receipt's head,
* each record is in the log once, and resubmitting it returns its original receipt.

The writer either carries on by itself (it takes the lease on the promoted server, whose log is the
one it left) or, when the primary died with a batch committed on the standby but unanswered, stops
(fenced: its log changed) and is restarted, as a supervisor would; both are correct, and the
test says which happened.

`REGULINK_FAILOVER_RECORDS` sets the stream's length: 3,000 in the suite, 10,000 in `make soak`.
"""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from gateway import errors, keys
from gateway.ops import devca, process
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from gateway.server.registry_pg import open_registry
from regulink.v1 import exchange_pb2
from tests import pgcluster
from tests.e2e.conftest import make_record

RECORDS = int(os.environ.get("REGULINK_FAILOVER_RECORDS", "3000"))  # `make soak`: 10,000

pytestmark = pytest.mark.skipif(not pgcluster.available(), reason=pgcluster.SKIP_REASON)


async def test_acknowledged_records_survive_the_loss_of_the_primary(tmp_path):
    primary = pgcluster.Cluster.create()
    standby = primary.standby()  # synchronous: a commit waits until the standby has it on disk
    dsn = (f"postgresql://postgres@127.0.0.1:{primary.port},127.0.0.1:{standby.port}/regulink"
           "?target_session_attrs=read-write")
    registry = open_registry(dsn)
    registry.add_agency("fsa-jp", "Financial Services Agency", "regulator", "JP")
    key = keys.generate()
    registry.add_key("fsa-jp", keys.raw_public_key(key))
    registry.close()
    devca.ensure_ca(tmp_path / "tls")
    devca.issue_client(tmp_path / "tls", "fsa-jp")
    tls = TlsFiles.for_agency(tmp_path / "tls", "fsa-jp")
    envelopes = [sign_record(make_record("fsa-jp"), [key]) for _ in range(RECORDS)]
    args = ("--origin", "failover.test/log", "--ledger", dsn, "--graph", "none")
    errlog = open(tmp_path / "gateway.err", "ab")
    gateway = await process.start(tmp_path, *args, stderr=errlog)
    receipts: dict[int, exchange_pb2.Receipt] = {}  # envelope number -> its receipt
    refused = 0
    last_seen = None  # the newest signed head the partner saw before the primary died
    kill_at = RECORDS * 2 // 5
    killed = asyncio.Event()

    async def fail_over() -> None:
        await asyncio.to_thread(primary.kill)
        killed.set()
        await asyncio.sleep(0.5)  # a moment without any writable server: the gateway refuses, never guesses
        await asyncio.to_thread(standby.promote)

    failover = None
    restarted = False
    try:
        client = AsyncClient.connect(gateway.target, tls)
        try:
            i = 0
            async for outcome in client.submit_stream(envelopes, per_message=50):
                if isinstance(outcome, exchange_pb2.Receipt):
                    receipts[i] = outcome
                    if not killed.is_set():
                        last_seen = outcome.tree_head
                else:
                    assert isinstance(outcome, errors.Unavailable), outcome
                    refused += 1
                i += 1
                if len(receipts) == kill_at and failover is None:
                    failover = asyncio.ensure_future(fail_over())
        except errors.RegulinkError:
            pass  # the stream may end with the gateway (fenced and stopping)
        await failover
        await client.close()

        # Whatever was not acknowledged is sent again until it is, to the gateway as it is now.
        for _ in range(60):
            if gateway.process.returncode is not None:
                assert gateway.process.returncode == 1  # fenced: stopped on purpose, to be restarted
                gateway = await process.start(tmp_path, *args, stderr=errlog)
                restarted = True
            missing = [n for n in range(RECORDS) if n not in receipts]
            if not missing:
                break
            async with AsyncClient.connect(gateway.target, tls) as client:
                try:
                    outcomes = [o async for o in client.submit_stream([envelopes[n] for n in missing], per_message=50)]
                except errors.RegulinkError:
                    outcomes = []
            for n, outcome in zip(missing, outcomes):
                if isinstance(outcome, exchange_pb2.Receipt):
                    receipts[n] = outcome
                elif isinstance(outcome, errors.AlreadyExists):  # committed, its answer lost with the primary
                    receipts[n] = outcome.receipt
            await asyncio.sleep(0.5)
        assert len(receipts) == RECORDS, f"{RECORDS - len(receipts)} records were never acknowledged"
        assert refused > 0 and last_seen is not None, "the primary must die mid-stream"

        async with AsyncClient.connect(gateway.target, tls) as client:
            latest = await client.tree_head()
            assert latest.tree_size == RECORDS  # each record once
            await client.audit(last_seen, latest)
            for n, receipt in receipts.items():
                await client.verify_receipt(receipt, envelopes[n])
            indexes = sorted(r.log_index for r in receipts.values())
            assert indexes == list(range(RECORDS))
            for n in range(0, RECORDS, max(1, RECORDS // 200)):
                receipt = receipts[n]
                await client.check_inclusion(receipt.log_index, latest.tree_size, receipt.leaf_hash)
                await client.audit(receipt.tree_head, latest)
            with pytest.raises(errors.AlreadyExists) as duplicate:
                await client.submit(envelopes[0])
            assert duplicate.value.receipt.log_index == receipts[0].log_index
        how = ("was restarted (fenced: a batch committed on the standby had no answer)" if restarted
               else "carried on by itself")
        print(f"\nfailover: {RECORDS} records, {refused} refused during the failover and sent again, the writer {how}")
    finally:
        await gateway.stop(signal.SIGTERM)
        errlog.close()
        standby.destroy()
        primary.destroy()
