// The canvas: cytoscape.js drawing what the gateway answered, with undo, pins, a time filter and
// the view's TLP banner (the strictest marking among what is shown).

import { isolated, tlpRank, TLP_ORDER, tlpClass, date } from "./dom.js";

const UNDO_STEPS = 40;
const LABEL_MAX = 42;
const FONTS = 'system-ui, "Segoe UI", "DejaVu Sans", "Noto Sans", sans-serif';
// With the CJK font the console serves (console.css). cytoscape.js keeps a label's size per text and font
// list, so the canvas switches to this list once the font has arrived, and every label is measured anew.
const FONTS_CJK = FONTS.replace("sans-serif", '"regulink CJK", sans-serif');
const COMMUNITY_COLOURS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6",
  "#bcf60c", "#008080", "#9a6324", "#800000", "#808000", "#000075", "#808080"];

export class Canvas {
  constructor(container, model, onChange) {
    this.model = model;
    this.onChange = onChange;
    this.history = [];
    this.until = null; // show only what was reported up to this time (ms), or everything
    this.cy = window.cytoscape({
      container, boxSelectionEnabled: true, selectionType: "additive",
      // While panning or zooming, move a picture of the graph instead of drawing it again each frame:
      // what keeps 2,000 nodes smooth (make bench), the graph is redrawn sharp when the move stops.
      textureOnViewport: true,
      style: this.style(), elements: [], minZoom: 0.05, maxZoom: 4,
    });
    document.fonts.load('11px "regulink CJK"', "漢字かなカナ한").then(() => {
      this.cy.style().selector("node").style("font-family", FONTS_CJK).selector("edge").style("font-family", FONTS_CJK).update();
    }, () => { /* no CJK font: names in those scripts show as the system draws them */ });
  }

  style() {
    const rules = [
      { selector: "node", style: {
        "label": "data(display)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 3,
        "text-wrap": "ellipsis", "text-max-width": 160, "background-color": "#999", "width": 26, "height": 26,
        "border-width": 1, "border-color": "#444", "color": "#1d2430", "font-family": FONTS,
        "min-zoomed-font-size": 7 } },
      { selector: "node[csize]", style: { "width": "data(csize)", "height": "data(csize)" } },
      { selector: "node[ccolor]", style: { "background-color": "data(ccolor)" } },
      { selector: "node.operator", style: { "border-width": 4, "border-color": "#b3261e" } },
      { selector: "node:locked", style: { "border-style": "double", "border-width": 4 } },
      { selector: "node:selected", style: { "overlay-opacity": 0.18, "overlay-color": "#1f5fbf", "border-color": "#1f5fbf", "border-width": 3 } },
      { selector: "node.alert-match", style: { "border-width": 5, "border-color": "#d81b60", "underlay-color": "#d81b60", "underlay-opacity": 0.35, "underlay-padding": 8 } },
      { selector: "node.live", style: { "underlay-color": "#ff9800", "underlay-opacity": 0.55, "underlay-padding": 9 } },
      { selector: "edge", style: {
        "width": 1.5, "line-color": "#8a94a6", "target-arrow-color": "#8a94a6", "target-arrow-shape": "triangle",
        "curve-style": "bezier", "label": "data(display)", "font-size": 9, "color": "#5b6473", "font-family": FONTS,
        "text-rotation": "autorotate", "text-background-color": "#fbfcfd", "text-background-opacity": 1,
        "min-zoomed-font-size": 8 } },
      { selector: 'edge[type = "POSSIBLY_SAME_AS"]', style: {
        "line-style": "dashed", "line-dash-pattern": [6, 4], "line-color": "#c77700", "target-arrow-shape": "none",
        "color": "#8a5200" } },
      { selector: 'edge[type = "SAME_AS"]', style: { "line-color": "#1b7a3d", "width": 3, "target-arrow-shape": "none" } },
      { selector: "edge:selected", style: { "line-color": "#1f5fbf", "width": 3 } },
      { selector: ".path", style: { "line-color": "#1f5fbf", "target-arrow-color": "#1f5fbf", "width": 4, "border-color": "#1f5fbf", "border-width": 3 } },
      { selector: ".later", style: { "display": "none" } },
    ];
    for (const [name, look] of Object.entries(this.model.types)) {
      rules.splice(1, 0, { selector: `node[type = "${name}"]`, style: { "background-color": look.color, "shape": look.shape } });
    }
    return rules;
  }

