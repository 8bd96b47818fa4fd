"""A graph the projector must not continue, on a real graph database (issue 13, items 3 and 6): left
incomplete by a rebuild that died (its mark still there), or ahead of its ledger (an older copy restored
under it; another ledger at the same positions). The projector (gateway.server.projection.worker.Follower)
empties it and projects the ledger again; a graph it can continue is never emptied; a rebuild that is
alive elsewhere is waited for."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from gateway.ledger.store import Entry
from gateway.server.projection import rebuild as graph_rebuild
from gateway.server.projection import worker as projection_worker
from graph.projector import LedgerItem, Projector
from regulink.v1 import envelope_pb2, records_pb2
from tests.contract.graphgen import Generator


class Ledger:
    """Ledger entries as the projector reads them; each leaf hash commits to its envelope."""

    def __init__(self, records: list[records_pb2.CaseRecord]) -> None:
        self.records = records
        self.entries_ = []
        for i, record in enumerate(records):
            envelope = envelope_pb2.Envelope(payload=record.SerializeToString()).SerializeToString()
            self.entries_.append(Entry(i, record.agency_id, record.record_id, record.version, envelope, b"",
                                       hashlib.sha256(envelope).digest(), 1_000 + i, (), record.tlp,
                                       tuple(record.share_with)))

    def size(self) -> int:
        return len(self.entries_)

    def entry(self, log_index: int) -> Entry | None:
        return self.entries_[log_index] if 0 <= log_index < len(self.entries_) else None

    def entries(self, start: int, limit: int) -> list[Entry]:
        return self.entries_[start:start + limit]


async def follow(store, ledger: Ledger, reports: list[dict], *, exclusive: bool = True,
                 until=None, timeout: float = 60) -> projection_worker.Follower:
    """Run a projector on `ledger` until it has projected all of it and is no longer rebuilding
    (or until `until(follower)`)."""
    follower = projection_worker.Follower(ledger, store, lambda **fields: reports.append(fields), exclusive=exclusive)
    task = asyncio.create_task(follower.run())
    done = until or (lambda f: f.watermark == ledger.size() - 1 and f.rebuilding is None and not f.resync)
    deadline = asyncio.get_running_loop().time() + timeout
    while not done(follower) and not task.done():
        assert asyncio.get_running_loop().time() < deadline, reports[-3:]
        await asyncio.sleep(0.05)
    follower.stopping = True
    follower.wake.set()
    await task
    return follower


async def reference(store, records: list[records_pb2.CaseRecord]) -> tuple:
    """The graph these records give, projected into an empty store (then emptied again)."""
    await store.clear()
    await Projector(store).apply([LedgerItem(i, 1_000 + i, r) for i, r in enumerate(records)])
    expected = await store.dump()
    await store.clear()
    return expected


def emptied(reports: list[dict]) -> bool:
    return any(r.get("rebuilding") for r in reports)


@pytest.mark.timeout(180)
async def test_a_graph_a_dead_rebuild_left_incomplete_is_emptied_and_projected_again(store):
    records = [item.record for item in Generator(31).run(80)]
    expected = await reference(store, records)
    ledger = Ledger(records)
    await follow(store, ledger, [])
    assert await store.dump() == expected
    # What a rebuild killed while it emptied the graph leaves: its mark, part of the graph, the old watermark
    # (a replay from there would take the graph for complete: issue 13's 2,188 missing records, lag 0).
    await store.begin_rebuild("regulink graph rebuild on elsewhere pid 1", "regulink graph rebuild")
    await store.run("MATCH (n:Record) WITH n LIMIT 30 DETACH DELETE n")
    await store.run("MATCH (n:Entity) WITH n LIMIT 40 DETACH DELETE n")
    assert (await store.projection_state()).watermark == len(records) - 1

    reports: list[dict] = []
    follower = await follow(store, ledger, reports)
    assert emptied(reports) and reports[-1].get("rebuilding") is None
    assert follower.watermark == len(records) - 1
    assert await store.dump() == expected
    state = await store.projection_state()
    assert not state.rebuilding and state.leaf == ledger.entry(len(records) - 1).leaf_hash.hex()


@pytest.mark.timeout(180)
async def test_a_graph_that_can_be_continued_is_never_emptied(store):
    records = [item.record for item in Generator(32).run(60)]
    ledger = Ledger(records)
    await follow(store, Ledger(records[:40]), [])
    reports: list[dict] = []
    await follow(store, ledger, reports)  # the same ledger, grown: it goes on from its watermark
    assert not emptied(reports) and reports[0]["watermark"] == 39
    expected = await store.dump()
    assert expected == await reference(store, records)

    # A graph written before the watermark kept its leaf: nothing to compare, nothing emptied.
    await Projector(store).apply([LedgerItem(i, 1_000 + i, r) for i, r in enumerate(records)])
    await store.set_watermark(len(records) - 1)
    reports = []
    await follow(store, ledger, reports)
    assert not emptied(reports) and await store.dump() == expected


@pytest.mark.timeout(180)
async def test_an_older_ledger_restored_under_the_graph_is_noticed(store):
    """The graph was projected through entry 79; the ledger now ends at 49 (a restored older copy)."""
    records = [item.record for item in Generator(33).run(80)]
    await follow(store, Ledger(records), [])
    older = Ledger(records[:50])
    expected = await reference(store, records[:50])
    await follow(store, Ledger(records), [])

    reports: list[dict] = []
    await follow(store, older, reports)
    assert emptied(reports)
    assert await store.dump() == expected  # the records after the copy are gone from the graph too


@pytest.mark.timeout(180)
async def test_another_ledger_at_the_same_positions_is_noticed(store):
    """An older copy restored, then grown past the graph's watermark with other records at the reused
    positions: the watermark lies inside the ledger, but its entry is another (its leaf hash differs)."""
    records = [item.record for item in Generator(34).run(80)]
    others = [item.record for item in Generator(35).run(60)]
    await follow(store, Ledger(records), [])
    grown = records[:50] + others  # 110 entries: past the graph's watermark (79)
    expected = await reference(store, grown)
    await follow(store, Ledger(records), [])

    reports: list[dict] = []
    await follow(store, Ledger(grown), reports)
    assert emptied(reports)
    assert await store.dump() == expected


@pytest.mark.timeout(180)
async def test_a_rebuild_alive_elsewhere_is_waited_for_and_a_dead_one_taken_over(store, monkeypatch):
    """On a database shared with a running `graph rebuild` (its mark refreshed), a projector that does
    not own the graph writes nothing until the mark is gone; a mark left to go stale is a dead rebuild's."""
    records = [item.record for item in Generator(36).run(40)]
    ledger = Ledger(records)
    await follow(store, ledger, [])
    expected = await store.dump()
    await store.begin_rebuild("regulink graph rebuild on elsewhere pid 2", "regulink graph rebuild")

    reports: list[dict] = []
    follower = await follow(store, ledger, reports, exclusive=False,
                            until=lambda f: any(r.get("error_kind") == "RebuildRunning" for r in reports))
    assert follower.error.startswith("RebuildRunning: the graph is being rebuilt by regulink graph rebuild on "
                                     "elsewhere pid 2")
    assert await store.dump() == expected and (await store.projection_state()).rebuilding  # untouched

    monkeypatch.setattr(graph_rebuild, "STALE_SECONDS", 0)  # its owner stopped refreshing it
    reports = []
    await follow(store, ledger, reports, exclusive=False)
    assert emptied(reports) and not (await store.projection_state()).rebuilding
    assert await store.dump() == expected
