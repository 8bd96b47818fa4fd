"""OFAC SDN legacy CSV: the sample written for the tests, the quirks, real cuts of 2021 and 2024, whole files.

Every ``Digital Currency Address`` of a real file is accounted for against an
independent reading of the same files (csv module, remarks joined raw, one
regular expression): it is a wallet of its entry's record or a bad row at
its entry's line, and nothing else becomes a wallet. Each refusal is listed
with its reason.
"""

from __future__ import annotations

import csv
import gzip
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import connectors
from connectors import ofac, wallets
from connectors.base import Options
from graph.investigate import identifier_keys
from graph.project import contribution
from graph.resolve.keys import identifier_key
from regulink.v1 import records_pb2 as pb

from .helpers import DATA, entity, identifiers, links, run

SAMPLE = DATA / "ofac"
QUIRKS = DATA / "ofac" / "quirks"
CUT_2021 = DATA / "ofac" / "real-2021-07"
CUT_2024 = DATA / "ofac" / "real-2024-05"
# Whole published files, gzipped as published (tests/data/ofac/README.md says where they come from);
# $REGULINK_OFAC_WHOLE may point at other whole lists laid out the same way, uncompressed.
WHOLE = Path(os.environ["REGULINK_OFAC_WHOLE"]) if "REGULINK_OFAC_WHOLE" in os.environ else None
WHOLE_GZ = DATA / "ofac" / "whole"
FTM_EU = DATA / "ftm" / "real" / "eu_fsf-t1.ftm.json"


# -- the independent reading ------------------------------------------------------------------

MENTION = re.compile(r"Digital Currency Addr")
FULL = re.compile(r"Digital Currency Address - ([A-Za-z0-9]+) ([^;\s]*)")


def published(folder: Path) -> dict[int, tuple[int, str]]:
    """ent_num → (sdn.csv line, remarks joined raw with sdn_comments.csv) of every person/organization."""
    comments: dict[str, str] = {}
    if (folder / "sdn_comments.csv").exists():
        with open(folder / "sdn_comments.csv", encoding="utf-8-sig", errors="replace", newline="") as source:
            for row in csv.reader(source):
                if len(row) >= 2:
                    comments[row[0]] = comments.get(row[0], "") + row[1]
    entries = {}
    with open(folder / "sdn.csv", encoding="utf-8-sig", errors="replace", newline="") as source:
        reader = csv.reader(source)
        for row in reader:
            if len(row) == 12 and row[0].isdigit() and row[2].strip() not in ("vessel", "aircraft"):
                remark = "" if row[11].strip() == "-0-" else row[11]
                entries[int(row[0])] = (reader.line_num, remark + comments.get(row[0], ""))
    return entries


def is_wallet_problem(reason: str) -> bool:
    return reason.startswith("wallet ") or "Digital Currency Addr" in reason or "cannot tell its chain" in reason


def account(folder: Path, records, bad) -> Counter:
    """Check every published address against the run; return the wallets by chain."""
    chains: Counter = Counter()
    claimed = set()
    for uid, (line, remarks) in published(folder).items():
        record = records.get(f"ofac-sdn:{uid}")
        assert record is not None, f"entry {uid} (sdn.csv:{line}) gave no record"
        full = [(m.group(1).upper(), m.group(2).rstrip(".,")) for m in FULL.finditer(remarks)]
        addresses = {address for _, address in full if address}
        broken = len(MENTION.findall(remarks)) - len([a for _, a in full if a])  # labels with no address after them
        wallets = {}
        for e in record.entities:
            for i in e.identifiers:
                if i.kind == "wallet":  # one address may be a wallet on two chains (OFAC: ETH and ETC, ARB and BSC)
                    wallets.setdefault(i.value, set()).update(a.value for a in e.attributes if a.name == "currency")
                    chains[i.scheme] += 1
        assert set(wallets) <= addresses, f"entry {uid}: wallets not in its remarks {set(wallets) - addresses}"
        for ticker, address in full:
            if address in wallets:
                assert ticker in wallets[address], f"entry {uid}: {address} lost its currency {ticker}"
        here = [b for b in bad if re.match(rf"sdn\.csv:{line}(\+|$)", b.location) and is_wallet_problem(b.reason)]
        claimed |= {id(b) for b in here}
        missing = addresses - set(wallets)
        for address in missing:
            assert any(address[:40] in b.reason for b in here), f"entry {uid}: {address} neither wallet nor bad row"
        assert len(here) == len(missing) + broken, f"entry {uid}: {[b.reason for b in here]}"
    assert not [b for b in bad if is_wallet_problem(b.reason) and id(b) not in claimed]
    return chains


