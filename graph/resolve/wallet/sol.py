"""Solana (SOL) addresses: an ed25519 public key (or a program-derived address) in Base58.

The address is the 32 key bytes in Base58 (Bitcoin alphabet), 32 to 44
characters. **There is no checksum**: any 32 bytes are an address, so a
mistyped character still decodes, to another key. What is checked is the
alphabet and that the text decodes to exactly 32 bytes; the chain registry
marks SOL as carrying no checksum (``Chain.checksum``), and connectors say
so on the wallet. The key bytes are not required to be a curve point:
program-derived addresses are, by design, off the curve.

Normalized: unchanged (Base58 is case-sensitive).

>>> validate("833XorXTTx5iya5B3Tr6iqEs9GbRuvVfwyLCP2vpdzhq")
'833XorXTTx5iya5B3Tr6iqEs9GbRuvVfwyLCP2vpdzhq'
>>> is_valid("833XorXTTx5iya5B3Tr6iqEs9GbRuvVfwyLCP2vpdz")
False
"""

from __future__ import annotations

import re

from ..errors import InvalidIdentifier, InvalidLength
from ._base58 import b58decode

_WHITESPACE = re.compile(r"\s+")


def compact(value: str) -> str:
    """Trim surrounding whitespace only (no checksum would catch a stray character)."""
    return value.strip()


def validate(value: str) -> str:
    """The address, when it is Base58 of exactly 32 bytes; else raise."""
    address = compact(value)
    if not 32 <= len(address) <= 44:
        raise InvalidLength(f"a Solana address has 32..44 characters, not {len(address)}", value)
    raw = b58decode(address)
    if len(raw) != 32:
        raise InvalidLength(f"a Solana address decodes to 32 bytes, not {len(raw)}", value)
    return address


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """Display form: the address."""
    return validate(value)
