"""The ledger checked against itself (gateway.ledger.integrity) on real ledger files: a real
Ledger appends real DSSE envelopes admitted against a real registry, then the file is tampered
with through SQLite, one fault at a time, as someone with write access to ledger.db would.

Every fault must be found, at the entry it sits at, by `check_all` (`regulink ledger verify`);
the start-up check (`check_recent`, in Ledger()) must find those in its window and every one
that would make the gateway sign heads contradicting its history (a peak of the tree, a gap).
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from gateway import keys
from gateway.errors import DataLoss
from gateway.ledger import integrity
from gateway.ledger.hashing import mth
from gateway.ledger.log import Ledger
from gateway.ledger.store import LedgerStore
from gateway.sdk.client import sign_record
from gateway.server.admission.admit import Limits, admit
from gateway.server.registry import Registry
from tests.e2e.conftest import make_record

LOG_KEY = keys.generate()
ORIGIN = "integrity.test/log"
SIZE = 300


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A folder with ledger.db (SIZE entries in batches of 1-40) and registry.db; copied per test."""
    folder = tmp_path_factory.mktemp("pristine")
    registry = Registry(folder / "registry.db")
    registry.add_agency("fsa-jp", "Financial Services Agency", "regulator", "JP")
    signer = keys.generate()
    registry.add_key("fsa-jp", keys.raw_public_key(signer))
    snapshot = registry.snapshot()
    ledger = Ledger(LedgerStore(folder / "ledger.db"), LOG_KEY, ORIGIN)
    rng = random.Random(13)
    while ledger.size < SIZE:
        batch = [admit(sign_record(make_record("fsa-jp"), [signer]), "fsa-jp", snapshot, Limits())
                 for _ in range(min(rng.randint(1, 40), SIZE - ledger.size))]
        ledger.append(batch)
    ledger.store.close()
    registry.close()
    return folder


@pytest.fixture
def copy(pristine, tmp_path) -> Path:
    for name in ("ledger.db", "registry.db"):
        shutil.copy(pristine / name, tmp_path / name)
    return tmp_path


def full_check(folder: Path, *, log_key=LOG_KEY.public_key()) -> integrity.Summary:
    store = LedgerStore(folder / "ledger.db", readonly=True)
    try:
        return integrity.check_all(store, log_key, ORIGIN, folder / "registry.db")
    finally:
        store.close()


def recent_check(folder: Path, last: int) -> None:
    store = LedgerStore(folder / "ledger.db", readonly=True)
    try:
        integrity.check_recent(store, LOG_KEY.public_key(), ORIGIN, last=last)
    finally:
        store.close()


def sql(folder: Path, statement: str, *args) -> None:
    with sqlite3.connect(folder / "ledger.db") as db:
        assert db.execute(statement, args).rowcount == 1


def flip_envelope_byte(folder: Path, index: int) -> None:
    """One letter of the record's summary, inside the signed payload: content nobody signed."""
    with sqlite3.connect(folder / "ledger.db") as db:
        envelope = db.execute("SELECT envelope FROM entries WHERE log_index = ?", (index,)).fetchone()[0]
        at = envelope.index(b"Unregistered operator")
        db.execute("UPDATE entries SET envelope = ? WHERE log_index = ?",
                   (envelope[:at] + b"V" + envelope[at + 1:], index))


def flip_node(folder: Path, level: int, index: int) -> None:
    with sqlite3.connect(folder / "ledger.db") as db:
        stored = db.execute("SELECT hash FROM nodes WHERE level = ? AND idx = ?", (level, index)).fetchone()[0]
        db.execute("UPDATE nodes SET hash = ? WHERE level = ? AND idx = ?",
                   (bytes([stored[0] ^ 1]) + stored[1:], level, index))


def test_an_intact_ledger_verifies_and_the_figures_add_up(copy):
    summary = full_check(copy)
    with sqlite3.connect(copy / "ledger.db") as db:
        leaves = [row[0] for row in db.execute("SELECT leaf_hash FROM entries ORDER BY log_index")]
        heads = db.execute("SELECT COUNT(*) FROM tree_heads").fetchone()[0]
    assert summary.entries == SIZE == len(leaves) and summary.signatures == SIZE and summary.purged == 0
    assert summary.heads == heads > 1
    # A tree of n leaves has n - popcount(n) interior complete subtrees (each leaf is one more).
    assert summary.nodes == 2 * SIZE - bin(SIZE).count("1")
    assert summary.root == mth(leaves)  # the reference, straight from RFC 9162 section 2.1.1
    recent_check(copy, 50)
    recent_check(copy, 10_000)


