"""Cytoscape.js JSON (https://js.cytoscape.org/#notation/elements-json), as `cy.json()` writes it.

    {"data": {title, viewer, generated_at, tlp, tlp_statement, …},
     "elements": {"nodes": [{"data": {"id": key, "label": …, "type": …, …}, "classes": "Person"}],
                  "edges": [{"data": {"id": "s|TYPE|t", "source": s, "target": t, "type": …}, …}]},
     "style": [one selector per entity type, with the model's colour and shape]}

`cy.json(thatObject)` or `cytoscape({elements: …, style: …})` loads it; Cytoscape desktop
imports it too (File › Import › Network from File, "Cytoscape.js JSON"). Lists stay lists.
"""

from __future__ import annotations

import json
from typing import BinaryIO

from graph import schema
from graph.export import meta
from graph.view import Subgraph

MEDIA_TYPE = "application/vnd.cytoscape.js+json"

_dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def style() -> list[dict]:
    rules: list[dict] = [
        {"selector": "node", "style": {"label": "data(label)", "background-color": meta.DEFAULT_STYLE[0],
                                       "shape": meta.DEFAULT_STYLE[1]}},
        {"selector": "edge", "style": {"label": "data(label)", "curve-style": "bezier",
                                       "target-arrow-shape": "triangle"}},
    ]
    for kind in schema.BY_NAME.values():
        rules.append({"selector": f'node[type = "{kind.name}"]',
                      "style": {"background-color": kind.color, "shape": kind.shape}})
    return rules


def write(subgraph: Subgraph, info: meta.ExportInfo, out: BinaryIO) -> None:
    info = meta.checked(subgraph, info)
    sink = meta.TextSink(out)
    sink.write(f'{{"data":{_dump(info.header(subgraph))},"style":{_dump(style())},"elements":{{"nodes":[')
    separator = "\n"
    for key, node in subgraph.nodes.items():
        fields = meta.node_fields(node)
        sink.write(f'{separator}{_dump({"data": {"id": meta.clean(key), **fields}, "classes": node.type})}')
        separator = ",\n"
    sink.write('],"edges":[')
    separator = "\n"
    for edge in subgraph.edges.values():
        data = {"id": meta.clean(meta.edge_id(edge)), "source": meta.clean(edge.source),
                "target": meta.clean(edge.target), **meta.edge_fields(edge)}
        sink.write(f'{separator}{_dump({"data": data, "classes": edge.type})}')
        separator = ",\n"
    sink.write("]}}\n")
    sink.flush()


meta.register("cytoscape", write, MEDIA_TYPE, "cyjs", "Cytoscape.js JSON (elements, data, style)")
