"""Investigator queries through the real gateway and the embedded ArcadeDB graph,
with the demo's three agencies and their TLP choices."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gateway import errors
from gateway.sdk.client import sign_record
from gateway.sdk.record_files import read_records
from gateway.server.audit import AuditLog
from regulink.v1 import records_pb2
from tests.e2e.conftest import projected, signed

SAMPLES = Path(__file__).parents[2] / "gateway" / "samples"
WALLET = "wallet:ETH:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
MAS_NOMINEE = "local:mas-sg/MAS-2026-0413:nominee"  # AMBER, shared with npa-cyber only
NPA_SUSPECT = "local:npa-cyber/NPA-CY-2026-0091:suspect"  # AMBER, shared with mas-sg only
MAS_CEO = "local:mas-sg/MAS-2026-0412:ceo"  # GREEN


@pytest.fixture(scope="module")
async def samples(env):
    for agency in ("mas-sg", "tokyo-metro", "npa-cyber"):
        records = [r for _, r in read_records(SAMPLES / f"{agency}.jsonl", agency)]
        outcomes = [o async for o in env.client(agency).submit_stream([signed(env, r) for r in records])]
        assert all(not isinstance(o, errors.RegulinkError) or isinstance(o, errors.AlreadyExists) for o in outcomes)
    await projected(env)
    return env


async def test_operator_linked_to_a_wallet_reported_by_two_agencies(samples):
    answer = await samples.client("npa-cyber").operators_near(WALLET, hops=2)
    operators = {o.operator.caption: o for o in answer.operators}
    assert {"Lumen Crest Exchange Pte Ltd", "株式会社ルーメンクレスト"} <= set(operators)
    assert operators["株式会社ルーメンクレスト"].distance == 1
    wallet = (await samples.client("npa-cyber").entity(WALLET)).node
    assert set(wallet.agencies) == {"mas-sg", "tokyo-metro", "npa-cyber"}


async def test_hidden_and_missing_entities_answer_the_same(samples):
    outsider = samples.client("fsa-jp")
    messages = []
    for key in (MAS_NOMINEE, "local:mas-sg/MAS-2026-0413:nobody"):
        with pytest.raises(errors.NotFound) as failure:
            await outsider.entity(key)
        messages.append(str(failure.value).replace(key, "K"))
    assert messages[0] == messages[1]
    assert (await samples.client("npa-cyber").entity(MAS_NOMINEE)).node.names[0].value == "Kenji Aramaki"


async def test_shared_wallet_shows_only_visible_sources(samples):
    seen_by_outsider = (await samples.client("fsa-jp").entity(WALLET)).node
    assert set(seen_by_outsider.agencies) == {"mas-sg", "tokyo-metro"}  # the police record is AMBER
    assert seen_by_outsider.tlp == records_pb2.TLP_GREEN
    seen_by_police = (await samples.client("npa-cyber").entity(WALLET)).node
    assert seen_by_police.tlp == records_pb2.TLP_AMBER


async def test_paths_never_cross_hidden_elements(samples):
    police = await samples.client("npa-cyber").paths(NPA_SUSPECT, MAS_CEO)
    assert police.paths and police.paths[0].node_keys[0] == NPA_SUSPECT
    assert len(police.paths[0].node_keys) == 4
    outsider = await samples.client("fsa-jp").paths(NPA_SUSPECT, MAS_CEO)
    assert not outsider.paths and not outsider.subgraph.nodes


async def test_neighbourhood_respects_visibility_and_filters(samples):
    client = samples.client("tokyo-metro")
    subgraph = await client.neighbourhood(WALLET, hops=2)
    keys = {n.key for n in subgraph.nodes}
    assert NPA_SUSPECT not in keys and MAS_NOMINEE not in keys
    assert all(e.source in keys and e.target in keys for e in subgraph.edges)
    wallets_only = await client.neighbourhood(WALLET, hops=2, node_types=["CryptoWallet"])
    assert {n.type for n in wallets_only.nodes} == {"CryptoWallet"}
    with pytest.raises(errors.InvalidArgument) as failure:
        await client.neighbourhood(WALLET, node_types=["Wallet"])
    assert failure.value.field == "node_types[0]"
    with pytest.raises(errors.InvalidArgument):
        await client.neighbourhood(WALLET, hops=9)


async def test_search_by_identifier_and_by_name(samples):
    client = samples.client("fsa-jp")
    by_address = await client.search("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED")
    assert by_address.hits[0].node.key == WALLET and by_address.hits[0].matched == "identifier"
    by_name = await client.search("Lumen Crest")
    assert {h.node.key for h in by_name.hits} >= {"local:mas-sg/MAS-2026-0412:op",
                                                  "local:tokyo-metro/TMG-CONS-2026-1187:op"}
    # A name only a hidden record carries finds nothing for the outsider.
    assert not (await client.search("Aramaki")).hits
    assert (await samples.client("mas-sg").search("Aramaki")).hits


async def every_overlap(client, **options) -> dict:
    """Every page (the session's gateway holds other modules' records too, and pages go by key)."""
    found, token = {}, ""
    while True:
        answer = await client.overlaps(page_size=100, page_token=token, **options)
        found.update((o.node.key, o) for o in answer.overlaps)
        if not answer.next_page_token:
            return found
        token = answer.next_page_token


async def test_overlaps_across_agency_kinds(samples):
    by_key = await every_overlap(samples.client("npa-cyber"), different_kinds=True)
    assert set(by_key[WALLET].agency_kinds) == {"regulator", "local-government", "law-enforcement"}
    outsider = await every_overlap(samples.client("fsa-jp"))
    assert "npa-cyber" not in outsider[WALLET].agencies


async def test_analyze_gives_communities_and_ranking(samples):
    answer = await samples.client("mas-sg").analyze(WALLET, hops=2)
    assert sum(len(c.node_keys) for c in answer.communities) == len(answer.subgraph.nodes)
    assert answer.ranking[0].betweenness >= answer.ranking[-1].betweenness


async def test_every_query_is_audited(samples):
    before = len(samples.gateway.audit.recent(1000, "tokyo-metro"))
    await samples.client("tokyo-metro").search("neo wallet")
    rows = samples.gateway.audit.recent(1000, "tokyo-metro")
    assert len(rows) == before + 1 and rows[0]["call"] == "Search" and '"neo wallet"' in rows[0]["params"]
    answer = await samples.client("tokyo-metro").neighbourhood(WALLET, hops=1)
    line = samples.gateway.audit.recent(1, "tokyo-metro")[0]
    assert (line["call"], line["results"], line["outcome"]) == ("Neighbourhood", len(answer.nodes), "OK")
    with pytest.raises(errors.RegulinkError):
        await samples.client("tokyo-metro").neighbourhood("wallet:ETH:0x" + "00" * 20)
    line = samples.gateway.audit.recent(1, "tokyo-metro")[0]
    assert (line["call"], line["results"], line["outcome"]) == ("Neighbourhood", 0, "NOT_FOUND")


def test_an_audit_line_whose_call_never_ended_says_pending(tmp_path):
    """The question is on disk before the graph is asked; a gateway killed before the outcome leaves PENDING."""
    log = AuditLog(tmp_path / "audit.db")
    line = asyncio.run(log.opened("mas-sg", "Paths", {"from_key": "a", "to_key": "b"}))
    log.close()
    reopened = AuditLog(tmp_path / "audit.db")
    assert [(r["call"], r["outcome"]) for r in reopened.recent()] == [("Paths", "PENDING")]
    reopened.closed(line, 3)
    assert [(r["results"], r["outcome"]) for r in reopened.recent()] == [(3, "OK")]


async def test_retraction_removes_exactly_its_contributions(samples, env):
    client = env.client("tokyo-metro")
    record = records_pb2.CaseRecord(record_id="TMG-RETRACT-1203", agency_id="tokyo-metro", version=1,
                                    tlp=records_pb2.TLP_GREEN)
    record.issued_at.GetCurrentTime()
    record.retracts.record_id = "TMG-CONS-2026-1203"
    before = {n.key for n in (await client.neighbourhood("wallet:TRX:TLjfbTbpZYDQ4EoA4N5CLNgGjfbF8ZWz38")).nodes}
    assert "local:tokyo-metro/TMG-CONS-2026-1203:op2" in before
    await client.submit(sign_record(record, [env.signing["tokyo-metro"]]))
    await projected(env)
    with pytest.raises(errors.NotFound):
        await client.entity("local:tokyo-metro/TMG-CONS-2026-1203:op2")
    # The TRON wallet stays: the police record asserts it too (visible to mas-sg, not to tokyo-metro).
    assert (await env.client("mas-sg").entity("wallet:TRX:TLjfbTbpZYDQ4EoA4N5CLNgGjfbF8ZWz38")).node
    with pytest.raises(errors.NotFound):
        await client.entity("wallet:TRX:TLjfbTbpZYDQ4EoA4N5CLNgGjfbF8ZWz38")
