"""Coins built on Bitcoin's code that differ from it only in their address bytes: DASH, BTG, XVG.

Each is Base58Check over a version byte and a 20-byte hash (P2PKH, P2SH);
Bitcoin Gold and Verge also have SegWit (hrp ``btg``, ``vg``). The rules, the testnet policy
(mainnet only on the plain chain code) and the normalized form are those of
:mod:`._utxo`. The version bytes come from each project's ``chainparams.cpp``
(``base58Prefixes[PUBKEY_ADDRESS]`` / ``[SCRIPT_ADDRESS]``; Verge's from its
bitcoinjs-lib fork, ``src/networks.js``):

===== ======================= ============================ ======================
chain  P2PKH                    P2SH                         SegWit
===== ======================= ============================ ======================
DASH  0x4c ``X…``              0x10 ``7…``                  —
BTG   0x26 ``G…``              0x17 ``A…``                  ``btg1…``
XVG   0x1e ``D…``              0x21 ``E…``                  ``vg1…``
===== ======================= ============================ ======================

Bitcoin SV and Bitcoin Cash share Bitcoin's own version bytes; they live in
:mod:`.bch` with the CashAddr format.

>>> validate(DASH, "XnPFsRWTaSgiVauosEwQ6dEitGYXgwznz2")
'XnPFsRWTaSgiVauosEwQ6dEitGYXgwznz2'
>>> is_valid(BTG, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
False
"""

from __future__ import annotations

from ..errors import InvalidIdentifier
from . import _utxo

DASH = _utxo.Coin(
    _utxo.Network("Dash mainnet", None, {0x4C: "P2PKH", 0x10: "P2SH"}),
    _utxo.Network("Dash testnet", None, {0x8C: "P2PKH", 0x13: "P2SH"}),
)
BTG = _utxo.Coin(
    _utxo.Network("Bitcoin Gold mainnet", "btg", {0x26: "P2PKH", 0x17: "P2SH"}),
    _utxo.Network("Bitcoin Gold testnet", "tbtg", {0x6F: "P2PKH", 0xC4: "P2SH"}),
)
XVG = _utxo.Coin(
    _utxo.Network("Verge mainnet", "vg", {0x1E: "P2PKH", 0x21: "P2SH"}),
    _utxo.Network("Verge testnet", "tvg", {0x6F: "P2PKH", 0xC4: "P2SH"}),
)


def compact(value: str) -> str:
    """Remove whitespace anywhere (the checksum guards the result)."""
    return _utxo.compact(value)


def validate(coin: _utxo.Coin, value: str, *, testnet: bool = False) -> str:
    """The normalized address of ``coin`` or raise an InvalidIdentifier subclass."""
    return _utxo.validate(coin, value, testnet=testnet)


def is_valid(coin: _utxo.Coin, value: str, *, testnet: bool = False) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(coin, value, testnet=testnet)
    except InvalidIdentifier:
        return False
    return True
