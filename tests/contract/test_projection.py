"""The projector on a real graph database: rebuild equals incremental, re-applying changes
nothing, and a retraction or supersede removes exactly what its record contributed."""

from __future__ import annotations

import random

import pytest

from graph import bulk_arcadedb
from graph.project import contribution
from graph.projector import LedgerItem, Projector
from regulink.v1 import records_pb2
from tests.contract.graphgen import Generator, active_records


def expected_graph(items: list[LedgerItem]) -> tuple[set[str], set[tuple[str, str, str]]]:
    """Node keys and edges the active records assert (computed without any database)."""
    nodes, edges = set(), set()
    for item, record in active_records(items).values():
        c = contribution(record, item.log_index, item.accepted_ms)
        nodes |= set(c.nodes)
        edges |= {(e.source, e.type, e.target) for e in c.edges.values()}
    return nodes, edges


@pytest.mark.parametrize("seed", [1, 2])
async def test_incremental_equals_rebuild_equals_reference(store, seed):
    items = Generator(seed).run(150)
    projector = Projector(store)
    rng = random.Random(seed)
    position = 0
    while position < len(items):  # random batch sizes, as the gateway would see them
        step = rng.randrange(1, 25)
        await projector.apply(items[position:position + step])
        position += step
    incremental = await store.dump()
    assert await store.watermark() == len(items) - 1

    nodes, edges = expected_graph(items)
    assert set(incremental[0]) == nodes
    assert set(incremental[1]) == edges

    await store.clear()
    await projector.apply(items)
    assert await store.dump() == incremental

    await store.clear()  # the rebuild's bulk path: fold in memory, then CREATE
    assert await projector.rebuild([items[:70], items[70:]]) == len(items) - 1
    assert await store.dump() == incremental
    more = Generator(seed + 100).run(20)
    for i, item in enumerate(more):  # and incremental projection carries on from it
        more[i] = type(item)(len(items) + i, item.accepted_ms, item.record)
    await projector.apply(more)
    assert await store.watermark() == len(items) + len(more) - 1


@pytest.mark.parametrize("seed", [3, 4])
async def test_paged_sources_equal_rebuild_and_reference(store, monkeypatch, seed):
    """With tiny heads and pages every busy element spills into overflow pages, and records
    leave holes in them: incremental (in random batches) and rebuild still give one graph."""
    from graph import provenance
    monkeypatch.setattr(provenance, "HEAD", 2)
    monkeypatch.setattr(provenance, "PAGE", 3)
    items = Generator(seed, wallets=4, domains=2).run(200)
    projector = Projector(store)
    rng = random.Random(seed)
    position = 0
    while position < len(items):
        step = rng.randrange(1, 30)
        await projector.apply(items[position:position + step])
        position += step
    incremental = await store.dump()
    nodes, edges = expected_graph(items)
    assert set(incremental[0]) == nodes and set(incremental[1]) == edges
    pages = await store.run("MATCH (p:SrcPage) RETURN count(p) AS n")
    assert pages[0]["n"] > 10  # the layout under test was used
    tallies = await store.dump_tallies()
    elements = {**{provenance.node_id(k): v[1:] for k, v in incremental[0].items()},
                **{provenance.edge_id(*k): v for k, v in incremental[1].items()}}
    for element, (readers, src) in elements.items():  # each tally adds up its element's entries
        recount = provenance.Tally()
        for text in src:
            recount.add(provenance.decode(text))
        assert tallies[element][0] == (tuple(sorted(recount.seen.items())), tuple(sorted(recount.names.items())))
        assert readers == recount.readers
    await store.clear()
    await projector.rebuild([items])
    assert await store.dump() == incremental
    assert await store.dump_tallies() == tallies


@pytest.mark.parametrize("seed", [5, 6])
async def test_a_projector_holding_its_state_between_batches_writes_the_same_graph(store, monkeypatch, seed):
    """The projector process keeps what it touched in memory (and prepares a batch while the last
    is written): batch after batch, with pages in play, it must write what a fresh read would."""
    from graph import provenance
    monkeypatch.setattr(provenance, "HEAD", 2)
    monkeypatch.setattr(provenance, "PAGE", 3)
    items = Generator(seed, wallets=4, domains=2).run(200)
    await Projector(store).apply(items)
    expected, tallies = await store.dump(), await store.dump_tallies()
    await store.clear()
    projector = Projector(store, keep=150)  # small enough to be dropped and read again now and then
    rng = random.Random(seed)
    position, watermark = 0, -1
    pending = None
    while position < len(items):
        step = rng.randrange(1, 30)
        batch = await projector.prepare(items[position:position + step], watermark)
        if pending is not None:  # the previous batch is written only now, after this one was prepared
            await store.write(pending)
            projector.written()
        pending, watermark = batch, batch.watermark
        position += step
    await store.write(pending)
    assert await store.dump() == expected
    assert await store.dump_tallies() == tallies


