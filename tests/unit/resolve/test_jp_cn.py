"""Japanese Corporate Number against python-stdnum and public numbers."""

from __future__ import annotations

import pytest

from graph.resolve import jp_cn, normalize
from graph.resolve.errors import InvalidChecksum, InvalidFormat, InvalidIdentifier, InvalidLength

from ._vectors import load

JP = load("jp_corporate_number")
ERRORS = {"InvalidChecksum": InvalidChecksum, "InvalidFormat": InvalidFormat, "InvalidLength": InvalidLength}
VALID = JP["valid_generated"]["numbers"] + [n["number"] for n in JP["valid_real_published"]["numbers"]]
INVALID = JP["invalid_published"]["cases"] + JP["invalid_derived"]["cases"]


@pytest.mark.parametrize("case", JP["validate_calls"], ids=lambda c: c["input"])
def test_stdnum_docstring_calls(case: dict[str, object]) -> None:
    text = str(case["input"])
    if case["valid"]:
        assert jp_cn.validate(text) == case["normalized"]
    else:
        with pytest.raises(ERRORS[str(case["error"])]):
            jp_cn.validate(text)


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers(number: str) -> None:
    assert jp_cn.validate(number) == number
    display = jp_cn.format(number)
    assert display.replace("-", "") == number
    assert jp_cn.validate(display) == number


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c["input"])
def test_invalid_numbers(case: dict[str, str]) -> None:
    with pytest.raises(ERRORS[case["error"]]):
        jp_cn.validate(case["input"])


def test_formatting_vector() -> None:
    assert jp_cn.format("5835678256246") == JP["formatting"]["format('5835678256246')"]


@pytest.mark.parametrize(
    "text",
    [
        "５８３５６７８２５６２４６",  # full-width digits
        "５－８３５６－７８２５－６２４６",  # full-width hyphens
        "5‐8356‐7825‐6246",  # U+2010 hyphen
        "5−8356−7825−6246",  # U+2212 minus
        " 5 8356 7825 6246 ",
    ],
)
def test_japanese_input_forms(text: str) -> None:
    assert jp_cn.validate(text) == "5835678256246"


def test_invoice_t_prefix_is_not_stripped() -> None:
    with pytest.raises(InvalidFormat):
        jp_cn.validate("T1180301018771")


def test_non_ascii_digits_are_rejected() -> None:
    with pytest.raises(InvalidIdentifier):
        jp_cn.validate("٥٨٣٥٦٧٨٢٥٦٢٤٦")  # Arabic-Indic digits are not NFKC-folded


def test_kind_names() -> None:
    assert normalize("jp_cn", "5-8356-7825-6246") == "5835678256246"
    assert normalize("jp_corporate_number", "5-8356-7825-6246") == "5835678256246"
