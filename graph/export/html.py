"""A self-contained interactive HTML page of a visible subgraph (docs/exports.md).

One file, nothing fetched: cytoscape.js (vendored, graph/export/vendor/, MIT), the page's own
script and styles are inlined, and a Content-Security-Policy meta forbids every load
(`default-src 'none'`), so the page works, and stays silent, on an air-gapped network.

Written as a stream, in this order:

1. the head: CSP, styles, the TLP banner (static HTML, so the marking shows even without
   JavaScript), title, viewer, date, legend, an empty side panel;
2. the vendored cytoscape.min.js;
3. the graph as JSON in `<script type="application/json" id="regulink-data">`, one node or
   edge at a time, with positions from graph.export.layout (cytoscape's `preset` layout: no
   layout work in the browser, so thousands of nodes show at once). `<`, `>`, `&`, U+2028 and
   U+2029 are written as JSON `\\u` escapes, so no name can end the script element, open an
   HTML comment or break a JavaScript parser;
4. the page script: styles by type from graph/model, flags, search, side panel, and the
   test hook `window.regulink` ({cy, data, search(text), select(node key or "source|TYPE|target")}).

Every text from the data reaches the page through `textContent`, never as HTML.
"""

from __future__ import annotations

import functools
import html
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import BinaryIO

from graph import schema
from graph.export import layout, meta
from graph.view import Subgraph
from graph.visibility import AMBER, AMBER_STRICT, CLEAR, GREEN, RED

MEDIA_TYPE = "text/html; charset=utf-8"

CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")

# TLP 2.0 colours (FIRST): the label is written in its colour on black.
TLP_COLOURS = {CLEAR: "#FFFFFF", GREEN: "#33FF00", AMBER: "#FFC000", AMBER_STRICT: "#FFC000", RED: "#FF2B2B"}

# Roles and links that put a red flag on a node (unauthorized operators, sanctioned entities).
FLAG_ROLES = {"unauthorized_operator": "unauthorized operator", "sanctioned": "sanctioned"}
FLAG_LINKS = {"SANCTIONED_BY": "sanctioned"}

_UNSAFE = re.compile("[<>&\u2028\u2029]")  # what could end a <script>, open a comment or break a JS parser
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
CHUNK = 500  # items per JSON encoding call


def script_json(value) -> str:
    """JSON that is safe inside a <script> element whatever the strings hold (the escapes are JSON's own)."""
    text = _encode(value)
    return _UNSAFE.sub(lambda m: _ESCAPES[m.group()], text) if _UNSAFE.search(text) else text


def _write_items(sink: meta.TextSink, items: Iterable[dict]) -> None:
    """The members of a JSON array, encoded a chunk at a time (one encoder call per CHUNK items)."""
    batch: list[dict] = []
    first = True
    for item in items:
        batch.append(item)
        if len(batch) == CHUNK:
            sink.write(("\n" if first else ",\n") + script_json(batch)[1:-1])
            batch, first = [], False
    if batch:
        sink.write(("\n" if first else ",\n") + script_json(batch)[1:-1])


@functools.cache
def _cytoscape_js() -> bytes:
    return (resources.files("graph.export") / "vendor" / "cytoscape.min.js").read_bytes()


@functools.cache
def _page_file(name: str) -> str:
    """The page's own style and script (graph/export/page/), shipped as package data."""
    return (resources.files("graph.export") / "page" / name).read_text(encoding="utf-8")


def flags(subgraph: Subgraph) -> dict[str, list[str]]:
    """Node key -> why it is flagged (sorted, distinct), for flagged nodes only."""
    found: dict[str, set[str]] = {}
    for key, node in subgraph.nodes.items():
        for role in node.roles:
            if role in FLAG_ROLES:
                found.setdefault(key, set()).add(FLAG_ROLES[role])
    for edge in subgraph.edges.values():
        if edge.type in FLAG_LINKS:
            found.setdefault(edge.source, set()).add(FLAG_LINKS[edge.type])
    return {key: sorted(reasons) for key, reasons in found.items()}


