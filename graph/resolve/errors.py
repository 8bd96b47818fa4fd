"""Errors raised by identifier normalization.

Every failure is an :class:`InvalidIdentifier` (a :class:`ValueError`), so
callers that only care "valid or not" catch one class; the subclasses say
*why*, mirroring python-stdnum's exception names.

>>> from graph.resolve.errors import InvalidChecksum
>>> str(InvalidChecksum("bad EIP-55 checksum", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"))
'bad EIP-55 checksum: 0x5aAeb6053F…'
"""

from __future__ import annotations

__all__ = [
    "InvalidIdentifier",
    "InvalidFormat",
    "InvalidLength",
    "InvalidChecksum",
    "UnknownKind",
]

# Values are shown shortened: enough to find the record, short enough that a
# multi-kilobyte junk input does not flood a log line.
_PREVIEW_CHARS = 12


def _preview(value: str) -> str:
    if value == "":
        return "''"
    shown = value if len(value) <= _PREVIEW_CHARS + 2 else value[:_PREVIEW_CHARS] + "…"
    # Make whitespace and control characters visible ("abc\n" vs "abc").
    return shown if shown.isprintable() else repr(shown)[1:-1]


class InvalidIdentifier(ValueError):
    """The value is not a valid identifier of the requested kind.

    ``reason`` is the human explanation, ``value`` the offending input (or
    ``None`` when the error is not about one value).
    """

    default_reason = "invalid identifier"

    def __init__(self, reason: str | None = None, value: str | None = None) -> None:
        self.reason = reason or self.default_reason
        self.value = value
        text = self.reason if value is None else f"{self.reason}: {_preview(value)}"
        super().__init__(text)


class InvalidFormat(InvalidIdentifier):
    """Wrong characters, prefix, version byte or structure."""

    default_reason = "invalid format"


class InvalidLength(InvalidIdentifier):
    """Too short or too long (characters, bytes or labels)."""

    default_reason = "invalid length"


class InvalidChecksum(InvalidIdentifier):
    """Well-formed, but the check digits / checksum do not match."""

    default_reason = "invalid checksum"


class UnknownKind(InvalidIdentifier):
    """The identifier kind (or an option such as a country) is not supported."""

    default_reason = "unknown identifier kind"
