"""Unit tests for gateway.ledger.hashing (RFC 9162 section 2.1.1 and salted commitments)."""

from __future__ import annotations

import hashlib

import pytest

from gateway.ledger.hashing import (
    COMMITMENT_VERSION,
    HASH_SIZE,
    LEAF_PREFIX,
    NODE_PREFIX,
    NONCE_SIZE,
    commitment_leaf_data,
    commitment_leaf_hash,
    empty_root,
    leaf_hash,
    mth,
    node_hash,
)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_prefix_constants_are_the_rfc_values() -> None:
    assert LEAF_PREFIX == b"\x00"
    assert NODE_PREFIX == b"\x01"
    assert HASH_SIZE == 32


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    left, right = sha256(b"l"), sha256(b"r")
    # The same 64 bytes hashed as a leaf and as a node must differ: that is
    # the second-preimage protection of RFC 9162 section 2.1.1.
    assert leaf_hash(left + right) != node_hash(left, right)
    assert leaf_hash(b"x") == sha256(b"\x00x")
    assert node_hash(left, right) == sha256(b"\x01" + left + right)
    assert empty_root() == sha256(b"")


def test_mth_small_trees_by_hand() -> None:
    a, b, c = (leaf_hash(bytes([i])) for i in range(3))
    assert mth([]) == empty_root()
    assert mth([a]) == a
    assert mth([a, b]) == node_hash(a, b)
    # n = 3 splits at k = 2: the left subtree is complete, c is promoted.
    assert mth([a, b, c]) == node_hash(node_hash(a, b), c)


def test_mth_splits_at_largest_power_of_two_below_n() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(6)]
    # RFC 9162 section 2.1.1, n = 6: k = 4, so MTH = H(1 || MTH(D[0:4]) || MTH(D[4:6])).
    left = node_hash(node_hash(leaves[0], leaves[1]), node_hash(leaves[2], leaves[3]))
    right = node_hash(leaves[4], leaves[5])
    assert mth(leaves) == node_hash(left, right)


# Known answer, computed once with coreutils sha256sum (not with the code under
# test); nonce = bytes 0x00..0x1f, envelope = the ASCII string below:
#   inner=$( (python3 -c "import sys; sys.stdout.buffer.write(bytes(range(32)))"; \
#             printf 'regulink commitment test vector') | sha256sum | cut -d' ' -f1)
#     -> 194c4e5b4aa49eaf82a76a685957ab1a920785d8c67d433b500e78b0a5542b56
#   leaf data = 0x01 || inner
#   (printf '\x00\x01'; echo -n $inner | xxd -r -p) | sha256sum
#     -> 1e4ed86003e88d194ba3e9638c75517a4c3060928f6ef7466f57e325cb1426bc
KAT_NONCE = bytes(range(32))
KAT_ENVELOPE = b"regulink commitment test vector"
KAT_LEAF_DATA = bytes.fromhex(
    "01194c4e5b4aa49eaf82a76a685957ab1a920785d8c67d433b500e78b0a5542b56"
)
KAT_LEAF_HASH = bytes.fromhex(
    "1e4ed86003e88d194ba3e9638c75517a4c3060928f6ef7466f57e325cb1426bc"
)


def test_commitment_known_answer() -> None:
    assert commitment_leaf_data(KAT_NONCE, KAT_ENVELOPE) == KAT_LEAF_DATA
    assert commitment_leaf_hash(KAT_NONCE, KAT_ENVELOPE) == KAT_LEAF_HASH


def test_commitment_layout_is_version_then_salted_digest() -> None:
    nonce, envelope = b"\x07" * 32, b'{"payloadType":"x"}'
    data = commitment_leaf_data(nonce, envelope)
    assert COMMITMENT_VERSION == 1
    assert len(data) == 1 + HASH_SIZE
    assert data[0] == COMMITMENT_VERSION
    assert data[1:] == sha256(nonce + envelope)
    assert commitment_leaf_hash(nonce, envelope) == sha256(b"\x00" + data)


def test_commitment_depends_on_nonce_and_envelope() -> None:
    base = commitment_leaf_data(KAT_NONCE, KAT_ENVELOPE)
    assert commitment_leaf_data(b"\x00" * 32, KAT_ENVELOPE) != base
    assert commitment_leaf_data(KAT_NONCE, KAT_ENVELOPE + b"!") != base


@pytest.mark.parametrize("length", [0, 1, 16, 31, 33, 64])
def test_commitment_rejects_nonce_of_wrong_length(length: int) -> None:
    assert NONCE_SIZE == 32
    with pytest.raises(ValueError, match="32 bytes"):
        commitment_leaf_data(b"\x00" * length, b"envelope")
    with pytest.raises(ValueError, match="32 bytes"):
        commitment_leaf_hash(b"\x00" * length, b"envelope")


def test_commitment_accepts_empty_envelope() -> None:
    assert commitment_leaf_data(KAT_NONCE, b"")[1:] == sha256(KAT_NONCE)
