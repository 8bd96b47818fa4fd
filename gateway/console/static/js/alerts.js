// The Alerts panel: the agency's alerts, newest first, as the console follows them (its live events),
// each with what matched, the records behind it and what became of it; open one on the canvas, or
// confirm or dismiss it with a note. The badge counts the alerts neither triaged nor withdrawn.

import { post } from "./api.js";
import { el, clear, name, tlpBadge, date } from "./dom.js";

const KINDS = { key: "key watch", name: "name watch", neighbourhood: "operators nearby", cross_agency: "cross-agency" };

export class AlertsPanel {
  // parts: { panel, list, state, toggle, badge }; actions: { open(alert), failed(error) }
  constructor(parts, actions) {
    Object.assign(this, parts, { actions });
    this.alerts = new Map(); // alert_id -> the alert as it stands
    this.revision = null; // the console's count of changes the list reflects (null: not read yet)
    this.pending = 0; // the newest change announced while the list was being read
    this.loading = 0;
    this.toggle.addEventListener("click", () => this.show(this.panel.hidden));
  }

  show(open) {
    this.panel.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    if (open) this.panel.focus();
  }

  // The whole list again: at start, when the page's event stream (re)connects, after a missed change.
  async load() {
    const asked = ++this.loading;
    let answer;
    try {
      answer = await post("/api/alerts");
    } catch (error) {
      if (asked === this.loading) {
        this.loading = 0; // the next (re)connection asks again
        this.state.textContent = `alerts cannot be read: ${error.message}`;
      }
      return;
    }
    if (asked !== this.loading) return;
    this.loading = 0;
    this.alerts = new Map(answer.alerts.map((a) => [a.alert_id, a]));
    this.revision = answer.revision;
    this.counts(answer);
    this.renderAll();
    if (this.pending > this.revision) { this.pending = 0; this.load(); }
  }

  // One change from the live events: {revision, alert?, untriaged, total, loaded, problem}.
  event(change) {
    if (this.revision === null || this.loading) { this.pending = Math.max(this.pending, change.revision); return; }
    if (change.revision <= this.revision) return;
    if (change.revision !== this.revision + 1) { this.load(); return; } // one was missed
    this.revision = change.revision;
    if (change.alert) this.upsert(change.alert);
    this.counts(change);
  }

  upsert(alert) {
    this.alerts.set(alert.alert_id, alert);
    const fresh = this.item(alert);
    const old = this.list.querySelector(`li[data-alert-id="${alert.alert_id}"]`);
    if (old) { keepEditing(old, fresh); old.replaceWith(fresh); return; }
    const after = [...this.list.children].find((li) => Number(li.dataset.alertId) < alert.alert_id);
    this.list.insertBefore(fresh, after || null);
  }

  counts({ untriaged, total, loaded, problem, kept }) {
    this.badge.textContent = String(untriaged);
    this.badge.hidden = untriaged === 0;
    this.toggle.title = `Your agency's alerts: ${untriaged} not triaged`;
    let text = !loaded ? "reading your agency's alerts…"
      : total ? `${total} alert(s), ${untriaged} not triaged` : "No alerts yet. Watch a key from an entity's card (Watch this), or with `regulink watch add`.";
    if (loaded && kept && total > kept) text += `; the newest ${kept} are listed`;
    if (problem) text += ` — ${problem}`;
    this.state.textContent = text;
    this.state.classList.toggle("error", Boolean(problem));
  }

  renderAll() {
    const old = new Map([...this.list.children].map((li) => [li.dataset.alertId, li]));
    const items = [...this.alerts.values()].sort((a, b) => b.alert_id - a.alert_id).map((alert) => {
      const fresh = this.item(alert);
      const before = old.get(String(alert.alert_id));
      if (before) keepEditing(before, fresh);
      return fresh;
    });
    clear(this.list).append(...items);
  }

