"""Wallet addresses, one module per chain, behind a chain registry.

Every function takes the chain as a keyword (a code, ticker or alias, see
:mod:`.chains`); the normalized address is the merge key *within* that
chain, so store it with the canonical code :func:`normalize_wallet` returns.

>>> normalize_wallet("ethereum", "0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED")
('ETH', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed')
>>> normalize_wallet("xbt", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")
('BTC', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4')
>>> format("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", chain="BSC")
'0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
>>> [chain for chain, _ in candidates("18M8bJWMzWHDBMxoLqjHHAffdRy4SrzkfB")]
['BTC', 'BCH', 'BSV']
>>> dict(candidates("18M8bJWMzWHDBMxoLqjHHAffdRy4SrzkfB"))["BCH"]
'bitcoincash:qpgf0ztxq3mwfq6eg5versgfdzq9c3pwv5jsk6wnay'
"""

from __future__ import annotations

from ..errors import InvalidIdentifier
from .chains import ALIASES, CHAINS, Chain, canonical_chain, get_chain
from .xrp import xrp_tag

__all__ = [
    "ALIASES",
    "CHAINS",
    "Chain",
    "candidates",
    "canonical_chain",
    "compact",
    "format",
    "get_chain",
    "is_valid",
    "normalize_wallet",
    "validate",
    "xrp_tag",
]


def compact(value: str, *, chain: str) -> str:
    """Strip what the chain's rule strips (whitespace), nothing else."""
    return get_chain(chain).compact(value)


def validate(value: str, *, chain: str) -> str:
    """Normalized address on ``chain``, or raise an InvalidIdentifier subclass."""
    return get_chain(chain).validate(value)


def is_valid(value: str, *, chain: str) -> bool:
    """True when :func:`validate` accepts ``value`` on ``chain``."""
    try:
        validate(value, chain=chain)
    except InvalidIdentifier:
        return False
    return True


def format(value: str, *, chain: str) -> str:
    """Human display form (EIP-55 for EVM chains, normalized form otherwise)."""
    return get_chain(chain).format(value)


def normalize_wallet(chain: str, address: str) -> tuple[str, str]:
    """(canonical chain code, normalized address): the wallet's merge key."""
    spec = get_chain(chain)
    return spec.code, spec.validate(address)


def candidates(address: str) -> list[tuple[str, str]]:
    """Every (chain, normalized address) a bare address can be, in registry order: the chains
    whose rule accepts it (a legacy ``1…`` address is BTC, BCH and BSV alike; an EVM address
    is the same text on every EVM chain). For lookups, e.g. an investigator's search; the
    generic fallback is not tried (it would accept anything on any chain)."""
    found: list[tuple[str, str]] = []
    for code, spec in CHAINS.items():
        try:
            found.append((code, spec.validate(address)))
        except InvalidIdentifier:
            continue
    return found
