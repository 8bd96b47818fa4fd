"""Bech32 (BIP-173) and Bech32m (BIP-350) strings and SegWit addresses.

Written from the BIP texts (the reference code by the BIPs' author has the
same structure), so no third-party codec is needed. Strings are validated
strictly: no mixed case, at most 90 characters, data characters from the
32-character set, and a checksum that matches one of the two constants. A
SegWit address additionally needs the expected human-readable part (hrp), a
witness version 0..16, a 2..40-byte program (20 or 32 bytes for v0), and the
checksum variant that BIP-350 assigns to the version (v0: bech32, v1+:
bech32m).

>>> decode_segwit("bc", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")[1:]
(0, b'u\\x1ev\\xe8\\x19\\x91\\x96\\xd4T\\x94\\x1cE\\xd1\\xb3\\xa3#\\xf1C;\\xd6')
>>> encode_segwit("bc", 0, bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6"))
'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'
"""

from __future__ import annotations

from enum import Enum

from ..errors import InvalidChecksum, InvalidFormat, InvalidLength

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_INDEX = {c: i for i, c in enumerate(CHARSET)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
MAX_LENGTH = 90  # BIP-173 overall limit


class Encoding(Enum):
    """The checksum variant; the value is the constant the polymod must equal."""

    BECH32 = 1
    BECH32M = 0x2BC830A3


def _polymod(values: list[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate(_GENERATOR):
            if (top >> i) & 1:
                chk ^= gen
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _create_checksum(hrp: str, data: list[int], spec: Encoding) -> list[int]:
    polymod = _polymod(_hrp_expand(hrp) + data + [0] * 6) ^ spec.value
    return [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]


def bech32_encode(hrp: str, data: list[int], spec: Encoding) -> str:
    """Encode 5-bit ``data`` under ``hrp`` with the given checksum variant."""
    combined = data + _create_checksum(hrp, data, spec)
    return hrp + "1" + "".join(CHARSET[d] for d in combined)


def bech32_decode(value: str, *, max_length: int = MAX_LENGTH) -> tuple[str, list[int], Encoding]:
    """Split and verify a Bech32/Bech32m string.

    Returns (lower-case hrp, 5-bit data without checksum, variant). ``max_length``
    lifts BIP-173's 90-character limit for formats that drop it (Zcash unified
    addresses, ZIP 316).
    """
    if any(ord(c) < 33 or ord(c) > 126 for c in value):
        raise InvalidFormat("bech32 string has a character outside US-ASCII 33..126", value)
    if value.lower() != value and value.upper() != value:
        # BIP-173: decoders MUST NOT accept strings with mixed case.
        raise InvalidFormat("bech32 string mixes upper and lower case", value)
    if len(value) > max_length:
        raise InvalidLength(f"bech32 string is {len(value)} characters, at most {max_length}", value)
    lowered = value.lower()
    pos = lowered.rfind("1")
    if pos < 1:
        raise InvalidFormat("bech32 string has no separator '1' or an empty human-readable part", value)
    if pos + 7 > len(lowered):
        raise InvalidFormat("bech32 data part is shorter than the 6-character checksum", value)
    hrp, data_part = lowered[:pos], lowered[pos + 1 :]
    bad = next((c for c in data_part if c not in _CHARSET_INDEX), None)
    if bad is not None:
        raise InvalidFormat(f"character {bad!r} is not in the bech32 character set", value)
    data = [_CHARSET_INDEX[c] for c in data_part]
    const = _polymod(_hrp_expand(hrp) + data)
    for spec in Encoding:
        if const == spec.value:
            return hrp, data[:-6], spec
    raise InvalidChecksum("bad bech32/bech32m checksum", value)


def convertbits(data: list[int] | bytes, frombits: int, tobits: int, pad: bool) -> list[int] | None:
    """Regroup bits; ``None`` when the input has invalid padding (BIP-173 rules)."""
    acc = 0
    bits = 0
    out: list[int] = []
    maxv = (1 << tobits) - 1
    for value in data:
        if value < 0 or value >> frombits:
            return None
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        return None
    return out


def decode_segwit(hrp: str, value: str) -> tuple[str, int, bytes]:
    """Decode a SegWit address that must use ``hrp``.

    Returns (hrp, witness version, witness program).
    """
    got_hrp, data, spec = bech32_decode(value)
    if got_hrp != hrp:
        raise InvalidFormat(f"human-readable part {got_hrp!r} is not {hrp!r}", value)
    if not data:
        raise InvalidFormat("segwit address has no witness version", value)
    version = data[0]
    if version > 16:
        raise InvalidFormat(f"witness version {version} is above 16", value)
    program = convertbits(data[1:], 5, 8, False)
    if program is None:
        raise InvalidFormat("segwit address has invalid padding bits", value)
    if not 2 <= len(program) <= 40:
        raise InvalidLength(f"witness program is {len(program)} bytes, must be 2..40", value)
    if version == 0 and len(program) not in (20, 32):
        raise InvalidLength(f"witness v0 program is {len(program)} bytes, must be 20 or 32", value)
    expected = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    if spec is not expected:
        # BIP-350: v0 keeps bech32, v1..v16 must use bech32m (catches the
        # python-stdnum-accepted v1+ strings with an old bech32 checksum).
        raise InvalidChecksum(
            f"witness v{version} address must use the {expected.name.lower()} checksum, "
            f"not {spec.name.lower()}",
            value,
        )
    return got_hrp, version, bytes(program)


def encode_segwit(hrp: str, version: int, program: bytes) -> str:
    """Encode a SegWit address (lower case), choosing the variant by version."""
    spec = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    data = convertbits(program, 8, 5, True) or []  # pad=True never fails
    return bech32_encode(hrp, [version] + data, spec)
