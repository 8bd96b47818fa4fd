// The entity card: every value with the agencies and records that asserted it, every record with its
// marking, when it was seen, and its proof (signature and log inclusion), checked by the console.

import { post } from "./api.js";
import { el, clear, name, tlpBadge, date } from "./dom.js";

export class Card {
  constructor(panel, session, actions) {
    Object.assign(this, { panel, session, actions });
    this.key = null;
    this.proofs = new Map(); // "log_index" -> proof answer (verified ones stay true)
    this.shownAt = 0;
  }

  async showNode(key, { focus = false } = {}) {
    this.key = key;
    const asked = ++this.shownAt;
    clear(this.panel).append(el("p", { class: "hint", text: "asking the gateway…" }));
    let card;
    try {
      card = await post("/api/entity", { key });
    } catch (error) {
      if (asked === this.shownAt) clear(this.panel).append(el("p", { class: "error", text: error.message }));
      return;
    }
    if (asked !== this.shownAt) return;
    this.render(card);
    if (focus) this.panel.focus();
  }

  render(card) {
    const n = card.node;
    const records = new Map(n.records.map((r) => [`${r.agency}/${r.record_id}`, r]));
    const panel = clear(this.panel);
    panel.append(
      el("h2", {}, name(n.label)),
      el("p", { class: "meta" }, `${n.type} `, tlpBadge(n.tlp)),
      el("p", { class: "meta", text: `key ${n.key}` }),
      el("p", { class: "meta" }, this.watchButton(n.key)),
      el("p", { class: "meta", text: `reported by ${n.agencies.join(", ")} · first seen ${date(n.first_ms)} · last seen ${date(n.last_ms)}` }),
    );
    for (const text of n.caution_texts) panel.append(el("p", { class: "caution", role: "note", text: `Caution: ${text}` }));
    const section = (title, values, show = (v) => v.value) => {
      if (!values.length) return;
      panel.append(el("h3", { text: title }), el("ul", {}, values.map((v) => el("li", {},
        el("span", { class: "value" }, name(show(v))),
        v.records.map((r) => this.recordRef(r, records))))));
    };
    section("Names", n.names);
    section("Identifiers", n.identifiers);
    section("Roles", n.role_values);
    section("Attributes", n.attributes, (a) => `${a.name}: ${a.value}`);

    panel.append(el("h3", { text: `Records (${n.sources} you may see)` }));
    const table = el("table", { class: "records" }, el("tr", {},
      el("th", { text: "record" }), el("th", { text: "marking" }), el("th", { text: "seen" }), el("th", { text: "proof" })));
    for (const r of n.records) {
      const proof = el("span", { class: "proof", "data-log-index": String(r.log_index), text: "checking…" });
      table.append(el("tr", {},
        el("td", {}, name(`${r.agency}/${r.record_id}`), ` v${r.version} · log entry ${r.log_index}`),
        el("td", {}, tlpBadge(r.tlp)), el("td", { text: date(r.seen_ms) }), el("td", {}, proof)));
      this.prove(r, proof);
    }
    panel.append(table);
    if (n.sources > n.records.length) {
      panel.append(el("p", { class: "meta", text: `${n.sources - n.records.length} more records assert it (the card shows the first ${n.records.length})` }));
    }
    if (card.links.length) {
      panel.append(el("h3", { text: `Linked to (${card.links.length}${card.links_truncated ? "+" : ""})` }));
      panel.append(el("ul", {}, card.links.map((l) => el("li", {},
        el("button", { class: "linkbtn", title: "add to the canvas", onclick: () => this.actions.addLinked(card.node, l) },
          name(l.node.label)),
        ` · ${this.session.model.links[l.edge.type] || l.edge.type} · `, tlpBadge(l.edge.tlp)))));
    }
  }

  // "Watch this": a key watch (WatchService) on the node; its alerts come in the Alerts panel.
  watchButton(key) {
    const status = el("span", { class: "watch-status", role: "status" });
    const watch = async () => {
      status.textContent = " …";
      try {
        const answer = await post("/api/watch", { key });
        status.textContent = answer.already ? ` already watched (${answer.watch_id})` : ` watched (${answer.watch_id}): alerts come in the Alerts panel`;
      } catch (error) {
        status.textContent = ` ${error.message}`;
      }
    };
    return el("span", {}, el("button", { id: "watch-this", class: "watchbtn", onclick: watch, text: "Watch this",
      title: "Alert your agency when a new record it may see asserts this or links to it" }), status);
  }

