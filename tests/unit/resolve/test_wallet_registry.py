"""Chain codes, aliases and the generic fallback rule."""

from __future__ import annotations

import pytest

from graph.resolve import normalize, normalize_wallet
from graph.resolve.errors import InvalidFormat, InvalidLength
from graph.resolve.wallet import (
    CHAINS,
    candidates,
    canonical_chain,
    compact,
    format,
    generic,
    is_valid,
    validate,
)

ALIASES = {
    "BTC": ["btc", "XBT", "bitcoin", " Bitcoin "],
    "BTC-TESTNET": ["tbtc", "bitcoin_testnet", "btc test"],
    "ETH": ["eth", "Ethereum", "ERC20", "erc-20"],
    "ETC": ["etc", "ethereum classic"],
    "BSC": ["bsc", "BNB", "bep20", "BNB Smart Chain"],
    "POL": ["pol", "MATIC", "polygon"],
    "ARB": ["arb", "arbitrum"],
    "OP": ["op", "optimism"],
    "BASE": ["base"],
    "AVAX-C": ["avax-c", "avax_c", "Avalanche C-Chain"],
    "TRX": ["trx", "TRON", "trc20"],
    "LTC": ["ltc", "litecoin"],
    "LTC-TESTNET": ["tltc"],
    "XRP": ["xrp", "ripple", "XRPL"],
    "XRP-TESTNET": ["xrp-testnet", "xrpl_testnet"],
    "BCH": ["bch", "Bitcoin Cash", "bitcoincash"],
    "BSV": ["bsv", "bitcoin sv"],
    "BTG": ["btg", "bitcoin gold"],
    "DASH": ["dash"],
    "XVG": ["xvg", "verge"],
    "ZEC": ["zec", "zcash"],
    "XMR": ["xmr", "Monero"],
    "SOL": ["sol", "solana"],
}


@pytest.mark.parametrize(("code", "names"), ALIASES.items())
def test_aliases(code: str, names: list[str]) -> None:
    for name in names:
        assert canonical_chain(name) == code


def test_unknown_chain_is_upper_cased_fallback() -> None:
    assert canonical_chain(" ada ") == "ADA"
    assert canonical_chain("avax") == "AVAX"  # deliberately not AVAX-C
    assert normalize_wallet("ada", "  addr1qx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer  ") == (
        "ADA",
        "addr1qx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer",
    )
    # SOL has its own rule now (32 bytes of Base58), no longer the fallback's.
    assert normalize_wallet("sol", "  7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV  ") == (
        "SOL",
        "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV",
    )


@pytest.mark.parametrize("chain", ["", "  ", "so l", "x" * 33, "BTC/ETH"])
def test_bad_chain_codes(chain: str) -> None:
    with pytest.raises(InvalidFormat, match="chain code"):
        canonical_chain(chain)


def test_generic_rule() -> None:
    assert generic.validate("X-avax1abcdefgh") == "X-avax1abcdefgh"  # case preserved
    assert validate("EQAbc_def-ghi:jk.lm", chain="TON") == "EQAbc_def-ghi:jk.lm"
    with pytest.raises(InvalidFormat, match="whitespace"):
        generic.validate("abcd efgh")
    with pytest.raises(InvalidLength):
        generic.validate("abcdefg")
    with pytest.raises(InvalidLength):
        generic.validate("a" * 129)
    assert generic.is_valid("a" * 128)
    with pytest.raises(InvalidFormat, match="outside"):
        generic.validate("abcdefgh!")
    with pytest.raises(InvalidFormat):
        generic.validate("ａｂｃｄｅｆｇｈ")  # full-width: not in the charset, not folded


def test_wallet_kind_through_the_registry() -> None:
    assert normalize("wallet", "0X52908400098527886E0F7030069857D2E4169EE7", chain="bnb") == (
        "0x52908400098527886e0f7030069857d2e4169ee7"
    )
    with pytest.raises(InvalidFormat, match="chain"):
        normalize("wallet", "0x52908400098527886E0F7030069857D2E4169EE7")


def test_compact_format_and_is_valid_dispatch_by_chain() -> None:
    assert compact(" 0x52908400098527886E0F7030069857D2E4169EE7 ", chain="ETH") == (
        "0x52908400098527886E0F7030069857D2E4169EE7"
    )
    assert format("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", chain="ETH") == (
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    )
    assert is_valid("TNDzfERDpxLDS2w1q6yaFC7pzqaSQ3Bg3r", chain="TRX")
    assert not is_valid("TNDzfERDpxLDS2w1q6yaFC7pzqaSQ3Bg3r", chain="ETH")


def test_candidates_are_every_chain_whose_rule_accepts_the_text() -> None:
    evm = "0x52908400098527886e0f7030069857d2e4169ee7"
    assert [c for c, _ in candidates(evm.upper().replace("0X", "0x"))] == [
        code for code, spec in CHAINS.items() if spec.rule == "eth"]
    assert candidates("TNDzfERDpxLDS2w1q6yaFC7pzqaSQ3Bg3r") == [("TRX", "TNDzfERDpxLDS2w1q6yaFC7pzqaSQ3Bg3r")]
    assert candidates("5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320") == []
    assert candidates("not an address") == []
