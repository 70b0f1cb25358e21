// Forms: labelled fields with an error slot beside each, an input form generated from a
// JSON Schema (string, number, integer, boolean, enum), validation in the browser, and the
// server's field errors (details[].field such as `data.orderId`) put beside their field.
import { h, uid, replace } from "./dom.js";

/**
 * A form whose fields are registered by their API path (`initialMessage`, `data.orderId`).
 * `onSubmit(form)` is called after preventDefault.
 */
export class Form {
  constructor({ label, onSubmit, cls = "" }) {
    this.fields = new Map();
    this.errorBox = h("div", { class: "form-errors", role: "alert", hidden: true });
    this.el = h("form", { class: ["form", cls], novalidate: true, "aria-label": label });
    this.el.append(this.errorBox);
    this.el.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (this.busy) return;
      this.busy = true;
      this.el.setAttribute("aria-busy", "true");
      try {
        await onSubmit(this);
      } finally {
        this.busy = false;
        this.el.removeAttribute("aria-busy");
      }
    });
  }

  /** Registers a field: a labelled control plus its hint and error slot; returns the wrapper. */
  field(path, { label, control, hint, required = false, read, cls = "" }) {
    const id = control.id || uid("f");
    control.id = id;
    const errId = `${id}-error`;
    const hintId = `${id}-hint`;
    const error = h("p", { class: "field-error", id: errId, hidden: true });
    const describedBy = [hint ? hintId : null, errId].filter(Boolean).join(" ");
    control.setAttribute("aria-describedby", describedBy);
    if (required) control.setAttribute("aria-required", "true");
    const isCheck = control.type === "checkbox";
    const labelEl = h("label", { for: id },
      label, required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
    const wrap = h("div", { class: ["field", isCheck ? "field-check" : "", cls] },
      isCheck ? [control, labelEl] : [labelEl, control],
      hint ? h("p", { class: "hint", id: hintId }, hint) : null, error);
    this.fields.set(path, { control, error, read: read || (() => control.value), wrap });
    return wrap;
  }

  value(path) {
    const f = this.fields.get(path);
    return f ? f.read() : undefined;
  }

  clearErrors() {
    this.errorBox.hidden = true;
    this.errorBox.replaceChildren();
    for (const f of this.fields.values()) {
      f.error.hidden = true;
      f.error.textContent = "";
      f.control.removeAttribute("aria-invalid");
    }
  }

  /** Shows errors: [{field, message}]; fields not in the form go to the box at the top. */
  showErrors(details, summary) {
    const loose = [];
    let first = null;
    for (const d of details || []) {
      const f = this.find(d.field || "");
      if (f) {
        f.error.hidden = false;
        f.error.textContent = f.error.textContent ? `${f.error.textContent}; ${d.message}` : d.message;
        f.control.setAttribute("aria-invalid", "true");
        first = first || f.control;
      } else {
        loose.push(d.field ? `${d.field}: ${d.message}` : d.message);
      }
    }
    if (summary || loose.length) {
      replace(this.errorBox, summary ? h("p", null, summary) : null,
        loose.length ? h("ul", null, loose.map((m) => h("li", null, m))) : null);
      this.errorBox.hidden = false;
    }
    // the first invalid field in reading order takes focus
    const target = this.el.querySelector('[aria-invalid="true"]') || first;
    if (target) target.focus();
  }

  /** The field for an error path, or its nearest registered ancestor (`data.a.b` → `data.a`). */
  find(path) {
    let p = path;
    while (p) {
      if (this.fields.has(p)) return this.fields.get(p);
      const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
      if (cut <= 0) break;
      p = p.slice(0, cut);
    }
    return null;
  }

  /** Shows an ApiError: field details beside their fields, the message on top. */
  showApiError(err) {
    const details = err.details || [];
    const placedAll = details.length && details.every((d) => this.find(d.field || ""));
    this.showErrors(details, placedAll ? "Please correct the highlighted fields." : err.describe ? err.describe() : String(err));
  }
}

// ------------------------------------------------------------ JSON Schema input form

function typeOf(schema) {
  const t = schema?.type;
  if (Array.isArray(t)) return t.find((x) => x !== "null") || "string";
  if (t) return t;
  if (Array.isArray(schema?.enum)) return "enum";
  return "json";
}

/**
 * Adds one field per property of an object schema to `form` under `prefix` (e.g. "data");
 * returns {nodes, collect()} where collect() → {value, errors}.
 */
