"""Rebuild's bulk path on ArcadeDB: a whole folded graph through the server's batch endpoint.

`UNWIND … MATCH … CREATE` over Bolt manages 1–2.5k edges/s here (each row
looks up both ends by key); ArcadeDB's `POST /api/v1/batch/{db}` takes
vertices and edges as JSON lines and links edges by record id, at tens of
thousands of rows per second (docs/arcadedb.md). The rows are the very ones
`GraphStore.write_fresh` would CREATE, so the graph is the same (the contract
suite compares it with incremental projection); only the transport differs.

Vertices go first, in chunks, and their record ids come back in the
response (`idMapping`); edges then name both ends by record id. While the
server loads one chunk, the next one is serialized (the HTTP call runs in a
thread). The batch endpoint commits as it goes, so a failed load leaves a
partial graph with no watermark: the rebuild is simply run again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator

import orjson

from graph.embedded import BoltEndpoint, arcadedb_batch, arcadedb_sql

CHUNK_LINES = 10_000  # the server omits idMapping from larger answers


def _vertex_lines(rows: Iterable[tuple[str, dict]]) -> Iterator[bytes]:
    """Temporary ids are the row numbers ("v17"), so the id mapping leads back to the rows."""
    for n, (type_name, row) in enumerate(rows):
        yield orjson.dumps({"@type": "vertex", "@class": type_name, "@id": f"v{n}", **row})


async def _post_chunks(endpoint: BoltEndpoint, lines: Iterator[bytes]) -> list[dict]:
    """Post the lines in chunks, serializing the next chunk while the server loads the current one."""
    answers: list[dict] = []
    pending: asyncio.Task | None = None
    while True:
        chunk = [line for _, line in zip(range(CHUNK_LINES), lines)]  # range first: no line is lost
        if pending is not None:
            answers.append(await pending)
            pending = None
        if not chunk:
            return answers
        pending = asyncio.create_task(arcadedb_batch(endpoint, b"\n".join(chunk)))


async def load(endpoint: BoltEndpoint, entities: dict[str, list[dict]], edges: dict[str, list[dict]],
               records: list[dict], blocks: list[str], named: list[dict],
               ensure_node_type) -> None:
    """Load a folded graph into an empty ArcadeDB database (see the module docstring)."""
    for label in entities:
        await ensure_node_type(label)
    for rel_type in [*edges, "NAMED"]:
        await arcadedb_sql(endpoint, f"CREATE EDGE TYPE {rel_type} IF NOT EXISTS")

    vertex_rows: list[tuple[str, dict]] = []
    for label, rows in entities.items():
        type_name = "~".join(sorted(("Entity", label)))  # how ArcadeDB names a two-label node's type
        vertex_rows += [(type_name, row) for row in rows]
    vertex_rows += [("Record", row) for row in records]
    vertex_rows += [("NameBlock", {"key": key}) for key in blocks]
    entity_rid: dict[str, str] = {}
    block_rid: dict[str, str] = {}
    for answer in await _post_chunks(endpoint, _vertex_lines(vertex_rows)):
        for temp, rid in answer["idMapping"].items():
            type_name, row = vertex_rows[int(temp[1:])]
            if type_name == "NameBlock":
                block_rid[row["key"]] = rid
            elif type_name != "Record":
                entity_rid[row["key"]] = rid
    del vertex_rows

    def edge_lines() -> Iterator[bytes]:
        for rel_type, rows in edges.items():
            for row in rows:
                fields = {k: v for k, v in row.items() if k not in ("source", "target")}
                yield orjson.dumps({"@type": "edge", "@class": rel_type, "@from": entity_rid[row["source"]],
                                    "@to": entity_rid[row["target"]], **fields})
        for row in named:
            for block in row["blocks"]:
                yield orjson.dumps({"@type": "edge", "@class": "NAMED", "@from": entity_rid[row["key"]],
                                    "@to": block_rid[block]})

    await _post_chunks(endpoint, edge_lines())
