"""The writer lease on a real PostgreSQL server: two writers, never two appenders.

A second writer stands by while the first holds the lease, names it, and takes over when the
first's session ends; the first, once it notices, is fenced and appends nothing more. Under churn
(writers restarting, the holder's session cut every few hundred milliseconds) every receipt any
writer gave names its own index, and the log verifies as one tree.
"""

from __future__ import annotations

import random
import threading
import time

import psycopg
import pytest

from gateway.errors import Unavailable
from gateway.ledger import integrity
from gateway.ledger.lease import WriterLease, held
from gateway.ledger.log import Ledger
from gateway.ledger.pg_store import Fenced, PgLedgerStore
from tests.unit.test_ledger_log import KEY, candidate, check

ORIGIN = "unit/log"


def writer(dsn: str, name: str, **kwargs) -> PgLedgerStore | None:
    return PgLedgerStore.writer(dsn, WriterLease(dsn, name, poll=0.1), **kwargs)


def cut(dsn: str, store: PgLedgerStore) -> None:
    """End a writer's session from the server side (a network drop, a failover)."""
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (store._conn.info.backend_pid,))


def test_a_second_writer_stands_by_then_takes_over_and_the_first_is_fenced(pg_database):
    first = writer(pg_database, "gw-a:7443")
    a = Ledger(first, KEY, ORIGIN)
    said: list[str] = []
    taken: list[PgLedgerStore] = []
    standby = threading.Thread(target=lambda: taken.append(writer(pg_database, "gw-b:7443", say=said.append)))
    standby.start()
    acknowledged = {}
    for n in range(5):
        batch = [candidate(f"a{n}-{i}") for i in range(7)]
        for c, receipt in zip(batch, a.append(batch)):
            check(receipt, c.envelope)
            acknowledged[receipt.log_index] = receipt.leaf_hash
    time.sleep(0.5)
    assert not taken, "the standby must not take the lease while the first writer holds it"
    assert said and "standing by" in said[0] and "gw-a:7443" in said[0]

    cut(pg_database, first)
    standby.join(timeout=10)
    assert taken, "the standby did not take over"
    b = Ledger(taken[0], KEY, ORIGIN)
    assert b.size == 35
    (receipt,) = b.append([candidate("b-0")])
    assert receipt.log_index == 35
    acknowledged[35] = receipt.leaf_hash
    # The first writer notices at its next batch: fenced, nothing of it stored, and it stays so.
    with pytest.raises(Fenced, match="gw-b:7443"):
        a.append([candidate("a-late")])
    with pytest.raises(Fenced):
        a.append([candidate("a-later")])
    reader = PgLedgerStore(pg_database)
    assert reader.size() == 36 and reader.find("fsa-jp", "a-late", 1) is None
    assert {i: reader.entry(i).leaf_hash for i in acknowledged} == acknowledged
    assert reader.writer_holder().address == "gw-b:7443"


def test_under_churn_no_two_writers_append_and_the_log_is_one_tree(pg_database):
    acknowledged: dict[int, bytes] = {}
    lock = threading.Lock()
    holders: list[PgLedgerStore] = []
    stop = threading.Event()
    restarts = [0]

    def gateway(name: str, seed: int) -> None:
        """A writer that restarts whenever it is fenced or its database is away, as a supervisor would."""
        rng = random.Random(seed)
        count = 0
        while not stop.is_set():
            store = writer(pg_database, name, stop=stop.is_set)
            if store is None:
                return
            try:
                ledger = Ledger(store, KEY, ORIGIN)
                with lock:
                    holders.append(store)
                while not stop.is_set():
                    batch = [candidate(f"{name}-{count + i}") for i in range(rng.randint(1, 20))]
                    count += len(batch)
                    outcomes = ledger.append(batch)
                    with lock:
                        for c, receipt in zip(batch, outcomes):
                            check(receipt, c.envelope)
                            assert receipt.log_index not in acknowledged, "two receipts for one index"
                            acknowledged[receipt.log_index] = receipt.leaf_hash
            except Unavailable:  # fenced, or the session cut with the lease already gone
                with lock:
                    restarts[0] += 1
            finally:
                store.close()

    threads = [threading.Thread(target=gateway, args=(f"gw-{n}:7443", n)) for n in range(3)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 4
    cuts = 0
    while time.monotonic() < deadline:
        time.sleep(0.3)
        with lock:
            current = [s for s in holders if not s._conn.closed]
        if current:
            try:
                cut(pg_database, current[-1])
                cuts += 1
            except psycopg.Error:
                pass
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert cuts >= 5 and restarts[0] >= 2, (cuts, restarts)

    reader = PgLedgerStore(pg_database)
    size = reader.size()
    assert set(acknowledged) <= set(range(size))  # (an entry whose commit answer was lost has no receipt)
    assert all(reader.entry(i).leaf_hash == leaf for i, leaf in acknowledged.items())
    summary = integrity.check_all(reader, KEY.public_key(), ORIGIN)  # every head's root, every node, every leaf
    assert summary.entries == size and summary.size == size
    with psycopg.connect(pg_database, autocommit=True) as admin:
        assert not held(admin)  # every writer let go
