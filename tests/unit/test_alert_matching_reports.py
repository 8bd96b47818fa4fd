"""gateway.server.alerts.engine: what the projector reports its records touch is matched without
reading the ledger, and what it did not report is read from the ledger once the projection has
passed it, in a thread niced below the projector (issue 18)."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from types import SimpleNamespace

import pytest

from gateway.server.alerts import engine as alerts
from gateway.server.alerts.batch import Batch


def _engine(path, watermark: int) -> alerts.Alerting:
    async def call(function, *args):
        return function(*args)

    entries = lambda start, count: [SimpleNamespace(log_index=i) for i in range(start, start + count)]  # noqa: E731
    gateway = SimpleNamespace(
        ledger=SimpleNamespace(size=100, store=SimpleNamespace(entries=entries)),
        sequencer=SimpleNamespace(on_append=[], call=call),
        projection=SimpleNamespace(watermark=watermark),
        registry=SimpleNamespace(snapshot=lambda: SimpleNamespace(agencies={})),
    )
    return alerts.Alerting(gateway, path)


def _where(engine: alerts.Alerting, start: int) -> tuple[str, int, str, tuple[int, int]]:
    """The thread that matched a step from `start`, its niceness, what it matched from (the
    ledger or the projector's report) and the step's entries."""
    ran = {}

    def seen(source: str, first: int, last: int) -> Batch:
        ran.update(thread=threading.current_thread().name, source=source,
                   nice=os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        engine.next_index = last + 1
        return Batch(first, last)

    engine._match_entries = lambda entries, kinds: seen("ledger", entries[0].log_index, entries[-1].log_index)
    engine._match_reported = lambda first, last, rows, kinds: seen(f"report of {len(rows)}", first, last)
    engine.next_index = start
    batch = asyncio.run(engine._match_next())
    if batch is None:
        return "", 0, "nothing", (0, 0)
    return ran["thread"], ran["nice"], ran["source"], (batch.first, batch.last)


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux nices a thread by its id")
def test_matching_runs_below_the_projector(tmp_path):
    assert alerts.MATCHING_NICENESS > alerts.BACKGROUND_NICENESS
    engine = _engine(tmp_path / "watches.db", watermark=40)
    try:
        own = os.getpriority(os.PRIO_PROCESS, 0)
        for start in (41, 40, 80):  # ahead of the projection, behind it
            thread, nice, source, _ = _where(engine, start)
            assert thread.startswith("alerts-match") and nice == max(own, alerts.MATCHING_NICENESS)
            assert source == "ledger"  # the projector has reported nothing yet
    finally:
        engine._matcher.shutdown()
        engine.store.close()


def test_what_the_projector_reported_is_matched_from_its_report(tmp_path):
    engine = _engine(tmp_path / "watches.db", watermark=40)
    try:
        engine.next_index = 41
        rows = [[i] for i in range(41, 60, 2)]  # entries with no record in between have no row
        engine.touched(41, 60, rows)
        assert _where(engine, 41)[2:] == ("report of 10", (41, 60))
        assert _where(engine, 50)[2:] == ("report of 5", (50, 60))  # the rest of it, from where matching is
        # Once the projector reports, entries it has not reported yet wait for it, unless the projection
        # passed them without a report (a batch it started before this engine listened): the ledger then.
        assert _where(engine, 61)[2:] == ("nothing", (0, 0))
        assert _where(engine, 30)[2] == "ledger"
        engine.touched(10, 20, [[15]])  # a batch tried again, matched long ago: let go
        assert 10 not in engine._reports
        engine.touched(61, 5000, [[i] for i in range(61, 5001)])
        assert _where(engine, 61)[2:] == (f"report of {alerts.PAGE}", (61, 60 + alerts.PAGE))
        assert 41 not in engine._reports  # wholly matched
    finally:
        engine._matcher.shutdown()
        engine.store.close()
