"""The one loop by which a partner's records reach the log: sign each, stream them, check every
receipt against the signed tree head and the bytes that were signed, and say what became of each
record. `regulink push`, `regulink ingest` and any script use it, so a receipt is never kept
unchecked and a duplicate is always told apart from a refusal."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gateway import errors
from gateway.ledger.hashing import commitment_leaf_hash
from gateway.sdk import receipts
from gateway.sdk.client import AsyncClient, envelope_of, sign_for
from regulink.v1 import envelope_pb2, exchange_pb2, records_pb2

# Envelopes per stream message: records are at most 256 KiB (graph/rules.py), so a message stays
# under the gateway's default 16 MiB limit.
PER_MESSAGE = 32


@dataclass
class Pushed:
    """What became of the records: in the log now, there already (some differing from what was sent), refused."""

    records: int = 0
    pushed: int = 0
    already: int = 0
    differs: int = 0
    rejected: int = 0


def same_envelope(receipt: exchange_pb2.Receipt, envelope: envelope_pb2.Envelope) -> bool:
    """True when the log's entry behind an ALREADY_EXISTS receipt commits to exactly this envelope."""
    if not receipt.nonce or not receipt.leaf_hash:
        return True  # a duplicate within this very run
    return commitment_leaf_hash(receipt.nonce, receipts.canonical_envelope(envelope)) == receipt.leaf_hash


async def push_records(
    client: AsyncClient,
    items: Iterable[tuple[str, records_pb2.CaseRecord]],
    signers: list[Ed25519PrivateKey],
    *,
    log_key: tuple[Ed25519PublicKey, str] | None = None,
    per_message: int = PER_MESSAGE,
    on_receipt: Callable[[exchange_pb2.Receipt, envelope_pb2.Envelope], None] = lambda *a: None,
    on_already: Callable[[str, records_pb2.CaseRecord, errors.AlreadyExists, bool], None] = lambda *a: None,
    on_rejected: Callable[[str, records_pb2.CaseRecord, errors.RegulinkError], None] = lambda *a: None,
    counts: Pushed | None = None,
) -> Pushed:
    """Sign (with recipient commitments when a record names recipients) and stream (location, record)
    items; every receipt is verified before `on_receipt` sees it (ProofError or CheckpointError if one
    does not verify: do not trust that gateway). `on_already` gets whether the log's entry differs
    from what was sent now."""
    counts = counts if counts is not None else Pushed()
    key, origin = log_key or await client.log_key()
    pending: deque[tuple[str, records_pb2.CaseRecord, envelope_pb2.Envelope]] = deque()

    def envelopes():
        for location, record in items:
            signed = sign_for(record, signers)
            pending.append((location, record, envelope_of(signed)))
            counts.records += 1
            yield signed

    async for outcome in client.submit_stream(envelopes(), per_message=per_message):
        location, record, envelope = pending.popleft()
        if isinstance(outcome, exchange_pb2.Receipt):
            receipts.verify_receipt(outcome, envelope, key, origin)
            counts.pushed += 1
            on_receipt(outcome, envelope)
        elif isinstance(outcome, errors.AlreadyExists):
            counts.already += 1
            differs = outcome.receipt is not None and not same_envelope(outcome.receipt, envelope)
            counts.differs += differs
            on_already(location, record, outcome, differs)
        else:
            counts.rejected += 1
            on_rejected(location, record, outcome)
    return counts
