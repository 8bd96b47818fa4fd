"""FollowTheMoney / OpenSanctions JSON lines: forward references, relationships, bad lines."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors import ftm
from regulink.v1 import records_pb2 as pb

from .helpers import DATA, entity, identifiers, links, run

SAMPLE = DATA / "ftm" / "entities.ftm.json"


def test_entities_and_relationships_in_file_order():
    records, bad, stats, locations = run("ftm", SAMPLE, agency="npa-cyber")
    assert not bad
    assert list(records)[:3] == ["ftm:nw-own-1", "ftm:nw-company", "ftm:nw-person-kovalenko"]
    assert stats["skipped Vessel"] == 1 and stats["skipped UnknownLink: object not in the file"] == 1
    company = entity(records["ftm:nw-company"], "subject")
    assert company.type == pb.ENTITY_TYPE_ORGANIZATION
    assert set(company.roles) == {pb.ENTITY_ROLE_SANCTIONED, pb.ENTITY_ROLE_SUSPECT}  # topics sanction, crime.fin
    assert identifiers(records["ftm:nw-company"], "lei") == {("", "213800KUD8LAJWSQ9D15")}
    assert identifiers(records["ftm:nw-jp-company"], "jp_cn") == {("", "5835678256246")}
    assert locations["ftm:nw-own-1"] == "entities.ftm.json:1"


def test_a_reference_to_a_later_line_uses_the_strong_key_or_the_graph_key():
    records, _, _, _ = run("ftm", SAMPLE, agency="npa-cyber")
    owns = records["ftm:nw-own-1"]  # line 1 names entities of lines 2 and 3
    assert links(owns) == {("source", "target", "OWNS")}
    assert entity(owns, "source").identifiers[0].value == "local:npa-cyber/ftm:nw-person-kovalenko:subject"
    assert identifiers(owns, "lei") == {("", "213800KUD8LAJWSQ9D15")}  # the company merges on its LEI
    wallet = records["ftm:nw-wallet-usdt"]
    assert identifiers(wallet, "wallet") == {("TRX", "TVe1iUTS3ujznPPWdBeTi7zcozYf4po1aJ")}
    assert links(wallet) == {("h1", "subject", "CONTROLS")}


def test_sanction_points_at_the_authority_node():
    records, _, _, _ = run("ftm", SAMPLE)
    sanction = records["ftm:nw-sanction-1"]
    assert identifiers(sanction, "authority") == {("", "US-OFAC")}
    assert links(sanction) == {("subject", "authority", "SANCTIONED_BY")}
    assert list(entity(sanction, "subject").roles) == [pb.ENTITY_ROLE_SANCTIONED]


def test_authority_keys():
    assert ftm.authority_key("Office of Foreign Assets Control") == "US-OFAC"
    assert ftm.authority_key("Council of the European Union (EU)") == "EU-COUNCIL"
    assert ftm.authority_key("Swiss State Secretariat for Economic Affairs") == "CH-SECO"
    assert ftm.authority_key("Financial Intelligence Unit", "lv") == "LV-FIU"
    assert ftm.authority_key("Some Body", "") is None
    # Names in the body's own script: known ones, else transliterated initials under the country.
    assert ftm.authority_key("Рада національної безпеки і оборони України") == "UA-NSDC"
    assert ftm.authority_key("  РАДА НАЦІОНАЛЬНОЇ БЕЗПЕКИ І ОБОРОНИ УКРАЇНИ ") == "UA-NSDC"
    assert ftm.authority_key("Служба безпеки України", "ua") == "UA-SBU"
    assert ftm.authority_key("財務省") == "JP-MOF"
    assert ftm.authority_key("National Agency on Corruption Prevention (NACP)", "ua") == "UA-NACP"
    assert ftm.authority_key("Служба безпеки України", "") is None  # no country: no key to guess
    assert ftm.authority_key("金融監督院", "kr") is not None  # Hangul/Han transliterate too


def test_malformed_lines_are_line_numbered_and_nothing_partial(tmp_path):
    lines = SAMPLE.read_text().splitlines()
    wallet = json.loads(lines[3])
    wallet["properties"]["publicKey"] = ["0x14ee7824e4898d3d1Aece0a607E0E4A6583AE02e"]  # EIP-55 broken
    lines[3] = json.dumps(wallet)
    lines.insert(5, '{"id": "broken", "schema": "Person", "properties": {"name": ["x"]')
    lines.insert(6, '{"id": "p2", "schema": "Person", "properties": {"name": "not a list"}}')
    lines.insert(7, '{"schema": "Person", "properties": {}}')
    lines.append(json.dumps({"id": "own-bad", "schema": "Ownership",
                             "properties": {"owner": ["nw-wallet-eth"], "asset": ["nw-company"]}}))
    path = tmp_path / "bad.ftm.json"
    path.write_text("\n".join(lines) + "\n")
    records, bad, _, _ = run("ftm", path)
    assert "ftm:nw-wallet-eth" not in records and "ftm:own-bad" not in records
    got = [(b.location, b.reason[:30]) for b in bad]
    assert got[0][0] == "bad.ftm.json:4" and "EIP-55" in bad[0].reason
    assert [g[0] for g in got[1:]] == ["bad.ftm.json:6", "bad.ftm.json:7", "bad.ftm.json:8", f"bad.ftm.json:{len(lines)}"]
    assert bad[1].reason.startswith("not JSON") and "lists of strings" in bad[2].reason
    assert "needs id and schema" in bad[3].reason and "was a bad row" in bad[4].reason
    assert len(records) == 10


def test_not_utf8(tmp_path):
    path = tmp_path / "sjis.ftm.json"
    path.write_bytes(json.dumps({"id": "a", "schema": "Person", "properties": {"name": ["山田"]}},
                                ensure_ascii=False).encode("cp932") + b"\n")
    records, bad, _, _ = run("ftm", path)
    assert not records and [(b.location, b.reason) for b in bad] == [("sjis.ftm.json:1", "not UTF-8")]


# -- whole real files (tests/data/ftm/real/README.md) ---------------------------------------

REAL = DATA / "ftm" / "real"
DONATIONS = REAL / "parteispenden.ftm.json"  # German party donations over EUR 50,000: Payments
EU_FSF = REAL / "eu_fsf-t1.ftm.json"  # OpenSanctions export of EU sanctions: Cyrillic and Greek names


def plain(path) -> list[dict]:
    """The file as a plain JSON-lines parse: the independent count every test below checks against."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_party_donations_keep_every_payment_with_amount_date_and_both_ends():
    entities = plain(DONATIONS)
    by_id = {e["id"]: e for e in entities}
    payments = [e for e in entities if e["schema"] == "Payment"]
    records, bad, stats, _ = run("ftm", DONATIONS)
    assert not bad  # nothing refused: every line is a valid entity whose references resolve
    assert stats["read"] == len(entities) and len(records) == len(entities) == 475
    assert len(payments) == 290
    # One payment names two beneficiaries (the CDU and "fake-org", an organisation yente's maintainers
    # added to the real list to test multi-valued references): both get the money.
    assert sum(len(p["properties"]["beneficiary"]) > 1 for p in payments) == 1
    total = 0.0
    for payment in payments:
        record = records[f"ftm:{payment['id']}"]
        props = payment["properties"]
        expected = {(by_id[p]["properties"]["name"][0], by_id[b]["properties"]["name"][0])
                    for p in props["payer"] for b in props["beneficiary"]}
        names = {e.ref: e.name for e in record.entities}
        assert {(names[k.source], names[k.target]) for k in record.links} == expected
        for link in record.links:
            assert link.type == pb.LINK_TYPE_TRANSFERRED_TO and link.evidence == payment["id"]
            assert f"amountEur: {props['amountEur'][0]}" in link.notes
            assert f"date: {props['date'][0]}" in link.notes
            assert link.observed_at.ToDatetime().date().isoformat() == props["date"][0]
        total += float(record.links[0].notes.split("amountEur: ")[1].split(";")[0])  # one payment, one amount
    assert total == pytest.approx(sum(float(p["properties"]["amountEur"][0]) for p in payments))


