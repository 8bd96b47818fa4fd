"""The worked example in docs/signing.md is what the code produces, byte for byte."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway import dsse, keys
from gateway.ledger.hashing import commitment_leaf_hash
from gateway.sdk.receipts import canonical_envelope
from regulink.v1 import records_pb2

DOC = (Path(__file__).parents[2] / "docs" / "signing.md").read_text()
ROWS = dict(re.findall(r"^\| ([^|]+?) \| `([^`]+)` \|$", DOC, re.M))
RFC8032_TEST1 = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"


def example_record() -> records_pb2.CaseRecord:
    record = records_pb2.CaseRecord(record_id="EX-1", agency_id="fsa-jp", case_reference="C-1", version=1,
                                    tlp=records_pb2.TLP_GREEN)
    record.issued_at.seconds = 1764000000
    wallet = record.entities.add(ref="w", type=records_pb2.ENTITY_TYPE_CRYPTO_WALLET)
    wallet.identifiers.add(kind="wallet", scheme="BTC", value="bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
    return record


def test_worked_example_matches_the_code():
    assert len(ROWS) == 9, ROWS.keys()
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(RFC8032_TEST1))
    payload = example_record().SerializeToString()
    assert payload.hex() == ROWS["payload (97 bytes)"] and len(payload) == 97
    pae = dsse.pae(dsse.CASE_RECORD_TYPE, payload)
    assert pae == ROWS["PAE prefix (ASCII)"].encode() + payload
    envelope = dsse.sign(dsse.CASE_RECORD_TYPE, payload, [key])
    assert keys.key_id(key) == ROWS["keyid"]
    assert envelope.signatures[0].sig.hex() == ROWS["sig"]
    data = canonical_envelope(envelope)
    assert len(data) == 284
    assert hashlib.sha256(data).hexdigest() == ROWS["envelope_bytes (284 bytes), SHA-256"]
    assert commitment_leaf_hash(bytes(range(32)), data).hex() == ROWS["leaf_hash with nonce 00 01 02 … 1f"]


def test_recipient_commitments_example_matches_the_code():
    from gateway import recipients
    from regulink.v1 import exchange_pb2

    assert recipients.commitment(bytes([0x11] * 32), "npa-cyber").hex() == ROWS["SHA-256(salt ‖ \"npa-cyber\")"]
    assert recipients.commitment(bytes([0x22] * 32), "mas-sg").hex() == ROWS["SHA-256(salt ‖ \"mas-sg\")"]
    disclosure = exchange_pb2.Disclosure(recipients=[
        exchange_pb2.Recipient(agency_id="mas-sg", salt=bytes([0x22] * 32)),
        exchange_pb2.Recipient(agency_id="npa-cyber", salt=bytes([0x11] * 32))])
    assert disclosure.SerializeToString().hex() == ROWS["Disclosure bytes (2 recipients)"]
