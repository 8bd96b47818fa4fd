"""Bitcoin (BTC) addresses.

Accepted on chain ``BTC`` (mainnet):

* Base58Check P2PKH (version 0x00, ``1…``) and P2SH (0x05, ``3…``), 25 bytes;
* SegWit with hrp ``bc``: witness v0 with the bech32 checksum (BIP-173, 20 or
  32-byte program) and v1..v16 with the bech32m checksum (BIP-350, 2..40
  bytes). A v1+ address with an old bech32 checksum is rejected even though
  python-stdnum 2.2 accepts it.

Testnet policy: chain ``BTC`` is mainnet only; testnet coins have no value,
so a ``tb1…``/``m…``/``n…``/``2…`` address filed as BTC is a data-entry error
and must not merge silently. Such addresses are accepted on the separate
chain code ``BTC-TESTNET`` (hrp ``tb``, versions 0x6f/0xc4; testnet3,
testnet4 and signet share these prefixes). Regtest (``bcrt1…``) is a local
network and is rejected everywhere; its Base58 forms cannot be told apart from
testnet ones and so pass as ``BTC-TESTNET``.

Normalized: Base58 unchanged (case-sensitive), SegWit lower case.

>>> validate("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")
'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'
>>> validate("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")
'3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy'
>>> is_valid("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx")
False
>>> is_valid("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", testnet=True)
True
"""

from __future__ import annotations

from ..errors import InvalidIdentifier
from . import _utxo

MAINNET = _utxo.Network("Bitcoin mainnet", "bc", {0x00: "P2PKH", 0x05: "P2SH"})
TESTNET = _utxo.Network("Bitcoin testnet", "tb", {0x6F: "P2PKH", 0xC4: "P2SH"})
COIN = _utxo.Coin(MAINNET, TESTNET, other_hrps={"bcrt": "Bitcoin regtest"})


def compact(value: str) -> str:
    """Remove whitespace anywhere (the checksum guards the result).

    >>> compact(" 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2\\n")
    '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2'
    """
    return _utxo.compact(value)


def validate(value: str, *, testnet: bool = False) -> str:
    """Return the normalized address or raise an InvalidIdentifier subclass."""
    return _utxo.validate(COIN, value, testnet=testnet)


def is_valid(value: str, *, testnet: bool = False) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value, testnet=testnet)
    except InvalidIdentifier:
        return False
    return True


def format(value: str, *, testnet: bool = False) -> str:
    """Display form, which for Bitcoin is the normalized form."""
    return validate(value, testnet=testnet)