def test_donor_addresses_are_linked():
    entities = plain(DONATIONS)
    with_address = [e for e in entities if e["properties"].get("addressEntity")]
    records, _, _, _ = run("ftm", DONATIONS)
    for item in with_address:
        located = [k for k in records[f"ftm:{item['id']}"].links if k.type == pb.LINK_TYPE_LOCATED_AT]
        assert len(located) == len(item["properties"]["addressEntity"])


# Properties whose values become names, roles or links rather than attributes.
NOT_ATTRIBUTES = {"name", "alias", "weakAlias", "previousName", "abbreviation", "topics", "addressEntity"}


def test_eu_sanctions_export_keeps_every_name_and_fact():
    entities = plain(EU_FSF)
    records, bad, stats, _ = run("ftm", EU_FSF)
    assert not bad and len(records) == len(entities) == 7
    ids = {e["id"] for e in entities}
    missing = sum(1 for e in entities for a in e["properties"].get("addressEntity", []) if a not in ids)
    assert missing == 2 and stats["skipped addressEntity not in the file"] == missing
    for source in entities:
        subject = entity(records[f"ftm:{source['id']}"], "subject")
        props = source["properties"]
        names = props.get("name") or props.get("full")
        assert subject.name == source["caption"]  # FtM's display name, not the first name it lists
        assert {subject.name, *subject.aliases} == set(names + props.get("alias", []))
        attributes = {(a.name, a.value) for a in subject.attributes}
        for prop, values in props.items():
            if prop not in NOT_ATTRIBUTES and not (prop == "full" and "name" not in props):
                assert {(prop, v) for v in values} <= attributes, prop
        assert ("topic", "sanction") in attributes if "sanction" in props.get("topics", []) else True
    person = entity(records["ftm:NK-2Ka3UvopqbpZmVDFjWd4LA"], "subject")
    assert ("taxNumber", "366510784303") in {(a.name, a.value) for a in person.attributes}


