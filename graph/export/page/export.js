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
