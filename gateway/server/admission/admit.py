"""The stateless checks an envelope passes before the sequencer sees it.

Numbered as the data flow in docs/architecture.md: (1) channel identity is resolved by
the caller, (2) envelope and signatures, (3) record schema and the author's
signature, then the channel may speak for the author. Nothing here touches the
ledger, so a refused envelope leaves no trace.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import DecodeError
from google.protobuf.unknown_fields import UnknownFieldSet

from gateway import dsse, recipients
from gateway.errors import InvalidArgument, PermissionDenied, TooLarge, Unauthenticated
from gateway.ledger.log import Candidate
from gateway.server.admission.records import check_record
from gateway.server.registry import Snapshot
from regulink.v1 import envelope_pb2, exchange_pb2, records_pb2


@dataclass(frozen=True)
class Limits:
    max_envelope_bytes: int = 1 << 20
    max_signatures: int = 16


def admit(envelope: envelope_pb2.Envelope, caller: str, registry: Snapshot, limits: Limits,
          disclosure: exchange_pb2.Disclosure | None = None) -> Candidate:
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
    refuse_unknown_fields(record, verified.payload)
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
    share_with, salts = _recipients(record, disclosure or exchange_pb2.Disclosure(), registry)
    envelope.DiscardUnknownFields()
    return Candidate(
        agency_id=author,
        record_id=record.record_id,
        version=record.version,
        envelope=envelope.SerializeToString(deterministic=True),
        signer_keys=verified.key_ids,
        tlp=record.tlp,
        share_with=share_with,
        salts=salts,
        supersedes=record.supersedes.record_id if record.HasField("supersedes") else "",
        retracts=record.retracts.record_id if record.HasField("retracts") else "",
    )


def _recipients(record: records_pb2.CaseRecord, disclosure: exchange_pb2.Disclosure, registry: Snapshot
                ) -> tuple[tuple[str, ...], tuple[tuple[str, bytes], ...]]:
    """Who may read the record besides its author, and the salt each recipient will be given: the
    clear share_with of an older record, or the disclosure checked against the signed commitments."""
    if not record.recipient_commitments:
        if disclosure.recipients:
            raise InvalidArgument("a disclosure names recipients, but the record carries no recipient_commitments",
                                  field="disclosure")
        return tuple(record.share_with), ()
    if not disclosure.recipients:
        raise InvalidArgument("the record commits to recipients (recipient_commitments) but no disclosure names "
                              "them: send the clear list and salts beside the envelope", field="disclosure")
    problems = recipients.disclosure_problems(record, disclosure)
    for i, recipient in enumerate(disclosure.recipients):
        if recipient.agency_id not in registry.agencies:
            problems.append((f"disclosure.recipients[{i}].agency_id",
                             f"agency {recipient.agency_id!r} is not registered"))
    if problems:
        field, why = problems[0]
        raise InvalidArgument(why, field=field)
    if record.tlp in (records_pb2.TLP_CLEAR, records_pb2.TLP_GREEN):
        return (), ()  # read by every agency: nothing to hand out
    disclosed = sorted((r.agency_id, r.salt) for r in disclosure.recipients)
    return tuple(agency for agency, _ in disclosed), tuple(disclosed)


def parse_record(payload: bytes) -> records_pb2.CaseRecord:
    """The CaseRecord a payload holds (fields this gateway does not know are kept: entries already
    in the ledger are read with it; admission refuses them with refuse_unknown_fields)."""
    record = records_pb2.CaseRecord()
    try:
        record.ParseFromString(payload)
    except DecodeError:
        raise InvalidArgument("the payload is not a serialized CaseRecord", field="envelope.payload") from None
    return record


def refuse_unknown_fields(record: records_pb2.CaseRecord, payload: bytes) -> None:
    """INVALID_ARGUMENT naming the first message that carries a field this gateway does not know:
    a newer partner's field the graph would silently drop (docs/api.md).

    Detected by size: every backend (upb included, where ByteSize() counts unknown fields
    and so equals the payload's length either way) counts unknown fields in ByteSize(), and
    discarding them shrinks it. The record is the admission's own parse, so discarding in place
    costs nothing to anyone (~2 us); the slow walk that names the field runs on refusal only.
    """
    size = record.ByteSize()
    record.DiscardUnknownFields()
    if record.ByteSize() == size:
        return
    path, number = _first_unknown(records_pb2.CaseRecord.FromString(payload), "record")
    raise InvalidArgument(
        f"field number {number} is not part of this gateway's CaseRecord schema (a newer version of it?); "
        "send only the fields of proto/regulink/v1/records.proto",
        field=path,
    )


def _first_unknown(message, path: str) -> tuple[str, int] | None:
    unknown = UnknownFieldSet(message)
    if len(unknown):
        return path, unknown[0].field_number
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None:
            continue
        if descriptor.is_repeated:
            children = [(f"{path}.{descriptor.name}[{i}]", child) for i, child in enumerate(value)]
        else:
            children = [(f"{path}.{descriptor.name}", value)]
        for child_path, child in children:
            found = _first_unknown(child, child_path)
            if found:
                return found
    return None
