"""STIX 2.1: the sample bundle, the OASIS examples, markings, patterns, messy input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import stix
from regulink.v1 import records_pb2 as pb

from .helpers import DATA, REALDATA, entity, identifiers, links, run

BUNDLE = DATA / "stix" / "mixer-bundle.json"
OASIS = REALDATA / "stix-oasis-examples"
BTC = "1JLE14BW45ryykyLYYb1UwTJpDAySPzEYN"
BTC_BAD = "1JLE14BW45ryykyLYYb1UwTJpDAySPzEYM"


def test_sample_bundle_maps_objects_and_relationships():
    records, bad, stats, _ = run("stix", BUNDLE, "mas-sg")
    assert not bad
    assert len(records) == 15 and stats["skipped malware"] == 1
    actor = records["stix:threat-actor--8e2b1c4d-6f7a-4b8c-9d0e-1f2a3b4c5d6e"]
    subject = entity(actor, "subject")
    assert subject.type == pb.ENTITY_TYPE_ORGANIZATION and list(subject.aliases) == ["NW Mix Crew"]
    assert list(subject.roles) == [pb.ENTITY_ROLE_SUSPECT]
    assert identifiers(records["stix:cryptocurrency-wallet--1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a"], "wallet") == {
        ("BTC", BTC)}  # the community SCO with `value`, no spec_version, chain told by the address
    assert identifiers(records["stix:cryptocurrency-wallet--6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d"], "wallet") == {
        ("ETH", "0xBE280B0111Be2Fbb6794Fb4214f0fF38DBf48b4C")}  # the older `address`, with `currency`


def test_long_or_pattern_gives_every_observable_and_indicates_links_them_to_the_actor():
    records, _, _, _ = run("stix", BUNDLE, "mas-sg")
    indicator = records["stix:indicator--7f8e9d0c-1b2a-4c3d-8e4f-5a6b7c8d9e0f"]
    assert identifiers(indicator, "wallet") == {("BTC", "3HRbGYMWJj3nJWGo25fnH9ZtxLSGGncJLc"),
                                                ("TRX", "TVe1iUTS3ujznPPWdBeTi7zcozYf4po1aJ")}
    assert identifiers(indicator, "domain") == {("", "nw-mixer.example"), ("", "quiet-harbour.example")}
    assert len(indicator.entities) == 6  # the IPv4 address has no entity type
    indicates = records["stix:relationship--11111111-2222-4333-8444-555555555501"]
    assert {t for s, t, kind in links(indicates) if s == "s1" and kind == "USES"} == {f"t{n}" for n in range(1, 7)}
    assert entity(indicates, "s1").identifiers[0].value == (
        "local:mas-sg/stix:threat-actor--8e2b1c4d-6f7a-4b8c-9d0e-1f2a3b4c5d6e:subject")


def test_markings_tlp_1_and_2_and_a_marking_defined_after_its_object():
    records, _, _, _ = run("stix", BUNDLE, "mas-sg", tlp=pb.TLP_RED)
    tlp = {k.split(":", 1)[1].split("-")[0]: r.tlp for k, r in records.items() if "relationship" not in k}
    assert tlp["identity"] == pb.TLP_CLEAR  # TLP 2.0 CLEAR (OASIS id)
    assert tlp["threat"] == pb.TLP_GREEN  # TLP 1.0 GREEN (stix2.TLP_GREEN)
    assert records["stix:indicator--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"].tlp == pb.TLP_AMBER  # defined later
    assert records["stix:indicator--7f8e9d0c-1b2a-4c3d-8e4f-5a6b7c8d9e0f"].tlp == pb.TLP_GREEN  # TLP 2.0 GREEN
    assert tlp["cryptocurrency"] == pb.TLP_RED  # unmarked: the run's --tlp
    # A relationship is at least as restricted as its ends.
    assert records["stix:relationship--11111111-2222-4333-8444-555555555503"].tlp == pb.TLP_RED


@pytest.mark.parametrize("marking, tlp", sorted(stix.TLP_MARKINGS.items()))
def test_every_known_marking_id(tmp_path, marking, tlp):
    obj = {"type": "domain-name", "id": "domain-name--2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
           "value": "example.org", "object_marking_refs": [marking]}
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": [obj]}))
    records, _, _, _ = run("stix", path)
    assert [r.tlp for r in records.values()] == [tlp]


def test_same_file_same_records(tmp_path):
    first, _, _, _ = run("stix", BUNDLE)
    second, _, _, _ = run("stix", BUNDLE)
    assert {k: r.SerializeToString(deterministic=True) for k, r in first.items()} == {
        k: r.SerializeToString(deterministic=True) for k, r in second.items()}


def test_bad_checksum_is_a_bad_row_and_relationships_to_it_too(tmp_path):
    bundle = json.loads(BUNDLE.read_text())
    for obj in bundle["objects"]:
        if obj.get("value") == BTC:
            obj["value"] = BTC_BAD
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bundle, indent=2))
    records, bad, _, _ = run("stix", path)
    assert "stix:cryptocurrency-wallet--1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a" not in records
    assert "stix:relationship--11111111-2222-4333-8444-555555555503" not in records
    assert len(bad) == 2 and "checksum" in bad[0].reason and bad[0].location.startswith("bad.json:")
    assert "was a bad row" in bad[1].reason
    assert len(records) == 13


def test_one_bad_object_does_not_stop_the_bundle(tmp_path):
    objects = [
        {"type": "identity", "id": "identity--not-a-uuid", "name": "x"},
        {"type": "threat-actor", "spec_version": "2.1", "id": "threat-actor--8e2b1c4d-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
         "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z", "name": "Still here",
         "x_custom": {"nested": [1, 2]}},
        {"no": "type"},
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
         "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z", "pattern_type": "stix",
         "valid_from": "2026-01-01T00:00:00Z", "pattern": "[domain-name:value = 'x.example' OR"},
    ]
    path = tmp_path / "messy.json"
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": objects}, indent=1))
    records, bad, _, _ = run("stix", path)
    assert list(records) == ["stix:threat-actor--8e2b1c4d-6f7a-4b8c-9d0e-1f2a3b4c5d6e"]
    assert len(bad) == 3 and all(b.location.startswith("messy.json:") for b in bad)
    assert any("pattern" in b.reason.lower() for b in bad)


def test_broken_json_gives_a_line_and_no_partial_records(tmp_path):
    text = BUNDLE.read_text()
    cut = text.index('"type": "indicator"')
    path = tmp_path / "cut.json"
    path.write_text(text[:cut] + '"type": "indicator", "id": ,' + text[cut:])
    records, bad, _, _ = run("stix", path)
    assert len(bad) == 1 and bad[0].reason.startswith("not JSON") and bad[0].location.startswith("cut.json:")
    line = int(bad[0].location.split(":")[1])
    assert '"id": ,' in path.read_text().splitlines()[line - 1]
    assert all(r.record_id.startswith("stix:") for r in records.values())  # only whole objects before the cut


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([
    ("cryptocurrency-wallet", "1JLE14BW45ryykyLYYb1UwTJpDAySPzEYN", "wallet"),
    ("cryptocurrency-wallet", "0xe002cEb763600E08B9ed4Dd10dC61dE196b59441", "wallet"),
    ("cryptocurrency-wallet", "LY3EkZaKaa5u39too8MQnwHeXiC9zdHHAh", "wallet"),
    ("domain-name", "nw-mixer.example", "domain"), ("url", "https://a.example/it's", "url"),
    ("email-addr", "ops@northwind-mix.example", "email"), ("ipv4-addr", "198.51.100.7", None),
]), min_size=1, max_size=60))
def test_or_patterns_of_any_length(terms):
    def literal(value):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    pattern = " OR ".join(f"[{kind}:value = {literal(value)}]" for kind, value, _ in terms)
    found = [(kind, value) for _, kind, value, _ in stix.pattern_observables(pattern)]
    expected = []
    for _, value, kind in terms:
        if kind and (kind, value) not in expected:
            expected.append((kind, value))
    assert sorted(found) == sorted(expected)


def oasis(name):
    path = OASIS / name
    if not path.exists():
        pytest.skip(f"{path} is not here (shared real data)")
    return path


@pytest.mark.parametrize("name, records_expected, skipped_expected", [
    ("oasis_apt1.json", 23, {"skipped indicator": 9, "skipped malware": 6, "skipped tool": 10,
                             "skipped attack-pattern": 7, "skipped report": 1}),
    ("oasis_poisonivy.json", 22, {"skipped malware": 25, "skipped indicator": 3}),
    ("oasis_infrastructure.json", 4, {"skipped malware": 2, "skipped ipv4-addr": 1}),
])
def test_oasis_examples_parse_without_crashing(name, records_expected, skipped_expected):
    records, bad, stats, _ = run("stix", oasis(name))
    assert len(records) == records_expected
    for key, count in skipped_expected.items():
        assert stats[key] == count
    if name == "oasis_poisonivy.json":
        # The example's own typo: [domain-name:value = 'domain autuo.xicp.net'] is refused, and the one
        # relationship from that indicator with it.
        assert [b.reason.split(":")[0] for b in bad] == ["domain 'domain autuo.xicp.net'",
                                                         "relationship--7231e729-42e3-4f29-ae6f-6d80192c4bd1"]
    else:
        assert not bad
    assert stats["read"] == len(json.loads(oasis(name).read_text())["objects"])


def test_oasis_infrastructure_scos_without_spec_version_and_odd_ids():
    records, _, _, _ = run("stix", oasis("oasis_infrastructure.json"))
    assert identifiers(records["stix:domain-name--ecb120bf-2694-4902-a737-62b74539a41b"], "domain") == {
        ("", "example.com")}
    # relationship--…-E9034ac98aba (upper-case hex) still maps: infrastructure consists-of the domain
    consists = records["stix:relationship--81f12913-1372-4c96-85ec-E9034ac98aba"]
    assert links(consists) == {("s1", "t1", "USES")}
