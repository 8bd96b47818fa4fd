"""POSSIBLY_SAME_AS candidates on the real store: made from similar names, shown only to whoever
may read both names, removed with their records, and settled by investigators' signed decisions."""

from __future__ import annotations

from graph.investigate import Investigator
from graph.projector import LedgerItem, Projector
from regulink.v1 import records_pb2

TOKYO_OP = "local:tokyo-metro/t1:op"
MAS_OP = "local:mas-sg/m1:op"


def org(agency: str, record_id: str, name: str, tlp: int = records_pb2.TLP_GREEN, share=()) -> records_pb2.CaseRecord:
    record = records_pb2.CaseRecord(record_id=record_id, agency_id=agency, version=1, tlp=tlp, share_with=share)
    record.entities.add(ref="op", type=records_pb2.ENTITY_TYPE_ORGANIZATION, name=name)
    return record


def decision(agency: str, record_id: str, link_type: int, tlp: int = records_pb2.TLP_GREEN) -> records_pb2.CaseRecord:
    record = records_pb2.CaseRecord(record_id=record_id, agency_id=agency, version=1, tlp=tlp)
    for ref, key in (("a", TOKYO_OP), ("b", MAS_OP)):
        record.entities.add(ref=ref, type=records_pb2.ENTITY_TYPE_ORGANIZATION).identifiers.add(
            kind="graph_key", value=key)
    record.links.add(source="a", target="b", type=link_type, evidence="same registered office and director")
    return record


async def candidate_for(investigator: Investigator, viewer: str):
    subgraph = await investigator.neighbourhood(TOKYO_OP, viewer, hops=1)
    return next((e for e in subgraph.edges.values() if e.type == "POSSIBLY_SAME_AS"), None), subgraph


async def test_candidate_visibility_decisions_and_retraction(store):
    projector = Projector(store)
    investigator = Investigator(store)
    await projector.apply([
        LedgerItem(0, 1000, org("tokyo-metro", "t1", "株式会社ルーメンクレスト")),
        LedgerItem(1, 2000, org("mas-sg", "m1", "Lumen Crest Pte Ltd", records_pb2.TLP_AMBER, ["npa-cyber"])),
        LedgerItem(2, 3000, org("fsa-jp", "f1", "Orbit Exchange KK")),
    ])
    seen, _ = await candidate_for(investigator, "npa-cyber")
    assert seen is not None and seen.score >= 85 and {seen.source, seen.target} == {TOKYO_OP, MAS_OP}
    # tokyo-metro cannot read mas-sg's AMBER name: no candidate, no hint of one.
    hidden, subgraph = await candidate_for(investigator, "tokyo-metro")
    assert hidden is None and set(subgraph.nodes) == {TOKYO_OP}

    # A rejection hides the candidate from whoever may see the rejection.
    await projector.apply([LedgerItem(3, 4000, decision("npa-cyber", "d1", records_pb2.LINK_TYPE_NOT_SAME_AS,
                                                        records_pb2.TLP_AMBER))])
    rejected, subgraph = await candidate_for(investigator, "npa-cyber")
    assert rejected is None
    assert any(e.type == "NOT_SAME_AS" for e in subgraph.edges.values())
    still, _ = await candidate_for(investigator, "mas-sg")  # the AMBER rejection is npa-cyber's own
    assert still is not None

    # A confirmation is an ordinary edge with its evidence; the candidate makes way for it.
    await projector.apply([LedgerItem(4, 5000, decision("mas-sg", "d2", records_pb2.LINK_TYPE_SAME_AS))])
    confirmed, subgraph = await candidate_for(investigator, "mas-sg")
    assert confirmed is None
    same = next(e for e in subgraph.edges.values() if e.type == "SAME_AS")
    assert "same registered office and director" in same.evidence

    # Retracting both decisions brings the candidate back; retracting a named record removes it.
    undo = records_pb2.CaseRecord(record_id="y", agency_id="npa-cyber", version=1, tlp=records_pb2.TLP_GREEN)
    undo.retracts.record_id = "d1"
    undo2 = records_pb2.CaseRecord(record_id="z", agency_id="mas-sg", version=1, tlp=records_pb2.TLP_GREEN)
    undo2.retracts.record_id = "d2"
    await projector.apply([LedgerItem(5, 6000, undo)])
    assert (await candidate_for(investigator, "npa-cyber"))[0] is None  # mas-sg's GREEN confirmation still stands
    await projector.apply([LedgerItem(6, 6500, undo2)])
    assert (await candidate_for(investigator, "npa-cyber"))[0] is not None
    retract = records_pb2.CaseRecord(record_id="x", agency_id="mas-sg", version=1, tlp=records_pb2.TLP_GREEN)
    retract.retracts.record_id = "m1"
    await projector.apply([LedgerItem(7, 7000, retract)])
    assert (await candidate_for(investigator, "npa-cyber"))[0] is None
    # Nothing of this is stored: candidates are computed when asked.
    _, edges = await store.dump()
    assert not [e for e in edges if e[1] == "POSSIBLY_SAME_AS"]
