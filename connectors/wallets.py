"""Which chain a source's wallet is on, when the source names a currency or nothing at all.

Sources name *currencies* (tickers), the graph keys wallets by *chain*.
OFAC writes ``XBT`` for bitcoin and ``USDT`` for Tether, which lives on
several chains; :func:`place` turns a ticker and an address into the chain
code graph.resolve knows, and says on what grounds:

* a coin's own ticker (``XBT``, ``ETH``, ``XMR`` …, graph.resolve's aliases)
  names its chain;
* a token issued on several chains (``USDT``, ``USDC`` …) goes where the
  address's form says: the first of the token's chains whose rule accepts
  it (``1…``/``3…`` Base58Check: Bitcoin, i.e. USDT on the Omni layer;
  ``0x…``: Ethereum — an EVM address is one key on every EVM chain, and the
  graph's search looks it up on all of them; ``T…``: Tron; 32 bytes of
  Base58: Solana);
* a coin ticker whose chain refuses the address while exactly one other
  chain's *checksum* accepts it (OFAC lists a Tron address under ``XBT``):
  that chain, since a checksum that passes by chance is a one in four
  billion event; the note says the ticker disagreed.

The ticker stays on the wallet as its ``currency`` attribute.
:func:`guess_chain` decides from the address alone, for sources that give no
currency (STIX patterns, the community ``cryptocurrency-wallet`` SCO
without ``currency``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph import resolve

# Tokens issued on several chains, with those chains in the order their address forms are tried.
TOKEN_CHAINS: dict[str, tuple[str, ...]] = {
    "USDT": ("ETH", "TRX", "BTC", "SOL"),  # BTC: Tether's first home, the Omni layer on Bitcoin
    "USDC": ("ETH", "SOL", "TRX"),
    "PYUSD": ("ETH", "SOL"),
    "TUSD": ("ETH", "TRX"),
    "BUSD": ("ETH",),
    "DAI": ("ETH",),
    "USDP": ("ETH",),
}
MULTICHAIN_TOKENS = frozenset(TOKEN_CHAINS)
_FORM_NOTES = {"BTC": " (the Omni layer on Bitcoin)",
               "ETH": " (an EVM address: the same key on every EVM chain)"}
# Chains whose checksum may settle a ticker that disagrees with its address.
_CHECKSUM_CHAINS = ("BTC", "ETH", "TRX", "LTC", "XRP", "BCH", "DASH", "ZEC", "XMR", "BTG", "XVG")
# Checked in this order by guess_chain (each has a checksum, so a wrong guess fails).
_GUESS_ORDER = ("BTC", "ETH", "TRX", "LTC", "XRP")


@dataclass(frozen=True)
class Placement:
    """The chain of a wallet and, when not the ticker's own, why (kept on the wallet as ``chain_basis``)."""

    chain: str | None  # None: cannot tell
    basis: str = ""


def place(ticker: str, address: str) -> Placement:
    """The chain for a currency ticker and an address (see the module docstring)."""
    code = ticker.strip().upper()
    address = address.strip()
    if code in TOKEN_CHAINS:
        for chain in TOKEN_CHAINS[code]:
            if resolve.wallet.is_valid(address, chain=chain):
                return Placement(chain, f"{code} names a token on several chains; the address is one of "
                                        f"{chain}'s{_FORM_NOTES.get(chain, '')}")
        looks = next((c for shape, c in _LOOKS_LIKE if c in TOKEN_CHAINS[code] and shape.fullmatch(address)), None)
        return Placement(looks)  # validation then names the checksum that failed
    if code == "BNB" and address.lower().startswith("bnb1"):
        return Placement("BNB-BEACON")  # the retired BNB Beacon Chain: bech32, not the EVM BNB Smart Chain
    try:
        chain = resolve.wallet.canonical_chain(code)
    except resolve.InvalidIdentifier:
        return Placement(None)
    if resolve.wallet.is_valid(address, chain=chain):
        return Placement(chain)
    proven = [c for c in _CHECKSUM_CHAINS if c != chain and resolve.wallet.is_valid(address, chain=c)]
    families = {resolve.wallet.get_chain(c).rule for c in proven}
    if proven and len(families) == 1 and chain in resolve.wallet.CHAINS:
        return Placement(proven[0], f"listed as {code}, but the address passes {proven[0]}'s checksum, "
                                    f"not {chain}'s")
    return Placement(chain)  # validation names what is wrong with it


def chain_for(ticker: str, address: str) -> str | None:
    """The chain code for a currency ticker and an address (None: cannot tell)."""
    return place(ticker, address).chain


def check_note(chain: str) -> str | None:
    """What a wallet on ``chain`` should say about its address check, when a mistyped one would pass."""
    spec = resolve.wallet.get_chain(chain)
    if spec.checksum:
        return None
    if spec.rule == "generic":
        return f"not verified: regulink has no address rule for {spec.code}; only the characters were checked"
    return f"not verified: {spec.code} addresses carry no checksum; only the form was checked"


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
    for chain, _ in resolve.wallet.candidates(address):  # XMR, ZEC, a CashAddr …: never a SOL guess (no checksum)
        if resolve.wallet.CHAINS[chain].checksum:
            return chain
    for shape, chain in _LOOKS_LIKE:
        if shape.fullmatch(address):
            return chain
    return None
