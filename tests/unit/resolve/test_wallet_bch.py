"""Bitcoin Cash and Bitcoin SV: the CashAddr specification's vectors and a library suite."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.resolve.errors import InvalidChecksum, InvalidFormat, InvalidIdentifier
from graph.resolve.wallet import bch, candidates, is_valid, validate

from ._vectors import load

CASH = load("wallets_more")["cashaddr"]
MULTI = load("wallets_more")["multicoin_address_validator"]


@pytest.mark.parametrize(("legacy", "cashaddr"), CASH["legacy_pairs"])
def test_every_form_of_one_wallet_gives_one_key(legacy: str, cashaddr: str) -> None:
    payload = cashaddr.split(":")[1]
    for written in (legacy, cashaddr, payload, payload.upper(), cashaddr.upper()):
        assert validate(written, chain="BCH") == cashaddr
        assert validate(written, chain="BSV") == legacy


@pytest.mark.parametrize("text", CASH["valid_checksums"])
def test_spec_checksum_vectors(text: str) -> None:
    prefix, _ = bch.cashaddr_decode(text)
    assert prefix == text.split(":")[0]


@pytest.mark.parametrize("case", CASH["sizes"], ids=lambda c: c["address"][:20])
def test_spec_hash_size_vectors(case: dict) -> None:
    prefix = case["address"].split(":")[0]
    digest = bytes.fromhex(case["hash"])
    assert bch.encode_address(prefix, case["type"], digest) == case["address"]
    assert bch.decode_address(case["address"]) == (prefix, case["type"], digest)


def test_which_sizes_and_types_are_addresses() -> None:
    by = {(len(bytes.fromhex(c["hash"])), c["type"], c["address"].split(":")[0]): c["address"] for c in CASH["sizes"]}
    assert is_valid(by[(20, 0, "bitcoincash")], chain="BCH")
    assert not is_valid(by[(20, 1, "bchtest")], chain="BCH")  # a test network
    with pytest.raises(InvalidFormat, match="not Bitcoin Cash mainnet"):
        bch.validate(by[(20, 1, "pref")])
    with pytest.raises(InvalidIdentifier):
        bch.validate(by[(24, 0, "bitcoincash")])  # a P2PKH holds 20 bytes
    p2sh32 = bch.encode_address("bitcoincash", 1, bytes(range(32)))
    assert bch.validate(p2sh32) == p2sh32 and not is_valid(p2sh32, chain="BSV")


def test_token_aware_forms_key_as_the_plain_address() -> None:
    cashaddr = CASH["legacy_pairs"][2][1]
    digest = bch.decode_address(cashaddr)[2]
    tokens = bch.encode_address("bitcoincash", 2, digest)  # the CashTokens "z…" form
    assert tokens.startswith("bitcoincash:z") and validate(tokens, chain="BCH") == cashaddr


@pytest.mark.parametrize("case", MULTI["bch_valid"], ids=lambda c: c["address"])
def test_library_bch_addresses(case: dict) -> None:
    mainnet = case["address"][:1] in "13" or case["address"].startswith("bitcoincash:")
    assert is_valid(case["address"], chain="BCH") is mainnet


@pytest.mark.parametrize("case", MULTI["bsv_valid"], ids=lambda c: c["address"])
def test_library_bsv_addresses(case: dict) -> None:
    assert is_valid(case["address"], chain="BSV")


@pytest.mark.parametrize("case", MULTI["bsv_invalid"] + MULTI["bch_invalid"], ids=lambda c: c["address"])
def test_library_refusals(case: dict) -> None:
    assert not is_valid(case["address"], chain="BSV") and not is_valid(case["address"], chain="BCH")


def test_mixed_case_and_a_changed_character_are_refused() -> None:
    cashaddr = CASH["legacy_pairs"][0][1]
    with pytest.raises(InvalidFormat, match="mixes"):
        bch.validate(cashaddr[:20] + cashaddr[20:].upper())
    with pytest.raises(InvalidChecksum):
        bch.validate(cashaddr[:-1] + ("q" if cashaddr[-1] != "q" else "p"))


def test_a_legacy_address_is_a_candidate_on_btc_bch_and_bsv() -> None:
    legacy, cashaddr = CASH["legacy_pairs"][0]
    assert candidates(legacy) == [("BTC", legacy), ("BCH", cashaddr), ("BSV", legacy)]
    assert candidates(cashaddr.split(":")[1]) == [("BCH", cashaddr), ("BSV", legacy)]


@given(st.binary(min_size=20, max_size=20), st.sampled_from([0, 1]), st.integers(0, 41),
       st.sampled_from("qpzry9x8gf2tvdw0s3jn54khce6mua7l"))
def test_cashaddr_round_trip_and_every_substitution_is_caught(digest: bytes, type_: int, position: int,
                                                              char: str) -> None:
    address = bch.encode_address("bitcoincash", type_, digest)
    assert bch.validate(address) == address
    payload = address.split(":")[1]
    changed = payload[:position] + char + payload[position + 1:]
    if changed != payload:
        with pytest.raises(InvalidIdentifier):
            bch.validate(changed)
