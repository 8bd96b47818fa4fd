// Building the page from data: every text goes in through textContent (or a property), never as
// markup, so a name such as "<img onerror=…>" is shown as those characters and does nothing.

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

// A name as recorded, isolated so a right-to-left override inside it cannot reorder what is around it.
export function name(text) {
  return el("bdi", { text });
}

// For the canvas, which draws text itself: the name between bidirectional isolates (FSI … PDI).
export function isolated(text) {
  return "\u2068" + text + "\u2069";
}

export const TLP_ORDER = ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"];

// Rank of a marking; one the page does not know counts as the strictest (DESIGN decision 6).
export function tlpRank(tlp) {
  const rank = TLP_ORDER.indexOf(tlp);
  return rank < 0 ? TLP_ORDER.length - 1 : rank;
}

export function tlpClass(tlp) {
  return "tlp-" + TLP_ORDER[tlpRank(tlp)].slice(4).toLowerCase().replace("+", "-");
}

export function tlpBadge(tlp) {
  return el("span", { class: "tlp-badge " + tlpClass(tlp), text: TLP_ORDER[tlpRank(tlp)] });
}

export function date(ms) {
  if (!ms) return "";
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}
