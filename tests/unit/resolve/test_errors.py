"""The error hierarchy and its messages."""

from __future__ import annotations

import pytest

from graph.resolve.errors import (
    InvalidChecksum,
    InvalidFormat,
    InvalidIdentifier,
    InvalidLength,
    UnknownKind,
)


@pytest.mark.parametrize("cls", [InvalidFormat, InvalidLength, InvalidChecksum, UnknownKind])
def test_every_error_is_an_invalid_identifier_and_a_value_error(cls: type[InvalidIdentifier]) -> None:
    err = cls("why", "value")
    assert isinstance(err, InvalidIdentifier)
    assert isinstance(err, ValueError)
    assert err.reason == "why"
    assert err.value == "value"


def test_message_shortens_long_values() -> None:
    err = InvalidChecksum("bad EIP-55 checksum", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    assert str(err) == "bad EIP-55 checksum: 0x5aAeb6053F…"


def test_message_keeps_short_values_and_shows_control_characters() -> None:
    assert str(InvalidFormat("bad", "abc")) == "bad: abc"
    assert str(InvalidFormat("bad", "a\nb")) == "bad: a\\nb"
    assert str(InvalidLength("bad", "")) == "bad: ''"


def test_default_reason_without_value() -> None:
    assert str(InvalidLength()) == "invalid length"
    assert str(UnknownKind()) == "unknown identifier kind"
