"""Fallback rule for chains without a dedicated module.

With no checksum to lean on, the rule only refuses what cannot be an
address and never changes a character that might matter:

* surrounding whitespace is trimmed; whitespace inside is rejected (it would
  hide two values pasted together);
* characters limited to ``[A-Za-z0-9:._-]`` (covers Base58, hex, bech32,
  ``X-avax1…``, ``addr1…``, ``EQ…-_`` Base64url TON addresses, …);
* 8..128 characters;
* case preserved (many of these encodings are case-sensitive), no checksum.

>>> validate("  addr1qx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer  ")
'addr1qx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer'
>>> is_valid("abc def ghi")
False
"""

from __future__ import annotations

import re

from ..errors import InvalidFormat, InvalidIdentifier, InvalidLength

MIN_LENGTH = 8
MAX_LENGTH = 128
_ALLOWED = re.compile(r"[A-Za-z0-9:._-]+")


def compact(value: str) -> str:
    """Trim surrounding whitespace only."""
    return value.strip()


def validate(value: str) -> str:
    """Return the trimmed address, or raise."""
    address = compact(value)
    if any(c.isspace() for c in address):
        raise InvalidFormat("address contains whitespace", value)
    if not MIN_LENGTH <= len(address) <= MAX_LENGTH:
        raise InvalidLength(f"address is {len(address)} characters, expected {MIN_LENGTH}..{MAX_LENGTH}", value)
    if not _ALLOWED.fullmatch(address):
        raise InvalidFormat("address has a character outside [A-Za-z0-9:._-]", value)
    return address


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """Display form: the trimmed address."""
    return validate(value)
