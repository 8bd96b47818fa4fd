"""Rebuild's bulk path on ArcadeDB: a whole folded graph through the server's batch endpoint.

`UNWIND … MATCH … CREATE` over Bolt manages 1–2.5k edges/s here (each row
looks up both ends by key); ArcadeDB's `POST /api/v1/batch/{db}` takes
vertices and edges as JSON lines and links them inside the server, at tens
of thousands of rows per second (docs/arcadedb.md). The rows are the very
ones `GraphStore.write_fresh` would CREATE, so the graph is the same (the
contract suite compares it with incremental projection); only the transport
differs.

Every body is streamed as it is serialized, so Python's JSON and the
server's load overlap. All vertices go in one request, named by their
position in it (`refMode=ordinal`: no temporary ids to hold); the answer
streams back each vertex's RID. Edges follow in requests of EDGE_CHUNK,
naming their ends by RID: the server keeps a request's edges in its heap
until the request ends: 500k edges in one request exhaust a 1.5 GB heap
whose page cache takes 800 MB (docs/arcadedb.md).
The endpoint commits as it goes, so a failed load leaves a partial graph
with no watermark: the rebuild is simply run again.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable, Iterator

import orjson

from graph.embedded import BoltEndpoint, arcadedb_batch, arcadedb_sql

BODY_PIECE = 1 << 20  # bytes per chunk of a streamed body
EDGE_CHUNK = 100_000  # edges per request


def _pieces(lines: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Join JSON lines into pieces of about `size` bytes, each ending in a newline."""
    piece: list[bytes] = []
    filled = 0
    for line in lines:
        piece.append(line)
        filled += len(line) + 1
        if filled >= size:
            yield b"\n".join(piece) + b"\n"
            piece, filled = [], 0
    if piece:
        yield b"\n".join(piece) + b"\n"


async def load(endpoint: BoltEndpoint, entities: dict[str, list[dict]], edges: dict[str, list[dict]],
               records: list[dict], pages: list[dict], blocks: list[str], named: list[dict],
               ensure_node_type) -> None:
    """Load a folded graph into an empty ArcadeDB database (see the module docstring)."""
    for label in entities:
        await ensure_node_type(label)
    for rel_type in [*edges, "NAMED"]:
        await arcadedb_sql(endpoint, f"CREATE EDGE TYPE {rel_type} IF NOT EXISTS")

    position: dict[str, int] = {}  # entity key -> its position among the vertices
    for rows in entities.values():
        for row in rows:
            position[row["key"]] = len(position)
    first_block = len(position) + len(records) + len(pages)
    block_position = {key: first_block + n for n, key in enumerate(blocks)}
    vertices = first_block + len(blocks)
    edge_count = sum(map(len, edges.values())) + sum(len(row["blocks"]) for row in named)

    def vertex_lines() -> Iterator[bytes]:
        dumps = orjson.dumps
        for label, rows in entities.items():
            type_name = "~".join(sorted(("Entity", label)))  # how ArcadeDB names a two-label node's type
            for row in rows:
                yield dumps({"@type": "vertex", "@class": type_name, **row})
        for row in records:
            yield dumps({"@type": "vertex", "@class": "Record", **row})
        for row in pages:
            yield dumps({"@type": "vertex", "@class": "SrcPage", **row})
        for key in blocks:
            yield dumps({"@type": "vertex", "@class": "NameBlock", "key": key})

    rids: list[str] = [""] * vertices

    def note_rids(progress: dict) -> None:
        for ordinal, rid in progress.get("idMapping", {}).items():
            rids[int(ordinal)] = rid

    def edge_lines() -> Iterator[bytes]:
        dumps = orjson.dumps
        for rel_type, rows in edges.items():
            for row in rows:
                fields = {k: v for k, v in row.items() if k not in ("source", "target")}
                yield dumps({"@type": "edge", "@class": rel_type, "@from": rids[position[row["source"]]],
                             "@to": rids[position[row["target"]]], **fields})
        for row in named:
            for block in row["blocks"]:
                yield dumps({"@type": "edge", "@class": "NAMED", "@from": rids[position[row["key"]]],
                             "@to": rids[block_position[block]]})

    summary = await asyncio.to_thread(arcadedb_batch, endpoint, _pieces(vertex_lines(), BODY_PIECE),
                                      query="refMode=ordinal", on_progress=note_rids)
    created = summary.get("verticesCreated")
    if created != vertices or not all(rids):
        raise RuntimeError(f"ArcadeDB batch load created {created} of {vertices} vertices: run the rebuild again")
    created = 0
    lines = edge_lines()
    while (first := next(lines, None)) is not None:
        chunk = itertools.chain([first], itertools.islice(lines, EDGE_CHUNK - 1))  # serialized as it is sent
        summary = await asyncio.to_thread(arcadedb_batch, endpoint, _pieces(chunk, BODY_PIECE))
        created += summary.get("edgesCreated", 0)
    if created != edge_count:
        raise RuntimeError(f"ArcadeDB batch load created {created} of {edge_count} edges: run the rebuild again")
