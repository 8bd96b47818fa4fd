"""`regulink ledger copy`: a ledger moved to another store, whole, and proved the same.

The copy keeps everything partners hold proofs against: every entry with its nonce, salts and
columns, every Merkle node, every signed tree head byte for byte (the log is not re-signed: the
receipts and heads partners saved must go on verifying). It copies the batches as they were
signed, many per transaction, through the newest signed head the source has when the copy starts
(a gateway still writing the source only adds entries the copy leaves out and reports).

Then it checks the copy, not the copying: every destination entry equals its source entry; every
leaf is recomputed from its envelope and nonce and every Merkle node from the leaves, every
signed head verifies under the log key and has the root of its tree (gateway.ledger.integrity,
the same check as `regulink ledger verify`); the newest head is the source's, byte for byte.
The agency registry beside the source (registry.db) is copied into the destination's too and
compared agency by agency, key by key (validity windows and revocations included).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gateway.ledger import checkpoint, integrity
from gateway.ledger.pg_store import PgLedgerStore
from gateway.ledger.store import Entry, StoredHead
from gateway.server.registry import Registry

#: Entries per destination transaction (whole signed batches, so a little more).
CHUNK = 20_000


class CopyRefused(Exception):
    """The copy did not come out identical; the message says where."""


class DestinationNotEmpty(Exception):
    """The destination already holds a ledger: the copy does not start."""


@dataclass
class Copied:
    entries: int = 0
    nodes: int = 0
    heads: int = 0
    agencies: int = 0
    keys: int = 0
    left_out: int = 0  # entries the source gained after the copy started (not copied)
    summary: integrity.Summary | None = None


def _nodes_completed(source, first: int, end: int) -> list[tuple[int, int, bytes]]:
    """The Merkle nodes the entries [first, end) completed: at level L, those over leaves ending in the range."""
    found, level = [], 0
    while (end >> level) > (first >> level):
        found.extend((level, idx, h) for idx, h in source.level_nodes(level, first >> level, end >> level))
        level += 1
    return found


def copy_ledger(source, destination: PgLedgerStore, progress: Callable[[int], None] = lambda n: None) -> Copied:
    """Copy every signed batch of `source` into the empty `destination`, as they were signed."""
    if destination.size() or destination.latest_tree_head() is not None:
        raise DestinationNotEmpty(f"the destination already holds a ledger ({destination.size()} entries): copy into "
                                  "an empty database, or drop its regulink schema first if it is a failed copy")
    newest = source.latest_tree_head()
    done = Copied()
    if newest is None:
        return done
    heads = source.tree_heads(through=newest.tree_size)
    pending_entries: list[Entry] = []
    pending_heads: list[StoredHead] = []
    first = 0  # the first entry not yet written to the destination
    entries = source.iter_entries(0, page=5000)
    for head in heads:
        while len(pending_entries) + first < head.tree_size:
            entry = next(entries, None)
            if entry is None or entry.log_index != first + len(pending_entries):
                raise CopyRefused(f"the source is missing entry {first + len(pending_entries)}: run `regulink ledger "
                                  "verify` on it and restore it from a backup first")
            pending_entries.append(entry)
        pending_heads.append(head)
        if len(pending_entries) >= CHUNK:
            first = _flush(source, destination, first, pending_entries, pending_heads, done, progress)
    if pending_heads:
        _flush(source, destination, first, pending_entries, pending_heads, done, progress)
    done.left_out = source.size() - newest.tree_size
    return done


def _flush(source, destination: PgLedgerStore, first: int, entries: list[Entry], heads: list[StoredHead],
           done: Copied, progress: Callable[[int], None]) -> int:
    end = heads[-1].tree_size
    nodes = _nodes_completed(source, first, end)
    destination.append_signed(entries, nodes, heads)
    done.entries += len(entries)
    done.nodes += len(nodes)
    done.heads += len(heads)
    progress(len(entries))
    entries.clear()
    heads.clear()
    return end


def check_copy(source, destination: PgLedgerStore, log_key: Ed25519PublicKey,
               progress: Callable[[int], None] = lambda n: None) -> integrity.Summary:
    """The destination is the source (entries equal, newest head identical) and intact on its own."""
    newest = source.latest_tree_head()
    copied = destination.latest_tree_head()
    if newest is None:
        return integrity.Summary()
    if copied is None or copied.tree_size < newest.tree_size:
        raise CopyRefused(f"the destination's newest signed head covers {copied.tree_size if copied else 0} "
                          f"entries, the source's {newest.tree_size}")
    if destination.tree_head(newest.tree_size) != newest:
        raise CopyRefused(f"the destination's signed head of size {newest.tree_size} differs from the source's")
    theirs = destination.iter_entries(0, page=5000)
    for entry in source.iter_entries(0, page=5000):
        if entry.log_index >= newest.tree_size:
            break
        if next(theirs, None) != entry:
            raise CopyRefused(f"entry {entry.log_index} differs between the source and the destination")
    try:
        return integrity.check_all(destination, log_key, checkpoint.parse_note(newest.note).origin, progress=progress)
    except integrity.LedgerDamaged as exc:
        raise CopyRefused(f"the copy does not verify: {exc}") from None


def copy_registry(source: Registry, destination: Registry) -> tuple[int, int]:
    """Every agency, key (windows and revocation as they are) and relay of `source` into `destination`,
    then the two compared; (agencies, keys). Entries already there must be the same."""
    theirs = destination.snapshot()
    mine = source.snapshot()
    for agency in mine.agencies.values():
        if agency.agency_id not in theirs.agencies:
            destination.add_agency(agency.agency_id, agency.name, agency.kind, agency.jurisdiction)
    for key in mine.keys.values():
        if key.key_id not in theirs.keys:
            destination.add_key(key.agency_id, key.public_key, not_before=key.not_before, not_after=key.not_after)
            if key.revoked_at is not None:
                destination.revoke_key(key.key_id, at=key.revoked_at)
    for agency in mine.agencies.values():
        there = theirs.agencies.get(agency.agency_id)
        for relay in sorted(agency.relays - (there.relays if there else frozenset())):
            destination.allow_relay(agency.agency_id, relay)
    theirs = destination.snapshot()
    for agency in mine.agencies.values():
        other = theirs.agencies.get(agency.agency_id)
        if other is None or (other.name, other.kind, other.jurisdiction, other.relays) != (
                agency.name, agency.kind, agency.jurisdiction, agency.relays):
            raise CopyRefused(f"agency {agency.agency_id} differs in the destination's registry: compare them "
                              "(`regulink agency list`) before going on")
    for key in mine.keys.values():
        other = theirs.keys.get(key.key_id)
        if other is None or (other.agency_id, other.public_key, other.not_before, other.not_after,
                             other.revoked_at) != (key.agency_id, key.public_key, key.not_before, key.not_after,
                                                   key.revoked_at):
            raise CopyRefused(f"key {key.key_id[:16]}… differs in the destination's registry (its validity window "
                              "or revocation): compare them before going on")
    return len(mine.agencies), len(mine.keys)