  // -- elements --------------------------------------------------------------------------------

  nodeData(node) {
    const label = node.label.length > LABEL_MAX ? node.label.slice(0, LABEL_MAX - 1) + "…" : node.label;
    return { ...node, id: node.key, display: (node.cautions ? "⚠ " : "") + isolated(label) };
  }

  edgeData(edge) {
    const label = edge.type === "POSSIBLY_SAME_AS" ? `possibly same · ${edge.score}` : (this.model.links[edge.type] || edge.type);
    return { ...edge, display: label };
  }

  has(key) {
    return this.cy.getElementById(key).nonempty();
  }

  // Add what an answer holds; new nodes go round `around` (a node or a position), known ones stay put.
  add(answer, around = null, { record = true } = {}) {
    if (record) this.remember();
    const fresh = answer.nodes.filter((n) => !this.has(n.key));
    const centre = this.centreOf(around);
    const ring = Math.max(150, 22 * fresh.length);
    const added = this.cy.collection();
    fresh.forEach((node, i) => {
      const angle = (2 * Math.PI * i) / Math.max(fresh.length, 1);
      const position = fresh.length === 1 && !around ? centre
        : { x: centre.x + ring * Math.cos(angle), y: centre.y + ring * Math.sin(angle) };
      added.merge(this.cy.add({ group: "nodes", data: this.nodeData(node), position }));
    });
    for (const node of answer.nodes) {
      const existing = this.cy.getElementById(node.key);
      if (!fresh.includes(node)) existing.data(this.nodeData(node));
    }
    for (const edge of answer.edges) {
      if (!this.has(edge.id) && this.has(edge.source) && this.has(edge.target)) {
        added.merge(this.cy.add({ group: "edges", data: this.edgeData(edge) }));
      }
    }
    if (this.until !== null) added.forEach((e) => e.toggleClass("later", e.data("first_ms") > this.until));
    this.changed();
    if (added.nonempty() && !this.inView(added)) this.cy.animate({ fit: { eles: this.cy.elements(), padding: 40 } }, { duration: 200 });
    return added;
  }

  inView(elements) {
    const view = this.cy.extent();
    const box = elements.boundingBox();
    return box.x1 >= view.x1 && box.x2 <= view.x2 && box.y1 >= view.y1 && box.y2 <= view.y2;
  }

  centreOf(around) {
    if (around && typeof around === "string" && this.has(around)) return this.cy.getElementById(around).position();
    if (around && typeof around === "object" && "x" in around) return around;
    const extent = this.cy.extent();
    return this.cy.nodes().nonempty() ? { x: (extent.x1 + extent.x2) / 2, y: (extent.y1 + extent.y2) / 2 } : { x: 0, y: 0 };
  }

  remove(elements) {
    if (elements.empty()) return;
    this.remember();
    elements.remove();
    this.changed();
  }

  togglePin(nodes) {
    if (nodes.empty()) return;
    this.remember();
    const lock = nodes.some((n) => !n.locked());
    nodes.forEach((n) => (lock ? n.lock() : n.unlock()));
    this.changed();
  }

  relayout() {
    if (this.cy.nodes().empty()) return;
    this.remember();
    const layout = this.cy.elements(":visible").layout({ name: "cose", animate: false, randomize: false, fit: true, padding: 50,
      nodeDimensionsIncludeLabels: true, nodeRepulsion: () => 8000, idealEdgeLength: () => 100, numIter: 800 });
    layout.run();
    if (this.cy.zoom() > 1.2) { // a few nodes: keep labels at a readable size rather than fill the screen
      this.cy.zoom(1.2);
      this.cy.center();
    }
    this.changed();
  }

