"""Monero (XMR) addresses: standard, integrated and subaddresses.

Monero's Base58 is not Bitcoin's: the data is cut into 8-byte blocks, each
written as exactly 11 characters (a shorter last block uses the sizes in
``_ENCODED_SIZES``), with the Bitcoin alphabet. An address decodes to

    varint network tag || public spend key (32) || public view key (32)
    [|| payment id (8), integrated addresses only] || checksum (4)

where the checksum is the first 4 bytes of Keccak-256 (Ethereum's, not
SHA3-256) of everything before it, and both keys must be points of the
ed25519 curve (Monero's ``check_key``). Tags (``cryptonote_config.h``):

========== ======== =========== ==========
network    standard integrated  subaddress
========== ======== =========== ==========
mainnet    18 ``4`` 19 ``4``    42 ``8``
testnet    53 ``9`` 54 ``A``    63 ``B``
stagenet   24 ``5`` 25 ``5``    36 ``7``
========== ======== =========== ==========

Chain ``XMR`` is mainnet only. Merge key: the address itself (case-sensitive),
except that an integrated address becomes the standard address it extends:
its payment id names a deposit at the receiving service, not another wallet
(as an XRP destination tag). A 64-hex-digit string (a transaction hash or a
key) is refused: it is no address. Written from the Monero sources
(``src/common/base58.cpp``, ``src/cryptonote_basic/cryptonote_basic_impl.cpp``);
tests use their vectors (``tests/unit_tests/base58.cpp``).

>>> validate("4AzKEX4gXdJdNeM6dfiBFL7kqund3HYGvMBF3ttsNd9SfzgYB6L7ep1Yg1osYJzLdaKAYSLVh6e6jKnAuzj3bw1oGy9kXCb")
'4AzKEX4gXdJdNeM6dfiBFL7kqund3HYGvMBF3ttsNd9SfzgYB6L7ep1Yg1osYJzLdaKAYSLVh6e6jKnAuzj3bw1oGy9kXCb'
>>> is_valid("5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320")
False
"""

from __future__ import annotations

import re

from ..errors import InvalidChecksum, InvalidFormat, InvalidIdentifier, InvalidLength
from ._base58 import BITCOIN_ALPHABET
from .eth import keccak256

_INDEX = {c: i for i, c in enumerate(BITCOIN_ALPHABET)}
_BLOCK = 8
_ENCODED_BLOCK = 11
_ENCODED_SIZES = (0, 2, 3, 5, 6, 7, 9, 10, 11)  # characters for 0..8 bytes
_WHITESPACE = re.compile(r"\s+")
MAX_CHARS = 128  # the longest address (integrated, 106) with room; longer junk is refused early

STANDARD, INTEGRATED, SUBADDRESS = "standard", "integrated", "subaddress"
TAGS = {
    18: ("mainnet", STANDARD), 19: ("mainnet", INTEGRATED), 42: ("mainnet", SUBADDRESS),
    53: ("testnet", STANDARD), 54: ("testnet", INTEGRATED), 63: ("testnet", SUBADDRESS),
    24: ("stagenet", STANDARD), 25: ("stagenet", INTEGRATED), 36: ("stagenet", SUBADDRESS),
}
_MAIN_TAG = {kind: tag for tag, (net, kind) in TAGS.items() if net == "mainnet"}


# -- Monero's block Base58 ----------------------------------------------------------------


def b58encode(data: bytes) -> str:
    """Monero Base58 of ``data`` (for tests and tooling)."""
    out = []
    for start in range(0, len(data), _BLOCK):
        block = data[start:start + _BLOCK]
        number = int.from_bytes(block, "big")
        chars = []
        for _ in range(_ENCODED_SIZES[len(block)]):
            number, digit = divmod(number, 58)
            chars.append(BITCOIN_ALPHABET[digit])
        out.append("".join(reversed(chars)))
    return "".join(out)


