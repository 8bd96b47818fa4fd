"""TRON addresses: Base58 T… and the 41… hex form."""

from __future__ import annotations

import pytest

from graph.resolve.errors import InvalidFormat, InvalidIdentifier
from graph.resolve.wallet import normalize_wallet, tron

from ._vectors import load

TRON = load("wallets")["tron"]
VALID = TRON["python_validators"]["valid"] + TRON["multicoin_address_validator"]["valid_mainnet"]
INVALID = TRON["python_validators"]["invalid"] + TRON["multicoin_address_validator"]["invalid"]


@pytest.mark.parametrize("case", VALID, ids=lambda c: c["address"])
def test_valid_addresses_and_hex_forms(case: dict[str, str]) -> None:
    address, hex_form = case["address"], case["decoded_hex"]
    assert tron.validate(address) == address
    assert tron.to_hex(address) == hex_form
    # Both hex spellings normalize to the Base58 form: one merge key.
    assert tron.validate(hex_form) == address
    assert tron.validate("0x" + hex_form.upper()) == address
    assert normalize_wallet("tron", hex_form) == ("TRX", address)


@pytest.mark.parametrize("address", INVALID)
def test_invalid_addresses(address: str) -> None:
    with pytest.raises(InvalidIdentifier):
        tron.validate(address)


@pytest.mark.parametrize("address", TRON["multicoin_address_validator"]["valid_testnet_legacy"])
def test_legacy_testnet_is_rejected(address: str) -> None:
    # Policy: only mainnet version 0x41; the library accepts 0xa0 testnet.
    with pytest.raises(InvalidFormat, match="testnet"):
        tron.validate(address)


def test_hex_form_must_carry_the_41_version() -> None:
    with pytest.raises(InvalidFormat, match="41"):
        tron.validate("42866d72460954b4d42d18e63880d26673e6b708f4")
