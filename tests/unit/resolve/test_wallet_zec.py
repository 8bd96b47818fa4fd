"""Zcash addresses: librustzcash's unified-address and F4Jumble vectors, its Sapling encoding, ZIP 320,
a library suite (tests/vectors/wallets_more.json) and the transparent addresses OFAC lists."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.resolve.errors import InvalidFormat, InvalidIdentifier
from graph.resolve.wallet import _bech32, is_valid, validate, zec

from ._vectors import load

ZEC = load("wallets_more")["zcash"]
MULTI = load("wallets_more")["multicoin_address_validator"]


@pytest.mark.parametrize("case", ZEC["f4jumble"]["vectors"], ids=lambda c: f"{len(c['normal']) // 2}B")
def test_f4jumble_vectors(case: dict) -> None:
    normal, jumbled = bytes.fromhex(case["normal"]), bytes.fromhex(case["jumbled"])
    assert zec.f4jumble(normal) == jumbled
    assert zec.f4jumble_inv(jumbled) == normal


@pytest.mark.parametrize("case", ZEC["unified"]["vectors"], ids=lambda c: c["address"][:20])
def test_unified_address_vectors_give_their_receivers(case: dict) -> None:
    receivers = [[typecode, raw.hex()] for typecode, raw in zec.unified_receivers(case["address"])]
    assert receivers == case["receivers"]
    assert validate(case["address"].upper(), chain="ZEC") == case["address"]


def test_a_unified_address_with_one_character_changed_is_refused() -> None:
    address = ZEC["unified"]["vectors"][0]["address"]
    for position in (5, len(address) // 2, len(address) - 3):
        replacement = "q" if address[position] != "q" else "p"
        with pytest.raises(InvalidIdentifier):
            zec.validate(address[:position] + replacement + address[position + 1:])


def test_a_unified_address_whose_padding_is_not_its_hrp_is_refused() -> None:
    # Re-encode a real one under another hrp without re-jumbling: the checksum is right, the padding is not.
    _, data, _ = _bech32.bech32_decode(ZEC["unified"]["vectors"][0]["address"], max_length=1000)
    other = _bech32.bech32_encode("u", data, _bech32.Encoding.BECH32M)
    assert zec.is_valid(other)
    raw = bytes(_bech32.convertbits(data, 5, 8, False))
    plain = zec.f4jumble_inv(raw)
    forged = zec.f4jumble(plain[:-16] + b"x".ljust(16, b"\0"))
    text = _bech32.bech32_encode("u", _bech32.convertbits(forged, 8, 5, True), _bech32.Encoding.BECH32M)
    with pytest.raises(InvalidFormat, match="padding"):
        zec.validate(text)


def test_sapling_encoding_of_librustzcash() -> None:
    sapling = ZEC["sapling"]
    assert validate(sapling["main"], chain="ZEC") == sapling["main"]
    hrp, data, _ = _bech32.bech32_decode(sapling["main"])
    assert (hrp, bytes(_bech32.convertbits(data, 5, 8, False)).hex()) == ("zs", sapling["bytes"])
    for other in (sapling["test"], sapling["regtest"]):
        with pytest.raises(InvalidFormat, match="test network"):
            zec.validate(other)
    # Documented limit: librustzcash refuses this one for its diversifier (no curve point); the checksum is sound.
    assert zec.is_valid(sapling["invalid_diversifier_main"])


def test_tex_keys_as_its_transparent_address() -> None:
    assert validate(ZEC["tex"]["tex"], chain="ZEC") == ZEC["tex"]["t1"]
    assert validate(ZEC["tex"]["t1"], chain="ZEC") == ZEC["tex"]["t1"]


@pytest.mark.parametrize("case", MULTI["zcash_valid"], ids=lambda c: c["address"])
def test_library_transparent_addresses(case: dict) -> None:
    assert is_valid(case["address"], chain="ZEC") is (case["network"] == "prod")


@pytest.mark.parametrize("case", MULTI["zcash_invalid"] + [{"address": a} for a in MULTI["common_invalid"]],
                         ids=lambda c: c["address"] or "empty")
def test_library_refusals(case: dict) -> None:
    assert not zec.is_valid(case["address"])


@pytest.mark.parametrize("address", ["t1g7wowvQ8gn2v8jrU1biyJ26sieNqNsBJy", "t1MMXtBrSp1XG38Lx9cePcNUCJj5vdWfUWL"])
def test_ofac_listed_transparent_addresses(address: str) -> None:
    assert validate(address, chain="ZEC") == address


@given(st.binary(min_size=48, max_size=300))
def test_f4jumble_round_trip(message: bytes) -> None:
    assert zec.f4jumble_inv(zec.f4jumble(message)) == message