def refusals(bad) -> list[tuple[str, str]]:
    """(location, why) of each bad row, the why shortened to its kind."""
    def why(reason: str) -> str:
        if "1,000-character cut" in reason:
            return "cut at 1,000 characters, no continuation"
        return re.sub(r"^(wallet \S+ '[^']*'|'[^']*'): ", "", reason)[:45]
    return sorted((b.location, why(b.reason)) for b in bad)


# -- the handmade sample ------------------------------------------------------------------------


def test_sample_entries_become_sanctioned_subjects_with_wallets_and_ofac():
    records, _, stats, locations = run("ofac", SAMPLE)
    assert sorted(records) == ["ofac-sdn:36", "ofac-sdn:90001", "ofac-sdn:90002", "ofac-sdn:90003", "ofac-sdn:90005"]
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
    # "Registration Number 1118822 (United Arab Emirates)" keys the company.
    assert identifiers(records["ofac-sdn:90005"], "registration") == {("AE", "1118822")}


def test_linked_to_names_become_links_to_the_other_entrys_node_both_ways():
    records, _, _, _ = run("ofac", SAMPLE, agency="fsa-jp")
    forward = entity(records["ofac-sdn:90001"], "l1")
    assert forward.identifiers[0].kind == "graph_key"
    assert forward.identifiers[0].value == "local:fsa-jp/ofac-sdn:90002:subject"  # named later in the file
    assert forward.type == pb.ENTITY_TYPE_ORGANIZATION
    assert entity(records["ofac-sdn:90002"], "l1").identifiers[0].value == "local:fsa-jp/ofac-sdn:90001:subject"


def test_a_bad_checksum_is_a_bad_row_with_its_line_and_the_entry_goes_without_it():
    records, bad, _, _ = run("ofac", SAMPLE)
    assert [(b.location, b.reason.split(":")[0]) for b in bad] == [
        ("sdn.csv:4", "wallet BTC '14NfSy6a6K9JvTqKhiAB3YkwmZV3Wqdynu'")]
    assert "checksum" in bad[0].reason
    vasquez = records["ofac-sdn:90003"]  # names, program, the other wallet: all still there
    assert identifiers(vasquez, "wallet") == {("ETH", "0xBE280B0111Be2Fbb6794Fb4214f0fF38DBf48b4C")}
    assert entity(vasquez, "subject").name == "VASQUEZ MORENO, Luis Alberto"
    assert links(vasquez) == {("subject", "w2", "USES"), ("subject", "authority", "SANCTIONED_BY")}  # w1 left out


def test_address_cut_by_the_continuation_is_located_in_both_files(tmp_path):
    folder = tmp_path / "ofac"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("quirks", "real-*", "*.py", "*.md"))
    comments = (folder / "sdn_comments.csv").read_bytes().replace(b"196b59441", b"196b59442")
    (folder / "sdn_comments.csv").write_bytes(comments)
    records, bad, _, _ = run("ofac", folder)
    assert ("sdn.csv:2+sdn_comments.csv:1", True) in [(b.location, "EIP-55" in b.reason) for b in bad]
    assert "ofac-sdn:90001" in records


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


def test_a_folder_without_sdn_csv_is_one_bad_row_that_says_what_the_format_wants(tmp_path):
    (tmp_path / "add.csv").write_text("")
    items = list(connectors.read("ofac", tmp_path, Options(agency_id="fsa-jp")))  # no --issued-at: no crash
    assert len(items) == 1 and items[0].location == str(tmp_path)
    assert "no sdn.csv here" in items[0].reason and "sdn_comments.csv" in items[0].reason


