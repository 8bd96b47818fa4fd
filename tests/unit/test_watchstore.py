"""gateway.server.alerts.store: each agency's watches and alert events numbered on their own, a batch written
whole or not at all, and the file private like the gateway's other databases (issue 18)."""

from __future__ import annotations

import os
import sqlite3

import pytest

from gateway.errors import Unavailable
from gateway.server.alerts.store import DELETE_CAUSES, Cause, NewAlert, WatchStore, Withdrawal


def alert(agency: str, watch: int = 1, record: str = "r-1", log_index: int = 5) -> NewAlert:
    return NewAlert(agency, watch, b"body", ["wallet:ETH:0x1"], [Cause("mas-sg", record, log_index)])


def test_numbers_are_per_agency_and_never_given_twice(tmp_path):
    store = WatchStore(tmp_path / "watches.db")
    first = store.add_watch("fsa-jp", {"kind": "key", "key": "domain:a.example"}, "", 0, {}, most=10)
    assert (first.number, store.add_watch("npa-cyber", {"kind": "key"}, "", 0, {}, most=10).number) == (1, 1)
    assert store.remove_watch("fsa-jp", 1) and not store.remove_watch("fsa-jp", 1)
    assert not store.remove_watch("npa-cyber", 2)
    assert store.add_watch("fsa-jp", {"kind": "key"}, "", 0, {}, most=10).number == 2
    assert [w.number for w in store.watches("fsa-jp")] == [2]
    assert store.add_watch("fsa-jp", {"kind": "key"}, "", 0, {}, most=1) is None  # at its cap


def test_events_come_in_order_per_agency_and_a_withdrawal_is_an_event_of_its_own(tmp_path):
    store = WatchStore(tmp_path / "watches.db")
    raised = [alert("fsa-jp"), alert("npa-cyber"), alert("fsa-jp", record="r-2")]
    assert store.commit(7, raised, [], {}) == ["fsa-jp", "npa-cyber"]
    assert [a.alert_id for a in raised] == [1, 1, 2]
    assert store.evaluated_through(default=-1) == 7
    assert store.commit(8, [], [Withdrawal("fsa-jp", 1), Withdrawal("fsa-jp", 1)], {}) == ["fsa-jp"]
    events = store.events("fsa-jp", 0)
    assert [(position, a.alert_id, a.withdrawn_ms is not None) for position, a in events] == [
        (1, 1, True), (2, 2, False), (3, 1, True)]  # the alert as it stands, at every event
    assert [p for p, _ in store.events("fsa-jp", 2)] == [3]
    assert [(p, a.alert_id) for p, a in store.events("npa-cyber", 0)] == [(1, 1)]
    assert [(c.record_id, agency, alert_id) for c, agency, alert_id, _, _ in store.causes()] == [
        ("r-1", "npa-cyber", 1), ("r-2", "fsa-jp", 2)]


def test_triage_is_the_agency_s_own(tmp_path):
    store = WatchStore(tmp_path / "watches.db")
    store.commit(0, [alert("fsa-jp")], [], {})
    assert store.ack("npa-cyber", 1, 1, "not mine") is None
    acked = store.ack("fsa-jp", 1, 2, "dismissed: a test wallet")
    assert (acked.triage, acked.note) == (2, "dismissed: a test wallet") and acked.triaged_ms
    assert store.alert("fsa-jp", 1).note == "dismissed: a test wallet"


def test_a_batch_that_cannot_be_written_leaves_nothing_and_says_unavailable(tmp_path):
    path = tmp_path / "watches.db"
    store = WatchStore(path)
    store.commit(3, [alert("fsa-jp")], [], {})
    with sqlite3.connect(path) as conn:  # the next alert's INSERT fails half-way through the batch
        conn.execute("CREATE TRIGGER full BEFORE INSERT ON causes WHEN NEW.record_id = 'r-9' "
                     "BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END")
    with pytest.raises(sqlite3.IntegrityError):
        store.commit(4, [alert("npa-cyber"), alert("fsa-jp", record="r-9")], [Withdrawal("fsa-jp", 1)], {})
    assert store.evaluated_through(default=-1) == 3
    assert [(p, a.withdrawn_ms) for p, a in store.events("fsa-jp", 0)] == [(1, None)]
    assert store.events("npa-cyber", 0) == []
    # A database that cannot be written (a full disk, a read-only volume): UNAVAILABLE, try again later.
    store._conn.close()
    store._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    with pytest.raises(Unavailable):
        store.commit(5, [alert("fsa-jp")], [], {})
    assert [p for p, _ in store.events("fsa-jp", 0)] == [1]


def test_the_file_is_private(tmp_path):
    old = os.umask(0)
    try:
        WatchStore(tmp_path / "watches.db").commit(0, [alert("fsa-jp")], [], {})
    finally:
        os.umask(old)
    for path in tmp_path.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path


def test_a_withdrawal_finds_its_causes_through_an_index_not_a_scan(tmp_path):
    """A gateway keeps the causes of every live alert (millions, over time): deleting a withdrawn alert's
    must not read them all (it did: 2.1 s for 20 withdrawals among a million causes)."""
    store = WatchStore(tmp_path / "watches.db")
    plan = " ".join(row[-1] for row in store._conn.execute("EXPLAIN QUERY PLAN " + DELETE_CAUSES, ("a", 1)))
    assert "USING INDEX causes_alert" in plan, plan
    store.close()
