"""The kind registry: normalize, is_valid, KINDS."""

from __future__ import annotations

import pytest

import graph.resolve as resolve
from graph.resolve import KINDS, is_valid, module_for, normalize
from graph.resolve.errors import InvalidIdentifier, UnknownKind

EXAMPLES = {
    "wallet": ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", {"chain": "BTC"}),
    "lei": ("213800KUD8LAJWSQ9D15", {}),
    "jp_cn": ("5835678256246", {}),
    "registration": ("JP:5835678256246", {}),
    "domain": ("example.com", {}),
    "url": ("https://example.com/", {}),
    "email": ("info@example.com", {}),
    "phone": ("+81312345678", {}),
    "iban": ("GB82WEST12345698765432", {}),
    "authority": ("US-OFAC", {}),
}


def test_kinds() -> None:
    assert KINDS == ("wallet", "lei", "jp_cn", "registration", "domain", "url", "email", "phone", "iban", "authority")
    assert set(EXAMPLES) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_module_has_the_four_functions(kind: str) -> None:
    module = module_for(kind)
    for name in ("compact", "validate", "is_valid", "format"):
        assert callable(getattr(module, name)), f"{kind}.{name}"


@pytest.mark.parametrize("kind", KINDS)
def test_normalize_dispatches(kind: str) -> None:
    value, options = EXAMPLES[kind]
    assert normalize(kind, value, **options) == value
    assert normalize(kind.upper(), value, **options) == value
    assert is_valid(kind, value, **options)
    assert not is_valid(kind, "x y!", **options)


def test_unknown_kind() -> None:
    with pytest.raises(UnknownKind, match="known: wallet"):
        normalize("swift", "DEUTDEFF")
    with pytest.raises(UnknownKind):
        is_valid("swift", "x")


def test_options_only_where_they_apply() -> None:
    with pytest.raises(TypeError):
        normalize("lei", "213800KUD8LAJWSQ9D15", chain="BTC")
    with pytest.raises(TypeError):
        normalize("email", "info@example.com", region="JP")
    with pytest.raises(TypeError):
        normalize("lei", None)  # type: ignore[arg-type]


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        normalize("lei", "nope")
    assert issubclass(UnknownKind, InvalidIdentifier)


def test_public_api() -> None:
    for name in resolve.__all__:
        assert hasattr(resolve, name), name
