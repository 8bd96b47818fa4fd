"""The graph store: one implementation over the official async neo4j driver (Bolt + Cypher).

ArcadeDB (embedded default, graph.embedded) and Neo4j 5 (production) sit
behind the same code; graph.dialect holds the few statements that differ.
Methods name what the projector and investigators need; the Cypher is in
graph.queries.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

import neo4j
import orjson

from graph import bulk_arcadedb, dialect, provenance, queries
from graph.embedded import BoltEndpoint

log = logging.getLogger(__name__)


@dataclass
class WriteBatch:
    """Everything one projection step changes, written in one transaction."""

    node_deletes: list[str] = field(default_factory=list)
    node_upserts: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))  # label -> rows
    edge_deletes: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))  # type -> rows
    edge_creates: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    edge_updates: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    records: list[dict] = field(default_factory=list)
    named_nodes: list[str] = field(default_factory=list)  # their name blocks are refiled
    named: list[dict] = field(default_factory=list)  # {key, blocks}
    watermark: int | None = None


UNIQUE_KEYS = (("entity_key", "Entity"), ("record_key", "Record"), ("meta_key", "Meta"),
               ("name_block_key", "NameBlock"))


class GraphStore:
    def __init__(self, driver: neo4j.AsyncDriver, endpoint: BoltEndpoint, backend: dialect.Backend) -> None:
        self.driver = driver
        self.endpoint = endpoint
        self.database = endpoint.database
        self.backend = backend

    @classmethod
    async def connect(cls, endpoint: BoltEndpoint) -> GraphStore:
        driver = neo4j.AsyncGraphDatabase.driver(endpoint.uri, auth=(endpoint.user, endpoint.password))
        try:
            async with driver.session(database=endpoint.database) as session:
                backend = await dialect.detect_backend(session)
        except Exception:
            await driver.close()
            raise
        return cls(driver, endpoint, backend)

    async def close(self) -> None:
        await self.driver.close()

    async def setup(self) -> None:
        """Uniqueness constraints on the merge keys; idempotent, run at every start.

        A projection written in an older layout (graph.provenance.FORMAT) is
        cleared: it is derived data, and the watermark it loses makes the
        gateway replay the ledger into it (`regulink graph rebuild` is the
        faster way, offline).
        """
        for name, label in UNIQUE_KEYS:
            for statement in dialect.statements(self.backend, "unique_node_key", name=name, label=label, prop="key"):
                await dialect.execute(statement, driver=self.driver, endpoint=self.endpoint)
        for statement in dialect.statements(self.backend, "node_index", name="record_case", label="Record", prop="case"):
            await dialect.execute(statement, driver=self.driver, endpoint=self.endpoint)
        found = (await self.run(queries.PROJECTION_FORMAT))[0]
        if found["filled"] and found["format"] != provenance.FORMAT:
            log.warning("the graph holds a projection in layout %s, this version writes layout %s: clearing it, "
                        "the ledger is replayed into it", found["format"] or 1, provenance.FORMAT)
            await self.clear()

    # -- plumbing ---------------------------------------------------------------------------

    async def run(self, cypher: str, **params) -> list[dict]:
        async with self.driver.session(database=self.database) as session:
            result = await session.run(cypher, params)
            return [record.data() async for record in result]

    async def read(self, cypher: str, **params) -> list[dict]:
        """A read in an auto-commit transaction: one round trip (a managed one costs three).

        Rows are taken as they come (`items()`): the investigator's queries return
        only values, and `data()` walks every nested list again looking for nodes
        to convert: ~0.7 ms of a 2-hop answer via gRPC (docs/benchmarks.md).
        """
        async with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
            result = await session.run(cypher, params)
            return [dict(record.items()) async for record in result]

    # -- projection ----------------------------------------------------------------------------

    async def watermark(self) -> int:
        rows = await self.run(queries.WATERMARK)
        return rows[0]["log_index"] if rows and rows[0]["log_index"] is not None else -1

    async def set_watermark(self, log_index: int) -> None:
        await self.run(queries.SET_WATERMARK, log_index=log_index, format=provenance.FORMAT)

    async def load_records(self, keys: list[str]) -> dict[str, dict]:
        if not keys:
            return {}
        rows = await self.run(queries.LOAD_RECORDS, keys=keys)
        return {
            r["key"]: {"version": r["version"], "nodes": list(r["nodes"] or []),
                       "edges": [tuple(orjson.loads(e)) for e in r["edges"] or []]}
            for r in rows
        }

    async def load_nodes(self, keys: list[str]) -> dict[str, tuple[str, dict[str, dict]]]:
        """key -> (type label, {record key: source entry})."""
        if not keys:
            return {}
        rows = await self.run(queries.LOAD_NODES, keys=keys)
        out = {}
        for r in rows:
            label = next(label for label in r["labels"] if label != "Entity")
            entries = [provenance.decode(s) for s in r["src"] or []]
            out[r["key"]] = (label, {e["record"]: e for e in entries})
        return out

    async def load_edges(self, triples: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], dict[str, dict]]:
        if not triples:
            return {}
        rows = await self.run(queries.LOAD_EDGES,
                              rows=[{"source": s, "type": t, "target": d} for s, t, d in triples])
        return {
            (r["source"], r["type"], r["target"]): {e["record"]: e for e in map(provenance.decode, r["src"] or [])}
            for r in rows
        }

    async def write(self, batch: WriteBatch) -> None:
        statements: list[tuple[str, dict]] = []
        for rel_type, rows in batch.edge_deletes.items():
            statements.append((queries.delete_edges(rel_type), {"rows": rows}))
        if batch.node_deletes:
            statements.append((queries.DELETE_NODES, {"keys": batch.node_deletes}))
        for label, rows in batch.node_upserts.items():
            statements.append((queries.upsert_nodes(label), {"rows": rows}))
        if batch.named_nodes:
            statements.append((queries.CLEAR_NAMED, {"keys": batch.named_nodes}))
        if batch.named:
            statements.append((queries.SET_NAMED, {"rows": batch.named}))
        for rel_type, rows in batch.edge_updates.items():
            statements.append((queries.update_edges(rel_type), {"rows": rows}))
        for rel_type, rows in batch.edge_creates.items():
            statements.append((queries.create_edges(rel_type), {"rows": rows}))
        if batch.records:
            statements.append((queries.UPSERT_RECORDS, {"rows": batch.records}))
        if batch.watermark is not None:
            statements.append((queries.SET_WATERMARK, {"log_index": batch.watermark, "format": provenance.FORMAT}))

        async def work(tx):
            for cypher, params in statements:
                result = await tx.run(cypher, params)
                await result.consume()

        async with self.driver.session(database=self.database) as session:
            await session.execute_write(work)

    async def write_fresh(self, batch: WriteBatch, chunk: int = 5000) -> None:
        """Write a whole folded graph into an empty database, in chunks (rebuild's bulk path)."""
        edges: dict[str, list[dict]] = defaultdict(list)  # in an empty graph every edge is created
        for rel_type, rows in [*batch.edge_creates.items(), *batch.edge_updates.items()]:
            edges[rel_type] += rows
        blocks = sorted({b for row in batch.named for b in row["blocks"]})
        if self.backend == "arcadedb" and self.endpoint.http_url:
            await bulk_arcadedb.load(self.endpoint, batch.node_upserts, edges, batch.records, blocks, batch.named,
                                     self._ensure_node_type)
            return

        async def each(cypher: str, name: str, rows: list) -> None:
            for i in range(0, len(rows), chunk):
                await self.run(cypher, **{name: rows[i:i + chunk]})

        for label, rows in batch.node_upserts.items():
            await each(queries.create_nodes(label), "rows", rows)
        for rel_type, rows in edges.items():
            await each(queries.create_edges(rel_type), "rows", rows)
        await each(queries.CREATE_RECORDS, "rows", batch.records)
        await each(queries.CREATE_NAME_BLOCKS, "keys", blocks)
        await each(queries.CREATE_NAMED, "rows", batch.named)

    async def _ensure_node_type(self, label: str) -> None:
        """Let the database create a label's type as a Cypher CREATE would (ArcadeDB: the labels sorted and joined by "~")."""
        await self.run(f"CREATE (n:Entity:{dialect.identifier(label)} {{key: '~type'}}) DELETE n")

    async def clear(self) -> None:
        """Empty the projection (for `regulink graph rebuild`)."""
        await self.run(queries.CLEAR_ALL)

    async def dump(self) -> tuple[dict, dict]:
        """Every node and edge with readers and sources: for tests comparing two projections."""
        nodes = {r["key"]: (sorted(r["labels"]), sorted(r["readers"]), sorted(r["src"]))
                 for r in await self.run(queries.DUMP_NODES)}
        edges = {(r["source"], r["type"], r["target"]): (sorted(r["readers"]), sorted(r["src"]))
                 for r in await self.run(queries.DUMP_EDGES)}
        return nodes, edges