# (fault, where, the index reported, what the report says, is it seen by a start check of the newest 50?
#  True: yes; False: only by a start check whose window covers it; None: only by check_all, which checks
#  signatures)
FAULTS = [
    ("envelope byte, old entry", lambda f: flip_envelope_byte(f, 10), 10, "not what its leaf commits to", False),
    ("envelope byte, recent entry", lambda f: flip_envelope_byte(f, 290), 290, "not what its leaf commits to", True),
    ("nonce", lambda f: sql(f, "UPDATE entries SET nonce = zeroblob(32) WHERE log_index = 42"), 42,
     "not what its leaf commits to", False),
    ("leaf hash column", lambda f: sql(f, "UPDATE entries SET leaf_hash = zeroblob(32) WHERE log_index = 280"), 280,
     "leaf hash stored beside it was changed", True),
    ("Merkle node inside the tree", lambda f: flip_node(f, 2, 3), 12, "entries 12-15", False),
    ("Merkle leaf node", lambda f: flip_node(f, 0, 7), 7, "differs from the leaf in the Merkle tree", False),
    # 300 = 256 + 32 + 8 + 4: the subtree over 0-255 is a peak every new head is built from.
    ("Merkle peak", lambda f: flip_node(f, 8, 0), 0, "entries 0-255", True),
    ("Merkle node in the newest entries", lambda f: flip_node(f, 3, 36), 288, "entries 288-295", True),
    ("deleted middle entry", lambda f: sql(f, "DELETE FROM entries WHERE log_index = 150"), 150, "missing", True),
    ("deleted Merkle node", lambda f: sql(f, "DELETE FROM nodes WHERE level = 1 AND idx = 20"), 40, "missing", False),
    ("deleted newest entry", lambda f: sql(f, "DELETE FROM entries WHERE log_index = 299"), 299, "missing", True),
    ("author column", lambda f: sql(f, "UPDATE entries SET agency_id = 'mas-sg' WHERE log_index = 77"), 77,
     "not signed by a key of mas-sg", False),
    ("TLP column", lambda f: sql(f, "UPDATE entries SET tlp = 1 WHERE log_index = 78"), 78, "differ from its signed",
     False),
    ("signer column", lambda f: sql(f, "UPDATE entries SET signer_keys = '[]' WHERE log_index = 79"), 79,
     "signer list", None),
    ("head signature", lambda f: sql(f, "UPDATE tree_heads SET signature = zeroblob(64) WHERE tree_size = "
                                        "(SELECT MIN(tree_size) FROM tree_heads WHERE tree_size > 100)"),
     None, "does not verify", False),
    ("head root column", lambda f: sql(f, "UPDATE tree_heads SET root_hash = zeroblob(32) WHERE tree_size = "
                                          "(SELECT MAX(tree_size) FROM tree_heads)"), SIZE - 1,
     "differ from its signed", True),
]


@pytest.mark.parametrize("name, tamper, index, says, seen_at_start", FAULTS, ids=[f[0] for f in FAULTS])
def test_each_tampering_is_found_at_its_entry(copy, name, tamper, index, says, seen_at_start):
    tamper(copy)
    with pytest.raises(integrity.LedgerDamaged) as found:
        full_check(copy)
    if index is None:  # the first head above 100 entries: whatever size that batch ended at
        with sqlite3.connect(copy / "ledger.db") as db:
            index = db.execute("SELECT MIN(tree_size) - 1 FROM tree_heads WHERE tree_size > 100").fetchone()[0]
    assert found.value.index == index, found.value
    assert says in str(found.value) and found.value.fix
    assert isinstance(found.value, DataLoss) and found.value.code == "DATA_LOSS"

    if seen_at_start:
        with pytest.raises(integrity.LedgerDamaged):
            recent_check(copy, 50)
        store = LedgerStore(copy / "ledger.db")
        with pytest.raises(integrity.LedgerDamaged):  # the gateway will not start on it
            Ledger(store, LOG_KEY, ORIGIN)
        store.close()
    else:
        recent_check(copy, 50)  # outside the cheap window: `regulink ledger verify` is the tool
        if seen_at_start is None:
            recent_check(copy, SIZE)
        else:
            with pytest.raises(integrity.LedgerDamaged):  # a window covering it sees it too
                recent_check(copy, SIZE)


