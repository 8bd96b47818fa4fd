"""Signed tree heads as C2SP tlog-checkpoint notes (https://c2sp.org/tlog-checkpoint).

The signed bytes are the note body, four lines each ending in "\\n":

    <origin>
    <tree size, decimal>
    <root hash, standard base64>
    timestamp <unix milliseconds>

signed with the gateway's Ed25519 log key. No database or grpc import:
partners check tree heads offline with this module and verify.py.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gateway.ledger.hashing import HASH_SIZE


class CheckpointError(ValueError):
    """A tree head whose note is malformed or whose signature does not verify."""


@dataclass(frozen=True)
class TreeHead:
    origin: str
    tree_size: int
    root_hash: bytes
    timestamp_ms: int

    def note(self) -> bytes:
        if "\n" in self.origin or not self.origin:
            raise ValueError("the origin is one non-empty line")
        root = base64.b64encode(self.root_hash).decode()
        return f"{self.origin}\n{self.tree_size}\n{root}\ntimestamp {self.timestamp_ms}\n".encode()


def parse_note(note: bytes) -> TreeHead:
    try:
        text = note.decode("utf-8")
    except UnicodeDecodeError:
        raise CheckpointError("the note is not UTF-8") from None
    lines = text.split("\n")
    if len(lines) != 5 or lines[-1] != "":
        raise CheckpointError("a checkpoint note has exactly four lines, each ending in a newline")
    origin, size, root, stamp = lines[:4]
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        raise CheckpointError("the tree size is a decimal number without leading zeros")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except binascii.Error:
        raise CheckpointError("the root hash is not standard base64") from None
    if len(root_hash) != HASH_SIZE:
        raise CheckpointError(f"the root hash has {len(root_hash)} bytes, not {HASH_SIZE}")
    if not stamp.startswith("timestamp ") or not stamp[10:].isdigit():
        raise CheckpointError("the fourth line is 'timestamp <unix ms>'")
    return TreeHead(origin, int(size), root_hash, int(stamp[10:]))


def sign(head: TreeHead, key: Ed25519PrivateKey) -> tuple[bytes, bytes]:
    """(note, signature) for a tree head."""
    note = head.note()
    return note, key.sign(note)


def verify(note: bytes, signature: bytes, public_key: Ed25519PublicKey, *, origin: str | None = None) -> TreeHead:
    """The tree head a signed note states; raises CheckpointError when it does not verify."""
    try:
        public_key.verify(signature, note)
    except InvalidSignature:
        raise CheckpointError("the tree head signature does not verify under the log key") from None
    head = parse_note(note)
    if origin is not None and head.origin != origin:
        raise CheckpointError(f"the tree head is for log {head.origin!r}, not {origin!r}")
    return head
