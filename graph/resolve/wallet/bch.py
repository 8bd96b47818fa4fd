"""Bitcoin Cash (BCH) and Bitcoin SV (BSV): legacy Base58 and CashAddr.

Both chains kept Bitcoin's Base58Check version bytes (0x00 ``1…``, 0x05
``3…``), so one legacy address text names a wallet on BTC, BCH and BSV alike:
only the chain code tells them apart. Bitcoin Cash added **CashAddr**
(upgradespecs.bitcoincashnode.org/cashaddr): ``prefix:payload``, the prefix
``bitcoincash`` (``bchtest``, ``bchreg`` on test networks) optional when
writing, the payload in the bech32 character set, a 40-bit BCH-code checksum
over the prefix and payload, and a version byte giving the type (0 P2PKH,
1 P2SH; 2 and 3 are the same two with CashTokens) and the hash size.

Merge keys (one key per wallet whatever form a source wrote):

* **BCH**: the CashAddr form with its prefix, lower case, type 0/1
  (``bitcoincash:q…`` / ``bitcoincash:p…``). A legacy address is converted;
  a token-aware form (``z…``/``r…``) is the same locking script, so it gets
  the plain key. P2SH with a 32-byte hash (P2SH32, 2023) is accepted.
* **BSV**: the legacy form (Bitcoin SV went back to Base58); a CashAddr
  written by a 2018–2019 BSV wallet is converted to it.

Mixed case is refused (the spec forbids it); upper case is read as lower.

>>> validate("1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu")
'bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a'
>>> validate("PPM2QSZNHKS23Z7629MMS6S4CWEF74VCWVN0H829PQ")
'bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq'
>>> validate_bsv("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a")
'1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu'
"""

from __future__ import annotations

import re

from ..errors import InvalidChecksum, InvalidFormat, InvalidIdentifier, InvalidLength
from ._base58 import BITCOIN_ALPHABET, b58check_decode, b58check_encode
from ._bech32 import CHARSET, convertbits

MAINNET_PREFIX = "bitcoincash"
_TEST_PREFIXES = ("bchtest", "bchreg")
_GENERATOR = (0x98F2BC8E61, 0x79B76D99E2, 0xF33E5FB3C4, 0xAE2EABE2A8, 0x1E4F43E470)
_CHARSET_INDEX = {c: i for i, c in enumerate(CHARSET)}
_HASH_SIZES = (20, 24, 28, 32, 40, 48, 56, 64)  # by the version byte's low 3 bits
_TYPES = {0: "P2PKH", 1: "P2SH", 2: "P2PKH with tokens", 3: "P2SH with tokens"}
_LEGACY_VERSIONS = {0x00: 0, 0x05: 1}  # Base58 version byte -> CashAddr type
_WHITESPACE = re.compile(r"\s+")


def _polymod(values: list[int]) -> int:
    """The CashAddr checksum polynomial (a BCH code over GF(2^5)); 0 for a valid string."""
    c = 1
    for value in values:
        top = c >> 35
        c = ((c & 0x07FFFFFFFF) << 5) ^ value
        for i, generator in enumerate(_GENERATOR):
            if (top >> i) & 1:
                c ^= generator
    return c ^ 1


def _prefix_values(prefix: str) -> list[int]:
    return [ord(ch) & 0x1F for ch in prefix] + [0]


def cashaddr_encode(prefix: str, data: list[int]) -> str:
    """``prefix:`` + 5-bit ``data`` + checksum (the spec's low-level encoding)."""
    checksum = _polymod(_prefix_values(prefix) + data + [0] * 8)
    return prefix + ":" + "".join(CHARSET[d] for d in data + [(checksum >> 5 * (7 - i)) & 31 for i in range(8)])