def _donation_lines():
    return DONATIONS.read_text(encoding="utf-8").splitlines()


def test_a_payment_to_several_beneficiaries_links_every_payer_to_every_one(tmp_path):
    lines = _donation_lines()
    payment = json.loads(lines[3])  # Frau Lina Dachner pays the MLPD 100,000 EUR on 2011-12-29
    payment["properties"]["beneficiary"] += ["783d918df9f9178400d6b3386439ab3b3679979c", "not-in-the-file"]
    payment["properties"]["payer"] += ["0de4751d255c3131cbeff1431ad5f908cbd511c6"]
    payment["properties"]["payerAccount"] = ["acct-1"]
    payment["properties"]["purpose"] = ["Wahlkampf"]
    lines[3] = json.dumps(payment, ensure_ascii=False)
    path = tmp_path / "several.ftm.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, bad, stats, _ = run("ftm", path)
    assert not bad
    record = records[f"ftm:{payment['id']}"]
    names = {e.ref: e.name for e in record.entities}
    assert {(names[k.source], names[k.target]) for k in record.links} == {
        (payer, party) for payer in ("Frau Lina Dachner", "Frau Dr. Irene Nierstenhöfer") for party in ("MLPD", "FDP")}
    assert {k.notes for k in record.links} == {"amountEur: 100000; date: 2011-12-29; purpose: Wahlkampf; "
                                               "namesMentioned: Frau Lina Dachner; namesMentioned: MLPD"}
    assert stats["Payment: beneficiary ids not in the file"] == 1
    assert stats["Payment.payerAccount references not imported"] == 1


