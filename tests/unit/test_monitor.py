"""The partner's monitor (gateway.sdk.monitor.check_heads) against a scripted gateway: every way a
served head can relate to the saved one, each with real RFC 9162 trees, signed heads and proofs.
Only "first", "same" and "grew" may save; everything else keeps the state file byte for byte and
leaves evidence whose signatures verify."""

from __future__ import annotations

import hashlib

import pytest

from gateway import errors, keys
from gateway.ledger import checkpoint, proof
from gateway.ledger.hashing import leaf_hash
from gateway.sdk import monitor
from regulink.v1 import transparency_pb2

ORIGIN = "monitor.test/log"
KEY = keys.generate()


def leaves(count: int, fork_at: int | None = None) -> list[bytes]:
    """Leaf hashes; from `fork_at` on, another history."""
    return [leaf_hash(hashlib.sha256(b"%d%s" % (i, b"b" if fork_at is not None and i >= fork_at else b"a")).digest())
            for i in range(count)]


def signed(tree: proof.MemoryTree, size: int, key=KEY) -> transparency_pb2.SignedTreeHead:
    root = proof.root(tree, size)
    note, signature = checkpoint.sign(checkpoint.TreeHead(ORIGIN, size, root, 1_700_000_000_000 + size), key)
    return transparency_pb2.SignedTreeHead(origin=ORIGIN, tree_size=size, root_hash=root, note=note,
                                           timestamp_ms=1_700_000_000_000 + size, signature=signature,
                                           key_id=keys.key_id(key))


class Gateway:
    """What check_heads asks of a client: the log key, the newest head, a consistency proof."""

    def __init__(self, tree: proof.MemoryTree, sizes: set[int], key=KEY) -> None:
        self.tree, self.sizes, self.key = tree, sizes, key
        self.transparency = self  # client.transparency.GetConsistencyProof names the RPC

    async def log_key(self):
        return self.key.public_key(), ORIGIN

    async def tree_head(self):
        return signed(self.tree, self.tree.size, self.key)

    GetConsistencyProof = "GetConsistencyProof"

    async def _call(self, rpc, request):
        if request.first_size not in self.sizes:
            raise errors.NotFound(f"no signed tree head of size {request.first_size}", field="tree_size")
        return transparency_pb2.GetConsistencyProofResponse(
            proof=transparency_pb2.ConsistencyProof(first_size=request.first_size, second_size=request.second_size,
                                                    hashes=proof.consistency_proof(self.tree, request.first_size,
                                                                                   request.second_size)),
            first_tree_head=signed(self.tree, request.first_size, self.key),
            second_tree_head=signed(self.tree, request.second_size, self.key))


def gateway(count: int, *, fork_at: int | None = None, sizes: set[int] | None = None, key=KEY) -> Gateway:
    return Gateway(proof.MemoryTree(leaves(count, fork_at)), sizes or set(range(1, count + 1)), key)


async def test_first_same_and_grew_save_only_forward(tmp_path):
    state = tmp_path / "head.json"
    assert (await monitor.check_heads(gateway(5), state)).change == "first"
    assert (await monitor.check_heads(gateway(5), state)).change == "same"
    grew = await monitor.check_heads(gateway(9), state)
    assert (grew.change, grew.saved.tree_size, grew.served.tree_size) == ("grew", 5, 9)
    assert monitor.json_format.Parse(state.read_text(), transparency_pb2.SignedTreeHead()).tree_size == 9


async def test_an_empty_saved_log_is_extended_by_any(tmp_path):
    state = tmp_path / "head.json"
    monitor.save_state(state, signed(proof.MemoryTree(), 0))
    assert (await monitor.check_heads(gateway(3), state)).change == "grew"


@pytest.mark.parametrize("served, kind, says", [
    (lambda: gateway(5), "rollback", "THE LOG SHRANK"),
    (lambda: gateway(8, fork_at=6), "fork", "two signed heads of size 8"),
    (lambda: gateway(12, fork_at=6), "fork", "now signs another root for size 8"),
    (lambda: gateway(12, sizes={4, 12}), "fork", "no longer has the head of size 8"),
    (lambda: gateway(12, key=keys.generate()), "key-changed", "the log key or origin changed"),
], ids=["smaller", "same size, other root", "grown over another root", "head forgotten", "another log key"])
async def test_anything_but_growth_keeps_the_state_and_the_evidence(tmp_path, served, kind, says):
    state = tmp_path / "head.json"
    await monitor.check_heads(gateway(8), state)
    saved = state.read_bytes()
    with pytest.raises(monitor.LogInconsistent) as found:
        await monitor.check_heads(served(), state)
    assert found.value.kind == kind and says in str(found.value)
    assert state.read_bytes() == saved
    folder = found.value.evidence
    assert folder.parent == tmp_path / "head.json.evidence" and (folder / "README.txt").exists()
    for note in folder.glob("*.note"):
        signature = note.with_suffix(".sig").read_bytes()
        key = keys.load_public_key(folder / "log-key.pub.pem")
        if kind != "key-changed" or note.stem != "saved-head":
            checkpoint.verify(note.read_bytes(), signature, key)


async def test_a_proof_that_does_not_verify_is_a_fork(tmp_path):
    state = tmp_path / "head.json"
    await monitor.check_heads(gateway(8), state)
    liar = gateway(12)

    async def bad_proof(rpc, request):
        response = await Gateway._call(liar, rpc, request)
        response.proof.hashes[0] = bytes(32)
        return response

    liar._call = bad_proof
    with pytest.raises(monitor.LogInconsistent) as found:
        await monitor.check_heads(liar, state)
    assert found.value.kind == "fork" and "not an extension" in str(found.value)
    assert (found.value.evidence / "consistency-proof.json").exists()
