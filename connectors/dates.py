"""Dates as publishers write them, read with the precision they were written in.

A regulator that writes ``令和２年６月`` has said "June 2020", not "1 June
2020": :func:`parse_when` returns a :class:`When` holding the first instant
of the period (what a protobuf Timestamp can carry) *and* its precision
(year, month, day or time), so a record can say ``2020-06`` where it
shows the date and keep the source's own text beside it.

Forms read (after NFKC, so full-width digits ``２０２０``, ``－`` and
ideographic spaces are plain ASCII first):

=========================== ================================= =========
form                        examples                          precision
=========================== ================================= =========
Japanese era                令和８年４月１日, 令和２年６月,      day, month,
                            令和元年12月, 平成30年, R8.4.1, H30.3  year
Japanese Gregorian          2026年4月1日, 2024年11月, 2024年    day, month, year
ISO 8601                    2026-04-01, 2020-06, 2020,         day, month, year,
                            2016-05-07T11:22:30Z, 20260401     time
numeric, day first          12/02/2025, 12.02.2025, 12-02-2025 day
numeric month               2020/06, 2020.06, 06/2020          month
English                     1 June 2020, June 1, 2020, Jun 2020 day, month
=========================== ================================= =========

``12/02/2025`` is 12 February (day first, as ESMA and most publishers
outside the US write). Era years are checked against the era: 平成 ended in
its 31st year (2019), 昭和 in its 64th (1989), 大正 in its 15th (1926); a
later year there is a typo, refused rather than guessed. ``元`` is year 1.
Times without a zone are UTC; every result is in UTC.

>>> parse_when("令和２年６月").iso()
'2020-06'
>>> parse_when("令和元年12月").moment.isoformat()
'2019-12-01T00:00:00+00:00'
>>> parse_when("12/02/2025").iso()
'2025-02-12'
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field

PRECISIONS = ("year", "month", "day", "time")

# Era name (and its one-letter abbreviation) → (the Gregorian year before its year 1, its last year).
_ERAS: dict[str, tuple[int, int | None]] = {
    "令和": (2018, None), "平成": (1988, 31), "昭和": (1925, 64), "大正": (1911, 15),
}
_ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和", "T": "大正"}
_ERA = r"(?P<era>令和|平成|昭和|大正|[RHST])"
_ERA_YEAR = r"(?P<year>\d{1,2}|元)"
_KANJI = re.compile(rf"(?:{_ERA}\s*{_ERA_YEAR}|(?P<gyear>\d{{4}}))\s*年"
                    r"(?:\s*(?P<month>\d{1,2})\s*月(?:\s*(?P<day>\d{1,2})\s*日)?)?")
_ERA_DOTTED = re.compile(rf"{_ERA}\s*{_ERA_YEAR}\s*[./]\s*(?P<month>\d{{1,2}})(?:\s*[./]\s*(?P<day>\d{{1,2}}))?")
_YEAR = re.compile(r"(?P<year>\d{4})")
_YEAR_MONTH = re.compile(r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})|(?P<month2>\d{1,2})/(?P<year2>\d{4})")
_DAY_FORMATS = ("%Y/%m/%d", "%Y.%m.%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y",
                "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y", "%Y%m%d")
_MONTH_FORMATS = ("%B %Y", "%b %Y", "%B, %Y", "%b, %Y")


@dataclass(frozen=True)
class When:
    """A date as the source gave it: the first instant of the period (UTC), its precision, the source's text."""

    moment: dt.datetime
    precision: str  # one of PRECISIONS
    text: str = field(default="", compare=False)  # the source's text, NFKC-normalized: provenance, not value

    def iso(self) -> str:
        """ISO 8601 at the source's precision: '2020', '2020-06', '2020-06-01' or the full UTC time."""
        if self.precision == "year":
            return f"{self.moment.year:04d}"
        if self.precision == "month":
            return f"{self.moment.year:04d}-{self.moment.month:02d}"
        if self.precision == "day":
            return self.moment.date().isoformat()
        return self.moment.isoformat().replace("+00:00", "Z")


def parse_when(text: str) -> When | None:
    """A date or time as sources write it, with its precision; None for an empty value.

    Raises ValueError, naming the value, for one it cannot read or that cannot exist
    (31 June, 平成40年).
    """
    value = " ".join(unicodedata.normalize("NFKC", str(text)).split())
    return _parse(value) if value else None


@functools.lru_cache(maxsize=1 << 12)  # a list repeats its few hundred dates over thousands of rows
def _parse(value: str) -> When:
    try:
        when = _japanese(value) or _numeric(value) or _iso(value) or _formatted(value)
    except ValueError as exc:  # a date that matched a form but cannot exist: say which
        raise ValueError(f"{_shown(value)} is not a date: {exc}") from None
    if when is None:
        raise ValueError(f"{_shown(value)} is not a date (use YYYY-MM-DD, or YYYY-MM for a month)")
    return when


def parse_date(text: str) -> dt.datetime | None:
    """The first instant (UTC) of a date as sources write it; None for an empty value (see :func:`parse_when`)."""
    when = parse_when(text)
    return None if when is None else when.moment


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:39] + "…")


def _utc(year: int, month: int = 1, day: int = 1) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=dt.timezone.utc)


def _period(value: str, year: int, month: str | None, day: str | None) -> When:
    if month is None:
        return When(_utc(year), "year", value)
    if day is None:
        return When(_utc(year, int(month)), "month", value)
    return When(_utc(year, int(month), int(day)), "day", value)


def _era_year(era: str, year: str) -> int:
    name = _ERA_LETTERS.get(era, era)
    before, last = _ERAS[name]
    number = 1 if year == "元" else int(year)
    if number < 1 or (last is not None and number > last):
        ending = f"; it ended in its year {last} ({before + last})" if last else ""
        raise ValueError(f"{name} has no year {number}{ending}")
    return before + number


def _japanese(value: str) -> When | None:
    match = _KANJI.fullmatch(value) or _ERA_DOTTED.fullmatch(value)
    if match is None:
        return None
    groups = match.groupdict()
    year = int(groups["gyear"]) if groups.get("gyear") else _era_year(groups["era"], groups["year"])
    return _period(value, year, groups["month"], groups["day"])


def _numeric(value: str) -> When | None:
    if _YEAR.fullmatch(value):
        return When(_utc(int(value)), "year", value)
    match = _YEAR_MONTH.fullmatch(value)
    if match:
        year, month = match["year"] or match["year2"], match["month"] or match["month2"]
        return When(_utc(int(year), int(month)), "month", value)
    return None


def _iso(value: str) -> When | None:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    has_time = len(value) > 10 and not value.isdigit()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    moment = moment.astimezone(dt.timezone.utc)
    return When(moment, "time", value) if has_time else When(moment, "day", value)


def _formatted(value: str) -> When | None:
    for formats, precision in ((_DAY_FORMATS, "day"), (_MONTH_FORMATS, "month")):
        for fmt in formats:
            try:
                moment = dt.datetime.strptime(value, fmt)
            except ValueError:
                continue
            return When(moment.replace(tzinfo=dt.timezone.utc), precision, value)
    return None


__all__ = ["PRECISIONS", "When", "parse_date", "parse_when"]
