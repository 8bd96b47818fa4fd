"""Hypothesis property tests: honest proofs verify, every tampered proof raises ProofError."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gateway.ledger.hashing import leaf_hash, mth
from gateway.ledger.proof import MemoryTree, consistency_proof, inclusion_proof, root
from gateway.ledger.verify import ProofError, verify_consistency, verify_inclusion

from .reference import consistency_proof_length, inclusion_path_length

MAX_TREE = 300
FAST = settings(max_examples=60, deadline=None)


@dataclass(frozen=True)
class Tree:
    leaves: list[bytes]
    tree: MemoryTree

    @property
    def size(self) -> int:
        return len(self.leaves)


@st.composite
def trees(draw: st.DrawFn, min_size: int = 1) -> Tree:
    # Leaf data must be distinct: with two equal leaves, a proof for one of
    # them is, correctly, also a proof for the other, and "wrong leaf" or
    # "index +- 1" would not be a tampering.
    # Random bytes behind a 2-byte index prefix: distinct by construction, and
    # drawn from one Random so that shrinking a failure stays fast.
    size = draw(st.integers(min_size, MAX_TREE))
    rnd = draw(st.randoms(use_true_random=False))
    data = [i.to_bytes(2, "big") + rnd.randbytes(rnd.randint(0, 16)) for i in range(size)]
    leaves = [leaf_hash(d) for d in data]
    return Tree(leaves, MemoryTree(leaves))


@st.composite
def inclusion_cases(draw: st.DrawFn) -> tuple[Tree, int, list[bytes], bytes]:
    """A tree with at least 2 leaves (so proofs are non-empty), an index and its proof."""
    t = draw(trees(min_size=2))
    index = draw(st.integers(0, t.size - 1))
    return t, index, inclusion_proof(t.tree, index, t.size), root(t.tree, t.size)


@st.composite
def consistency_cases(draw: st.DrawFn) -> tuple[Tree, int, list[bytes]]:
    """A tree, an old size strictly smaller than the tree (non-empty proof), and the proof."""
    t = draw(trees(min_size=2))
    old = draw(st.integers(1, t.size - 1))
    return t, old, consistency_proof(t.tree, old, t.size)


def flip_bit(value: bytes, bit: int) -> bytes:
    bit %= len(value) * 8
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


# --- honest proofs verify --------------------------------------------------


@FAST
@given(trees())
def test_inclusion_verifies_for_every_index(t: Tree) -> None:
    tree_root = root(t.tree, t.size)
    assert tree_root == mth(t.leaves)
    for index, value in enumerate(t.leaves):
        verify_inclusion(value, index, t.size, inclusion_proof(t.tree, index, t.size), tree_root)


@settings(max_examples=150, deadline=None)
@given(trees(), st.data())
def test_consistency_verifies_for_random_pairs(t: Tree, data: st.DataObject) -> None:
    new = data.draw(st.integers(1, t.size), label="new_size")
    old = data.draw(st.integers(1, new), label="old_size")
    proof = consistency_proof(t.tree, old, new)
    verify_consistency(old, new, mth(t.leaves[:old]), mth(t.leaves[:new]), proof)


# --- tampered inclusion proofs fail -----------------------------------------


@FAST
@given(inclusion_cases(), st.data())
def test_inclusion_flipped_bit_fails(case, data: st.DataObject) -> None:
    t, index, proof, tree_root = case
    position = data.draw(st.integers(0, len(proof) - 1), label="position")
    bit = data.draw(st.integers(0, 255), label="bit")
    proof[position] = flip_bit(proof[position], bit)
    with pytest.raises(ProofError):
        verify_inclusion(t.leaves[index], index, t.size, proof, tree_root)


@FAST
@given(inclusion_cases(), st.data())
def test_inclusion_dropped_hash_fails(case, data: st.DataObject) -> None:
    t, index, proof, tree_root = case
    del proof[data.draw(st.integers(0, len(proof) - 1), label="position")]
    with pytest.raises(ProofError, match="too short"):
        verify_inclusion(t.leaves[index], index, t.size, proof, tree_root)


@FAST
@given(inclusion_cases(), st.data())
def test_inclusion_added_hash_fails(case, data: st.DataObject) -> None:
    t, index, proof, tree_root = case
    position = data.draw(st.integers(0, len(proof)), label="position")
    extra = data.draw(
        st.sampled_from([tree_root, t.leaves[index]]) | st.binary(min_size=32, max_size=32),
        label="extra",
    )
    proof.insert(position, extra)
    with pytest.raises(ProofError):
        verify_inclusion(t.leaves[index], index, t.size, proof, tree_root)


@FAST
@given(inclusion_cases(), st.sampled_from([-1, 1]))
def test_inclusion_index_off_by_one_fails(case, delta: int) -> None:
    t, index, proof, tree_root = case
    with pytest.raises(ProofError):
        verify_inclusion(t.leaves[index], index + delta, t.size, proof, tree_root)


@FAST
@given(inclusion_cases(), st.integers(0, 2 * MAX_TREE))
def test_inclusion_wrong_size_fails(case, wrong_size: int) -> None:
    t, index, proof, tree_root = case
    # The proof does not authenticate the size by itself: (index 0, size 5)
    # and (index 0, size 6) have the same path shape, so the same proof
    # recomputes the same root (see test_size_is_bound_by_the_root_not_the_proof).
    # We tamper only with sizes whose proof shape differs; the signed tree
    # head is what binds size and root together.
    assume(index >= wrong_size or inclusion_path_length(index, wrong_size) != len(proof))
    with pytest.raises(ProofError):
        verify_inclusion(t.leaves[index], index, wrong_size, proof, tree_root)


@FAST
@given(inclusion_cases(), st.binary(max_size=12))
def test_inclusion_wrong_leaf_fails(case, other_data: bytes) -> None:
    t, index, proof, tree_root = case
    wrong_leaf = leaf_hash(other_data)
    assume(wrong_leaf != t.leaves[index])
    with pytest.raises(ProofError):
        verify_inclusion(wrong_leaf, index, t.size, proof, tree_root)


@FAST
@given(inclusion_cases(), st.integers(0, 255))
def test_inclusion_wrong_root_fails(case, bit: int) -> None:
    t, index, proof, tree_root = case
    with pytest.raises(ProofError, match="expected"):
        verify_inclusion(t.leaves[index], index, t.size, proof, flip_bit(tree_root, bit))


@FAST
@given(inclusion_cases(), st.data())
def test_inclusion_hash_of_wrong_length_fails(case, data: st.DataObject) -> None:
    t, index, proof, tree_root = case
    position = data.draw(st.integers(0, len(proof) - 1), label="position")
    cut = data.draw(st.sampled_from([0, 1, 31, 33, 64]), label="length")
    proof[position] = (proof[position] * 2)[:cut]
    with pytest.raises(ProofError, match="32 bytes"):
        verify_inclusion(t.leaves[index], index, t.size, proof, tree_root)


def test_size_is_bound_by_the_root_not_the_proof() -> None:
    """Documents why wrong sizes are filtered above: same path shape, same root."""
    leaves = [leaf_hash(bytes([i])) for i in range(6)]
    tree = MemoryTree(leaves)
    proof5 = inclusion_proof(tree, 0, 5)
    verify_inclusion(leaves[0], 0, 6, proof5, root(tree, 5))  # accepted
    with pytest.raises(ProofError):
        verify_inclusion(leaves[0], 0, 6, proof5, root(tree, 6))


# --- tampered consistency proofs fail ---------------------------------------


def _roots(t: Tree, old: int) -> tuple[bytes, bytes]:
    return root(t.tree, old), root(t.tree, t.size)


@FAST
@given(consistency_cases(), st.data())
def test_consistency_flipped_bit_fails(case, data: st.DataObject) -> None:
    t, old, proof = case
    position = data.draw(st.integers(0, len(proof) - 1), label="position")
    proof[position] = flip_bit(proof[position], data.draw(st.integers(0, 255), label="bit"))
    with pytest.raises(ProofError):
        verify_consistency(old, t.size, *_roots(t, old), proof)


@FAST
@given(consistency_cases(), st.data())
def test_consistency_dropped_hash_fails(case, data: st.DataObject) -> None:
    t, old, proof = case
    del proof[data.draw(st.integers(0, len(proof) - 1), label="position")]
    with pytest.raises(ProofError):
        verify_consistency(old, t.size, *_roots(t, old), proof)


@FAST
@given(trees(), st.data())
def test_consistency_added_hash_fails(t: Tree, data: st.DataObject) -> None:
    # old may equal new here: then the honest proof is empty and any hash is too many.
    old = data.draw(st.integers(1, t.size), label="old_size")
    proof = consistency_proof(t.tree, old, t.size)
    old_root, new_root = _roots(t, old)
    extra = data.draw(
        st.sampled_from([old_root, new_root]) | st.binary(min_size=32, max_size=32),
        label="extra",
    )
    proof.insert(data.draw(st.integers(0, len(proof)), label="position"), extra)
    with pytest.raises(ProofError):
        verify_consistency(old, t.size, old_root, new_root, proof)


@FAST
@given(consistency_cases(), st.sampled_from([-1, 1]))
def test_consistency_old_size_off_by_one_fails(case, delta: int) -> None:
    t, old, proof = case
    with pytest.raises(ProofError):
        verify_consistency(old + delta, t.size, *_roots(t, old), proof)


@FAST
@given(consistency_cases(), st.integers(0, 2 * MAX_TREE))
def test_consistency_wrong_new_size_fails(case, wrong_size: int) -> None:
    t, old, proof = case
    # As for inclusion, only sizes whose proof shape differs are tampering;
    # e.g. PROOF(4, D[5]) also "proves" (4, 6) against the size-5 root.
    assume(
        wrong_size < old
        or wrong_size == old
        or consistency_proof_length(old, wrong_size) != len(proof)
    )
    with pytest.raises(ProofError):
        verify_consistency(old, wrong_size, *_roots(t, old), proof)


@FAST
@given(consistency_cases(), st.integers(0, 255), st.sampled_from(["old", "new", "swap"]))
def test_consistency_wrong_root_fails(case, bit: int, which: str) -> None:
    t, old, proof = case
    old_root, new_root = _roots(t, old)
    if which == "old":
        old_root = flip_bit(old_root, bit)
    elif which == "new":
        new_root = flip_bit(new_root, bit)
    else:
        old_root, new_root = new_root, old_root
    with pytest.raises(ProofError, match="expected"):
        verify_consistency(old, t.size, old_root, new_root, proof)


@FAST
@given(trees(), st.integers(0, 255))
def test_consistency_same_size_needs_same_root(t: Tree, bit: int) -> None:
    tree_root = root(t.tree, t.size)
    verify_consistency(t.size, t.size, tree_root, tree_root, [])
    with pytest.raises(ProofError):
        verify_consistency(t.size, t.size, tree_root, flip_bit(tree_root, bit), [])
