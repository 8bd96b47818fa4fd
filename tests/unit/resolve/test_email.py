"""E-mail addresses."""

from __future__ import annotations

import pytest

from graph.resolve import email, normalize
from graph.resolve.errors import InvalidFormat, InvalidIdentifier, InvalidLength


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("John.Doe@Example.COM", "john.doe@example.com"),
        (" info@example.com. ", "info@example.com"),
        ("a+tag@example.com", "a+tag@example.com"),  # no provider folding
        ("first.last@gmail.com", "first.last@gmail.com"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("x!#$%&'*+/=?^_`{|}~-@example.com", "x!#$%&'*+/=?^_`{|}~-@example.com"),
        ("info＠日本語。ＪＰ", "info@xn--wgv71a119e.jp"),
        ("ＩＮＦＯ@example.com", "info@example.com"),
    ],
)
def test_keys(given: str, key: str) -> None:
    assert email.validate(given) == key
    assert email.validate(key) == key
    assert normalize("email", given) == key


@pytest.mark.parametrize(
    "given",
    [
        "",
        "example.com",
        "@example.com",
        "a@",
        ".a@example.com",
        "a.@example.com",
        "a..b@example.com",
        '"a b"@example.com',
        "a b@example.com",
        "a@localhost",
        "a@192.0.2.1",
        "a@exa_mple.com",
        "ü@example.com",
        "a@@example.com",
    ],
)
def test_rejects(given: str) -> None:
    with pytest.raises(InvalidIdentifier):
        email.validate(given)


def test_lengths() -> None:
    assert email.is_valid("a" * 64 + "@example.com")
    with pytest.raises(InvalidLength):
        email.validate("a" * 65 + "@example.com")
    long_domain = ".".join(["b" * 63] * 3) + ".com"  # 195 octets
    assert email.is_valid("a" * 54 + "@" + long_domain)  # 250 octets
    with pytest.raises(InvalidLength):
        email.validate("a" * 60 + "@" + long_domain)  # 256 octets


def test_error_class_for_missing_at() -> None:
    with pytest.raises(InvalidFormat, match="@"):
        email.validate("john.doe.example.com")


def test_format_shows_unicode_domain() -> None:
    assert email.format("INFO@xn--wgv71a119e.jp") == "info@日本語.jp"
