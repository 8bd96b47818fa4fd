"""EVM addresses against the EIP-55 text and two library suites."""

from __future__ import annotations

import pytest

from graph.resolve.errors import InvalidChecksum, InvalidFormat, InvalidIdentifier, InvalidLength
from graph.resolve.wallet import eth, format, validate
from graph.resolve.wallet.chains import CHAINS

from ._vectors import load

ETH = load("wallets")["ethereum"]
EVM_CHAINS = sorted(code for code, chain in CHAINS.items() if chain.rule == "eth")


def test_keccak256_is_keccak_not_sha3() -> None:
    # Keccak-256("") differs from SHA3-256(""): the padding Ethereum uses.
    assert eth.keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


@pytest.mark.parametrize("case", ETH["eip55_test_cases"]["cases"], ids=lambda c: c["address"])
def test_eip55_test_cases(case: dict[str, str]) -> None:
    assert eth.validate(case["address"]) == case["address"].lower()
    assert eth.format(case["address"]) == case["checksummed"]
    assert eth.format(case["address"].lower()) == case["checksummed"]


@pytest.mark.parametrize(
    "case", [c for c in ETH["eip55_test_cases"]["cases"] if c["group"] == "normal"], ids=lambda c: c["address"]
)
def test_eip55_single_case_flip_is_detected(case: dict[str, str]) -> None:
    address = case["address"]
    index = next(i for i, c in enumerate(address) if i > 1 and c.isalpha())
    flipped = address[:index] + address[index].swapcase() + address[index + 1 :]
    with pytest.raises(InvalidChecksum, match="EIP-55"):
        eth.validate(flipped)


@pytest.mark.parametrize("source", ["multicoin_address_validator", "python_validators"])
def test_library_valid_addresses_and_checksummed_forms(source: str) -> None:
    section = ETH[source]
    for address in section["valid"]:
        assert eth.validate(address) == address.lower()
        assert eth.format(address) == section["valid_checksummed"][address]


def _invalid_cases() -> list[tuple[str, bool]]:
    multicoin = [(c["address"], bool(c.get("library_specific"))) for c in ETH["multicoin_address_validator"]["invalid"]]
    return multicoin + [(a, False) for a in ETH["python_validators"]["invalid"]]


@pytest.mark.parametrize(("address", "library_specific"), _invalid_cases())
def test_library_invalid_addresses(address: str, library_specific: bool) -> None:
    if library_specific:
        # README "Known disagreements" 5: multicoin rejects only because of
        # the uppercase 0X prefix; our documented policy accepts 0X (the hex
        # is a valid all-caps form), tested in test_uppercase_0x_prefix.
        pytest.skip("library-specific 0X rejection; our policy accepts 0X")
    with pytest.raises(InvalidIdentifier):
        eth.validate(address)


def test_uppercase_0x_prefix_is_accepted_and_normalized() -> None:
    assert eth.validate("0XD1220A0CF47C7B9BE7A2E6BA89F429762E7B9ADB") == "0xd1220a0cf47c7b9be7a2e6ba89f429762e7b9adb"
    # The checksum still applies after a 0X prefix.
    assert eth.validate("0XD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb") == "0xd1220a0cf47c7b9be7a2e6ba89f429762e7b9adb"
    with pytest.raises(InvalidChecksum):
        eth.validate("0XD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDB")


def test_error_classes() -> None:
    with pytest.raises(InvalidFormat, match="0x"):
        eth.validate("52908400098527886E0F7030069857D2E4169EE7")
    with pytest.raises(InvalidFormat, match="hex"):
        eth.validate("0x742d35Cc6634C0532925a3b844Bc454e4438f44g")
    with pytest.raises(InvalidLength):
        eth.validate("0x742d35Cc6634C0532925a3b844Bc454e4438f44")


@pytest.mark.parametrize("chain", EVM_CHAINS + ["bnb", "matic", "Polygon", "erc20", "avalanche_c"])
def test_every_evm_chain_uses_the_eip55_rule(chain: str) -> None:
    assert validate("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", chain=chain) == (
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
    )
    assert format("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", chain=chain) == (
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    )
    with pytest.raises(InvalidChecksum):
        validate("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", chain=chain)


def test_evm_chain_list() -> None:
    assert EVM_CHAINS == sorted(["ETH", "ETC", "BSC", "POL", "ARB", "OP", "BASE", "AVAX-C"])