  recordRef(ref, records) {
    const known = records.get(`${ref.agency}/${ref.record_id}`);
    const text = known ? `${ref.agency}/${ref.record_id} (${known.tlp})` : `${ref.agency}/${ref.record_id}`;
    return el("span", { class: "record-ref" }, "from ", name(text));
  }

  async prove(record, target) {
    const key = String(record.log_index);
    let proof = this.proofs.get(key);
    if (!proof) {
      try {
        proof = await post("/api/verify", { log_index: record.log_index, agency: record.agency,
          record_id: record.record_id, version: record.version });
      } catch (error) {
        proof = { status: "failed", detail: `could not check: ${error.message}` };
      }
      if (proof.status === "verified") this.proofs.set(key, proof);
    }
    const mark = { verified: "✓ verified", failed: "✗ does not verify", unverifiable: "– cannot be verified" }[proof.status] || proof.status;
    target.className = `proof ${proof.status}`;
    target.replaceChildren(el("strong", { text: mark }), el("br"), proof.detail);
  }

  showEdge(edge, ends) {
    this.key = null;
    const panel = clear(this.panel);
    const label = this.session.model.links[edge.type] || edge.type;
    panel.append(el("h2", {}, name(ends[0]), ` ${label} `, name(ends[1])),
      el("p", { class: "meta" }, `${edge.type} `, tlpBadge(edge.tlp)),
      el("p", { class: "meta", text: `reported by ${edge.agencies.join(", ")}${edge.first_ms ? " · first seen " + date(edge.first_ms) : ""}` }));
    if (edge.evidence && edge.evidence.length) {
      panel.append(el("h3", { text: "Evidence" }), el("ul", {}, edge.evidence.map((e) => el("li", {}, name(e)))));
    }
    if (edge.type !== "POSSIBLY_SAME_AS") return;
    panel.append(el("p", { text: `A name candidate: the visible names are ${edge.score}% alike. Names alone never merge; an investigator decides.` }));
    if (!this.session.can_decide) {
      panel.append(el("p", { class: "meta", text: "To confirm or reject it, start the console with your agency's signing key (--key)." }));
      return;
    }
    const evidence = el("textarea", { id: "decide-evidence", "aria-label": "Why (kept with the signed decision)" });
    const tlp = el("select", { id: "decide-tlp", "aria-label": "Marking of the decision" },
      ["AMBER", "AMBER+STRICT", "RED", "GREEN", "CLEAR"].map((t) => el("option", { value: t, text: `TLP:${t}` })));
    const status = el("p", { class: "meta", role: "status" });
    const decide = async (verdict) => {
      status.textContent = "signing and submitting…";
      try {
        const answer = await post("/api/decide", { a: edge.source, b: edge.target, verdict, evidence: evidence.value, tlp: tlp.value });
        status.textContent = `decision ${answer.record_id} signed and recorded at log entry ${answer.log_index}`;
        await this.actions.decided(edge, verdict);
      } catch (error) {
        status.textContent = error.message;
      }
    };
    panel.append(el("div", { class: "decide" },
      el("label", { for: "decide-evidence", text: "Why" }), evidence, tlp,
      el("div", {}, el("button", { id: "confirm", onclick: () => decide("same"), text: "Confirm: the same" }), " ",
        el("button", { id: "reject", onclick: () => decide("different"), text: "Reject: different" })), status));
  }

  showList(title, items, render) {
    this.key = null;
    const panel = clear(this.panel);
    panel.append(el("h2", { text: title }));
    if (!items.length) panel.append(el("p", { class: "hint", text: "none that you may see" }));
    panel.append(el("ul", {}, items.map(render)));
    return panel;
  }

  markStale(key, why) {
    if (this.key !== key) return;
    this.panel.prepend(el("p", { class: "stale", role: "status" }, `${why} `,
      el("button", { onclick: () => this.showNode(key), text: "Refresh the card" })));
  }

  hint(text) {
    this.key = null;
    clear(this.panel).append(el("p", { class: "hint", text }));
  }
}
