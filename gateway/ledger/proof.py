"""Build RFC 9162 Merkle proofs from a store of complete-subtree hashes.

The RFC defines the tree recursively over the list of leaves (RFC 9162
section 2.1.1), but a log that holds millions of leaves cannot recompute
MTH over whole ranges for every request. Every node of the RFC tree is,
however, either a *complete* subtree of 2**level leaves starting at a
multiple of 2**level, or the right-to-left fold of a few such complete
subtrees. A store that persists the hash of every complete subtree
(:class:`SubtreeSource`) can therefore answer any MTH the proof definitions
need with O(log n) lookups, and never has to rewrite a stored node: once a
subtree is complete its hash never changes.

* :func:`range_hash` / :func:`root`: MTH of a node of the RFC tree.
* :func:`inclusion_proof`: PATH(m, D[n]), RFC 9162 section 2.1.3.1.
* :func:`consistency_proof`: PROOF(m, D[n]), RFC 9162 section 2.1.4.1.
* :func:`completed_nodes`: the complete subtrees an append creates, i.e.
  exactly the rows a persistent store has to insert.

Addressing used throughout: ``(level, index)`` is the complete subtree of
``2**level`` leaves covering leaves ``[index * 2**level, (index + 1) * 2**level)``;
level 0 holds the leaf hashes themselves.
"""

from __future__ import annotations

from typing import Iterable, Protocol

from gateway.ledger.hashing import HASH_SIZE, empty_root, node_hash

__all__ = [
    "SubtreeSource",
    "MemoryTree",
    "range_hash",
    "root",
    "inclusion_proof",
    "consistency_proof",
    "completed_nodes",
]


class SubtreeSource(Protocol):
    """Anything that can return the hash of a complete subtree."""

    def subtree(self, level: int, index: int) -> bytes:
        """Return the hash of the COMPLETE subtree of 2**level leaves at ``index``.

        It covers leaves ``[index * 2**level, (index + 1) * 2**level)``; level 0
        is the leaf hash itself. Implementations raise ``LookupError`` (for
        example ``KeyError``) when that subtree is not complete in the store.
        """
        ...


def _split_point(n: int) -> int:
    """Return k, the largest power of two smaller than n (n > 1), as in RFC 9162 section 2.1.1."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_hash(value: bytes, what: str) -> bytes:
    value = bytes(value)
    if len(value) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")
    return value


def range_hash(src: SubtreeSource, begin: int, end: int) -> bytes:
    """Return MTH(D[begin:end]) (RFC 9162 section 2.1.1) from complete subtrees.

    Requires ``0 <= begin < end`` and ``begin`` to be a multiple of the largest
    power of two <= ``end - begin``. Every node of the RFC tree, and so every
    range the proof definitions ask for, satisfies this.

    Why it works: the RFC splits a list of n leaves at k, the largest power of
    two smaller than n, so the left part is always one complete subtree and
    the recursion only continues on the right. Hence MTH(D[begin:end]) is the
    binary decomposition of ``end - begin`` into complete subtrees, largest
    first, folded right to left with node_hash. That costs one
    ``src.subtree()`` call per set bit of ``end - begin``, i.e. O(log n).
    """
    if not 0 <= begin < end:
        raise ValueError(f"invalid leaf range [{begin}, {end})")
    span = end - begin
    top = span.bit_length() - 1
    if begin % (1 << top) != 0:
        raise ValueError(
            f"leaf range [{begin}, {end}) is not aligned to {1 << top} leaves; "
            "its MTH is not a fold of complete subtrees"
        )
    chunks: list[bytes] = []
    position = begin
    for level in range(top, -1, -1):
        if span >> level & 1:
            # position is a multiple of 2**level here: begin is aligned to
            # 2**top and every earlier chunk was a larger power of two.
            chunks.append(src.subtree(level, position >> level))
            position += 1 << level
    result = chunks.pop()
    while chunks:
        result = node_hash(chunks.pop(), result)
    return result


def root(src: SubtreeSource, size: int) -> bytes:
    """Return the tree head hash MTH(D[size]) (RFC 9162 section 2.1.1); HASH() for size 0."""
    if size < 0:
        raise ValueError(f"tree size must be >= 0, got {size}")
    if size == 0:
        return empty_root()
    return range_hash(src, 0, size)


def inclusion_proof(src: SubtreeSource, index: int, size: int) -> list[bytes]:
    """Return the inclusion proof PATH(index, D[size]) (RFC 9162 section 2.1.3.1).

    RFC definition, with k the largest power of two smaller than n::

        PATH(0, {d(0)}) = {}
        PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])       for m < k
        PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])   for m >= k

    Computed top-down (root to leaf), then reversed, since the recursion puts
    the sibling nearest the leaf first. Only the first sibling taken on the
    right of the path can be an incomplete subtree (after it the walk is
    inside a complete subtree), so the whole proof needs O(log n) lookups.

    Raises ValueError unless ``0 <= index < size``.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    siblings: list[bytes] = []
    begin, end = 0, size  # the current node is D[begin:end]
    while end - begin > 1:
        split = begin + _split_point(end - begin)
        if index < split:
            siblings.append(range_hash(src, split, end))  # MTH(D[k:n])
            end = split
        else:
            siblings.append(range_hash(src, begin, split))  # MTH(D[0:k])
            begin = split
    siblings.reverse()
    return siblings


