"""The graph database goes away (a Neo4j outage): ingestion still acknowledges into the ledger,
queries say UNAVAILABLE, and the projection catches up when the database returns.

A real ArcadeDB server stands in for the external Bolt database; a TCP relay in front of it
is the network that fails, so the outage is a refused or cut connection, as in production.
"""

from __future__ import annotations

import asyncio

import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway import errors
from gateway.sdk.client import sign_record
from gateway.server import config
from gateway.server.app import FRESHNESS
from graph.embedded import EmbeddedArcadeDB, free_loopback_port
from regulink.v1 import exchange_pb2
from tests.e2e.conftest import gateway_env, make_record


class Relay:
    """A TCP relay on a fixed loopback port that can be switched off (closing every connection)."""

    def __init__(self, port: int, target_port: int) -> None:
        self.port, self.target_port = port, target_port
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.Task] = set()

    async def up(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def down(self) -> None:
        self.server.close()
        for task in list(self.pipes):
            task.cancel()
        await asyncio.gather(*self.pipes, return_exceptions=True)
        await self.server.wait_closed()

    async def _serve(self, reader, writer) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def pipe(source, sink) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            finally:
                sink.close()

        tasks = {asyncio.create_task(pipe(reader, upstream_writer)),
                 asyncio.create_task(pipe(upstream_reader, writer))}
        self.pipes |= tasks
        await asyncio.gather(*tasks, return_exceptions=True)
        self.pipes -= tasks


async def push(client, key, count: int) -> list[exchange_pb2.Receipt]:
    envelopes = [sign_record(make_record("fsa-jp"), [key]) for _ in range(count)]
    outcomes = [o async for o in client.submit_stream(envelopes)]
    assert all(isinstance(o, exchange_pb2.Receipt) for o in outcomes)
    return outcomes


SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING


async def freshness(client) -> int:
    """The health status of the graph's freshness, as a load balancer would ask it."""
    stub = health_pb2_grpc.HealthStub(client.channel)
    return (await stub.Check(health_pb2.HealthCheckRequest(service=FRESHNESS))).status


async def poll(ask, done, timeout: float):
    """Ask until `done(answer)`; the last answer (the test's assert says what it wanted)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not done(answer := await ask()) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.2)
    return answer


def scrape_metrics(gateway) -> str:
    """The gateway's metrics, rendered as a scrape would (without a listener)."""
    from prometheus_client import generate_latest
    return generate_latest(gateway.metrics.registry).decode()


@pytest.mark.timeout(240)
async def test_ingestion_goes_on_while_the_graph_is_down_and_the_graph_catches_up(tmp_path):
    database = EmbeddedArcadeDB(tmp_path / "external-graph")
    endpoint = await database.start()
    relay = Relay(free_loopback_port(), int(endpoint.uri.rsplit(":", 1)[1]))
    settings = config.load(data_dir=tmp_path / "gw", listen="127.0.0.1:0", origin="outage.test/log",
                           graph=f"bolt://127.0.0.1:{relay.port}", graph_user=endpoint.user,
                           graph_password=endpoint.password, graph_database=endpoint.database,
                           projection_stuck_seconds=2)
    try:
        # The gateway starts while the graph is unreachable: the relay is not up yet.
        async with gateway_env(settings) as env:
            client, key = env.client("fsa-jp"), env.signing["fsa-jp"]
            first = await push(client, key, 40)  # acknowledged into the ledger with no graph at all
            with pytest.raises(errors.Unavailable):
                await client.search("Example Coin")
            assert (await client.graph_status()).available is False

            await relay.up()  # the database comes back: the gateway connects and projects everything
            await client.wait_projected(timeout=90)
            assert (await client.graph_status()).projected_through == first[-1].log_index

            assert await freshness(client) == SERVING
            assert not (await client.graph_status()).stuck

            await relay.down()  # a second outage, now with a connected store: the projection pauses
            second = await push(client, key, 40)
            await asyncio.sleep(1)
            assert (await client.graph_status()).projected_through < second[-1].log_index
            # Failing at one place for projection_stuck_seconds is an alarm, not just lag.
            status = await poll(client.graph_status, lambda s: s.stuck, timeout=30)
            assert status.failing_since.seconds > 0
            assert status.projection_error.startswith(f"the projection cannot advance past ledger entry "
                                                      f"{first[-1].log_index + 1} (")
            assert "Example" not in status.projection_error and "bolt" not in status.projection_error
            assert await poll(lambda: freshness(client), lambda s: s == NOT_SERVING, timeout=5) == NOT_SERVING
            scrape = await asyncio.to_thread(scrape_metrics, env.gateway)
            assert "regulink_projection_stuck 1.0" in scrape and "regulink_projector_up 1.0" in scrape

            await relay.up()
            status = await client.wait_projected(timeout=90)  # up to the ledger's end: the second outage's last
            assert status.projected_through == second[-1].log_index
            status = await poll(client.graph_status, lambda s: not s.stuck, timeout=10)
            assert status.projection_error == "" and not status.HasField("failing_since")
            assert await poll(lambda: freshness(client), lambda s: s == SERVING, timeout=5) == SERVING
            hits = await client.search("Example Coin Exchange Ltd", page_size=500)
            assert len(hits.hits) == 80  # every record of both outages, each once
    finally:
        if relay.server is not None and relay.server.is_serving():
            await relay.down()
        await database.stop()
