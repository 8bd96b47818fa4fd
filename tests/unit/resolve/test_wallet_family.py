"""DASH, BTG, XVG (Bitcoin's rules, other version bytes) and SOL (no checksum): library suites, OFAC's own."""

from __future__ import annotations

import pytest

from graph.resolve.errors import InvalidFormat, InvalidIdentifier, InvalidLength
from graph.resolve.wallet import (
    CHAINS,
    _base58,
    bitcoin_family,
    get_chain,
    is_valid,
    sol,
    validate,
)

from ._vectors import load

MULTI = load("wallets_more")["multicoin_address_validator"]
VERGE = load("wallets_more")["verge"]
FAMILY = {"dash_valid": ("DASH", bitcoin_family.DASH), "btg_valid": ("BTG", bitcoin_family.BTG)}


@pytest.mark.parametrize("key, case", [(k, c) for k in FAMILY for c in MULTI[k]],
                         ids=lambda v: v if isinstance(v, str) else v["address"])
def test_library_addresses_on_their_network(key: str, case: dict) -> None:
    chain, coin = FAMILY[key]
    testnet = case["network"] == "testnet"
    assert is_valid(case["address"], chain=chain) is not testnet
    assert bitcoin_family.validate(coin, case["address"], testnet=testnet) == case["address"]


@pytest.mark.parametrize("address, chain", [
    ("XnPFsRWTaSgiVauosEwQ6dEitGYXgwznz2", "DASH"), ("Xs3vzQmNvAxRa3Xo8XzQqUb3BMgb9EogF4", "DASH"),
    ("XyARKoupuArYtToA2S6yMdnoquDCDaBsaT", "DASH"), ("GPwg61XoHqQPNmAucFACuQ5H9sGCDv9TpS", "BTG"),
    (VERGE["ofac_address"], "XVG"),
])
def test_the_addresses_ofac_lists(address: str, chain: str) -> None:
    assert validate(address, chain=chain) == address
    others = [c for c in ("BTC", "DASH", "BTG", "XVG", "LTC") if c != chain]
    assert not any(is_valid(address, chain=c) for c in others)


def test_version_bytes_decide_the_chain() -> None:
    digest = bytes(range(20))
    for chain, coin in (("DASH", bitcoin_family.DASH), ("BTG", bitcoin_family.BTG), ("XVG", bitcoin_family.XVG)):
        for version in coin.main.versions:
            assert validate(coin.main.encode_base58(version, digest), chain=chain)
        bitcoin = _base58.b58check_encode(b"\x00" + digest)
        with pytest.raises(InvalidFormat, match="version byte 0x00"):
            validate(bitcoin, chain=chain)
        testnet = coin.test.encode_base58(next(iter(coin.test.versions)), digest)
        with pytest.raises(InvalidFormat, match="testnet address, not"):
            validate(testnet, chain=chain)


def test_segwit_where_the_coin_has_it() -> None:
    program = bytes(range(20))
    assert validate(bitcoin_family.BTG.main.encode_segwit(0, program), chain="BTG").startswith("btg1")
    assert validate(bitcoin_family.XVG.main.encode_segwit(0, program), chain="XVG").startswith("vg1")
    with pytest.raises(InvalidIdentifier):
        validate(bitcoin_family.BTG.main.encode_segwit(0, program), chain="DASH")


@pytest.mark.parametrize("case", MULTI["solana_valid"], ids=lambda c: c["address"])
def test_solana_addresses(case: dict) -> None:
    assert sol.validate(case["address"]) == case["address"]


@pytest.mark.parametrize("case", MULTI["solana_invalid"] + [{"address": a} for a in MULTI["common_invalid"]],
                         ids=lambda c: c["address"] or "empty")
def test_solana_refusals(case: dict) -> None:
    with pytest.raises(InvalidIdentifier):
        sol.validate(case["address"])


def test_solana_has_no_checksum_and_says_so() -> None:
    assert CHAINS["SOL"].checksum is False and get_chain("ADA").checksum is False
    assert all(CHAINS[c].checksum for c in ("BTC", "ETH", "XMR", "ZEC", "BCH", "BSV", "DASH", "BTG", "XVG"))
    # One character changed is still "valid": which is why a SOL wallet is marked as not verified.
    address = MULTI["solana_valid"][0]["address"]
    assert sol.is_valid(address[:-1] + ("a" if address[-1] != "a" else "b"))
    with pytest.raises(InvalidLength):
        sol.validate(address[:-2])
