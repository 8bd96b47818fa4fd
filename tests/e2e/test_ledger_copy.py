"""`regulink ledger copy --from sqlite:PATH --to postgresql://…` on a real ledger of signed records:
the copy is proved (every leaf, every head, the newest root), the registry comes along, receipts
issued from the SQLite ledger verify against the PostgreSQL one, and the writer carries on there.
A damaged source, an occupied destination and a destination with a running writer are refused.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gateway import keys
from gateway.ledger import integrity, verify
from gateway.ledger.lease import WriterLease
from gateway.ledger.log import Ledger
from gateway.ledger.pg_store import PgLedgerStore
from gateway.ledger.store import LedgerStore
from gateway.sdk.client import sign_record
from gateway.server.admission.admit import Limits, admit
from gateway.server.registry import Registry
from gateway.server.registry_pg import open_registry
from tests.e2e.conftest import make_record

ORIGIN = "copy.test/log"


def regulink(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway.cli.main", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200", **(env or {})}, timeout=300)


@pytest.fixture
def source(tmp_path) -> tuple[Path, list, object]:
    """A data directory with ledger.db (250 signed records in batches of 1-40), registry.db (a relay, a
    revoked key) and the log key; and the receipts the SQLite gateway gave."""
    log_key = keys.generate()
    keys.write_private_key(log_key, tmp_path / "keys" / "log-key.pem")
    registry = Registry(tmp_path / "registry.db")
    registry.add_agency("fsa-jp", "Financial Services Agency", "regulator", "JP")
    registry.add_agency("tokyo-metro", "Tokyo Metropolitan Government", "local-government", "JP-13")
    signer = keys.generate()
    registry.add_key("fsa-jp", keys.raw_public_key(signer))
    old = registry.add_key("tokyo-metro", keys.raw_public_key(keys.generate()), not_before=1.7e9)
    registry.revoke_key(old, at=1.75e9)
    registry.allow_relay("fsa-jp", "tokyo-metro")
    snapshot = registry.snapshot()
    ledger = Ledger(LedgerStore(tmp_path / "ledger.db"), log_key, ORIGIN)
    rng = random.Random(19)
    receipts = []
    while ledger.size < 250:
        batch = [admit(sign_record(make_record("fsa-jp"), [signer]), "fsa-jp", snapshot, Limits())
                 for _ in range(min(rng.randint(1, 40), 250 - ledger.size))]
        receipts += ledger.append(batch)
    ledger.store.close()
    registry.close()
    return tmp_path, receipts, signer


def test_copy_proves_itself_and_the_writer_carries_on_in_postgresql(source, pg_database):
    folder, receipts, signer = source
    done = regulink("ledger", "copy", "--from", f"sqlite:{folder / 'ledger.db'}", "--to", pg_database)
    assert done.returncode == 0, done.stderr + done.stdout
    sqlite_head = LedgerStore(folder / "ledger.db", readonly=True).latest_tree_head()
    assert "copied 250 entries" in done.stdout and "2 agencies and 2 keys" in done.stdout
    assert f"{sqlite_head.root_hash.hex()} at size 250, is the source's" in done.stdout

    copied = PgLedgerStore(pg_database)
    assert copied.latest_tree_head() == sqlite_head and copied.log_info()[0] == ORIGIN
    registry = open_registry(pg_database).snapshot()
    assert registry.agencies["fsa-jp"].relays == frozenset({"tokyo-metro"})
    assert [k.revoked_at for k in registry.agencies["tokyo-metro"].keys] == [1.75e9]
    # `regulink ledger verify` on the copy, configured as a gateway would be (signatures included).
    checked = regulink("ledger", "verify", "--data-dir", str(folder), env={"REGULINK_LEDGER": pg_database})
    assert checked.returncode == 0 and "ledger intact: 250 entries" in checked.stdout, checked.stdout + checked.stderr

    # The writer opens the copy and goes on; what the SQLite gateway acknowledged is in the PostgreSQL tree.
    log_key = keys.load_private_key(folder / "keys" / "log-key.pem")
    store = PgLedgerStore.try_writer(pg_database, WriterLease(pg_database, "writer:7443"))
    ledger = Ledger(store, log_key, ORIGIN)
    (receipt,) = ledger.append([admit(sign_record(make_record("fsa-jp"), [signer]), "fsa-jp", registry, Limits())])
    assert receipt.log_index == 250
    head = ledger.tree_head()
    for old in receipts[::17]:
        _, at, hashes = ledger.inclusion_proof(old.log_index, head.tree_size)
        verify.verify_inclusion(old.leaf_hash, old.log_index, at.tree_size, hashes, at.root_hash)
        first, second, proof = ledger.consistency_proof(old.tree_head.tree_size, head.tree_size)
        verify.verify_consistency(first.tree_size, second.tree_size, first.root_hash, second.root_hash, proof)


def test_copy_refuses_an_occupied_destination_and_a_running_writer(source, pg_database):
    folder, _, _ = source
    assert regulink("ledger", "copy", "--from", f"sqlite:{folder / 'ledger.db'}", "--to", pg_database).returncode == 0
    again = regulink("ledger", "copy", "--from", f"sqlite:{folder / 'ledger.db'}", "--to", pg_database)
    assert again.returncode == 1 and "already holds a ledger (250 entries)" in again.stderr
    writer = PgLedgerStore.try_writer(pg_database, WriterLease(pg_database, "writer:7443"))
    busy = regulink("ledger", "copy", "--from", f"sqlite:{folder / 'ledger.db'}", "--to", pg_database)
    assert busy.returncode == 1 and "a gateway holds the writer lease" in busy.stderr
    writer.close()


def test_a_damaged_source_does_not_come_out_as_a_good_copy(source, pg_database):
    folder, _, _ = source
    conn = sqlite3.connect(folder / "ledger.db", isolation_level=None)
    conn.execute("UPDATE nodes SET hash = zeroblob(32) WHERE level = 3 AND idx = 2")  # entries 16-23
    conn.close()
    done = regulink("ledger", "copy", "--from", f"sqlite:{folder / 'ledger.db'}", "--to", pg_database)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "the copy does not verify" in done.stderr and "damaged at entry 16" in done.stderr
    with pytest.raises(integrity.LedgerDamaged):
        integrity.check_all(PgLedgerStore(pg_database), keys.load_private_key(folder / "keys" / "log-key.pem")
                            .public_key(), ORIGIN)
