"""The stored ledger checked against itself: every leaf, Merkle node, signed head and signature.

A partner's proofs only cover what the partner holds. Whoever can write `ledger.db` could change
a stored envelope, a Merkle node, or delete an entry, and the gateway would go on serving it:
proofs that fail, heads that contradict the log's history, a graph showing what nobody signed
(issue 13). These checks recompute what the ledger stores from what it was built from, and name
the first entry where the two part.

* `check_recent` runs at every gateway start (milliseconds): the entries are numbered without
  gaps, the newest signed head verifies under the log key and its root follows from the stored
  Merkle nodes (the very nodes every new head is built from), and the newest entries commit to
  their stored envelopes, the columns beside them (who may see them) say what their records say,
  and the nodes above them agree with their children. Signatures are left to check_all.
* `check_all` is `regulink ledger verify`: every entry (leaf = commitment to its envelope and
  nonce, DSSE signatures under the registry's keys as they were when it was accepted, the columns
  stored beside it), every Merkle node recomputed from the leaves, every signed head (signature,
  note, root of the tree of its size). Memory stays O(log n): the tree is rebuilt as a stack of
  complete subtrees (RFC 9162 section 2.1.1) while the entries stream past.

Both raise LedgerDamaged (a DataLoss: the gRPC code DATA_LOSS) naming the entry index, what
differs and the fix.

One file because the start-up check and `regulink ledger verify` walk the same leaves, nodes and
heads and must agree on what counts as damage.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from google.protobuf.message import DecodeError

from gateway import dsse, keys
from gateway.errors import DataLoss, KeyNotValidNow, RegulinkError, UnknownKey
from gateway.ledger import checkpoint, proof, stores
from gateway.ledger.hashing import commitment_leaf_hash, node_hash
from gateway.ledger.store import Entry, LedgerStore, MissingNode, StoredHead
from gateway.server.registry import Snapshot
from gateway.server.registry_pg import open_registry
from regulink.v1 import envelope_pb2, records_pb2

#: How many of the newest entries the start-up check recomputes (about 30 ms for 1,000).
START_CHECK_ENTRIES = 1000

RESTORE = ("run `regulink ledger verify` for the full report, and restore ledger.db from a backup that it "
           "accepts (docs/operations.md, section 6)")


class LedgerDamaged(DataLoss):
    """The ledger differs from what it was built from, first at entry `index`."""

    def __init__(self, index: int, problem: str, fix: str = RESTORE) -> None:
        super().__init__(f"the ledger is damaged at entry {index}: {problem}")
        self.index = index
        self.problem = problem
        self.fix = fix


@dataclass
class Summary:
    """What check_all went through."""

    entries: int = 0
    purged: int = 0  # lawfully erased envelopes: their leaf is checked against the tree only
    signatures: int = 0
    nodes: int = 0
    heads: int = 0
    size: int = 0
    root: bytes = b""


def _span(level: int, index: int) -> str:
    first = index << level
    return f"entry {first}" if level == 0 else f"entries {first}-{first + (1 << level) - 1}"


class _Nodes:
    """The store's subtree hashes, a missing one reported as damage rather than a KeyError."""

    def __init__(self, store: LedgerStore) -> None:
        self.store = store

    def subtree(self, level: int, index: int) -> bytes:
        try:
            return self.store.subtree(level, index)
        except MissingNode:
            raise LedgerDamaged(index << level, f"the Merkle node over {_span(level, index)} is missing") from None


# -- one entry, one head ----------------------------------------------------------------------


def check_leaf(entry: Entry, tree_leaf: bytes) -> None:
    """The entry's leaf commits to its stored envelope and nonce, and is the tree's leaf."""
    i = entry.log_index
    if entry.envelope is not None:
        try:
            recomputed = commitment_leaf_hash(entry.nonce, entry.envelope)
        except ValueError:
            raise LedgerDamaged(i, f"its nonce has {len(entry.nonce)} bytes, not 32") from None
        if recomputed != entry.leaf_hash:
            if recomputed == tree_leaf:
                raise LedgerDamaged(i, "the leaf hash stored beside it was changed (its envelope still commits to "
                                       "the tree's leaf)")
            raise LedgerDamaged(i, "its stored envelope or nonce is not what its leaf commits to "
                                   "(changed after it was logged)")
    if tree_leaf != entry.leaf_hash:
        raise LedgerDamaged(i, "its leaf hash differs from the leaf in the Merkle tree")


