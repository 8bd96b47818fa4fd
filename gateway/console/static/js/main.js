// The console page: wires the search, the canvas, the card and the tools together.

import { post, download, on } from "./api.js";
import { el, clear, name, tlpBadge, date } from "./dom.js";
import { Canvas, markingBanner } from "./canvas.js";
import { Search } from "./search.js";
import { Card } from "./card.js";
import { Live } from "./live.js";
import { AlertsPanel } from "./alerts.js";

const $ = (id) => document.getElementById(id);
const status = $("status");

function say(text, error = false) {
  status.textContent = text;
  status.classList.toggle("error", error);
}

function failed(error) {
  say(error.message, true);
}

async function boot() {
  const session = await post("/api/session");
  $("who").textContent = `${session.agency}${session.person ? " · " + session.person : ""} · gateway ${session.target}`;
  for (const type of Object.keys(session.model.types)) {
    $("search-type").append(el("option", { value: type, text: type }));
    $("expand-type").append(el("option", { value: type, text: type }));
  }
  for (const format of session.formats) $("export-format").append(el("option", { value: format, text: format }));
  $("expand-cap").value = session.expand_cap;
  $("expand-cap").max = session.expand_most;

  const canvas = new Canvas($("cy"), session.model, refreshView);
  const cy = canvas.cy;
  const card = new Card($("card"), session, {
    addLinked: (node, link) => {
      canvas.add({ nodes: [link.node, node], edges: [link.edge] }, node.key);
      cy.getElementById(link.node.key).select();
    },
    decided: async (edge, verdict) => {
      const answer = await post("/api/elements", { node_keys: [edge.source, edge.target], all_links: true });
      canvas.remember();
      cy.getElementById(edge.id).remove();
      canvas.add(answer, null, { record: false });
      say(`${verdict === "same" ? "confirmed" : "rejected"}: the candidate is replaced by the signed decision`);
    },
  });
  window.regulink = { canvas, card, session, ready: false };

  // -- the view's marking and the time slider ------------------------------------------------
  function refreshView() {
    const banner = markingBanner(canvas.marking());
    for (const id of ["tlp-top", "tlp-bottom"]) {
      $(id).textContent = banner.text;
      $(id).className = `tlp-banner ${banner.className}`;
    }
    const [first, last] = canvas.timeRange();
    const slider = $("time");
    slider.disabled = first === last;
    slider.min = String(first);
    slider.max = String(last);
    if (canvas.until === null) slider.value = String(last);
    $("time-out").textContent = canvas.until === null ? "all" : date(canvas.until);
  }
  $("time").addEventListener("input", () => {
    const value = Number($("time").value);
    canvas.setUntil(value >= Number($("time").max) ? null : value);
  });
  $("time-all").addEventListener("click", () => canvas.setUntil(null));

  // -- search ------------------------------------------------------------------------------------
  const search = new Search($("search-input"), $("search-results"), $("search-type"), (hit) => {
    canvas.add({ nodes: [hit], edges: [] });
    cy.$(":selected").unselect();
    cy.getElementById(hit.key).select();
    cy.center(cy.getElementById(hit.key));
    card.showNode(hit.key, { focus: true });
    say(`added ${hit.label}`);
  }, failed);

  // -- selection → card ------------------------------------------------------------------------
  cy.on("tap", "node", (event) => card.showNode(event.target.id()));
  cy.on("tap", "edge", (event) => {
    const edge = event.target;
    card.showEdge(edge.data(), [edge.source().data("label"), edge.target().data("label")]);
  });
  cy.on("tap", "node", (event) => event.target.removeClass("live"));

  // -- canvas tools -------------------------------------------------------------------------------
  const selectedNodes = () => cy.nodes(":selected");
  const one = (what) => {
    const nodes = selectedNodes();
    if (nodes.length !== 1) { say(`select one node to ${what}`, true); return null; }
    return nodes[0];
  };

  async function expand() {
    const node = one("expand");
    if (!node) return;
    const types = $("expand-type").value ? [$("expand-type").value] : [];
    const cap = Math.max(1, Math.min(Number($("expand-cap").value) || session.expand_cap, session.expand_most));
    const started = performance.now();
    try {
      const answer = await post("/api/expand", { key: node.id(), types, cap });
      const added = canvas.add(answer, node.id());
      // Click to drawn (make bench): the frame after the one that drew the new nodes.
      requestAnimationFrame(() => requestAnimationFrame(() => {
        window.regulink.lastExpansion = { ms: performance.now() - started, added: added.nodes().length };
      }));
      let text = `${answer.shown} neighbours shown`;
      if (answer.cut) text += `; ${answer.cut} more cut by the cap of ${cap}`;
      if (answer.hub_cut) text += "; the gateway also capped this hub's links (there are more)";
      say(text);
    } catch (error) { failed(error); }
  }

  async function paths() {
    const nodes = selectedNodes();
    if (nodes.length !== 2) return say("select two nodes (Shift+click) to find the paths between them", true);
    try {
      const answer = await post("/api/paths", { from: nodes[0].id(), to: nodes[1].id() });
      if (!answer.paths.length) return say("no path you may see within 6 hops");
      const a = nodes[0].position(), b = nodes[1].position();
      canvas.add(answer, { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
      cy.elements().removeClass("path");
      for (const path of answer.paths) {
        path.forEach((key, i) => {
          cy.getElementById(key).addClass("path");
          if (i) cy.edges().filter((e) => (e.source().id() === path[i - 1] && e.target().id() === key)
            || (e.target().id() === path[i - 1] && e.source().id() === key)).addClass("path");
        });
      }
      say(`${answer.paths.length} shortest path(s) of ${answer.paths[0].length - 1} hops`);
    } catch (error) { failed(error); }
  }

  async function operators() {
    const node = one("look for operators near");
    if (!node) return;
    try {
      const answer = await post("/api/operators", { key: node.id(), hops: 3 });
      canvas.add(answer, node.id());
      for (const o of answer.operators) cy.getElementById(o.key).addClass("operator");
      card.showList(`Unauthorized operators near ${node.data("label")}`, answer.operators, (o) => el("li", {},
        el("button", { class: "linkbtn", onclick: () => { cy.$(":selected").unselect(); cy.getElementById(o.key).select(); card.showNode(o.key); } },
          name(o.label)), ` · ${o.distance} hop(s)`));
      say(`${answer.operators.length} unauthorized operator(s) within 3 hops`);
    } catch (error) { failed(error); }
  }

  async function overlaps() {
    try {
      const answer = await post("/api/overlaps", {});
      card.showList("Reported by several agencies", answer.overlaps, (o) => el("li", {},
        el("button", { class: "linkbtn", title: "add to the canvas", onclick: () => { canvas.add({ nodes: [o.node], edges: [] }); card.showNode(o.node.key); } },
          name(o.node.label)), ` · ${o.node.type} · ${o.agencies.join(", ")} (${o.kinds.join(", ")}) `, tlpBadge(o.node.tlp)));
      say(`${answer.overlaps.length} entities reported by two agencies or more${answer.more ? " (first page)" : ""}`);
    } catch (error) { failed(error); }
  }

  async function analyze() {
    const node = one("analyze around");
    if (!node) return;
    try {
      const answer = await post("/api/analyze", { key: node.id() });
      canvas.colourCommunities(answer.communities, answer.ranking);
      say(`${answer.communities.length} communities (colour) and PageRank (size) in the 2-hop neighbourhood`);
    } catch (error) { failed(error); }
  }

  const tools = {
    expand, paths, operators, overlaps, analyze,
    remove: () => canvas.remove(cy.$(":selected")),
    pin: () => canvas.togglePin(selectedNodes()),
    relayout: () => canvas.relayout(),
    undo: () => { if (!canvas.undo()) say("nothing to undo"); },
  };
  for (const [id, action] of Object.entries(tools)) $(id).addEventListener("click", action);

  // -- export and saved investigations ----------------------------------------------------------
  $("export").addEventListener("click", async () => {
    const selection = canvas.selection();
    if (!selection.node_keys.length) return say("nothing on the canvas to export", true);
    say("the gateway is making the file…");
    try {
      const file = await download("/api/export", { ...selection, format: $("export-format").value, title: $("save-name").value || "Investigation" });
      const url = URL.createObjectURL(file.blob);
      const link = el("a", { href: url, download: file.filename });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      say(`exported ${file.nodes} nodes and ${file.edges} links as ${file.filename} (${file.tlp})`);
    } catch (error) { failed(error); }
  });

  async function listSaved() {
    const answer = await post("/api/investigations/list");
    const list = clear($("saved-list"));
    list.append(el("option", { value: "", text: answer.investigations.length ? "saved investigations…" : "none saved yet" }));
    for (const item of answer.investigations) {
      list.append(el("option", { value: item.name, text: `${item.name} (${item.nodes} nodes, ${item.saved_by || "?"}, ${date(item.saved_ms)})` }));
    }
  }
  $("save").addEventListener("click", async () => {
    const title = $("save-name").value.trim();
    if (!title) return say("name the investigation first", true);
    try {
      const answer = await post("/api/investigations/save", { name: title, canvas: canvas.snapshot(title) });
      say(`saved "${answer.name}" (${answer.nodes} nodes)`);
      await listSaved();
    } catch (error) { failed(error); }
  });
  $("open").addEventListener("click", async () => {
    const chosen = $("saved-list").value;
    if (!chosen) return say("choose a saved investigation", true);
    try {
      const answer = await post("/api/investigations/open", { name: chosen });
      canvas.restore(answer.canvas, answer.elements);
      $("save-name").value = chosen;
      const missing = answer.canvas.nodes.length - answer.elements.nodes.length;
      say(`opened "${chosen}"${missing ? `: ${missing} node(s) you may no longer see were left out` : ""}`);
    } catch (error) { failed(error); }
  });
  $("delete").addEventListener("click", async () => {
    const chosen = $("saved-list").value;
    if (!chosen) return;
    try {
      await post("/api/investigations/delete", { name: chosen });
      say(`deleted "${chosen}"`);
      await listSaved();
    } catch (error) { failed(error); }
  });

  // -- alerts ---------------------------------------------------------------------------------------
  // Open on canvas: the alert's elements as the agency may see them now, added as an expansion is
  // (styles, banner, undo), with what matched highlighted and its card shown.
  async function openAlert(alert) {
    try {
      const answer = await post("/api/alerts/open", { alert_id: alert.alert_id });
      if (!answer.nodes.length) return say(`alert #${alert.alert_id}: nothing of it is left that you may see now`, true);
      canvas.add(answer, answer.matched.find((key) => canvas.has(key)) || null);
      cy.nodes(".alert-match").removeClass("alert-match");
      const matched = cy.nodes().filter((n) => answer.matched.includes(n.id()));
      matched.addClass("alert-match");
      cy.$(":selected").unselect();
      matched.select();
      if (matched.nonempty()) card.showNode(matched[0].id());
      let text = `alert #${alert.alert_id} on the canvas: ${answer.nodes.length} node(s), ${answer.edges.length} link(s)`;
      if (answer.missing) text += `; ${answer.missing} node(s) you may no longer see were left out`;
      say(text);
    } catch (error) { failed(error); }
  }
  const alerts = new AlertsPanel({ panel: $("alerts"), list: $("alert-list"), state: $("alerts-state"),
    toggle: $("alerts-toggle"), badge: $("alerts-badge") }, { open: openAlert });
  window.regulink.alerts = alerts;

  // -- live and the gateway's reachability ------------------------------------------------------
  const banner = $("gateway-banner");
  let probing = null;
  function gatewayDown() {
    banner.hidden = false;
    if (probing) return;
    probing = setInterval(async () => {
      try {
        const answer = await post("/api/status");
        if (answer.up) gatewayUp();
      } catch (error) { /* still away */ }
    }, 2000);
  }
  function gatewayUp() {
    banner.hidden = true;
    clearInterval(probing);
    probing = null;
  }
  on("down", gatewayDown);
  on("signedOut", () => say("the session ended: open a new console link", true));
  const live = new Live({
    status: (up) => {
      if (up) gatewayUp(); else gatewayDown();
      alerts.load(); // the first event of every (re)connection: the list as the console holds it now
    },
    alerts: (change) => alerts.event(change),
    record: (event) => {
      const touched = cy.nodes().filter((n) => event.keys.includes(n.id()));
      if (touched.empty()) return;
      touched.addClass("live");
      const labels = touched.map((n) => n.data("label")).slice(0, 3).join(", ");
      $("live-log").prepend(el("li", {}, `${new Date().toLocaleTimeString()} new record ${event.agency}/${event.record_id} `,
        tlpBadge(event.tlp), " touches ", name(labels), touched.length > 3 ? ` and ${touched.length - 3} more` : ""));
      touched.forEach((n) => card.markStale(n.id(), "A new record touches this entity."));
    },
    withdrawn: (event) => {
      $("live-log").prepend(el("li", { text: `${new Date().toLocaleTimeString()} ${event.agency} withdrew ${event.record_id}: cards may have changed` }));
      if (card.key) card.markStale(card.key, "A record was withdrawn.");
    },
  });
  live.start();

  // -- keyboard ------------------------------------------------------------------------------------
  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (event.key === "/" && !typing) { event.preventDefault(); $("search-input").focus(); return; }
    if ((event.ctrlKey || event.metaKey) && event.key === "z" && !typing) { event.preventDefault(); tools.undo(); return; }
    if (document.activeElement !== $("cy")) return;
    const nodes = cy.nodes(":visible").sort((a, b) => a.position("x") - b.position("x") || a.position("y") - b.position("y"));
    if (event.key === "n" || event.key === "N") {
      if (nodes.empty()) return;
      const current = nodes.indexOf(selectedNodes()[0]);
      const next = nodes[(current + (event.key === "N" ? -1 : 1) + nodes.length) % nodes.length];
      cy.$(":selected").unselect();
      next.select();
      card.showNode(next.id());
    } else if (event.key === "e") expand();
    else if (event.key === "Delete" || event.key === "Backspace") tools.remove();
    else if (event.key === "p") tools.pin();
    else if (event.key === "l") tools.relayout();
    else if (event.key === "Enter" && selectedNodes().length === 1) card.showNode(selectedNodes()[0].id(), { focus: true });
  });

  refreshView();
  await listSaved();
  window.regulink.ready = true;
  window.regulink.readyMs = performance.now(); // from navigation start (make bench: page interactive)
}

boot().catch((error) => say(`the console could not start: ${error.message}`, true));
