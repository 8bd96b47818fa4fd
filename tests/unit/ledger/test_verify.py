"""Edge cases of gateway.ledger.verify (RFC 9162 sections 2.1.3.2 and 2.1.4.2)."""

from __future__ import annotations

import pytest

from gateway.ledger.hashing import empty_root, leaf_hash
from gateway.ledger.proof import MemoryTree, consistency_proof, inclusion_proof, root
from gateway.ledger.verify import (
    ProofError,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [leaf_hash(bytes([i])) for i in range(11)]
TREE = MemoryTree(LEAVES)
SIZE = len(LEAVES)
ROOT = root(TREE, SIZE)
OTHER = b"\xaa" * 32


def test_proof_error_is_a_value_error_with_a_clear_message() -> None:
    assert issubclass(ProofError, ValueError)
    with pytest.raises(ProofError, match=r"^Merkle proof verification failed: .*expected"):
        verify_inclusion(LEAVES[0], 0, SIZE, inclusion_proof(TREE, 0, SIZE), OTHER)


# --- inclusion ----------------------------------------------------------------


def test_valid_inclusion_returns_none_and_root_is_recomputed() -> None:
    proof = inclusion_proof(TREE, 6, SIZE)
    assert verify_inclusion(LEAVES[6], 6, SIZE, proof, ROOT) is None
    assert root_from_inclusion_proof(LEAVES[6], 6, SIZE, proof) == ROOT


def test_single_leaf_tree_root_is_the_leaf() -> None:
    verify_inclusion(LEAVES[0], 0, 1, [], LEAVES[0])
    with pytest.raises(ProofError):
        verify_inclusion(LEAVES[0], 0, 1, [], empty_root())


@pytest.mark.parametrize("index, size", [(0, 0), (11, 11), (12, 11), (2**64 - 1, 11), (-1, 11)])
def test_inclusion_index_outside_tree(index: int, size: int) -> None:
    with pytest.raises(ProofError):
        verify_inclusion(LEAVES[0], index, size, inclusion_proof(TREE, 0, SIZE), ROOT)


def test_inclusion_trailing_hash_is_too_long() -> None:
    proof = inclusion_proof(TREE, 3, SIZE) + [OTHER]
    with pytest.raises(ProofError, match="too long"):
        verify_inclusion(LEAVES[3], 3, SIZE, proof, ROOT)


def test_inclusion_missing_last_hash_is_too_short() -> None:
    proof = inclusion_proof(TREE, 3, SIZE)[:-1]
    with pytest.raises(ProofError, match="too short"):
        verify_inclusion(LEAVES[3], 3, SIZE, proof, ROOT)


@pytest.mark.parametrize("length", [0, 1, 31, 33, 64])
def test_inclusion_rejects_hashes_that_are_not_32_bytes(length: int) -> None:
    proof = inclusion_proof(TREE, 3, SIZE)
    bad = b"\x01" * length
    with pytest.raises(ProofError, match="leaf hash must be 32 bytes"):
        verify_inclusion(bad, 3, SIZE, proof, ROOT)
    with pytest.raises(ProofError, match="root hash must be 32 bytes"):
        verify_inclusion(LEAVES[3], 3, SIZE, proof, bad)
    with pytest.raises(ProofError, match=r"inclusion proof\[1\] must be 32 bytes"):
        verify_inclusion(LEAVES[3], 3, SIZE, [proof[0], bad] + proof[2:], ROOT)


def test_inclusion_rejects_non_bytes_hash() -> None:
    proof: list = inclusion_proof(TREE, 3, SIZE)
    proof[0] = proof[0].hex()
    with pytest.raises(ProofError, match="must be bytes"):
        verify_inclusion(LEAVES[3], 3, SIZE, proof, ROOT)


# --- consistency --------------------------------------------------------------


def test_valid_consistency_returns_none() -> None:
    for old in range(1, SIZE + 1):
        proof = consistency_proof(TREE, old, SIZE)
        assert verify_consistency(old, SIZE, root(TREE, old), ROOT, proof) is None


@pytest.mark.parametrize("new_size", [0, 1, SIZE])
def test_consistency_from_the_empty_tree_is_rejected(new_size: int) -> None:
    # Documented choice: RFC 9162 defines proofs for 0 < first only; the
    # published transparency-dev vectors reject size1 == 0 even with an empty
    # proof and even for 0 -> 0.
    new_root = root(TREE, new_size)
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, new_size, empty_root(), new_root, [])


@pytest.mark.parametrize("old, new", [(5, 4), (1, 0), (-1, 3)])
def test_consistency_rejects_shrinking_or_negative_sizes(old: int, new: int) -> None:
    with pytest.raises(ProofError, match="old_size <= new_size"):
        verify_consistency(old, new, ROOT, ROOT, [])


def test_consistency_same_size() -> None:
    verify_consistency(SIZE, SIZE, ROOT, ROOT, [])
    with pytest.raises(ProofError, match="empty proof"):
        verify_consistency(SIZE, SIZE, ROOT, ROOT, [ROOT])
    with pytest.raises(ProofError, match="different roots"):
        verify_consistency(SIZE, SIZE, ROOT, OTHER, [])


def test_consistency_empty_proof_for_growing_tree() -> None:
    with pytest.raises(ProofError, match="is empty"):
        verify_consistency(4, SIZE, root(TREE, 4), ROOT, [])


def test_consistency_trailing_hash_is_too_long() -> None:
    proof = consistency_proof(TREE, 6, SIZE) + [OTHER]
    with pytest.raises(ProofError, match="too long"):
        verify_consistency(6, SIZE, root(TREE, 6), ROOT, proof)


def test_consistency_missing_last_hash_is_too_short() -> None:
    proof = consistency_proof(TREE, 6, SIZE)[:-1]
    with pytest.raises(ProofError, match="too short"):
        verify_consistency(6, SIZE, root(TREE, 6), ROOT, proof)


def test_consistency_power_of_two_old_size_uses_old_root() -> None:
    # RFC 9162 section 2.1.4.2 step 2: for first = 4 the old root is a node of
    # the new tree and is not in the proof; the verifier prepends it.
    proof = consistency_proof(TREE, 4, SIZE)
    assert root(TREE, 4) not in proof
    verify_consistency(4, SIZE, root(TREE, 4), ROOT, proof)
    # A wrong old root then shows up in the recomputed new root.
    with pytest.raises(ProofError, match="new root"):
        verify_consistency(4, SIZE, OTHER, ROOT, proof)


@pytest.mark.parametrize("length", [0, 12, 31, 33])
def test_consistency_rejects_hashes_that_are_not_32_bytes(length: int) -> None:
    proof = consistency_proof(TREE, 6, SIZE)
    bad = b"\x02" * length
    with pytest.raises(ProofError, match="old root hash must be 32 bytes"):
        verify_consistency(6, SIZE, bad, ROOT, proof)
    with pytest.raises(ProofError, match="new root hash must be 32 bytes"):
        verify_consistency(6, SIZE, root(TREE, 6), bad, proof)
    with pytest.raises(ProofError, match=r"consistency proof\[0\] must be 32 bytes"):
        verify_consistency(6, SIZE, root(TREE, 6), ROOT, [bad] + proof[1:])
    # Also when the sizes are equal and the roots match byte for byte.
    with pytest.raises(ProofError, match="32 bytes"):
        verify_consistency(1, 1, bad, bad, [])
