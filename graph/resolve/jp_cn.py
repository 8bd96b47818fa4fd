"""Japanese Corporate Number (法人番号, hōjin bangō), 13 digits.

The first digit is the check digit over the 12-digit base number (National
Tax Agency rule, implemented by ``stdnum.jp.cn``).

Input is NFKC-normalized first, so full-width digits and hyphens from
Japanese forms work; spaces and dash-like characters (``-``, U+2010..U+2015,
U+2212 minus) are removed. A ``T`` prefix (qualified-invoice registration
number) is *not* stripped: for sole proprietors the digits after ``T`` are
not a corporate number, so accepting it would mix two identifier spaces.

Normalized: 13 ASCII digits. Display: ``5-8356-7825-6246``.

>>> validate("５-８３５６-７８２５-６２４６")
'5835678256246'
>>> format("5835678256246")
'5-8356-7825-6246'
"""

from __future__ import annotations

import re
import unicodedata

from stdnum.jp import cn as stdnum_cn

from . import _stdnum
from .errors import InvalidFormat, InvalidIdentifier, InvalidLength

LENGTH = 13
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_DIGITS = re.compile(r"[0-9]+")


def compact(value: str) -> str:
    """NFKC, then drop whitespace and dashes.

    >>> compact("7000 0120 50002")
    '7000012050002'
    """
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value))


def validate(value: str) -> str:
    """Return the 13-digit corporate number, or raise."""
    number = compact(value)
    if not _DIGITS.fullmatch(number):
        raise InvalidFormat("corporate number must be digits", value)
    if len(number) != LENGTH:
        raise InvalidLength(f"corporate number must be {LENGTH} digits, got {len(number)}", value)
    return _stdnum.call(stdnum_cn.validate, number, shown=value)


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """Display form ``C-BBBB-BBBB-BBBB``."""
    return stdnum_cn.format(validate(value))