def check_head(head: StoredHead, log_key: Ed25519PublicKey, origin: str | None, root: bytes) -> checkpoint.TreeHead:
    """A stored signed head verifies under the log key, agrees with its note, names this log,
    and its root is `root` (what the stored tree gives for its size)."""
    last = head.tree_size - 1
    kid = keys.key_id(log_key)
    if head.key_id != kid:
        raise LedgerDamaged(last, f"the signed head of size {head.tree_size} names the log key {head.key_id[:16]}…, "
                                  f"not this gateway's {kid[:16]}…",
                            fix="put back the log key that signed this ledger (keys/log-key.pem, from a backup)")
    try:
        parsed = checkpoint.verify(head.note, head.signature, log_key)
    except checkpoint.CheckpointError as exc:
        raise LedgerDamaged(last, f"the signed head of size {head.tree_size} does not verify: {exc}") from None
    if origin is not None and parsed.origin != origin:
        raise LedgerDamaged(last, f"its signed heads name the log {parsed.origin!r}, but the gateway is configured "
                                  f"with origin {origin!r}",
                            fix=f"set origin = {parsed.origin!r} (a log keeps its origin for ever)")
    if (parsed.tree_size, parsed.root_hash, parsed.timestamp_ms) != (head.tree_size, head.root_hash,
                                                                     head.timestamp_ms):
        raise LedgerDamaged(last, f"the stored fields of the signed head of size {head.tree_size} differ from its "
                                  "signed note")
    if parsed.root_hash != root:
        raise LedgerDamaged(last, f"the Merkle tree of the first {head.tree_size} entries does not have the root "
                                  f"its signed head states")
    return parsed


def check_columns(entry: Entry, record: records_pb2.CaseRecord) -> None:
    """The columns stored beside an entry (which decide who sees it) say what its record says.

    Recipients are in the record itself (`share_with`) or, for records with recipient commitments
    (gateway.recipients), committed to as SHA-256(salt || agency id), the names and salts stored
    beside the entry: every stored recipient must open one of the signed commitments.
    """
    commitments = set(getattr(record, "recipient_commitments", ()))
    if commitments:
        salts = dict(getattr(entry, "salts", ()))
        recipients_agree = set(salts) == set(entry.share_with) and all(
            hashlib.sha256(salt + agency.encode()).digest() in commitments for agency, salt in salts.items())
        stated = (record.agency_id, record.record_id, record.version, record.tlp)
        stored = (entry.agency_id, entry.record_id, entry.version, entry.tlp)
    else:
        recipients_agree = True
        stated = (record.agency_id, record.record_id, record.version, record.tlp, tuple(record.share_with))
        stored = (entry.agency_id, entry.record_id, entry.version, entry.tlp, tuple(entry.share_with))
    if stated != stored or not recipients_agree:
        raise LedgerDamaged(entry.log_index, "the columns stored beside it (author, record id, version, TLP, "
                                             "recipients) differ from its signed record")


def _record(entry: Entry, payload: bytes | None = None) -> records_pb2.CaseRecord:
    record = records_pb2.CaseRecord()
    try:
        if payload is None:
            payload = envelope_pb2.Envelope.FromString(entry.envelope).payload
        record.ParseFromString(payload)
    except DecodeError:
        raise LedgerDamaged(entry.log_index, "its stored envelope does not hold a CaseRecord") from None
    return record


def check_signatures(entry: Entry, registry: Snapshot) -> int:
    """The envelope's DSSE signatures verify under registered keys that were valid when the gateway
    accepted it, one of them the author's, and the columns beside it say what the record says.
    Returns the number of signatures checked."""
    i = entry.log_index
    accepted = entry.accepted_ms / 1000

    def key_as_it_was(key_id: str, field: str):
        key = registry.keys.get(key_id)
        if key is None:
            raise UnknownKey(f"key {key_id[:16]}… is not in the registry", field=field)
        status = key.status(accepted)
        if status != "valid":
            raise KeyNotValidNow(f"key {key_id[:16]}… of {key.agency_id} was {status} when the entry was accepted",
                                 field=field)
        return key.verifier

    try:
        envelope = envelope_pb2.Envelope.FromString(entry.envelope)
        verified = dsse.verify(envelope, key_as_it_was)
    except DecodeError:
        raise LedgerDamaged(i, "its stored envelope is not a protobuf Envelope") from None
    except RegulinkError as exc:
        raise LedgerDamaged(i, f"its envelope does not verify: {exc} (a changed envelope, or a key window edited "
                               "afterwards with `regulink agency expire-key --at` in the past)") from None
    if sorted(verified.key_ids) != sorted(entry.signer_keys):
        raise LedgerDamaged(i, "the signer list stored beside it differs from the envelope's signatures")
    if not any(registry.keys[k].agency_id == entry.agency_id for k in verified.key_ids):
        raise LedgerDamaged(i, f"it is not signed by a key of {entry.agency_id}, its author")
    check_columns(entry, _record(entry, verified.payload))
    return len(verified.key_ids)


