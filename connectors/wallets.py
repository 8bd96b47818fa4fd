"""Which chain a source's wallet is on, when the source names a currency or nothing at all.

Sources name *currencies* (tickers), the graph keys wallets by *chain*:
OFAC writes ``XBT`` for bitcoin and ``USDT`` for Tether, which lives on
several chains. :func:`chain_for` maps a ticker to the chain code
graph.resolve knows (its aliases cover XBT, ERC20 …) and, for tokens
issued on several chains (USDT, USDC …), decides by the address's shape.
:func:`guess_chain` decides from the address alone, for sources that give
no currency (STIX patterns, the community ``cryptocurrency-wallet`` SCO
without ``currency``): the first chain whose checksum the address passes.
"""

from __future__ import annotations

import re

from graph import resolve

# Tickers of tokens that live on several chains: the chain follows from the address.
MULTICHAIN_TOKENS = frozenset({"USDT", "USDC", "BUSD", "DAI", "TUSD", "USDP", "PYUSD"})
# Checked in this order by guess_chain (each has a checksum, so a wrong guess fails).
_GUESS_ORDER = ("BTC", "ETH", "TRX", "LTC", "XRP")
_SHAPES = (
    (re.compile(r"0x[0-9A-Fa-f]{40}"), "ETH"),
    (re.compile(r"T[1-9A-HJ-NP-Za-km-z]{33}"), "TRX"),
    (re.compile(r"bnb1[02-9ac-hj-np-z]{38}"), "BNB-BEACON"),
)


def chain_for(ticker: str, address: str) -> str | None:
    """The chain code for a currency ticker and an address (None: cannot tell)."""
    code = ticker.strip().upper()
    address = address.strip()
    if code in MULTICHAIN_TOKENS:
        for shape, chain in _SHAPES:
            if shape.fullmatch(address):
                return chain
        return None
    if code == "BNB" and address.lower().startswith("bnb1"):
        return "BNB-BEACON"  # the retired BNB Beacon Chain: bech32, not the EVM BNB Smart Chain
    try:
        return resolve.wallet.canonical_chain(code)
    except resolve.InvalidIdentifier:
        return None


_LOOKS_LIKE = (
    (re.compile(r"(bc1|[13])[0-9A-Za-z]{25,87}"), "BTC"),
    (re.compile(r"0x[0-9A-Fa-f]{30,50}"), "ETH"),
    (re.compile(r"T[0-9A-Za-z]{30,40}"), "TRX"),
    (re.compile(r"(ltc1|[LM])[0-9A-Za-z]{25,87}"), "LTC"),
    (re.compile(r"r[0-9A-Za-z]{24,34}"), "XRP"),
)


def guess_chain(address: str) -> str | None:
    """The first well-known chain whose rules (checksums included) accept the address; failing that,
    the chain it looks like (so that validation then names the checksum that failed)."""
    address = address.strip()
    for chain in _GUESS_ORDER:
        if resolve.wallet.is_valid(address, chain=chain):
            return chain
    for shape, chain in _LOOKS_LIKE:
        if shape.fullmatch(address):
            return chain
    return None
