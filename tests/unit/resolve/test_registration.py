"""Generic company registration numbers, ``country:number``."""

from __future__ import annotations

import pytest

from graph.resolve import normalize, registration
from graph.resolve.errors import InvalidChecksum, InvalidFormat, InvalidIdentifier, InvalidLength

# Per stdnum-backed country: (input, key, invalid). Valid examples come from
# the module docstrings of python-stdnum 2.2 (stdnum/<cc>/<module>.py), as do
# the invalid ones except FI and SE (docstring number with the check digit
# changed).
STDNUM_EXAMPLES = {
    "AT": ("FN 122119m", "122119m", "m123123"),
    "AU": ("004 085 616", "004085616", "999 999 999"),
    "BE": ("BE 428759497", "0428759497", "BE431150351"),
    "BR": ("16.727.230/0001-97", "16727230000197", "16.727.230.0001-98"),
    "CA": ("12302 6635", "123026635", "123456783"),
    "CH": ("CHE-100.155.212", "CHE100155212", "CHE-100.155.213"),
    "CN": ("91110000600037341L", "91110000600037341L", "A1110000600037341L"),
    "DE": ("Aachen HRA 11223", "Aachen HRA 11223", "Aachen HRC 44123"),
    "DK": ("DK 13585628", "13585628", "DK 13585627"),
    "EE": ("12345678", "12345678", "12345679"),
    "FI": ("2077474-0", "20774740", "2077474-1"),
    "FR": ("404833048", "404833048", "404833047"),
    "IL": ("516179157", "516179157", "416179157"),
    "KR": ("116-82-00276", "1168200276", "123456789"),
    "MD": ("1008600038413", "1008600038413", "1008600038412"),
    "NO": ("988 077 917", "988077917", "988 077 918"),
    "PL": ("192598184", "192598184", "192598183"),
    "RO": ("J52/750/2012", "J52/750/2012", "X52/750/2012"),
    "RU": ("1022200525819", "1022200525819", "1022500001328"),
    "SE": ("1234567897", "1234567897", "1234567898"),
    "SG": ("197401143C", "197401143C", "123456"),
    "SI": ("9331310000", "9331310", "9331320000"),
    "TH": ("0-99-4-000-61772-1", "0994000617721", "0-99-4-000-61772-3"),
    "UA": ("32855961", "32855961", "32855968"),
}


def test_table_covers_every_stdnum_scheme() -> None:
    assert set(STDNUM_EXAMPLES) == set(registration.STDNUM_SCHEMES)
    assert registration.VALIDATED_COUNTRIES == set(STDNUM_EXAMPLES) | {"JP"}


@pytest.mark.parametrize(("country", "example"), STDNUM_EXAMPLES.items())
def test_stdnum_countries(country: str, example: tuple[str, str, str]) -> None:
    given, key, invalid = example
    assert registration.validate(f"{country.lower()}:{given}") == f"{country}:{key}"
    assert registration.validate(f"{country}:{key}") == f"{country}:{key}"  # idempotent
    with pytest.raises(InvalidIdentifier):
        registration.validate(f"{country}:{invalid}")


def test_japan_uses_the_corporate_number_rule() -> None:
    assert registration.validate("JP:５-８３５６-７８２５-６２４６") == "JP:5835678256246"
    assert registration.format("jp:5835678256246") == "JP:5-8356-7825-6246"
    with pytest.raises(InvalidChecksum):
        registration.validate("JP:2-8356-7825-6246")


def test_stdnum_error_classes_are_translated() -> None:
    with pytest.raises(InvalidChecksum):
        registration.validate("FR:404833047")
    with pytest.raises(InvalidLength):
        registration.validate("FR:40483304")


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("GB:SC123456", "GB:SC123456"),
        ("gb: 0123 4567 ", "GB:01234567"),
        ("uk:oc-300.001", "GB:OC300001"),
        ("US:DE/1234-567", "US:DE1234567"),
        ("HK:１２３４５６７", "HK:1234567"),
    ],
)
def test_fallback_countries(given: str, key: str) -> None:
    assert registration.validate(given) == key
    assert registration.validate(key) == key
    assert registration.format(given) == key


@pytest.mark.parametrize("given", ["GB:", "GB: - ", "GB:AB#12", "GB:" + "1" * 65, "GB:ÄB12"])
def test_fallback_rejects(given: str) -> None:
    with pytest.raises(InvalidIdentifier):
        registration.validate(given)


@pytest.mark.parametrize("given", ["5835678256246", "JA:5835678256246", "JPN:5835678256246", "12:34", ":123"])
def test_country_is_required_and_checked(given: str) -> None:
    with pytest.raises(InvalidFormat):
        registration.validate(given)


def test_format_uses_stdnum_formatting() -> None:
    assert registration.format("FR:404833048") == "FR:404 833 048"
    assert registration.format("BR:16727230000197") == "BR:16.727.230/0001-97"
    assert registration.format("EE:12345678") == "EE:12345678"  # no stdnum format()


def test_compact() -> None:
    assert registration.compact("fr: 404 833 048") == "FR:404833048"
    assert registration.compact("gb: sc 12-34") == "GB:SC1234"
    assert registration.compact("jp:5-8356-7825-6246") == "JP:5835678256246"


def test_kind_name() -> None:
    assert normalize("registration", "no:988 077 917") == "NO:988077917"
