"""A public authority (regulator, sanctioning body, police force) as ``CC-NAME``.

Warnings and sanctions point at the body that issued them: OFAC's
``SANCTIONED_BY`` targets from a thousand records must meet in one node, so
the authority needs a strong key of its own. The key is the jurisdiction (an
ISO 3166-1 alpha-2 code, or ``EU``, ``UN``, ``INT`` for supranational
bodies) and the body's usual short name, upper-case: ``US-OFAC``,
``JP-FSA``, ``SG-MAS``, ``EU-ESMA``, ``UN-UNSC``. Sub-units add segments
(``JP-13-METRO``).

Input is NFKC-normalized, trimmed and upper-cased; spaces and underscores
become dashes. The country part is checked against ISO 3166 (pycountry).

>>> validate(" us ofac ")
'US-OFAC'
>>> validate("jp_fsa")
'JP-FSA'
"""

from __future__ import annotations

import re
import unicodedata

import pycountry

from .errors import InvalidFormat, InvalidIdentifier

SUPRANATIONAL = frozenset({"EU", "UN", "INT"})
_SHAPE = re.compile(r"(?P<cc>[A-Z]{2,3})(-[A-Z0-9]{1,32}){1,4}")
_SEPARATORS = re.compile(r"[\s_]+")


def compact(value: str) -> str:
    """NFKC, trim, upper-case; spaces and underscores become single dashes.

    >>> compact("eu  esma")
    'EU-ESMA'
    """
    return _SEPARATORS.sub("-", unicodedata.normalize("NFKC", value).strip()).upper()


def validate(value: str) -> str:
    """Return ``CC-NAME``, or raise."""
    key = compact(value)
    shape = _SHAPE.fullmatch(key)
    if shape is None:
        raise InvalidFormat("an authority is CC-NAME, e.g. US-OFAC or JP-FSA (ASCII letters and digits)", value)
    country = shape["cc"]
    if country not in SUPRANATIONAL and (len(country) != 2 or pycountry.countries.get(alpha_2=country) is None):
        raise InvalidFormat(f"{country} is not an ISO 3166 country code (nor EU, UN, INT)", value)
    return key


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """Display form: the key itself."""
    return validate(value)
