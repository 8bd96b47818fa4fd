"""gateway.server.projection.worker: what the records of a batch touch is told in lines the gateway
can read (issue 18: the alert engine matches it instead of computing it again). Lines cover the
batch's entries without a gap or an overlap, within their size; a record too big to tell ends the
telling, so that the engine reads it, and what follows it, from the ledger."""

from __future__ import annotations

import orjson
import pytest

from gateway.server.projection import worker
from graph.project import contribution
from graph.projector import LedgerItem
from graph.watchlist import Incoming
from tests.perf.realistic import Realistic


def _plans(count: int, first: int = 100):
    records = list(Realistic(seed=3, agencies=("fsa-jp", "mas-sg")).records(count))
    return [(LedgerItem(first + i, 0, r), contribution(r, first + i, 0)) for i, r in enumerate(records)]


def _told(plans, first: int, last: int) -> list[dict]:
    reports: list[dict] = []
    follower = worker.Follower(None, None, lambda **fields: reports.append(fields), touches=True)
    follower._tell(first, last, plans)
    return reports


@pytest.mark.parametrize("line_bytes", [worker.LINE_BYTES, 3_000])
def test_lines_cover_the_batch_within_their_size(monkeypatch, line_bytes):
    monkeypatch.setattr(worker, "TOUCHES_PER_LINE", 40)
    monkeypatch.setattr(worker, "LINE_BYTES", line_bytes)
    plans = _plans(200)
    plans = plans[:50] + plans[53:]  # entries 150-152 have no record (purged, left out)
    told = _told(plans, 100, 305)
    assert told[0]["first"] == 100 and told[-1]["last"] == 305
    assert all(a["last"] + 1 == b["first"] for a, b in zip(told, told[1:]))
    assert all(r["first"] <= row[0] <= r["last"] for r in told for row in r["touches"])
    assert all(len(r["touches"]) <= 40 for r in told)
    # a line over the budget holds one row only (a row is never split)
    assert all(len(orjson.dumps(r["touches"])) <= line_bytes + 2 or len(r["touches"]) == 1 for r in told)
    assert [row for r in told for row in r["touches"]] == [Incoming.of(i, c).to_json() for i, c in plans]
    assert len(told) > (5 if line_bytes < worker.LINE_BYTES else 4)


def test_a_row_too_big_to_tell_ends_the_telling(monkeypatch):
    plans = _plans(30)
    monkeypatch.setattr(worker, "TOUCHES_PER_LINE", 10)
    monkeypatch.setattr(worker, "ROW_BYTES", max(len(orjson.dumps(Incoming.of(*p).to_json())) for p in plans[:20]))
    big = plans[20][1]
    next(iter(big.nodes.values())).facts["aliases"] = ["x" * 4096] * 100  # a record at the limits
    told = _told(plans, 100, 140)
    assert told[0]["first"] == 100 and told[-1]["last"] == 119  # up to the entry before it, nothing after
    assert [row[0] for r in told for row in r["touches"]] == list(range(100, 120))


def test_a_batch_with_nothing_to_project_is_told_as_such():
    assert _told([], 7, 9) == [{"first": 7, "last": 9, "touches": []}]


def test_the_gateway_turns_the_telling_on_and_off(monkeypatch):
    """`touches on` / `touches off` on the projector's stdin (the gateway: someone watches, or no
    longer); any other line wakes it; the end of stdin stops it."""
    import asyncio

    monkeypatch.setattr(worker, "EXIT_GRACE", 0)
    monkeypatch.setattr(worker.os, "_exit", lambda code: None)
    follower = worker.Follower(None, None, lambda **fields: None)
    seen = []

    async def listen(lines):
        loop = asyncio.get_running_loop()
        await asyncio.to_thread(worker._listen, loop, follower, iter(lines))
        await asyncio.sleep(0)
        seen.append((follower.touches, follower.wake.is_set(), follower.stopping))
        follower.wake.clear()
        follower.stopping = False

    asyncio.run(listen([b"touches on\n"]))
    asyncio.run(listen([b"\n", b"touches off\n"]))
    asyncio.run(listen([b"touches on\n", b"touches off\n", b"touches on\n"]))
    # the end of stdin also sets the wake-up (to stop): the telling is what each line left
    assert [touches for touches, _, _ in seen] == [True, False, True]
    assert all(stopping for _, _, stopping in seen)
