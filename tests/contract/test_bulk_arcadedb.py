"""ArcadeDB's batch endpoint as graph.embedded.arcadedb_batch drives it: a streamed body,
the answer read while the body is still being sent, and failures that say what failed."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from graph.embedded import arcadedb_batch, arcadedb_sql


def vertices(count: int, start: int = 0):
    for i in range(start, start + count):
        yield orjson.dumps({"@type": "vertex", "@class": "BulkProbe", "n": i}) + b"\n"


@pytest.fixture
async def endpoint(bolt):
    if bolt.backend != "arcadedb":
        pytest.skip("the batch endpoint is ArcadeDB's")
    await arcadedb_sql(bolt.endpoint, "CREATE VERTEX TYPE BulkProbe IF NOT EXISTS")
    yield bolt.endpoint
    await bolt.query("MATCH (n:BulkProbe) DETACH DELETE n")


async def test_a_streamed_load_reports_every_new_vertex_id(endpoint):
    """25,000 vertices: the RIDs come back in several progress lines while the body is sent."""
    rids: dict[int, str] = {}
    progress_lines = []

    def note(progress: dict) -> None:
        progress_lines.append(progress)
        rids.update({int(k): v for k, v in progress.get("idMapping", {}).items()})

    summary = await asyncio.to_thread(arcadedb_batch, endpoint, vertices(25_000), query="refMode=ordinal",
                                      on_progress=note)
    assert summary["verticesCreated"] == 25_000
    assert sorted(rids) == list(range(25_000)) and len(set(rids.values())) == 25_000
    assert len(progress_lines) >= 3


async def test_a_body_that_fails_half_way_raises_its_own_error(endpoint):
    def broken():
        yield from vertices(10)
        raise ValueError("row 11 could not be serialized")

    with pytest.raises(ValueError, match="row 11"):
        await asyncio.to_thread(arcadedb_batch, endpoint, broken())


async def test_a_refused_line_is_an_error_not_a_summary(endpoint):
    body = [b'{"@type": "edge", "@class": "NoSuchType", "@from": 0, "@to": 1}\n']
    with pytest.raises(RuntimeError, match="ArcadeDB batch load"):
        await asyncio.to_thread(arcadedb_batch, endpoint, iter(body), query="refMode=ordinal")
