"""IBAN, International Bank Account Number (ISO 13616), through python-stdnum.

Country-specific length and BBAN format plus the ISO 7064 MOD 97-10 check;
the merge key is the compact upper-case form.

>>> validate("GB82 WEST 1234 5698 7654 32")
'GB82WEST12345698765432'
>>> format("GB82WEST12345698765432")
'GB82 WEST 1234 5698 7654 32'
"""

from __future__ import annotations

import unicodedata

from stdnum import iban as stdnum_iban

from . import _stdnum
from .errors import InvalidIdentifier


def compact(value: str) -> str:
    """NFKC, no spaces or separators, upper-case."""
    return stdnum_iban.compact(unicodedata.normalize("NFKC", value))


def validate(value: str) -> str:
    """Return the compact IBAN, or raise."""
    return _stdnum.call(stdnum_iban.validate, compact(value), shown=value)


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:
    """Groups of four, as printed on statements."""
    return stdnum_iban.format(validate(value))
