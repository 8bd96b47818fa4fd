"""The embedded graph database under a running gateway: killed, it is started again; stopped (SIGSTOP),
queries time out with UNAVAILABLE instead of hanging; meanwhile health, GetGraphStatus and the metrics
say the graph is down, and records are still accepted (issue 13, item 4)."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway import errors
from gateway.server import config
from gateway.server.app import GRAPH_STORE
from gateway.server.projection import graphdb as graph_watch
from graph.store import GraphStore
from regulink.v1 import exchange_pb2
from tests.e2e.conftest import gateway_env, make_record, signed
from tests.e2e.test_graph_outage import NOT_SERVING, SERVING, freshness, poll, scrape_metrics


async def graph_health(client) -> int:
    stub = health_pb2_grpc.HealthStub(client.channel)
    return (await stub.Check(health_pb2.HealthCheckRequest(service=GRAPH_STORE))).status


async def push(env, count: int) -> list:
    receipts = [o async for o in env.client("fsa-jp").submit_stream(
        [signed(env, make_record("fsa-jp")) for _ in range(count)])]
    assert len(receipts) == count and all(isinstance(r, exchange_pb2.Receipt) for r in receipts)
    return receipts


def metric(scrape: str, name: str) -> float:
    return float(next(line.split()[-1] for line in scrape.splitlines() if line.startswith(name + " ")))


async def operators(client) -> int:
    return len((await client.search("Example Coin Exchange Ltd", page_size=500)).hits)


@pytest.mark.timeout(300)
async def test_a_killed_graph_database_is_started_again_and_queries_work_again(tmp_path):
    settings = config.load(data_dir=tmp_path, listen="127.0.0.1:0", origin="graph-child.test/log", graph_heap="512m")
    async with gateway_env(settings) as env:
        client = env.client("fsa-jp")
        await push(env, 30)
        await client.wait_projected(timeout=60)
        assert await operators(client) == 30
        database = env.gateway.graph_db
        killed = database.pid
        os.kill(killed, signal.SIGKILL)

        # While it is down: the truth everywhere, UNAVAILABLE (not INTERNAL), and ingestion goes on.
        status = await poll(client.graph_status, lambda s: not s.available, timeout=10)
        assert not status.available
        with pytest.raises(errors.Unavailable):
            await client.search("Example Coin")
        assert await graph_health(client) == NOT_SERVING
        assert await freshness(client) == NOT_SERVING
        assert metric(await asyncio.to_thread(scrape_metrics, env.gateway), "regulink_graph_up") == 0
        await push(env, 20)

        # It comes back by itself: another process, the same endpoint, every record projected.
        status = await poll(client.graph_status, lambda s: s.available, timeout=90)
        assert status.available and database.pid not in (None, killed)
        await client.wait_projected(timeout=90)
        assert await operators(client) == 50
        assert await poll(lambda: graph_health(client), lambda s: s == SERVING, timeout=5) == SERVING
        assert await poll(lambda: freshness(client), lambda s: s == SERVING, timeout=5) == SERVING
        scrape = await asyncio.to_thread(scrape_metrics, env.gateway)
        assert metric(scrape, "regulink_graph_up") == 1 and metric(scrape, "regulink_graph_restarts_total") == 1


@pytest.mark.timeout(300)
async def test_a_hung_graph_database_answers_unavailable_in_time_and_recovers(tmp_path, monkeypatch):
    """SIGSTOP: the JVM keeps its sockets (connections are accepted) and never answers."""
    monkeypatch.setattr(GraphStore, "query_timeout", 2.0)
    settings = config.load(data_dir=tmp_path, listen="127.0.0.1:0", origin="graph-hung.test/log", graph_heap="512m")
    async with gateway_env(settings) as env:
        client = env.client("fsa-jp")
        await push(env, 20)
        await client.wait_projected(timeout=60)
        database = env.gateway.graph_db
        pid = database.pid
        os.kill(pid, signal.SIGSTOP)
        try:
            began = time.monotonic()
            with pytest.raises(errors.Unavailable):  # the query's own deadline, on the gateway's side
                await client.search("Example Coin")
            assert time.monotonic() - began < 10
            status = await poll(client.graph_status, lambda s: not s.available, timeout=20)
            assert not status.available
            assert await graph_health(client) == NOT_SERVING
            began = time.monotonic()
            with pytest.raises(errors.Unavailable):  # known down: at once
                await client.search("Example Coin")
            assert time.monotonic() - began < 1
            scrape = await asyncio.to_thread(scrape_metrics, env.gateway)
            assert metric(scrape, "regulink_graph_up") == 0
            assert metric(scrape, "regulink_graph_query_timeouts_total") >= 1
            assert metric(scrape, "regulink_graph_probe_failures_total") >= 2
            assert 'regulink_rpcs_total{code="UNAVAILABLE",method="Search",service="QueryService"}' in scrape
            await push(env, 10)  # the ledger does not wait for the graph
        finally:
            os.kill(pid, signal.SIGCONT)

        status = await poll(client.graph_status, lambda s: s.available, timeout=30)
        assert status.available and database.pid == pid  # the same process: it was only stopped
        await client.wait_projected(timeout=60)
        for _ in range(5):  # no connection is left half-read by the timed-out query
            assert await operators(client) == 30


@pytest.mark.timeout(300)
async def test_a_graph_database_hung_for_long_is_killed_and_started_again(tmp_path, monkeypatch):
    monkeypatch.setattr(graph_watch, "HUNG_KILL_AFTER", 6.0)
    settings = config.load(data_dir=tmp_path, listen="127.0.0.1:0", origin="graph-stuck.test/log", graph_heap="512m")
    async with gateway_env(settings) as env:
        client = env.client("fsa-jp")
        await push(env, 10)
        await client.wait_projected(timeout=60)
        database = env.gateway.graph_db
        stopped = database.pid
        os.kill(stopped, signal.SIGSTOP)
        status = await poll(client.graph_status, lambda s: s.available and database.pid != stopped, timeout=90)
        assert status.available and database.pid != stopped
        with pytest.raises(ProcessLookupError):
            os.kill(stopped, 0)
        await push(env, 5)
        await client.wait_projected(timeout=60)
        assert await operators(client) == 15
