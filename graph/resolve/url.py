"""Web URLs, keyed as ``scheme://host[:port]/path``.

* scheme: ``http`` or ``https`` (case-insensitive) and required; a bare
  ``example.com/x`` is rejected here (which scheme it meant is a guess) but
  accepted by :func:`website_domain`;
* host: a domain normalized by :mod:`.domain` (A-labels, lower case, one
  trailing dot dropped) or an IP literal (normalized by :mod:`ipaddress`,
  IPv6 in brackets);
* user info (``user:pass@``) is dropped: it is not part of the site, and the
  ``https://bank.example@evil.example/`` trick must key on the real host;
* port: kept unless it is the scheme's default (80/443);
* path: ``/`` when empty; characters outside RFC 3986's set are
  percent-encoded and existing escapes upper-cased, so a Unicode path and
  its encoded spelling give one key; nothing is decoded (``%2F`` stays);
* query and fragment are dropped: the key names a page, not a request.

>>> validate("HTTPS://user:pw@Example.COM.:443/a b?x=1#top")
'https://example.com/a%20b'
>>> validate("http://日本語.jp:8080")
'http://xn--wgv71a119e.jp:8080/'
>>> website_domain("www.例え.テスト/path")
'www.xn--r8jz45g.xn--zckzah'
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, quote, urlsplit

from . import domain
from .errors import InvalidFormat, InvalidIdentifier, InvalidLength

SCHEMES: dict[str, int] = {"http": 80, "https": 443}
MAX_LENGTH = 8192
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# A scheme written wrong: "https:/", "https//", "http:" before something that is not a port.
_BROKEN_SCHEME = re.compile(r"(?i)(https?|ftp|hxxps?)(:/?(?!/)(?!\d)|//)")


def compact(value: str) -> str:
    """Trim surrounding whitespace.

    >>> compact(" https://example.com/ ")
    'https://example.com/'
    """
    return value.strip()


def _split(value: str, text: str) -> SplitResult:
    if not text:
        raise InvalidLength("empty URL", value)
    if len(text) > MAX_LENGTH:
        raise InvalidLength(f"URL is {len(text)} characters, at most {MAX_LENGTH}", value)
    if any(c.isspace() for c in text.replace(" ", "")):
        raise InvalidFormat("URL contains a line break or tab", value)
    try:
        return urlsplit(text)
    except ValueError as exc:
        raise InvalidFormat(f"unparsable URL: {exc}", value) from exc


def _host(parts: SplitResult, value: str) -> tuple[str, bool]:
    """(normalized host, is_ip) of a split URL."""
    netloc = parts.netloc.rpartition("@")[2]
    if netloc.startswith("["):
        literal, _, _ = netloc[1:].partition("]")
        try:
            return f"[{ipaddress.IPv6Address(literal).compressed}]", True
        except ValueError as exc:
            raise InvalidFormat("URL has an invalid IPv6 literal", value) from exc
    host = netloc.rpartition(":")[0] if ":" in netloc else netloc
    if not host:
        raise InvalidFormat("URL has no host", value)
    try:
        return str(ipaddress.IPv4Address(host)), True
    except ValueError:
        return domain.validate(host), False


def _port(parts: SplitResult, value: str) -> int | None:
    try:
        return parts.port
    except ValueError as exc:
        raise InvalidFormat("URL has an invalid port", value) from exc


def _path(path: str) -> str:
    encoded = quote(path, safe=_PATH_SAFE) or "/"
    return _ESCAPE.sub(lambda m: m.group(0).upper(), encoded)


def validate(value: str) -> str:
    """Return ``scheme://host[:port]/path``, or raise."""
    text = compact(value)
    if not _SCHEME.match(text):
        raise InvalidFormat("URL needs a scheme (http:// or https://)", value)
    parts = _split(value, text)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise InvalidFormat(f"URL scheme {scheme!r} is not http or https", value)
    host, _ = _host(parts, value)
    port = _port(parts, value)
    authority = host if port in (None, SCHEMES[scheme]) else f"{host}:{port}"
    return f"{scheme}://{authority}{_path(parts.path)}"


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """Display form: the key with the host in U-labels."""
    key = validate(value)
    parts = urlsplit(key)
    host, is_ip = _host(parts, value)
    shown = host if is_ip else domain.format(host)
    return key.replace(host, shown, 1)


def website_domain(url: str) -> str:
    """Domain key of a URL's host; a scheme-less ``host/path`` is accepted.

    Raises InvalidFormat when the host is an IP address (not a domain).
    """
    text = compact(url)
    if not _SCHEME.match(text):
        if _BROKEN_SCHEME.match(text):
            # "https:/host", "https//host", "http:host": read scheme-less, the scheme would become the host.
            raise InvalidFormat("URL scheme is not followed by '://'", url)
        text = "http://" + text
    parts = _split(url, text)
    host, is_ip = _host(parts, url)
    if is_ip:
        raise InvalidFormat("URL host is an IP address, not a domain", url)
    if "." not in host:
        raise InvalidFormat("a website's host has a top-level domain (example.com, not example)", url)
    return host
