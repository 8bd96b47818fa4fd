"""Phone numbers against libphonenumber example numbers and the python-phonenumbers README."""

from __future__ import annotations

import pytest

from graph.resolve import normalize, phone
from graph.resolve.errors import InvalidFormat, InvalidIdentifier, InvalidLength

from ._vectors import load

PHONES = load("phones")


@pytest.mark.parametrize(
    "case", PHONES["libphonenumber_example_numbers"]["cases"], ids=lambda c: f"{c['region']}-{c['type']}"
)
def test_example_numbers(case: dict[str, str]) -> None:
    e164 = case["expected_e164"]
    assert phone.validate(case["input_national_formatted"], region=case["region"]) == e164
    assert phone.validate(case["input_international_formatted"]) == e164
    assert phone.validate(case["input_international_formatted"], region="GB") == e164  # + wins over region
    assert phone.validate(e164) == e164
    assert phone.format(e164) == case["input_international_formatted"]
    assert normalize("phone", case["input_national_formatted"], region=case["region"]) == e164


@pytest.mark.parametrize("case", PHONES["python_phonenumbers_readme"]["cases"], ids=lambda c: c["input"])
def test_readme_cases(case: dict[str, object]) -> None:
    text, region = str(case["input"]), case["region"]
    if "expected_e164" in case:
        assert phone.validate(text, region=region) == case["expected_e164"]  # type: ignore[arg-type]
        if "expected_international" in case:
            assert phone.format(text) == case["expected_international"]
    else:
        assert case["valid"] is False
        with pytest.raises(InvalidIdentifier):
            phone.validate(text, region=region)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", PHONES["invalid_library_generated"]["cases"], ids=lambda c: c["region"])
def test_invalid_example_numbers(case: dict[str, object]) -> None:
    digits = str(case["input_national_digits"])
    with pytest.raises(InvalidIdentifier):
        phone.validate(f"+{case['country_code']}{digits}")
    with pytest.raises(InvalidIdentifier):
        phone.validate(digits, region=str(case["region"]))


def test_plus_is_required_without_region() -> None:
    with pytest.raises(InvalidFormat, match=r"\+"):
        phone.validate("03-1234-5678")


def test_possible_but_invalid_and_too_short() -> None:
    with pytest.raises(InvalidFormat, match="valid"):
        phone.validate("+12001230101")  # NPA 200 not used
    with pytest.raises(InvalidLength):
        phone.validate("+120012301")


def test_full_width_and_extension() -> None:
    assert phone.validate("＋８１ ３-１２３４-５６７８") == "+81312345678"
    assert phone.validate("+44 20 8366 1177 ext. 123") == "+442083661177"
    assert phone.format("+44 20 8366 1177 ext. 123") == "+44 20 8366 1177"


def test_region_is_checked() -> None:
    assert phone.validate("03-1234-5678", region="jp") == "+81312345678"
    with pytest.raises(InvalidFormat, match="region"):
        phone.validate("03-1234-5678", region="XX")


def test_compact() -> None:
    assert phone.compact("＋８１ (3) 1234-5678") == "+81312345678"
