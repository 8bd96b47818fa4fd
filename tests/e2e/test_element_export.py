"""What the console needs from the gateway, over real mTLS gRPC: an export of exactly a set of elements
(filtered like every export), each source's log index, and the person's name in the query audit."""

from __future__ import annotations

import asyncio
import json
import secrets

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gateway import errors
from gateway.sdk.client import AsyncClient, TlsFiles, sign_for
from regulink.v1 import export_pb2, records_pb2
from tests.e2e.conftest import projected

TAG = secrets.token_hex(3)


def _record(agency, record_id, tlp=records_pb2.TLP_GREEN):
    issued = Timestamp()
    issued.GetCurrentTime()
    return records_pb2.CaseRecord(record_id=record_id, agency_id=agency, version=1, issued_at=issued, tlp=tlp,
                                  case_reference=f"EL-{TAG}", summary="element export test")


def _wallet(record, ref, address):
    record.entities.add(ref=ref, type=records_pb2.ENTITY_TYPE_CRYPTO_WALLET).identifiers.add(
        kind="wallet", scheme="ETH", value=address)


@pytest.fixture(scope="module")
async def world(env):
    w = {name: "0x" + secrets.token_hex(20) for name in ("a", "b", "c", "hidden", "late")}
    green = _record("tokyo-metro", f"EL-GREEN-{TAG}")
    for ref in ("a", "b", "c"):
        _wallet(green, ref, w[ref])
    green.links.add(source="a", target="b", type=records_pb2.LINK_TYPE_TRANSFERRED_TO)
    green.links.add(source="b", target="c", type=records_pb2.LINK_TYPE_TRANSFERRED_TO)
    green.entities.add(ref="oa", type=records_pb2.ENTITY_TYPE_ORGANIZATION, name=f"Nagare Exchange {TAG} Co")
    amber = _record("npa-cyber", f"EL-AMBER-{TAG}", tlp=records_pb2.TLP_AMBER)
    _wallet(amber, "a", w["a"])
    _wallet(amber, "hidden", w["hidden"])
    amber.links.add(source="a", target="hidden", type=records_pb2.LINK_TYPE_TRANSFERRED_TO)
    other = _record("mas-sg", f"EL-ORG-{TAG}")
    other.entities.add(ref="ob", type=records_pb2.ENTITY_TYPE_ORGANIZATION, name=f"Nagare Exchange {TAG} Ltd")
    receipts = {}
    for record in (green, amber, other):
        receipts[record.record_id] = await env.client(record.agency_id).submit(
            sign_for(record, [env.signing[record.agency_id]]))
    await projected(env)
    await asyncio.sleep(1.1)
    late = _record("tokyo-metro", f"EL-LATE-{TAG}")
    _wallet(late, "c", w["c"])
    _wallet(late, "late", w["late"])
    late.links.add(source="c", target="late", type=records_pb2.LINK_TYPE_TRANSFERRED_TO)
    receipts[late.record_id] = await env.client("tokyo-metro").submit(sign_for(late, [env.signing["tokyo-metro"]]))
    await projected(env)
    keys = {name: f"wallet:ETH:{address}" for name, address in w.items()}
    keys["org_a"] = f"local:tokyo-metro/EL-GREEN-{TAG}:oa"
    keys["org_b"] = f"local:mas-sg/EL-ORG-{TAG}:ob"
    return keys, receipts


async def _elements(client, **selection) -> dict:
    request = export_pb2.ExportRequest(format="cytoscape", elements=export_pb2.ElementSelection(**selection))
    header, *chunks = [part async for part in client.export(request)]
    document = json.loads(b"".join(chunks))
    return {"header": header, "nodes": {n["data"]["id"] for n in document["elements"]["nodes"]},
            "edges": {e["data"]["id"] for e in document["elements"]["edges"]}, "tlp": document["data"]["tlp"]}


