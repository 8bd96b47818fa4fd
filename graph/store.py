"""The graph store: one implementation over the official async neo4j driver (Bolt + Cypher).

ArcadeDB (embedded default, graph.embedded) and Neo4j 5 (production) sit
behind the same code; graph.dialect holds the few statements that differ.
Methods name what the projector and investigators need; the Cypher is in
graph.queries.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field

import neo4j
import orjson

from graph import bulk_arcadedb, dialect, provenance, queries
from graph.embedded import BoltEndpoint
from graph.provenance import Element

log = logging.getLogger(__name__)


def _rows() -> dict[str, list[dict]]:
    return defaultdict(list)


@dataclass
class WriteBatch:
    """Everything one projection step changes, written in one transaction.

    Nodes, edges, pages and records are created or updated as the projector
    knows them to be new or stored (graph.queries: no MERGE on the hot path).
    """

    node_deletes: list[str] = field(default_factory=list)
    node_creates: dict[str, list[dict]] = field(default_factory=_rows)  # label -> rows
    node_updates: list[dict] = field(default_factory=list)
    edge_deletes: dict[str, list[dict]] = field(default_factory=_rows)  # type -> rows
    edge_creates: dict[str, list[dict]] = field(default_factory=_rows)
    edge_updates: dict[str, list[dict]] = field(default_factory=_rows)
    page_deletes: list[str] = field(default_factory=list)
    page_creates: list[dict] = field(default_factory=list)
    page_updates: list[dict] = field(default_factory=list)
    record_creates: list[dict] = field(default_factory=list)
    record_updates: list[dict] = field(default_factory=list)
    unnamed: list[dict] = field(default_factory=list)  # {key, blocks}: name blocks a node leaves
    named: list[dict] = field(default_factory=list)  # {key, blocks}: name blocks a node joins
    set_aside: list[dict] = field(default_factory=list)  # {log_index, reason}: entries left out, and why
    watermark: int | None = None
    watermark_leaf: bytes | None = None  # the leaf hash of the watermark's ledger entry (ProjectionState)


@dataclass(frozen=True)
class ProjectionState:
    """What the graph says of itself before a projector continues it (gateway.server.projection.worker).

    `leaf` is the hex leaf hash of the ledger entry at `watermark`, as the graph was projected from it
    (None in graphs written before it was kept). `rebuild_*` describe a rebuild's mark: set before the
    graph is emptied, removed once it is whole again; still there means the graph is incomplete, unless
    its owner is alive (its heartbeat younger than graph_rebuild.STALE_SECONDS, on the database's clock).
    """

    watermark: int = -1
    leaf: str | None = None
    filled: bool = False
    rebuild_owner: str | None = None
    rebuild_reason: str | None = None
    rebuild_started_ms: int | None = None
    rebuild_age_ms: int | None = None

    @property
    def rebuilding(self) -> bool:
        return self.rebuild_owner is not None


class GraphTimeout(TimeoutError):
    """The graph database did not answer a read within GraphStore.query_timeout: it hangs or is overloaded."""


UNIQUE_KEYS = (("entity_key", "Entity"), ("record_key", "Record"), ("meta_key", "Meta"),
               ("name_block_key", "NameBlock"), ("src_page_key", "SrcPage"))


class GraphStore:
    # Seconds an investigator's read may wait for the database. A server that hangs (a stopped or stuck
    # JVM) accepts connections and never answers, and the driver has no read timeout of its own: without
    # this deadline every query would hang with it (issue 13). The gateway answers UNAVAILABLE.
    query_timeout: float = 30.0

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
        for statement in dialect.statements(self.backend, "node_index", name="record_case", label="Record",
                                            prop="case"):
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
        try:
            async with asyncio.timeout(self.query_timeout):
                async with self.driver.session(database=self.database,
                                               default_access_mode=neo4j.READ_ACCESS) as session:
                    result = await session.run(cypher, params)
                    return [dict(record.items()) async for record in result]
        except TimeoutError:
            raise GraphTimeout(f"the graph database did not answer within {self.query_timeout:g}s") from None

    async def read_items(self, cypher: str, fields: tuple[str, ...], **params) -> list[dict]:
        """A read whose rows hold lists (`items`): one dict per item, keyed by `fields`, with the
        row's other columns (an expansion's origin, a name block) added to each."""
        found = []
        for row in await self.read(cypher, **params):
            items = row.pop("items") or []
            found += [{**row, **dict(zip(fields, item))} for item in items]
        return found

    # -- projection ----------------------------------------------------------------------------

    async def watermark(self) -> int:
        rows = await self.run(queries.WATERMARK)
        return rows[0]["log_index"] if rows and rows[0]["log_index"] is not None else -1

    async def set_aside_count(self) -> int:
        return (await self.run(queries.COUNT_SET_ASIDE))[0]["n"]

    async def set_watermark(self, log_index: int, leaf: bytes | None = None) -> None:
        await self.run(queries.SET_WATERMARK, log_index=log_index, format=provenance.FORMAT,
                       leaf=leaf.hex() if leaf else None)

    async def projection_state(self) -> ProjectionState:
        row = (await self.run(queries.PROJECTION_STATE))[0]
        return ProjectionState(
            watermark=row["log_index"] if row["log_index"] is not None else -1, leaf=row["leaf"],
            filled=bool(row["filled"]), rebuild_owner=row["rebuild_owner"], rebuild_reason=row["rebuild_reason"],
            rebuild_started_ms=row["rebuild_started_ms"], rebuild_age_ms=row["rebuild_age_ms"])

    async def begin_rebuild(self, owner: str, reason: str) -> None:
        """Mark the graph incomplete (durably, in the graph) before anything in it is removed: a
        projector that finds the mark after a crash empties the graph and projects it again."""
        await self.run(queries.BEGIN_REBUILD, owner=owner, reason=reason)

    async def rebuild_heartbeat(self, owner: str) -> None:
        await self.run(queries.REBUILD_HEARTBEAT, owner=owner)

    async def end_rebuild(self) -> None:
        """The graph is whole again (its watermark says through where): remove the mark."""
        await self.run(queries.END_REBUILD)

    async def load_records(self, keys: list[str]) -> dict[str, dict]:
        """Record key -> {version, nodes: {key: page}, edges: {triple: page}} (where its entries are)."""
        if not keys:
            return {}
        rows = await self.run(queries.LOAD_RECORDS, keys=keys)
        return {
            r["key"]: {"version": r["version"],
                       "nodes": dict(zip(r["nodes"] or [], r["node_pages"] or [])),
                       "edges": {tuple(orjson.loads(e)): p for e, p in zip(r["edges"] or [], r["edge_pages"] or [])}}
            for r in rows
        }

    async def load_nodes(self, keys: list[str]) -> dict[str, Element]:
        if not keys:
            return {}
        return {r["key"]: _element(next(label for label in r["labels"] if label != "Entity"), r)
                for r in await self.run(queries.LOAD_NODES, keys=keys)}

    async def load_edges(self, triples: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], Element]:
        if not triples:
            return {}
        rows = await self.run(queries.LOAD_EDGES,
                              rows=[{"source": s, "type": t, "target": d} for s, t, d in triples])
        return {(r["source"], r["type"], r["target"]): _element(r["type"], r) for r in rows}

    async def load_pages(self, keys: list[str]) -> dict[str, dict[str, dict]]:
        """Page key -> {record key: entry}, for the pages that exist."""
        if not keys:
            return {}
        return {r["key"]: _entries(r["src"]) for r in await self.run(queries.LOAD_PAGES, keys=keys)}

    async def write(self, batch: WriteBatch) -> None:
        statements: list[tuple[str, dict]] = []

        def add(cypher: str, **params) -> None:
            if any(params.values()):
                statements.append((cypher, params))

        for rel_type, rows in batch.edge_deletes.items():
            add(queries.delete_edges(rel_type), rows=rows)
        add(queries.DELETE_NODES, keys=batch.node_deletes)
        for label, rows in batch.node_creates.items():
            add(queries.create_nodes(label), rows=rows)
        add(queries.UPDATE_NODES, rows=batch.node_updates)
        add(queries.UNSET_NAMED, rows=batch.unnamed)
        add(queries.SET_NAMED, rows=batch.named)
        for rel_type, rows in batch.edge_updates.items():
            add(queries.update_edges(rel_type), rows=rows)
        for rel_type, rows in batch.edge_creates.items():
            add(queries.create_edges(rel_type), rows=rows)
        add(queries.DELETE_PAGES, keys=batch.page_deletes)
        add(queries.CREATE_PAGES, rows=batch.page_creates)
        add(queries.UPDATE_PAGES, rows=batch.page_updates)
        add(queries.CREATE_RECORDS, rows=batch.record_creates)
        add(queries.UPDATE_RECORDS, rows=batch.record_updates)
        add(queries.SET_ASIDE, rows=batch.set_aside)
        if batch.watermark is not None:
            statements.append((queries.SET_WATERMARK, {"log_index": batch.watermark, "format": provenance.FORMAT,
                                                       "leaf": batch.watermark_leaf.hex() if batch.watermark_leaf
                                                       else None}))

        async def work(tx):
            for cypher, params in statements:
                result = await tx.run(cypher, params)
                await result.consume()

        async with self.driver.session(database=self.database) as session:
            await session.execute_write(work)

    async def write_fresh(self, batch: WriteBatch, chunk: int = 5000) -> None:
        """Write a whole folded graph into an empty database, in chunks (rebuild's bulk path)."""
        blocks = sorted({b for row in batch.named for b in row["blocks"]})
        if self.backend == "arcadedb" and self.endpoint.http_url:
            await bulk_arcadedb.load(self.endpoint, batch.node_creates, batch.edge_creates, batch.record_creates,
                                     batch.page_creates, blocks, batch.named, self._ensure_node_type)
            return

        async def each(cypher: str, name: str, rows: list) -> None:
            for i in range(0, len(rows), chunk):
                await self.run(cypher, **{name: rows[i:i + chunk]})

        for label, rows in batch.node_creates.items():
            await each(queries.create_nodes(label), "rows", rows)
        for rel_type, rows in batch.edge_creates.items():
            await each(queries.create_edges(rel_type), "rows", rows)
        await each(queries.CREATE_PAGES, "rows", batch.page_creates)
        await each(queries.CREATE_RECORDS, "rows", batch.record_creates)
        await each(queries.CREATE_NAME_BLOCKS, "keys", blocks)
        await each(queries.CREATE_NAMED, "rows", batch.named)

    async def _ensure_node_type(self, label: str) -> None:
        """Let the database create a label's type as a Cypher CREATE would (ArcadeDB: the labels sorted and
        joined by "~")."""
        await self.run(f"CREATE (n:Entity:{dialect.identifier(label)} {{key: '~type'}}) DELETE n")

    async def clear(self) -> None:
        """Empty the projection (for `regulink graph rebuild`); a rebuild's mark (begin_rebuild) stays."""
        await self.run(queries.CLEAR_ALL)

    async def dump(self) -> tuple[dict, dict]:
        """Every node (labels, readers, sources) and edge (readers, sources), each with all its source
        entries, head and pages: for tests comparing two projections, whatever page an entry sits on."""
        paged: dict[str, list[str]] = defaultdict(list)
        for row in await self.run(queries.DUMP_PAGES):
            paged[provenance.page_element(row["key"])] += row["src"]
        nodes = {r["key"]: (sorted(r["labels"]), sorted(r["readers"]),
                            sorted([*r["src"], *paged.pop(provenance.node_id(r["key"]), [])]))
                 for r in await self.run(queries.DUMP_NODES)}
        edges = {(r["source"], r["type"], r["target"]): (
            sorted(r["readers"]),
            sorted([*r["src"], *paged.pop(provenance.edge_id(r["source"], r["type"], r["target"]), [])]))
            for r in await self.run(queries.DUMP_EDGES)}
        assert not paged, f"pages of no element: {sorted(paged)[:5]}"
        return nodes, edges

    async def dump_tallies(self) -> dict:
        """Element id -> what is derived from its entries (tally, and a node's names and agency count)."""
        found = {provenance.node_id(r["key"]): (_tally_view(r["tally"], r["src"]), sorted(r["names"] or []),
                                                r["agency_count"])
                 for r in await self.run(queries.DUMP_NODES)}
        found.update({provenance.edge_id(r["source"], r["type"], r["target"]): (_tally_view(r["tally"], r["src"]),)
                      for r in await self.run(queries.DUMP_EDGES)})
        return found


def _entries(src) -> dict[str, dict]:
    entries = (provenance.decode(s) for s in src or [])
    return {e["record"]: e for e in entries}


def _element(label: str, row: dict) -> Element:
    """A stored node or edge as the projector holds it."""
    head = _entries(row["src"])
    tally = provenance.stored_tally(row["tally"], head.values())
    return Element(label, head, row["pages"] or 0, tally, stored_label=label, stored_names=frozenset(tally.names))


def _tally_view(text: str | None, src: list[str]) -> tuple:
    tally = provenance.stored_tally(text, _entries(src).values())
    return tuple(sorted(tally.seen.items())), tuple(sorted(tally.names.items()))
