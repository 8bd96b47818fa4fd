"""LEI (ISO 17442) against python-stdnum's published list and derived cases."""

from __future__ import annotations

import pytest
from stdnum import lei as stdnum_lei

from graph.resolve import lei
from graph.resolve.errors import InvalidChecksum, InvalidFormat, InvalidIdentifier, InvalidLength

from ._vectors import load

LEI = load("lei")


@pytest.mark.parametrize("number", LEI["valid"])
def test_published_valid(number: str) -> None:
    assert lei.validate(number) == number
    assert lei.validate(number.lower()) == number
    assert lei.format(number) == number


@pytest.mark.parametrize("case", LEI["validate_calls"]["cases"], ids=lambda c: c["input"])
def test_stdnum_docstring_calls(case: dict[str, object]) -> None:
    if case["valid"]:
        assert lei.validate(str(case["input"])) == case["normalized"]
    else:
        with pytest.raises(InvalidChecksum):
            lei.validate(str(case["input"]))


@pytest.mark.parametrize("case", LEI["derived"]["cases"], ids=lambda c: c["mutation"])
def test_derived(case: dict[str, str]) -> None:
    if case["expect"] == "accept":
        assert lei.validate(case["input"]) == case["normalized"]
    else:
        with pytest.raises(InvalidIdentifier):
            lei.validate(case["input"])


def test_19_characters_with_correct_check_digits_is_rejected() -> None:
    # README "Known disagreements" 2: stdnum 2.2 accepts it, ISO 17442 does not.
    number = "2138001CY61HDFJ5Z52"
    assert stdnum_lei.is_valid(number)  # the library behaviour we guard against
    with pytest.raises(InvalidLength, match="20 characters"):
        lei.validate(number)


def test_error_classes() -> None:
    with pytest.raises(InvalidFormat):
        lei.validate("0YPKK*5F0QW6RC51HE09")
    with pytest.raises(InvalidChecksum):
        lei.validate("0YPKKE5F0QW6RC51HE10")
    with pytest.raises(InvalidFormat, match="check digits"):
        lei.validate("0YPKKE5F0QW6RC51HEAB")  # check digits must be digits


def test_full_width_input() -> None:
    assert lei.validate("２１３８００ＫＵＤ８ＬＡＪＷＳＱ９Ｄ１５") == "213800KUD8LAJWSQ9D15"
