// Type-ahead search: names (any script; the gateway transliterates), identifiers and wallets in any
// case or format the resolver accepts. A WAI-ARIA combobox: arrows move, Enter adds, Escape closes.

import { post } from "./api.js";
import { el, clear, name, tlpBadge } from "./dom.js";

const DELAY_MS = 160;

export class Search {
  constructor(input, list, typeSelect, onPick, onError) {
    Object.assign(this, { input, list, typeSelect, onPick, onError });
    this.hits = [];
    this.active = -1;
    this.timer = null;
    this.asked = 0; // answers to older questions are dropped
    input.addEventListener("input", () => this.soon());
    typeSelect.addEventListener("change", () => this.soon());
    input.addEventListener("keydown", (event) => this.key(event));
    input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
  }

  soon() {
    this.list.setAttribute("aria-busy", "true"); // what it lists answers an older text
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.ask(), DELAY_MS);
  }

  async ask() {
    const text = this.input.value.trim();
    const asked = ++this.asked;
    if (text.length < 2) return this.close();
    const types = this.typeSelect.value ? [this.typeSelect.value] : [];
    try {
      const answer = await post("/api/search", { q: text, types });
      if (asked === this.asked) this.show(answer.hits, answer.more);
    } catch (error) {
      if (asked === this.asked) { this.close(); this.onError(error); }
    }
  }

  show(hits, more) {
    this.hits = hits;
    this.active = hits.length ? 0 : -1;
    clear(this.list).setAttribute("aria-busy", "false");
    if (!hits.length) {
      this.list.append(el("li", { class: "empty", role: "option", "aria-disabled": "true", text: "nothing you may see matches" }));
    }
    hits.forEach((hit, i) => {
      this.list.append(el("li", {
        id: `hit-${i}`, role: "option", "aria-selected": String(i === this.active), "data-key": hit.key,
        onmousedown: (event) => { event.preventDefault(); this.pick(i); },
      }, el("span", { class: "hit-label" }, hit.cautions ? "⚠ " : "", name(hit.label)),
      el("span", { class: "hit-type", text: hit.type }), tlpBadge(hit.tlp),
      el("span", { class: "hit-agencies", text: hit.agencies.join(", ") })));
    });
    if (more) this.list.append(el("li", { class: "empty", role: "option", "aria-disabled": "true", text: "more hits: type more to narrow" }));
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.mark();
  }

  mark() {
    [...this.list.querySelectorAll("li[id]")].forEach((li, i) => li.setAttribute("aria-selected", String(i === this.active)));
    if (this.active >= 0) this.input.setAttribute("aria-activedescendant", `hit-${this.active}`);
    else this.input.removeAttribute("aria-activedescendant");
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  key(event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (this.list.hidden) { this.ask(); return; }
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      if (this.hits.length) this.active = (this.active + step + this.hits.length) % this.hits.length;
      this.mark();
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (!this.list.hidden && this.active >= 0) this.pick(this.active);
      else { clearTimeout(this.timer); this.ask(); }
    } else if (event.key === "Escape") {
      this.close();
    }
  }

  pick(i) {
    const hit = this.hits[i];
    if (!hit) return;
    this.close();
    this.onPick(hit);
  }
}
