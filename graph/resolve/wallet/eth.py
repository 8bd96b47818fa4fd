"""Ethereum and other EVM-chain addresses (EIP-55).

One rule for every EVM chain (ETH, ETC, BSC, POL, ARB, OP, BASE, AVAX-C…):
``0x`` followed by 40 hex digits.

* All-lower or all-upper hex carries no checksum and is accepted as is.
* Mixed case is an EIP-55 checksum and must match: Keccak-256 of the
  lower-case hex (no prefix) decides, per letter, upper (hash nibble >= 8)
  or lower case.
* Prefix: the uppercase ``0X`` is accepted and normalized to ``0x``. EIP-55
  says nothing about the prefix; ``0X`` appears when a spreadsheet or OCR
  upper-cases a whole cell, and the hex that follows is still checked.
  A missing prefix is rejected: bare 40-hex strings are also hashes, keys and
  other chains' formats, and we do not guess.
* Whitespace anywhere is removed.

Normalized: ``0x`` + lower-case hex. :func:`format` gives the EIP-55 form.
Keccak-256 comes from pycryptodome (``Crypto.Hash.keccak``; a declared
project dependency); hashlib's ``sha3_256`` uses different padding.

>>> validate("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
'0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'
>>> format("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED")
'0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
>>> validate("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")
Traceback (most recent call last):
    ...
graph.resolve.errors.InvalidChecksum: bad EIP-55 checksum: 0x5aAeb6053F…
"""

from __future__ import annotations

import re

from Crypto.Hash import keccak

from ..errors import InvalidChecksum, InvalidFormat, InvalidIdentifier, InvalidLength

_WHITESPACE = re.compile(r"\s+")
_HEX = re.compile(r"[0-9a-fA-F]*")


def keccak256(data: bytes) -> bytes:
    """Keccak-256 (the pre-SHA-3 padding Ethereum uses)."""
    return keccak.new(digest_bits=256, data=data).digest()


def checksum_encode(hex40: str) -> str:
    """EIP-55 form of 40 hex digits (any case), with ``0x``."""
    lower = hex40.lower()
    digest = keccak256(lower.encode("ascii")).hex()
    return "0x" + "".join(
        c.upper() if c.isalpha() and int(h, 16) >= 8 else c for c, h in zip(lower, digest)
    )


def compact(value: str) -> str:
    """Remove whitespace and lower-case an uppercase ``0X`` prefix.

    >>> compact(" 0XDE709F2102306220921060314715629080E2FB77 ")
    '0xDE709F2102306220921060314715629080E2FB77'
    """
    value = _WHITESPACE.sub("", value)
    if value.startswith("0X"):
        value = "0x" + value[2:]
    return value


def validate(value: str) -> str:
    """Return ``0x`` + 40 lower-case hex digits, or raise."""
    address = compact(value)
    if not address.startswith("0x"):
        raise InvalidFormat("EVM address must start with 0x", value)
    body = address[2:]
    if not _HEX.fullmatch(body):
        raise InvalidFormat("EVM address has a non-hex character", value)
    if len(body) != 40:
        raise InvalidLength(f"EVM address has {len(body)} hex digits, expected 40", value)
    if body != body.lower() and body != body.upper() and checksum_encode(body) != address:
        raise InvalidChecksum("bad EIP-55 checksum", value)
    return "0x" + body.lower()


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """EIP-55 checksummed display form."""
    return checksum_encode(validate(value)[2:])
