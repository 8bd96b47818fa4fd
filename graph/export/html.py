"""A self-contained interactive HTML page of a visible subgraph (DESIGN decision 8).

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
<style>{_CSS}</style>
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
    sink.write(f"]}}\n</script>\n<script>\n{_APP}\n</script>\n</body>\n</html>\n")
    sink.flush()



_CSS = """
:root{--ink:#1d2430;--muted:#5b6675;--line:#d9dee5;--bg:#f6f7f9;--accent:#1f6feb;--flag:#d0021b}
*{box-sizing:border-box}
html,body{height:100%;margin:0}
body{display:flex;flex-direction:column;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",
"Noto Sans CJK JP","Hiragino Sans",Meiryo,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
.tlp{display:flex;gap:14px;align-items:baseline;background:#000;color:#eee;padding:6px 16px;font-size:13px}
.tlp-label{font-weight:700;letter-spacing:.04em;white-space:nowrap;font-size:14px}
.tlp-text{opacity:.9}
header.top{display:flex;align-items:flex-start;justify-content:space-between;gap:16px;padding:10px 16px;
background:#fff;border-bottom:1px solid var(--line)}
h1{font-size:18px;margin:0 0 2px;font-weight:650}
.desc{margin:0 0 2px;color:var(--muted)}
.facts{margin:0;color:var(--muted);font-size:13px}
.facts b{color:var(--ink);font-weight:600}
.warn{color:#9a5b00;font-weight:600;margin-left:6px}
.tools{display:flex;gap:8px;align-items:flex-start}
.search{position:relative}
#search{width:300px;padding:7px 10px;border:1px solid #b9c1cc;border-radius:6px;font:inherit}
#search:focus{outline:2px solid var(--accent);outline-offset:0;border-color:transparent}
#results{position:absolute;z-index:20;top:36px;right:0;width:420px;margin:0;padding:4px 0;list-style:none;
background:#fff;border:1px solid var(--line);border-radius:6px;box-shadow:0 6px 18px #0002;max-height:320px;
overflow:auto}
#results li{display:flex;gap:8px;align-items:center;padding:5px 10px;cursor:pointer;white-space:nowrap}
#results .name{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis}
#results li:hover,#results li.active{background:#eef4ff}
#results li.none{color:var(--muted);cursor:default}
#results .dot{width:10px;height:10px;border-radius:50%;flex:none}
#results .t{color:var(--muted);font-size:12px;flex:none}
button{font:inherit;padding:6px 12px;border:1px solid #b9c1cc;border-radius:6px;background:#fff;cursor:pointer}
button:hover{background:#eef4ff}
main{flex:1;position:relative;min-height:0;display:flex}
#cy{flex:1;min-width:0;background:#fff}
aside{width:360px;flex:none;display:flex;flex-direction:column;background:#fff;border-left:1px solid var(--line)}
#legend{flex:none;border-top:1px solid var(--line);padding:10px 16px;font-size:12.5px;max-height:45%;overflow:auto;
background:#fafbfc}
#legend h2{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 4px}
#legend ul{list-style:none;margin:0;padding:0}
#legend ul.links{margin-top:4px;padding-top:4px;border-top:1px solid var(--line)}
#legend li{display:flex;align-items:center;gap:8px;padding:1px 0}
#legend .n{margin-left:auto;padding-left:14px;color:var(--muted);font-variant-numeric:tabular-nums}
.sym{flex:none}
#panel{flex:1;overflow:auto;padding:14px 16px}
#panel .hint{color:var(--muted)}
#panel .kind{display:flex;align-items:center;gap:6px;color:var(--muted);font-size:12px;text-transform:uppercase;
letter-spacing:.05em}
#panel h2{font-size:17px;margin:4px 0 6px;word-break:break-word}
#panel h3{font-size:11.5px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:14px 0 4px}
#panel ul{margin:0;padding-left:18px}
#panel li{word-break:break-word}
#panel .mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:12.5px}
#panel .flag{display:inline-block;background:var(--flag);color:#fff;font-size:11.5px;font-weight:700;
text-transform:uppercase;letter-spacing:.04em;border-radius:4px;padding:2px 7px;margin:0 6px 4px 0}
#panel .chip{display:inline-block;background:#000;font-weight:700;font-size:12px;border-radius:4px;padding:2px 8px}
#panel dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:0}
#panel dt{color:var(--muted)}
#panel dd{margin:0}
#panel a{color:var(--accent);cursor:pointer;text-decoration:none}
#panel a:hover{text-decoration:underline}
.noscript{padding:20px}
footer .tlp{justify-content:center}
"""

_APP = r"""
"use strict";
(function () {
  var t0 = performance.now(), timings = {};
  var data = JSON.parse(document.getElementById("regulink-data").textContent);
  var nodes = data.nodes, edges = data.edges, types = data.types;
  var big = nodes.length > 1500 || edges.length > 4000;
  var FALLBACK = {color: "#999999", shape: "ellipse"};
  var BADGE = "data:image/svg+xml;utf8," + encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">' +
    '<circle cx="16" cy="16" r="14" fill="#d0021b" stroke="#fff" stroke-width="3"/>' +
    '<rect x="14" y="7" width="4" height="12" rx="1.5" fill="#fff"/>' +
    '<circle cx="16" cy="24" r="2.4" fill="#fff"/></svg>');

  function short(text) {  // an address keeps both ends (0x5290840009…2E4169EE7), a name its start
    if (text.length <= 30) return text;
    return /\s/.test(text) ? text.slice(0, 28) + "…" : text.slice(0, 12) + "…" + text.slice(-8);
  }
  function size(degree) {  // hubs bigger; smaller overall in a big network
    return big ? Math.min(48, 14 + 4 * Math.sqrt(degree)) : Math.min(64, 22 + 5 * Math.sqrt(degree));
  }
  function list(v) { return v || []; }

  timings.parse = performance.now() - t0;
  var byId = Object.create(null);
  var elements = [];
  nodes.forEach(function (n) {
    var style = types[n.type] || FALLBACK;
    byId[n.id] = n;
    var d = {id: n.id, label: short(n.label), type: n.type, color: style.color, shape: style.shape,
             size: size(n.degree || 0), font: n.flags ? 14 : Math.min(18, 11 + Math.sqrt(n.degree || 0))};
    elements.push({group: "nodes", data: d, position: {x: n.x, y: n.y}, classes: n.flags ? "flagged" : ""});
  });
  var edgeById = Object.create(null), edgeByKey = Object.create(null);
  edges.forEach(function (e, i) {
    // An id no node key can have (keys are cleaned of C0 controls), whatever "|" the keys hold.
    e.id = "\u0001" + i;
    e.label = data.links[e.type] || e.type;
    edgeById[e.id] = e;
    edgeByKey[e.source + "|" + e.type + "|" + e.target] = e.id;  // graph.export.meta.edge_id
    elements.push({group: "edges", data: {id: e.id, source: e.source, target: e.target, label: e.label,
                                          type: e.type}, classes: "t-" + e.type});
  });

  var styles = [
    {selector: "node", style: {
      "background-color": "data(color)", "shape": "data(shape)", "width": "data(size)", "height": "data(size)",
      "border-width": 1, "border-color": "#000000", "border-opacity": 0.3,
      "label": "data(label)", "font-size": "data(font)", "color": "#1d2430",
      "font-family": "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, Noto Sans CJK JP, Hiragino Sans, " +
                     "Meiryo, sans-serif",
      "text-valign": "bottom", "text-halign": "center", "text-margin-y": 4,
      "text-outline-color": "#ffffff", "text-outline-width": big ? 0 : 2.5,
      "min-zoomed-font-size": big ? 13 : 0}},
    {selector: "node.flagged", style: {
      "border-width": 4, "border-color": "#d0021b", "outline-width": 2, "outline-color": "#d0021b",
      "outline-offset": 2, "color": "#b00014", "font-weight": "bold",
      "background-image": BADGE, "background-width": "55%", "background-height": "55%",
      "background-position-x": "100%", "background-position-y": "0%", "background-clip": "none",
      "background-image-containment": "over", "bounds-expansion": 8, "border-opacity": 1}},
    {selector: "edge", style: {
      "width": 1.6, "line-color": "#9aa5b4", "target-arrow-color": "#9aa5b4", "opacity": big ? 0.55 : 0.9,
      "curve-style": big ? "haystack" : "bezier", "target-arrow-shape": big ? "none" : "triangle",
      "arrow-scale": 0.9,
      "label": big ? "" : "data(label)", "font-size": 10, "color": "#5b6675", "text-rotation": "autorotate",
      "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 1,
      "min-zoomed-font-size": 8}},
    {selector: "edge.t-HAS_IDENTIFIER", style: {"line-style": "solid", "width": 1.1, "line-color": "#b9c1cc",
                                                "target-arrow-color": "#b9c1cc"}},
    {selector: "edge.t-POSSIBLY_SAME_AS", style: {"line-style": "dashed", "line-color": "#8e44ad",
                                                  "target-arrow-shape": "none", "color": "#8e44ad"}},
    {selector: "edge.t-SAME_AS", style: {"width": 3, "line-color": "#8e44ad", "target-arrow-shape": "none"}},
    {selector: "edge.t-NOT_SAME_AS", style: {"line-style": "dotted", "line-color": "#b9c1cc",
                                             "target-arrow-shape": "none"}},
    {selector: ".faded", style: {"opacity": 0.12, "text-opacity": 0}},
    {selector: "node.match", style: {"underlay-color": "#ffc400", "underlay-padding": 9, "underlay-opacity": 0.75,
                                     "underlay-shape": "ellipse", "min-zoomed-font-size": 0, "z-index": 20}},
    {selector: "edge.near", style: {"label": "data(label)", "opacity": 1, "width": 2.2, "line-color": "#5b6675",
                                    "target-arrow-color": "#5b6675", "min-zoomed-font-size": 0}},
    {selector: "node.near", style: {"min-zoomed-font-size": 0}},
    {selector: "node:selected", style: {"overlay-color": "#1f6feb", "overlay-opacity": 0.18, "overlay-padding": 8,
                                        "border-width": 3, "border-color": "#1f6feb", "z-index": 30,
                                        "min-zoomed-font-size": 0}},
    {selector: "edge:selected", style: {"line-color": "#1f6feb", "target-arrow-color": "#1f6feb", "width": 3.5,
                                        "label": "data(label)", "opacity": 1, "min-zoomed-font-size": 0}}
  ];

  timings.elements = performance.now() - t0;
  // The first view from the known positions (cheaper than fitting measured labels): whole network,
  // a small one at a readable size rather than blown up.
  var view = (function () {
    var box = document.getElementById("cy").getBoundingClientRect(), pad = 50;
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    nodes.forEach(function (n) {
      x0 = Math.min(x0, n.x); y0 = Math.min(y0, n.y); x1 = Math.max(x1, n.x); y1 = Math.max(y1, n.y);
    });
    if (!nodes.length) return {zoom: 1, pan: {x: 0, y: 0}};
    var zoom = Math.min(1.1, (box.width - 2 * pad) / Math.max(x1 - x0, 1),
                        (box.height - 2 * pad) / Math.max(y1 - y0, 1));
    zoom = Math.max(zoom, 0.02);
    return {zoom: zoom, pan: {x: box.width / 2 - zoom * (x0 + x1) / 2, y: box.height / 2 - zoom * (y0 + y1) / 2}};
  })();
  var cy = cytoscape({
    container: document.getElementById("cy"), elements: elements, style: styles,
    layout: {name: "preset", fit: false}, zoom: view.zoom, pan: view.pan,
    minZoom: 0.02, maxZoom: 5, boxSelectionEnabled: false, selectionType: "single",
    textureOnViewport: big, hideEdgesOnViewport: big, motionBlur: false, pixelRatio: big ? 1 : "auto"
  });
  timings.cytoscape = performance.now() - t0;
  cy.nodes().ungrabify();

  // --- side panel --------------------------------------------------------------------------------
  var panel = document.getElementById("panel");
  (function summary() {  // who reported what is in this export, under the hint
    var count = Object.create(null);
    nodes.forEach(function (n) { list(n.agencies).forEach(function (a) { count[a] = (count[a] || 0) + 1; }); });
    var names = Object.keys(count).sort();
    if (!names.length) return;
    panel.appendChild(el("h3", "", "Reported by (nodes)"));
    var ul = el("ul");
    names.forEach(function (a) { ul.appendChild(el("li", "", a + " — " + count[a].toLocaleString("en"))); });
    panel.appendChild(ul);
  })();
  var hint = Array.prototype.slice.call(panel.childNodes);
  function showHint() { panel.textContent = ""; hint.forEach(function (c) { panel.appendChild(c); }); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function section(title, values, mono) {
    values = list(values);
    if (!values.length) return;
    panel.appendChild(el("h3", "", title));
    var ul = el("ul", mono ? "mono" : "");
    values.forEach(function (v) { ul.appendChild(el("li", "", v)); });
    panel.appendChild(ul);
  }
  function facts(rows) {
    var dl = el("dl");
    rows.forEach(function (r) {
      if (r[1] === undefined || r[1] === "" || r[1] === null) return;
      dl.appendChild(el("dt", "", r[0]));
      var dd = el("dd");
      if (r[0] === "TLP") {
        var chip = el("span", "chip", r[1]);
        chip.style.color = tlpColour(r[1]);
        dd.appendChild(chip);
      } else {
        dd.textContent = r[1];
      }
      dl.appendChild(dd);
    });
    panel.appendChild(dl);
  }
  function when(iso) { return iso ? iso.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC") : ""; }
  function tlpColour(name) {
    if (name.indexOf("RED") >= 0) return "#FF2B2B";
    if (name.indexOf("AMBER") >= 0) return "#FFC000";
    if (name.indexOf("GREEN") >= 0) return "#33FF00";
    return "#FFFFFF";
  }
  function link(text, id) {
    var a = el("a", "", text);
    a.href = "#";
    a.addEventListener("click", function (ev) { ev.preventDefault(); select(id); });
    return a;
  }
  function kind(typeName) {
    var style = types[typeName] || FALLBACK;
    var k = el("div", "kind");
    var dot = el("span");
    dot.style.cssText = "width:11px;height:11px;border-radius:3px;display:inline-block;background:" + style.color;
    k.appendChild(dot);
    k.appendChild(document.createTextNode(typeName));
    return k;
  }
  function showNode(n) {
    panel.textContent = "";
    panel.appendChild(kind(n.type));
    panel.appendChild(el("h2", "", n.label));
    list(n.flags).forEach(function (f) { panel.appendChild(el("span", "flag", f)); });
    facts([["TLP", n.tlp], ["First seen", when(n.first_seen)], ["Last seen", when(n.last_seen)],
           ["Links", String(n.degree || 0)]]);
    section("Names", n.names);
    section("Caution", n.cautions);
    section("Identifiers", n.identifiers, true);
    section("Roles", list(n.roles).map(function (r) { return r.replace(/_/g, " "); }));
    section("Attributes", n.attributes);
    section("Reported by", n.agencies);
    section("Records", n.records, true);
    var around = cy.getElementById(n.id).connectedEdges();
    if (around.length) {
      panel.appendChild(el("h3", "", "Links"));
      var ul = el("ul");
      around.slice(0, 200).forEach(function (edge) {
        var e = edgeById[edge.id()], outgoing = e.source === n.id;
        var other = byId[outgoing ? e.target : e.source];
        var li = el("li");
        li.appendChild(link(outgoing ? e.label + " →" : "← " + e.label, e.id));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(link(other.label, other.id));
        ul.appendChild(li);
      });
      if (around.length > 200) ul.appendChild(el("li", "", "… and " + (around.length - 200) + " more"));
      panel.appendChild(ul);
    }
  }
  function showEdge(e) {
    panel.textContent = "";
    panel.appendChild(kind("link"));
    panel.appendChild(el("h2", "", e.label));
    var dl = el("p");
    dl.appendChild(link(byId[e.source].label, e.source));
    dl.appendChild(document.createTextNode(" → "));
    dl.appendChild(link(byId[e.target].label, e.target));
    panel.appendChild(dl);
    facts([["TLP", e.tlp], ["Score", e.score ? e.score.toFixed(2) : ""], ["Observed", when(e.observed_at)],
           ["First seen", when(e.first_seen)], ["Last seen", when(e.last_seen)]]);
    section("Evidence", e.evidence);
    section("Reported by", e.agencies);
    section("Records", e.records, true);
  }

  // --- selection and highlighting ----------------------------------------------------------------
  function clearMarks() { cy.elements().removeClass("faded near match"); }
  function focus(ele) {
    cy.batch(function () {
      clearMarks();
      var keep = ele.isNode() ? ele.closedNeighborhood() : ele.union(ele.connectedNodes());
      keep.addClass("near");
      if (!big || keep.length < 400) cy.elements().not(keep).addClass("faded");
    });
  }
  function select(id) {  // a node key, or an edge as "source|TYPE|target" (or its element id)
    if (!(id in byId) && !(id in edgeById) && id in edgeByKey) id = edgeByKey[id];
    var ele = cy.getElementById(id);
    if (!ele.length) return false;
    cy.elements(":selected").unselect();
    ele.select();
    focus(ele);
    if (ele.isNode()) showNode(byId[id]); else showEdge(edgeById[id]);
    var extent = cy.extent(), box = ele.boundingBox();
    if (box.x1 < extent.x1 || box.x2 > extent.x2 || box.y1 < extent.y1 || box.y2 > extent.y2 || cy.zoom() < 0.6) {
      cy.animate({center: {eles: ele}, zoom: Math.max(cy.zoom(), 1.1)}, {duration: 250});
    }
    return true;
  }
  function frame(eles) {  // show these elements whole, but never blown up beyond a readable size
    var box = eles.boundingBox(), pad = 80;
    var zoom = Math.min(1.2, (cy.width() - 2 * pad) / Math.max(box.w, 1),
                        (cy.height() - 2 * pad) / Math.max(box.h, 1));
    cy.animate({center: {eles: eles}, zoom: Math.max(zoom, cy.minZoom())}, {duration: 250});
  }
  cy.on("tap", "node, edge", function (ev) { select(ev.target.id()); });
  cy.on("tap", function (ev) {
    if (ev.target === cy) { clearMarks(); cy.elements(":selected").unselect(); showHint(); }
  });

  // --- search --------------------------------------------------------------------------------------
  function fold(s) { return (s || "").normalize("NFKC").toLowerCase(); }
  var haystack = nodes.map(function (n) {
    return fold([n.label].concat(list(n.names), list(n.identifiers), [n.id]).join("\u0001"));
  });
  var input = document.getElementById("search"), results = document.getElementById("results");
  var found = [];
  function search(text) {
    var q = fold(text).trim();
    found = [];
    if (q) for (var i = 0; i < nodes.length; i++) if (haystack[i].indexOf(q) >= 0) found.push(nodes[i]);
    cy.batch(function () {
      clearMarks();
      if (!q) return;
      var hits = cy.collection();
      found.forEach(function (n) { hits = hits.union(cy.getElementById(n.id)); });
      hits.addClass("match");
      if (found.length) cy.elements().not(hits).addClass("faded");
    });
    results.textContent = "";
    results.hidden = !q;
    if (!q) return 0;
    if (!found.length) results.appendChild(el("li", "none", "No visible node matches"));
    found.slice(0, 15).forEach(function (n, i) {
      var li = el("li", i === 0 ? "active" : "");
      li.setAttribute("role", "option");
      var dot = el("span", "dot");
      dot.style.background = (types[n.type] || FALLBACK).color;
      li.appendChild(dot);
      li.appendChild(el("span", "name", n.label));
      li.appendChild(el("span", "t", n.type));
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(n.id); });
      results.appendChild(li);
    });
    if (found.length > 15) results.appendChild(el("li", "none", (found.length - 15) + " more highlighted"));
    if (found.length) frame(cy.nodes(".match"));
    return found.length;
  }
  function pick(id) { results.hidden = true; select(id); cy.getElementById(id).addClass("match"); }
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(input.value); }, nodes.length > 3000 ? 200 : 60);
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { clearTimeout(timer); search(input.value); if (found.length) pick(found[0].id); }
    if (ev.key === "Escape") { input.value = ""; search(""); }
  });
  input.addEventListener("blur", function () { setTimeout(function () { results.hidden = true; }, 150); });
  document.getElementById("fit").addEventListener("click", function () {
    cy.animate({fit: {padding: 40}, duration: 250});
  });

  window.regulink = {cy: cy, data: data, search: search, select: select, timings: timings,
                     ready: true};
  cy.one("render", function () { timings.rendered = performance.now() - t0; });
})();
"""


meta.register("html", write, MEDIA_TYPE, "html", "interactive page, self-contained (cytoscape.js inlined, no network)")