def b58decode(text: str) -> bytes:
    """Bytes of Monero Base58 text; raises on a bad character, length or block overflow."""
    rest = len(text) % _ENCODED_BLOCK
    if rest not in _ENCODED_SIZES:
        raise InvalidLength(f"{len(text)} characters is no Monero Base58 length", text)
    out = bytearray()
    for start in range(0, len(text), _ENCODED_BLOCK):
        chunk = text[start:start + _ENCODED_BLOCK]
        size = _ENCODED_SIZES.index(len(chunk))
        number = 0
        for char in chunk:
            if char not in _INDEX:
                raise InvalidFormat(f"character {char!r} is not in the base58 alphabet", text)
            number = number * 58 + _INDEX[char]
        if number >> (8 * size):
            raise InvalidFormat("a Monero Base58 block overflows its size", text)
        out += number.to_bytes(size, "big")
    return bytes(out)


def _varint(data: bytes) -> tuple[int, int]:
    """(value, bytes used) of the LEB128 varint that starts ``data``; a padded one (a last
    byte of 0 after the first) is refused, as Monero's ``read_varint`` does."""
    value = 0
    for i, byte in enumerate(data[:10]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if i and not byte:
                raise InvalidFormat("network tag is a padded varint")
            return value, i + 1
    raise InvalidFormat("network tag is not a varint")


# -- ed25519 points -----------------------------------------------------------------------

_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def is_point(key: bytes) -> bool:
    """True when 32 bytes decode to a point of the ed25519 curve (Monero's ``check_key``)."""
    y = int.from_bytes(key, "little") & ((1 << 255) - 1)
    sign = key[31] >> 7
    y2 = y * y % _P
    x2 = (y2 - 1) * pow(_D * y2 + 1, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return False
    return not (x == 0 and sign)


# -- addresses ------------------------------------------------------------------------------


def compact(value: str) -> str:
    """Remove whitespace (the checksum guards the result)."""
    return _WHITESPACE.sub("", value)


def encode_addr(tag: int, data: bytes) -> str:
    """varint tag || data || checksum in Monero Base58 (``base58::encode_addr``)."""
    body = _encode_varint(tag) + data
    return b58encode(body + keccak256(body)[:4])


def decode_addr(value: str) -> tuple[int, bytes]:
    """(tag, data) of ``base58::encode_addr`` text, its checksum verified."""
    raw = b58decode(value)
    if len(raw) < 5:
        raise InvalidLength("too short for a Monero address", value)
    body, check = raw[:-4], raw[-4:]
    if keccak256(body)[:4] != check:
        raise InvalidChecksum("bad Monero checksum (Keccak-256)", value)
    tag, used = _varint(body)
    return tag, body[used:]


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def decode(value: str) -> tuple[int, bytes, bytes, bytes]:
    """(tag, spend key, view key, payment id or b"") of any network's address, checks included."""
    address = compact(value)
    if len(address) > MAX_CHARS:
        raise InvalidLength(f"{len(address)} characters is too long for a Monero address", value)
    if re.fullmatch(r"[0-9a-fA-F]{64}", address):
        raise InvalidFormat("64 hex digits are a hash or a key, not a Monero address", value)
    tag, data = decode_addr(address)
    if tag not in TAGS:
        raise InvalidFormat(f"network tag {tag} is not a Monero address", value)
    expected = 72 if TAGS[tag][1] == INTEGRATED else 64
    if len(data) != expected:
        raise InvalidLength(f"a {TAGS[tag][1]} address holds {expected} bytes, not {len(data)}", value)
    spend, view, payment = data[:32], data[32:64], data[64:]
    for name, key in (("spend", spend), ("view", view)):
        if not is_point(key):
            raise InvalidFormat(f"the public {name} key is not an ed25519 point", value)
    return tag, spend, view, payment


def validate(value: str) -> str:
    """The mainnet address (an integrated one as its standard address), or raise."""
    tag, spend, view, _ = decode(value)
    network, kind = TAGS[tag]
    if network != "mainnet":
        raise InvalidFormat(f"Monero {network} address, not mainnet", value)
    if kind == INTEGRATED:
        return encode_addr(_MAIN_TAG[STANDARD], spend + view)
    return compact(value)


def payment_id(value: str) -> str | None:
    """The payment id (hex) of an integrated address, else None."""
    return decode(value)[3].hex() or None


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """Display form: the normalized address."""
    return validate(value)