export function schemaFields(form, schema, prefix = "data") {
  const props = schema?.properties || {};
  const required = new Set(Array.isArray(schema?.required) ? schema.required : []);
  const nodes = [];
  const readers = [];
  // required fields first (the server keeps properties in name order, not as written)
  const entries = Object.entries(props).sort(([a], [b]) => Number(required.has(b)) - Number(required.has(a)));
  for (const [name, prop] of entries) {
    const path = `${prefix}.${name}`;
    const req = required.has(name);
    const title = prop.title || name;
    const hint = [prop.description, constraintsHint(prop)].filter(Boolean).join(" · ") || undefined;
    let control;
    let read;
    const type = typeOf(prop);
    if (Array.isArray(prop.enum)) {
      control = h("select", { name: path },
        req ? h("option", { value: "" }, "Choose…") : h("option", { value: "" }, "(not set)"),
        prop.enum.map((v, i) => h("option", { value: String(i), selected: prop.default === v }, String(v))));
      read = () => (control.value === "" ? undefined : prop.enum[Number(control.value)]);
    } else if (type === "boolean") {
      if (req) {
        control = h("input", { type: "checkbox", name: path, checked: prop.default === true });
        read = () => control.checked;
      } else {
        control = h("select", { name: path },
          h("option", { value: "" }, "(not set)"),
          h("option", { value: "true", selected: prop.default === true }, "true"),
          h("option", { value: "false", selected: prop.default === false }, "false"));
        read = () => (control.value === "" ? undefined : control.value === "true");
      }
    } else if (type === "integer" || type === "number") {
      control = h("input", { type: "text", inputmode: type === "integer" ? "numeric" : "decimal", name: path,
        value: prop.default ?? "", autocomplete: "off" });
      read = () => control.value.trim();
    } else if (type === "string") {
      const long = (prop.maxLength || 0) > 200 || prop.format === "textarea";
      control = long ? h("textarea", { name: path, rows: 3 }, prop.default ?? "")
        : h("input", { type: "text", name: path, value: prop.default ?? "", autocomplete: "off" });
      read = () => control.value;
    } else {
      control = h("textarea", { name: path, rows: 3, class: "mono" },
        prop.default !== undefined ? JSON.stringify(prop.default, null, 2) : "");
      read = () => control.value.trim();
    }
    nodes.push(form.field(path, { label: title, control, hint: type === "json" ? `${hint ? `${hint} · ` : ""}JSON` : hint, required: req, read }));
    readers.push({ name, path, prop, type, req, read });
  }
  const collect = () => {
    const value = {};
    const errors = [];
    for (const r of readers) {
      const raw = r.read();
      const check = validate(raw, r.prop, r.type, r.req);
      if (check.error) errors.push({ field: r.path, message: check.error });
      else if (check.value !== undefined) value[r.name] = check.value;
    }
    return { value, errors };
  };
  return { nodes, collect };
}

function constraintsHint(p) {
  const out = [];
  const t = typeOf(p);
  if (t === "integer") out.push("whole number");
  else if (t === "number") out.push("number");
  if (p.pattern) out.push(`matches ${p.pattern}`);
  if (p.minimum !== undefined) out.push(`≥ ${p.minimum}`);
  if (p.exclusiveMinimum !== undefined) out.push(`> ${p.exclusiveMinimum}`);
  if (p.maximum !== undefined) out.push(`≤ ${p.maximum}`);
  if (p.exclusiveMaximum !== undefined) out.push(`< ${p.exclusiveMaximum}`);
  if (p.minLength !== undefined) out.push(`at least ${p.minLength} characters`);
  if (p.maxLength !== undefined) out.push(`at most ${p.maxLength} characters`);
  return out.join(", ");
}

/** The browser's checks: required, type, range, length, pattern. The server has the last word. */
function validate(raw, prop, type, required) {
  const empty = raw === undefined || raw === "";
  if (empty) return required ? { error: "is required" } : { value: undefined };
  if (Array.isArray(prop.enum) || type === "boolean") return { value: raw };
  if (type === "integer" || type === "number") {
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) return { error: `must be ${type === "integer" ? "a whole number" : "a number"}` };
    const n = Number(raw);
    if (!Number.isFinite(n)) return { error: "must be a number" };
    if (type === "integer" && !Number.isInteger(n)) return { error: "must be a whole number" };
    if (prop.minimum !== undefined && n < prop.minimum) return { error: `must be at least ${prop.minimum}` };
    if (prop.maximum !== undefined && n > prop.maximum) return { error: `must be at most ${prop.maximum}` };
    if (prop.exclusiveMinimum !== undefined && n <= prop.exclusiveMinimum) return { error: `must be greater than ${prop.exclusiveMinimum}` };
    if (prop.exclusiveMaximum !== undefined && n >= prop.exclusiveMaximum) return { error: `must be less than ${prop.exclusiveMaximum}` };
    return { value: n };
  }
  if (type === "string") {
    const len = [...raw].length;
    if (prop.minLength !== undefined && len < prop.minLength) return { error: `must be at least ${prop.minLength} characters long` };
    if (prop.maxLength !== undefined && len > prop.maxLength) return { error: `must be at most ${prop.maxLength} characters long` };
    if (prop.pattern) {
      let re = null;
      try {
        re = new RegExp(prop.pattern, "u");
      } catch {
        re = null; // a pattern JavaScript cannot read: leave it to the server
      }
      if (re && !re.test(raw)) return { error: `must match the pattern ${prop.pattern}` };
    }
    return { value: raw };
  }
  try {
    return { value: JSON.parse(raw) };
  } catch {
    return { error: "must be valid JSON" };
  }
}

// ------------------------------------------------------------ small controls

export function input(props = {}) {
  return h("input", { type: "text", autocomplete: "off", ...props });
}

export function textarea(props = {}, value = "") {
  return h("textarea", { rows: 3, ...props }, value);
}

export function select(options, props = {}) {
  return h("select", props, options.map(([value, label, selected]) => h("option", { value, selected }, label)));
}

export function submit(label, props = {}) {
  return h("button", { type: "submit", class: "btn btn-primary", ...props }, label);
}

export function button(label, onclick, props = {}) {
  return h("button", { type: "button", class: "btn", onclick, ...props }, label);
}

/** Disables a control the key's scopes do not allow, saying why. */
export function gate(control, allowed, scope) {
  if (!allowed) {
    control.disabled = true;
    control.title = `Your key lacks the ${scope} scope`;
    control.classList.add("gated");
  }
  return control;
}
