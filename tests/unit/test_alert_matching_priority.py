"""gateway.server.alerts.engine: matching ahead of the projection runs at the lowest priority, and
entries the projection has already passed (the alerts wait for them) at the old one (issue 18)."""

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


def _where(engine: alerts.Alerting, start: int) -> tuple[str, int]:
    """The thread that matched a step from `start`, and its niceness."""
    ran = {}

    def match(entries, kinds):
        ran["thread"] = threading.current_thread().name
        ran["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        return Batch(entries[0].log_index, entries[-1].log_index)

    engine._match = match
    engine.next_index = start
    batch = asyncio.run(engine._match_next())
    assert (batch.first, batch.last) == (start, min(99, start + alerts.PAGE - 1))
    return ran["thread"], ran["nice"]


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux nices a thread by its id")
def test_ahead_at_the_lowest_priority_behind_at_the_old_one(tmp_path):
    assert alerts.MATCHING_NICENESS > alerts.CATCHING_UP_NICENESS > alerts.BACKGROUND_NICENESS
    engine = _engine(tmp_path / "watches.db", watermark=40)
    try:
        own = os.getpriority(os.PRIO_PROCESS, 0)
        thread, nice = _where(engine, 41)  # the projection has not passed it: ahead
        assert thread.startswith("alerts-match") and nice == max(own, alerts.MATCHING_NICENESS)
        thread, nice = _where(engine, 40)  # passed already: the settling waits for it
        assert thread.startswith("alerts-catch-up") and nice == max(own, alerts.CATCHING_UP_NICENESS)
        thread, _ = _where(engine, 80)
        assert thread.startswith("alerts-match")
    finally:
        engine._matcher.shutdown()
        engine._catching_up.shutdown()
        engine.store.close()
