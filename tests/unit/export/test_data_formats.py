"""What every data format must do: state its marking, refuse to understate it, stream, survive odd text."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.export import FORMATS, ExportInfo, meta
from graph.export.csvzip import cell
from graph.view import Subgraph
from graph.visibility import AMBER, CLEAR, GREEN, RED
from tests.unit.export.conftest import edge, export_bytes, info_for, node, operator_network, random_subgraph, source

DATA_FORMATS = ["graphml", "gexf", "cytoscape", "node-link", "csv", "stix"]


def statement_in(fmt: str, data: bytes) -> str:
    """The text of the file in which the TLP statement must appear."""
    if fmt == "csv":
        return zipfile.ZipFile(io.BytesIO(data)).read("README.txt").decode("utf-8-sig")
    return data.decode("utf-8")


def test_registry_lists_the_data_formats():
    for fmt in DATA_FORMATS:
        assert FORMATS[fmt].media_type and FORMATS[fmt].extension and callable(FORMATS[fmt].writer)
    assert FORMATS["csv"].extension == "zip" and FORMATS["graphml"].media_type == "application/graphml+xml"


@pytest.mark.parametrize("fmt", DATA_FORMATS)
def test_the_file_states_its_marking(fmt):
    network = operator_network()
    text = statement_in(fmt, export_bytes(fmt, network))
    info = info_for(network)
    assert info.tlp_statement in text and "TLP:AMBER+STRICT" in text


@pytest.mark.parametrize("fmt", DATA_FORMATS)
def test_clear_content_says_it_may_leave(fmt):
    network = random_subgraph(30, 60, seed=1)
    for n in network.nodes.values():
        n.sources = [{**s, "tlp": CLEAR} for s in n.sources]
    for e in network.edges.values():
        e.sources = [{**s, "tlp": CLEAR} for s in e.sources]
    text = statement_in(fmt, export_bytes(fmt, network))
    assert meta.tlp_statement(CLEAR) in text and "TLP:AMBER" not in text and "TLP:RED" not in text


@pytest.mark.parametrize("fmt", DATA_FORMATS)
def test_an_understated_marking_is_refused(fmt):
    network = operator_network()
    info = ExportInfo("x", "fsa-jp", datetime(2025, 12, 1, tzinfo=UTC), GREEN)
    with pytest.raises(ValueError, match="shows TLP:AMBER\\+STRICT"):
        export_bytes(fmt, network, info)


@pytest.mark.parametrize("fmt", DATA_FORMATS)
def test_an_empty_subgraph_exports(fmt):
    empty = Subgraph()
    data = export_bytes(fmt, empty, ExportInfo("nothing", "fsa-jp", datetime(2025, 12, 1, tzinfo=UTC), CLEAR))
    assert meta.tlp_statement(CLEAR) in statement_in(fmt, data)


class CountingSink(io.RawIOBase):
    def __init__(self):
        self.writes: list[int] = []

    def writable(self):
        return True

    def write(self, b):
        self.writes.append(len(b))
        return len(b)


@pytest.mark.parametrize("fmt", DATA_FORMATS)
def test_writers_stream(fmt):
    network = random_subgraph(2000, 6000, seed=4)
    sink = CountingSink()
    FORMATS[fmt].writer(network, info_for(network), sink)
    assert len(sink.writes) > 10, "written in one piece"
    assert max(sink.writes) < 1 << 20, "a chunk of a megabyte or more: the file is being built in memory"


# --- odd text ------------------------------------------------------------------------

# Pieces: XML-illegal controls, XML/CSV/JSON specials, any encodable character, awkward sequences.
ODD = st.lists(st.one_of(st.sampled_from(list("\x00\x01\x08\x0b\x0c\x1b\x7f\ufffe\uffff\t\r\n<>&\"';,=+-@]")),
                         st.characters(codec="utf-8"), st.sampled_from(["]]>", "--", "山田", "😀", "\u200b", "\r\n"])),
               max_size=8).map("".join)


@st.composite
def odd_subgraphs(draw) -> Subgraph:
    n = draw(st.integers(1, 6))
    sub = Subgraph()
    keys = []
    for i in range(n):
        tlp = draw(st.sampled_from([CLEAR, GREEN, AMBER, RED]))
        src = [source(draw(st.sampled_from(["fsa-jp", "mas-sg"])), f"r{i}", tlp, 1_764_000_000_000 + i,
                      observed_ms=draw(st.none() | st.integers(0, 2_000_000_000_000)))]
        kind = draw(st.sampled_from(["Person", "Organization", "Address", "Website", "CryptoWallet"]))
        key = f"local:fsa-jp/r{i}:{i}" + draw(ODD) if kind in ("Person", "Organization", "Address") else {
            "Website": f"domain:site{i}.example", "CryptoWallet": f"wallet:ETH:0x{i:040x}"}[kind]
        if meta.clean(key) in {meta.clean(k) for k in keys}:
            continue
        names = tuple(dict.fromkeys(draw(st.lists(ODD, max_size=3))))
        attributes = tuple(draw(st.lists(st.tuples(ODD, ODD), max_size=2)))
        sub.nodes[key] = node(key, kind, src, names=names, roles=tuple(draw(st.lists(ODD, max_size=2))),
                              identifiers=(key,) if ":" in key and not key.startswith("local:") else (),
                              attributes=attributes)
        keys.append(key)
    for _ in range(draw(st.integers(0, 8))):
        a, b = draw(st.sampled_from(keys)), draw(st.sampled_from(keys))
        if a != b:
            sub.add_edge(edge(a, draw(st.sampled_from(["CONTROLS", "TRANSFERRED_TO", "POSSIBLY_SAME_AS"])), b,
                              sub.nodes[a].sources, evidence=tuple(dict.fromkeys(draw(st.lists(ODD, max_size=2)))),
                              score=draw(st.floats(0, 1))))
    return sub


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_subgraphs())
def test_odd_text_never_breaks_a_format(sub):
    nodes = {meta.clean(k): n for k, n in sub.nodes.items()}
    want_label = {k: meta.clean(n.caption) for k, n in nodes.items()}
    for fmt in ("graphml", "gexf"):
        graph = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(io.BytesIO(export_bytes(fmt, sub)))
        assert set(graph.nodes) == set(nodes)
        assert {k: graph.nodes[k].get("label", "") or "" for k in nodes} == want_label
        assert graph.number_of_edges() == len(sub.edges)
    for fmt in ("cytoscape", "node-link", "stix"):
        document = json.loads(export_bytes(fmt, sub))
        assert document
    cyto = json.loads(export_bytes("cytoscape", sub))
    assert {n["data"]["id"]: n["data"]["label"] for n in cyto["elements"]["nodes"]} == want_label
    graph = nx.node_link_graph(json.loads(export_bytes("node-link", sub)), edges="edges")
    assert {k: graph.nodes[k]["names"] for k in nodes} == {k: [meta.clean(x) for x in n.names] for k, n in nodes.items()}
    archive = zipfile.ZipFile(io.BytesIO(export_bytes("csv", sub)))
    rows = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode("utf-8-sig"), newline="")))
    assert {r["id"]: r["label"] for r in rows} == {cell(k): cell(v) for k, v in want_label.items()}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_subgraphs())
def test_odd_text_stays_valid_stix(sub):
    from tests.unit.export.test_stix import assert_valid_stix

    assert_valid_stix(export_bytes("stix", sub).decode())
