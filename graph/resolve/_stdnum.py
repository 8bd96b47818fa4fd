"""Translate python-stdnum exceptions into ours.

>>> from stdnum.jp import cn
>>> call(cn.validate, "2-8356-7825-6246")
Traceback (most recent call last):
    ...
graph.resolve.errors.InvalidChecksum: The number's checksum or check digit is invalid.: 2-8356-7825-…
"""

from __future__ import annotations

from collections.abc import Callable

from stdnum import exceptions as stdnum_exceptions

from .errors import InvalidChecksum, InvalidFormat, InvalidIdentifier, InvalidLength


def call(func: Callable[[str], str], value: str, *, shown: str | None = None) -> str:
    """Run a stdnum ``validate``-like function, re-raising our error classes.

    ``shown`` is the value to quote in the message (default: ``value``).
    """
    quoted = value if shown is None else shown
    try:
        return func(value)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise InvalidChecksum(str(exc), quoted) from exc
    except stdnum_exceptions.InvalidLength as exc:
        raise InvalidLength(str(exc), quoted) from exc
    except (stdnum_exceptions.InvalidFormat, stdnum_exceptions.InvalidComponent) as exc:
        raise InvalidFormat(str(exc), quoted) from exc
    except stdnum_exceptions.ValidationError as exc:
        raise InvalidIdentifier(str(exc), quoted) from exc
