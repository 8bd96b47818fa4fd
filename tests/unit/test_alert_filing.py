"""gateway.server.alerts.engine: the alerts not yet withdrawn are filed under the records behind them,
so that a retraction finds its alerts, and a withdrawal touches its own filings only (issue 18)."""

from __future__ import annotations

from types import SimpleNamespace

from gateway.server.alerts.batch import Batch
from gateway.server.alerts.engine import Alerting
from gateway.server.alerts.store import Cause, NewAlert, WatchStore


def alerting(path) -> Alerting:
    """The engine over a watch store, with no more of a gateway than its construction reads."""
    gateway = SimpleNamespace(ledger=SimpleNamespace(size=100), sequencer=SimpleNamespace(on_append=[]))
    return Alerting(gateway, path)


def test_a_withdrawal_removes_every_filing_of_its_alert_and_nothing_else(tmp_path):
    path = tmp_path / "watches.db"
    store = WatchStore(path)
    both = NewAlert("npa-cyber", 1, b"body", ["k"], [Cause("fsa-jp", "r-1", 10), Cause("mas-sg", "r-2", 11)])
    other = NewAlert("npa-cyber", 1, b"body", ["k"], [Cause("mas-sg", "r-2", 11)])
    elsewhere = NewAlert("fsa-jp", 2, b"body", ["k"], [Cause("mas-sg", "r-9", 12)])
    store.commit(12, [both, other, elsewhere], [], {})
    store.close()
    engine = alerting(path)  # filed from the store, as after a restart
    try:
        assert {key: sorted(live.alert_id for live in lives) for key, lives in engine._live.items()} == {
            ("fsa-jp", "r-1"): [1], ("mas-sg", "r-2"): [1, 2], ("mas-sg", "r-9"): [1]}
        # fsa-jp retracts r-1: the alert behind it goes, under r-2 as well; r-2's other alert stays.
        engine._commit(Batch(13, 13, withdrawing=[("fsa-jp", {"r-1"}, 13)]), [], {})
        assert {key: [(live.agency, live.alert_id) for live in lives] for key, lives in engine._live.items()} == {
            ("mas-sg", "r-2"): [("npa-cyber", 2)], ("mas-sg", "r-9"): [("fsa-jp", 1)]}
        assert sorted(engine._filed) == [("fsa-jp", 1), ("npa-cyber", 2)]
        # r-2 retracted later withdraws only what it still stands behind: one event, for alert 2.
        engine._commit(Batch(14, 14, withdrawing=[("mas-sg", {"r-2"}, 14)]), [], {})
        assert [(a.alert_id, a.withdrawn_ms is not None) for _, a in engine.store.events("npa-cyber", 3)] == [
            (2, True)]
        assert list(engine._live) == [("mas-sg", "r-9")] and list(engine._filed) == [("fsa-jp", 1)]
    finally:
        engine._matcher.shutdown()
        engine.store.close()
