"""Warned-operator lists and the local-government template: headers, encodings, XLSX, bad cells."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors import localgov, warnings
from connectors.tabular import Columns, header_key
from regulink.v1 import records_pb2 as pb

from .helpers import DATA, entity, identifiers, links, run

FSA = DATA / "warnings" / "fsa-warnings.csv"
XLSX = DATA / "warnings" / "warnings.xlsx"
COMPLAINTS = DATA / "localgov" / "tokyo-complaints.csv"


def test_fsa_list_with_japanese_headers_era_dates_and_defanged_urls():
    records, bad, _, locations = run("warnings", FSA, authority="JP-FSA")
    assert not bad and len(records) == 3
    by_name = {entity(r, "operator").name: r for r in records.values()}
    lumen = by_name["Lumen Crest Exchange Pte Ltd"]
    assert lumen.issued_at.ToDatetime().date().isoformat() == "2026-03-10"  # 令和8年3月10日
    assert identifiers(lumen, "url") == {("", "https://lumencrest.example"), ("", "https://app.lumencrest.example")}
    assert {("operator", "site1", "OPERATES"), ("operator", "authority", "WARNED_BY")} <= links(lumen)
    assert identifiers(lumen, "authority") == {("", "JP-FSA")}
    assert list(entity(lumen, "operator").roles) == [pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR]
    golden = by_name["Golden Harbour Capital Ltd."]
    assert identifiers(golden, "url") == {("", "https://goldenharbour.example/jp")}  # hxxps://…[.]…
    notes = [a.value for a in entity(golden, "operator").attributes if a.name == "notes"]
    assert notes == ["日本語のウェブサイトで暗号資産の交換を勧誘 電話番号も掲載"]  # a quoted cell over two lines
    assert sorted(locations.values()) == ["fsa-warnings.csv:2", "fsa-warnings.csv:3", "fsa-warnings.csv:5"]


def test_xlsx_read_only_with_english_headers_and_extra_columns():
    records, bad, stats, locations = run("warnings", XLSX, authority="GB-FCA")
    assert not bad and len(records) == 3 and stats["read"] == 3
    assert sorted(locations.values()) == ["warnings.xlsx:Warnings!2", "warnings.xlsx:Warnings!3",
                                          "warnings.xlsx:Warnings!5"]
    northwind = next(r for r in records.values() if entity(r, "operator").name.startswith("Northwind"))
    assert identifiers(northwind, "url") == {("", "https://northwind-mix.example"), ("", "https://nw-mixer.example")}
    assert ("reference", "W-2026-021") in {(a.name, a.value) for a in entity(northwind, "operator").attributes}


def test_same_rows_same_ids_whatever_the_notes(tmp_path):
    first, _, _, _ = run("warnings", FSA, authority="JP-FSA")
    changed = tmp_path / "changed.csv"
    changed.write_text(FSA.read_text().replace("SNS等を通じて日本居住者を勧誘", "訂正"), encoding="utf-8")
    second, _, _, _ = run("warnings", changed, authority="JP-FSA")
    assert set(first) == set(second)
    assert sum(first[k].SerializeToString() != second[k].SerializeToString() for k in first) == 1


def test_missing_name_column_stops_with_the_headers_found(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("所在地,ウェブサイト\n東京,https://a.example\n", encoding="utf-8")
    records, bad, _, _ = run("warnings", path, authority="JP-FSA")
    assert not records and [(b.location, b.reason) for b in bad] == [
        ("w.csv:1", "missing column name (headers found: 所在地, ウェブサイト)")]


def test_shift_jis_read_as_utf8_says_which_encoding_and_pushes_nothing(tmp_path):
    path = tmp_path / "sjis.csv"
    path.write_bytes(FSA.read_text(encoding="utf-8").encode("cp932"))
    records, bad, _, _ = run("warnings", path, authority="JP-FSA")
    assert not records and len(bad) == 1
    assert bad[0].location == "sjis.csv:1" and "Shift-JIS (cp932)" in bad[0].reason
    again, bad, _, _ = run("warnings", path, authority="JP-FSA", encoding="cp932")
    assert not bad and len(again) == 3


def test_one_undecodable_row_is_a_bad_row_the_rest_goes_on(tmp_path):
    path = tmp_path / "mixed.csv"
    good = FSA.read_bytes()
    lines = good.split(b"\n")
    lines.insert(2, "壊れた行,東京,https://broken.example,2026-01-01,".encode("cp932"))
    path.write_bytes(b"\n".join(lines))
    records, bad, _, _ = run("warnings", path, authority="JP-FSA")
    assert len(records) == 3 and [b.location for b in bad] == ["mixed.csv:3"]


def test_a_bad_date_holds_the_row_back_a_bad_url_only_itself(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("name,website,date\nA Ltd,https://a.example,someday\nB Ltd,https://bad..example/ b.example,"
                    "2026-01-01\nC Ltd,https://c.example,2026-01-02\n", encoding="utf-8")
    records, bad, _, locations = run("warnings", path, authority="JP-FSA")
    assert [b.location for b in bad] == ["w.csv:2", "w.csv:3"]
    assert "date of warning" in bad[0].reason and "someday" in bad[0].reason
    # The warning of B stands, with the website that reads; the one that does not is said and kept as text.
    assert "website 'https://bad..example/'" in bad[1].reason and "pushed without it" in bad[1].reason
    assert sorted(locations.values()) == ["w.csv:3", "w.csv:4"]
    b = next(r for r in records.values() if entity(r, "operator").name == "B Ltd")
    assert identifiers(b, "url") == {("", "b.example")}
    assert ("website_unreadable", "https://bad..example/") in {(a.name, a.value) for a in entity(b, "operator").attributes}


def test_broken_xlsx(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    records, bad, _, _ = run("warnings", path, authority="JP-FSA")
    assert not records and len(bad) == 1 and "not an XLSX workbook" in bad[0].reason


def test_xlsx_sheet_by_name(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    sheet = book.create_sheet("List")
    sheet.append(["商号", "警告日"])
    sheet.append(["テスト株式会社", "2026-02-01"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    assert run("warnings", path, authority="JP-FSA", sheet="List")[0]
    _, bad, _, _ = run("warnings", path, authority="JP-FSA", sheet="Nope")
    assert "no sheet 'Nope'" in bad[0].reason


@given(st.sampled_from(["Name", "name", " NAME ", "Company name", "company_name", "名称", "商号", "業者名",
                        "名称又は商号", "ｍ名称"[1:], "事業者名(operator_name)", "Firm-Name"]))
def test_header_variants(header):
    assert warnings.COLUMNS.match(header) == "name"


def test_bracketed_keys_win_only_when_they_are_keys():
    columns = Columns({"website": ("websites",)}, required=())
    assert columns.match("Website(s)") == "website"
    assert localgov.COLUMNS.match("電話番号(phone)") == "phone"
    assert header_key(" Date of  Warning ") == "dateofwarning"


def test_local_government_template_ships_and_parses():
    assert localgov.TEMPLATE.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets keep the Japanese
    records, bad, _, _ = run("localgov", localgov.TEMPLATE, agency="tokyo-metro")
    assert not bad and list(records) == ["lg:TMG-2026-0001"]


def test_local_government_complaints():
    records, bad, _, _ = run("localgov", COMPLAINTS, agency="tokyo-metro")
    assert not bad and len(records) == 3
    lumen = records["lg:TMG-2026-0412"]
    assert identifiers(lumen, "phone") == {("JP", "03-5320-1111")}
    assert links(lumen) == {("operator", "w1", "CONTROLS")}
    assert lumen.summary.startswith("SNSの投資グループ")
    person = next(r for k, r in records.items() if k.startswith("lg:h:"))
    assert entity(person, "operator").type == pb.ENTITY_TYPE_PERSON
    assert identifiers(person, "wallet") == {("TRX", "TVe1iUTS3ujznPPWdBeTi7zcozYf4po1aJ")}


def test_bom_or_not_same_records(tmp_path):
    plain, _, _, _ = run("localgov", COMPLAINTS)
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes(b"\xef\xbb\xbf" + COMPLAINTS.read_bytes())
    bommed, _, _, _ = run("localgov", with_bom)
    assert {k: r.SerializeToString() for k, r in plain.items()} == {k: r.SerializeToString() for k, r in bommed.items()}


@pytest.mark.parametrize("column, value, fragment", [
    ("phone", "03-12", "phone"),
    ("email", "not-an-email", "email"),
    ("wallet_address", "0xe002ceb763600e08B9ed4Dd10dC61dE196b59441", "EIP-55"),
    ("wallet_address", "zzz", "chain"),
])
def test_a_bad_cell_is_a_bad_row_naming_the_column(tmp_path, column, value, fragment):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["operator_name", "wallet_chain", column])
    writer.writerow(["株式会社テスト", "ETH" if column == "wallet_address" and value.startswith("0x") else "", value])
    path = tmp_path / "row.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    records, bad, _, _ = run("localgov", path)
    assert len(bad) == 1 and bad[0].location.startswith("row.csv:2")
    assert fragment in bad[0].reason or fragment in bad[0].location
    # The complaint is pushed all the same, without the bad value (issue 14: never the whole row for one cell).
    (record,) = records.values()
    assert [e.name for e in record.entities] == ["株式会社テスト"]
    assert value not in str(record)
