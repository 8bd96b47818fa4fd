"""Dates as publishers write them (connectors/dates.py): every form, at its precision, and the refusals.

The era table here is written out independently of the module (the Gregorian year each era began in
and its last year), so a wrong offset in the module fails these tests instead of agreeing with itself.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.dates import When, parse_date, parse_when

UTC = dt.timezone.utc
# era: (first Gregorian day, last Gregorian day) — the Imperial Household Agency's dates.
ERAS = {
    "大正": (dt.date(1912, 7, 30), dt.date(1926, 12, 24)),
    "昭和": (dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    "平成": (dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    "令和": (dt.date(2019, 5, 1), dt.date(2099, 12, 31)),
}
LETTERS = {"大正": "T", "昭和": "S", "平成": "H", "令和": "R"}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def era_of(day: dt.date) -> tuple[str, int]:
    """(era, era year) of a day, from the table above."""
    for era, (first, last) in ERAS.items():
        if first <= day <= last:
            return era, day.year - first.year + 1
    raise AssertionError(day)


def era_year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


days = st.dates(min_value=dt.date(1912, 7, 30), max_value=dt.date(2099, 12, 31))


@pytest.mark.parametrize("text, iso, precision", [
    # The FSA's own forms (its list of warned unregistered operators), full-width digits included.
    ("令和２年６月", "2020-06", "month"), ("平成30年3月", "2018-03", "month"), ("令和元年12月", "2019-12", "month"),
    ("令和６年11月", "2024-11", "month"), ("2024年11月", "2024-11", "month"), ("2020-06", "2020-06", "month"),
    ("令和8年4月1日", "2026-04-01", "day"), ("平成31年4月30日", "2019-04-30", "day"), ("R8.4.1", "2026-04-01", "day"),
    ("H30.3", "2018-03", "month"), ("令和2年", "2020", "year"), ("2024年", "2024", "year"), ("2020", "2020", "year"),
    # ESMA's interim MiCA register writes day first.
    ("12/02/2025", "2025-02-12", "day"), ("22/07/2026", "2026-07-22", "day"), ("12.02.2025", "2025-02-12", "day"),
    ("2026/04/01", "2026-04-01", "day"), ("２０２６－０４－０１", "2026-04-01", "day"), ("20260401", "2026-04-01", "day"),
    ("01 Jun 1961", "1961-06-01", "day"), ("June 1, 2020", "2020-06-01", "day"), ("June 2020", "2020-06", "month"),
    ("06/2020", "2020-06", "month"), ("2020/6", "2020-06", "month"),
    ("2016-05-07T11:22:30.000Z", "2016-05-07T11:22:30Z", "time"),
    ("2016-05-07T20:22:30+09:00", "2016-05-07T11:22:30Z", "time"),
])
def test_every_form_at_its_precision(text, iso, precision):
    when = parse_when(text)
    assert (when.iso(), when.precision) == (iso, precision)
    assert when.moment.tzinfo == UTC and parse_date(text) == when.moment


def test_a_month_is_a_month_not_its_first_day():
    month, day = parse_when("令和２年６月"), parse_when("2020-06-01")
    assert month.moment == day.moment  # the instant a Timestamp can carry is the same …
    assert month != day and month.iso() == "2020-06"  # … the date is not
    assert month.text == "令和2年6月"  # the publisher's words, NFKC


@pytest.mark.parametrize("text, fragment", [
    ("平成35年1月", "平成 has no year 35; it ended in its year 31 (2019)"),
    ("昭和65年1月", "昭和 has no year 65"),
    ("令和0年1月", "令和 has no year 0"),
    ("令和2年13月", "month must be in 1..12"),
    ("令和2年2月30日", "day is out of range"),
    ("2020-02-30", "is not a date"),
    ("31/06/2020", "is not a date"),
    ("next Tuesday", "is not a date"),
    ("13/2025", "is not a date"),
])
def test_dates_that_cannot_exist_are_refused_by_name(text, fragment):
    with pytest.raises(ValueError, match="not a date") as raised:
        parse_when(text)
    assert fragment in str(raised.value) and text in str(raised.value)


def test_nothing_is_none():
    assert parse_when("") is None and parse_when(" \u3000 ") is None and parse_date("") is None


@given(days, st.sampled_from(["year", "month", "day"]), st.booleans(), st.booleans())
def test_era_forms_round_trip(day, precision, full_width, letter):
    """Any day written in its era, at any precision, with either digits, reads back as that period."""
    era, year = era_of(day)
    name = LETTERS[era] if letter else era
    if letter:
        text = f"{name}{year}" + {"year": "年", "month": f".{day.month}", "day": f".{day.month}.{day.day}"}[precision]
    else:
        text = f"{name}{era_year_text(year)}年" + {"year": "", "month": f"{day.month}月",
                                                    "day": f"{day.month}月{day.day}日"}[precision]
    if full_width:
        text = text.translate(FULL_WIDTH)
    when = parse_when(text)
    start = {"year": dt.date(day.year, 1, 1), "month": day.replace(day=1), "day": day}[precision]
    assert when == When(dt.datetime.combine(start, dt.time(), UTC), precision)


@given(days, st.sampled_from(["year", "month", "day"]))
def test_iso_round_trips_at_every_precision(day, precision):
    text = {"year": f"{day.year}", "month": f"{day.year}-{day.month:02d}", "day": day.isoformat()}[precision]
    when = parse_when(text)
    assert when.precision == precision and parse_when(when.iso()) == when


@given(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_times_round_trip_in_utc(moment):
    moment = moment.replace(microsecond=0)
    when = parse_when(moment.isoformat())
    assert when.precision == "time" and when.moment == moment and parse_when(when.iso()) == when


@given(days)
def test_japanese_gregorian_and_day_first_forms_agree_with_iso(day):
    iso = parse_when(day.isoformat())
    assert parse_when(f"{day.year}年{day.month}月{day.day}日") == iso
    assert parse_when(f"{day.day:02d}/{day.month:02d}/{day.year}") == iso
    assert parse_when(f"{day.year}年{day.month}月") == parse_when(f"{day.year}-{day.month:02d}")


@given(st.text(max_size=30))
def test_any_text_is_a_date_or_a_value_error(text):
    try:
        when = parse_when(text)
    except ValueError as exc:
        assert "not a date" in str(exc)
    else:
        assert when is None or (when.moment.tzinfo == UTC and when.precision in ("year", "month", "day", "time"))
