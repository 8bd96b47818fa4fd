"""Backends for the contract suite: the Cypher graph/ relies on, run for real.

One embedded ArcadeDB server serves the whole session (it takes ~2 s to
start). Neo4j joins when NEO4J_URI is set (NEO4J_USER, NEO4J_PASSWORD,
optional NEO4J_DATABASE); otherwise its parameter is reported as skipped, so
a run says plainly that Neo4j was not checked.

Tests share one database, so each gets its own labels from the ``scratch``
fixture and removes only its own nodes and constraints: a Neo4j database
handed to the suite is never wiped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import neo4j
import pytest
import pytest_asyncio

from graph.dialect import Backend, detect_backend
from graph.embedded import BoltEndpoint, EmbeddedArcadeDB, arcadedb_http
from graph.store import GraphStore


@dataclass(frozen=True)
class GraphBackend:
    """What a contract test gets: a driver, its database and which backend it is."""

    driver: neo4j.AsyncDriver
    database: str
    backend: Backend
    endpoint: BoltEndpoint

    def session(self, **kwargs: object) -> neo4j.AsyncSession:
        return self.driver.session(database=self.database, **kwargs)

    async def query(self, text: str, **params: object) -> list[dict[str, object]]:
        """Run one auto-committed query and return its rows as dicts."""
        records, _, _ = await self.driver.execute_query(text, params, database_=self.database)
        return [record.data() for record in records]


def _neo4j_endpoint() -> BoltEndpoint | None:
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        return None
    return BoltEndpoint(
        uri=uri,
        user=os.environ.get("NEO4J_USER", "neo4j"),
        password=os.environ.get("NEO4J_PASSWORD", ""),
        database=os.environ.get("NEO4J_DATABASE", "neo4j"),
    )


_NEO4J_SKIP = pytest.mark.skipif(
    _neo4j_endpoint() is None,
    reason="Neo4j not checked: set NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE) to run it",
)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def arcadedb(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedArcadeDB]:
    """The one ArcadeDB child process of the test session."""
    server = EmbeddedArcadeDB(Path(tmp_path_factory.mktemp("arcadedb")) / "graph")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest_asyncio.fixture(
    scope="session",
    loop_scope="session",
    params=["arcadedb", pytest.param("neo4j", marks=_NEO4J_SKIP)],
)
async def bolt(request: pytest.FixtureRequest, arcadedb: EmbeddedArcadeDB) -> AsyncIterator[GraphBackend]:
    """A driver to each backend under test, shared by the whole session.

    ArcadeDB is requested even for the Neo4j parameter: it runs in every
    test run anyway, and an async fixture cannot be fetched lazily.
    """
    backend: Backend = request.param
    if backend == "arcadedb":
        assert arcadedb.endpoint is not None
        endpoint = arcadedb.endpoint
    else:
        endpoint = _neo4j_endpoint()
        assert endpoint is not None
    driver = neo4j.AsyncGraphDatabase.driver(endpoint.uri, auth=(endpoint.user, endpoint.password))
    try:
        async with driver.session(database=endpoint.database) as session:
            detected = await detect_backend(session)
        assert detected == backend, f"{endpoint.uri} is {detected}, expected {backend}"
        yield GraphBackend(driver=driver, database=endpoint.database, backend=backend, endpoint=endpoint)
    finally:
        await driver.close()


@dataclass
class Scratch:
    """Labels unique to one test, so tests can share a database safely."""

    bolt: GraphBackend
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    labels: list[str] = field(default_factory=list)

    def label(self, name: str) -> str:
        label = f"{name}_{self.tag}"
        self.labels.append(label)
        return label

    def name(self, name: str) -> str:
        """A constraint or index name unique to this test."""
        return f"{name}_{self.tag}"

    async def cleanup(self) -> None:
        for label in self.labels:
            await self.bolt.query(f"MATCH (n:{label}) DETACH DELETE n")
        for row in await self.bolt.query("SHOW CONSTRAINTS YIELD name RETURN name"):
            if str(row["name"]).endswith(self.tag):
                await self.bolt.query(f"DROP CONSTRAINT {row['name']} IF EXISTS")
        for row in await self.bolt.query("SHOW INDEXES YIELD name RETURN name"):
            if str(row["name"]).endswith(self.tag):
                await self.bolt.query(f"DROP INDEX {row['name']} IF EXISTS")


@pytest_asyncio.fixture(loop_scope="session")
async def scratch(bolt: GraphBackend) -> AsyncIterator[Scratch]:
    scratch = Scratch(bolt)
    try:
        yield scratch
    finally:
        await scratch.cleanup()


@pytest_asyncio.fixture(loop_scope="session")
async def store(bolt):
    """A GraphStore on an empty database of its own (ArcadeDB), or the cleared NEO4J_DATABASE."""
    endpoint = bolt.endpoint
    if bolt.backend == "arcadedb":
        name = f"p{uuid.uuid4().hex[:10]}"
        await arcadedb_http(endpoint, "POST", "/api/v1/server", {"command": f"create database {name}"})
        endpoint = BoltEndpoint(endpoint.uri, endpoint.user, endpoint.password, name, endpoint.http_url)
    graph = await GraphStore.connect(endpoint)
    await graph.setup()
    await graph.clear()
    try:
        yield graph
    finally:
        await graph.clear()
        await graph.close()
        if bolt.backend == "arcadedb":
            await arcadedb_http(bolt.endpoint, "POST", "/api/v1/server", {"command": f"drop database {endpoint.database}"})
