"""GraphML and GEXF read back with networkx: same node keys, edge triples, types and fields."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from graph.export import meta
from tests.unit.export.conftest import edge, expected_flat, export_bytes, info_for, operator_network, random_subgraph

READ = {"graphml": nx.read_graphml, "gexf": nx.read_gexf}


def read(fmt: str, subgraph) -> nx.MultiDiGraph:
    graph = READ[fmt](io.BytesIO(export_bytes(fmt, subgraph)))
    return graph if graph.is_multigraph() else nx.MultiDiGraph(graph)


def assert_same(fmt: str, subgraph, graph: nx.MultiDiGraph) -> None:
    nodes, edges = expected_flat(subgraph)
    assert set(graph.nodes) == set(nodes)
    triples = {(s, d["type"], t) for s, t, d in graph.edges(data=True)}
    assert triples == set(edges) and graph.number_of_edges() == len(edges)
    for key, fields in nodes.items():
        data = graph.nodes[key]
        assert {name: data.get(name, "") for name in fields} == fields, key
    for s, t, key, data in graph.edges(keys=True, data=True):
        fields = edges[(s, data["type"], t)]
        assert {name: data.get(name, "") for name in fields} == fields
        assert data.get("id", key) == f"{s}|{data['type']}|{t}"  # a multigraph keys edges by their id


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_operator_network_round_trips(fmt):
    network = operator_network()
    graph = read(fmt, network)
    assert_same(fmt, network, graph)
    operator = graph.nodes["jp_cn:5010001234567"]
    assert operator["label"] == "株式会社ミライコイン" and operator["roles"] == "unauthorized_operator"
    assert operator["names"] == "株式会社ミライコイン; Mirai Coin Ltd."


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_parallel_links_stay_apart(fmt):
    network = operator_network()
    hot = "wallet:ETH:0x52908400098527886E0F7030069857D2E4169EE7"
    network.add_edge(edge("jp_cn:5010001234567", "OWNS", hot, network.nodes[hot].sources[:1]))
    graph = read(fmt, network)
    assert graph.number_of_edges("jp_cn:5010001234567", hot) == 2
    assert_same(fmt, network, graph)


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_random_subgraph_round_trips(fmt):
    network = random_subgraph(400, 1200, seed=5)
    assert_same(fmt, network, read(fmt, network))


def test_graphml_graph_attributes_state_the_marking():
    network = operator_network()
    graph = nx.read_graphml(io.BytesIO(export_bytes("graphml", network)))
    info = info_for(network)
    assert graph.graph["tlp"] == "TLP:AMBER+STRICT"
    assert graph.graph["tlp_statement"] == info.tlp_statement
    assert graph.graph["title"] == info.title and graph.graph["viewer"] == "fsa-jp"
    assert graph.graph["generated_at"] == "2025-12-01T09:30:00Z"
    assert graph.graph["nodes"] == 12 and graph.graph["truncated"] is False


def test_graphml_keys_are_typed():
    root = ET.fromstring(export_bytes("graphml", operator_network()))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    types = {(k.get("for"), k.get("attr.name")): k.get("attr.type") for k in root.findall("g:key", ns)}
    assert types[("edge", "score")] == "double" and types[("graph", "nodes")] == "int"
    assert types[("graph", "truncated")] == "boolean" and types[("node", "names")] == "string"


def test_gexf_meta_and_viz():
    network = operator_network()
    data = export_bytes("gexf", network)
    root = ET.fromstring(data)
    ns = {"x": "http://gexf.net/1.3", "viz": "http://gexf.net/1.3/viz"}
    assert root.get("version") == "1.3"
    assert root.find("x:meta/x:keywords", ns).text == "TLP:AMBER+STRICT"
    assert info_for(network).tlp_statement in root.find("x:meta/x:description", ns).text
    graph = nx.read_gexf(io.BytesIO(data))
    person = graph.nodes["local:fsa-jp/warn-2025-031:director"]
    assert person["viz"]["color"] == {"r": 0x4C, "g": 0x72, "b": 0xB0, "a": 1.0}
    wallet = root.find("x:graph/x:nodes/x:node[@id='wallet:BTC:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq']", ns)
    assert wallet.find("viz:shape", ns).get("value") == "diamond"
    kinds = {e.get("kind") for e in root.iterfind("x:graph/x:edges/x:edge", ns)}
    assert "TRANSFERRED_TO" in kinds and "POSSIBLY_SAME_AS" in kinds


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_escaping_and_whitespace_survive(fmt):
    network = operator_network()
    person = network.nodes["local:fsa-jp/warn-2025-031:director"]
    odd = 'A & B <c> "d" \'e\' ]]> tab\there\r\nline\x00\x1b\ufffe end '
    person.names = {odd: ["fsa-jp/warn-2025-031"], "  spaced  ": ["fsa-jp/warn-2025-031"]}
    graph = read(fmt, network)
    assert graph.nodes[person.key]["label"] == meta.clean(odd)
    assert graph.nodes[person.key]["names"] == meta.clean(odd) + "; " + "  spaced  "
    assert_same(fmt, network, graph)
