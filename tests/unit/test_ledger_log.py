"""The SQLite ledger behind the sequencer: receipts verify, duplicates and replays are refused,
proofs from the store match a naive RFC 9162 tree, and a reopened ledger carries on."""

from __future__ import annotations

import hashlib
import random
import sqlite3

import pytest

from gateway import keys
from gateway.errors import AlreadyExists, NotFound, StaleVersion
from gateway.ledger import checkpoint, verify
from gateway.ledger.hashing import commitment_leaf_hash, mth
from gateway.ledger.log import Candidate, Ledger
from gateway.ledger.store import LedgerStore
from regulink.v1 import envelope_pb2, exchange_pb2, records_pb2

KEY = keys.generate()


def candidate(record_id: str, version: int = 1, agency: str = "fsa-jp", **extra) -> Candidate:
    # An unsigned envelope of a minimal record: what the ledger stores and its start-up check reads back.
    record = records_pb2.CaseRecord(record_id=record_id, agency_id=agency, version=version, tlp=2)
    envelope = envelope_pb2.Envelope(payload=record.SerializeToString(), payload_type="test").SerializeToString()
    return Candidate(agency, record_id, version, envelope, ("k",), 2, (), **extra)


def open_ledger(path) -> Ledger:
    return Ledger(LedgerStore(path / "ledger.db"), KEY, "unit/log")


def check(receipt: exchange_pb2.Receipt, envelope: bytes) -> None:
    head = checkpoint.verify(receipt.tree_head.note, receipt.tree_head.signature, KEY.public_key())
    leaf = commitment_leaf_hash(receipt.nonce, envelope)
    assert leaf == receipt.leaf_hash
    verify.verify_inclusion(leaf, receipt.log_index, head.tree_size, list(receipt.inclusion_proof), head.root_hash)


def test_batches_get_receipts_that_verify_and_roots_match_the_reference(tmp_path):
    ledger = open_ledger(tmp_path)
    rng = random.Random(7)
    leaves, count = [], 0
    while count < 300:
        size = rng.randint(1, 40)
        batch = [candidate(f"r{count + i}") for i in range(size)]
        outcomes = ledger.append(batch)
        for c, receipt in zip(batch, outcomes):
            check(receipt, c.envelope)
            leaves.append(receipt.leaf_hash)
        count += size
        head = ledger.tree_head()
        assert head.tree_size == count and head.root_hash == mth(leaves)


def test_duplicate_stale_and_missing_targets(tmp_path):
    ledger = open_ledger(tmp_path)
    first, = ledger.append([candidate("a", 2)])
    duplicate, stale, fresh, missing, within = ledger.append(
        [candidate("a", 2), candidate("a", 1), candidate("a", 3), candidate("b", retracts="zzz"), candidate("a", 3)]
    )
    assert isinstance(duplicate, AlreadyExists) and duplicate.receipt == first
    assert isinstance(stale, StaleVersion)
    assert isinstance(fresh, exchange_pb2.Receipt) and fresh.version == 3
    assert isinstance(missing, NotFound) and missing.field == "record.retracts.record_id"
    assert isinstance(within, AlreadyExists) and within.receipt.log_index == fresh.log_index
    assert ledger.size == 2
    # Another agency's record id is another record.
    other, = ledger.append([candidate("a", 1, agency="mas-sg")])
    assert isinstance(other, exchange_pb2.Receipt)
    # A target in the same batch counts.
    new, retraction = ledger.append([candidate("c"), candidate("d", supersedes="c")])
    assert isinstance(retraction, exchange_pb2.Receipt)


def test_reopened_ledger_continues_the_same_tree(tmp_path):
    ledger = open_ledger(tmp_path)
    ledger.append([candidate(f"x{i}") for i in range(37)])
    old_head = ledger.tree_head()
    ledger.store.close()
    again = open_ledger(tmp_path)
    assert again.size == 37
    again.append([candidate(f"y{i}") for i in range(11)])
    new_head = again.tree_head()
    first, second, proof = again.consistency_proof(old_head.tree_size, new_head.tree_size)
    verify.verify_consistency(37, 48, old_head.root_hash, new_head.root_hash, proof)
    entry, head, path = again.inclusion_proof(5, 37)
    verify.verify_inclusion(entry.leaf_hash, 5, 37, path, old_head.root_hash)


def test_proofs_only_against_signed_sizes(tmp_path):
    ledger = open_ledger(tmp_path)
    ledger.append([candidate("a"), candidate("b")])
    with pytest.raises(NotFound):
        ledger.inclusion_proof(0, 1)  # no head was signed at size 1
    with pytest.raises(NotFound):
        ledger.inclusion_proof(5, 2)


def test_receipt_names_the_bytes_it_commits_to(tmp_path):
    ledger = open_ledger(tmp_path)
    c = candidate("a")
    receipt, = ledger.append([c])
    assert receipt.envelope_sha256 == hashlib.sha256(c.envelope).digest()
    assert len(receipt.nonce) == 32


def test_a_failed_batch_leaves_nothing_behind(tmp_path):
    """Entries, nodes and head commit together or not at all (the kill -9 guarantee)."""
    ledger = open_ledger(tmp_path)
    ledger.append([candidate("a")])
    store = ledger.store
    head = store.latest_tree_head()
    entry = store.entry(0)
    clash = type(entry)(**{**entry.__dict__, "log_index": 1, "record_id": "b"})
    with pytest.raises(sqlite3.IntegrityError):
        store.append([clash], [(0, 1, bytes(32))], head)  # the head of size 1 exists: the insert fails last
    assert store.size() == 1 and store.entry(1) is None
    assert store._conn.execute("SELECT COUNT(*) FROM nodes WHERE level = 0").fetchone()[0] == 1
