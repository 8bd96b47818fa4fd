"""Phone numbers, keyed in E.164 (``+81312345678``) via ``phonenumbers``.

* Input is NFKC-normalized (full-width digits and ``＋``) and trimmed.
* Without ``region`` the number must be international (start with ``+``);
  with ``region`` (ISO 3166 alpha-2, e.g. ``"JP"``) national forms such as
  ``03-1234-5678`` are read as that country's.
* The number must be *valid* per phonenumbers' metadata (a possible length
  is not enough: ``+12001230101`` is rejected). Too short / too long numbers
  raise InvalidLength, other rejections InvalidFormat.
* An extension (``ext. 12``) is dropped: E.164 has none and it names a desk
  at the same subscriber.

Display (:func:`format`): international format, ``+81 3-1234-5678``.

>>> validate("+81 3-1234-5678")
'+81312345678'
>>> validate("03-1234-5678", region="JP")
'+81312345678'
>>> format("+442083661177")
'+44 20 8366 1177'
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from .errors import InvalidFormat, InvalidIdentifier, InvalidLength

MAX_LENGTH = 64  # phonenumbers itself caps input at 250; real numbers are far shorter
_SEPARATORS = re.compile(r"[\s\-.()/]+")
_LENGTH_REASONS = {
    ValidationResult.TOO_SHORT,
    ValidationResult.TOO_LONG,
    ValidationResult.INVALID_LENGTH,
}


def compact(value: str) -> str:
    """NFKC, then drop spaces, ``-``, ``.``, ``/`` and parentheses.

    >>> compact("＋８１ (3) 1234-5678")
    '+81312345678'
    """
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value))


def _parse(value: str, region: str | None) -> phonenumbers.PhoneNumber:
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise InvalidLength("empty phone number", value)
    if len(text) > MAX_LENGTH:
        raise InvalidLength(f"phone number is {len(text)} characters, at most {MAX_LENGTH}", value)
    if region is None:
        if not text.startswith("+"):
            raise InvalidFormat("phone number needs a + country code (or pass region=)", value)
    else:
        region = region.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise InvalidFormat(f"unknown phone region {region!r}", value)
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise InvalidFormat(f"not a phone number: {exc}", value) from exc
    if not phonenumbers.is_valid_number(number):
        reason = phonenumbers.is_possible_number_with_reason(number)
        if reason in _LENGTH_REASONS:
            raise InvalidLength("phone number has the wrong number of digits", value)
        raise InvalidFormat("not a valid phone number for its country", value)
    return number


def validate(value: str, region: str | None = None) -> str:
    """Return the E.164 form, or raise."""
    return phonenumbers.format_number(_parse(value, region), PhoneNumberFormat.E164)


def is_valid(value: str, region: str | None = None) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value, region)
    except InvalidIdentifier:
        return False
    return True


def format(value: str, region: str | None = None) -> str:
    """International display form."""
    number = _parse(value, region)
    number.extension = None
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
