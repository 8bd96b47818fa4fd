"""Ed25519 keys: generation, files, and key ids (SHA-256 of the raw public key)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

RAW = serialization.Encoding.Raw


def raw_public_key(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(RAW, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey | Ed25519PrivateKey | bytes) -> str:
    """Lowercase hex SHA-256 of the raw 32-byte public key (docs/signing.md)."""
    raw = key if isinstance(key, bytes) else raw_public_key(key)
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key has 32 bytes, got {len(raw)}")
    return hashlib.sha256(raw).hexdigest()


def generate() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def write_private_key(key: Ed25519PrivateKey, path: Path) -> None:
    """PKCS#8 PEM, file mode 0600, never overwriting an existing key."""
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def write_public_key(key: Ed25519PrivateKey | Ed25519PublicKey, path: Path) -> None:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(path_or_bytes: Path | bytes) -> Ed25519PublicKey:
    """A PEM SubjectPublicKeyInfo file, or raw 32 bytes / 64 hex characters."""
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    if data.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    text = data.strip()
    if len(text) == 64:
        data = bytes.fromhex(text.decode())
    return Ed25519PublicKey.from_public_bytes(data)
