"""networkx node-link JSON (`networkx.readwrite.json_graph.node_link_data`), edges under "edges".

    {"directed": true, "multigraph": true,
     "graph": {title, viewer, generated_at, tlp, tlp_statement, …},
     "nodes": [{"id": key, "type": …, "label": …, "names": […], …}],
     "edges": [{"source": s, "target": t, "key": "s|TYPE|t", "type": …, …}]}

Read it back with `nx.node_link_graph(data, edges="edges")` (the default since networkx 3.4;
older versions need the argument, and D3 examples that expect "links" need renaming). The
graph is a MultiDiGraph: two links of different types may join the same pair. Lists stay lists.
"""

from __future__ import annotations

import json
from typing import BinaryIO

from graph.export import meta
from graph.view import Subgraph

MEDIA_TYPE = "application/json"
EDGES = "edges"  # the key the edge list is under (node_link_graph(..., edges=EDGES))

_dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def write(subgraph: Subgraph, info: meta.ExportInfo, out: BinaryIO) -> None:
    info = meta.checked(subgraph, info)
    sink = meta.TextSink(out)
    sink.write(f'{{"directed":true,"multigraph":true,"graph":{_dump(info.header(subgraph))},"nodes":[')
    separator = "\n"
    for key, node in subgraph.nodes.items():
        sink.write(f'{separator}{_dump({"id": meta.clean(key), **meta.node_fields(node)})}')
        separator = ",\n"
    sink.write(f'],"{EDGES}":[')
    separator = "\n"
    for edge in subgraph.edges.values():
        data = {"source": meta.clean(edge.source), "target": meta.clean(edge.target),
                "key": meta.clean(meta.edge_id(edge)), **meta.edge_fields(edge)}
        sink.write(f"{separator}{_dump(data)}")
        separator = ",\n"
    sink.write("]}\n")
    sink.flush()


meta.register("node-link", write, MEDIA_TYPE, "json", "networkx node-link JSON (edges under \"edges\")")
