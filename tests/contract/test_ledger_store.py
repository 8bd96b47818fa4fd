"""The ledger's storage contract, run on both stores: SQLite (gateway.ledger.store) and a real
PostgreSQL server (gateway.ledger.pg_store, tests/pgcluster.py).

The Ledger above them must not be able to tell them apart: receipts verify and roots match a naive
RFC 9162 tree, a reopened ledger carries on, readers see what the writer committed and nothing of
a batch that failed, the integrity checks pass on an intact store and name the entry tampered with
behind its back. PostgreSQL alone: the writer's session cut and renewed, and the fence when the log
changed meanwhile.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
import pytest

from gateway.errors import Unavailable
from gateway.ledger import integrity, verify
from gateway.ledger.hashing import mth
from gateway.ledger.lease import WriterLease
from gateway.ledger.log import Ledger
from gateway.ledger.pg_store import Fenced, PgLedgerStore
from gateway.ledger.store import LedgerStore
from tests.unit.test_ledger_log import KEY, candidate, check

ORIGIN = "unit/log"


@dataclass
class Backend:
    name: str
    open_writer: Callable[[], object]
    open_reader: Callable[[], object]
    sql: Callable[[str], None]  # a statement run behind the gateway's back
    table: Callable[[str], str]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path) -> Backend:
    if request.param == "sqlite":
        path = tmp_path / "ledger.db"

        def tamper(statement: str) -> None:
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute(statement)
            conn.close()

        return Backend("sqlite", lambda: LedgerStore(path), lambda: LedgerStore(path, readonly=True), tamper,
                       lambda name: name)
    dsn = request.getfixturevalue("pg_database")

    def tamper(statement: str) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(statement)

    return Backend("postgresql", lambda: PgLedgerStore.try_writer(dsn, WriterLease(dsn, "test-writer:7443")),
                   lambda: PgLedgerStore(dsn), tamper, lambda name: f"regulink.{name}")


def fill(ledger: Ledger, count: int, rng: random.Random, start: int = 0) -> list[bytes]:
    leaves = []
    done = 0
    while done < count:
        batch = [candidate(f"r{start + done + i}") for i in range(min(count - done, rng.randint(1, 40)))]
        for c, receipt in zip(batch, ledger.append(batch)):
            check(receipt, c.envelope)
            leaves.append(receipt.leaf_hash)
        done += len(batch)
    return leaves


def test_receipts_verify_and_roots_match_the_reference_tree(backend):
    ledger = Ledger(backend.open_writer(), KEY, ORIGIN)
    leaves = fill(ledger, 300, random.Random(7))
    head = ledger.tree_head()
    assert head.tree_size == 300 and head.root_hash == mth(leaves)
    signed = [h.tree_size for h in ledger.store.tree_heads()]
    for first in signed[:: max(1, len(signed) // 5)]:
        older, newer, hashes = ledger.consistency_proof(first, 300)
        verify.verify_consistency(first, 300, older.root_hash, newer.root_hash, hashes)
    summary = integrity.check_all(ledger.store, KEY.public_key(), ORIGIN)
    assert (summary.entries, summary.size, summary.root) == (300, 300, head.root_hash)


def test_a_reopened_ledger_carries_on_and_a_reader_sees_every_column(backend):
    store = backend.open_writer()
    ledger = Ledger(store, KEY, ORIGIN)
    rng = random.Random(3)
    leaves = fill(ledger, 50, rng)
    shared = candidate("amber", salts=(("npa-cyber", bytes(range(32))), ("tokyo-metro", b"\xff" * 32)))
    (receipt,) = ledger.append([shared])
    leaves.append(receipt.leaf_hash)
    store.close()

    ledger = Ledger(backend.open_writer(), KEY, ORIGIN)  # the start-up check runs on the reopened store
    assert ledger.size == 51
    leaves += fill(ledger, 30, rng, start=100)
    assert ledger.tree_head().root_hash == mth(leaves)
    reader = backend.open_reader()
    entry = reader.entry(50)
    assert entry.salts == shared.salts and entry.share_with == shared.share_with and entry.envelope == shared.envelope
    assert reader.find("fsa-jp", "amber", 1) == entry
    assert reader.latest_version("fsa-jp", "amber") == 1 and reader.latest_version("fsa-jp", "nothing") is None
    assert reader.latest_before("fsa-jp", "amber", 51) == entry and reader.latest_before("fsa-jp", "amber", 50) is None
    assert [e.log_index for e in reader.entries(78, 10)] == [78, 79, 80]
    assert reader.head_covering(50).tree_size == 51 and reader.size() == reader.count() == 81
    assert reader.first_gap() is None
    assert [idx for idx, _ in reader.level_nodes(2, 3, 6)] == [3, 4, 5]
    assert [h.tree_size for h in reader.tree_heads(above=51, through=81)][-1] == 81
    reader.close()


def test_a_purged_envelope_keeps_its_leaf(backend):
    store = backend.open_writer()
    ledger = Ledger(store, KEY, ORIGIN)
    fill(ledger, 20, random.Random(5))
    backend.sql(f"UPDATE {backend.table('entries')} SET envelope = NULL WHERE log_index = 4")  # a lawful erasure
    assert store.entry(4).envelope is None
    summary = integrity.check_all(store, KEY.public_key(), ORIGIN)
    assert summary.purged == 1 and summary.entries == 20


@pytest.mark.parametrize("fault, index", [
    ("DELETE FROM {entries} WHERE log_index = 9", 9),
    ("UPDATE {nodes} SET hash = '\\x{zeros}' WHERE level = 0 AND idx = 12", 12),
    ("UPDATE {nodes} SET hash = '\\x{zeros}' WHERE level = 2 AND idx = 1", 4),
])
def test_damage_behind_the_stores_back_is_found_where_it_is(backend, fault, index):
    store = backend.open_writer()
    fill(Ledger(store, KEY, ORIGIN), 40, random.Random(11))
    zeros = "00" * 32
    statement = fault.format(entries=backend.table("entries"), nodes=backend.table("nodes"), zeros=zeros)
    if backend.name == "sqlite":
        statement = statement.replace(f"'\\x{zeros}'", f"x'{zeros}'")
    backend.sql(statement)
    store.close()
    store = backend.open_reader()
    with pytest.raises(integrity.LedgerDamaged) as damage:
        integrity.check_all(store, KEY.public_key(), ORIGIN)
    assert damage.value.index == index


def test_a_batch_the_store_refuses_leaves_nothing_and_the_next_one_goes_in(backend):
    store = backend.open_writer()
    ledger = Ledger(store, KEY, ORIGIN)
    fill(ledger, 10, random.Random(1))
    # The database refuses the batch's second entry (a trigger, as a full disk or a broken constraint
    # would): the whole transaction rolls back.
    if backend.name == "sqlite":
        backend.sql("CREATE TRIGGER refuse BEFORE INSERT ON entries WHEN NEW.record_id = 'bad' "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    else:
        backend.sql("CREATE FUNCTION regulink.refuse() RETURNS trigger AS $$ BEGIN IF NEW.record_id = 'bad' THEN "
                    "RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql")
        backend.sql("CREATE TRIGGER refuse BEFORE INSERT ON regulink.entries FOR EACH ROW "
                    "EXECUTE FUNCTION regulink.refuse()")
    with pytest.raises((Unavailable, sqlite3.Error)):
        ledger.append([candidate("ok-1"), candidate("bad"), candidate("ok-2")])
    reader = backend.open_reader()
    assert reader.size() == 10 and reader.latest_tree_head().tree_size == 10
    assert reader.find("fsa-jp", "ok-1", 1) is None
    backend.sql("DROP TRIGGER refuse" if backend.name == "sqlite" else "DROP TRIGGER refuse ON regulink.entries")
    (receipt,) = ledger.append([candidate("ok-3")])
    assert receipt.log_index == 10
    check(receipt, candidate("ok-3").envelope)


# -- PostgreSQL only: the writer's session --------------------------------------------------------------


def _backend_pid(store: PgLedgerStore) -> int:
    return store._conn.info.backend_pid


def test_a_cut_session_is_renewed_and_the_writer_carries_on(pg_database):
    store = PgLedgerStore.try_writer(pg_database, WriterLease(pg_database, "w1:7443"))
    ledger = Ledger(store, KEY, ORIGIN)
    leaves = fill(ledger, 25, random.Random(2))
    with psycopg.connect(pg_database, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (_backend_pid(store),))
    # The next batch finds the session gone, takes the lease again on a new one, sees the log as it
    # left it, and goes on: the receipts verify against one tree.
    more = [candidate(f"after-{i}") for i in range(5)]
    for c, receipt in zip(more, ledger.append(more)):
        check(receipt, c.envelope)
        leaves.append(receipt.leaf_hash)
    assert ledger.tree_head().root_hash == mth(leaves) and store.fenced is None


def test_a_writer_whose_log_changed_meanwhile_is_fenced(pg_database):
    store = PgLedgerStore.try_writer(pg_database, WriterLease(pg_database, "w1:7443"))
    ledger = Ledger(store, KEY, ORIGIN)
    fill(ledger, 10, random.Random(4))
    told = []
    store.on_fenced.append(told.append)
    with psycopg.connect(pg_database, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (_backend_pid(store),))
    # While it was away another writer took the lease and appended.
    other = PgLedgerStore.try_writer(pg_database, WriterLease(pg_database, "w2:7443"))
    fill(Ledger(other, KEY, ORIGIN), 3, random.Random(9), start=500)
    other.close()  # the lease is free again, but the log is not the one w1 left
    with pytest.raises(Fenced, match="13 entries, not the 10"):
        ledger.append([candidate("late")])
    assert told and "lost the writer lease" in told[0]
    with pytest.raises(Fenced):  # for good: a fresh start reads the log anew
        ledger.append([candidate("later")])
    reader = PgLedgerStore(pg_database)
    assert reader.size() == 13 and reader.find("fsa-jp", "late", 1) is None


def test_a_reader_refuses_to_write_and_a_writer_refuses_weak_commits(pg_database):
    reader = PgLedgerStore(pg_database)
    with pytest.raises(Unavailable, match="no regulink tables"):
        reader.size()
    writer = PgLedgerStore.try_writer(pg_database, WriterLease(pg_database, "w1:7443"))
    with pytest.raises(Unavailable, match="read-only"):
        reader.append([], [], None)
    with pytest.raises(ValueError, match="synchronous_commit"):
        PgLedgerStore.writer(pg_database, WriterLease(pg_database, "w2:7443"), synchronous_commit="local")
    assert writer._conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"
