"""OFAC SDN legacy CSV: the sample written for the tests, the real July 2021 cut, the quirks."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors import ofac
from regulink.v1 import records_pb2 as pb

from .helpers import DATA, REALDATA, entity, identifiers, links, run

SAMPLE = DATA / "ofac"
REAL = REALDATA / "ofac-legacy-csv-2021-07"


def test_sample_entries_become_sanctioned_subjects_with_wallets_and_ofac():
    records, bad, stats, locations = run("ofac", SAMPLE)
    assert sorted(records) == ["ofac-sdn:36", "ofac-sdn:90001", "ofac-sdn:90002", "ofac-sdn:90005"]
    assert stats["skipped vessel"] == 1 and stats["read"] == 6
    kovalenko = records["ofac-sdn:90001"]
    subject = entity(kovalenko, "subject")
    assert subject.type == pb.ENTITY_TYPE_PERSON and pb.ENTITY_ROLE_SANCTIONED in subject.roles
    assert {"KOVALENKO, Dmitry", "KOVAL"} == set(subject.aliases)  # alt.csv and a.k.a. in the remarks
    assert identifiers(kovalenko, "ofac_sdn_uid") == {("", "90001")}
    assert identifiers(kovalenko, "wallet") == {
        ("BTC", "1JLE14BW45ryykyLYYb1UwTJpDAySPzEYN"),  # XBT is bitcoin
        ("ETH", "0xe002cEb763600E08B9ed4Dd10dC61dE196b59441"),  # cut across sdn.csv / sdn_comments.csv
        ("TRX", "TVe1iUTS3ujznPPWdBeTi7zcozYf4po1aJ"),  # USDT on Tron, told by the address
    }
    assert identifiers(kovalenko, "authority") == {("", "US-OFAC")}
    assert ("subject", "authority", "SANCTIONED_BY") in links(kovalenko)
    assert {("subject", w, "USES") for w in ("w1", "w2", "w3")} <= links(kovalenko)
    attributes = {(a.name, a.value) for a in subject.attributes}
    assert {("program", "CYBER2"), ("program", "DPRK3"), ("birth_date", "03 Feb 1984"), ("country", "Russia"),
            ("address", "Rostov-on-Don, Russia")} <= attributes
    assert locations["ofac-sdn:90001"] == "sdn.csv:2"


def test_linked_to_names_become_links_to_the_other_entrys_node_both_ways():
    records, _, _, _ = run("ofac", SAMPLE, agency="fsa-jp")
    forward = entity(records["ofac-sdn:90001"], "l1")
    assert forward.identifiers[0].kind == "graph_key"
    assert forward.identifiers[0].value == "local:fsa-jp/ofac-sdn:90002:subject"  # named later in the file
    assert forward.type == pb.ENTITY_TYPE_ORGANIZATION
    assert entity(records["ofac-sdn:90002"], "l1").identifiers[0].value == "local:fsa-jp/ofac-sdn:90001:subject"


def test_a_bad_checksum_is_a_bad_row_with_its_line_and_the_entry_is_held_back():
    records, bad, _, _ = run("ofac", SAMPLE)
    assert "ofac-sdn:90003" not in records
    assert [(b.location, b.reason.split(":")[0]) for b in bad] == [
        ("sdn.csv:4", "wallet BTC '14NfSy6a6K9JvTqKhiAB3YkwmZV3Wqdynu'")]
    assert "checksum" in bad[0].reason


def test_skip_bad_identifiers_pushes_the_entry_without_the_bad_address():
    records, bad, _, _ = run("ofac", SAMPLE, skip_bad_identifiers=True)
    assert len(bad) == 1
    assert identifiers(records["ofac-sdn:90003"], "wallet") == {("ETH", "0xBE280B0111Be2Fbb6794Fb4214f0fF38DBf48b4C")}


def test_address_cut_by_the_continuation_is_located_in_both_files(tmp_path):
    folder = tmp_path / "ofac"
    shutil.copytree(SAMPLE, folder)
    comments = (folder / "sdn_comments.csv").read_bytes().replace(b"196b59441", b"196b59442")
    (folder / "sdn_comments.csv").write_bytes(comments)
    _, bad, _, _ = run("ofac", folder)
    assert ("sdn.csv:2+sdn_comments.csv:1", True) in [(b.location, "EIP-55" in b.reason) for b in bad]


def test_rows_with_missing_columns_or_no_side_files(tmp_path):
    folder = tmp_path / "ofac"
    folder.mkdir()
    (folder / "sdn.csv").write_bytes(b'1,"ONLY TWO"\r\n2,"OK ENTITY",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
                                     b'-0- ,-0- \r\nabc,"X",-0- ,"P",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a')
    records, bad, stats, _ = run("ofac", folder)
    assert list(records) == ["ofac-sdn:2"]
    assert [(b.location, b.reason) for b in bad] == [("sdn.csv:1", "expected 12 columns, found 2"),
                                                     ("sdn.csv:3", "ent_num 'abc' is not a number")]
    assert stats["missing add.csv"] == 1


def test_a_missing_sdn_csv_is_one_bad_row(tmp_path):
    _, bad, _, _ = run("ofac", tmp_path)
    assert len(bad) == 1 and "missing sdn.csv" in bad[0].reason


@given(st.data())
def test_remarks_split_anywhere_parse_like_the_whole(data):
    text = ("DOB 1984; Digital Currency Address - XBT 1JLE14BW45ryykyLYYb1UwTJpDAySPzEYN; alt. Digital Currency "
            "Address - ETH 0xe002cEb763600E08B9ed4Dd10dC61dE196b59441; a.k.a. 'X; Y'; Linked To: A B.")
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=3)))
    parts, start = [], 0
    for n, cut in enumerate(cuts + [len(text)]):
        parts.append((f"f:{n}", text[start:cut]))
        start = cut
    assert [t for t, _ in ofac._split_remarks(parts)] == [t for t, _ in ofac._split_remarks([("f:0", text)])]


def real():
    if not REAL.exists():
        pytest.skip(f"{REAL} is not here (shared real data)")
    return REAL


def test_real_cut_of_july_2021():
    records, bad, stats, _ = run("ofac", real())
    assert stats["read"] == 38 and stats["skipped vessel"] == 1 and stats["skipped aircraft"] == 1
    assert len(records) == 35
    # OFAC's own typo: a 39-digit Ethereum address of LIFSHITS, Artem (ent_num 29702).
    assert [(b.location, "39 hex digits" in b.reason) for b in bad] == [("sdn.csv:24", True)]
    assert "ofac-sdn:29702" not in records
    wallets = {w for r in records.values() for w in identifiers(r, "wallet")}
    assert len(wallets) == 90  # 96 distinct in the file, less LIFSHITS's six
    assert Counter(chain for chain, _ in wallets) == {"BTC": 63, "ETH": 8, "LTC": 7, "ZEC": 3, "DASH": 2,
                                                      "BCH": 2, "XMR": 1, "ETC": 1, "BSV": 1, "BTG": 1, "XVG": 1}
    secondeye = records["ofac-sdn:30518"]
    assert ("", "secondeyesolution.su") in identifiers(secondeye, "url")
    assert ("BCH", "18M8bJWMzWHDBMxoLqjHHAffdRy4SrzkfB") in identifiers(secondeye, "wallet")  # from sdn_comments
    assert "DPRK3" in {a.value for a in entity(records["ofac-sdn:28263"], "subject").attributes if a.name == "program"}


def test_real_cut_with_bad_identifiers_dropped_keeps_lifshits():
    records, bad, _, _ = run("ofac", real(), skip_bad_identifiers=True)
    assert len(records) == 36 and len(bad) == 1
    assert len(identifiers(records["ofac-sdn:29702"], "wallet")) == 5
