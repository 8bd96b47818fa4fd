"""DSSE v1.0.0 (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md).

PAE, signing and verification over the payload bytes exactly as received.
Verification raises; it never returns False. The key id is only a hint for
the lookup: what counts is that the signature verifies under the key found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gateway import keys
from gateway.errors import BadSignature, InvalidArgument
from regulink.v1 import envelope_pb2

CASE_RECORD_TYPE = "application/vnd.regulink.case-record.v1+protobuf"
SIGNATURE_SIZE = 64
HEX_KEYID = re.compile(r"[0-9A-Fa-f]{64}")


def pae(payload_type: str, payload: bytes) -> bytes:
    """Pre-Authentication Encoding; lengths count BYTES (UTF-8 for the type)."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(type_bytes), type_bytes, len(payload), payload)


def sign(payload_type: str, payload: bytes, signers: Iterable[Ed25519PrivateKey]) -> envelope_pb2.Envelope:
    """An envelope with one signature per signer (co-signing when several)."""
    message = pae(payload_type, payload)
    envelope = envelope_pb2.Envelope(payload=payload, payload_type=payload_type)
    for signer in signers:
        envelope.signatures.add(sig=signer.sign(message), keyid=keys.key_id(signer))
    if not envelope.signatures:
        raise ValueError("at least one signer is needed")
    return envelope


@dataclass(frozen=True)
class Verified:
    """What verification established: these bytes, signed by these keys."""

    payload_type: str
    payload: bytes
    key_ids: tuple[str, ...]


KeyLookup = Callable[[str, str], Ed25519PublicKey]
"""(keyid, field path) -> public key; raises UnknownKey / RevokedKey / … itself."""


def verify(envelope: envelope_pb2.Envelope, lookup: KeyLookup) -> Verified:
    """Check every signature of the envelope; all must verify.

    A forged co-signature is refused rather than ignored, so the ledger never
    records a signer that did not sign.
    """
    if not envelope.signatures:
        raise InvalidArgument("the envelope carries no signature", field="envelope.signatures")
    message = pae(envelope.payload_type, envelope.payload)
    seen: list[str] = []
    for i, signature in enumerate(envelope.signatures):
        field = f"envelope.signatures[{i}]"
        if not signature.keyid:
            raise InvalidArgument("keyid is required (hex SHA-256 of the raw public key)", field=f"{field}.keyid")
        # Hex in any case names the same key (docs/signing.md: lower case is canonical).
        key_id = signature.keyid.lower() if HEX_KEYID.fullmatch(signature.keyid) else signature.keyid
        if key_id in seen:
            raise InvalidArgument(f"key {key_id[:16]}… signs twice", field=f"{field}.keyid")
        if len(signature.sig) != SIGNATURE_SIZE:
            raise BadSignature(f"an Ed25519 signature has 64 bytes, got {len(signature.sig)}", field=f"{field}.sig")
        public_key = lookup(key_id, f"{field}.keyid")
        try:
            public_key.verify(signature.sig, message)
        except InvalidSignature:
            raise BadSignature(
                f"signature by key {key_id[:16]}… does not verify over PAE(payload_type, payload)",
                field=f"{field}.sig",
            ) from None
        seen.append(key_id)
    return Verified(envelope.payload_type, envelope.payload, tuple(seen))
