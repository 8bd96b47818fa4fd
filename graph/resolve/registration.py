"""Company registration numbers, written ``country:number``.

The country is an ISO 3166-1 alpha-2 code (case-insensitive; ``UK`` is read
as ``GB``) that must be a region known to the phone-number metadata (which
covers every ISO country with a numbering plan) so typos such as ``JA``
fail instead of silently using the fallback.

Countries validated with a python-stdnum module (the key is that module's
compact form, after NFKC):

== ===================================== =================================
cc module                                number
== ===================================== =================================
AT stdnum.at.businessid                  Firmenbuchnummer (FN)
AU stdnum.au.acn                         Australian Company Number
BE stdnum.be.vat                         enterprise number (KBO/BCE)
BR stdnum.br.cnpj                        CNPJ
CA stdnum.ca.bn                          Business Number (BN9 or BN15)
CH stdnum.ch.uid                         UID (CHE…)
CN stdnum.cn.uscc                        Unified Social Credit Code
DE stdnum.de.handelsregisternummer       Handelsregisternummer (court + HRA/HRB…)
DK stdnum.dk.cvr                         CVR number
EE stdnum.ee.registrikood                registrikood
FI stdnum.fi.ytunnus                     Y-tunnus
FR stdnum.fr.siren                       SIREN
IL stdnum.il.hp                          company number (ח.פ.)
JP graph.resolve.jp_cn (stdnum.jp.cn)    corporate number (法人番号)
KR stdnum.kr.brn                         Business Registration Number
MD stdnum.md.idno                        IDNO
NO stdnum.no.orgnr                       organisasjonsnummer
PL stdnum.pl.regon                       REGON
RO stdnum.ro.onrc                        ONRC trade register number
RU stdnum.ru.ogrn                        OGRN
SE stdnum.se.orgnr                       organisationsnummer
SG stdnum.sg.uen                         UEN
SI stdnum.si.maticna                     matična številka
TH stdnum.th.moa                         MOA registration number
UA stdnum.ua.edrpou                      EDRPOU
== ===================================== =================================

Every other country (including GB, whose Companies House numbers have no
stdnum module, and US, which has no national company register) uses the
fallback: NFKC, trimmed, upper-cased, separators (whitespace ``-`` ``.``
``/``) removed; the rest must be 1..64 characters of ``[A-Z0-9]``. No check
digit is verified.

Key: ``CC:number``, e.g. ``JP:5835678256246``, ``GB:SC123456``.

>>> validate("jp:5-8356-7825-6246")
'JP:5835678256246'
>>> validate("uk: sc-123.456")
'GB:SC123456'
>>> format("FR:404833048")
'FR:404 833 048'
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from types import ModuleType

import phonenumbers

from . import _stdnum, jp_cn
from .errors import InvalidFormat, InvalidIdentifier, InvalidLength

STDNUM_SCHEMES: dict[str, str] = {
    "AT": "stdnum.at.businessid",
    "AU": "stdnum.au.acn",
    "BE": "stdnum.be.vat",
    "BR": "stdnum.br.cnpj",
    "CA": "stdnum.ca.bn",
    "CH": "stdnum.ch.uid",
    "CN": "stdnum.cn.uscc",
    "DE": "stdnum.de.handelsregisternummer",
    "DK": "stdnum.dk.cvr",
    "EE": "stdnum.ee.registrikood",
    "FI": "stdnum.fi.ytunnus",
    "FR": "stdnum.fr.siren",
    "IL": "stdnum.il.hp",
    "KR": "stdnum.kr.brn",
    "MD": "stdnum.md.idno",
    "NO": "stdnum.no.orgnr",
    "PL": "stdnum.pl.regon",
    "RO": "stdnum.ro.onrc",
    "RU": "stdnum.ru.ogrn",
    "SE": "stdnum.se.orgnr",
    "SG": "stdnum.sg.uen",
    "SI": "stdnum.si.maticna",
    "TH": "stdnum.th.moa",
    "UA": "stdnum.ua.edrpou",
}
# JP uses our own module (NFKC, dash handling) on top of stdnum.jp.cn.
VALIDATED_COUNTRIES: frozenset[str] = frozenset(STDNUM_SCHEMES) | {"JP"}

_COUNTRY_ALIASES = {"UK": "GB"}
_COUNTRY = re.compile(r"[A-Z]{2}")
_FALLBACK_SEPARATORS = re.compile(r"[\s\-./]+")
_FALLBACK_SHAPE = re.compile(r"[A-Z0-9]{1,64}")


def _scheme(country: str) -> ModuleType | None:
    name = STDNUM_SCHEMES.get(country)
    return importlib.import_module(name) if name else None


def split(value: str) -> tuple[str, str]:
    """(canonical country code, number text) of ``country:number``.

    >>> split(" de : Aachen HRA 11223 ")
    ('DE', 'Aachen HRA 11223')
    """
    text = unicodedata.normalize("NFKC", value).strip()
    country, sep, number = text.partition(":")
    if not sep:
        raise InvalidFormat("registration number must be written country:number", value)
    country = country.strip().upper()
    country = _COUNTRY_ALIASES.get(country, country)
    if not _COUNTRY.fullmatch(country) or country not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidFormat(f"unknown country code {country!r}", value)
    return country, number.strip()


def _fallback(number: str, value: str) -> str:
    compacted = _FALLBACK_SEPARATORS.sub("", number).upper()
    if not compacted:
        raise InvalidLength("registration number is empty", value)
    if not _FALLBACK_SHAPE.fullmatch(compacted):
        raise InvalidFormat("registration number must be 1..64 letters/digits after removing separators", value)
    return compacted


def compact(value: str) -> str:
    """``CC:`` plus the scheme's compact form of the number (no validation)."""
    country, number = split(value)
    if country == "JP":
        return f"JP:{jp_cn.compact(number)}"
    module = _scheme(country)
    if module is None:
        return f"{country}:{_FALLBACK_SEPARATORS.sub('', number).upper()}"
    return f"{country}:{module.compact(number)}"


def validate(value: str) -> str:
    """Return ``CC:number`` (the merge key), or raise."""
    country, number = split(value)
    if country == "JP":
        return f"JP:{jp_cn.validate(number)}"
    module = _scheme(country)
    if module is None:
        return f"{country}:{_fallback(number, value)}"
    return f"{country}:{_stdnum.call(module.validate, number, shown=value)}"


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """Display form: the scheme's own formatting where stdnum has one."""
    key = validate(value)
    country, number = key.split(":", 1)
    if country == "JP":
        return f"JP:{jp_cn.format(number)}"
    module = _scheme(country)
    if module is not None and hasattr(module, "format"):
        return f"{country}:{module.format(number)}"
    return key