def test_an_empty_sdn_csv_is_said_to_be_empty(tmp_path):
    (tmp_path / "sdn.csv").write_bytes(b"")  # what a failed download left in a public scrape (2024-05-04)
    _, bad, _, _ = run("ofac", tmp_path)
    assert [b.reason for b in bad] == ["no SDN entry in the file (an empty or broken download?)"]


# -- the quirks, one entry each way ---------------------------------------------------------------


def test_quirks_every_address_is_a_wallet_or_a_bad_row_saying_why():
    records, bad, stats, _ = run("ofac", QUIRKS)
    assert sorted(records) == ["ofac-sdn:91001", "ofac-sdn:91002"]  # the first row despite the byte-order mark
    testex = records["ofac-sdn:91001"]
    wallets = {e.identifiers[0].value: (e.identifiers[0].scheme, {a.name: a.value for a in e.attributes})
               for e in testex.entities if e.type == pb.ENTITY_TYPE_CRYPTO_WALLET}
    assert {k: v[0] for k, v in wallets.items()} == {
        "3E6ZCKRrsdPc35chA9Eftp1h3DLW18NFNV": "BTC",  # USDT on Bitcoin's Omni layer (Garantex's, 2024)
        "49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsL": "XMR",
        "qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq": "BCH",
        "t1g7wowvQ8gn2v8jrU1biyJ26sieNqNsBJy": "ZEC",
        "833XorXTTx5iya5B3Tr6iqEs9GbRuvVfwyLCP2vpdzhq": "SOL",  # USDC on a Solana-form address
        "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq": "TRX",  # listed as XBT (OFAC, 2024): the checksum says Tron
        "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h": "BTC",  # "…XBT " + continuation: the space kept
    }
    usdt = wallets["3E6ZCKRrsdPc35chA9Eftp1h3DLW18NFNV"][1]
    assert usdt["currency"] == "USDT" and "Omni" in usdt["chain_basis"]
    assert "listed as XBT" in wallets["TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"][1]["chain_basis"]
    assert wallets["833XorXTTx5iya5B3Tr6iqEs9GbRuvVfwyLCP2vpdzhq"][1]["address_check"].startswith("not verified")
    assert "address_check" not in wallets["3E6ZCKRrsdPc35chA9Eftp1h3DLW18NFNV"][1]
    assert refusals(bad) == [
        ("sdn.csv:1", "64 hex digits are a hash or a key, not a Mone"),
        ("sdn.csv:1", "a Digital Currency Address item that is not '"),
        ("sdn.csv:2", "cut at 1,000 characters, no continuation"),
    ]
    assert "1B64QRxf" in bad[-1].reason  # the truncated address is named, never keyed
    assert stats["remarks cut at 1,000 characters without a continuation"] == 1
    assert account(QUIRKS, records, bad) == Counter({"BTC": 3, "XMR": 1, "BCH": 1, "ZEC": 1, "SOL": 1, "TRX": 1})


