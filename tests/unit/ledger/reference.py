"""Naive reference implementations and test doubles for the ledger tests.

The proof functions here are written straight from the recursive definitions
of RFC 9162 section 2.1 over a plain list of leaf hashes, with list slicing,
so they are easy to check by eye against the RFC text. They are O(n) per
call and only meant as an oracle for gateway.ledger.proof.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

from gateway.ledger.hashing import mth


def largest_power_of_two_smaller_than(n: int) -> int:
    """k of RFC 9162 section 2.1.1 (k < n <= 2k), computed without bit tricks."""
    assert n > 1
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1, over leaf hashes."""
    n = len(leaves)
    assert 0 <= m < n
    if n == 1:
        return []
    k = largest_power_of_two_smaller_than(n)
    if m < k:
        return naive_path(m, leaves[:k]) + [mth(leaves[k:])]
    return naive_path(m - k, leaves[k:]) + [mth(leaves[:k])]


def naive_proof(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 section 2.1.4.1."""
    return _naive_subproof(m, leaves, True)


def _naive_subproof(m: int, leaves: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = largest_power_of_two_smaller_than(n)
    if m <= k:
        return _naive_subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return _naive_subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def make_leaves(n: int, salt: bytes = b"") -> list[bytes]:
    """n distinct leaf hashes HASH(0x00 || salt || i), computed with hashlib directly."""
    return [hashlib.sha256(b"\x00" + salt + i.to_bytes(4, "big")).digest() for i in range(n)]


class DictStore:
    """A SubtreeSource backed by a dict, filled only from completed_nodes() output.

    Stands in for the SQLite store: it knows nothing about tree structure, it
    just answers (level, index) lookups, and it counts them.
    """

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.lookups = 0

    def insert(self, rows: Sequence[tuple[int, int, bytes]]) -> None:
        for level, index, value in rows:
            key = (level, index)
            assert key not in self.nodes, f"node {key} inserted twice"
            if level > 0:
                # A store inserts rows in order; children must already be there.
                assert (level - 1, 2 * index) in self.nodes, f"left child of {key} missing"
                assert (level - 1, 2 * index + 1) in self.nodes, f"right child of {key} missing"
            self.nodes[key] = value

    def subtree(self, level: int, index: int) -> bytes:
        self.lookups += 1
        return self.nodes[(level, index)]


class CountingSource:
    """A SubtreeSource for a virtual tree of ``size`` leaves that counts lookups.

    It returns a deterministic 32-byte value per node and fails the test if a
    node that is not complete within the tree is requested. Used to check the
    O(log n) lookup bound on huge trees without building them.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.lookups = 0

    def subtree(self, level: int, index: int) -> bytes:
        self.lookups += 1
        assert level >= 0 and index >= 0
        assert (index + 1) << level <= self.size, f"({level}, {index}) is not complete"
        return hashlib.sha256(f"{level}/{index}".encode()).digest()


def inclusion_path_length(index: int, size: int) -> int:
    """Length of PATH(index, D[size]), by the closed form transparency-dev/merkle uses.

    ``inner`` counts the levels below the point where the paths to ``index``
    and ``size - 1`` diverge (one sibling each); above it, ``border`` counts
    the left siblings on the right border of the tree.
    """
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner + border


def consistency_proof_length(old_size: int, new_size: int) -> int:
    """Length of PROOF(old_size, D[new_size]) for 0 < old_size <= new_size, in closed form."""
    if old_size == new_size:
        return 0
    shift = (old_size & -old_size).bit_length() - 1  # trailing zero bits of old_size
    # Unless old_size is a power of two, the proof starts with the root of the
    # largest complete subtree at the right edge of the old tree.
    seed = 0 if old_size == 1 << shift else 1
    return seed + inclusion_path_length(old_size - 1, new_size) - shift