# -- at start ----------------------------------------------------------------------------------


def check_recent(store: LedgerStore, log_key: Ed25519PublicKey, origin: str | None = None,
                 last: int = START_CHECK_ENTRIES) -> None:
    """The cheap check the gateway runs before it serves (see the module docstring)."""
    size = store.size()
    if store.count() != size:
        gap = store.first_gap()
        raise LedgerDamaged(gap if gap is not None else 0, "it is missing from the ledger (deleted)")
    head = store.latest_tree_head()
    if head is None:
        if size:
            raise LedgerDamaged(0, f"{size} entries are stored but no signed tree head")
        return
    if head.tree_size > size:
        raise LedgerDamaged(size, f"the newest signed head covers {head.tree_size} entries but the ledger ends "
                                  f"at {size} (entries removed)")
    if head.tree_size < size:
        raise LedgerDamaged(head.tree_size, f"entries {head.tree_size}-{size - 1} are stored but no signed head "
                                            "covers them (added outside the gateway)")
    nodes = _Nodes(store)
    start = max(0, size - last)
    leaves = dict(store.level_nodes(0, start, size))
    for entry in store.iter_entries(start):
        if entry.log_index not in leaves:
            raise LedgerDamaged(entry.log_index, f"the Merkle node over {_span(0, entry.log_index)} is missing")
        check_leaf(entry, leaves[entry.log_index])
        if entry.envelope is not None:
            check_columns(entry, _record(entry))
    _check_window(store, start, size)
    for stored in store.tree_heads(above=start):
        check_head(stored, log_key, origin, proof.root(nodes, stored.tree_size))


def _check_window(store: LedgerStore, start: int, size: int) -> None:
    """Every complete Merkle node above entries [start, size) is the hash of its two children."""
    level = 1
    while (size >> level) > (start >> level):
        first, end = start >> level, size >> level
        children = dict(store.level_nodes(level - 1, 2 * first, 2 * end))
        parents = dict(store.level_nodes(level, first, end))
        for j in range(first, end):
            left, right = children.get(2 * j), children.get(2 * j + 1)
            if left is None or right is None:
                missing = 2 * j if left is None else 2 * j + 1
                raise LedgerDamaged(missing << (level - 1),
                                    f"the Merkle node over {_span(level - 1, missing)} is missing")
            stored = parents.get(j)
            if stored is None:
                raise LedgerDamaged(j << level, f"the Merkle node over {_span(level, j)} is missing")
            if stored != node_hash(left, right):
                raise LedgerDamaged(j << level, f"the stored Merkle node over {_span(level, j)} is not the hash "
                                                "of the nodes below it")
        level += 1


# -- everything --------------------------------------------------------------------------------


class _StoredLevels:
    """The stored nodes of every level, read in index order as the rebuilt tree reaches them."""

    def __init__(self, store: LedgerStore, size: int) -> None:
        self.store, self.size = store, size
        self._cursors: dict[int, Iterator[tuple[int, bytes]]] = {}

    def next(self, level: int, index: int) -> bytes:
        cursor = self._cursors.get(level)
        if cursor is None:
            cursor = self._cursors[level] = self.store.level_nodes(level, 0, self.size >> level)
        row = next(cursor, None)
        if row is None or row[0] != index:
            # Nodes are read in the order they complete, so the first one not found is the missing one.
            raise LedgerDamaged(index << level, f"the Merkle node over {_span(level, index)} is missing")
        return row[1]


def _fold(peaks: list[bytes]) -> bytes:
    """MTH of a tree given its complete subtrees, largest first (RFC 9162 section 2.1.1)."""
    root = peaks[-1]
    for peak in reversed(peaks[:-1]):
        root = node_hash(peak, root)
    return root


def check_all(store: LedgerStore, log_key: Ed25519PublicKey, origin: str | None = None,
              registry_path: Path | None = None, progress: Callable[[int], None] = lambda done: None,
              workers: int = 0) -> Summary:
    """Recompute the whole ledger up to its newest signed head; raise LedgerDamaged at the first
    entry that differs. Without a registry the signatures are not checked; without an origin, every
    head must name the log the first one names.

    Signatures cost ~95% of the time (one Ed25519 verification each, ~125 us); with `workers` > 1
    and a large ledger they are checked in that many processes, in ranges, while this process
    rebuilds the tree, and the lowest damaged index of either wins.
    """
    summary = Summary()
    newest = store.latest_tree_head()
    size = summary.size = newest.tree_size if newest else 0
    pool = None
    snapshot = None
    if registry_path is not None:
        if workers > 1 and size >= PARALLEL_FROM:
            pool = _SignatureRanges(stores.location_of(store), registry_path, size, workers, progress)
        else:
            registry = open_registry(str(registry_path))
            snapshot = registry.snapshot()
            registry.close()
    try:
        try:
            _check_structure(store, log_key, origin, size, summary, snapshot,
                             (lambda done: None) if pool else progress)
        except LedgerDamaged as damage:
            earlier = pool.first_damage(below=damage.index) if pool else None
            raise (earlier or damage) from None
        if pool is not None:
            summary.signatures = pool.signatures()
    finally:
        if pool is not None:
            pool.close()
    return summary


