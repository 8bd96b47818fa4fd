"""Litecoin (LTC) addresses.

Accepted on chain ``LTC`` (mainnet):

* Base58Check P2PKH (0x30, ``L…``), P2SH (0x32, ``M…``) and the legacy P2SH
  version shared with Bitcoin (0x05, ``3…``). A ``3…`` address is therefore
  valid on both BTC and LTC; the chain declared with it decides which;
* SegWit with hrp ``ltc`` (bech32 v0, bech32m v1+; same rules as Bitcoin).

Testnet policy as for Bitcoin: chain ``LTC`` is mainnet only; chain
``LTC-TESTNET`` accepts hrp ``tltc`` and versions 0x6f (``m``/``n``), 0x3a
(``Q``) and the legacy 0xc4 (``2``). Regtest ``rltc1…`` is rejected.

Normalized: Base58 unchanged, SegWit lower case.

>>> validate("LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9")
'LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9'
>>> validate("LTC1QG42TKWUUXEFUTZXEZDKDEL39GFSTUAP288MFEA")
'ltc1qg42tkwuuxefutzxezdkdel39gfstuap288mfea'
"""

from __future__ import annotations

from ..errors import InvalidIdentifier
from . import _utxo

MAINNET = _utxo.Network(
    "Litecoin mainnet", "ltc", {0x30: "P2PKH", 0x32: "P2SH", 0x05: "legacy P2SH"}
)
TESTNET = _utxo.Network(
    "Litecoin testnet", "tltc", {0x6F: "P2PKH", 0x3A: "P2SH", 0xC4: "legacy P2SH"}
)
COIN = _utxo.Coin(MAINNET, TESTNET, other_hrps={"rltc": "Litecoin regtest"})


def compact(value: str) -> str:
    """Remove whitespace anywhere (the checksum guards the result).

    >>> compact("ltc1qg42tkwuuxefutzxezdk del39gfstuap288mfea")
    'ltc1qg42tkwuuxefutzxezdkdel39gfstuap288mfea'
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
    """Display form, which for Litecoin is the normalized form."""
    return validate(value, testnet=testnet)
