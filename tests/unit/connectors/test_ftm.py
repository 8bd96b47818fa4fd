"""FollowTheMoney / OpenSanctions JSON lines: forward references, relationships, bad lines."""

from __future__ import annotations

import json

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
