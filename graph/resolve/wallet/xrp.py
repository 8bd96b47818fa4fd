"""XRP Ledger addresses: classic ``r…`` addresses and X-addresses (XLS-5d).

Classic: Base58Check with the Ripple alphabet
(``rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz``), version
0x00 and a 20-byte account id: 25 bytes, text starts with ``r``.

X-address: the same alphabet over 35 bytes: a 2-byte network prefix
(0x05 0x44 mainnet ``X…``, 0x04 0x93 testnet ``T…``), the account id, a flag
byte (0 = no tag, 1 = tag), an 8-byte little-endian tag field of which only
the low 32 bits are used (the high 4 bytes are reserved and must be zero, and
all 8 must be zero when the flag is 0), and the 4-byte checksum.

Merge key: the classic address. The destination tag is dropped from the key
because it names a sub-account at the receiving service (an exchange's
customer), not a different ledger account; :func:`xrp_tag` returns it so a
caller can keep it as an attribute.

Testnet policy: chain ``XRP`` rejects testnet X-addresses (``T…``), chain
``XRP-TESTNET`` rejects mainnet ones; classic addresses carry no network and
are accepted by both.

>>> validate("X7AcgcsBL6XDcUb289X4mJ8djcdyKaGZMhc9YTE92ehJ2Fu")
'r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59'
>>> xrp_tag("X7AcgcsBL6XDcUb289X4mJ8djcdyKaGZMhc9YTE92ehJ2Fu")
1
>>> encode_xaddress("r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59", 1)
'X7AcgcsBL6XDcUb289X4mJ8djcdyKaGZMhc9YTE92ehJ2Fu'
"""

from __future__ import annotations

import re

from ..errors import InvalidFormat, InvalidIdentifier, InvalidLength
from ._base58 import RIPPLE_ALPHABET, b58check_decode, b58check_encode

_ACCOUNT_VERSION = 0x00
_MAIN_PREFIX = bytes([0x05, 0x44])
_TEST_PREFIX = bytes([0x04, 0x93])
_MAX_TAG = 0xFFFFFFFF
_WHITESPACE = re.compile(r"\s+")


def compact(value: str) -> str:
    """Remove whitespace.

    >>> compact(" rG1QQv2nh2gr7RCZ1P8YYcBUKCCN633jCn ")
    'rG1QQv2nh2gr7RCZ1P8YYcBUKCCN633jCn'
    """
    return _WHITESPACE.sub("", value)


def encode_classic(account_id: bytes) -> str:
    """Classic ``r…`` address of a 20-byte account id."""
    if len(account_id) != 20:
        raise InvalidLength(f"XRP account id is {len(account_id)} bytes, expected 20", account_id.hex())
    return b58check_encode(bytes([_ACCOUNT_VERSION]) + account_id, alphabet=RIPPLE_ALPHABET)


def decode_classic(value: str) -> bytes:
    """The 20-byte account id of a classic address, or raise."""
    payload = b58check_decode(compact(value), size=25, alphabet=RIPPLE_ALPHABET)
    if payload[0] != _ACCOUNT_VERSION:
        raise InvalidFormat(f"version byte 0x{payload[0]:02x} is not an XRP account (0x00)", value)
    return payload[1:]


def encode_xaddress(classic: str, tag: int | None = None, *, test: bool = False) -> str:
    """X-address for a classic address and optional 32-bit tag."""
    if tag is not None and not 0 <= tag <= _MAX_TAG:
        raise InvalidFormat(f"destination tag {tag} is outside 0..{_MAX_TAG}")
    body = (_TEST_PREFIX if test else _MAIN_PREFIX) + decode_classic(classic)
    body += bytes([0 if tag is None else 1]) + (tag or 0).to_bytes(8, "little")
    return b58check_encode(body, alphabet=RIPPLE_ALPHABET)


def decode_xaddress(value: str) -> tuple[str, int | None, bool]:
    """Decode an X-address to (classic address, tag or None, is_test)."""
    payload = b58check_decode(compact(value), size=35, alphabet=RIPPLE_ALPHABET)
    prefix, account_id, flag, tag_bytes = payload[:2], payload[2:22], payload[22], payload[23:31]
    if prefix not in (_MAIN_PREFIX, _TEST_PREFIX):
        raise InvalidFormat("unknown X-address network prefix", value)
    if flag == 0:
        if any(tag_bytes):
            raise InvalidFormat("X-address without a tag has non-zero tag bytes", value)
        tag = None
    elif flag == 1:
        if any(tag_bytes[4:]):
            raise InvalidFormat("X-address tag uses the reserved high 32 bits", value)
        tag = int.from_bytes(tag_bytes[:4], "little")
    else:
        raise InvalidFormat(f"unsupported X-address flag {flag}", value)
    return encode_classic(account_id), tag, prefix == _TEST_PREFIX


def _decode(value: str, testnet: bool) -> tuple[str, int | None]:
    address = compact(value)
    if address.startswith("r"):
        decode_classic(address)
        return address, None
    if address.startswith(("X", "T")):
        classic, tag, is_test = decode_xaddress(address)
        if is_test != testnet:
            net = "testnet" if is_test else "mainnet"
            raise InvalidFormat(f"XRP {net} X-address, not {'testnet' if testnet else 'mainnet'}", value)
        return classic, tag
    if not address:
        raise InvalidLength("empty address", value)
    raise InvalidFormat("XRP address must start with r (classic) or X/T (X-address)", value)


def validate(value: str, *, testnet: bool = False) -> str:
    """Return the classic ``r…`` address (the merge key), or raise."""
    return _decode(value, testnet)[0]


def xrp_tag(value: str, *, testnet: bool = False) -> int | None:
    """Destination tag carried by an X-address (None for classic or untagged).

    >>> xrp_tag("rGWrZyQqhTp9Xu7G5Pkayo7bXjH4k4QYpf") is None
    True
    """
    return _decode(value, testnet)[1]


def is_valid(value: str, *, testnet: bool = False) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value, testnet=testnet)
    except InvalidIdentifier:
        return False
    return True


def format(value: str, *, testnet: bool = False) -> str:
    """Display form: the classic address (use :func:`xrp_tag` for the tag)."""
    return validate(value, testnet=testnet)
