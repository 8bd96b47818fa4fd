"""Tests for gateway.ledger.proof against the RFC 9162 definitions and for cost bounds."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest

from gateway.ledger import hashing as hashing_module
from gateway.ledger import proof as proof_module
from gateway.ledger import verify as verify_module
from gateway.ledger.hashing import empty_root, leaf_hash, mth, node_hash
from gateway.ledger.proof import (
    MemoryTree,
    completed_nodes,
    consistency_proof,
    inclusion_proof,
    range_hash,
    root,
)
from gateway.ledger.verify import verify_consistency, verify_inclusion

from .reference import (
    CountingSource,
    DictStore,
    consistency_proof_length,
    inclusion_path_length,
    make_leaves,
    naive_path,
    naive_proof,
)

MAX_SIZE = 64
LEAVES = make_leaves(MAX_SIZE)
TREE = MemoryTree(LEAVES)


# --- RFC 9162 section 2.1.5 worked example (7 leaves) ----------------------


def test_rfc_example_seven_leaves() -> None:
    """The example tree and proofs spelled out in RFC 9162 section 2.1.5."""
    d = [leaf_hash(bytes([i])) for i in range(7)]
    tree = MemoryTree(d)
    a, b, c, dd, e, f, d6 = d
    g, h, i = node_hash(a, b), node_hash(c, dd), node_hash(e, f)
    j = d6
    k, m = node_hash(g, h), node_hash(i, j)
    assert root(tree, 7) == node_hash(k, m)
    assert inclusion_proof(tree, 0, 7) == [b, h, m]
    assert inclusion_proof(tree, 3, 7) == [c, g, m]
    assert inclusion_proof(tree, 4, 7) == [f, j, k]
    assert inclusion_proof(tree, 6, 7) == [i, k]
    assert consistency_proof(tree, 3, 7) == [c, dd, g, m]
    assert consistency_proof(tree, 4, 7) == [m]
    assert consistency_proof(tree, 6, 7) == [i, j, k]


# --- cross-check against the naive recursive definitions ------------------


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_inclusion_proofs_equal_naive_path(size: int) -> None:
    leaves = LEAVES[:size]
    tree_root = root(TREE, size)
    assert tree_root == mth(leaves)
    for index in range(size):
        built = inclusion_proof(TREE, index, size)
        assert built == naive_path(index, leaves), index
        assert len(built) == inclusion_path_length(index, size)
        verify_inclusion(leaves[index], index, size, built, tree_root)


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_consistency_proofs_equal_naive_proof(size: int) -> None:
    new_root = mth(LEAVES[:size])
    for old in range(1, size + 1):
        built = consistency_proof(TREE, old, size)
        assert built == naive_proof(old, LEAVES[:size]), old
        assert len(built) == consistency_proof_length(old, size)
        verify_consistency(old, size, mth(LEAVES[:old]), new_root, built)


def test_range_hash_equals_mth_for_every_aligned_range() -> None:
    # Every node of the RFC tree is such a range (begin is a multiple of the
    # largest power of two <= its length), so this covers all the ranges the
    # proof algorithms request, and more.
    for begin in range(MAX_SIZE):
        for end in range(begin + 1, MAX_SIZE + 1):
            top = 1 << ((end - begin).bit_length() - 1)
            if begin % top == 0:
                assert range_hash(TREE, begin, end) == mth(LEAVES[begin:end]), (begin, end)
            else:
                with pytest.raises(ValueError, match="aligned"):
                    range_hash(TREE, begin, end)


@pytest.mark.parametrize("begin, end", [(0, 0), (3, 3), (5, 2), (-1, 3)])
def test_range_hash_rejects_empty_or_negative_ranges(begin: int, end: int) -> None:
    with pytest.raises(ValueError):
        range_hash(TREE, begin, end)


def test_root_of_empty_tree_and_bad_size() -> None:
    assert root(MemoryTree(), 0) == empty_root()
    assert root(TREE, 0) == empty_root()
    with pytest.raises(ValueError):
        root(TREE, -1)


@pytest.mark.parametrize("index, size", [(0, 0), (3, 3), (5, 4), (-1, 4)])
def test_inclusion_proof_rejects_index_outside_tree(index: int, size: int) -> None:
    with pytest.raises(ValueError):
        inclusion_proof(TREE, index, size)


@pytest.mark.parametrize("old, new", [(0, 0), (0, 5), (5, 4), (-1, 3)])
def test_consistency_proof_rejects_bad_sizes(old: int, new: int) -> None:
    with pytest.raises(ValueError):
        consistency_proof(TREE, old, new)


def test_proofs_only_read_the_requested_prefix() -> None:
    # A tree holding more leaves than `size` must give the proof for `size`.
    small = MemoryTree(LEAVES[:13])
    for index in range(13):
        assert inclusion_proof(TREE, index, 13) == inclusion_proof(small, index, 13)
    for old in range(1, 14):
        assert consistency_proof(TREE, old, 13) == consistency_proof(small, old, 13)


# --- MemoryTree ------------------------------------------------------------


def test_memory_tree_append_and_lookup() -> None:
    tree = MemoryTree()
    assert tree.size == 0
    for count, value in enumerate(LEAVES[:5], start=1):
        tree.append(value)
        assert tree.size == count
    assert tree.subtree(0, 4) == LEAVES[4]
    assert tree.subtree(2, 0) == mth(LEAVES[:4])
    for level, index in [(0, 5), (1, 2), (2, 1), (3, 0), (0, -1), (-1, 0)]:
        with pytest.raises(KeyError):
            tree.subtree(level, index)


def test_memory_tree_rejects_bad_leaf_hash_atomically() -> None:
    tree = MemoryTree(LEAVES[:3])
    with pytest.raises(ValueError, match="32 bytes"):
        tree.extend([LEAVES[3], b"short"])
    assert tree.size == 3  # nothing from the failed batch was stored


# --- completed_nodes ---------------------------------------------------------


def _all_nodes(tree: MemoryTree, size: int) -> dict[tuple[int, int], bytes]:
    nodes = {}
    level = 0
    while (1 << level) <= size:
        for index in range(size >> level):
            nodes[(level, index)] = tree.subtree(level, index)
        level += 1
    return nodes


@pytest.mark.parametrize("seed", range(20))
def test_completed_nodes_random_batches_match_one_by_one(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.randint(1, 200)
    leaves = make_leaves(size, salt=bytes([seed]))
    store = DictStore()
    position = 0
    while position < size:
        batch = leaves[position : position + rng.randint(1, 40)]
        rows = completed_nodes(store, position, batch)
        store.insert(rows)  # asserts order and no duplicates
        position += len(batch)
    one_by_one = MemoryTree()
    for value in leaves:
        one_by_one.append(value)
    assert store.nodes == _all_nodes(one_by_one, size)
    assert root(store, size) == mth(leaves)
    for index in range(size):
        assert inclusion_proof(store, index, size) == inclusion_proof(one_by_one, index, size)
    for old in range(1, size + 1):
        assert consistency_proof(store, old, size) == consistency_proof(one_by_one, old, size)


def test_completed_nodes_reads_only_old_peaks() -> None:
    for first in [0, 1, 2, 5, 31, 32, 100, 255]:
        store = DictStore()
        store.insert(completed_nodes(store, 0, make_leaves(first)))
        before = dict(store.nodes)
        store.lookups = 0
        new = make_leaves(70, salt=b"new")
        rows = completed_nodes(store, first, new)
        # Reads: at most one per complete subtree on the old right border.
        assert store.lookups <= bin(first).count("1")
        assert store.nodes == before  # completed_nodes never writes
        # Exactly the nodes that become complete, each once.
        expected = {
            (level, index)
            for level in range(12)
            for index in range(first >> level, (first + 70) >> level)
        }
        assert {(lvl, idx) for lvl, idx, _ in rows} == expected
        assert len(rows) == len(expected)


def test_completed_nodes_of_empty_batch_is_empty() -> None:
    assert completed_nodes(TREE, 7, []) == []


def test_completed_nodes_validates_input() -> None:
    with pytest.raises(ValueError):
        completed_nodes(TREE, -1, LEAVES[:1])
    with pytest.raises(ValueError, match="32 bytes"):
        completed_nodes(MemoryTree(), 0, [b"\x00" * 31])


def test_completed_nodes_cost_on_a_million_leaf_tree() -> None:
    first = 1_048_575  # 2**20 - 1: twenty peaks, the worst case for 20 levels
    source = CountingSource(first)
    rows = completed_nodes(source, first, make_leaves(1000))
    assert source.lookups == 20
    # k leaves create fewer than 2k + log2(n) nodes.
    assert 1000 <= len(rows) < 2 * 1000 + 21


# --- O(log n) lookups for proofs -------------------------------------------


BIG_SIZES = [2**20 - 1, 2**20, 2**20 + 1, 1_000_003, 999_983, 3 * 2**18 + 7]


@pytest.mark.parametrize("size", BIG_SIZES)
def test_inclusion_proof_lookups_are_logarithmic(size: int) -> None:
    bound = 2 * size.bit_length()
    rng = random.Random(size)
    for index in [0, 1, size // 2, size - 2, size - 1] + [rng.randrange(size) for _ in range(20)]:
        source = CountingSource(size)
        path = inclusion_proof(source, index, size)
        assert len(path) <= size.bit_length()
        assert source.lookups <= bound, (index, source.lookups)


@pytest.mark.parametrize("size", BIG_SIZES)
def test_consistency_proof_lookups_are_logarithmic(size: int) -> None:
    bound = 2 * size.bit_length()
    rng = random.Random(size)
    olds = [1, 2, size // 2, size - 1, size] + [rng.randrange(1, size) for _ in range(20)]
    for old in olds:
        source = CountingSource(size)
        nodes = consistency_proof(source, old, size)
        assert len(nodes) <= size.bit_length() + 1
        assert source.lookups <= bound, (old, source.lookups)


@pytest.mark.parametrize("size", BIG_SIZES)
def test_root_lookups_are_popcount(size: int) -> None:
    source = CountingSource(size)
    root(source, size)
    assert source.lookups == bin(size).count("1")


# --- dependencies: verify.py is copyable on its own --------------------------


def _top_level_imports(path: str) -> set[str]:
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    return imported


def test_verify_module_imports_only_the_standard_library() -> None:
    assert _top_level_imports(verify_module.__file__) <= {"__future__", "hashlib", "typing"}


def test_proof_and_hashing_need_no_database_or_grpc() -> None:
    allowed = {"__future__", "hashlib", "typing", "gateway"}
    assert _top_level_imports(proof_module.__file__) <= allowed
    assert _top_level_imports(hashing_module.__file__) <= allowed