def test_keys_are_judged_as_they_were_when_the_entry_was_accepted(copy):
    registry = Registry(copy / "registry.db")
    key_id = next(iter(registry.snapshot().keys))
    registry.revoke_key(key_id)  # compromise found today: what it signed before stays valid
    registry.close()
    assert full_check(copy).signatures == SIZE

    registry = Registry(copy / "registry.db")
    registry.expire_key(key_id, at=0)  # a window edited to before the entries: they no longer verify
    registry.close()
    with pytest.raises(integrity.LedgerDamaged) as found:
        full_check(copy)
    assert found.value.index == 0 and "expired when the entry was accepted" in str(found.value)


def test_a_purged_envelope_is_checked_against_the_tree_only(copy):
    sql(copy, "UPDATE entries SET envelope = NULL WHERE log_index = 5")
    summary = full_check(copy)
    assert summary.purged == 1 and summary.signatures == SIZE - 1
    recent_check(copy, SIZE)


def test_another_log_key_or_origin_is_named_with_its_fix(copy):
    with pytest.raises(integrity.LedgerDamaged) as found:
        full_check(copy, log_key=keys.generate().public_key())
    assert "log key" in str(found.value) and "keys/log-key.pem" in found.value.fix
    store = LedgerStore(copy / "ledger.db")
    with pytest.raises(integrity.LedgerDamaged) as found:
        Ledger(store, LOG_KEY, "renamed.test/log")
    store.close()
    assert f"set origin = '{ORIGIN}'" in found.value.fix


def test_a_running_ledger_answers_data_loss_for_a_deleted_entry_or_node(copy):
    ledger = Ledger(LedgerStore(copy / "ledger.db"), LOG_KEY, ORIGIN)
    sql(copy, "DELETE FROM entries WHERE log_index = 150")
    with pytest.raises(integrity.LedgerDamaged) as found:
        ledger.inclusion_proof(150, SIZE)
    assert found.value.index == 150
    with pytest.raises(integrity.LedgerDamaged):
        ledger.receipt(150)
    sql(copy, "DELETE FROM nodes WHERE level = 1 AND idx = 20")
    ledger.store._cache.clear()
    with pytest.raises(integrity.LedgerDamaged) as found:
        ledger.inclusion_proof(42, SIZE)  # its path passes through the node over 40-41
    assert found.value.index == 40
    ledger.store.close()


def test_signatures_checked_in_worker_processes_report_the_same_first_entry(copy, monkeypatch):
    monkeypatch.setattr(integrity, "PARALLEL_FROM", 0)
    monkeypatch.setattr(integrity, "RANGE", 64)
    store = LedgerStore(copy / "ledger.db", readonly=True)
    done: list[int] = []
    summary = integrity.check_all(store, LOG_KEY.public_key(), ORIGIN, copy / "registry.db", done.append, workers=2)
    assert summary.signatures == SIZE and sum(done) == SIZE  # the progress counts every range once
    store.close()
    # A signature fault at 200 and a tree fault at 250: the lower index is reported, whichever process
    # found it; then only a tree fault later than a signature fault in the first range.
    sql(copy, "UPDATE entries SET tlp = 1 WHERE log_index = 200")
    flip_node(copy, 0, 250)
    store = LedgerStore(copy / "ledger.db", readonly=True)
    with pytest.raises(integrity.LedgerDamaged) as found:
        integrity.check_all(store, LOG_KEY.public_key(), ORIGIN, copy / "registry.db", workers=2)
    assert found.value.index == 200
    sql(copy, "UPDATE entries SET tlp = 1 WHERE log_index = 3")
    flip_node(copy, 0, 100)
    with pytest.raises(integrity.LedgerDamaged) as found:
        integrity.check_all(store, LOG_KEY.public_key(), ORIGIN, copy / "registry.db", workers=2)
    assert found.value.index == 3
    store.close()
