"""Cytoscape.js JSON structure and node-link JSON read back with networkx."""

from __future__ import annotations

import json

import networkx as nx

from graph import schema
from graph.export import meta, nodelink
from tests.unit.export.conftest import export_bytes, info_for, operator_network, random_subgraph


def test_cytoscape_structure():
    network = operator_network()
    document = json.loads(export_bytes("cytoscape", network))
    assert set(document) == {"data", "style", "elements"}
    assert document["data"]["tlp"] == "TLP:AMBER+STRICT"
    assert document["data"]["tlp_statement"] == info_for(network).tlp_statement
    nodes, edges = document["elements"]["nodes"], document["elements"]["edges"]
    assert [n["data"]["id"] for n in nodes] == list(network.nodes)
    ids = {n["data"]["id"] for n in nodes}
    for element in edges:
        data = element["data"]
        assert data["source"] in ids and data["target"] in ids
        assert data["id"] == f"{data['source']}|{data['type']}|{data['target']}"
    assert len({e["data"]["id"] for e in edges}) == len(network.edges)
    operator = next(n for n in nodes if n["data"]["id"] == "jp_cn:5010001234567")
    assert operator["classes"] == "Organization"
    assert operator["data"]["names"] == ["株式会社ミライコイン", "Mirai Coin Ltd."]  # lists stay lists
    assert operator["data"]["label"] == "株式会社ミライコイン"
    candidate = next(e for e in edges if e["data"]["type"] == "POSSIBLY_SAME_AS")
    assert candidate["data"]["score"] == 0.71 and candidate["data"]["label"] == "possibly the same as (similar names)"


def test_cytoscape_style_follows_the_model():
    style = json.loads(export_bytes("cytoscape", operator_network()))["style"]
    rules = {rule["selector"]: rule["style"] for rule in style}
    for kind in schema.BY_NAME.values():
        assert rules[f'node[type = "{kind.name}"]'] == {"background-color": kind.color, "shape": kind.shape}


def test_node_link_reads_back():
    network = random_subgraph(300, 900, seed=11)
    data = json.loads(export_bytes("node-link", network))
    assert nodelink.EDGES in data and "links" not in data
    graph = nx.node_link_graph(data, edges=nodelink.EDGES)
    assert isinstance(graph, nx.MultiDiGraph)
    assert set(graph.nodes) == set(network.nodes)
    assert {(s, k) for s, _, k in graph.edges(keys=True)} == {(e.source, meta.edge_id(e)) for e in network.edges.values()}
    for key, node in network.nodes.items():
        assert graph.nodes[key] == meta.node_fields(node)
    for s, t, _, d in graph.edges(keys=True, data=True):
        assert d == meta.edge_fields(network.edges[(s, d["type"], t)])
    assert graph.graph["tlp"] == meta.tlp_name(network.tlp)
    assert graph.graph["tlp_statement"] == meta.tlp_statement(network.tlp)
