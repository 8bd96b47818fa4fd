"""IBAN through the normalization registry: checksum and country format, compact key."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph import resolve

VALID = ["GB82 WEST 1234 5698 7654 32", "DE89 3704 0044 0532 0130 00", "FR14 2004 1010 0505 0001 3M02 606"]


@pytest.mark.parametrize("value", VALID)
def test_valid_ibans_normalize_to_compact_upper_case(value):
    key = resolve.normalize("iban", value.lower())
    assert key == value.replace(" ", "")
    assert resolve.normalize("iban", key) == key


@pytest.mark.parametrize("value", ["GB82 WEST 1234 5698 7654 33", "GB82 WEST 1234 5698 7654", "XX82WEST12345698765432"])
def test_invalid_ibans_are_refused(value):
    with pytest.raises(resolve.InvalidIdentifier):
        resolve.normalize("iban", value)


@settings(max_examples=200, deadline=None)
@given(position=st.integers(4, 21), digit=st.sampled_from("0123456789"))
def test_one_changed_digit_is_caught(position, digit):
    good = "GB82WEST12345698765432"
    if good[position] == digit or not good[position].isdigit():
        return
    with pytest.raises(resolve.InvalidIdentifier):
        resolve.normalize("iban", good[:position] + digit + good[position + 1:])
