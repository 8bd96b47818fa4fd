"""Zcash (ZEC) addresses: transparent, TEX, Sprout, Sapling and unified.

============ ========================================= ===============================
form         encoding                                  merge key
============ ========================================= ===============================
``t1…``      Base58Check, version 0x1cb8 + 20-byte     unchanged
             hash (P2PKH)
``t3…``      Base58Check, version 0x1cbd (P2SH)        unchanged
``tex1…``    Bech32m, hrp ``tex``, the 20-byte P2PKH   the ``t1…`` form: the same
             hash (ZIP 320)                            key hash, so the same wallet
``zc…``      Base58Check, version 0x169a + 64 bytes    unchanged
             (Sprout)
``zs1…``     Bech32, hrp ``zs``, 43 bytes (Sapling)    lower case
``u1…``      Bech32m, hrp ``u``, any length, the       lower case
             receivers F4Jumbled (ZIP 316)
============ ========================================= ===============================

A unified address is checked as ZIP 316 says a decoder must: Bech32m checksum,
F4Jumble undone (BLAKE2b from hashlib), the 16-byte padding equal to the hrp,
receivers as (typecode, length, bytes) in ascending typecode order, known
typecodes with their lengths (P2PKH and P2SH 20, Sapling and Orchard 43),
at least one shielded receiver and not both transparent kinds. Which
receivers are inside is not part of the key: a unified address is its own
wallet node (it cannot be linked to its receivers' own addresses without
the wallet's viewing key).

Not checked: that a Sapling or Orchard receiver is a valid curve point
(Jubjub, Pallas); the checksums already reject typing errors.

Chain ``ZEC`` is mainnet only; testnet forms (``tm``, ``t2``, ``textest``,
``zt``, ``ztestsapling``, ``utest``) are named in the error.

>>> validate("t1U9yhDa5XEjgfnTgZoKddeSiEN1aoLkQxq")
't1U9yhDa5XEjgfnTgZoKddeSiEN1aoLkQxq'
>>> validate("tex1s2rt77ggv6q989lr49rkgzmh5slsksa9khdgte")
't1VmmGiyjVNeCjxDZzg7vZmd99WyzVby9yC'
"""

from __future__ import annotations

import hashlib
import re

from ..errors import InvalidFormat, InvalidIdentifier, InvalidLength
from ._base58 import b58check_decode, b58check_encode
from ._bech32 import Encoding, bech32_decode, convertbits

_WHITESPACE = re.compile(r"\s+")
TRANSPARENT = {bytes.fromhex("1cb8"): "P2PKH", bytes.fromhex("1cbd"): "P2SH"}
_TEST_TRANSPARENT = {bytes.fromhex("1d25"), bytes.fromhex("1cba")}
SPROUT = bytes.fromhex("169a")
_TEST_SPROUT = bytes.fromhex("16b6")
_TEST_HRPS = {"textest", "ztestsapling", "utest", "zregtestsapling", "uregtest"}
MAX_UNIFIED_CHARS = 1024  # far above any real one (a few hundred); bounds the work on junk

# ZIP 316 receiver typecodes: name, length (None: any).
_RECEIVERS = {0x00: ("P2PKH", 20), 0x01: ("P2SH", 20), 0x02: ("Sapling", 43), 0x03: ("Orchard", 43)}
_SHIELDED = {0x02, 0x03}


def compact(value: str) -> str:
    """Remove whitespace (the checksums guard the result)."""
    return _WHITESPACE.sub("", value)


# -- F4Jumble (ZIP 316) ----------------------------------------------------------------------


def _h(i: int, u: bytes, size: int) -> bytes:
    return hashlib.blake2b(u, digest_size=size, person=b"UA_F4Jumble_H" + bytes([i, 0, 0])).digest()


def _g(i: int, u: bytes, size: int) -> bytes:
    out = b""
    for j in range((size + 63) // 64):
        person = b"UA_F4Jumble_G" + bytes([i]) + j.to_bytes(2, "little")
        out += hashlib.blake2b(u, digest_size=64, person=person).digest()
    return out[:size]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b))