  item(alert) {
    const state = alert.withdrawn ? "withdrawn" : (alert.triage || "new");
    const li = el("li", { class: `alert ${state}`, "data-alert-id": String(alert.alert_id), "data-state": state });
    li.append(el("div", { class: "alert-head" },
      el("span", { class: "alert-state", text: state }), " ", tlpBadge(alert.tlp),
      el("span", { class: "meta", text: ` #${alert.alert_id} · ${KINDS[alert.kind] || alert.kind} ${alert.watch_id} · ${date(alert.raised_ms)}` })));
    li.append(el("p", { class: "alert-summary" }, name(alert.summary)));
    if (alert.matched.length) {
      // A wallet's caption is its address, already in its key: the key alone says it.
      const named = (m) => m.label && !m.key.toLowerCase().includes(m.label.toLowerCase());
      li.append(el("p", { class: "alert-matched" }, "matched ", alert.matched.flatMap((m, i) => [
        i ? ", " : "", el("span", { class: "value", "data-key": m.key }, name(named(m) ? m.label : m.key)),
        named(m) ? el("span", { class: "meta" }, " (", name(m.key), ")") : ""])));
    }
    li.append(el("ul", { class: "alert-records", "aria-label": "The records that caused it" }, alert.records.map((r) => el("li", {},
      name(`${r.agency}/${r.record_id}`), ` v${r.version} · log entry ${r.log_index} `, tlpBadge(r.tlp)))));
    if (alert.withdrawn) {
      li.append(el("p", { class: "alert-withdrawn", text: `Withdrawn ${date(alert.withdrawn_ms)}: a record behind it was retracted, superseded or replaced, and no longer counts.` }));
    }
    if (alert.triage) {
      li.append(el("p", { class: "alert-triage" }, `${alert.triage[0].toUpperCase()}${alert.triage.slice(1)} ${date(alert.triaged_ms)}`,
        alert.note ? [": ", name(alert.note)] : ""));
    }
    const open = el("button", { class: "alert-open", text: "Open on canvas", title: "Add what changed to the canvas and highlight what matched",
      onclick: () => this.actions.open(alert) });
    li.append(el("div", { class: "alert-actions" }, open, this.triageForm(alert)));
    return li;
  }

  triageForm(alert) {
    const id = `alert-note-${alert.alert_id}`;
    const note = el("textarea", { id, class: "alert-note", maxlength: "2000" });
    const status = el("span", { class: "meta", role: "status" });
    const form = el("details", { class: "alert-triage-form" });
    const ack = async (triage) => {
      status.textContent = "…";
      form.dataset.sent = "yes"; // the answer's rendering closes the form
      try {
        const answer = await post("/api/alerts/ack", { alert_id: alert.alert_id, triage, note: note.value });
        this.upsert(answer.alert); // the live event follows; this shows it at once
        this.counts(answer);
      } catch (error) {
        delete form.dataset.sent;
        status.textContent = error.message;
      }
    };
    form.append(el("summary", { text: alert.triage ? "Triage again" : "Confirm or dismiss" }),
      el("label", { for: id, text: "Note (kept with the triage)" }), note,
      el("div", {}, el("button", { class: "alert-confirm", text: "Confirm", onclick: () => ack("confirmed") }), " ",
        el("button", { class: "alert-dismiss", text: "Dismiss", onclick: () => ack("dismissed") }), " ", status));
    return form;
  }
}

// A new rendering of an alert (it was withdrawn, or triaged elsewhere) keeps what the person was doing
// in the old one: an open triage form, the note being typed, the focus.
function keepEditing(old, fresh) {
  const form = old.querySelector("details");
  if (!form || !form.open || form.dataset.sent) return;
  const note = old.querySelector("textarea"), freshNote = fresh.querySelector("textarea");
  fresh.querySelector("details").open = true;
  freshNote.value = note.value;
  if (document.activeElement === note) queueMicrotask(() => freshNote.focus());
}
