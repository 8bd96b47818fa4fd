"""Chain registry: chain codes, tickers and aliases to one canonical code.

Canonical codes and what is accepted as naming them (case-insensitive, and
when matching these names ``_`` and spaces count as ``-``):

=========== ========================================================= ==========
code        aliases                                                   rule
=========== ========================================================= ==========
BTC         XBT, BITCOIN                                              btc
BTC-TESTNET TBTC, BITCOIN-TESTNET, BTC-TEST                           btc (test)
ETH         ETHEREUM, ETHER, ERC20, ERC-20                            eth (EVM)
ETC         ETHEREUM-CLASSIC                                          eth (EVM)
BSC         BNB, BEP20, BEP-20, BNB-SMART-CHAIN, BINANCE-SMART-CHAIN  eth (EVM)
POL         MATIC, POLYGON, POLYGON-POS                               eth (EVM)
ARB         ARBITRUM, ARBITRUM-ONE                                    eth (EVM)
OP          OPTIMISM                                                  eth (EVM)
BASE        —                                                         eth (EVM)
AVAX-C      AVAX-CCHAIN, AVALANCHE-C, AVALANCHE-C-CHAIN               eth (EVM)
TRX         TRON, TRC20, TRC-20                                       tron
LTC         LITECOIN                                                  ltc
LTC-TESTNET TLTC, LITECOIN-TESTNET, LTC-TEST                          ltc (test)
XRP         RIPPLE, XRPL                                              xrp
XRP-TESTNET XRPL-TESTNET, XRP-TEST                                    xrp (test)
BCH         BITCOIN-CASH, BITCOINCASH, BCHN                           bch (CashAddr key)
BSV         BITCOIN-SV, BITCOINSV, BCHSV                              bch (legacy key)
BTG         BITCOIN-GOLD, BITCOINGOLD                                 bitcoin_family
DASH        —                                                         bitcoin_family
XVG         VERGE                                                     bitcoin_family
ZEC         ZCASH                                                     zec
XMR         MONERO                                                    xmr
SOL         SOLANA                                                    sol (no checksum)
=========== ========================================================= ==========

``Chain.checksum`` says whether the rule can catch a mistyped address: True
for every rule above but SOL (Solana addresses carry none) and the generic
fallback. A connector marks wallets on such chains as not verified.

``BNB`` names BNB Smart Chain (the retired BNB Beacon Chain used ``bnb1…``
bech32 addresses). Bare ``AVAX`` is deliberately *not* an alias: Avalanche's
X- and P-chains use bech32 ``X-avax1…`` addresses, so an unqualified AVAX
address goes to the fallback rather than being forced through EVM rules.

Any other code is a *fallback chain*: the code is trimmed and upper-cased,
nothing else (it must then be 1..32 characters of ``[A-Z0-9._-]``), and
addresses follow :mod:`.generic`.

>>> canonical_chain("bitcoin")
'BTC'
>>> canonical_chain("bnb_smart_chain")
'BSC'
>>> canonical_chain("monero")
'XMR'
>>> canonical_chain("ada")
'ADA'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from ..errors import InvalidFormat
from . import bch, bitcoin_family, btc, eth, generic, ltc, sol, tron, xmr, xrp, zec


@dataclass(frozen=True)
class Chain:
    """How one canonical chain compacts, validates and formats addresses."""

    code: str
    rule: str
    compact: Callable[[str], str]
    validate: Callable[[str], str]
    format: Callable[[str], str]
    checksum: bool = True  # False: a mistyped address still passes (no checksum in the format)


def _evm(code: str) -> Chain:
    return Chain(code, "eth", eth.compact, eth.validate, eth.format)


def _family(code: str, coin) -> Chain:
    check = partial(bitcoin_family.validate, coin)
    return Chain(code, "bitcoin_family", bitcoin_family.compact, check, check)


CHAINS: dict[str, Chain] = {
    c.code: c
    for c in [
        Chain("BTC", "btc", btc.compact, btc.validate, btc.format),
        Chain("BTC-TESTNET", "btc", btc.compact, partial(btc.validate, testnet=True),
              partial(btc.format, testnet=True)),
        _evm("ETH"),
        _evm("ETC"),
        _evm("BSC"),
        _evm("POL"),
        _evm("ARB"),
        _evm("OP"),
        _evm("BASE"),
        _evm("AVAX-C"),
        Chain("TRX", "tron", tron.compact, tron.validate, tron.format),
        Chain("LTC", "ltc", ltc.compact, ltc.validate, ltc.format),
        Chain("LTC-TESTNET", "ltc", ltc.compact, partial(ltc.validate, testnet=True),
              partial(ltc.format, testnet=True)),
        Chain("XRP", "xrp", xrp.compact, xrp.validate, xrp.format),
        Chain("XRP-TESTNET", "xrp", xrp.compact, partial(xrp.validate, testnet=True),
              partial(xrp.format, testnet=True)),
        Chain("BCH", "bch", bch.compact, bch.validate, bch.format),
        Chain("BSV", "bch", bch.compact, bch.validate_bsv, bch.validate_bsv),
        _family("BTG", bitcoin_family.BTG),
        _family("DASH", bitcoin_family.DASH),
        _family("XVG", bitcoin_family.XVG),
        Chain("ZEC", "zec", zec.compact, zec.validate, zec.format),
        Chain("XMR", "xmr", xmr.compact, xmr.validate, xmr.format),
        Chain("SOL", "sol", sol.compact, sol.validate, sol.format, checksum=False),
    ]
}

ALIASES: dict[str, str] = {
    "XBT": "BTC",
    "BITCOIN": "BTC",
    "TBTC": "BTC-TESTNET",
    "BITCOIN-TESTNET": "BTC-TESTNET",
    "BTC-TEST": "BTC-TESTNET",
    "ETHEREUM": "ETH",
    "ETHER": "ETH",
    "ERC20": "ETH",
    "ERC-20": "ETH",
    "ETHEREUM-CLASSIC": "ETC",
    "BNB": "BSC",
    "BEP20": "BSC",
    "BEP-20": "BSC",
    "BNB-SMART-CHAIN": "BSC",
    "BINANCE-SMART-CHAIN": "BSC",
    "MATIC": "POL",
    "POLYGON": "POL",
    "POLYGON-POS": "POL",
    "ARBITRUM": "ARB",
    "ARBITRUM-ONE": "ARB",
    "OPTIMISM": "OP",
    "AVAX-CCHAIN": "AVAX-C",
    "AVALANCHE-C": "AVAX-C",
    "AVALANCHE-C-CHAIN": "AVAX-C",
    "TRON": "TRX",
    "TRC20": "TRX",
    "TRC-20": "TRX",
    "LITECOIN": "LTC",
    "TLTC": "LTC-TESTNET",
    "LITECOIN-TESTNET": "LTC-TESTNET",
    "LTC-TEST": "LTC-TESTNET",
    "RIPPLE": "XRP",
    "XRPL": "XRP",
    "XRPL-TESTNET": "XRP-TESTNET",
    "XRP-TEST": "XRP-TESTNET",
    "BITCOIN-CASH": "BCH",
    "BITCOINCASH": "BCH",
    "BCHN": "BCH",
    "BITCOIN-SV": "BSV",
    "BITCOINSV": "BSV",
    "BCHSV": "BSV",
    "BITCOIN-GOLD": "BTG",
    "BITCOINGOLD": "BTG",
    "VERGE": "XVG",
    "ZCASH": "ZEC",
    "MONERO": "XMR",
    "SOLANA": "SOL",
}

_FALLBACK_CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,31}")


def canonical_chain(chain: str) -> str:
    """Canonical code for a chain code, ticker or alias (fallback: upper-cased)."""
    code = chain.strip().upper()
    dashed = re.sub(r"[_\s]+", "-", code)
    for candidate in (code, dashed):
        if candidate in CHAINS:
            return candidate
        if candidate in ALIASES:
            return ALIASES[candidate]
    if not _FALLBACK_CODE.fullmatch(code):
        raise InvalidFormat("chain code must be 1..32 characters of [A-Z0-9._-]", chain)
    return code


def get_chain(chain: str) -> Chain:
    """The :class:`Chain` for ``chain``; unknown codes get the generic rule."""
    code = canonical_chain(chain)
    known = CHAINS.get(code)
    if known is not None:
        return known
    return Chain(code, "generic", generic.compact, generic.validate, generic.format, checksum=False)