def pixels_per_unit(n_nodes: int) -> float:
    """Layout units -> cytoscape model pixels: room for labels in small networks, density in big ones."""
    if n_nodes <= 60:
        return 140.0
    if n_nodes >= 600:
        return 64.0
    return 140.0 - 76.0 * math.log10(n_nodes / 60)  # 140 -> 64 between 60 and 600 nodes


def _compact(fields: dict) -> dict:
    """Fields without empty values (the page treats a missing field as empty)."""
    return {k: v for k, v in fields.items() if v not in ("", [], 0.0) or k in ("label", "type")}


# --- static parts -------------------------------------------------------------------------

_SHAPE_SVG = {  # legend symbols, in a 20x20 box
    "ellipse": '<ellipse cx="10" cy="10" rx="8" ry="8"/>',
    "round-rectangle": '<rect x="2" y="3" width="16" height="14" rx="4"/>',
    "rectangle": '<rect x="2" y="3" width="16" height="14"/>',
    "diamond": '<polygon points="10,1 19,10 10,19 1,10"/>',
    "triangle": '<polygon points="10,2 19,18 1,18"/>',
    "hexagon": '<polygon points="5,2 15,2 19,10 15,18 5,18 1,10"/>',
    "vee": '<polygon points="1,2 10,8 19,2 10,19"/>',
    "tag": '<polygon points="1,3 13,3 19,10 13,17 1,17"/>',
}


def _symbol(color: str, shape: str) -> str:
    body = _SHAPE_SVG.get(shape, _SHAPE_SVG["ellipse"])
    return (f'<svg class="sym" viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">'
            f'<g fill="{html.escape(color)}" stroke="#33333355" stroke-width="1">{body}</g></svg>')


def _legend(type_counts: Counter, flagged: int, edge_types: Counter) -> str:
    rows = []
    known = [k.name for k in sorted(schema.BY_NAME.values(), key=lambda k: k.proto)]
    for name in known + sorted(set(type_counts) - set(known)):
        if type_counts.get(name):
            color, shape = meta.style(name)
            rows.append(f'<li>{_symbol(color, shape)}<span>{html.escape(name)}</span>'
                        f'<span class="n">{type_counts[name]:,}</span></li>')
    if flagged:
        rows.append('<li><svg class="sym" viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">'
                    '<circle cx="10" cy="10" r="7" fill="#fff" stroke="#d0021b" stroke-width="3"/></svg>'
                    f'<span>unauthorized / sanctioned</span><span class="n">{flagged:,}</span></li>')
    links = []
    if edge_types.get("POSSIBLY_SAME_AS"):
        links.append('<li><svg class="sym" viewBox="0 0 20 10" width="18" height="10"><line x1="0" y1="5" x2="20" '
                     'y2="5" stroke="#8e44ad" stroke-width="2" stroke-dasharray="4 3"/></svg>'
                     '<span>possibly the same (candidate)</span></li>')
    if edge_types.get("SAME_AS"):
        links.append('<li><svg class="sym" viewBox="0 0 20 10" width="18" height="10"><line x1="0" y1="5" x2="20" '
                     'y2="5" stroke="#8e44ad" stroke-width="3"/></svg><span>same as (confirmed)</span></li>')
    return ('<section id="legend" aria-label="Legend"><h2>Legend</h2><ul>' + "".join(rows) + "</ul>"
            + ("<ul class=\"links\">" + "".join(links) + "</ul>" if links else "") + "</section>")


