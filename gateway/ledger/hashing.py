"""Merkle tree hashing for the regulink transparency log.

Implements the hashing rules of RFC 9162 (Certificate Transparency v2),
section 2.1 "Merkle Hash Trees", with SHA-256 as the hash algorithm:

* section 2.1.1: the Merkle Tree Hash (MTH) of a list of leaves, with domain
  separation between leaves (prefix 0x00) and interior nodes (prefix 0x01) so
  that a leaf can never be passed off as an interior node (second-preimage
  resistance);
* the leaf data our log stores is a salted commitment (regulink design, not
  part of RFC 9162): see :func:`commitment_leaf_data`.

Standard library only, so that partners can copy it for offline verification.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

__all__ = [
    "HASH_SIZE",
    "LEAF_PREFIX",
    "NODE_PREFIX",
    "COMMITMENT_VERSION",
    "NONCE_SIZE",
    "empty_root",
    "leaf_hash",
    "node_hash",
    "commitment_leaf_data",
    "commitment_leaf_hash",
    "mth",
]

#: Output size in bytes of the tree's hash algorithm (SHA-256).
HASH_SIZE = 32

#: RFC 9162 section 2.1.1: MTH({d(0)}) = HASH(0x00 || d(0)).
LEAF_PREFIX = b"\x00"

#: RFC 9162 section 2.1.1: MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])).
NODE_PREFIX = b"\x01"

#: Version byte that starts every commitment leaf (regulink design).
COMMITMENT_VERSION = 1

#: Size in bytes of the random nonce that salts a commitment.
NONCE_SIZE = 32


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def empty_root() -> bytes:
    """Return the hash of the empty tree.

    RFC 9162 section 2.1.1: "The hash of an empty list is the hash of an empty
    string: MTH({}) = HASH()."
    """
    return _sha256(b"")


def leaf_hash(data: bytes) -> bytes:
    """Return the hash of one leaf entry, HASH(0x00 || data) (RFC 9162 section 2.1.1)."""
    return _sha256(LEAF_PREFIX + bytes(data))


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the hash of an interior node, HASH(0x01 || left || right) (RFC 9162 section 2.1.1).

    ``left`` and ``right`` are the MTH of the node's left and right children.
    """
    return _sha256(NODE_PREFIX + bytes(left) + bytes(right))


def commitment_leaf_data(nonce: bytes, envelope: bytes) -> bytes:
    """Return the leaf data committed to the log for one envelope (regulink design).

    The log never sees the envelope itself, only a salted commitment to it::

        leaf data = COMMITMENT_VERSION (1 byte) || SHA-256(nonce || envelope)

    The 32-byte random nonce hides low-entropy envelopes from dictionary
    attacks by anyone who reads the public log; the holder of nonce and
    envelope can later open the commitment. The version byte lets the format
    change without ambiguity. The result is 33 bytes and becomes a leaf via
    :func:`leaf_hash` (see :func:`commitment_leaf_hash`).

    Raises ValueError if ``nonce`` is not exactly ``NONCE_SIZE`` bytes,
    because a short nonce would silently weaken the hiding property.
    """
    nonce = bytes(nonce)
    if len(nonce) != NONCE_SIZE:
        raise ValueError(f"commitment nonce must be {NONCE_SIZE} bytes, got {len(nonce)}")
    return bytes([COMMITMENT_VERSION]) + _sha256(nonce + bytes(envelope))


def commitment_leaf_hash(nonce: bytes, envelope: bytes) -> bytes:
    """Return the Merkle leaf hash of a commitment: leaf_hash(commitment_leaf_data(nonce, envelope))."""
    return leaf_hash(commitment_leaf_data(nonce, envelope))


def _largest_power_of_two_below(n: int) -> int:
    """Return k, the largest power of two smaller than n (n > 1), as RFC 9162 section 2.1.1 splits."""
    return 1 << ((n - 1).bit_length() - 1)


def mth(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle Tree Hash of already-hashed leaves (RFC 9162 section 2.1.1).

    A direct transcription of the RFC's recursive definition, where
    ``leaf_hashes[i]`` is MTH({d(i)}) = HASH(0x00 || d(i)):

    * MTH({}) = HASH()
    * MTH({d(0)}) = HASH(0x00 || d(0))
    * for n > 1, with k the largest power of two smaller than n:
      MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))

    It is O(n) and kept deliberately simple: it is the reference the
    O(log n) code in ``proof.py`` is tested against.
    """
    n = len(leaf_hashes)
    if n == 0:
        return empty_root()
    if n == 1:
        return bytes(leaf_hashes[0])
    k = _largest_power_of_two_below(n)
    return node_hash(mth(leaf_hashes[:k]), mth(leaf_hashes[k:]))
