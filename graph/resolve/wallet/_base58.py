"""Base58Check decoding and encoding shared by the BTC, LTC, TRON and XRP rules.

Base58 itself comes from the ``base58`` package (its ``alphabet`` parameter
gives the Ripple alphabet); this module adds the strict checks we need for a
merge key: every character in the alphabet (the package silently strips
trailing whitespace), an exact decoded length, and the 4-byte double-SHA-256
checksum reported as its own error.

>>> payload = b58check_decode("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", size=25)
>>> payload[0], len(payload)
(0, 21)
>>> b58check_encode(payload)
'1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2'
"""

from __future__ import annotations

import hashlib

import base58

from ..errors import InvalidChecksum, InvalidFormat, InvalidLength

BITCOIN_ALPHABET: str = base58.BITCOIN_ALPHABET.decode("ascii")
RIPPLE_ALPHABET: str = base58.RIPPLE_ALPHABET.decode("ascii")

# Base58 decoding is quadratic in the input length; no address we accept is
# longer than this (or than twice its byte size: a Zcash Sprout address has 95
# characters for 70 bytes), so longer junk is refused before any arithmetic.
MAX_CHARS = 64


def sha256d(data: bytes) -> bytes:
    """Double SHA-256, the Base58Check checksum hash."""
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def b58decode(value: str, *, alphabet: str = BITCOIN_ALPHABET) -> bytes:
    """Plain Base58 decoding (no checksum); raises InvalidFormat on a bad character."""
    for char in value:
        if char not in alphabet:
            raise InvalidFormat(f"character {char!r} is not in the base58 alphabet", value)
    return base58.b58decode(value.encode("ascii"), alphabet=alphabet.encode("ascii"))


def b58encode(data: bytes, *, alphabet: str = BITCOIN_ALPHABET) -> str:
    """Plain Base58 encoding (no checksum)."""
    return base58.b58encode(data, alphabet=alphabet.encode("ascii")).decode("ascii")


def b58check_decode(value: str, *, size: int, alphabet: str = BITCOIN_ALPHABET) -> bytes:
    """Decode Base58Check text of exactly ``size`` bytes (checksum included).

    Returns the payload without its 4 checksum bytes.
    """
    if not value:
        raise InvalidLength("empty address", value)
    if len(value) > max(MAX_CHARS, 2 * size):
        raise InvalidLength(f"{len(value)} characters is too long for a base58 address", value)
    raw = b58decode(value, alphabet=alphabet)
    if len(raw) != size:
        raise InvalidLength(f"base58 address decodes to {len(raw)} bytes, expected {size}", value)
    payload, check = raw[:-4], raw[-4:]
    if sha256d(payload)[:4] != check:
        raise InvalidChecksum("bad base58check checksum", value)
    return payload


def b58check_encode(payload: bytes, *, alphabet: str = BITCOIN_ALPHABET) -> str:
    """Base58Check-encode ``payload`` (appends the 4-byte checksum)."""
    return b58encode(payload + sha256d(payload)[:4], alphabet=alphabet)
