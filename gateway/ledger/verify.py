"""Offline verification of RFC 9162 inclusion and consistency proofs.

Self-contained (standard library only, no imports from the rest of regulink)
so that partners can copy this one file and check our transparency log
without trusting our code or our servers.

* :func:`verify_inclusion`: RFC 9162 section 2.1.3.2.
* :func:`verify_consistency`: RFC 9162 section 2.1.4.2.

Both raise :class:`ProofError` on any failure and return None on success;
they never return a boolean, so a forgotten check cannot pass silently.

Hashes are SHA-256 with the RFC 9162 section 2.1.1 domain separation:
leaves are HASH(0x00 || data) (computed by the caller), interior nodes are
HASH(0x01 || left || right). Every hash given to these functions (leaf hash,
roots, proof entries) must be exactly 32 bytes: RFC 9162 section 4.9 says
"The length of NodeHash MUST match HASH_SIZE of the log", and HASH_SIZE is 32
for SHA-256, so anything else is malformed input, rejected before any hashing.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

__all__ = [
    "HASH_SIZE",
    "ProofError",
    "root_from_inclusion_proof",
    "verify_inclusion",
    "verify_consistency",
]

HASH_SIZE = 32
_NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """A Merkle proof did not verify, or its inputs were malformed."""

    def __init__(self, message: str) -> None:
        super().__init__(f"Merkle proof verification failed: {message}")


def _node_hash(left: bytes, right: bytes) -> bytes:
    """HASH(0x01 || left || right), RFC 9162 section 2.1.1."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _check_hash(value: bytes, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise ProofError(f"{what} must be bytes, got {type(value).__name__}")
    value = bytes(value)
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")
    return value


def _check_path(path: Sequence[bytes], what: str) -> list[bytes]:
    return [_check_hash(entry, f"{what}[{i}]") for i, entry in enumerate(path)]


