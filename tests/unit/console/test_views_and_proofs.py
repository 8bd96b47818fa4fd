"""The console's pieces that need no browser: what the page is sent, how a record's proof is judged, the
audit's person field, and that the console is a client of the gateway only."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gateway.console as console_pkg
from gateway.console import api, proofs, views
from gateway.ledger.verify import ProofError
from gateway.sdk.decisions import decision_record
from gateway.server import audit
from graph import export as graph_export
from graph.view import EdgeView, NodeView, Subgraph
from regulink.v1 import exchange_pb2, query_pb2, records_pb2


def test_the_consoles_export_formats_are_the_gateways():
    assert set(api.FORMATS) == set(graph_export.FORMATS)


def _source(record: str, tlp: int, seen_ms: int, log_index: int) -> dict:
    return {"record": record, "agency": record.split("/")[0], "version": 1, "log_index": log_index, "tlp": tlp,
            "readers": ["*"], "seen_ms": seen_ms, "facts": {}}


def test_an_element_export_reads_back_as_the_canvas_draws_it():
    """The gateway's Cytoscape.js export (what a reopened investigation is made of), written by the real
    writer, gives the same canvas fields as the query answers."""
    a = NodeView("org:a", "Organization", [_source("mas-sg/R1", 2, 1_790_000_000_000, 4)],
                 names={"Lumen <b>Crest</b>": ["mas-sg/R1"]}, roles={"unauthorized_operator": ["mas-sg/R1"]})
    b = NodeView("wallet:ETH:0xab", "CryptoWallet", [_source("npa-cyber/R2", 3, 1_790_000_100_000, 9)])
    edge = EdgeView("org:a", "wallet:ETH:0xab", "CONTROLS", [_source("npa-cyber/R2", 3, 1_790_000_100_000, 9)],
                    evidence={"seized device": ["npa-cyber/R2"]})
    subgraph = Subgraph({"org:a": a, "wallet:ETH:0xab": b})
    subgraph.add_edge(edge)
    out = io.BytesIO()
    info = graph_export.ExportInfo.for_subgraph(subgraph, "t", "npa-cyber", datetime(2026, 1, 1, tzinfo=UTC))
    graph_export.FORMATS["cytoscape"].writer(subgraph, info, out)
    canvas = views.from_cytoscape(json.loads(out.getvalue()))
    node = next(n for n in canvas["nodes"] if n["key"] == "org:a")
    assert node == {"key": "org:a", "type": "Organization", "label": "Lumen <b>Crest</b>", "tlp": "TLP:GREEN",
                    "agencies": ["mas-sg"], "roles": ["unauthorized_operator"], "first_ms": 1_790_000_000_000,
                    "last_ms": 1_790_000_000_000, "cautions": 0, "sources": 1}
    assert canvas["edges"] == [{"id": "org:a|CONTROLS|wallet:ETH:0xab", "source": "org:a", "target": "wallet:ETH:0xab",
                                "type": "CONTROLS", "tlp": "TLP:AMBER", "agencies": ["npa-cyber"], "score": 0.0,
                                "first_ms": 1_790_000_100_000, "evidence": ["seized device"]}]


def test_query_answers_become_canvas_elements_and_unknown_markings_the_strictest():
    node = query_pb2.Node(key="k", type="Person", caption="Taro", tlp=records_pb2.TLP_AMBER, agencies=["a"],
                          cautions=["'x': why"], source_count=3)
    node.first_seen.FromMilliseconds(5)
    assert views.node(node)["first_ms"] == 5 and views.node(node)["cautions"] == 1 and views.node(node)["sources"] == 3
    assert views.tlp_name(records_pb2.TLP_UNSPECIFIED) == "TLP:RED" and views.tlp_name(42) == "TLP:RED"
    edge = query_pb2.Edge(source="a", target="b", type="POSSIBLY_SAME_AS", score=91.26, tlp=records_pb2.TLP_GREEN)
    assert views.edge(edge)["id"] == "a|POSSIBLY_SAME_AS|b" and views.edge(edge)["score"] == 91.3


def test_a_decision_is_the_record_the_command_line_signs():
    cards = [SimpleNamespace(type="Organization", key="local:a/r:op"), SimpleNamespace(type="Person", key="lei:X")]
    record = decision_record("npa-cyber", cards, "different", "why", records_pb2.TLP_AMBER, ["mas-sg"])
    assert record.agency_id == "npa-cyber" and record.version == 1 and record.record_id.startswith("decision-")
    assert [(e.ref, e.identifiers[0].kind, e.identifiers[0].value) for e in record.entities] == [
        ("a", "graph_key", "local:a/r:op"), ("b", "graph_key", "lei:X")]
    assert record.links[0].type == records_pb2.LINK_TYPE_NOT_SAME_AS and list(record.share_with) == ["mas-sg"]


# -- a record's proof -------------------------------------------------------------------------------------

class FakeClient:
    def __init__(self, entries, verify=None) -> None:
        self.entries, self.verify, self.verified = entries, verify, 0

    async def subscribe(self, from_index, stop_at_end=False):
        for entry in self.entries:
            if entry.log_index >= from_index:
                yield entry

    async def verify_entry(self, entry, agency):
        self.verified += 1
        if isinstance(self.verify, Exception):
            raise self.verify
        return SimpleNamespace(tree_size=12)


def _entry(index=7, record_id="R1", envelope=True, withdrawn=False) -> exchange_pb2.LogEntry:
    entry = exchange_pb2.LogEntry(log_index=index, agency_id="mas-sg", record_id=record_id, version=1,
                                  withdrawn=withdrawn, nonce=b"n" * 32)
    if envelope:
        entry.envelope.payload = b"x"
    return entry


REF = proofs.RecordRef(7, "mas-sg", "R1", 1)


@pytest.mark.parametrize("entries, verify, status, words", [
    ([_entry()], None, "verified", "log of size 12"),
    ([_entry(record_id="R2")], None, "failed", "not the record the graph names"),
    ([_entry(index=8)], None, "failed", "no entry 7 you may see"),
    ([_entry(withdrawn=True)], None, "failed", "no entry 7"),
    ([], None, "failed", "no entry 7"),
    ([_entry(envelope=False)], None, "unverifiable", "without its signed envelope"),
    ([_entry()], ProofError("the log holds a different leaf at this index"), "failed", "different leaf"),
])
def test_each_proof_says_what_was_checked_or_why_not(entries, verify, status, words):
    prover = proofs.Prover("npa-cyber", "ab" * 32)
    answer = asyncio.run(prover.check(FakeClient(entries, verify), REF))
    assert answer["status"] == status and words in answer["detail"]


def test_a_verified_proof_is_kept_and_a_failed_one_asked_again():
    prover = proofs.Prover("npa-cyber", "ab" * 32)
    failing = FakeClient([_entry()], ProofError("bad"))
    asyncio.run(prover.check(failing, REF))
    asyncio.run(prover.check(failing, REF))
    assert failing.verified == 2
    good = FakeClient([_entry()])
    asyncio.run(prover.check(good, REF))
    asyncio.run(prover.check(good, REF))
    assert good.verified == 1


# -- the audit's person --------------------------------------------------------------------------------------

def test_the_investigator_comes_from_the_calls_metadata_decoded():
    assert audit.investigator_name([("x", "y"), ("regulink-investigator", "%E7%94%B0%E4%B8%AD%20Aiko")]) == "田中 Aiko"
    assert audit.investigator_name([("regulink-investigator", "Aiko%E2%80%AE%0Aevil")]) == "Aikoevil"
    assert audit.investigator_name(None) == "" and audit.investigator_name([("other", "v")]) == ""


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_any_investigator_metadata_is_shown_safely(value):
    name = audit.investigator_name([("regulink-investigator", value)])
    assert len(name) <= audit.MAX_INVESTIGATOR
    assert not any(ord(c) < 32 or c in "\u202e\u200b\u2066\ufeff\x7f" for c in name)


# -- a client of the gateway, nothing more --------------------------------------------------------------------

def test_the_console_imports_no_server_side_module():
    """The console is a client of the gateway through the SDK: of the gateway's own code it loads the
    SDK and the ledger's checks (receipts, proofs), never the server, the sequencer or the CLI."""
    modules = [f"gateway.console.{p.stem}" for p in Path(console_pkg.__file__).parent.glob("*.py")]
    code = (f"import sys, {', '.join(modules)}; "
            "print(sorted(m for m in sys.modules if m.startswith('gateway.')))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout.replace("'", '"'))
    allowed_ledger = {"gateway.ledger", "gateway.ledger.checkpoint", "gateway.ledger.hashing", "gateway.ledger.verify"}
    server_side = [m for m in loaded if m.startswith(("gateway.server", "gateway.cli"))
                   or (m.startswith("gateway.ledger") and m not in allowed_ledger)]
    assert not server_side