def test_a_payment_whose_every_beneficiary_is_missing_is_skipped_and_counted(tmp_path):
    lines = _donation_lines()
    payment = json.loads(lines[3])
    payment["properties"]["beneficiary"] = ["gone-1", "gone-2"]
    path = tmp_path / "gone.ftm.json"
    path.write_text("\n".join([lines[0], lines[1], lines[2], json.dumps(payment)]) + "\n", encoding="utf-8")
    records, bad, stats, _ = run("ftm", path)
    assert f"ftm:{payment['id']}" not in records and not bad
    assert stats["skipped Payment: beneficiary not in the file"] == 1
    assert stats["Payment: beneficiary ids not in the file"] == 2


def _sanction_file(tmp_path, *sanctions: dict) -> object:
    lines = EU_FSF.read_text(encoding="utf-8").splitlines()
    lines += [json.dumps({"schema": "Sanction", **s}, ensure_ascii=False) for s in sanctions]
    path = tmp_path / "sanctions.ftm.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# Two persons of the EU export and the bodies that list such persons, named as OpenSanctions' sources
# name them (the Ukrainian council in Ukrainian, OFAC in English) — an invented Sanction, real names.
ZHURAVLEVA, KUZMENKO = "NK-2KeUB68qUJtykm3BuAcazG", "NK-2Ka3UvopqbpZmVDFjWd4LA"


def test_every_authority_and_every_entity_of_a_sanction_is_a_node(tmp_path):
    path = _sanction_file(tmp_path, {
        "id": "s-1", "properties": {
            "entity": [ZHURAVLEVA, KUZMENKO, "not-in-the-file"],
            "authority": ["Рада національної безпеки і оборони України", "National Security and Defense Council",
                          "Office of Foreign Assets Control", "Служба безпеки України"],
            "country": ["ua"], "program": ["UKRAINE-EO13660"], "listingDate": ["2022-04-08"],
            "programId": ["UA-SA1644"], "authorityId": ["17454"], "sourceUrl": ["https://drs.nsdc.gov.ua/"]}})
    records, bad, stats, _ = run("ftm", path)
    assert not bad
    record = records["ftm:s-1"]
    # The Ukrainian and English names of the NSDC are one node; OFAC and the SBU their own keyed nodes.
    assert identifiers(record, "authority") == {("", "UA-NSDC"), ("", "US-OFAC"), ("", "UA-SBU")}
    nsdc = next(e for e in record.entities if any(i.value == "UA-NSDC" for i in e.identifiers))
    assert nsdc.name == "Рада національної безпеки і оборони України"
    assert list(nsdc.aliases) == ["National Security and Defense Council"]
    assert stats["Sanction: entity ids not in the file"] == 1
    subjects = [e.ref for e in record.entities if e.ref.startswith("subject")]
    authorities = [e.ref for e in record.entities if e.ref.startswith("authority")]
    assert len(subjects) == 2 and len(authorities) == 3
    assert links(record) == {(s, a, "SANCTIONED_BY") for s in subjects for a in authorities}
    link = record.links[0]
    assert link.notes.startswith("program: UKRAINE-EO13660; programId: UA-SA1644; listingDate: 2022-04-08")
    assert "authorityId: 17454" in link.notes and "sourceUrl: https://drs.nsdc.gov.ua/" in link.notes
    assert link.observed_at.ToDatetime().date().isoformat() == "2022-04-08"
    assert all(list(entity(record, s).roles) == [pb.ENTITY_ROLE_SANCTIONED] for s in subjects)


def test_an_authority_without_a_key_is_still_a_node(tmp_path):
    # No country and a name no table knows: nothing to build a key from, and names alone never merge.
    path = _sanction_file(tmp_path, {"id": "s-3", "properties": {"entity": [ZHURAVLEVA],
                                                                 "authority": ["Комісія з питань санкцій"]}})
    records, bad, stats, _ = run("ftm", path)
    assert not bad and links(records["ftm:s-3"]) == {("subject", "authority", "SANCTIONED_BY")}
    authority = entity(records["ftm:s-3"], "authority")
    assert authority.name == "Комісія з питань санкцій" and not authority.identifiers
    assert stats["Sanction authorities without an authority key"] == 1


