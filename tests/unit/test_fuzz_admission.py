"""Fuzzing the admission path (issue 6): over 10,000 malformed inputs, no crash and no acceptance.

Three attackers: random bytes on the wire; a valid envelope with bytes flipped anywhere (the
payload, a signature, a key id, a tag); and a partner with a registered key that signs
garbage. Every input must end in a typed RegulinkError (which the gateway maps to a status
code), never another exception, and only an untouched envelope may be admitted.
"""

from __future__ import annotations

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway import keys
from gateway.dsse import CASE_RECORD_TYPE, sign
from gateway.errors import RegulinkError
from gateway.sdk.client import sign_record
from gateway.server.admission.admit import Limits, admit
from gateway.server.registry import Registry
from gateway.server.rpc import Malformed, _lenient
from regulink.v1 import envelope_pb2, records_pb2

EXAMPLES = 3500  # per attacker: 10,500 in all
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
KEY = keys.generate()
parse_envelope = _lenient(envelope_pb2.Envelope)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    registry = Registry(tmp_path_factory.mktemp("fuzz") / "registry.db")
    registry.add_agency("fsa-jp", "Financial Services Agency", "regulator", "JP")
    registry.add_key("fsa-jp", keys.raw_public_key(KEY))
    yield registry.snapshot()
    registry.close()


def valid_envelope() -> bytes:
    issued = Timestamp()
    issued.FromSeconds(1_764_000_000)
    record = records_pb2.CaseRecord(record_id="fuzz-1", agency_id="fsa-jp", version=1, issued_at=issued,
                                    tlp=records_pb2.TLP_GREEN, summary="seed")
    entity = record.entities.add(ref="w", type=records_pb2.ENTITY_TYPE_CRYPTO_WALLET)
    entity.identifiers.add(kind="wallet", scheme="ETH", value="0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    return sign_record(record, [KEY]).SerializeToString()


VALID = valid_envelope()


def outcome(wire: bytes, snapshot) -> str:
    """'accepted', 'refused' or 'malformed'; any other exception fails the test."""
    envelope = parse_envelope(wire)
    if isinstance(envelope, Malformed):
        return "malformed"
    try:
        admit(envelope, "fsa-jp", snapshot, Limits())
    except RegulinkError:
        return "refused"
    return "accepted"


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_are_never_admitted(snapshot, wire):
    assert outcome(wire, snapshot) in ("malformed", "refused")


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(1, 255)), min_size=1, max_size=4))
def test_a_tampered_envelope_is_never_admitted(snapshot, flips):
    wire = bytearray(VALID)
    for position, mask in flips:
        wire[position] ^= mask
    result = outcome(bytes(wire), snapshot)
    if result == "accepted":
        # Only a flip that leaves what was signed intact may pass (none is expected to).
        original, tampered = envelope_pb2.Envelope.FromString(VALID), envelope_pb2.Envelope.FromString(bytes(wire))
        assert (tampered.payload, tampered.payload_type) == (original.payload, original.payload_type)
        # (A keyid's hex in another case names the same key: docs/signing.md.)
        assert [(s.keyid.lower(), s.sig) for s in tampered.signatures] == [
            (s.keyid.lower(), s.sig) for s in original.signatures]


@FUZZ
@given(st.binary(max_size=1024))
def test_signed_garbage_is_refused_not_crashed(snapshot, payload):
    wire = sign(CASE_RECORD_TYPE, payload, [KEY]).SerializeToString()
    assert outcome(wire, snapshot) in ("refused", "accepted")


def test_the_seed_itself_is_admitted(snapshot):
    assert outcome(VALID, snapshot) == "accepted"  # so the refusals above are the fuzzing's doing