async def test_exactly_the_named_elements_as_the_caller_may_see_them(world, env):
    keys, _ = world
    ab = f"{keys['a']}|TRANSFERRED_TO|{keys['b']}"
    bc = f"{keys['b']}|TRANSFERRED_TO|{keys['c']}"
    hidden_link = f"{keys['a']}|TRANSFERRED_TO|{keys['hidden']}"
    names = [keys["a"], keys["b"], keys["c"], keys["hidden"]]
    metro = env.client("tokyo-metro")
    every = await _elements(metro, node_keys=names, all_links=True)
    assert every["nodes"] == {keys["a"], keys["b"], keys["c"]} and every["edges"] == {ab, bc}
    assert every["tlp"] == "TLP:GREEN" and every["header"].node_count == 3
    listed = await _elements(metro, node_keys=names, edge_keys=[ab, hidden_link, "not a key"])
    assert listed["edges"] == {ab}
    none = await _elements(metro, node_keys=names)  # no link named: none exported
    assert none["edges"] == set()
    # The author of the AMBER record sees its part, and the marking says so.
    author = await _elements(env.client("npa-cyber"), node_keys=names, all_links=True)
    assert keys["hidden"] in author["nodes"] and hidden_link in author["edges"] and author["tlp"] == "TLP:AMBER"
    # Only hidden keys: nothing to export, the words of a missing selection.
    with pytest.raises(errors.NotFound):
        await _elements(metro, node_keys=[keys["hidden"]], all_links=True)


async def test_a_date_and_a_candidate_are_applied_by_the_gateway(world, env):
    keys, receipts = world
    metro = env.client("tokyo-metro")
    late_link = f"{keys['c']}|TRANSFERRED_TO|{keys['late']}"
    current = await _elements(metro, node_keys=[keys["c"], keys["late"]], all_links=True)
    assert current["nodes"] == {keys["c"], keys["late"]} and current["edges"] == {late_link}
    until = Timestamp()
    until.FromMilliseconds(receipts[f"EL-LATE-{TAG}"].tree_head.timestamp_ms - 700)
    before = await _elements(metro, node_keys=[keys["c"], keys["late"]], all_links=True, until=until)
    assert before["nodes"] == {keys["c"]} and before["edges"] == set()
    # A name candidate is not stored: named, it is drawn again from the two visible names.
    a, b = sorted((keys["org_a"], keys["org_b"]))
    candidate = f"{a}|POSSIBLY_SAME_AS|{b}"
    found = await _elements(metro, node_keys=[a, b], edge_keys=[candidate])
    assert found["edges"] == {candidate}


async def test_too_many_keys_are_refused(env):
    with pytest.raises(errors.InvalidArgument) as refused:
        await _elements(env.client("tokyo-metro"), node_keys=[f"domain:x{i}.example" for i in range(2001)])
    assert refused.value.field == "elements.node_keys"


async def test_each_source_names_its_log_entry(world, env):
    keys, receipts = world
    node = (await env.client("tokyo-metro").entity(keys["b"])).node
    assert [s.log_index for s in node.sources] == [receipts[f"EL-GREEN-{TAG}"].log_index]


async def test_the_person_a_tool_names_goes_into_the_query_audit(world, env):
    keys, _ = world
    async with AsyncClient.connect(env.target, TlsFiles.for_agency(env.tls, "tokyo-metro"),
                                   investigator="田中 愛子 (Aiko Tanaka)") as client:
        await client.entity(keys["a"])
        stream = client.export(export_pb2.ExportRequest(format="graphml", elements=export_pb2.ElementSelection(
            node_keys=[keys["a"]], all_links=True)))
        async for _ in stream:
            pass
    lines = env.gateway.audit.recent(10, "tokyo-metro", "田中 愛子 (Aiko Tanaka)")
    assert {line["call"] for line in lines} >= {"GetEntity", "Export"}
    assert all(line["investigator"] == "" for line in env.gateway.audit.recent(200, "mas-sg"))
