"""Offline checks of receipts and tree heads: what a partner runs to trust nothing but math.

No grpc and no database: the receipt, the envelope the partner sent, and the
log's public key (from GetLogInfo, pinned once) are enough.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from google.protobuf import json_format

from gateway import keys
from gateway.ledger import checkpoint, verify
from gateway.ledger.checkpoint import CheckpointError, TreeHead
from gateway.ledger.hashing import commitment_leaf_hash
from regulink.v1 import envelope_pb2, exchange_pb2, transparency_pb2


def canonical_envelope(envelope: envelope_pb2.Envelope | bytes) -> bytes:
    """The bytes the log commits to: fields in number order, no unknown fields."""
    if isinstance(envelope, bytes):
        envelope = envelope_pb2.Envelope.FromString(envelope)
    copy = envelope_pb2.Envelope()
    copy.CopyFrom(envelope)
    copy.DiscardUnknownFields()
    return copy.SerializeToString(deterministic=True)


def verify_tree_head(sth: transparency_pb2.SignedTreeHead, log_key: Ed25519PublicKey,
                     origin: str | None = None) -> TreeHead:
    """The head the note states, after checking the signature and that the fields agree with it."""
    if sth.key_id != keys.key_id(log_key):
        raise CheckpointError(f"the tree head is signed by key {sth.key_id[:16]}…, not the pinned log key")
    head = checkpoint.verify(sth.note, sth.signature, log_key, origin=origin)
    if (head.tree_size, head.root_hash, head.timestamp_ms, head.origin) != (
        sth.tree_size, sth.root_hash, sth.timestamp_ms, sth.origin
    ):
        raise CheckpointError("the tree head fields disagree with its signed note")
    return head


def verify_receipt(
    receipt: exchange_pb2.Receipt,
    envelope: envelope_pb2.Envelope | bytes,
    log_key: Ed25519PublicKey,
    origin: str | None = None,
) -> TreeHead:
    """Raise unless the receipt proves this envelope sits in the log under a signed head."""
    head = verify_tree_head(receipt.tree_head, log_key, origin)
    data = canonical_envelope(envelope)
    if receipt.envelope_sha256 and hashlib.sha256(data).digest() != receipt.envelope_sha256:
        raise verify.ProofError("the receipt is for other envelope bytes (envelope_sha256 differs)")
    leaf = commitment_leaf_hash(receipt.nonce, data)
    if leaf != receipt.leaf_hash:
        raise verify.ProofError("the leaf hash does not commit to this envelope and nonce")
    verify.verify_inclusion(leaf, receipt.log_index, head.tree_size, list(receipt.inclusion_proof), head.root_hash)
    return head


# -- the receipts file (`regulink push` and `ingest` write it, `verify-receipt` reads it) ------------
# One JSON object a line: {"receipt": Receipt, "envelope": Envelope}, both in protobuf JSON, so that
# each receipt can be checked offline against exactly the bytes that were signed.

def receipt_line(receipt: exchange_pb2.Receipt, envelope: envelope_pb2.Envelope) -> str:
    return json.dumps({"receipt": json_format.MessageToDict(receipt),
                       "envelope": json_format.MessageToDict(envelope)}) + "\n"


def read_receipt_lines(text: str) -> Iterator[tuple[int, exchange_pb2.Receipt, envelope_pb2.Envelope]]:
    """(line number, receipt, envelope) of each line; ValueError naming the line for one that is not."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            receipt = json_format.ParseDict(item["receipt"], exchange_pb2.Receipt())
            envelope = json_format.ParseDict(item["envelope"], envelope_pb2.Envelope())
        except (ValueError, KeyError, TypeError, json_format.ParseError) as exc:
            raise ValueError(f"line {number}: not a receipt line ({type(exc).__name__}: {exc})") from None
        yield number, receipt, envelope
