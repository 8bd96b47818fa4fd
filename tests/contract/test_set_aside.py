"""The projector process's loop (gateway.server.projection.worker.Follower) on a real graph database: a
record the database refuses is found by halving its batch, left out with its reason, and every
other record is projected; an unreachable database is retried, never bisected."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from gateway.ledger.store import Entry
from gateway.server.projection import worker as projection_worker
from graph.project import contribution
from graph.projector import LedgerItem
from graph.watchlist import Incoming
from regulink.v1 import envelope_pb2, records_pb2
from tests.contract.graphgen import Generator


class Ledger:
    """Ledger entries as the projector reads them (the envelope's payload is the record)."""

    def __init__(self, records: list[records_pb2.CaseRecord]) -> None:
        self.entries_ = [Entry(i, r.agency_id, r.record_id, r.version,
                               envelope_pb2.Envelope(payload=r.SerializeToString()).SerializeToString(),
                               b"", b"", 1_000 + i, (), r.tlp, tuple(r.share_with)) for i, r in enumerate(records)]

    def entries(self, start: int, limit: int) -> list[Entry]:
        return self.entries_[start:start + limit]


async def follow(store, ledger: Ledger, reports: list[dict], touches: bool = False) -> projection_worker.Follower:
    follower = projection_worker.Follower(ledger, store, lambda **fields: reports.append(fields), touches=touches)
    task = asyncio.create_task(follower.run())
    while follower.watermark < len(ledger.entries_) - 1 and not task.done():
        await asyncio.sleep(0.05)
    follower.stopping = True
    follower.wake.set()
    await task
    return follower


@pytest.mark.timeout(120)
async def test_a_record_the_graph_refuses_is_found_and_left_out(store, monkeypatch):
    monkeypatch.setattr(projection_worker, "limit_problem", lambda record: None)  # as if admitted long ago
    items = Generator(21).run(90)
    records = [item.record for item in items]
    poison = records_pb2.CaseRecord(record_id="poison", agency_id="fsa-jp", version=1, tlp=records_pb2.TLP_GREEN)
    poison.entities.add(ref="e", type=records_pb2.ENTITY_TYPE_ORGANIZATION, name="Poison").aliases.append("x" * 900_000)
    records.insert(57, poison)
    reports: list[dict] = []
    follower = await follow(store, Ledger(records), reports)
    assert follower.watermark == len(records) - 1 and follower.set_aside == 1
    rows = await store.run("MATCH (u:Unprojectable) RETURN u.log_index AS i, u.reason AS reason")
    assert [r["i"] for r in rows] == [57] and rows[0]["reason"]
    assert "local:fsa-jp/poison:e" not in (await store.dump())[0]
    assert reports[-1]["set_aside"] == 1 and reports[-1]["error"] is None

    # The same graph as projecting the records without the poison (the reference of the contract).
    expected = await store.dump()
    await store.clear()
    from graph.projector import Projector
    await Projector(store).apply([LedgerItem(i, 1_000 + i, r) for i, r in enumerate(records) if i != 57])
    assert await store.dump() == expected


@pytest.mark.timeout(120)
async def test_records_over_the_limits_are_left_out_with_their_reason(store):
    records = [item.record for item in Generator(22).run(20)]
    records[5].entities[0].aliases.extend(f"a{i}" for i in range(101))
    follower = await follow(store, Ledger(records), [])
    assert follower.set_aside == 1
    rows = await store.run("MATCH (u:Unprojectable) RETURN u.log_index AS i, u.reason AS reason")
    assert [r["i"] for r in rows] == [5] and "record.entities[0].aliases" in rows[0]["reason"]


@pytest.mark.timeout(120)
async def test_what_the_records_touch_is_told_for_every_entry_once(store, monkeypatch):
    """The alert engine matches what the projector reports (gateway.server.alerts.engine): the lines
    cover the entries without a gap or an overlap, each projected record once, as the engine would
    compute it from the ledger; a record left out of the graph is left out here too."""
    monkeypatch.setattr(projection_worker, "TOUCHES_PER_LINE", 7)
    monkeypatch.setattr(projection_worker, "BATCH", 40)
    records = [item.record for item in Generator(23).run(100)]
    records[5].entities[0].aliases.extend(f"a{i}" for i in range(101))  # over the limits: left out
    reports: list[dict] = []
    await follow(store, Ledger(records), reports, touches=True)
    told = [r for r in reports if "touches" in r]
    assert all(len(r["touches"]) <= 7 for r in told)
    assert [(r["first"], r["last"]) for r in told][0][0] == 0
    assert all(a["last"] + 1 == b["first"] for a, b in zip(told, told[1:])) and told[-1]["last"] == len(records) - 1
    rows = [row for r in told for row in r["touches"]]
    expected = [Incoming.of(LedgerItem(i, 1_000 + i, r), contribution(r, i, 1_000 + i)).to_json()
                for i, r in enumerate(records) if i != 5 and not r.HasField("retracts")]
    assert [Incoming.from_json(row).to_json() for row in rows if row[7] is not None] == [
        Incoming.from_json(orjson.loads(orjson.dumps(row))).to_json() for row in expected]
    assert all(r["first"] <= row[0] <= r["last"] for r in told for row in r["touches"])
