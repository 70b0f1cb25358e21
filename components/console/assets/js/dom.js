// Tiny DOM helpers. Everything the server sends is inserted as text, never as HTML.

/** h("button", {class: "btn", onclick: f, disabled: true}, "Label", child, [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") {
        el.addEventListener(key.slice(2), value);
      } else if (key === "class") {
        el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
      } else if (key === "for") {
        el.htmlFor = value;
      } else if (key === "text") {
        el.textContent = value;
      } else if (key === "dataset") {
        Object.assign(el.dataset, value);
      } else if (["disabled", "hidden", "checked", "required", "selected", "open", "multiple", "readOnly"].includes(key)) {
        el[key] = Boolean(value);
      } else if (key === "value") {
        el.value = value;
      } else {
        el.setAttribute(key, value === true ? "" : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let idCounter = 0;
/** A document-unique id with a readable prefix. */
export function uid(prefix = "id") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A link inside the console (hash route). */
export function link(route, ...children) {
  return h("a", { href: `#${route}` }, ...children);
}

/** A labelled section with a heading; returns [section, body]. */
export function section(title, { level = 2, cls = "", actions = null } = {}) {
  const id = uid("sec");
  const heading = h(`h${level}`, { id }, title);
  const body = h("div", { class: "section-body" });
  const head = actions ? h("div", { class: "section-head" }, heading, actions) : heading;
  const sec = h("section", { class: ["card", cls], "aria-labelledby": id }, head, body);
  return [sec, body];
}

/** A <dl> of label/value pairs; values may be nodes; empty values are skipped. */
export function defs(pairs, props = {}) {
  const dl = h("dl", { class: "defs", ...props });
  for (const [term, value] of pairs) {
    if (value === undefined || value === null || value === "") continue;
    dl.append(h("div", null, h("dt", null, term), h("dd", null, value)));
  }
  return dl;
}

/** Pretty JSON in a <pre>. */
export function json(value, label) {
  return h("pre", { class: "json", ...(label ? { "aria-label": label } : {}) }, JSON.stringify(value, null, 2));
}

/** A message area; `show(text, kind)` fills it (kind: error | ok | info). */
export function notice(role = "status") {
  const el = h("div", { class: "notice", role, hidden: true });
  return {
    el,
    show(text, kind = "info") {
      el.className = `notice notice-${kind}`;
      el.hidden = false;
      replace(el, text);
    },
    clear() {
      el.hidden = true;
      el.replaceChildren();
    },
  };
}
