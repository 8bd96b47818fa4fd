"""Bitcoin addresses against Bitcoin Core, BIP-173/350 and python-stdnum vectors."""

from __future__ import annotations

import pytest

from graph.resolve.errors import InvalidChecksum, InvalidFormat, InvalidIdentifier, InvalidLength
from graph.resolve.wallet import _base58, _bech32, btc, is_valid, validate

from ._vectors import load, script_pubkey_for

BTC = load("wallets")["bitcoin"]
BIP = BTC["bip173_bip350"]
STDNUM = BTC["python_stdnum"]

# stdnum's exception names -> ours (we have no InvalidComponent: a wrong
# version byte or witness version is a format error here).
STDNUM_ERRORS = {
    "InvalidChecksum": InvalidChecksum,
    "InvalidFormat": InvalidFormat,
    "InvalidLength": InvalidLength,
    "InvalidComponent": InvalidFormat,
}


def script_pubkey(address: str, *, testnet: bool) -> str:
    """scriptPubKey hex for an address we accept (independent of validate's output)."""
    network = btc.TESTNET if testnet else btc.MAINNET
    if address.lower().startswith(network.hrp + "1"):
        _, version, program = _bech32.decode_segwit(network.hrp, address)
        return script_pubkey_for(version, program)
    payload = _base58.b58check_decode(address, size=25)
    kind = network.versions[payload[0]]
    h160 = payload[1:].hex()
    return f"76a914{h160}88ac" if kind == "P2PKH" else f"a914{h160}87"


@pytest.mark.parametrize(("hex_bytes", "text"), BTC["base58_encode_decode"]["pairs"])
def test_base58_encode_decode(hex_bytes: str, text: str) -> None:
    assert _base58.b58encode(bytes.fromhex(hex_bytes)) == text
    assert _base58.b58decode(text) == bytes.fromhex(hex_bytes)


MAIN = [e for e in BTC["key_io_valid_addresses"]["entries"] if e["chain"] == "main"]
TEST = [e for e in BTC["key_io_valid_addresses"]["entries"] if e["chain"] in ("testnet4", "signet")]
REGTEST = [e for e in BTC["key_io_valid_addresses"]["entries"] if e["chain"] == "regtest"]


@pytest.mark.parametrize("entry", MAIN, ids=lambda e: e["address"])
def test_core_mainnet_addresses(entry: dict[str, str]) -> None:
    address = entry["address"]
    normalized = address.lower() if address.lower().startswith("bc1") else address
    assert btc.validate(address) == normalized
    assert validate(address, chain="BTC") == normalized
    assert script_pubkey(normalized, testnet=False) == entry["scriptpubkey"]
    if normalized.startswith("bc1"):
        # Core marks these tryCaseFlip: the all-upper form is the same address.
        assert btc.validate(address.upper()) == normalized
    assert not is_valid(address, chain="BTC-TESTNET")


@pytest.mark.parametrize("entry", TEST, ids=lambda e: e["address"])
def test_core_testnet_and_signet_addresses_only_on_btc_testnet(entry: dict[str, str]) -> None:
    address = entry["address"]
    assert validate(address, chain="BTC-TESTNET") == address
    assert script_pubkey(address, testnet=True) == entry["scriptpubkey"]
    # Policy: chain BTC is mainnet only, with a message naming the network.
    with pytest.raises(InvalidFormat, match="testnet"):
        validate(address, chain="BTC")


@pytest.mark.parametrize("entry", REGTEST, ids=lambda e: e["address"])
def test_core_regtest_addresses(entry: dict[str, str]) -> None:
    address = entry["address"]
    assert not is_valid(address, chain="BTC")
    if address.startswith("bcrt1"):
        with pytest.raises(InvalidFormat, match="regtest"):
            validate(address, chain="BTC-TESTNET")
    else:
        # Documented: regtest Base58 shares testnet's version bytes.
        assert validate(address, chain="BTC-TESTNET") == address


@pytest.mark.parametrize("text", BTC["key_io_invalid"]["strings"])
def test_core_invalid_strings(text: str) -> None:
    for chain in ("BTC", "BTC-TESTNET"):
        with pytest.raises(InvalidIdentifier):
            validate(text, chain=chain)


