"""The stateless checks an envelope passes before the sequencer sees it.

Numbered as the data flow in DESIGN.md: (1) channel identity is resolved by
the caller, (2) envelope and signatures, (3) record schema and the author's
signature, then the channel may speak for the author. Nothing here touches the
ledger, so a refused envelope leaves no trace.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import DecodeError
from google.protobuf.unknown_fields import UnknownFieldSet

from gateway import dsse
from gateway.errors import InvalidArgument, PermissionDenied, TooLarge, Unauthenticated
from gateway.ledger.log import Candidate
from gateway.records import check_record
from gateway.registry import Snapshot
from regulink.v1 import envelope_pb2, records_pb2


@dataclass(frozen=True)
class Limits:
    max_envelope_bytes: int = 1 << 20
    max_signatures: int = 16


def admit(envelope: envelope_pb2.Envelope, caller: str, registry: Snapshot, limits: Limits) -> Candidate:
    """A Candidate for the ledger, or the RegulinkError that says what is wrong."""
    size = envelope.ByteSize()
    if size > limits.max_envelope_bytes:
        raise TooLarge(f"the envelope has {size} bytes; the limit is {limits.max_envelope_bytes}", field="envelope")
    if len(envelope.signatures) > limits.max_signatures:
        raise TooLarge(f"at most {limits.max_signatures} signatures per envelope", field="envelope.signatures")
    if envelope.payload_type != dsse.CASE_RECORD_TYPE:
        raise InvalidArgument(f"payload_type must be {dsse.CASE_RECORD_TYPE!r}", field="envelope.payload_type")

    # (2) every signature verifies, under a registered key usable now.
    verified = dsse.verify(envelope, lambda key_id, field: registry.usable_key(key_id, field).verifier)

    # (3) the verified bytes, and only those, are parsed.
    record = parse_record(verified.payload)
    check_record(record, registry)
    author = registry.agency(record.agency_id).agency_id
    if not any(registry.keys[k].agency_id == author for k in verified.key_ids):
        raise Unauthenticated(f"the envelope is not signed by a key of {author}", field="envelope.signatures")
    if not registry.may_send_for(caller, author):
        raise PermissionDenied(
            f"{caller} may not submit records of {author} (the operator can allow it: "
            f"`regulink agency allow-relay {author} {caller}`)",
            field="record.agency_id",
        )
    envelope.DiscardUnknownFields()
    return Candidate(
        agency_id=author,
        record_id=record.record_id,
        version=record.version,
        envelope=envelope.SerializeToString(deterministic=True),
        signer_keys=verified.key_ids,
        tlp=record.tlp,
        share_with=tuple(record.share_with),
        supersedes=record.supersedes.record_id if record.HasField("supersedes") else "",
        retracts=record.retracts.record_id if record.HasField("retracts") else "",
    )


def parse_record(payload: bytes) -> records_pb2.CaseRecord:
    record = records_pb2.CaseRecord()
    try:
        record.ParseFromString(payload)
    except DecodeError:
        raise InvalidArgument("the payload is not a serialized CaseRecord", field="envelope.payload") from None
    if record.ByteSize() != len(payload) and _has_unknown_fields(record):
        # A newer partner's field we would silently drop from the graph: refuse instead.
        raise InvalidArgument("the CaseRecord carries fields this gateway does not know", field="envelope.payload")
    return record


def _has_unknown_fields(message) -> bool:
    if len(UnknownFieldSet(message)):
        return True
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None:
            continue
        children = value if descriptor.is_repeated else [value]
        if any(_has_unknown_fields(child) for child in children):
            return True
    return False
