"""The shared builder: validation before anything leaves, no partial records, stable output."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.base import (
    BadRow,
    KeyIndex,
    Options,
    RecordBuilder,
    digest,
    identifier_problem,
    parse_date,
    parse_tlp,
    record_id,
    strictest,
)
from regulink.v1 import records_pb2 as pb

DAY = dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc)
ETH = "0xe002cEb763600E08B9ed4Dd10dC61dE196b59441"
ETH_BAD_CASE = "0xE002cEb763600E08B9ed4Dd10dC61dE196b59441"  # one letter's case flipped: EIP-55 fails


def builder(**options) -> RecordBuilder:
    return RecordBuilder("t:1", "f.csv:3", Options(agency_id="fsa-jp", **options), issued_at=DAY)


@pytest.mark.parametrize("text, tlp", [("GREEN", pb.TLP_GREEN), ("tlp:amber+strict", pb.TLP_AMBER_STRICT),
                                       ("white", pb.TLP_CLEAR), ("AMBER_STRICT", pb.TLP_AMBER_STRICT),
                                       ("Red", pb.TLP_RED)])
def test_tlp_names(text, tlp):
    assert parse_tlp(text) == tlp


def test_unknown_tlp_is_refused():
    with pytest.raises(ValueError, match="not a TLP marking"):
        parse_tlp("orange")


def test_strictest_marking_wins():
    assert strictest(pb.TLP_GREEN, pb.TLP_RED, pb.TLP_CLEAR) == pb.TLP_RED
    assert strictest() == pb.TLP_UNSPECIFIED


@pytest.mark.parametrize("text, day", [
    ("2026-04-01", (2026, 4, 1)), ("2026/04/01", (2026, 4, 1)), ("2026年4月1日", (2026, 4, 1)),
    ("令和8年4月1日", (2026, 4, 1)), ("令和元年5月1日", (2019, 5, 1)), ("平成31年4月30日", (2019, 4, 30)),
    ("R8.4.1", (2026, 4, 1)), ("01 Jun 1961", (1961, 6, 1)), ("2016-05-07T11:22:30.000Z", (2016, 5, 7)),
    ("２０２６－０４－０１", (2026, 4, 1)),
])
def test_dates_as_sources_write_them(text, day):
    assert parse_date(text).date() == dt.date(*day)


def test_unreadable_date_says_so():
    with pytest.raises(ValueError, match="not a date"):
        parse_date("next Tuesday")
    assert parse_date("  ") is None


def test_record_ids_keep_source_ids_or_hash_them():
    assert record_id("stix", "indicator--7f8e") == "stix:indicator--7f8e"
    hashed = record_id("ftm", "id with spaces/and slashes")
    assert hashed.startswith("ftm:h:") and hashed == record_id("ftm", "id with spaces/and slashes")
    assert len(record_id("ftm", "x" * 300)) <= 128


@given(st.text(max_size=40), st.text(max_size=40))
def test_digest_ignores_case_width_and_spacing(a, b):
    assert digest(a, b) == digest(f"  {a.upper()} ", b)  # NFKC + casefold + whitespace collapse


def test_identifier_problems_are_the_gateways():
    assert identifier_problem("wallet", ETH, "ETH") is None
    assert "checksum" in str(identifier_problem("wallet", ETH_BAD_CASE, "ETH"))
    assert identifier_problem("wallet", ETH, "").field == "scheme"
    assert "names its chain" in str(identifier_problem("wallet", ETH, ""))
    assert identifier_problem("ofac_sdn_uid", "123") is None
    assert str(identifier_problem("colour", "x")).startswith("unknown identifier kind 'colour'; use one of ")
    assert identifier_problem("lei", "  ").reason == "an identifier value is required"


def test_a_bad_identifier_is_left_out_and_reported_and_the_record_still_goes():
    b = builder()
    b.entity("op", pb.ENTITY_TYPE_ORGANIZATION, "Op").identifier("email", "ops@example.com")
    b.entity("op", pb.ENTITY_TYPE_ORGANIZATION).identifier("email", "not-an-email", where="f.csv:3 (email)")
    bad, (location, record) = b.finish()
    assert isinstance(bad, BadRow) and bad.location == "f.csv:3 (email)" and "email" in bad.reason
    assert location == "f.csv:3"
    assert [(i.kind, i.value) for i in record.entities[0].identifiers] == [("email", "ops@example.com")]


def test_a_wallet_that_lost_its_address_goes_with_its_links():
    b = builder()
    b.entity("op", pb.ENTITY_TYPE_ORGANIZATION, "Op")
    b.entity("w1", pb.ENTITY_TYPE_CRYPTO_WALLET).identifier("wallet", ETH_BAD_CASE, "ETH")
    b.entity("w2", pb.ENTITY_TYPE_CRYPTO_WALLET).identifier("wallet", ETH, "ETH")
    b.link("op", "w1", pb.LINK_TYPE_CONTROLS)
    b.link("op", "w2", pb.LINK_TYPE_CONTROLS)
    bad, (_, record) = b.finish()
    assert isinstance(bad, BadRow) and bad.location == "f.csv:3" and "EIP-55" in bad.reason
    assert [e.ref for e in record.entities] == ["op", "w2"]
    assert [(k.source, k.target) for k in record.links] == [("op", "w2")]


def test_the_old_skip_option_changes_nothing():
    def run(**options):
        b = builder(**options)
        b.entity("op", pb.ENTITY_TYPE_ORGANIZATION, "Op")
        b.entity("w1", pb.ENTITY_TYPE_CRYPTO_WALLET).identifier("wallet", ETH_BAD_CASE, "ETH")
        return [str(x) if isinstance(x, BadRow) else x[1].SerializeToString() for x in b.finish()]
    assert run(skip_bad_identifiers=False) == run(skip_bad_identifiers=True) == run()


def test_a_record_left_with_nothing_of_its_own_gives_only_its_bad_rows():
    b = builder()
    b.reference("holder", pb.ENTITY_TYPE_PERSON, "local:fsa-jp/x:1:subject", "H")
    b.entity("w", pb.ENTITY_TYPE_CRYPTO_WALLET).identifier("wallet", ETH_BAD_CASE, "ETH")
    b.link("holder", "w", pb.LINK_TYPE_CONTROLS)
    out = b.finish()
    assert len(out) == 1 and isinstance(out[0], BadRow) and "EIP-55" in out[0].reason
    # A wallet whose chain could not be told (a record-level problem) goes too.
    b = builder()
    b.entity("op", pb.ENTITY_TYPE_ORGANIZATION, "Op")
    b.entity("w", pb.ENTITY_TYPE_CRYPTO_WALLET)
    b.problem("wallet 'zzz': cannot tell its chain")
    bad, (_, record) = b.finish()
    assert "chain" in bad.reason and [e.ref for e in record.entities] == ["op"]


def test_future_dates_and_missing_dates_are_bad_rows():
    b = RecordBuilder("t:1", "x:1", Options(agency_id="a"), issued_at=dt.datetime.now(dt.timezone.utc)
                      + dt.timedelta(days=2))
    b.entity("e", pb.ENTITY_TYPE_PERSON, "P")
    assert "in the future" in b.finish()[0].reason
    b = RecordBuilder("t:1", "x:1", Options(agency_id="a"), issued_at=None)
    b.entity("e", pb.ENTITY_TYPE_PERSON, "P")
    assert "--issued-at" in b.finish()[0].reason


def test_share_with_only_on_restricted_markings():
    for tlp, expected in ((pb.TLP_GREEN, []), (pb.TLP_AMBER, ["mas-sg"])):
        b = RecordBuilder("t:1", "x:1", Options(agency_id="a", share_with=("mas-sg",)), issued_at=DAY, tlp=tlp)
        b.entity("e", pb.ENTITY_TYPE_PERSON, "P")
        assert list(b.finish()[0][1].share_with) == expected


def test_same_input_same_bytes():
    def make():
        b = builder()
        e = b.entity("op", pb.ENTITY_TYPE_ORGANIZATION, " Op  Ltd ")
        e.alias("Op Ltd", "OP").attribute("note", "x").attribute("note", "x")
        return b.finish()[0][1].SerializeToString(deterministic=True)

    assert make() == make()
    record = pb.CaseRecord.FromString(make())
    assert record.entities[0].name == "Op Ltd" and list(record.entities[0].aliases) == ["OP"]
    assert len(record.entities[0].attributes) == 1


def test_key_index_round_trips_and_cleans_up():
    with KeyIndex() as index:
        for n in range(12000):
            index.put(f"id-{n}", {"ref": [n, "graph_key", f"k{n}"]})
        assert len(index) == 12000
        assert index.get("id-11999") == {"ref": [11999, "graph_key", "k11999"]}
        assert index.get("missing") is None
        path = index._path
    import os

    assert not os.path.exists(path)
