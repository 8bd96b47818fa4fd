"""E-mail addresses: ``local@domain`` (RFC 5322 dot-atom), lower-cased.

* Input is NFKC-normalized (a full-width ``＠`` or letters typed in a
  Japanese IME become ASCII) and trimmed.
* Local part: RFC 5322 dot-atom, ASCII ``atext``
  (``A-Z a-z 0-9 ! # $ % & ' * + / = ? ^ _ ` { | } ~ -``) with single dots
  not at either end, at most 64 octets. Quoted local parts and comments are
  rejected: they do not occur in the records we merge.
* Domain: normalized by :mod:`.domain` (A-labels); it must have at least
  two labels (mail to a bare TLD or ``localhost`` is not deliverable).
* Case: the whole address is lower-cased. RFC 5321 lets the local part be
  case-sensitive, but providers treat it case-insensitively in practice, and
  ``John.Doe@`` vs ``john.doe@`` must merge. Provider-specific folding
  (Gmail dots, ``+tag``) is *not* applied: that would merge addresses that
  are distinct at other providers.
* At most 254 octets in total (RFC 5321 path limit).

>>> validate(" John.Doe@Example.COM ")
'john.doe@example.com'
>>> validate("info＠日本語.jp")
'info@xn--wgv71a119e.jp'
"""

from __future__ import annotations

import re
import unicodedata

from . import domain
from .errors import InvalidFormat, InvalidIdentifier, InvalidLength

MAX_LOCAL = 64
MAX_ADDRESS = 254
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")


def compact(value: str) -> str:
    """NFKC and trim.

    >>> compact(" ｉｎｆｏ＠example.com ")
    'info@example.com'
    """
    return unicodedata.normalize("NFKC", value).strip()


def validate(value: str) -> str:
    """Return the lower-cased address with an A-label domain, or raise."""
    text = compact(value)
    local, at, host = text.rpartition("@")
    if not at:
        raise InvalidFormat("e-mail address has no @", value)
    if not local:
        raise InvalidFormat("e-mail address has an empty local part", value)
    if len(local) > MAX_LOCAL:
        raise InvalidLength(f"local part is {len(local)} characters, at most {MAX_LOCAL}", value)
    if not _DOT_ATOM.fullmatch(local):
        raise InvalidFormat("local part is not an RFC 5322 dot-atom", value)
    host_key = domain.validate(host)
    if "." not in host_key:
        raise InvalidFormat("e-mail domain needs at least two labels", value)
    address = f"{local.lower()}@{host_key}"
    if len(address) > MAX_ADDRESS:
        raise InvalidLength(f"e-mail address is {len(address)} characters, at most {MAX_ADDRESS}", value)
    return address


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """Display form: the key with the domain in U-labels."""
    local, _, host = validate(value).rpartition("@")
    return f"{local}@{domain.format(host)}"
