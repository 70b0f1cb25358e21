// Formatting: enum names, statuses, times in any IANA zone.
import { h } from "./dom.js";

/** "OBJECTIVE_STATUS_WAITING_FOR_APPROVAL" → "Waiting for approval" (prefix removed). */
export function enumLabel(value, prefix) {
  if (!value) return "—";
  let s = String(value);
  if (prefix && s.startsWith(prefix)) s = s.slice(prefix.length);
  s = s.toLowerCase().replaceAll("_", " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const TONES = {
  ok: ["COMPLETED", "FINALIZED", "PUBLISHED", "ACTIVE", "APPROVED", "AUTO_APPROVED", "ENABLED"],
  warn: ["WAITING_FOR_APPROVAL", "WAITING_FOR_SUB_OBJECTIVES", "WAITING_FOR_CONTENT", "PENDING", "PAUSED", "DRAFT"],
  bad: ["FAILED", "CANCELLED", "DENIED", "DISABLED", "ARCHIVED"],
  info: ["RUNNING"],
};

/** A status badge: text is the readable status; the tone only adds colour. */
export function badge(value, prefix) {
  const short = prefix && value && value.startsWith(prefix) ? value.slice(prefix.length) : value || "";
  let tone = "neutral";
  for (const [t, names] of Object.entries(TONES)) if (names.includes(short)) tone = t;
  return h("span", { class: `badge badge-${tone}` }, enumLabel(value, prefix));
}

export const OBJ = "OBJECTIVE_STATUS_";
export const AGENT = "AGENT_STATUS_";
export const SCHED = "AGENT_SCHEDULE_STATUS_";
export const DELIVERY = "WEBHOOK_DELIVERY_STATUS_";
export const EVENT = "OBJECTIVE_EVENT_TYPE_";
export const CALL = "TOOL_CALL_STATUS_";
export const EXEC = "TOOL_CALL_EXECUTION_STATUS_";

export const ENDED = new Set(["COMPLETED", "FINALIZED", "CANCELLED", "FAILED"].map((s) => OBJ + s));
export const SUPER_TERMINAL = new Set([OBJ + "FINALIZED", OBJ + "CANCELLED"]);

export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

const formatters = new Map();
function formatter(zone) {
  if (!formatters.has(zone)) {
    formatters.set(zone, new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", weekday: "short",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short",
    }));
  }
  return formatters.get(zone);
}

/** "Tue 2026-12-01 09:30:00 GMT-5": an instant as wall-clock time in an IANA zone. */
export function zoned(iso, zone = browserZone()) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  let parts;
  try {
    parts = Object.fromEntries(formatter(zone).formatToParts(date).map((p) => [p.type, p.value]));
  } catch {
    return iso;
  }
  return `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}

/** A <time> element showing the instant in the browser's zone (`clock`: the time of day only). */
export function time(iso, { clock = false } = {}) {
  if (!iso) return "—";
  const full = zoned(iso);
  return h("time", { datetime: iso, title: full }, clock ? full.split(" ")[2] || full : full);
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export function truncate(text, max = 120) {
  if (!text) return "";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Labels map → chips. */
export function labels(map) {
  const entries = Object.entries(map || {});
  if (!entries.length) return null;
  return h("ul", { class: "chips", "aria-label": "Labels" },
    entries.map(([k, v]) => h("li", { class: "chip" }, `${k}=${v}`)));
}