def cashaddr_decode(value: str, *, default_prefix: str = MAINNET_PREFIX) -> tuple[str, list[int]]:
    """(prefix, 5-bit payload without checksum) of a CashAddr string, checksum verified."""
    if value != value.lower() and value != value.upper():
        raise InvalidFormat("CashAddr mixes upper and lower case", value)
    text = value.lower()
    prefix, sep, payload = text.rpartition(":")
    if not sep:
        prefix = default_prefix
    if not prefix or not payload:
        raise InvalidFormat("CashAddr needs a prefix and a payload", value)
    bad = next((c for c in payload if c not in _CHARSET_INDEX), None)
    if bad is not None:
        raise InvalidFormat(f"character {bad!r} is not in the CashAddr character set", value)
    if len(payload) < 8:
        raise InvalidLength("CashAddr payload is shorter than its 8-character checksum", value)
    data = [_CHARSET_INDEX[c] for c in payload]
    if _polymod(_prefix_values(prefix) + data) != 0:
        raise InvalidChecksum("bad CashAddr checksum", value)
    return prefix, data[:-8]


def decode_address(value: str) -> tuple[str, int, bytes]:
    """(prefix, type 0..15, hash) of a CashAddr address."""
    prefix, data = cashaddr_decode(value)
    raw = convertbits(data, 5, 8, False)
    if not raw:
        raise InvalidFormat("CashAddr payload has invalid padding", value)
    version, digest = raw[0], bytes(raw[1:])
    if version & 0x80:
        raise InvalidFormat("CashAddr version byte has its reserved bit set", value)
    size = _HASH_SIZES[version & 0x07]
    if len(digest) != size:
        raise InvalidLength(f"CashAddr hash is {len(digest)} bytes, its version byte says {size}", value)
    return prefix, version >> 3, digest


def encode_address(prefix: str, type_: int, digest: bytes) -> str:
    """CashAddr of a hash (for tests and tooling)."""
    version = (type_ << 3) | _HASH_SIZES.index(len(digest))
    return cashaddr_encode(prefix, convertbits(bytes([version]) + digest, 8, 5, True) or [])


def compact(value: str) -> str:
    """Remove whitespace (the checksum guards the result)."""
    return _WHITESPACE.sub("", value)


def _is_legacy(value: str) -> bool:
    """Base58 rather than a prefix-less CashAddr: CashAddr is one case and never starts with 1 or 3."""
    mixed = value != value.lower() and value != value.upper()
    return ":" not in value and (value[:1] in ("1", "3") or mixed) and all(c in BITCOIN_ALPHABET for c in value)


def _parts(value: str) -> tuple[int, bytes]:
    """(type 0 P2PKH / 1 P2SH, hash) of a mainnet address in either form."""
    address = compact(value)
    if _is_legacy(address):
        payload = b58check_decode(address, size=25)
        return _LEGACY_VERSIONS.get(payload[0], -1), payload[1:]
    prefix, type_, digest = decode_address(address)
    if prefix != MAINNET_PREFIX:
        where = "a test network" if prefix in _TEST_PREFIXES else f"prefix {prefix!r}"
        raise InvalidFormat(f"CashAddr of {where}, not Bitcoin Cash mainnet", value)
    if type_ not in _TYPES:
        raise InvalidFormat(f"CashAddr type {type_} is not an address type (0..3)", value)
    plain = type_ & 1  # tokens or not, the same locking script
    if len(digest) != 20 and not (plain == 1 and len(digest) == 32):
        raise InvalidLength(f"a {_TYPES[type_]} CashAddr holds a 20-byte hash, not {len(digest)}", value)
    return plain, digest


def validate(value: str) -> str:
    """BCH: the ``bitcoincash:`` CashAddr (type 0/1) of either form, or raise."""
    type_, digest = _parts(value)
    if type_ < 0:
        raise InvalidFormat("legacy version byte is not Bitcoin Cash mainnet (0x00, 0x05)", value)
    return encode_address(MAINNET_PREFIX, type_, digest)


def validate_bsv(value: str) -> str:
    """BSV: the legacy Base58 address of either form, or raise."""
    address = compact(value)
    type_, digest = _parts(address)
    if type_ < 0:
        raise InvalidFormat("legacy version byte is not Bitcoin SV mainnet (0x00, 0x05)", value)
    if len(digest) != 20:
        raise InvalidLength("Bitcoin SV has no 32-byte P2SH", value)
    return address if _is_legacy(address) else b58check_encode(bytes([(0x00, 0x05)[type_]]) + digest)


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """Display form: the CashAddr with its prefix."""
    return validate(value)
