"""DSSE PAE, signing and verification against the published vectors, then every tamper by name."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway import dsse, keys
from gateway.errors import BadSignature, InvalidArgument, UnknownKey
from regulink.v1 import envelope_pb2

VECTORS = json.loads((Path(__file__).parents[2] / "vectors" / "dsse.json").read_text())
ED25519 = json.loads((Path(__file__).parents[2] / "vectors" / "ed25519.json").read_text())
FIXTURES = VECTORS["ed25519_fixtures"]
FIXTURE_KEY = keys.load_public_key(FIXTURES["key"]["public_key_pem"].encode())
FIXTURE_SIGNER = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(FIXTURES["key"]["test_seed_hex"]))


def lookup_only(*known: Ed25519PublicKey):
    table = {keys.key_id(k): k for k in known}

    def lookup(key_id: str, field: str) -> Ed25519PublicKey:
        if key_id not in table:
            raise UnknownKey(f"key {key_id} is not registered", field=field)
        return table[key_id]

    return lookup


def b64(text: str) -> bytes:
    """DSSE JSON allows standard and URL-safe base64 (protocol.md)."""
    return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))


def from_json(envelope: dict) -> envelope_pb2.Envelope:
    message = envelope_pb2.Envelope(payload=b64(envelope["payload"]), payload_type=envelope["payloadType"])
    for signature in envelope["signatures"]:
        message.signatures.add(keyid=signature.get("keyid", ""), sig=b64(signature["sig"]))
    return message


def test_spec_pae_example():
    example = VECTORS["spec_example"]
    pae = dsse.pae(example["payload_type"], example["serialized_body_utf8"].encode())
    assert pae == example["pae_utf8"].encode()


def test_fixture_key_id_is_sha256_of_raw_public_key():
    assert keys.key_id(FIXTURE_KEY) == FIXTURES["key"]["key_id"]
    assert keys.key_id(FIXTURE_SIGNER) == FIXTURES["key"]["key_id"]


@pytest.mark.parametrize("fixture", FIXTURES["fixtures"], ids=lambda f: f["name"])
def test_published_fixture(fixture):
    payload = base64.b64decode(fixture["payload_b64"])
    pae = dsse.pae(fixture["payload_type"], payload)
    if "pae_b64" in fixture:
        assert pae == base64.b64decode(fixture["pae_b64"])
    # Ed25519 is deterministic: our signing reproduces the published signature.
    envelope = dsse.sign(fixture["payload_type"], payload, [FIXTURE_SIGNER])
    assert envelope.signatures[0].sig == base64.b64decode(fixture["signature_b64"])
    verified = dsse.verify(from_json(fixture["envelope"]), lookup_only(FIXTURE_KEY))
    assert verified.payload == payload
    assert verified.key_ids == (FIXTURES["key"]["key_id"],)


@pytest.mark.parametrize("case", VECTORS["negative_derived"]["cases"], ids=lambda c: c["name"])
def test_derived_negative(case):
    if "wrong_pae_b64" in case:
        # A character-count PAE must not be what we sign, and the signature must not cover it.
        wrong = base64.b64decode(case["wrong_pae_b64"])
        source = next(f for f in FIXTURES["fixtures"] if f["name"] == case["from"])
        assert dsse.pae(source["payload_type"], base64.b64decode(source["payload_b64"])) != wrong
        with pytest.raises(InvalidSignature):
            FIXTURE_KEY.verify(base64.b64decode(case["signature_b64"]), wrong)
        return
    envelope = from_json(case["envelope"])
    if case["expect"] == "accept":
        assert dsse.verify(envelope, lookup_only(FIXTURE_KEY)).payload == envelope.payload
    else:
        with pytest.raises(BadSignature) as failure:
            dsse.verify(envelope, lookup_only(FIXTURE_KEY))
        assert failure.value.field == "envelope.signatures[0].sig"


@pytest.mark.parametrize("vector", ED25519["rfc8032_section_7_1"]["vectors"], ids=lambda v: v["name"])
def test_rfc8032_vectors(vector):
    signer = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["secret_key"]))
    assert keys.raw_public_key(signer).hex() == vector["public_key"]
    assert signer.sign(bytes.fromhex(vector["message"])).hex() == vector["signature"]


@pytest.mark.parametrize("case", ED25519["wycheproof_verify"]["tests"], ids=lambda c: f"tc{c['tcId']}")
def test_wycheproof_verify(case):
    """Our verifier (cryptography/OpenSSL) must reject every malleable or malformed signature."""
    try:
        public_key = keys.load_public_key(bytes.fromhex(case["pk"]))
    except ValueError:
        assert case["result"] == "invalid"
        return
    envelope = envelope_pb2.Envelope(payload=b"", payload_type="x")
    envelope.signatures.add(keyid=keys.key_id(public_key), sig=bytes.fromhex(case["sig"]))
    accepted = True
    try:
        public_key.verify(bytes.fromhex(case["sig"]), bytes.fromhex(case["msg"]))
    except InvalidSignature:
        accepted = False
    assert accepted == (case["result"] == "valid")


# -- our own cases, named by fault ------------------------------------------------------------

A, B, C = (keys.generate() for _ in range(3))
TYPE = dsse.CASE_RECORD_TYPE


def test_co_signed_envelope_reports_every_signer():
    envelope = dsse.sign(TYPE, b"record", [A, B])
    verified = dsse.verify(envelope, lookup_only(A.public_key(), B.public_key()))
    assert verified.key_ids == (keys.key_id(A), keys.key_id(B))


def test_forged_co_signature_is_refused_not_ignored():
    envelope = dsse.sign(TYPE, b"record", [A, B])
    envelope.signatures[1].sig = C.sign(dsse.pae(TYPE, b"record"))
    with pytest.raises(BadSignature) as failure:
        dsse.verify(envelope, lookup_only(A.public_key(), B.public_key()))
    assert failure.value.field == "envelope.signatures[1].sig"


def test_tampered_payload():
    envelope = dsse.sign(TYPE, b"record", [A])
    envelope.payload = b"recorD"
    with pytest.raises(BadSignature):
        dsse.verify(envelope, lookup_only(A.public_key()))


def test_payload_type_mismatch():
    envelope = dsse.sign(TYPE, b"record", [A])
    envelope.payload_type = "application/json"
    with pytest.raises(BadSignature):
        dsse.verify(envelope, lookup_only(A.public_key()))


def test_wrong_key_claimed():
    envelope = dsse.sign(TYPE, b"record", [A])
    envelope.signatures[0].keyid = keys.key_id(B)
    with pytest.raises(BadSignature):
        dsse.verify(envelope, lookup_only(A.public_key(), B.public_key()))


def test_unknown_key():
    with pytest.raises(UnknownKey) as failure:
        dsse.verify(dsse.sign(TYPE, b"record", [C]), lookup_only(A.public_key()))
    assert failure.value.field == "envelope.signatures[0].keyid"


def test_truncated_signature():
    envelope = dsse.sign(TYPE, b"record", [A])
    envelope.signatures[0].sig = envelope.signatures[0].sig[:63]
    with pytest.raises(BadSignature, match="64 bytes"):
        dsse.verify(envelope, lookup_only(A.public_key()))


def test_no_signature_and_missing_keyid_and_repeated_signer():
    with pytest.raises(InvalidArgument, match="no signature"):
        dsse.verify(envelope_pb2.Envelope(payload=b"x", payload_type=TYPE), lookup_only())
    envelope = dsse.sign(TYPE, b"record", [A])
    envelope.signatures[0].keyid = ""
    with pytest.raises(InvalidArgument) as failure:
        dsse.verify(envelope, lookup_only(A.public_key()))
    assert failure.value.field == "envelope.signatures[0].keyid"
    twice = dsse.sign(TYPE, b"record", [A, A])
    with pytest.raises(InvalidArgument, match="signs twice"):
        dsse.verify(twice, lookup_only(A.public_key()))


@settings(max_examples=50, deadline=None)
@given(payload_type=st.text(min_size=1, max_size=40), payload=st.binary(max_size=200))
def test_pae_counts_bytes_and_round_trips(payload_type, payload):
    pae = dsse.pae(payload_type, payload)
    type_bytes = payload_type.encode()
    assert pae == b"DSSEv1 " + str(len(type_bytes)).encode() + b" " + type_bytes + b" " + \
        str(len(payload)).encode() + b" " + payload
    envelope = dsse.sign(payload_type, payload, [A])
    assert dsse.verify(envelope, lookup_only(A.public_key())).payload == payload