def test_quirks_identity_numbers_become_identifiers():
    records, _, _, _ = run("ofac", QUIRKS)
    testex = records["ofac-sdn:91001"]
    assert identifiers(testex, "registration") == {("RU", "1027700070518")}
    assert identifiers(testex, "lei") == {("", "253400V1H6ART1UQ0N98")}
    assert identifiers(testex, "other") == {("tax_id:RU", "7701234567"), ("swift_bic", "HAVIGB2L")}
    subject = {(a.name, a.value) for a in entity(testex, "subject").attributes}
    assert {("tax_id", "7701234567 (Russia)"), ("swift_bic", "HAVIGB2L")} <= subject
    # The Linked To target has no strong key: referred to by its local key.
    assert entity(testex, "l1").identifiers[0].value == "local:fsa-jp/ofac-sdn:91002:subject"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_remark_cut_anywhere_gives_the_same_record(data):
    text = ("DOB 1984; Digital Currency Address - XBT 1JLE14BW45ryykyLYYb1UwTJpDAySPzEYN; alt. Digital Currency "
            "Address - XBT 12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h; Registration Number 1118822 (United Arab Emirates); "
            "a.k.a. 'X; Y'; alt. Digital Currency Address - ETH 0xe002cEb763600E08B9ed4Dd10dC61dE196b59441.")
    after_ticker = text.index("XBT 12Qt") + 4  # right after "XBT ": the cut of issue 14
    cut = data.draw(st.one_of(st.just(after_ticker), st.integers(1, len(text) - 1)))

    def records_of(remark: str, continuation: str | None):
        with tempfile.TemporaryDirectory() as folder:
            row = f'90010,"TEST ENTRY",-0- ,"CYBER2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"{remark}"\r\n'
            Path(folder, "sdn.csv").write_text(row, encoding="utf-8")
            if continuation is not None:
                Path(folder, "sdn_comments.csv").write_text(f'90010,"{continuation}"\r\n', encoding="utf-8")
            records, bad, _, _ = run("ofac", Path(folder))
        return records["ofac-sdn:90010"], bad

    whole, bad = records_of(text, None)
    assert not bad and len(identifiers(whole, "wallet")) == 3
    parted, bad = records_of(text[:cut], text[cut:])
    assert not bad
    assert {k: v for k, v in ((i.kind, i.value) for e in parted.entities for i in e.identifiers)} == \
        {k: v for k, v in ((i.kind, i.value) for e in whole.entities for i in e.identifiers)}
    assert identifiers(parted, "wallet") == identifiers(whole, "wallet")


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


