"""Address rules shared by Bitcoin-like chains (BTC, LTC, and the family in
:mod:`.bitcoin_family`: DASH, BTG, XVG).

A chain has a main and a test network; each network accepts Base58Check
addresses with its version bytes (P2PKH / P2SH) and SegWit addresses with its
human-readable part (a network without SegWit has ``hrp=None``). Addresses of
the coin's *other* networks are recognised only to say so in the error message.

Normalized form: Base58 addresses unchanged (Base58 is case-sensitive);
SegWit addresses lower case (BIP-173 encoders emit lower case; an all-upper
string is the same address).

>>> from graph.resolve.wallet.btc import COIN
>>> validate(COIN, "BC1SW50QGDZ25J")
'bc1sw50qgdz25j'
>>> validate(COIN, "bc1sw50qa3jx3s")
Traceback (most recent call last):
    ...
graph.resolve.errors.InvalidChecksum: witness v16 address must use the bech32m checksum, not bech32: bc1sw50qa3jx3s
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import InvalidFormat, InvalidIdentifier
from ._base58 import BITCOIN_ALPHABET, b58check_decode, b58check_encode
from ._bech32 import decode_segwit, encode_segwit

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Network:
    """One network of a Bitcoin-like coin."""

    name: str
    hrp: str | None  # None: the network has no SegWit addresses
    versions: dict[int, str] = field(default_factory=dict)

    def encode_base58(self, version: int, hash160: bytes) -> str:
        """Base58Check address for a 20-byte hash (for tests and tooling)."""
        return b58check_encode(bytes([version]) + hash160)

    def encode_segwit(self, version: int, program: bytes) -> str:
        """SegWit address for a witness program (for tests and tooling)."""
        return encode_segwit(self.hrp, version, program)


@dataclass(frozen=True)
class Coin:
    """A coin: the networks we accept plus hrps/versions known only for messages."""

    main: Network
    test: Network
    other_hrps: dict[str, str] = field(default_factory=dict)

    def network(self, testnet: bool) -> Network:
        return self.test if testnet else self.main


def compact(value: str) -> str:
    """Remove all whitespace (a checksum guards the result)."""
    return _WHITESPACE.sub("", value)


def _segwit_hrp(coin: Coin, value: str) -> tuple[str, str] | None:
    """The (hrp, network description) whose prefix ``value`` carries, if any."""
    known = {coin.main.hrp: coin.main.name, coin.test.hrp: coin.test.name, **coin.other_hrps}
    known.pop(None, None)
    # Longest first: "bcrt1…" must not be taken for "bc" + "rt1…".
    for hrp in sorted(known, key=len, reverse=True):
        prefix = hrp + "1"
        if value.startswith(prefix) or value.startswith(prefix.upper()):
            return hrp, known[hrp]
    return None


def _validate_base58(coin: Coin, network: Network, value: str) -> str:
    version = b58check_decode(value, size=25)[0]
    if version not in network.versions:
        other = coin.test if network is coin.main else coin.main
        if version in other.versions:
            raise InvalidFormat(f"{other.name} address, not {network.name}", value)
        allowed = ", ".join(f"0x{v:02x} ({kind})" for v, kind in network.versions.items())
        raise InvalidFormat(f"version byte 0x{version:02x} is not {network.name} ({allowed})", value)
    return value


def validate(coin: Coin, value: str, *, testnet: bool = False) -> str:
    """Validate an address of ``coin`` on its main (or test) network."""
    value = compact(value)
    network = coin.network(testnet)
    found = _segwit_hrp(coin, value)
    if found is None:
        return _validate_base58(coin, network, value)
    hrp, description = found
    try:
        if hrp != network.hrp:
            raise InvalidFormat(f"{description} address, not {network.name}", value)
        decode_segwit(network.hrp, value)
        return value.lower()
    except InvalidIdentifier:
        # A Base58 address can start with the same letters ("LTC1…" on LTC);
        # if it is one, it wins; otherwise the SegWit error is the useful one.
        if all(c in BITCOIN_ALPHABET for c in value):
            try:
                return _validate_base58(coin, network, value)
            except InvalidIdentifier:
                pass
        raise