def _lsb(value: int) -> bool:
    """LSB(x) of RFC 9162 section 2.1.3.2: whether the least significant bit is set."""
    return value & 1 == 1


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """Return the root hash implied by an inclusion proof (RFC 9162 section 2.1.3.2, steps 1-4).

    Runs the RFC algorithm with leaf_index=``index``, tree_size=``size``,
    hash=``leaf_hash`` and inclusion_path=``proof``, including its two length
    checks (a proof that is too long makes sn reach 0 early, one that is too
    short leaves sn > 0). The caller must still compare the result with a
    trusted root; :func:`verify_inclusion` does that.

    Raises ProofError if the inputs are malformed or the path has the wrong
    length for (index, size).
    """
    leaf_hash = _check_hash(leaf_hash, "leaf hash")
    path = _check_path(proof, "inclusion proof")
    # Step 1: leaf_index must be < tree_size (and both non-negative, which the
    # RFC's unsigned integers imply).
    if index < 0 or size < 0:
        raise ProofError(f"leaf index {index} and tree size {size} must be non-negative")
    if index >= size:
        raise ProofError(f"leaf index {index} is not less than tree size {size}")
    # Step 2.
    fn, sn = index, size - 1
    # Step 3.
    r = leaf_hash
    # Step 4.
    for p in path:
        # 4a: the path is longer than the tree is deep.
        if sn == 0:
            raise ProofError(f"inclusion proof is too long: {len(path)} hashes")
        # 4b.
        if _lsb(fn) or fn == sn:
            r = _node_hash(p, r)  # 4b.i
            # 4b.ii: skip the levels where the node is the last on the right
            # border with no sibling (RFC 9162 promotes it unchanged).
            if not _lsb(fn):
                while not _lsb(fn) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            # 4c.i
            r = _node_hash(r, p)
        # 4d: finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # Step 5, first half: sn must be 0 once the path is used up.
    if sn != 0:
        raise ProofError(f"inclusion proof is too short: {len(path)} hashes")
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    RFC 9162 section 2.1.3.2, exactly. ``leaf_hash`` is HASH(0x00 || entry),
    ``proof`` the inclusion_path (leaf to root). Returns None if the proof is
    valid; raises ProofError otherwise (index >= size, proof of the wrong
    length, a hash that is not 32 bytes, or a root mismatch).
    """
    root = _check_hash(root, "root hash")
    calculated = root_from_inclusion_proof(leaf_hash, index, size, proof)
    # Step 5, second half.
    if calculated != root:
        raise ProofError(
            f"inclusion proof for leaf {index} leads to root {calculated.hex()}, "
            f"expected {root.hex()}"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree (new_size, new_root) extends the tree (old_size, old_root).

    RFC 9162 section 2.1.4.2 (first = ``old_size``, second = ``new_size``,
    first_hash = ``old_root``, second_hash = ``new_root``,
    consistency_path = ``proof``), exactly, for 0 < old_size < new_size.
    Returns None if the proof is valid; raises ProofError otherwise.

    Cases outside the RFC algorithm's 0 < first < second, handled as
    transparency-dev/merkle (proof.VerifyConsistency) does:

    * ``old_size == new_size``: valid only with an empty proof and
      ``old_root == new_root`` (the same tree).
    * ``old_size == 0``: always rejected, even with an empty proof and even
      when new_size is 0. RFC 9162 defines consistency proofs only for
      0 < m < n (section 2.1.4.1) and verifies them for 0 < first < second
      (section 2.1.4.2): every tree extends the empty tree, so such a "proof"
      would assert nothing. A client with no earlier tree head has nothing to check
      and should just accept the new signed tree head. (Older
      transparency-dev/merkle releases accepted size 0 with an empty proof;
      the current code and its published test vectors reject it.)
    * ``old_size > new_size``: rejected.
    """
    old_root = _check_hash(old_root, "old root hash")
    new_root = _check_hash(new_root, "new root hash")
    path = _check_path(proof, "consistency proof")
    if old_size < 0 or new_size < old_size:
        raise ProofError(f"need 0 <= old_size <= new_size, got {old_size} and {new_size}")
    if old_size == 0:
        raise ProofError("a consistency proof from the empty tree (old_size 0) proves nothing")
    if old_size == new_size:
        if path:
            raise ProofError(f"old_size == new_size needs an empty proof, got {len(path)} hashes")
        if old_root != new_root:
            raise ProofError(f"tree size {old_size} has two different roots")
        return
    # Step 1.
    if not path:
        raise ProofError("consistency proof is empty")
    # Step 2: if first is an exact power of 2, the old root is itself a node of
    # the new tree and is not sent, so put it back at the front.
    if old_size & (old_size - 1) == 0:
        path = [old_root] + path
    # Step 3.
    fn, sn = old_size - 1, new_size - 1
    # Step 4.
    if _lsb(fn):
        while _lsb(fn):
            fn >>= 1
            sn >>= 1
    # Step 5.
    fr = sr = path[0]
    # Step 6.
    for c in path[1:]:
        # 6a: the path is longer than the new tree is deep.
        if sn == 0:
            raise ProofError(f"consistency proof is too long: {len(proof)} hashes")
        # 6b.
        if _lsb(fn) or fn == sn:
            fr = _node_hash(c, fr)  # 6b.i
            sr = _node_hash(c, sr)  # 6b.ii
            # 6b.iii
            if not _lsb(fn):
                while not _lsb(fn) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            # 6c.i
            sr = _node_hash(sr, c)
        # 6d: finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # Step 7.
    if sn != 0:
        raise ProofError(f"consistency proof is too short: {len(proof)} hashes")
    if fr != old_root:
        raise ProofError(
            f"consistency proof leads to old root {fr.hex()}, expected {old_root.hex()}"
        )
    if sr != new_root:
        raise ProofError(
            f"consistency proof leads to new root {sr.hex()}, expected {new_root.hex()}"
        )
