"""GraphML (http://graphml.graphdrawing.org/): typed keys, one <node>/<edge> at a time.

Read back by networkx (`nx.read_graphml` gives a MultiDiGraph when two links join the same
pair, else a DiGraph), Gephi, yEd and Cytoscape desktop. Node ids are the graph keys; edge ids
are `source|TYPE|target`. List fields are joined with "; ". Graph-level keys carry the title,
viewer, time and the TLP marking with its handling statement. Empty fields are left out.
"""

from __future__ import annotations

from typing import BinaryIO

from graph.export import meta
from graph.export.xmltext import attr, text
from graph.view import Subgraph

MEDIA_TYPE = "application/graphml+xml"

_TYPES = {"string": "string", "list": "string", "int": "int", "double": "double", "boolean": "boolean"}
_GRAPH_KEYS = {"title": "string", "description": "string", "viewer": "string", "generated_at": "string",
               "tlp": "string", "tlp_statement": "string", "nodes": "int", "edges": "int", "truncated": "boolean"}


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return text(meta.LIST_SEPARATOR.join(value))
    return text(str(value)) if isinstance(value, str) else repr(value)


def _data(ids: dict[str, str], fields: dict) -> str:
    return "".join(f'<data key="{ids[name]}">{_value(value)}</data>'
                   for name, value in fields.items() if value != "" and value != [])


def write(subgraph: Subgraph, info: meta.ExportInfo, out: BinaryIO) -> None:
    info = meta.checked(subgraph, info)
    sink = meta.TextSink(out)
    graph_ids = {name: f"g_{name}" for name in _GRAPH_KEYS}
    node_ids = {name: f"n_{name}" for name in meta.NODE_FIELDS}
    edge_ids = {name: f"e_{name}" for name in meta.EDGE_FIELDS}
    sink.write('<?xml version="1.0" encoding="UTF-8"?>\n'
               f"<!-- {text(info.tlp_statement)} -->\n"
               '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
               'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
               'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
               'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    for name, kind in _GRAPH_KEYS.items():
        sink.write(f'<key id="{graph_ids[name]}" for="graph" attr.name="{name}" attr.type="{kind}"/>\n')
    for domain, ids, fields in (("node", node_ids, meta.NODE_FIELDS), ("edge", edge_ids, meta.EDGE_FIELDS)):
        for name, (kind, meaning) in fields.items():
            sink.write(f'<key id="{ids[name]}" for="{domain}" attr.name="{name}" attr.type="{_TYPES[kind]}">'
                       f"<desc>{text(meaning)}</desc></key>\n")
    sink.write(f'<graph id="G" edgedefault="directed">\n{_data(graph_ids, info.header(subgraph))}\n')
    for key, node in subgraph.nodes.items():
        sink.write(f"<node id={attr(meta.clean(key))}>{_data(node_ids, meta.node_fields(node))}</node>\n")
    for edge in subgraph.edges.values():
        sink.write(f"<edge id={attr(meta.clean(meta.edge_id(edge)))} source={attr(meta.clean(edge.source))} "
                   f"target={attr(meta.clean(edge.target))}>{_data(edge_ids, meta.edge_fields(edge))}</edge>\n")
    sink.write("</graph>\n</graphml>\n")
    sink.flush()


meta.register("graphml", write, MEDIA_TYPE, "graphml", "GraphML for Gephi, yEd, Cytoscape desktop and networkx")
