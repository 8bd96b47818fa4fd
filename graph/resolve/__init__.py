"""One place for identifier normalization (merge keys for the entity graph).

Each identifier kind is a module with the python-stdnum interface:
``compact(value)``, ``validate(value)`` (the normalized merge key, or an
:class:`~graph.resolve.errors.InvalidIdentifier` subclass),
``is_valid(value)`` and ``format(value)`` (human display form).

==============  ===========================  ====================================
kind            module                       key
==============  ===========================  ====================================
wallet          :mod:`.wallet` (needs chain)  per-chain normalized address
lei             :mod:`.lei`                   20 upper-case characters
jp_cn           :mod:`.jp_cn`                 13 digits
registration    :mod:`.registration`          ``CC:number``
domain          :mod:`.domain`                lower-case A-label name
url             :mod:`.url`                   ``scheme://host[:port]/path``
email           :mod:`.email`                 lower-case, A-label domain
phone           :mod:`.phone`                 E.164
iban            :mod:`.iban`                  compact IBAN
authority       :mod:`.authority`             ``CC-NAME`` (US-OFAC, JP-FSA)
==============  ===========================  ====================================

``jp_corporate_number`` is accepted as another name for ``jp_cn``.

>>> normalize("lei", "2138 00ku d8la jwsq 9d15")
'213800KUD8LAJWSQ9D15'
>>> normalize("wallet", "0X52908400098527886E0F7030069857D2E4169EE7", chain="matic")
'0x52908400098527886e0f7030069857d2e4169ee7'
>>> normalize_wallet("TRON", "41866d72460954b4d42d18e63880d26673e6b708f4")
('TRX', 'TNDzfERDpxLDS2w1q6yaFC7pzqaSQ3Bg3r')
>>> normalize("phone", "03-1234-5678", region="JP")
'+81312345678'
"""

from __future__ import annotations

from types import ModuleType

from . import authority, domain, email, iban, jp_cn, lei, phone, registration, url, wallet
from .errors import InvalidChecksum, InvalidFormat, InvalidIdentifier, InvalidLength, UnknownKind
from .url import website_domain
from .wallet import normalize_wallet, xrp_tag

__all__ = [
    "KINDS",
    "InvalidChecksum",
    "InvalidFormat",
    "InvalidIdentifier",
    "InvalidLength",
    "UnknownKind",
    "is_valid",
    "module_for",
    "normalize",
    "normalize_wallet",
    "website_domain",
    "xrp_tag",
]

_MODULES: dict[str, ModuleType] = {
    "wallet": wallet,
    "lei": lei,
    "jp_cn": jp_cn,
    "registration": registration,
    "domain": domain,
    "url": url,
    "email": email,
    "phone": phone,
    "iban": iban,
    "authority": authority,
}
KINDS: tuple[str, ...] = tuple(_MODULES)
_KIND_ALIASES = {"jp_corporate_number": "jp_cn"}


def _canonical_kind(kind: str) -> str:
    name = kind.strip().lower()
    name = _KIND_ALIASES.get(name, name)
    if name not in _MODULES:
        raise UnknownKind(f"unknown identifier kind (known: {', '.join(KINDS)})", kind)
    return name


def module_for(kind: str) -> ModuleType:
    """The module implementing ``kind`` (raises UnknownKind)."""
    return _MODULES[_canonical_kind(kind)]


def normalize(kind: str, value: str, *, chain: str | None = None, region: str | None = None) -> str:
    """Normalized merge key of ``value`` as identifier ``kind``.

    ``chain`` is required for ``wallet`` and only allowed there; ``region``
    is optional for ``phone`` and only allowed there. For wallets the result
    is the address alone: use :func:`normalize_wallet` to get the canonical
    chain code with it.
    """
    name = _canonical_kind(kind)
    if not isinstance(value, str):
        raise TypeError(f"value must be str, not {type(value).__name__}")
    if chain is not None and name != "wallet":
        raise TypeError(f"chain= applies to wallet, not {name}")
    if region is not None and name != "phone":
        raise TypeError(f"region= applies to phone, not {name}")
    if name == "wallet":
        if chain is None:
            raise InvalidFormat("a wallet address needs its chain", value)
        return wallet.validate(value, chain=chain)
    if name == "phone":
        return phone.validate(value, region)
    return _MODULES[name].validate(value)


def is_valid(kind: str, value: str, *, chain: str | None = None, region: str | None = None) -> bool:
    """True when :func:`normalize` accepts ``value`` (an unknown kind still raises)."""
    _canonical_kind(kind)  # a typo in the kind is a bug, not an invalid value
    try:
        normalize(kind, value, chain=chain, region=region)
    except InvalidIdentifier:
        return False
    return True
