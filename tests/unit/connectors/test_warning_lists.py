"""Warning lists as publishers really write them, read whole (tests/data/warnings/README.md says where from).

Expected counts come from a plain `csv` parse here, never from the connector: the ESMA register of
non-compliant CASPs (167 rows, two of them repeated word for word, operators warned twice), Takame's
re-publication of it (170 rows, 239 ` | `-separated domains, no dates at all) and of the FSA's list
(24 warnings, month-only era dates with full-width digits, operators warned two and three times).
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import os
import re
import shutil
import unicodedata

import pytest

from connectors import warnings
from connectors.base import digest
from connectors.tabular import UNMAPPED
from regulink.v1 import records_pb2 as pb

from .helpers import DATA, entity, identifiers, links, run

ESMA = DATA / "warnings" / "esma-ncasp-2026-08-16.csv"
TAKAME_ESMA = DATA / "warnings" / "takame-esma-mica-nca.csv"
TAKAME_FSA = DATA / "warnings" / "takame-fsa-jp-warning.csv"


def rows(path):
    with open(path, encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def squeeze(text: str) -> str:
    return " ".join(text.split())


def attributes(record, ref="operator") -> dict[str, list[str]]:
    found = collections.defaultdict(list)
    for a in entity(record, ref).attributes:
        found[a.name].append(a.value)
    return found


def warned_by(record) -> str:
    (authority,) = [i.value for e in record.entities for i in e.identifiers if i.kind == "authority"]
    return authority


def operator_key(record) -> str:
    return next(i.value for i in entity(record, "operator").identifiers if i.kind == "graph_key")


# -- ESMA's interim MiCA register: non-compliant entities (NCASP.csv), whole ---------------------------------


@pytest.fixture(scope="module")
def esma():
    return run("warnings", ESMA, authority="EU-ESMA")


def test_esma_register_every_warning_is_a_record_and_exact_repeats_are_counted(esma):
    records, bad, stats, _ = esma
    source = rows(ESMA)
    distinct = {tuple(squeeze(v) for v in row.values()) for row in source}
    assert (len(source), len(distinct)) == (167, 165)  # DFG789 and Lucrumiagroup appear twice
    assert stats["read"] == 167 and stats[warnings.DUPLICATE] == 2 and len(records) == 165
    # The one refusal, and it refuses the website, not the warning: "https://kapidexnx" has no top-level domain.
    assert [(b.location, b.reason) for b in bad] == [
        ("esma-ncasp-2026-08-16.csv:125",
         "website 'https://kapidexnx': a website's host has a top-level domain (example.com, not example): "
         "https://kapi…; the warning is pushed without it")]
    kapidex = next(r for r in records.values() if entity(r, "operator").name == "Kapidex Nx")
    assert identifiers(kapidex, "url") == {("", "https://kapidexnx.net")}


def test_esma_dates_are_the_decision_dates_and_authorities_the_deciding_ones(esma):
    records, _, _, locations = esma
    source = rows(ESMA)
    for rec_id, record in records.items():
        row = source[int(locations[rec_id].rsplit(":", 1)[1]) - 2]
        decided = dt.datetime.strptime(row["ae_decision_date"], "%d/%m/%Y").replace(tzinfo=dt.timezone.utc)
        assert record.issued_at.ToDatetime(dt.timezone.utc) == decided
        assert attributes(record)["warned_on"] == [decided.date().isoformat()]
        (warning,) = [k for k in record.links if k.type == pb.LINK_TYPE_WARNED_BY]
        assert warning.observed_at.ToDatetime(dt.timezone.utc) == decided
    expected = collections.Counter(re.search(r"\((\w+)\)\s*$", r["ae_competentAuthority"]).group(1)
                                   for r in {tuple(squeeze(v) for v in row.values()): row for row in source}.values())
    got = collections.Counter(warned_by(r).split("-", 1)[1] for r in records.values())
    assert got == expected == {"CONSOB": 163, "AFM": 1, "NBS": 1}
    assert {warned_by(r) for r in records.values()} == {"IT-CONSOB", "NL-AFM", "SK-NBS"}


def test_esma_websites_become_website_nodes(esma):
    records, _, _, _ = esma
    distinct = {tuple(squeeze(v) for v in row.values()): row for row in rows(ESMA)}.values()
    tokens = [t.strip() for row in distinct for t in row["ae_website"].split("|") if t.strip()]
    hosts = [re.sub(r"^[A-Za-z]+:/*", "", t).split("/")[0] for t in tokens]
    readable = [h for h in hosts if "." in h]
    sites = [e for r in records.values() for e in r.entities if e.type == pb.ENTITY_TYPE_WEBSITE]
    assert len(sites) == len(readable) == len(tokens) - 1 == 241
    assert sum(("operator", e.ref, "OPERATES") in links(r) for r in records.values() for e in r.entities
               if e.type == pb.ENTITY_TYPE_WEBSITE) == 241
    urls = {i.value for e in sites for i in e.identifiers}
    # ESMA's typos are repaired, not keyed as "domain:https" or dropped.
    assert {"https://cryptoin24.io", "https://frame-2u-avapro.org", "https://rer221.it"} <= urls
    portafica = next(r for r in records.values() if entity(r, "operator").name == "Portafica")
    assert len(identifiers(portafica, "url")) == 15


def test_esma_operator_warned_twice_is_one_node_with_two_dated_warnings(esma):
    records, _, _, _ = esma
    by_name = collections.defaultdict(list)
    for record in records.values():
        by_name[entity(record, "operator").name].append(record)
    expected = collections.Counter(squeeze(r["ae_lei_name"]) for r in
                                   {tuple(squeeze(v) for v in row.values()): row for row in rows(ESMA)}.values())
    assert {n: len(rs) for n, rs in by_name.items() if len(rs) > 1} == {n: c for n, c in expected.items() if c > 1} \
        == {"Dobibo": 2, "Fameexn": 2, "Spazio Finanziario": 2}
    dobibo = sorted(by_name["Dobibo"], key=lambda r: r.issued_at.seconds)
    assert len({r.record_id for r in dobibo}) == 2 and len({operator_key(r) for r in dobibo}) == 1
    assert operator_key(dobibo[0]) == f"local:fsa-jp/warn:EU-ESMA:op:{digest('Dobibo', size=16)}:operator"
    assert [attributes(r)["warned_on"] for r in dobibo] == [["2025-02-12"], ["2025-10-09"]]
    assert identifiers(dobibo[1], "url") == {("", "https://dbbddrb.com")}


def test_esma_columns_are_understood_or_named(esma):
    records, _, stats, _ = esma
    mexc = next(r for r in records.values() if entity(r, "operator").name == "MEXC Global")
    found = attributes(mexc)
    assert list(entity(mexc, "operator").aliases) == ["MEXC"]  # ae_commercial_name
    assert "in breach of section 59 MiCAR" in found["notes"][0] and "pb-mexc" in found["notes"][0]
    assert found["last_updated"] == ["2025-09-25"] and found["country"] == ["NL"]
    assert "None" not in {v for r in records.values() for a in entity(r, "operator").attributes for v in [a.value]}
    header = next(csv.reader(open(ESMA, encoding="utf-8")))
    unmapped = [h for h in header if warnings.COLUMNS.match(h) is None]
    assert unmapped == ["ae_infrigment"]
    assert {k: v for k, v in stats.items() if k.startswith(UNMAPPED)} == {UNMAPPED + "ae_infrigment": 167}


# -- Takame's re-publications (CC BY 4.0 layer over ESMA's and the FSA's data) ------------------------------


def test_takame_esma_list_has_no_dates_so_it_needs_issued_at():
    records, bad, _, _ = run("warnings", TAKAME_ESMA, authority="EU-ESMA", issued_at=None)
    assert not records and len(bad) == 170 and {b.reason for b in bad} == {"no issue date (pass --issued-at)"}
    day = dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc)
    records, bad, stats, _ = run("warnings", TAKAME_ESMA, authority="EU-ESMA", issued_at=day)
    source = rows(TAKAME_ESMA)
    domains = [d for row in source for d in row["website_domains"].split(" | ") if d]
    assert not bad and len(records) == len(source) == 170 and len(domains) == 239
    assert sum(len(identifiers(r, "url")) for r in records.values()) == 239
    assert all(":undated:" in k and r.issued_at.ToDatetime(dt.timezone.utc) == day for k, r in records.items())
    assert not [k for k in stats if k.startswith(UNMAPPED)]  # every Takame column has a meaning here


def test_takame_fsa_list_keeps_the_fsa_month_and_its_words():
    records, bad, _, _ = run("warnings", TAKAME_FSA, authority="JP-FSA", issued_at=None)
    source = rows(TAKAME_FSA)
    assert not bad and len(records) == len(source) == 24
    # Takame wrote each FSA month as its first day (effective_date) and kept the FSA's words in reference_id
    # (令和２年６月, 平成30年3月, 令和元年12月): the record says the month, and keeps the words.
    published = {(squeeze(r["entity_name"]), r["effective_date"][:7]): unicodedata.normalize("NFKC", r["reference_id"])
                 for r in source}
    for record in records.values():
        found = attributes(record)
        (warned_on,) = found["warned_on"]
        assert re.fullmatch(r"\d{4}-\d{2}", warned_on)
        assert record.issued_at.ToDatetime(dt.timezone.utc).date().isoformat() == warned_on + "-01"
        assert found["warned_on_as_published"] == [published[(entity(record, "operator").name, warned_on)]]
    assert sorted(attributes(r)["warned_on"][0] for r in records.values()) == \
        sorted(r["effective_date"][:7] for r in source)


def test_takame_fsa_repeated_warnings_are_one_operator_each_dated():
    records, _, _, _ = run("warnings", TAKAME_FSA, authority="JP-FSA", issued_at=None)
    expected = collections.Counter(r["entity_name"] for r in rows(TAKAME_FSA))
    assert {n: c for n, c in expected.items() if c > 1} == {"Bitforex Limited": 2, "Bitget Limited": 2,
                                                            "Bybit Fintech Limited": 3, "MEXC Global": 2}
    bybit = [r for r in records.values() if entity(r, "operator").name == "Bybit Fintech Limited"]
    assert len({r.record_id for r in bybit}) == 3 and len({operator_key(r) for r in bybit}) == 1
    assert sorted(attributes(r)["warned_on"][0] for r in bybit) == ["2021-05", "2023-03", "2024-11"]
    assert {k.evidence for r in bybit for k in r.links if k.type == pb.LINK_TYPE_WARNED_BY} == {
        "JP-FSA warning list, 2021-05", "JP-FSA warning list, 2023-03", "JP-FSA warning list, 2024-11"}
    # Binance (平成30年3月) and Binance Holdings Limited (令和３年６月) are not merged: names differ.
    binance = {operator_key(r) for r in records.values() if entity(r, "operator").name.startswith("Binance")}
    assert len(binance) == 2


# -- what a list may not be, and rows that repeat -----------------------------------------------------------------


def test_esma_register_of_authorised_providers_is_refused(tmp_path):
    path = tmp_path / "CASPS.csv"  # ESMA's header of the authorised CASPs register, and one of its rows
    path.write_text(
        "ae_competentAuthority,ae_homeMemberState,ae_lei_name,ae_lei,ae_lei_cou_code,ae_commercial_name,ae_address,"
        "ae_website,ae_website_platform,ac_authorisationNotificationDate,ac_authorisationEndDate,ac_serviceCode,"
        "ac_serviceCode_cou,ac_comments,ac_lastupdate\n"
        'Austrian Financial Market Authority (FMA),AT,Bitpanda GmbH,5493007WZ7IFULIL8G21,AT,Bitpanda,"Vienna",'
        "https://www.bitpanda.com,,09/04/2025,,c. exchange of crypto-assets for funds,AT|BE,,18/04/2025\n",
        encoding="utf-8")
    records, bad, _, _ = run("warnings", path, authority="EU-ESMA")
    assert not records and len(bad) == 1 and bad[0].location == "CASPS.csv:1"
    assert "register of *authorised* crypto-asset service providers" in bad[0].reason


def test_same_name_and_date_two_warnings_two_ids_a_repeat_none(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("name,date,website\nAlpha Ltd,2026-01-05,alpha.example\nAlpha Ltd,2026-01-05,alpha2.example\n"
                    "Alpha  Ltd,2026-01-05,alpha2.example\nAlpha Ltd,2026-01-05,alpha.example\n", encoding="utf-8")
    records, bad, stats, locations = run("warnings", path, authority="JP-FSA")
    base = f"warn:JP-FSA:2026-01-05:{digest('Alpha Ltd', size=16)}"
    assert not bad and sorted(records) == [base, f"{base}:2"] and stats[warnings.DUPLICATE] == 2
    assert locations == {base: "w.csv:2", f"{base}:2": "w.csv:3"}


def test_undated_row_takes_its_last_update_then_issued_at(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("name,last update,notes\nBeta Ltd,2025-03-04,x\nGamma Ltd,,y\n", encoding="utf-8")
    records, bad, _, _ = run("warnings", path, authority="JP-FSA", issued_at=None)
    (beta,) = records.values()
    assert beta.issued_at.ToDatetime(dt.timezone.utc).date() == dt.date(2025, 3, 4) and ":undated:" in beta.record_id
    assert [(b.location, b.reason) for b in bad] == [("w.csv:3", "no issue date (pass --issued-at)")]


@pytest.mark.parametrize("reference, date, expected", [
    ("令和２年６月", "2020-06-01", ("2020-06", "令和2年6月")),  # the publisher's month, not the re-publisher's 1st
    ("2020-06", "2020-06-01", ("2020-06", None)),  # written as ISO already: nothing more to keep
    ("令和２年７月", "2020-06-01", ("2020-06-01", None)),  # they disagree: the date column is the date
    ("2020", "2020-01-01", ("2020-01-01", None)),  # a bare number is a reference, not a year
    ("W-2026-021", "2020-06-01", ("2020-06-01", None)),
])
def test_a_written_reference_date_only_ever_coarsens_an_agreeing_date(tmp_path, reference, date, expected):
    path = tmp_path / "w.csv"
    path.write_text(f"name,reference,date\nDelta Ltd,{reference},{date}\n", encoding="utf-8")
    records, bad, _, _ = run("warnings", path, authority="JP-FSA")
    (record,) = records.values()
    found = attributes(record)
    assert (found["warned_on"][0], (found.get("warned_on_as_published") or [None])[0]) == expected


def test_an_identical_download_gives_identical_bytes_whatever_its_name_and_time(tmp_path):
    """Item 8: no date comes from the file system, so a re-download (new name, new mtime) changes nothing."""
    for source, day in ((ESMA, None), (TAKAME_ESMA, dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc))):
        copy = tmp_path / f"again-{source.name}"
        shutil.copyfile(source, copy)
        os.utime(copy, (1_000_000_000, 1_000_000_000))  # 2001: were the mtime used, every date would move
        first, _, _, _ = run("warnings", source, authority="EU-ESMA", issued_at=day)
        again, _, _, _ = run("warnings", copy, authority="EU-ESMA", issued_at=day)
        assert {k: r.SerializeToString() for k, r in first.items()} == \
            {k: r.SerializeToString() for k, r in again.items()}