@pytest.mark.parametrize("text", BIP["valid_bech32_strings"])
def test_bip173_valid_bech32_strings(text: str) -> None:
    hrp, data, spec = _bech32.bech32_decode(text)
    assert spec is _bech32.Encoding.BECH32
    assert _bech32.bech32_encode(hrp, data, spec) == text.lower()


@pytest.mark.parametrize("text", BIP["valid_bech32m_strings"])
def test_bip350_valid_bech32m_strings(text: str) -> None:
    hrp, data, spec = _bech32.bech32_decode(text)
    assert spec is _bech32.Encoding.BECH32M
    assert _bech32.bech32_encode(hrp, data, spec) == text.lower()


@pytest.mark.parametrize(
    "case", BIP["invalid_bech32_strings"] + BIP["invalid_bech32m_strings"], ids=lambda c: c["reason"]
)
def test_bip173_bip350_invalid_strings(case: dict[str, str]) -> None:
    with pytest.raises(InvalidIdentifier):
        _bech32.bech32_decode(case["string"])


@pytest.mark.parametrize("case", BIP["valid_addresses"], ids=lambda c: c["address"])
def test_bip_valid_addresses(case: dict[str, str]) -> None:
    chain = "BTC" if case["hrp"] == "bc" else "BTC-TESTNET"
    assert validate(case["address"], chain=chain) == case["normalized"]
    _, version, program = _bech32.decode_segwit(case["hrp"], case["address"])
    assert script_pubkey_for(version, program) == case["scriptpubkey"]


@pytest.mark.parametrize("case", BIP["invalid_addresses"], ids=lambda c: c["reason"])
def test_bip_invalid_addresses(case: dict[str, str]) -> None:
    for chain in ("BTC", "BTC-TESTNET"):
        with pytest.raises(InvalidIdentifier):
            validate(case["address"], chain=chain)


def test_bip350_wrong_checksum_variant_is_a_checksum_error() -> None:
    # v1 with bech32 instead of bech32m, and v0 with bech32m instead of bech32.
    with pytest.raises(InvalidChecksum, match="bech32m"):
        btc.validate("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd")
    with pytest.raises(InvalidChecksum, match="must use the bech32 checksum"):
        btc.validate("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh")


@pytest.mark.parametrize("case", BIP["invalid_address_encodings"], ids=str)
def test_bip_invalid_address_encodings(case: dict[str, object]) -> None:
    # The reference encoder refuses these; whatever our encoder emits must not validate.
    hrp, version, size = str(case["hrp"]), int(case["witver"]), int(case["witprog_len"])  # type: ignore[call-overload]
    data = [version] + (_bech32.convertbits(bytes(size), 8, 5, True) or [])
    spec = _bech32.Encoding.BECH32 if version == 0 else _bech32.Encoding.BECH32M
    text = _bech32.bech32_encode(hrp, data, spec)
    assert not is_valid(text, chain="BTC")


@pytest.mark.parametrize("case", STDNUM["validate_calls"], ids=lambda c: c["input"])
def test_stdnum_validate_calls(case: dict[str, object]) -> None:
    text = str(case["input"])
    if case["valid"]:
        assert btc.validate(text) == case["normalized"]
        return
    expected = STDNUM_ERRORS[str(case["error"])]
    if text == "bc1qardv855yjngspvxuttq897aqca3lxju2y69jZZ":
        # stdnum lower-cases first and reports the checksum; BIP-173 forbids
        # mixed case outright, which we report as a format error.
        expected = InvalidFormat
    with pytest.raises(expected):
        btc.validate(text)


@pytest.mark.parametrize("text", STDNUM["found_online_valid"])
def test_stdnum_found_online_valid(text: str) -> None:
    assert btc.is_valid(text)


@pytest.mark.parametrize("text", STDNUM["conflict_bip173_only"]["strings"])
def test_stdnum_bip350_conflicts_are_rejected(text: str) -> None:
    # README "Known disagreements" 1: v1+ with a bech32 checksum is invalid (BIP-350).
    with pytest.raises(InvalidChecksum, match="bech32m"):
        btc.validate(text)


def test_whitespace_is_removed_before_validation() -> None:
    assert btc.validate(" 3J98t1WpEZ73CNmQ viecrnyiWrnqRhWNLy\n") == "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"


def test_aliases_share_the_rule() -> None:
    for chain in ("btc", "XBT", "Bitcoin"):
        assert validate("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", chain=chain) == (
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
        )
