"""tests/perf/realistic.py: reproducible, every record projects, and the graph has the promised shape."""

from __future__ import annotations

from collections import Counter

import pytest

from graph import resolve
from graph.project import contribution
from regulink.v1 import records_pb2 as pb
from tests.perf.realistic import AGENCIES, OFAC, Realistic, jp_corporate_number, lei, sanctions_list

N = 10_000


@pytest.fixture(scope="module")
def generator() -> Realistic:
    return Realistic(2026)


@pytest.fixture(scope="module")
def items(generator):
    return generator.items(N, start_index=7)


@pytest.fixture(scope="module")
def contributions(items):
    # graph.project raises on any identifier graph.resolve refuses: this is the validity check.
    return [contribution(item.record, item.log_index, item.accepted_ms) for item in items]


def _bytes(records) -> list[bytes]:
    return [record.SerializeToString(deterministic=True) for record in records]


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not():
    first = _bytes(Realistic(11).records(600))
    assert first == _bytes(Realistic(11).records(600))
    assert first != _bytes(Realistic(12).records(600))
    assert _bytes(sanctions_list("fsa-jp", 300, 4)) == _bytes(sanctions_list("fsa-jp", 300, 4))


def test_items_are_a_ledger_of_first_versions_with_ids_unique_per_agency(items):
    assert [i.log_index for i in items] == list(range(7, 7 + N))
    assert all(a.accepted_ms < b.accepted_ms for a, b in zip(items, items[1:]))
    assert {i.record.version for i in items} == {1}
    assert len({(i.record.agency_id, i.record.record_id) for i in items}) == N
    assert set(Counter(i.record.agency_id for i in items)) == set(AGENCIES)


def test_later_calls_continue_with_fresh_record_ids():
    gen = Realistic(3, agencies=["a-jp", "b-sg"])
    ids = [(r.agency_id, r.record_id) for r in [*gen.records(500), *gen.records(500)]]
    assert len(set(ids)) == 1000 and {a for a, _ in ids} == {"a-jp", "b-sg"}


def test_every_record_projects_and_the_contents_are_mixed(items, contributions):
    assert len(contributions) == N
    labels = Counter(node.label for c in contributions for node in c.nodes.values())
    assert set(labels) >= {"Person", "Organization", "CryptoWallet", "Website", "Email", "Phone"}
    kinds = Counter(key.split(":", 2)[0] if not key.startswith("wallet:") else ":".join(key.split(":", 2)[:2])
                    for c in contributions for key in c.nodes)
    assert set(kinds) >= {"lei", "jp_cn", "domain", "email", "phone", "authority", "local",
                          "wallet:ETH", "wallet:BTC", "wallet:TRX"}
    edges = Counter(edge.type for c in contributions for edge in c.edges.values())
    assert set(edges) >= {"CONTROLS", "OPERATES", "USES", "TRANSFERRED_TO", "WARNED_BY", "SANCTIONED_BY",
                          "DIRECTS", "HAS_IDENTIFIER"}
    entities = [e for i in items for e in i.record.entities]
    assert any(pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR in e.roles for e in entities)
    assert any(e.type == pb.ENTITY_TYPE_PERSON and "\u3000" <= e.name[0] for e in entities)  # Japanese script
    assert any(e.type == pb.ENTITY_TYPE_PERSON and e.name[0].isascii() for e in entities)
    eth = [x.value for e in entities for x in e.identifiers if x.scheme == "ETH"]
    assert any(v[2:] != v[2:].lower() and v[2:] != v[2:].upper() for v in eth)  # EIP-55 mixed case
    assert all(x.value.startswith("+") for e in entities for x in e.identifiers if x.kind == "phone")
    tlps = Counter(i.record.tlp for i in items)
    assert set(tlps) == {pb.TLP_CLEAR, pb.TLP_GREEN, pb.TLP_AMBER, pb.TLP_AMBER_STRICT, pb.TLP_RED}
    assert tlps.most_common(1)[0][0] == pb.TLP_GREEN
    assert any(i.record.share_with for i in items)
    assert all(i.record.tlp in (pb.TLP_AMBER, pb.TLP_RED) for i in items if i.record.share_with)


def test_the_hub_share_is_on_target_and_every_hub_is_in_the_graph(generator, contributions):
    hubs = set(generator.hub_keys)
    assert len(hubs) == 10 and f"authority:{OFAC}" in hubs
    assert any(k.startswith("wallet:ETH:0x") and k[11:] == k[11:].lower() for k in hubs)  # as graph.project keys it
    touching = [c for c in contributions if hubs & c.nodes.keys()]
    assert abs(len(touching) / N - 0.30) <= 0.03
    assert all(len(hubs & c.nodes.keys()) == 1 for c in touching)  # one hub per record
    assert hubs <= {key for c in touching for key in c.nodes}


def test_ordinary_elements_have_a_small_fan_in(generator, contributions):
    fan_in = Counter(key for c in contributions for key in c.nodes
                     if key not in generator.hub_keys and not key.startswith("local:"))
    assert max(fan_in.values()) <= 5
    assert sum(1 for n in fan_in.values() if n > 1) > 0  # the pool is used


def test_the_number_of_hubs_and_their_share_follow_the_arguments():
    gen = Realistic(9, hubs=25, hub_share=0.5)
    assert len(set(gen.hub_keys)) == 25
    share = sum(bool(set(gen.hub_keys) & contribution(r, 0, 0).nodes.keys()) for r in gen.records(1000)) / 1000
    assert abs(share - 0.5) <= 0.06
    none = Realistic(9, hubs=0)
    assert none.hub_keys == () and all("hub" not in e.ref for r in none.records(300) for e in r.entities)


def test_the_identifier_makers_pass_graph_resolve():
    gen = Realistic(1)
    for _ in range(300):
        assert resolve.is_valid("lei", lei(gen.rng))
        assert resolve.is_valid("jp_cn", jp_corporate_number(gen.rng))


def test_a_sanctions_list_imported_by_two_agencies_is_equal_and_meets_at_ofac():
    fsa, mas = list(sanctions_list("fsa-jp", 600, seed=8)), list(sanctions_list("mas-sg", 600, seed=8))
    assert len({r.record_id for r in fsa}) == 600 and all(r.record_id.startswith("sdn-") for r in fsa)
    for a, b in zip(fsa, mas):
        assert a.record_id == b.record_id and a.agency_id == "fsa-jp" and b.agency_id == "mas-sg"
        b.agency_id = a.agency_id
        assert a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)
    ofac = f"authority:{OFAC}"
    with_wallets = 0
    for record in fsa:
        c = contribution(record, 0, 0)
        assert ofac in c.nodes
        assert [e.type for e in c.edges.values() if e.target == ofac] == ["SANCTIONED_BY"]
        with_wallets += any(k.startswith("wallet:") for k in c.nodes)
    assert 60 < with_wallets < 240  # about a fifth
    assert {e.type for r in fsa for e in r.entities if e.ref == "subject"} == {
        pb.ENTITY_TYPE_PERSON, pb.ENTITY_TYPE_ORGANIZATION}