#: Below this many entries a ledger's signatures are checked in one process (starting others costs more).
PARALLEL_FROM = 20_000
#: Entries per range a signature worker checks.
RANGE = 5_000


def _check_structure(store: LedgerStore, log_key: Ed25519PublicKey, origin: str | None, size: int,
                     summary: Summary, registry: Snapshot | None, progress: Callable[[int], None]) -> None:
    """Leaves, nodes and heads (and the signatures too, given a registry) of entries [0, size)."""
    stored_nodes = _StoredLevels(store, size)
    heads = store.tree_heads(through=size)
    head = next(heads, None)
    peaks: list[bytes] = []  # the complete subtrees of the tree so far, largest first
    expected = 0
    for entry in store.iter_entries(0, page=2000):
        if entry.log_index >= size:
            break
        if entry.log_index != expected:
            raise LedgerDamaged(expected, f"it is missing from the ledger (the next stored is {entry.log_index})")
        check_leaf(entry, stored_nodes.next(0, expected))
        summary.nodes += 1
        if entry.envelope is None:
            summary.purged += 1
        elif registry is not None:
            summary.signatures += check_signatures(entry, registry)
        current, level, index = entry.leaf_hash, 0, expected
        while index & 1:  # a right child completes its parent: RFC 9162's split at powers of two
            current, level, index = node_hash(peaks.pop(), current), level + 1, index >> 1
            if stored_nodes.next(level, index) != current:
                raise LedgerDamaged(index << level, f"the stored Merkle node over {_span(level, index)} is not "
                                                    "the hash of the entries below it")
            summary.nodes += 1
        peaks.append(current)
        expected += 1
        while head is not None and head.tree_size == expected:
            origin = check_head(head, log_key, origin, _fold(peaks)).origin  # every head names the first's log
            summary.heads += 1
            head = next(heads, None)
        summary.entries += 1
        progress(1)
    if expected < size:
        raise LedgerDamaged(expected, f"it is missing: the newest signed head covers {size} entries, the ledger "
                                      f"ends at {expected}")
    stored_size = store.size()
    latest = store.latest_tree_head()  # read after the size: a batch committed meanwhile only adds a head
    if stored_size > (latest.tree_size if latest else 0):
        first = latest.tree_size if latest else 0
        raise LedgerDamaged(first, "it is stored but no signed head covers it (added outside the gateway)")
    summary.root = _fold(peaks) if peaks else b""


def _signatures_in_range(ledger_path: str, registry_path: str, start: int, end: int) -> int:
    """In a worker process: check_signatures for entries [start, end); the count checked."""
    store = stores.open_store(ledger_path, readonly=True)
    registry = open_registry(registry_path)
    snapshot = registry.snapshot()
    registry.close()
    checked = 0
    try:
        for entry in store.iter_entries(start):
            if entry.log_index >= end:
                break
            if entry.envelope is not None:
                checked += check_signatures(entry, snapshot)
    finally:
        store.close()
    return checked


class _SignatureRanges:
    """The signatures of [0, size) checked in worker processes, range by range, reported in order."""

    def __init__(self, ledger_path: Path, registry_path: Path, size: int, workers: int,
                 progress: Callable[[int], None]) -> None:
        # spawn, not fork: a forked copy of a process with threads (gRPC's, the caller's) may hang.
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        self._ranges: list[tuple[int, Future]] = []
        for start in range(0, size, RANGE):
            end = min(size, start + RANGE)
            future = self._pool.submit(_signatures_in_range, str(ledger_path), str(registry_path), start, end)
            future.add_done_callback(lambda f, n=end - start: None if f.cancelled() or f.exception() else progress(n))
            self._ranges.append((start, future))

    def first_damage(self, below: int) -> LedgerDamaged | None:
        """The first signature damage at an index below `below`, waiting for those ranges only."""
        for start, future in self._ranges:
            if start >= below:
                break
            try:
                future.result()
            except LedgerDamaged as damage:
                return damage if damage.index < below else None
        return None

    def signatures(self) -> int:
        """How many signatures verified; raises the first damage found, in index order."""
        return sum(future.result() for _, future in self._ranges)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
