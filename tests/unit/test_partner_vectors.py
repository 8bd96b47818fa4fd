"""docs/vectors/partner.json: every byte a partner in another language checks its code against.

The file is what the code produces from fixed keys, salts and nonces: an
envelope, a record with recipient commitments and its disclosure, a signed
tree head note and signature, an inclusion proof and a consistency proof (and
the equal-size rule). This test recomputes each value and compares; run
`python -m tests.unit.test_partner_vectors` to write the file again after a
deliberate change of format (and say so in docs/).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway import dsse, keys, recipients
from gateway.ledger import checkpoint, proof, verify
from gateway.ledger.hashing import commitment_leaf_hash
from gateway.sdk.receipts import canonical_envelope
from regulink.v1 import exchange_pb2, records_pb2

PATH = Path(__file__).parents[2] / "docs" / "vectors" / "partner.json"
AUTHOR_KEY = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 7.1 TEST 1
LOG_KEY = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"  # RFC 8032 7.1 TEST 2
ORIGIN = "example.regulink/log"
TIMESTAMP_MS = 1764000000000
LOG_SIZE = 7


def _key(hex_secret: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(hex_secret))


def _record(n: int, tlp: int = records_pb2.TLP_GREEN) -> records_pb2.CaseRecord:
    record = records_pb2.CaseRecord(record_id=f"EX-{n}", agency_id="fsa-jp", case_reference="C-1", version=1,
                                    tlp=tlp)
    record.issued_at.seconds = 1764000000
    wallet = record.entities.add(ref="w", type=records_pb2.ENTITY_TYPE_CRYPTO_WALLET)
    wallet.identifiers.add(kind="wallet", scheme="BTC", value="bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
    return record


def _envelope(record: records_pb2.CaseRecord) -> bytes:
    return canonical_envelope(dsse.sign(dsse.CASE_RECORD_TYPE, record.SerializeToString(), [_key(AUTHOR_KEY)]))


def vectors() -> dict:
    author, log_key = _key(AUTHOR_KEY), _key(LOG_KEY)
    envelope = _envelope(_record(1))
    nonce = bytes(range(32))

    # Recipient commitments: fixed salts and padding, in this (otherwise random) order.
    shared = _record(2, records_pb2.TLP_AMBER)
    salts = {"npa-cyber": bytes([0x11] * 32), "mas-sg": bytes([0x22] * 32)}
    padding = [bytes([0x33] * 32), bytes([0x44] * 32)]
    commitments = [recipients.commitment(salts["npa-cyber"], "npa-cyber"), padding[0],
                   recipients.commitment(salts["mas-sg"], "mas-sg"), padding[1]]
    shared.recipient_commitments.extend(commitments)
    disclosure = exchange_pb2.Disclosure(recipients=[exchange_pb2.Recipient(agency_id=a, salt=s)
                                                     for a, s in sorted(salts.items())])
    shared_envelope = _envelope(shared)

    # A log of LOG_SIZE entries: record EX-i with nonce (i, i, …).
    leaves = [commitment_leaf_hash(bytes([i] * 32), _envelope(_record(i))) for i in range(1, LOG_SIZE + 1)]
    tree = proof.MemoryTree(leaves)
    root = proof.root(tree, LOG_SIZE)
    note, signature = checkpoint.sign(checkpoint.TreeHead(ORIGIN, LOG_SIZE, root, TIMESTAMP_MS), log_key)
    old_size = 4
    return {
        "about": "Partner conformance vectors, every value hex unless named *_text; checked by "
                 "tests/unit/test_partner_vectors.py. Keys: RFC 8032 section 7.1 TEST 1 (author) and TEST 2 (log).",
        "envelope": {
            "author_secret_key": AUTHOR_KEY,
            "author_keyid": keys.key_id(author),
            "payload": _record(1).SerializeToString().hex(),
            "envelope_bytes": envelope.hex(),
            "envelope_sha256": hashlib.sha256(envelope).hexdigest(),
            "nonce": nonce.hex(),
            "leaf_hash": commitment_leaf_hash(nonce, envelope).hex(),
        },
        "recipient_commitments": {
            "rule": "commitment = SHA-256(salt || UTF-8 agency_id); padding entries are random 32-byte values",
            "record_payload": shared.SerializeToString().hex(),
            "commitments": [c.hex() for c in commitments],
            "salts": {agency: salt.hex() for agency, salt in sorted(salts.items())},
            "padding": [p.hex() for p in padding],
            "disclosure_bytes": disclosure.SerializeToString().hex(),
            "envelope_bytes": shared_envelope.hex(),
        },
        "log": {
            "log_secret_key": LOG_KEY,
            "log_public_key": keys.raw_public_key(log_key).hex(),
            "log_keyid": keys.key_id(log_key),
            "leaves": [leaf.hex() for leaf in leaves],
            "leaves_text": "leaf i (0-based) = leaf_hash of envelope EX-{i+1} (as 'envelope', record_id changed) "
                           "with nonce 32 bytes of value i+1",
            "tree_size": LOG_SIZE,
            "root_hash": root.hex(),
            "note_text": note.decode(),
            "note": note.hex(),
            "note_signature": signature.hex(),
            "inclusion": {"log_index": 3, "tree_size": LOG_SIZE,
                          "hashes": [h.hex() for h in proof.inclusion_proof(tree, 3, LOG_SIZE)]},
            "consistency": {"first_size": old_size, "second_size": LOG_SIZE,
                            "first_root": proof.root(tree, old_size).hex(),
                            "hashes": [h.hex() for h in proof.consistency_proof(tree, old_size, LOG_SIZE)]},
            "consistency_equal_sizes": {"first_size": LOG_SIZE, "second_size": LOG_SIZE, "hashes": [],
                                        "rule": "valid exactly when both roots are equal (empty proof)"},
        },
    }


def test_the_published_vectors_are_what_the_code_computes():
    assert json.loads(PATH.read_text()) == json.loads(json.dumps(vectors()))


def test_the_published_proofs_verify_with_the_published_values_only():
    """A partner's checks, from the file alone."""
    data = json.loads(PATH.read_text())
    log = data["log"]
    public = keys.load_public_key(bytes.fromhex(log["log_public_key"]))
    head = checkpoint.verify(bytes.fromhex(log["note"]), bytes.fromhex(log["note_signature"]), public, origin=ORIGIN)
    assert head.root_hash.hex() == log["root_hash"] and head.tree_size == log["tree_size"]
    leaf = bytes.fromhex(log["leaves"][log["inclusion"]["log_index"]])
    verify.verify_inclusion(leaf, 3, head.tree_size, [bytes.fromhex(h) for h in log["inclusion"]["hashes"]],
                            head.root_hash)
    c = log["consistency"]
    verify.verify_consistency(c["first_size"], c["second_size"], bytes.fromhex(c["first_root"]), head.root_hash,
                              [bytes.fromhex(h) for h in c["hashes"]])
    verify.verify_consistency(LOG_SIZE, LOG_SIZE, head.root_hash, head.root_hash, [])
    shared = data["recipient_commitments"]
    record = records_pb2.CaseRecord.FromString(bytes.fromhex(shared["record_payload"]))
    for agency, salt in shared["salts"].items():
        assert recipients.is_recipient(record, agency, bytes.fromhex(salt))
        assert hashlib.sha256(bytes.fromhex(salt) + agency.encode()).hexdigest() in shared["commitments"]


if __name__ == "__main__":
    PATH.parent.mkdir(exist_ok=True)
    PATH.write_text(json.dumps(vectors(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {PATH}", file=sys.stderr)
