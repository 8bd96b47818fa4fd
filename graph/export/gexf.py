"""GEXF 1.3 (https://gexf.net/) for Gephi: typed attribute columns, viz colour and shape from the model.

Read back by networkx (`nx.read_gexf`). Node ids are graph keys and the node label is the
display name; edges carry `kind` = link type (Gephi keeps parallel links of different kinds
apart), `label` = the link type's label, and id `source|TYPE|target`. List fields are joined
with "; ". GEXF has no graph attributes: the title, viewer, time and TLP marking with its
handling statement are in <meta> (creator, keywords = the marking, description) and in a
comment at the top.
"""

from __future__ import annotations

from typing import BinaryIO

from graph.export import meta
from graph.export.xmltext import attr, text
from graph.view import Subgraph

MEDIA_TYPE = "application/gexf+xml"

_TYPES = {"string": "string", "list": "string", "int": "integer", "double": "double", "boolean": "boolean"}
# Model shapes (Cytoscape.js names) to the few GEXF viz shapes.
_SHAPES = {"ellipse": "disc", "diamond": "diamond", "triangle": "triangle", "rectangle": "square",
           "round-rectangle": "square"}
# Fields GEXF carries natively, not as attribute columns.
_NATIVE = {"label"}


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return attr(meta.LIST_SEPARATOR.join(value))
    return attr(value) if isinstance(value, str) else f'"{value!r}"'


def _attvalues(ids: dict[str, str], fields: dict) -> str:
    values = "".join(f'<attvalue for="{ids[name]}" value={_value(value)}/>'
                     for name, value in fields.items() if name in ids and value != "" and value != [])
    return f"<attvalues>{values}</attvalues>" if values else ""


def _viz(color: str, shape: str) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f'<viz:color r="{r}" g="{g}" b="{b}"/><viz:shape value="{_SHAPES.get(shape, "disc")}"/>'


def write(subgraph: Subgraph, info: meta.ExportInfo, out: BinaryIO) -> None:
    info = meta.checked(subgraph, info)
    sink = meta.TextSink(out)
    node_ids = {name: f"n_{name}" for name in meta.NODE_FIELDS if name not in _NATIVE}
    edge_ids = {name: f"e_{name}" for name in meta.EDGE_FIELDS if name not in _NATIVE}
    header = info.header(subgraph)
    description = "\n".join(f"{name}: {value}" for name, value in header.items() if value != "")
    sink.write('<?xml version="1.0" encoding="UTF-8"?>\n'
               f"<!-- {text(info.tlp_statement)} -->\n"
               '<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" '
               'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
               'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n'
               f'<meta lastmodifieddate="{info.generated_iso[:10]}"><creator>regulink</creator>'
               f"<keywords>{text(info.tlp_name)}</keywords><description>{text(description)}</description></meta>\n"
               f'<graph defaultedgetype="directed" mode="static" name={attr(header["title"])}>\n')
    for domain, ids, fields in (("node", node_ids, meta.NODE_FIELDS), ("edge", edge_ids, meta.EDGE_FIELDS)):
        sink.write(f'<attributes class="{domain}" mode="static">\n')
        for name, key in ids.items():
            sink.write(f'<attribute id="{key}" title="{name}" type="{_TYPES[fields[name][0]]}"/>\n')
        sink.write("</attributes>\n")
    sink.write("<nodes>\n")
    for key, node in subgraph.nodes.items():
        fields = meta.node_fields(node)
        sink.write(f"<node id={attr(meta.clean(key))} label={attr(fields['label'])}>{_attvalues(node_ids, fields)}"
                   f"{_viz(fields['color'], fields['shape'])}</node>\n")
    sink.write("</nodes>\n<edges>\n")
    for edge in subgraph.edges.values():
        fields = meta.edge_fields(edge)
        sink.write(f"<edge id={attr(meta.clean(meta.edge_id(edge)))} source={attr(meta.clean(edge.source))} "
                   f"target={attr(meta.clean(edge.target))} kind={attr(edge.type)} label={attr(fields['label'])}>"
                   f"{_attvalues(edge_ids, fields)}</edge>\n")
    sink.write("</edges>\n</graph>\n</gexf>\n")
    sink.flush()


meta.register("gexf", write, MEDIA_TYPE, "gexf", "GEXF 1.3 for Gephi, with the model's colours and shapes")
