"""The sequencer's half of the log: turn a batch of accepted envelopes into
durable entries, one signed tree head, and a receipt per entry.

Called from one thread only (gateway.ledger.sequencer). Everything that decides
whether an entry may go in (duplicate, stale version, unknown supersede or
retract target) is decided here, inside the single writer, so two streams
racing with the same record cannot both win.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.timestamp_pb2 import Timestamp

from gateway import keys
from gateway.errors import AlreadyExists, InvalidArgument, NotFound, RegulinkError, StaleVersion
from gateway.ledger import checkpoint, integrity, proof
from gateway.ledger.hashing import commitment_leaf_hash, empty_root
from gateway.ledger.store import Entry, LedgerStore, MissingNode, StoredHead
from graph.visibility import EVERYONE, NAMES, readers
from regulink.v1 import exchange_pb2, transparency_pb2

NONCE_SIZE = 32


@dataclass(frozen=True)
class Candidate:
    """An envelope that passed every stateless check, waiting for the sequencer."""

    agency_id: str
    record_id: str
    version: int
    envelope: bytes  # canonical Envelope bytes: what the leaf commits to
    signer_keys: tuple[str, ...]
    tlp: int
    share_with: tuple[str, ...]
    supersedes: str = ""
    retracts: str = ""
    salts: tuple[tuple[str, bytes], ...] = ()  # (recipient, salt) of a record with recipient commitments


def _wider_than_target(c: Candidate, target: Entry, name: str) -> InvalidArgument | None:
    """A retraction or supersede names its target's record id to everyone who may read it, so it
    may be read by no one who could not read the target (docs/visibility.md)."""
    allowed = readers(target.agency_id, target.tlp, target.share_with)
    wanted = readers(c.agency_id, c.tlp, c.share_with)
    if EVERYONE in allowed or (EVERYONE not in wanted and set(wanted) <= set(allowed) and c.tlp >= target.tlp):
        return None
    shared = ", ".join(r for r in allowed if r != target.agency_id) or "no other agency"
    return InvalidArgument(
        f"this record {name} {target.record_id}, which is {NAMES.get(target.tlp, target.tlp)} shared with {shared}; "
        f"it may be read by no one who may not read {target.record_id}: mark it at least as strictly "
        "(the same TLP, share_with a subset of the target's)",
        field="record.tlp",
    )


def signed_head_message(head: StoredHead) -> transparency_pb2.SignedTreeHead:
    parsed = checkpoint.parse_note(head.note)
    return transparency_pb2.SignedTreeHead(
        origin=parsed.origin,
        tree_size=head.tree_size,
        root_hash=head.root_hash,
        timestamp_ms=head.timestamp_ms,
        note=head.note,
        signature=head.signature,
        key_id=head.key_id,
    )


class Ledger:
    def __init__(self, store: LedgerStore, key: Ed25519PrivateKey, origin: str) -> None:
        self.store = store
        self.key = key
        self.origin = origin
        self.key_id = keys.key_id(key)
        self.public_key = keys.raw_public_key(key)
        # Before anything is signed on top of it: a damaged ledger would make the gateway sign
        # heads that contradict its history (raises LedgerDamaged naming the entry and the fix).
        integrity.check_recent(store, key.public_key(), origin)
        self._size = store.size()

    @property
    def size(self) -> int:
        return self._size

    # -- appending -------------------------------------------------------------------

    def append(self, batch: list[Candidate]) -> list[exchange_pb2.Receipt | RegulinkError]:
        """Decide, store durably, then answer: receipts only after the commit."""
        outcomes: list[exchange_pb2.Receipt | RegulinkError | int] = []
        new_entries: list[Entry] = []
        in_batch: dict[tuple[str, str, int], int] = {}
        latest_in_batch: dict[tuple[str, str], int] = {}
        now_ms = int(time.time() * 1000)
        for candidate in batch:
            decision = self._decide(candidate, in_batch, latest_in_batch, new_entries)
            if decision is not None:
                outcomes.append(decision)
                continue
            index = self._size + len(new_entries)
            nonce = os.urandom(NONCE_SIZE)
            new_entries.append(
                Entry(
                    index, candidate.agency_id, candidate.record_id, candidate.version, candidate.envelope, nonce,
                    commitment_leaf_hash(nonce, candidate.envelope), now_ms, candidate.signer_keys, candidate.tlp,
                    candidate.share_with, candidate.salts,
                )
            )
            in_batch[(candidate.agency_id, candidate.record_id, candidate.version)] = index
            latest_in_batch[(candidate.agency_id, candidate.record_id)] = candidate.version
            outcomes.append(index)
        fresh: dict[int, exchange_pb2.Receipt] = {}
        if new_entries:
            head = signed_head_message(self._commit(new_entries, now_ms))
            fresh = {e.log_index: self._receipt_for(e, head) for e in new_entries}
        return [self._answer(o, fresh) for o in outcomes]

    def _decide(self, c: Candidate, in_batch: dict, latest_in_batch: dict,
                pending: list[Entry]) -> RegulinkError | int | None:
        """None when the candidate may be appended; otherwise why not (or the index it duplicates)."""
        key = (c.agency_id, c.record_id, c.version)
        if key in in_batch:
            return -1 - in_batch[key]  # duplicate of an entry of this very batch
        latest = latest_in_batch.get((c.agency_id, c.record_id)) or self.store.latest_version(c.agency_id, c.record_id)
        if latest is not None and c.version <= latest:
            existing = self.store.find(*key)
            if existing is not None:
                return AlreadyExists(
                    f"record {c.record_id} version {c.version} is already in the log at index {existing.log_index}",
                    receipt=self.receipt(existing.log_index),
                    field="record.version",
                )
            return StaleVersion(
                f"record {c.record_id} is at version {latest}; version {c.version} is a replay of an older one",
                field="record.version",
            )
        for name, target in (("supersedes", c.supersedes), ("retracts", c.retracts)):
            if not target:
                continue
            version = latest_in_batch.get((c.agency_id, target))
            if version is not None:
                found = pending[in_batch[(c.agency_id, target, version)] - self._size]
            else:
                version = self.store.latest_version(c.agency_id, target)
                found = None if version is None else self.store.find(c.agency_id, target, version)
            if found is None:
                # Same words whether the record is missing or another agency's.
                return NotFound(f"record {target} not found", field=f"record.{name}.record_id")
            problem = _wider_than_target(c, found, name)
            if problem is not None:
                return problem
        return None

    def _commit(self, entries: list[Entry], now_ms: int) -> StoredHead:
        nodes = proof.completed_nodes(self.store, self._size, [e.leaf_hash for e in entries])
        new_size = self._size + len(entries)
        root = self._root_after(nodes, new_size)
        head = checkpoint.TreeHead(self.origin, new_size, root, now_ms)
        note, signature = checkpoint.sign(head, self.key)
        head = StoredHead(new_size, root, now_ms, note, signature, self.key_id)
        self.store.append(entries, nodes, head)
        self._size = new_size
        return head

    def _root_after(self, nodes: list[tuple[int, int, bytes]], new_size: int) -> bytes:
        """The root of the grown tree, reading this batch's nodes before they are stored."""
        fresh = {(level, idx): h for level, idx, h in nodes}

        class _View:
            def subtree(_, level: int, index: int) -> bytes:
                return fresh.get((level, index)) or self.store.subtree(level, index)

        return proof.root(_View(), new_size)

    def _answer(self, outcome, fresh: dict[int, exchange_pb2.Receipt]) -> exchange_pb2.Receipt | RegulinkError:
        if isinstance(outcome, RegulinkError):
            return outcome
        if outcome < 0:
            index = -1 - outcome
            return AlreadyExists(
                f"this envelope repeats the record at index {index} of the same batch",
                receipt=fresh[index],
                field="record.version",
            )
        return fresh[outcome]

    # -- answering -------------------------------------------------------------------

    def receipt(self, log_index: int) -> exchange_pb2.Receipt:
        """The receipt of an entry, against the signed head of the batch that added it."""
        entry = self.store.entry(log_index)
        if entry is None:
            if log_index < self._size:
                raise integrity.LedgerDamaged(log_index, "it is missing from the ledger")
            raise NotFound(f"no log entry {log_index}")
        with _damage_reported():
            return self._receipt_for(entry, signed_head_message(self.store.head_covering(log_index)))

    def _receipt_for(self, entry: Entry, head: transparency_pb2.SignedTreeHead) -> exchange_pb2.Receipt:
        accepted = Timestamp()
        accepted.FromMilliseconds(entry.accepted_ms)
        return exchange_pb2.Receipt(
            log_index=entry.log_index,
            nonce=entry.nonce,
            leaf_hash=entry.leaf_hash,
            inclusion_proof=proof.inclusion_proof(self.store, entry.log_index, head.tree_size),
            tree_head=head,
            agency_id=entry.agency_id,
            record_id=entry.record_id,
            version=entry.version,
            accepted_at=accepted,
            envelope_sha256=b"" if entry.envelope is None else hashlib.sha256(entry.envelope).digest(),
        )

    def tree_head(self, tree_size: int = 0) -> StoredHead:
        head = self.store.latest_tree_head() if tree_size == 0 else self.store.tree_head(tree_size)
        if head is None and tree_size == 0 and self._size == 0:
            # An empty log still has a signed state: the empty tree (RFC 9162 2.1.1), signed now.
            # A monitor starts from it; nothing is stored, the first batch signs the first real head.
            now_ms = int(time.time() * 1000)
            empty = checkpoint.TreeHead(self.origin, 0, empty_root(), now_ms)
            note, signature = checkpoint.sign(empty, self.key)
            return StoredHead(0, empty.root_hash, now_ms, note, signature, self.key_id)
        if head is None:
            raise NotFound(
                "the log is empty" if tree_size == 0 else f"no signed tree head of size {tree_size}",
                field="" if tree_size == 0 else "tree_size",
            )
        return head

    def inclusion_proof(self, log_index: int, tree_size: int) -> tuple[Entry, StoredHead, list[bytes]]:
        head = self.tree_head(tree_size)
        if tree_size == 0 or log_index >= head.tree_size:
            raise NotFound(f"entry {log_index} is not in the tree of size {head.tree_size}", field="log_index")
        entry = self.store.entry(log_index)
        if entry is None:  # below a signed size: deleted behind the gateway's back
            raise integrity.LedgerDamaged(log_index, "it is missing from the ledger")
        with _damage_reported():
            return entry, head, proof.inclusion_proof(self.store, log_index, head.tree_size)

    def consistency_proof(self, first: int, second: int) -> tuple[StoredHead, StoredHead, list[bytes]]:
        if first == 0 or first > second:
            raise InvalidArgument("need 0 < first_size <= second_size", field="first_size")
        a, b = self.tree_head(first), self.tree_head(second)
        with _damage_reported():
            return a, b, proof.consistency_proof(self.store, first, second)


@contextlib.contextmanager
def _damage_reported() -> Iterator[None]:
    """A Merkle node missing from the store is damage (DATA_LOSS naming it), not an internal error."""
    try:
        yield
    except MissingNode as exc:
        raise integrity.LedgerDamaged(exc.index << exc.level, f"the Merkle node at level {exc.level}, index "
                                                              f"{exc.index} is missing") from None