def test_a_sanction_without_authority_keeps_its_facts_on_the_entity(tmp_path):
    path = _sanction_file(tmp_path, {"id": "s-2", "properties": {"entity": [KUZMENKO], "program": ["EU-UKR"]}})
    records, bad, _, _ = run("ftm", path)
    assert not bad and not records["ftm:s-2"].links
    subject = entity(records["ftm:s-2"], "subject")
    assert ("sanction", "program: EU-UKR") in {(a.name, a.value) for a in subject.attributes}


def test_identification_becomes_an_attribute_of_its_holder(tmp_path):
    lines = EU_FSF.read_text(encoding="utf-8").splitlines() + [json.dumps(
        {"id": "pass-1", "schema": "Passport", "properties": {
            "holder": [KUZMENKO], "number": ["7512345678"], "country": ["ru"], "type": ["Passport"]}})]
    path = tmp_path / "id.ftm.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, bad, _, _ = run("ftm", path)
    assert not bad
    subject = entity(records["ftm:pass-1"], "subject")
    assert subject.identifiers[0].value == f"local:fsa-jp/ftm:{KUZMENKO}:subject"
    assert ("identification", "Passport: 7512345678 (RU)") in {(a.name, a.value) for a in subject.attributes}


def test_more_names_and_facts_than_a_record_holds_keep_the_first_and_count_the_rest(tmp_path):
    # A Wikidata-derived OpenSanctions person carries 130+ aliases; the gateway takes 100 per entity.
    aliases = [f"Ibn Saud {n}" for n in range(135)]
    notes = [f"note {n}" for n in range(260)]
    path = tmp_path / "many.ftm.json"
    path.write_text(json.dumps({"id": "Q151509", "schema": "Person", "properties": {
        "name": ["Ibn Saud"], "alias": aliases, "notes": notes}}) + "\n")
    records, bad, stats, _ = run("ftm", path)  # the conftest passes each record through the gateway's check
    assert not bad
    subject = entity(records["ftm:Q151509"], "subject")
    assert list(subject.aliases) == aliases[:100] and len(subject.attributes) == 200
    assert stats["Person aliases beyond 100 not imported"] == 35
    assert stats["Person attributes beyond 200 not imported"] == 2 + 260 - 200  # ftm_id and ftm_schema first


PROPERTY_NAMES = st.sampled_from(["name", "alias", "weakAlias", "notes", "position", "birthDate", "country",
                                  "idNumber", "firstName", "indexText", "education", "proof", "wikidataId"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(properties=st.dictionaries(PROPERTY_NAMES, st.lists(st.text(min_size=1, max_size=30), max_size=4),
                                  max_size=8))
def test_any_person_keeps_every_value_or_counts_it(tmp_path, properties):
    path = tmp_path / "p.ftm.json"
    path.write_text(json.dumps({"id": "p", "schema": "Person", "properties": properties}) + "\n")
    records, bad, stats, _ = run("ftm", path)
    if not records:  # only a record with nothing to assert: no names, no facts
        assert bad == [] or all("nothing left" in b.reason for b in bad)
        return
    subject = entity(records["ftm:p"], "subject")
    kept = {subject.name, *subject.aliases, *(a.value for a in subject.attributes)}
    from connectors.base import normalize_text

    for prop, values in properties.items():
        for value in values:
            text = normalize_text(value)
            if text and prop not in ("indexText", "proof"):
                assert text in kept, (prop, value)
    for prop in ("indexText", "proof"):
        if any(v.strip() for v in properties.get(prop, [])):
            assert stats[f"Person.{prop} {'not imported' if prop == 'indexText' else 'references not imported'}"]
