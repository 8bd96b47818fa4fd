"""Litecoin addresses against Litecoin Core (Base58 entries) and a library suite."""

from __future__ import annotations

import pytest

from graph.resolve.errors import InvalidFormat, InvalidIdentifier
from graph.resolve.wallet import _base58, is_valid, ltc, validate

from ._vectors import load

LTC = load("wallets")["litecoin"]
MULTI = LTC["multicoin_address_validator"]


def script_pubkey(address: str, *, testnet: bool) -> str:
    network = ltc.TESTNET if testnet else ltc.MAINNET
    payload = _base58.b58check_decode(address, size=25)
    h160 = payload[1:].hex()
    return f"76a914{h160}88ac" if network.versions[payload[0]] == "P2PKH" else f"a914{h160}87"


@pytest.mark.parametrize("entry", LTC["key_io_valid_legacy"]["entries"], ids=lambda e: e["address"])
def test_core_base58_entries(entry: dict[str, str]) -> None:
    testnet = entry["chain"] == "test"
    chain, other = ("LTC-TESTNET", "LTC") if testnet else ("LTC", "LTC-TESTNET")
    assert validate(entry["address"], chain=chain) == entry["address"]
    assert script_pubkey(entry["address"], testnet=testnet) == entry["scriptpubkey"]
    assert not is_valid(entry["address"], chain=other)


@pytest.mark.parametrize("address", MULTI["valid_mainnet"])
def test_mainnet(address: str) -> None:
    segwit = address.lower().startswith("ltc1")
    expected = address.lower() if segwit else address
    assert ltc.validate(address) == expected
    if segwit:
        assert ltc.validate(address.upper()) == expected


@pytest.mark.parametrize("case", MULTI["valid_mainnet_ambiguous"], ids=lambda c: c["address"])
def test_legacy_p2sh_is_valid_on_both_ltc_and_btc(case: dict[str, str]) -> None:
    # Same string, two chains: the declared chain decides (documented).
    assert validate(case["address"], chain="LTC") == case["address"]
    assert validate(case["address"], chain="BTC") == case["address"]


@pytest.mark.parametrize("address", MULTI["valid_testnet"])
def test_testnet_only_on_ltc_testnet(address: str) -> None:
    expected = address.lower() if address.startswith("tltc1") else address
    assert validate(address, chain="LTC-TESTNET") == expected
    with pytest.raises(InvalidFormat, match="testnet"):
        ltc.validate(address)


@pytest.mark.parametrize("address", MULTI["invalid"])
def test_invalid(address: str) -> None:
    for chain in ("LTC", "LTC-TESTNET"):
        with pytest.raises(InvalidIdentifier):
            validate(address, chain=chain)


def test_bitcoin_segwit_is_not_litecoin() -> None:
    with pytest.raises(InvalidFormat):
        ltc.validate("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")


def test_base58_address_starting_like_the_hrp_is_still_base58() -> None:
    # A P2PKH "L…" address (version 0x30 spans "LK…".."Li…") can begin with
    # "LTC1", which is also an upper-case SegWit prefix; it must not be forced
    # through bech32. Decode a string with that prefix, keep version + hash,
    # re-add the checksum (which only changes the last few characters).
    raw = _base58.b58decode("LTC1" + "2" * 30)
    assert len(raw) == 25 and raw[0] == 0x30
    address = _base58.b58check_encode(raw[:21])
    assert address.startswith("LTC1")
    assert ltc.validate(address) == address
