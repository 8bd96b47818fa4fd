"""Records carrying fields this gateway does not know are refused (docs/api.md), on the protobuf
backend actually installed: with upb, ByteSize() counts unknown fields, so the old check
(`ByteSize() != len(payload)`) never ran and such records were accepted (issue 13)."""

from __future__ import annotations

import pytest
from google.protobuf.internal import api_implementation

from gateway import keys
from gateway.errors import InvalidArgument
from gateway.sdk.client import sign_record
from gateway.server.admission.admit import Limits, admit, parse_record, refuse_unknown_fields
from gateway.server.registry import Registry
from regulink.v1 import records_pb2
from tests.e2e.conftest import make_record


def with_unknown(message, number: int = 2047, value: int = 5) -> bytes:
    """The message's bytes plus one varint field `number` its schema does not have (tag = number << 3 | 0)."""
    tag, out = number << 3, bytearray()
    while tag > 0x7F:
        out.append(tag & 0x7F | 0x80)
        tag >>= 7
    out.append(tag)
    return message.SerializeToString() + bytes(out) + bytes([value])


def record_bytes(mutate=None) -> bytes:
    record = make_record("fsa-jp")
    if mutate:
        mutate(record)
    return record.SerializeToString()


def nested_identifier(record: records_pb2.CaseRecord) -> None:
    identifier = record.entities[1].identifiers[0]
    identifier.ParseFromString(with_unknown(identifier, 100))


def nested_timestamp(record: records_pb2.CaseRecord) -> None:
    stamp = record.links[0].observed_at
    stamp.seconds = 1_700_000_000
    stamp.ParseFromString(with_unknown(stamp, 9))


def test_the_installed_backend_is_the_one_this_was_broken_on():
    # Not a requirement of the check (it works on every backend), but the reason for this file.
    assert api_implementation.Type() in ("upb", "cpp", "python")
    record = make_record("fsa-jp")
    payload = with_unknown(record)
    parsed = parse_record(payload)
    if api_implementation.Type() == "upb":
        assert parsed.ByteSize() == len(payload)  # why the old size test never fired


@pytest.mark.parametrize("payload, field", [
    (with_unknown(make_record("fsa-jp")), "record"),
    (record_bytes(nested_identifier), "record.entities[1].identifiers[0]"),
    (record_bytes(nested_timestamp), "record.links[0].observed_at"),
    (record_bytes(lambda r: r.entities[0].ParseFromString(with_unknown(r.entities[0], 15))), "record.entities[0]"),
], ids=["top level", "identifier of the second entity", "a link's Timestamp", "entity"])
def test_an_unknown_field_is_refused_naming_where_it_sits(payload, field):
    record = parse_record(payload)
    with pytest.raises(InvalidArgument) as refused:
        refuse_unknown_fields(record, payload)
    assert refused.value.field == field
    assert "not part of this gateway's CaseRecord schema" in refused.value.message


def test_a_record_without_unknown_fields_passes_and_keeps_every_field():
    payload = record_bytes(lambda r: setattr(r.links[0].observed_at, "seconds", 1_700_000_000))
    record = parse_record(payload)
    refuse_unknown_fields(record, payload)
    assert record.SerializeToString() == payload


def test_old_ledger_entries_with_unknown_fields_still_parse():
    # Entries admitted before this check are read back (Subscribe, projection): parse, don't refuse.
    payload = with_unknown(make_record("fsa-jp"))
    assert parse_record(payload).record_id


def test_admission_refuses_a_signed_record_with_an_unknown_field(tmp_path):
    registry = Registry(tmp_path / "registry.db")
    registry.add_agency("fsa-jp", "Financial Services Agency", "regulator", "JP")
    key = keys.generate()
    registry.add_key("fsa-jp", keys.raw_public_key(key))
    record = make_record("fsa-jp")
    nested_identifier(record)
    envelope = sign_record(record, [key])  # signed as sent: the bytes carry the unknown field
    with pytest.raises(InvalidArgument) as refused:
        admit(envelope, "fsa-jp", registry.snapshot(), Limits())
    assert refused.value.field == "record.entities[1].identifiers[0]"
    good = make_record("fsa-jp")
    assert admit(sign_record(good, [key]), "fsa-jp", registry.snapshot(), Limits()).record_id == good.record_id
    registry.close()