def _split(message: bytes) -> int:
    if not 48 <= len(message) <= 4_194_368:
        raise InvalidLength(f"F4Jumble input is {len(message)} bytes, must be 48..4194368")
    return min(64, len(message) // 2)


def f4jumble(message: bytes) -> bytes:
    """ZIP 316's F4Jumble (for tests and tooling)."""
    left = _split(message)
    a, b = message[:left], message[left:]
    x = _xor(b, _g(0, a, len(b)))
    y = _xor(a, _h(0, x, left))
    d = _xor(x, _g(1, y, len(b)))
    c = _xor(y, _h(1, d, left))
    return c + d


def f4jumble_inv(message: bytes) -> bytes:
    """ZIP 316's F4Jumble⁻¹."""
    left = _split(message)
    c, d = message[:left], message[left:]
    y = _xor(c, _h(1, d, left))
    x = _xor(d, _g(1, y, len(d)))
    a = _xor(y, _h(0, x, left))
    b = _xor(x, _g(0, a, len(d)))
    return a + b


def _compact_size(data: bytes, at: int, value: str) -> tuple[int, int]:
    """(number, next offset) of a Bitcoin CompactSize, canonical only."""
    if at >= len(data):
        raise InvalidFormat("unified address ends inside a receiver", value)
    first = data[at]
    if first < 0xFD:
        return first, at + 1
    size = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
    number = int.from_bytes(data[at + 1:at + 1 + size], "little")
    if number < (0xFD, 0x10000, 0x100000000)[size // 4]:
        raise InvalidFormat("unified address has a non-canonical length", value)
    return number, at + 1 + size


def unified_receivers(value: str, hrp: str = "u") -> list[tuple[int, bytes]]:
    """[(typecode, receiver bytes)] of a unified address under ``hrp``, every ZIP 316 check done."""
    got, data, spec = bech32_decode(value, max_length=MAX_UNIFIED_CHARS)
    if got != hrp:
        raise InvalidFormat(f"human-readable part {got!r} is not {hrp!r}", value)
    if spec is not Encoding.BECH32M:
        raise InvalidFormat("a unified address uses the bech32m checksum", value)
    raw = convertbits(data, 5, 8, False)
    if raw is None:
        raise InvalidFormat("unified address has invalid padding bits", value)
    plain = f4jumble_inv(bytes(raw))
    body, padding = plain[:-16], plain[-16:]
    if padding != hrp.encode().ljust(16, b"\0"):
        raise InvalidFormat("unified address padding does not match its hrp (F4Jumble)", value)
    receivers: list[tuple[int, bytes]] = []
    at = 0
    while at < len(body):
        typecode, at = _compact_size(body, at, value)
        length, at = _compact_size(body, at, value)
        if at + length > len(body):
            raise InvalidFormat("unified address ends inside a receiver", value)
        if receivers and typecode <= receivers[-1][0]:
            raise InvalidFormat("unified address receivers are not in ascending typecode order", value)
        known = _RECEIVERS.get(typecode)
        if known and length != known[1]:
            raise InvalidLength(f"a {known[0]} receiver has {known[1]} bytes, not {length}", value)
        receivers.append((typecode, body[at:at + length]))
        at += length
    typecodes = {t for t, _ in receivers}
    if not typecodes & _SHIELDED:
        raise InvalidFormat("a unified address needs a Sapling or Orchard receiver", value)
    if {0x00, 0x01} <= typecodes:
        raise InvalidFormat("a unified address holds P2PKH or P2SH, not both", value)
    return receivers


# -- addresses ------------------------------------------------------------------------------


def _bech32_form(address: str) -> str | None:
    lowered = address.lower()
    for hrp in ("tex", "zs", "u", *_TEST_HRPS):
        if lowered.startswith(hrp + "1"):
            return hrp
    return None


def validate(value: str) -> str:
    """The mainnet address's merge key (see the table above), or raise."""
    address = compact(value)
    hrp = _bech32_form(address)
    if hrp in _TEST_HRPS:
        raise InvalidFormat(f"Zcash test network address ({hrp}), not mainnet", value)
    if hrp == "u":
        unified_receivers(address)
        return address.lower()
    if hrp in ("tex", "zs"):
        got, data, spec = bech32_decode(address)
        program = convertbits(data, 5, 8, False)
        want = (Encoding.BECH32M, 20) if hrp == "tex" else (Encoding.BECH32, 43)
        if got != hrp or program is None or spec is not want[0]:
            raise InvalidFormat(f"not a valid {'TEX' if hrp == 'tex' else 'Sapling'} address", value)
        if len(program) != want[1]:
            raise InvalidLength(f"{hrp} address holds {len(program)} bytes, not {want[1]}", value)
        return b58check_encode(bytes.fromhex("1cb8") + bytes(program)) if hrp == "tex" else address.lower()
    if address.startswith("z"):
        payload = b58check_decode(address, size=70)
        if payload[:2] == _TEST_SPROUT:
            raise InvalidFormat("Zcash testnet Sprout address, not mainnet", value)
        if payload[:2] != SPROUT:
            raise InvalidFormat("not a Sprout address (version 0x169a)", value)
        return address
    payload = b58check_decode(address, size=26)
    if payload[:2] in _TEST_TRANSPARENT:
        raise InvalidFormat("Zcash testnet transparent address, not mainnet", value)
    if payload[:2] not in TRANSPARENT:
        raise InvalidFormat(f"version 0x{payload[:2].hex()} is not a Zcash transparent address "
                            "(0x1cb8 t1, 0x1cbd t3)", value)
    return address


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
