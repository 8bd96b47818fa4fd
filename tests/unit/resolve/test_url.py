"""URLs and website_domain."""

from __future__ import annotations

import pytest

from graph.resolve import normalize, url, website_domain
from graph.resolve.errors import InvalidFormat, InvalidIdentifier


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("https://example.com", "https://example.com/"),
        ("HTTPS://Example.COM/", "https://example.com/"),
        ("https://example.com./a", "https://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8443/a", "http://example.com:8443/a"),
        ("https://example.com/a/?q=1#frag", "https://example.com/a/"),
        ("https://user:pw@example.com/", "https://example.com/"),
        ("https://bank.example@evil.example/login", "https://evil.example/login"),
        ("https://例え.テスト/パス", "https://xn--r8jz45g.xn--zckzah/%E3%83%91%E3%82%B9"),
        ("https://xn--r8jz45g.xn--zckzah/%e3%83%91%e3%82%b9", "https://xn--r8jz45g.xn--zckzah/%E3%83%91%E3%82%B9"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/a%2Fb", "https://example.com/a%2Fb"),
        ("http://192.0.2.1/x", "http://192.0.2.1/x"),
        ("http://[2001:DB8::0001]:8080/", "http://[2001:db8::1]:8080/"),
        ("  https://example.com/  ", "https://example.com/"),
    ],
)
def test_keys(given: str, key: str) -> None:
    assert url.validate(given) == key
    assert url.validate(key) == key
    assert normalize("url", given) == key


@pytest.mark.parametrize(
    "given",
    [
        "",
        "example.com/path",  # no scheme
        "ftp://example.com/",
        "javascript://alert(1)",
        "https://",
        "https:///path",
        "https://exa mple.com/",
        "https://example.com:99999/",
        "https://example.com:abc/",
        "https://[::1/",
        "https://a..b/",
        "https://example.com/\nx",
        "https://" + "a" * 8200,
    ],
)
def test_rejects(given: str) -> None:
    with pytest.raises(InvalidIdentifier):
        url.validate(given)


def test_format_shows_unicode_host() -> None:
    assert url.format("https://xn--r8jz45g.xn--zckzah/a") == "https://例え.テスト/a"
    assert url.format("http://[2001:db8::1]/") == "http://[2001:db8::1]/"


@pytest.mark.parametrize(
    ("given", "host"),
    [
        ("https://www.Example.com/path?q", "www.example.com"),
        ("www.例え.テスト/path", "www.xn--r8jz45g.xn--zckzah"),
        ("example.com", "example.com"),
        ("http://user@example.com:8080", "example.com"),
    ],
)
def test_website_domain(given: str, host: str) -> None:
    assert website_domain(given) == host


def test_website_domain_rejects_ip_hosts() -> None:
    with pytest.raises(InvalidFormat, match="IP address"):
        website_domain("http://192.0.2.1/")
