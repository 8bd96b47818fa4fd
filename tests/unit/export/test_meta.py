"""ExportInfo, TLP statements, the registry, and the one flattening every format uses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import graph.export  # noqa: F401  (fills the registry)
from graph.export import meta
from graph.export.meta import ExportInfo
from graph.visibility import AMBER, AMBER_STRICT, CLEAR, GREEN, RED


def test_statements_follow_tlp_2():
    assert meta.tlp_statement(AMBER_STRICT).startswith("TLP:AMBER+STRICT — the recipient may not pass this on")
    assert "leave the gateway" in meta.tlp_statement(CLEAR)
    assert "not via publicly accessible channels" in meta.tlp_statement(GREEN)
    assert "need-to-know" in meta.tlp_statement(AMBER)
    assert "no further disclosure" in meta.tlp_statement(RED)
    assert meta.tlp_statement(99) == meta.tlp_statement(RED)  # unknown = strictest


def test_info_takes_the_content_marking(operator_network):
    info = ExportInfo.for_subgraph(operator_network, "Mirai Coin", "fsa-jp")
    assert info.tlp == AMBER_STRICT and info.tlp_name == "TLP:AMBER+STRICT"
    assert info.generated_at.tzinfo is not None
    header = info.header(operator_network)
    assert header["tlp_statement"] == info.tlp_statement and header["nodes"] == 12


def test_an_understated_marking_is_refused(operator_network):
    info = ExportInfo("x", "fsa-jp", datetime(2025, 1, 1, tzinfo=UTC), GREEN)
    with pytest.raises(ValueError, match="shows TLP:AMBER\\+STRICT"):
        meta.checked(operator_network, info)


def test_file_name_carries_the_marking(operator_network):
    info = ExportInfo("Mirai Coin / 2025", "fsa-jp", datetime(2025, 11, 24, 16, 0, tzinfo=UTC), AMBER_STRICT)
    assert meta.filename(info, "graphml") == "regulink-Mirai-Coin-2025-TLP_AMBER+STRICT-20251124T160000Z.graphml"


def test_fields_are_cleaned_and_complete(operator_network):
    operator = operator_network.nodes["jp_cn:5010001234567"]
    fields = meta.node_fields(operator)
    assert list(fields) == list(meta.NODE_FIELDS)
    assert fields["label"] == "株式会社ミライコイン" and "unauthorized_operator" in fields["roles"]
    assert fields["color"] == "#55a868"
    edge = operator_network.edges[("local:fsa-jp/warn-2025-031:director", "DIRECTS", "jp_cn:5010001234567")]
    assert list(meta.edge_fields(edge)) == list(meta.EDGE_FIELDS)
    assert meta.clean("a\x00b\x1bc\ufffe\td") == "abc\td"
    assert meta.flat({"a": ["x", "y"], "b": 1}) == {"a": "x; y", "b": 1}


def test_registry_is_open_to_other_modules():
    def writer(subgraph, info, out):
        out.write(info.tlp_statement.encode())

    try:
        meta.register("test-only", writer, "text/plain", "txt")
        assert meta.FORMATS["test-only"] == (writer, "text/plain", "txt", "")
        meta.register("test-only", writer, "text/plain", "txt")  # importing twice is harmless
        with pytest.raises(ValueError, match="already registered"):
            meta.register("test-only", lambda s, i, o: None, "text/plain", "txt")
    finally:
        meta.FORMATS.pop("test-only", None)


def test_docs_name_every_field_and_format():
    from pathlib import Path

    text = (Path(__file__).parents[3] / "docs" / "exports.md").read_text(encoding="utf-8")
    for name in [*meta.NODE_FIELDS, *meta.EDGE_FIELDS]:
        assert f"| {name}" in text or f", {name}" in text, name
    for fmt in ("graphml", "gexf", "cytoscape", "node-link", "csv", "stix"):
        assert f"| `{fmt}` |" in text, fmt
