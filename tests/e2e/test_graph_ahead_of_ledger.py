"""An older copy of the ledger restored under a projected graph, without a rebuild (issue 13, item 6):
the gateway notices at start that the graph is ahead of its ledger, says so in its log, and projects
the graph again from the ledger: the records the restore removed leave the graph, and records at the
reused positions reach it."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest

from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from gateway.server import config
from gateway.server.app import Gateway
from regulink.v1 import exchange_pb2
from tests.e2e.conftest import gateway_env, make_record, signed


async def operators(client) -> set[str]:
    found, token = set(), ""
    while True:
        page = await client.search("Example Coin Exchange Ltd", page_size=500, page_token=token)
        found |= {hit.node.key for hit in page.hits}
        if not (token := page.next_page_token):
            return found


def operator_key(record) -> str:
    return f"local:{record.agency_id}/{record.record_id}:op"


@pytest.mark.timeout(400)
async def test_an_older_ledger_restored_under_a_projected_graph_is_projected_again(tmp_path, capfd):
    settings = config.load(data_dir=tmp_path, listen="127.0.0.1:0", origin="restore.test/log", graph_heap="512m")
    async with gateway_env(settings) as env:
        client = env.client("fsa-jp")
        kept = [make_record("fsa-jp") for _ in range(200)]
        lost = [make_record("fsa-jp") for _ in range(150)]
        assert all(isinstance(r, exchange_pb2.Receipt)
                   for r in [o async for o in client.submit_stream([signed(env, r) for r in kept])])
        await client.wait_projected(timeout=60)
        with sqlite3.connect(settings.ledger_path) as live, sqlite3.connect(tmp_path / "backup-ledger.db") as copy:
            live.backup(copy)  # the operator's backup (docs/operations.md, section 5)
        assert all(isinstance(r, exchange_pb2.Receipt)
                   for r in [o async for o in client.submit_stream([signed(env, r) for r in lost])])
        await client.wait_projected(timeout=60)
        assert await operators(client) == {operator_key(r) for r in kept + lost}
        key = env.signing["fsa-jp"]

    # Restored without `graph rebuild`: the graph says entry 349, the ledger ends at 199.
    for suffix in ("-wal", "-shm"):
        settings.ledger_path.with_name(settings.ledger_path.name + suffix).unlink(missing_ok=True)
    (tmp_path / "backup-ledger.db").replace(settings.ledger_path)
    capfd.readouterr()

    gateway = Gateway(settings)
    port = await gateway.start()
    try:
        async with AsyncClient.connect(f"localhost:{port}", TlsFiles.for_agency(settings.tls, "fsa-jp")) as client:
            deadline = time.monotonic() + 120
            while gateway.projection.watermark != 199 or gateway.projection.rebuilding:
                assert time.monotonic() < deadline, "the graph was not projected again"
                await asyncio.sleep(0.1)
            assert await operators(client) == {operator_key(r) for r in kept}  # the lost ones are gone

            fresh = [make_record("fsa-jp") for _ in range(120)]  # at positions 200-319, once the graph's own
            receipts = [o async for o in client.submit_stream([sign_record(r, [key]) for r in fresh])]
            assert [r.log_index for r in receipts] == list(range(200, 320))
            await client.wait_projected(timeout=60)
            assert await operators(client) == {operator_key(r) for r in kept + fresh}
    finally:
        await gateway.stop(1)
    logged = capfd.readouterr().err
    assert ("the graph was projected through ledger entry 349, but the ledger holds 200 entries" in logged
            and "The graph is derived from the ledger: emptying it" in logged)
