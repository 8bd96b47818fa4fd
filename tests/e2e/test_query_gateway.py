"""`regulink serve --role query` on a hot standby: the writer appends to a PostgreSQL primary whose
synchronous standby (remote_apply) a query gateway reads; partners ask the query gateway.

It serves what the writer logged (heads, inclusion and consistency proofs that verify, Subscribe,
the registry, the graph it projects from the standby) and refuses every record with
FAILED_PRECONDITION naming the writer.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from gateway import errors
from gateway.ledger.reader import LogReader
from gateway.sdk.client import AsyncClient
from gateway.server import config
from gateway.server.app import Gateway
from regulink.v1 import records_pb2
from tests import pgcluster
from tests.e2e.conftest import Env, gateway_env, make_record, signed


@pytest.fixture(scope="module")
def pair():
    """A primary and its synchronous hot standby."""
    if not pgcluster.available():
        pytest.skip(pgcluster.SKIP_REASON)
    primary = pgcluster.Cluster.create()
    standby = primary.standby()
    yield primary, standby
    standby.destroy()
    primary.destroy()


@pytest.fixture(scope="module")
async def gateways(pair, tmp_path_factory):
    primary, standby = pair
    writer_settings = config.load(data_dir=tmp_path_factory.mktemp("writer"), listen="127.0.0.1:0",
                                  origin="query.test/log", ledger=primary.dsn(), graph="none",
                                  ledger_synchronous_commit="remote_apply")
    async with gateway_env(writer_settings) as writer:
        query_settings = config.load(data_dir=tmp_path_factory.mktemp("query"), listen="127.0.0.1:0",
                                     tls_dir=writer_settings.tls, ledger=standby.dsn(), role="query",
                                     graph="embedded", graph_heap="384m")
        reader = Gateway(query_settings)
        port = await reader.start()
        query = Env(reader, f"localhost:{port}", writer_settings.tls, signing=writer.signing)
        try:
            yield writer, query
        finally:
            for client in query.clients.values():
                await client.close()
            await reader.stop(1)


async def until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_records_sent_to_a_query_gateway_are_refused_naming_the_writer(gateways):
    writer, query = gateways
    before = writer.gateway.ledger.size
    with pytest.raises(errors.FailedPrecondition) as refused:
        await query.client("mas-sg").submit(signed(query, make_record("mas-sg")))
    assert refused.value.reason == "QUERY_GATEWAY"
    assert f"send them to the writer at 127.0.0.1:{writer.gateway.port}" in str(refused.value)
    outcomes = [o async for o in query.client("mas-sg").submit_stream([signed(query, make_record("mas-sg"))
                                                                      for _ in range(3)], per_message=2)]
    assert [getattr(o, "reason", None) for o in outcomes] == ["QUERY_GATEWAY"] * 3
    assert writer.gateway.ledger.size == before


async def test_the_query_gateway_serves_proofs_heads_and_the_registry_of_the_writers_log(gateways):
    writer, query = gateways
    author = writer.client("mas-sg")
    envelopes = [signed(writer, make_record("mas-sg")) for _ in range(5)]
    receipts = [await author.submit(e) for e in envelopes]
    reader = query.client("tokyo-metro")
    info = await reader.log_key()
    assert info == await author.log_key()  # origin and key, from the row the writer recorded
    await until(lambda: _size_at_least(reader, receipts[-1].log_index + 1))
    latest = await reader.tree_head()
    for receipt, envelope in zip(receipts, envelopes):
        await reader.verify_receipt(receipt, envelope)
        await reader.check_inclusion(receipt.log_index, latest.tree_size, receipt.leaf_hash)
        await reader.audit(receipt.tree_head, latest)  # the log only grew since each receipt's head
    assert {a.agency_id for a in await reader.agencies()} == {"mas-sg", "tokyo-metro", "npa-cyber", "fsa-jp"}
    assert (await reader.whoami()).agency_id == "tokyo-metro"
    # A registry change made on the writer's side reaches the query gateway (on a standby: by polling).
    writer.gateway.registry.add_agency("osaka-pref", "Osaka Prefecture", "local-government", "JP-27")
    await until(lambda: _knows(query, "osaka-pref"))


async def test_subscribe_on_a_query_gateway_follows_the_writer(gateways):
    writer, query = gateways
    start = writer.gateway.ledger.size
    stream = query.client("fsa-jp").subscribe(start)
    first = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.3)
    assert not first.done()
    receipt = await writer.client("fsa-jp").submit(signed(writer, make_record("fsa-jp")))
    entry = await asyncio.wait_for(first, 5)  # within the query gateway's poll of the standby
    assert entry.log_index == receipt.log_index and entry.nonce == receipt.nonce
    hidden = await writer.client("mas-sg").submit(signed(writer, make_record("mas-sg", tlp=records_pb2.TLP_RED)))
    shown = await writer.client("mas-sg").submit(signed(writer, make_record("mas-sg")))
    second = await asyncio.wait_for(stream.__anext__(), 5)
    assert second.log_index == shown.log_index != hidden.log_index  # TLP applies on the query gateway too
    await stream.aclose()


async def test_the_query_gateway_projects_the_standby_into_its_own_graph(gateways):
    writer, query = gateways
    record = make_record("npa-cyber")
    await writer.client("npa-cyber").submit(signed(writer, record))
    reader = query.client("npa-cyber")
    await until(lambda: _projected_through(reader, writer.gateway.ledger.size - 1), timeout=60)
    wallet = record.entities[1].identifiers[0].value.lower()
    node = (await reader.entity(f"wallet:ETH:{wallet}")).node
    assert [s.record_id for s in node.sources] == [record.record_id]


def test_a_query_gateway_needs_a_postgresql_ledger_and_a_writer(tmp_path, pg_database):
    with pytest.raises(config.ConfigError, match="a query gateway reads the writer's PostgreSQL ledger"):
        config.load(data_dir=tmp_path, role="query")
    from gateway.ledger.pg_store import PgLedgerStore

    store = PgLedgerStore(pg_database)
    with pytest.raises(errors.Unavailable, match="no regulink tables|no writer has opened"):
        LogReader(store)
    store.close()


async def _size_at_least(client: AsyncClient, size: int) -> bool:
    try:
        return (await client.tree_head()).tree_size >= size
    except errors.NotFound:
        return False


async def _projected_through(client: AsyncClient, index: int) -> bool:
    return (await client.graph_status()).projected_through >= index


async def _knows(env: Env, agency_id: str) -> bool:
    return agency_id in env.gateway.registry.snapshot().agencies

