"""TRON (TRX) addresses.

A TRON address is Base58Check (Bitcoin alphabet) over 21 bytes:
0x41 followed by the 20-byte account id; as text it starts with ``T`` and
is 34 characters. The same bytes are often written in hex as ``41…``
(42 hex digits, sometimes with ``0x``); that form is accepted and normalized
to the Base58 ``T…`` form, so both spellings give one merge key.

Rejected: the legacy testnet version 0xa0 (``27…``); today's TRON testnets
use mainnet-format addresses, so there is no separate testnet chain code.

Normalized: the Base58 ``T…`` address (case-sensitive, unchanged).

>>> validate("41866d72460954b4d42d18e63880d26673e6b708f4")
'TNDzfERDpxLDS2w1q6yaFC7pzqaSQ3Bg3r'
>>> to_hex("TNDzfERDpxLDS2w1q6yaFC7pzqaSQ3Bg3r")
'41866d72460954b4d42d18e63880d26673e6b708f4'
"""

from __future__ import annotations

import re

from ..errors import InvalidFormat, InvalidIdentifier, InvalidLength
from ._base58 import b58check_decode, b58check_encode

VERSION = 0x41
_LEGACY_TESTNET = 0xA0
_WHITESPACE = re.compile(r"\s+")
_HEX = re.compile(r"(?:0[xX])?([0-9a-fA-F]+)")


def compact(value: str) -> str:
    """Remove whitespace.

    >>> compact(" TNDzfERDpxLDS2w1q6yaFC7pzqaSQ3Bg3r ")
    'TNDzfERDpxLDS2w1q6yaFC7pzqaSQ3Bg3r'
    """
    return _WHITESPACE.sub("", value)


def _from_hex(value: str, digits: str) -> str:
    if len(digits) != 42:
        raise InvalidLength(f"hex TRON address has {len(digits)} digits, expected 42 (41 + 20 bytes)", value)
    payload = bytes.fromhex(digits)
    if payload[0] != VERSION:
        raise InvalidFormat("hex TRON address must start with 41", value)
    return b58check_encode(payload)


def validate(value: str) -> str:
    """Return the Base58 ``T…`` address, or raise."""
    address = compact(value)
    hex_match = _HEX.fullmatch(address)
    if hex_match and not address.startswith("T"):
        return _from_hex(value, hex_match.group(1))
    payload = b58check_decode(address, size=25)
    if payload[0] != VERSION:
        if payload[0] == _LEGACY_TESTNET:
            raise InvalidFormat("legacy TRON testnet address (version 0xa0), not mainnet", value)
        raise InvalidFormat(f"version byte 0x{payload[0]:02x} is not TRON's 0x41", value)
    return address


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """Display form: the Base58 ``T…`` address."""
    return validate(value)


def to_hex(value: str) -> str:
    """The ``41…`` hex form (lower case) of a valid TRON address."""
    return b58check_decode(validate(value), size=25).hex()