def _head(subgraph: Subgraph, info: meta.ExportInfo, type_counts: Counter, flagged: int, edge_types: Counter) -> str:
    e = html.escape
    header = info.header(subgraph)
    tlp_name, colour = info.tlp_name, TLP_COLOURS.get(info.tlp, TLP_COLOURS[RED])
    statement = info.tlp_statement.removeprefix(f"{tlp_name} — ")
    generated = f'{header["generated_at"][:10]} {header["generated_at"][11:16]} UTC'
    truncated = ('<span class="warn">truncated: the answer hit its size limit, more exists</span>'
                 if subgraph.truncated else "")
    description = f'<p class="desc">{e(header["description"])}</p>' if header["description"] else ""
    banner = (f'<div class="tlp" role="note" aria-label="{e(tlp_name)}"><span class="tlp-label" '
              f'style="color:{colour}">{e(tlp_name)}</span><span class="tlp-text">{e(statement)}</span></div>')
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="regulink">
<title>{e(tlp_name)} {e(header["title"])}</title>
<style>{_page_file('export.css')}</style>
</head>
<body>
{banner}
<header class="top">
<div class="titles"><h1>{e(header["title"])}</h1>{description}
<p class="facts">Prepared for <b>{e(header["viewer"])}</b> ·
generated <time datetime="{e(header["generated_at"])}">{generated}</time> ·
{len(subgraph.nodes):,} nodes · {len(subgraph.edges):,} links {truncated}</p></div>
<div class="tools"><div class="search"><input id="search" type="search" autocomplete="off" spellcheck="false"
placeholder="Search a name or identifier" aria-label="Search a name or identifier">
<ul id="results" role="listbox" hidden></ul></div>
<button id="fit" type="button" title="Show the whole network">Fit</button></div>
</header>
<main>
<div id="cy" aria-label="Network"></div>
<noscript><p class="noscript">This page needs JavaScript to draw the network.</p></noscript>
<aside><div id="panel" aria-live="polite"><p class="hint">Click a node or a link to see what the records say
about it: names, identifiers, roles, the agencies that reported it, its records and marking.</p></div>
{_legend(type_counts, flagged, edge_types)}</aside>
</main>
<footer>{banner}</footer>
<script>
"""


# --- the writer ---------------------------------------------------------------------------

def write(subgraph: Subgraph, info: meta.ExportInfo, out: BinaryIO) -> None:
    info = meta.checked(subgraph, info)
    positions = layout.layout(subgraph)
    scale = pixels_per_unit(len(subgraph.nodes))
    degree: Counter = Counter()
    for edge in subgraph.edges.values():
        degree[edge.source] += 1
        degree[edge.target] += 1
    flagged = flags(subgraph)
    type_counts = Counter(node.type for node in subgraph.nodes.values())
    edge_types = Counter(edge.type for edge in subgraph.edges.values())

    sink = meta.TextSink(out)
    sink.write(_head(subgraph, info, type_counts, len(flagged), edge_types))
    sink.flush()
    out.write(_cytoscape_js())
    types = {name: {"color": meta.style(name)[0], "shape": meta.style(name)[1]} for name in sorted(type_counts)}
    links = {name: meta.link_label(name) for name in sorted(edge_types)}
    sink.write('\n</script>\n<script type="application/json" id="regulink-data">\n{"info":')
    sink.write(script_json({**info.header(subgraph), "tlp_colour": TLP_COLOURS.get(info.tlp, TLP_COLOURS[RED])}))
    sink.write(f',"types":{script_json(types)},"links":{script_json(links)},"nodes":[')

    def nodes() -> Iterator[dict]:
        for key, node in subgraph.nodes.items():
            x, y = positions[key]
            fields = meta.node_fields(node)
            del fields["color"], fields["shape"]
            item = {"id": meta.clean(key), "x": round(x * scale, 1), "y": round(y * scale, 1),
                    "degree": degree[key], **_compact(fields)}
            if key in flagged:
                item["flags"] = flagged[key]
            yield item

    def edges() -> Iterator[dict]:
        # The page makes an edge's id (source|TYPE|target) and label (from "links") itself.
        for edge in subgraph.edges.values():
            fields = _compact(meta.edge_fields(edge))
            del fields["label"]
            yield {"source": meta.clean(edge.source), "target": meta.clean(edge.target), **fields}

    _write_items(sink, nodes())
    sink.write('],"edges":[')
    _write_items(sink, edges())
    sink.write(f"]}}\n</script>\n<script>\n{_page_file('export.js')}</script>\n</body>\n</html>\n")
    sink.flush()



meta.register("html", write, MEDIA_TYPE, "html", "interactive page, self-contained (cytoscape.js inlined, no network)")