@pytest.mark.parametrize("ticker, address, chain, basis", [
    ("XBT", "1JLE14BW45ryykyLYYb1UwTJpDAySPzEYN", "BTC", ""),
    ("USDT", "3E6ZCKRrsdPc35chA9Eftp1h3DLW18NFNV", "BTC", "Omni"),  # Garantex, 2024
    ("USDT", "0x7FF9cFad3877F21d41Da833E2F775dB0569eE3D9", "ETH", "every EVM chain"),
    ("USDT", "TVe1iUTS3ujznPPWdBeTi7zcozYf4po1aJ", "TRX", "TRX's"),
    ("USDC", "833XorXTTx5iya5B3Tr6iqEs9GbRuvVfwyLCP2vpdzhq", "SOL", "SOL's"),
    ("USDC", "TVe1iUTS3ujznPPWdBeTi7zcozYf4po1aJ", "TRX", "TRX's"),
    ("USDT", "0x7FF9cFad3877F21d41Da833E2F775dB0569eE3D8", "ETH", ""),  # bad EIP-55: ETH names the fault
    ("USDC", "3E6ZCKRrsdPc35chA9Eftp1h3DLW18NFNV", None, ""),  # no USDC on Omni
    ("XBT", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq", "TRX", "listed as XBT"),  # OFAC 2024, entry 45404
    ("DASH", "1JLE14BW45ryykyLYYb1UwTJpDAySPzEYN", "DASH", ""),  # BTC and BCH both accept it: no guess
    ("XMR", "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320", "XMR", ""),
    ("ARB", "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c", "ARB", ""),
    ("BSC", "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c", "BSC", ""),
])
def test_a_ticker_names_a_currency_the_address_names_the_chain(ticker, address, chain, basis):
    placed = wallets.place(ticker, address)
    assert placed.chain == chain and basis in placed.basis and bool(placed.basis) == bool(basis)


def test_guessing_a_chain_from_the_address_alone_needs_a_checksum():
    assert wallets.guess_chain("qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq") == "BCH"
    assert wallets.guess_chain("t1g7wowvQ8gn2v8jrU1biyJ26sieNqNsBJy") == "ZEC"
    assert wallets.guess_chain("833XorXTTx5iya5B3Tr6iqEs9GbRuvVfwyLCP2vpdzhq") is None  # a SOL key, or anything
    assert wallets.check_note("SOL").startswith("not verified") and wallets.check_note("XMR") is None


@pytest.mark.parametrize("name, code", [("Russia", "RU"), ("Korea, North", "KP"), ("Burma", "MM"), ("Iran", "IR"),
                                        ("United Arab Emirates", "AE"), ("Congo, Democratic Republic of the", "CD"),
                                        ("Region: Crimea", None), ("Jalisco", None)])
def test_ofac_country_names(name, code):
    assert ofac.country_code(name) == code


# -- real files --------------------------------------------------------------------------------


def test_real_2021_cut_every_address_accounted_for():
    records, bad, stats, _ = run("ofac", CUT_2021)
    assert stats["read"] == 66 and len(records) == 65 - stats["skipped vessel"] - stats["skipped aircraft"] + 1
    chains = account(CUT_2021, records, bad)
    assert chains == Counter({"BTC": 65, "LTC": 9, "ETH": 9, "ZEC": 3, "DASH": 3, "BCH": 2, "BTG": 1, "ETC": 1,
                              "BSV": 1, "XVG": 1})
    assert refusals(bad) == [
        ("sdn.csv:60", "64 hex digits are a hash or a key, not a Mone"),  # entry 29585
        ("sdn.csv:61", "EVM address has 39 hex digits, expected 40: 0"),  # OFAC's typo for LIFSHITS, Artem
    ]
    lifshits = records["ofac-sdn:29702"]  # once held back whole for that one address
    assert len(identifiers(lifshits, "wallet")) == 5
    secondeye = records["ofac-sdn:30518"]
    assert ("", "secondeyesolution.su") in identifiers(secondeye, "url")
    assert ("BCH", "18M8bJWMzWHDBMxoLqjHHAffdRy4SrzkfB") in identifiers(secondeye, "wallet")  # from sdn_comments


CHAINS_2024 = Counter({"BTC": 197, "ETH": 53, "TRX": 15, "LTC": 4, "DASH": 3, "XMR": 2, "ZEC": 2, "BCH": 2, "BTG": 1,
                       "ETC": 1, "XVG": 1, "ARB": 1, "BSC": 1})


def test_real_2024_cut_every_address_accounted_for():
    records, bad, stats, _ = run("ofac", CUT_2024)
    assert stats["missing sdn_comments.csv"] == 1  # as scraped: sdn.csv alone
    chains = account(CUT_2024, records, bad)
    assert chains == CHAINS_2024
    # sdn_comments.csv was not scraped: 16 remarks end at OFAC's cut, 10 of them inside a wallet item.
    assert Counter(why for _, why in refusals(bad)) == {"cut at 1,000 characters, no continuation": 16,
                                                        "64 hex digits are a hash or a key, not a Mone": 1}
    assert sum("Digital" in b.reason for b in bad if "cut" in b.reason) == 10
    for name, count in (("SUEX OTC, S.R.O.", 13), ("CHATEX", 12), ("GARANTEX EUROPE OU", 3)):  # once lost whole
        record = next(r for r in records.values() if entity(r, "subject").name == name)
        assert len(identifiers(record, "wallet")) == count
    garantex = next(r for r in records.values() if entity(r, "subject").name == "GARANTEX EUROPE OU")
    assert ("BTC", "3E6ZCKRrsdPc35chA9Eftp1h3DLW18NFNV") in identifiers(garantex, "wallet")  # USDT on Omni


def test_an_ofac_company_and_its_ftm_record_meet_at_one_node():
    """LIMITED LIABILITY COMPANY INTER TOBACCO: OFAC 2024 "Registration Number 808000714 (Belarus)", and the
    EU list's entity in OpenSanctions' FtM export with registrationNumber 808000714, country by."""
    ofac_records, _, _, _ = run("ofac", CUT_2024)
    ftm_records, _, _, _ = run("ftm", FTM_EU, agency="npa-cyber")
    ofac_key = subject_key(ofac_records["ofac-sdn:32733"])
    ftm_key = next(subject_key(r) for r in ftm_records.values() if "Inter Tobacco" in r.summary)
    assert ofac_key == ftm_key == "registration:BY:808000714"


def subject_key(record: pb.CaseRecord) -> str:
    facts = contribution(record, 0, 0)
    sanctioned = [e.source for e in facts.edges.values() if e.type == "SANCTIONED_BY"]
    if sanctioned:
        return sanctioned[0]
    return next(k for k, n in facts.nodes.items() if n.label == "Organization")


def test_linked_to_reaches_the_node_its_target_is_keyed_by():
    records, _, _, _ = run("ofac", CUT_2024)
    keys = {subject_key(r) for r in records.values()}
    linked = 0
    for record in records.values():
        facts = contribution(record, 0, 0)
        for edge in facts.edges.values():
            if edge.type == "ASSOCIATED_WITH":
                linked += 1
                assert edge.target in keys, edge.target
    assert linked and any(k.startswith("registration:") for k in keys)


def test_search_finds_every_ofac_wallet_by_the_address_as_written():
    found = Counter()
    for folder in (CUT_2021, CUT_2024, QUIRKS):
        records, _, _, _ = run("ofac", folder)
        for record in records.values():
            nodes = contribution(record, 0, 0).nodes
            for e in record.entities:
                if e.type == pb.ENTITY_TYPE_CRYPTO_WALLET:
                    (wallet,) = e.identifiers
                    key = identifier_key("wallet", wallet.value, wallet.scheme)  # the node's key
                    assert nodes[key].label == "CryptoWallet"
                    assert key in identifier_keys(wallet.value), key
                    found[wallet.scheme] += 1
    assert {"BCH", "ZEC", "DASH", "XMR", "BSV", "BTG", "XVG", "SOL"} <= set(found)


# -- whole published files (tests/data/ofac/whole/, gzipped byte for byte) -------------------------


def whole(name: str, tmp_path: Path) -> Path:
    """The whole list as the connector reads it: a folder of CSV files."""
    if WHOLE is not None:
        return WHOLE / name
    folder = tmp_path / name
    folder.mkdir()
    for packed in sorted((WHOLE_GZ / name).glob("*.csv.gz")):
        (folder / packed.name.removesuffix(".gz")).write_bytes(gzip.decompress(packed.read_bytes()))
    return folder


def test_whole_2021_07_07_list(tmp_path):
    folder = whole("2021-07-07", tmp_path)
    records, bad, stats, _ = run("ofac", folder)
    assert stats["read"] == 8976 and stats["skipped vessel"] == 406 and stats["skipped aircraft"] == 277
    assert len(records) == 8976 - 406 - 277
    assert account(folder, records, bad) == Counter({"BTC": 65, "LTC": 9, "ETH": 9, "ZEC": 3, "DASH": 3, "BCH": 2,
                                                     "BTG": 1, "ETC": 1, "BSV": 1, "XVG": 1})
    assert [r[1][:20] for r in refusals(bad)] == ["64 hex digits are a ", "EVM address has 39 h"]


def test_whole_2024_05_03_list(tmp_path):
    folder = whole("2024-05-03", tmp_path)
    records, bad, stats, _ = run("ofac", folder)
    assert stats["read"] == 14965 and len(records) == 14965 - stats["skipped vessel"] - stats["skipped aircraft"]
    assert account(folder, records, bad) == CHAINS_2024
    assert Counter(why for _, why in refusals(bad)) == {"cut at 1,000 characters, no continuation": 16,
                                                        "64 hex digits are a hash or a key, not a Mone": 1}
    assert stats["registration numbers as keys"] > 3000


def test_a_record_admitted_under_the_old_rules_still_projects():
    """Before issue 14 the 64-hex "XMR address" passed the fallback rule and may sit in a ledger: replaying
    it must not stop the projection; the wallet has no key today, its record's other facts stay."""
    record = pb.CaseRecord(record_id="ofac-sdn:29585", agency_id="fsa-jp", version=1, tlp=pb.TLP_GREEN)
    record.entities.add(ref="subject", type=pb.ENTITY_TYPE_PERSON, name="IVANOV")
    wallet = record.entities.add(ref="w1", type=pb.ENTITY_TYPE_CRYPTO_WALLET)
    wallet.identifiers.add(kind="wallet", scheme="XMR",
                           value="5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320")
    record.links.add(source="subject", target="w1", type=pb.LINK_TYPE_USES)
    nodes = contribution(record, 0, 0).nodes
    assert not any(k.startswith("wallet:") for k in nodes)
    assert "local:fsa-jp/ofac-sdn:29585:w1" in nodes