  clearAll({ record = true } = {}) {
    if (record) this.remember();
    this.cy.elements().remove();
    this.changed();
  }

  // -- undo ----------------------------------------------------------------------------------

  remember() {
    this.history.push(this.cy.elements().jsons());
    if (this.history.length > UNDO_STEPS) this.history.shift();
  }

  undo() {
    const last = this.history.pop();
    if (!last) return false;
    this.cy.elements().remove();
    this.cy.add(last);
    this.changed();
    return true;
  }

  // -- time ----------------------------------------------------------------------------------

  timeRange() {
    const times = this.cy.elements().map((e) => e.data("first_ms")).filter((t) => t > 0);
    return times.length ? [Math.min(...times), Math.max(...times)] : [0, 0];
  }

  setUntil(ms) {
    this.until = ms;
    this.cy.batch(() => {
      this.cy.elements().forEach((e) => {
        const later = ms !== null && e.data("first_ms") > ms;
        e.toggleClass("later", later);
      });
    });
    this.changed();
  }

  // -- what is shown ---------------------------------------------------------------------------

  shown() {
    return this.cy.elements().filter((e) => !e.hasClass("later"));
  }

  shownNodes() {
    return this.shown().nodes();
  }

  // The view's marking: the strictest among what is shown ("" when nothing is).
  marking() {
    const shown = this.shown();
    if (shown.empty()) return "";
    return TLP_ORDER[Math.max(...shown.map((e) => tlpRank(e.data("tlp"))))];
  }

  // What the console's exports and saved investigations are made of.
  selection() {
    const shown = this.shown();
    return {
      node_keys: shown.nodes().map((n) => n.id()),
      edge_keys: shown.edges().map((e) => e.id()),
      until_ms: this.until,
    };
  }

  snapshot(title) {
    return {
      nodes: this.cy.nodes().map((n) => ({ key: n.id(), x: n.position("x"), y: n.position("y"), pinned: n.locked() })),
      edges: this.cy.edges().map((e) => e.id()),
      until_ms: this.until, title,
    };
  }

  restore(canvas, elements) {
    this.remember();
    this.cy.elements().remove();
    const places = new Map(canvas.nodes.map((n) => [n.key, n]));
    for (const node of elements.nodes) {
      const place = places.get(node.key) || { x: 0, y: 0 };
      const added = this.cy.add({ group: "nodes", data: this.nodeData(node), position: { x: place.x, y: place.y } });
      if (place.pinned) added.lock();
    }
    for (const edge of elements.edges) {
      if (this.has(edge.source) && this.has(edge.target)) this.cy.add({ group: "edges", data: this.edgeData(edge) });
    }
    this.cy.fit(undefined, 40);
    this.setUntil(canvas.until_ms ?? null);
  }

  // -- analysis --------------------------------------------------------------------------------

  colourCommunities(communities, ranking) {
    this.remember();
    const top = Math.max(...ranking.map((r) => r.pagerank), 1e-9);
    const rank = new Map(ranking.map((r) => [r.key, r.pagerank]));
    this.cy.batch(() => {
      communities.forEach((keys, i) => keys.forEach((key) => {
        const node = this.cy.getElementById(key);
        if (node.nonempty()) node.data("ccolor", COMMUNITY_COLOURS[i % COMMUNITY_COLOURS.length]);
      }));
      for (const [key, value] of rank) {
        const node = this.cy.getElementById(key);
        if (node.nonempty()) node.data("csize", Math.round(18 + 42 * (value / top)));
      }
    });
    this.changed();
  }

  changed() {
    this.onChange(this);
  }
}

export function markingBanner(tlp) {
  return { text: tlp ? `${tlp} — the strictest marking on this view` : "Nothing shown yet", className: tlp ? tlpClass(tlp) : "" };
}

export { date };
