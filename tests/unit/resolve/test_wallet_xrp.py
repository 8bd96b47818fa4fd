"""XRP classic addresses and X-addresses against xrpl-py and a library suite."""

from __future__ import annotations

import pytest

from graph.resolve import normalize_wallet, xrp_tag
from graph.resolve.errors import InvalidFormat, InvalidIdentifier, InvalidLength
from graph.resolve.wallet import validate, xrp

from ._vectors import load

XRP = load("wallets")["xrp"]
CASES = XRP["xrpl_py_xaddress_cases"]["cases"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["xaddress_main"])
def test_xaddress_cases(case: dict[str, object]) -> None:
    classic, tag = str(case["classic"]), case["tag"]
    main, test = str(case["xaddress_main"]), str(case["xaddress_test"])
    assert xrp.decode_xaddress(main) == (classic, tag, False)
    assert xrp.decode_xaddress(test) == (classic, tag, True)
    assert xrp.encode_xaddress(classic, tag) == main  # type: ignore[arg-type]
    assert xrp.encode_xaddress(classic, tag, test=True) == test  # type: ignore[arg-type]
    # Merge key: the classic address; the tag is kept apart.
    assert normalize_wallet("XRP", main) == ("XRP", classic)
    assert xrp_tag(main) == tag
    assert normalize_wallet("XRP-TESTNET", test) == ("XRP-TESTNET", classic)
    assert xrp_tag(test, testnet=True) == tag
    assert validate(classic, chain="XRP") == classic


@pytest.mark.parametrize("case", CASES[:4], ids=lambda c: c["xaddress_test"])
def test_testnet_xaddress_is_not_mainnet(case: dict[str, str]) -> None:
    with pytest.raises(InvalidFormat, match="testnet"):
        validate(case["xaddress_test"], chain="XRP")
    with pytest.raises(InvalidFormat, match="mainnet"):
        validate(case["xaddress_main"], chain="XRP-TESTNET")


@pytest.mark.parametrize("case", XRP["xrpl_py_codec"]["classic_encode_decode"], ids=lambda c: c["classic"])
def test_classic_codec(case: dict[str, str]) -> None:
    account_id = bytes.fromhex(case["account_id_hex"])
    assert xrp.encode_classic(account_id) == case["classic"]
    assert xrp.decode_classic(case["classic"]) == account_id


def test_classic_encode_needs_20_bytes() -> None:
    for case in XRP["xrpl_py_is_valid"]["invalid_classic_encode"]:
        with pytest.raises(InvalidLength):
            xrp.encode_classic(bytes.fromhex(case["account_id_hex"]))


def test_is_valid_cases() -> None:
    section = XRP["xrpl_py_is_valid"]
    for address in section["valid_classic"] + section["valid_xaddress"]:
        assert xrp.is_valid(address), address
    for address in section["invalid_classic"] + section["invalid_xaddress"]:
        assert not xrp.is_valid(address), address


def test_library_suite() -> None:
    section = XRP["multicoin_address_validator"]
    for address in section["valid"]:
        assert xrp.validate(address) == address
    for address in section["invalid"]:
        with pytest.raises(InvalidIdentifier):
            xrp.validate(address)


def test_bitcoin_alphabet_address_is_not_xrp() -> None:
    with pytest.raises(InvalidIdentifier):
        xrp.validate("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")


def test_reserved_tag_bits_must_be_zero() -> None:
    # Build an X-address whose tag field uses the reserved high 32 bits.
    from graph.resolve.wallet._base58 import RIPPLE_ALPHABET, b58check_encode

    account = xrp.decode_classic("rGWrZyQqhTp9Xu7G5Pkayo7bXjH4k4QYpf")
    body = bytes([0x05, 0x44]) + account + bytes([1]) + (1 << 32).to_bytes(8, "little")
    with pytest.raises(InvalidFormat, match="reserved"):
        xrp.validate(b58check_encode(body, alphabet=RIPPLE_ALPHABET))
    no_tag_but_bytes = bytes([0x05, 0x44]) + account + bytes([0]) + (7).to_bytes(8, "little")
    with pytest.raises(InvalidFormat, match="non-zero"):
        xrp.validate(b58check_encode(no_tag_but_bytes, alphabet=RIPPLE_ALPHABET))
