"""Domains against IdnaTestV2 (Unicode 17) and kjd/idna vectors."""

from __future__ import annotations

import pytest

from graph.resolve import domain
from graph.resolve.errors import InvalidFormat, InvalidIdentifier, InvalidLength

from ._vectors import load

IDNA = load("idna")


def _policy_trailing_dot(test: dict[str, object]) -> bool:
    """Lines whose only toAsciiN error is A4_2 from a trailing root dot."""
    return test["toAsciiNStatus"] == ["A4_2"] and str(test["source"]).endswith(".")


@pytest.mark.parametrize("test", IDNA["tests"], ids=lambda t: f"line{t['line']}")
def test_idna_test_v2(test: dict[str, object]) -> None:
    source = str(test["source"])
    if _policy_trailing_dot(test):
        # README "Known disagreements" 3 / our VerifyDnsLength policy: one
        # trailing dot is the DNS root and is dropped, not an empty label.
        expected = str(test["toAsciiN"])[:-1]
        assert domain.validate(source) == expected
        assert domain.format(source) == str(test["toUnicode"])[:-1]
    elif test["toAsciiNStatus"]:
        # Includes the cross-label Bidi B1 lines (118-122) idna 3.20 misses.
        with pytest.raises(InvalidIdentifier):
            domain.validate(source)
    else:
        assert domain.validate(source) == test["toAsciiN"]
        assert domain.format(source) == test["toUnicode"]


def test_trailing_dot_lines_exist() -> None:
    assert [t["line"] for t in IDNA["tests"] if _policy_trailing_dot(t)] == [3433, 3434, 6283, 6284]


@pytest.mark.parametrize("pair", IDNA["kjd_idna_tld_labels"]["pairs"], ids=lambda p: p["alabel"])
def test_idn_tld_labels(pair: dict[str, str]) -> None:
    assert domain.validate(pair["ulabel"]) == pair["alabel"]
    assert domain.validate(pair["alabel"]) == pair["alabel"]
    assert domain.format(pair["alabel"]) == pair["ulabel"]


@pytest.mark.parametrize(("given", "expected"), IDNA["kjd_idna_encode_decode"]["encode"])
def test_kjd_encode(given: str, expected: str) -> None:
    assert domain.validate(given) == expected


@pytest.mark.parametrize("given", IDNA["kjd_idna_encode_decode"]["encode_must_fail"])
def test_kjd_encode_must_fail(given: str) -> None:
    with pytest.raises(InvalidIdentifier):
        domain.validate(given)


@pytest.mark.parametrize(("given", "expected"), IDNA["kjd_idna_encode_decode"]["decode"])
def test_kjd_decode(given: str, expected: str) -> None:
    assert domain.format(given) == expected


def test_rfc3492_japanese_sample() -> None:
    case = IDNA["punycode_japanese"]["cases"][0]
    assert domain.validate(case["decoded"]) == "xn--" + case["encoded"]
    assert domain.format("xn--" + case["encoded"]) == case["decoded"]


def test_bidi_rule_applies_across_labels() -> None:
    with pytest.raises(InvalidFormat, match="Bidi"):
        domain.validate("0à.א")
    assert domain.validate("à.א̈") == "xn--0ca.xn--ssa73l"
    assert domain.validate("example.com") == "example.com"  # no RTL: rule not applied


def test_length_limits() -> None:
    label63 = "a" * 63
    assert domain.validate(f"{label63}.com") == f"{label63}.com"
    with pytest.raises(InvalidLength):
        domain.validate(f"{'a' * 64}.com")
    name253 = ".".join(["a" * 63] * 3 + ["b" * 61])  # 3 * 64 + 61 = 253 octets
    assert len(name253) == 253
    assert domain.validate(name253) == name253
    with pytest.raises(InvalidLength):
        domain.validate(name253 + "h")
    # A U-label within 63 characters whose A-label is longer than 63 octets.
    long_unicode = "".join(chr(0x4E00 + i * 397) for i in range(22))  # 22 scattered kanji
    with pytest.raises(InvalidLength):
        domain.validate(long_unicode + ".jp")


@pytest.mark.parametrize(
    "given",
    ["", " ", ".", "..", "a..b", ".a", "a.b..", "exa mple.com", "-a.com", "a-.com", "a_b.com", "192.0.2.1", "1.2.3"],
)
def test_rejects(given: str) -> None:
    with pytest.raises(InvalidIdentifier):
        domain.validate(given)


def test_only_one_trailing_dot_is_dropped() -> None:
    assert domain.validate("Example.COM.") == "example.com"
    assert domain.validate("例え。テスト。") == "xn--r8jz45g.xn--zckzah"
    with pytest.raises(InvalidFormat, match="empty label"):
        domain.validate("example.com..")


def test_non_transitional_sharp_s() -> None:
    assert domain.validate("Faß.de") == "xn--fa-hia.de"
