"""Rebuild's bulk path on ArcadeDB: a whole folded graph through the server's batch endpoint.

`UNWIND … MATCH … CREATE` over Bolt manages 1–2.5k edges/s here (each row
looks up both ends by key); ArcadeDB's `POST /api/v1/batch/{db}` takes
vertices and edges as JSON lines and links them inside the server, at tens
of thousands of rows per second (docs/arcadedb.md). The rows are the very
ones `GraphStore.write_fresh` would CREATE, so the graph is the same (the
contract suite compares it with incremental projection); only the transport
differs.

The whole graph goes in ONE request whose body is streamed as it is
serialized (chunked transfer), so Python's JSON and the server's load
overlap and nothing waits for a round trip. Vertices come first; an edge
names its ends by their position among the vertices (`refMode=ordinal`,
12 bytes of server heap per vertex, where temporary ids would keep a map of
strings). The endpoint commits as it goes, so a failed load leaves a
partial graph with no watermark: the rebuild is simply run again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson

from graph.embedded import BoltEndpoint, arcadedb_batch, arcadedb_sql

BODY_PIECE = 1 << 20  # bytes per chunk of the streamed body


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
               records: list[dict], blocks: list[str], named: list[dict],
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
    first_block = len(position) + len(records)
    block_position = {key: first_block + n for n, key in enumerate(blocks)}
    vertices = len(position) + len(records) + len(blocks)
    edge_count = sum(map(len, edges.values())) + sum(len(row["blocks"]) for row in named)

    def lines() -> Iterator[bytes]:
        dumps = orjson.dumps
        for label, rows in entities.items():
            type_name = "~".join(sorted(("Entity", label)))  # how ArcadeDB names a two-label node's type
            for row in rows:
                yield dumps({"@type": "vertex", "@class": type_name, **row})
        for row in records:
            yield dumps({"@type": "vertex", "@class": "Record", **row})
        for key in blocks:
            yield dumps({"@type": "vertex", "@class": "NameBlock", "key": key})
        for rel_type, rows in edges.items():
            for row in rows:
                fields = {k: v for k, v in row.items() if k not in ("source", "target")}
                yield dumps({"@type": "edge", "@class": rel_type, "@from": position[row["source"]],
                             "@to": position[row["target"]], **fields})
        for row in named:
            for block in row["blocks"]:
                yield dumps({"@type": "edge", "@class": "NAMED", "@from": position[row["key"]],
                             "@to": block_position[block]})

    answer = await arcadedb_batch(endpoint, _pieces(lines(), BODY_PIECE), query="refMode=ordinal")
    created = (answer or {}).get("verticesCreated"), (answer or {}).get("edgesCreated")
    if created != (vertices, edge_count):
        raise RuntimeError(f"ArcadeDB batch load created {created[0]} vertices and {created[1]} edges "
                           f"of {vertices} and {edge_count}: run the rebuild again")
