"""LEI, Legal Entity Identifier (ISO 17442).

20 characters ``[A-Z0-9]``; the last two are digits, the ISO 7064 MOD 97-10
check over the whole string (letters as 10..35) must give 1.

The length is enforced here: python-stdnum 2.2's ``lei.validate`` only runs
the MOD 97-10 check, so it accepts a 19-character string whose check digits
happen to work; ISO 17442 requires exactly 20.

Input is NFKC-normalized (full-width characters from Japanese forms become
ASCII), spaces and hyphens removed and upper-cased.

>>> validate(" 2138 00ku d8la jwsq 9d15 ")
'213800KUD8LAJWSQ9D15'
>>> validate("2138001CY61HDFJ5Z52")
Traceback (most recent call last):
    ...
graph.resolve.errors.InvalidLength: LEI must be 20 characters, got 19: 2138001CY61H…
"""

from __future__ import annotations

import re
import unicodedata

from stdnum import lei as stdnum_lei

from . import _stdnum
from .errors import InvalidFormat, InvalidIdentifier, InvalidLength

LENGTH = 20
_SEPARATORS = re.compile(r"[\s-]+")
_SHAPE = re.compile(r"[A-Z0-9]{18}[0-9]{2}")


def compact(value: str) -> str:
    """NFKC, strip spaces and hyphens, upper-case.

    >>> compact("２１３８００ＫＵＤ８ＬＡＪＷＳＱ９Ｄ１５")
    '213800KUD8LAJWSQ9D15'
    """
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def validate(value: str) -> str:
    """Return the 20-character LEI, or raise."""
    number = compact(value)
    if len(number) != LENGTH:
        raise InvalidLength(f"LEI must be {LENGTH} characters, got {len(number)}", value)
    if not _SHAPE.fullmatch(number):
        raise InvalidFormat("LEI must be 18 letters/digits and 2 check digits", value)
    _stdnum.call(stdnum_lei.validate, number, shown=value)
    return number


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """Display form: ISO 17442 defines no grouping, so the compact LEI."""
    return validate(value)
