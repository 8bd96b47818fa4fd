"""Monero addresses against the Monero sources' own vectors and a library suite (tests/vectors/wallets_more.json)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.resolve.errors import InvalidChecksum, InvalidFormat, InvalidIdentifier
from graph.resolve.wallet import is_valid, validate, xmr
from graph.resolve.wallet._base58 import BITCOIN_ALPHABET

from ._vectors import load

XMR = load("wallets_more")["monero"]
MULTI = load("wallets_more")["multicoin_address_validator"]
KEYS = bytes.fromhex(XMR["account_keys"])


@pytest.mark.parametrize("case", XMR["encode_addr"], ids=lambda c: c["address"][:24])
def test_monero_base58_encode_addr_vectors(case: dict) -> None:
    data = bytes.fromhex(case["data"])
    assert xmr.encode_addr(case["tag"], data) == case["address"]
    assert xmr.decode_addr(case["address"]) == (case["tag"], data)


@pytest.mark.parametrize("text", XMR["decode_addr_invalid"])
def test_monero_base58_decode_addr_refusals(text: str) -> None:
    with pytest.raises(InvalidIdentifier):
        xmr.decode_addr(text)


def test_the_monero_test_account_and_its_broken_keys() -> None:
    address = XMR["account_address"]
    assert xmr.encode_addr(18, KEYS) == address
    assert validate(address, chain="XMR") == address
    assert xmr.decode(address)[1:3] == (KEYS[:32], KEYS[32:])
    # Monero's fails_on_invalid_address_spend_key / _view_key: the checksum is right, the keys are not points.
    for broken, name in ((b"\0" + KEYS[1:], "spend"), (KEYS[:-1] + b"\x01", "view")):
        with pytest.raises(InvalidFormat, match=f"{name} key is not an ed25519 point"):
            xmr.validate(xmr.encode_addr(18, broken))
    with pytest.raises(InvalidFormat, match="network tag 0"):
        xmr.validate(xmr.encode_addr(0, KEYS))  # fails_on_invalid_address_prefix
    with pytest.raises(InvalidIdentifier):
        xmr.validate(xmr.encode_addr(18, KEYS[1:]))  # fails_on_invalid_address_content


@pytest.mark.parametrize("case", MULTI["monero_valid"], ids=lambda c: c["address"][:16])
def test_library_addresses_on_their_network(case: dict) -> None:
    mainnet = case["address"][0] in "48"
    assert is_valid(case["address"], chain="XMR") is mainnet
    if not mainnet:
        with pytest.raises(InvalidFormat, match="(testnet|stagenet) address, not mainnet"):
            xmr.validate(case["address"])


@pytest.mark.parametrize("case", MULTI["monero_invalid"], ids=lambda c: c["address"][:16])
def test_library_refusals(case: dict) -> None:
    with pytest.raises(InvalidChecksum):
        xmr.validate(case["address"])


def test_an_integrated_address_keys_as_its_standard_address() -> None:
    integrated = xmr.encode_addr(19, KEYS + bytes.fromhex("0123456789abcdef"))
    assert xmr.validate(integrated) == XMR["account_address"]
    assert xmr.payment_id(integrated) == "0123456789abcdef"
    assert xmr.payment_id(XMR["account_address"]) is None
    subaddress = xmr.encode_addr(42, KEYS)
    assert xmr.validate(subaddress) == subaddress  # a subaddress is a wallet of its own


def test_the_64_hex_digit_monero_address_ofac_listed_is_refused() -> None:
    # OFAC SDN entry 29585 (2021 and 2024 files): a hash, not an address. It must not become a wallet key.
    with pytest.raises(InvalidFormat, match="64 hex digits"):
        validate("5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320", chain="XMR")


@given(st.sampled_from([18, 42, 53, 24]), st.integers(0, 94), st.sampled_from(BITCOIN_ALPHABET))
def test_one_changed_character_is_refused(tag: int, position: int, char: str) -> None:
    address = xmr.encode_addr(tag, KEYS)
    changed = address[:position] + char + address[position + 1:]
    if changed != address:
        with pytest.raises(InvalidIdentifier):
            xmr.decode(changed)


@given(st.binary(max_size=80))
def test_block_base58_round_trip(data: bytes) -> None:
    assert xmr.b58decode(xmr.b58encode(data)) == data