async def test_reapplying_changes_nothing(store):
    items = Generator(5).run(60)
    projector = Projector(store)
    await projector.apply(items)
    before = await store.dump()
    assert await projector.apply(items) == len(items) - 1  # under the watermark: skipped
    await store.set_watermark(-1)
    await projector.apply(items)  # forced replay over the existing graph
    assert await store.dump() == before


def _record(agency: str, record_id: str, wallet: str, *, version: int = 1, name: str = "Operator",
            tlp: int = records_pb2.TLP_GREEN) -> records_pb2.CaseRecord:
    record = records_pb2.CaseRecord(record_id=record_id, agency_id=agency, version=version, tlp=tlp)
    op = record.entities.add(ref="op", type=records_pb2.ENTITY_TYPE_ORGANIZATION, name=name)
    op.roles.append(records_pb2.ENTITY_ROLE_UNAUTHORIZED_OPERATOR)
    w = record.entities.add(ref="w", type=records_pb2.ENTITY_TYPE_CRYPTO_WALLET)
    w.identifiers.add(kind="wallet", scheme="ETH", value=wallet)
    record.links.add(source="op", target="w", type=records_pb2.LINK_TYPE_CONTROLS)
    return record


SHARED = "0x" + "ab" * 20
ONLY_A = "0x" + "cd" * 20


async def test_retraction_supersede_and_new_version(store):
    projector = Projector(store)
    a1 = _record("fsa-jp", "a1", SHARED)
    a2 = _record("fsa-jp", "a2", ONLY_A)
    b1 = _record("mas-sg", "b1", SHARED, tlp=records_pb2.TLP_AMBER)
    await projector.apply([LedgerItem(0, 1000, a1), LedgerItem(1, 2000, a2), LedgerItem(2, 3000, b1)])
    nodes, _ = await store.dump()
    assert {"wallet:ETH:" + SHARED, "wallet:ETH:" + ONLY_A, "local:fsa-jp/a1:op", "local:mas-sg/b1:op"} <= set(nodes)
    assert nodes["wallet:ETH:" + SHARED][1] == ["*"]  # GREEN from fsa-jp makes it community-wide

    retract = records_pb2.CaseRecord(record_id="x", agency_id="fsa-jp", version=1, tlp=records_pb2.TLP_GREEN)
    retract.retracts.record_id = "a1"
    await projector.apply([LedgerItem(3, 4000, retract)])
    nodes, edges = await store.dump()
    assert "local:fsa-jp/a1:op" not in nodes  # asserted only by a1
    assert nodes["wallet:ETH:" + SHARED][1] == ["mas-sg"]  # still asserted by b1, now AMBER only
    assert ("local:fsa-jp/a1:op", "CONTROLS", "wallet:ETH:" + SHARED) not in edges

    # A new version replaces the old one's contributions.
    a2v2 = _record("fsa-jp", "a2", SHARED, version=2, name="Renamed")
    await projector.apply([LedgerItem(4, 5000, a2v2)])
    nodes, _ = await store.dump()
    assert "wallet:ETH:" + ONLY_A not in nodes
    assert sorted(nodes["wallet:ETH:" + SHARED][1]) == ["*"]

    # Superseding another record removes that record's contributions.
    c = _record("mas-sg", "b2", ONLY_A)
    c.supersedes.record_id = "b1"
    await projector.apply([LedgerItem(5, 6000, c)])
    nodes, _ = await store.dump()
    assert "local:mas-sg/b1:op" not in nodes and "local:mas-sg/b2:op" in nodes
    assert "wallet:ETH:" + ONLY_A in nodes


async def test_rebuild_in_many_pieces_and_requests_equals_incremental(store, monkeypatch):
    """ArcadeDB's bulk path streams its bodies in pieces and its edges in several requests:
    tiny pieces and tiny requests must load the same graph."""
    items = Generator(7).run(120)
    projector = Projector(store)
    await projector.apply(items)
    incremental = await store.dump()
    await store.clear()
    monkeypatch.setattr(bulk_arcadedb, "BODY_PIECE", 256)  # dozens of pieces instead of one
    monkeypatch.setattr(bulk_arcadedb, "EDGE_CHUNK", 7)  # dozens of edge requests instead of one
    assert await projector.rebuild([items]) == len(items) - 1
    assert await store.dump() == incremental


async def test_a_projection_in_an_older_layout_is_cleared_for_replay(store):
    """Session-2 graphs stored keyed JSON objects and no layout mark: setup clears them (the
    ledger is replayed into the empty graph); a graph in today's layout is left alone."""
    items = Generator(11).run(30)
    await Projector(store).apply(items)
    kept = await store.dump()
    await store.setup()
    assert await store.dump() == kept and await store.watermark() == len(items) - 1

    await store.run("MATCH (m:Meta {key: 'projection'}) REMOVE m.format")
    await store.setup()
    assert await store.dump() == ({}, {})
    assert await store.watermark() == -1