def consistency_proof(src: SubtreeSource, old_size: int, new_size: int) -> list[bytes]:
    """Return the consistency proof PROOF(old_size, D[new_size]) (RFC 9162 section 2.1.4.1).

    RFC definition, with k the largest power of two smaller than n::

        PROOF(m, D[n]) = SUBPROOF(m, D[n], true)
        SUBPROOF(m, D[m], true) = {}
        SUBPROOF(m, D[m], false) = {MTH(D[m])}
        SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])           for m <= k
        SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])   for m > k

    RFC 9162 defines PROOF(m, D[n]) for 0 < m < n. For m == n the same
    definition gives SUBPROOF(m, D[m], true) = {}, so the result is empty.

    Raises ValueError unless ``0 < old_size <= new_size``. There is no proof
    from size 0: every tree extends the empty tree, so it would prove nothing,
    and the verifier (``verify.verify_consistency``) rejects that case too.
    """
    if not 0 < old_size <= new_size:
        raise ValueError(
            f"consistency proofs need 0 < old_size <= new_size, got {old_size} and {new_size}"
        )
    nodes: list[bytes] = []
    begin, end = 0, new_size  # the current node is D[begin:end]
    m = old_size - begin  # leaves of the old tree inside the current node
    complete_old_subtree = True  # the RFC's flag b
    while m < end - begin:
        split = begin + _split_point(end - begin)
        if m <= split - begin:
            nodes.append(range_hash(src, split, end))  # MTH(D[k:n])
            end = split
        else:
            nodes.append(range_hash(src, begin, split))  # MTH(D[0:k])
            begin = split
            m = old_size - begin
            complete_old_subtree = False
    if not complete_old_subtree:
        # SUBPROOF(m, D[m], false) = {MTH(D[m])}: the verifier cannot derive
        # this node from the old root, so it must be sent.
        nodes.append(range_hash(src, begin, end))
    nodes.reverse()
    return nodes


def completed_nodes(
    src: SubtreeSource, first_index: int, leaf_hashes: Iterable[bytes]
) -> list[tuple[int, int, bytes]]:
    """Return every complete subtree created by appending ``leaf_hashes`` at ``first_index``.

    ``src`` holds leaves ``[0, first_index)``. The result lists
    ``(level, index, hash)`` for each new leaf (level 0) and each interior node
    that becomes complete, in an order where a node always follows both of its
    children, so a store can insert the rows in order.

    A new node at (level, index) with index odd is the right child of
    (level + 1, index // 2); its left sibling (level, index - 1) was either
    computed earlier in this batch or was already complete before the append.
    Only the latter are read from ``src``, and they are exactly the peaks of
    the old tree's right border (one per set bit of ``first_index``), so the
    cost is O(k + log n) hashes and at most log2(n) ``src.subtree()`` calls.

    Raises ValueError if ``first_index`` is negative or a leaf hash is not
    ``HASH_SIZE`` bytes (validated before anything is returned).
    """
    if first_index < 0:
        raise ValueError(f"first_index must be >= 0, got {first_index}")
    created: list[tuple[int, int, bytes]] = []
    # For each level, the most recent node built in this batch that is a left
    # child still waiting for its right sibling: level -> (index, hash).
    waiting_left: dict[int, tuple[int, bytes]] = {}
    for offset, value in enumerate(leaf_hashes):
        current = _check_hash(value, f"leaf hash #{offset}")
        level, index = 0, first_index + offset
        created.append((level, index, current))
        while index & 1:
            pending = waiting_left.pop(level, None)
            if pending is not None and pending[0] == index - 1:
                left = pending[1]
            else:
                left = src.subtree(level, index - 1)
            current = node_hash(left, current)
            level, index = level + 1, index >> 1
            created.append((level, index, current))
        waiting_left[level] = (index, current)
    return created


class MemoryTree:
    """An in-memory :class:`SubtreeSource` storing every complete subtree, level by level.

    ``levels[level][index]`` is the hash of complete subtree (level, index).
    Appends go through :func:`completed_nodes`, the same path a persistent
    store uses, so tests of this class exercise it too.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        """Number of leaves in the tree."""
        return len(self._levels[0])

    def append(self, leaf_hash: bytes) -> None:
        """Append one leaf hash (already HASH(0x00 || data), see hashing.leaf_hash)."""
        self.extend([leaf_hash])

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaf hashes in order."""
        for level, index, value in completed_nodes(self, self.size, leaf_hashes):
            self._store(level, index, value)

    def _store(self, level: int, index: int, value: bytes) -> None:
        if level == len(self._levels):
            self._levels.append([])
        row = self._levels[level]
        if index != len(row):
            raise AssertionError(f"node ({level}, {index}) stored out of order")
        row.append(value)

    def subtree(self, level: int, index: int) -> bytes:
        """Return complete subtree (level, index); KeyError if it is not complete."""
        if 0 <= level < len(self._levels) and 0 <= index < len(self._levels[level]):
            return self._levels[level][index]
        raise KeyError(f"no complete subtree at level {level}, index {index} (size {self.size})")
