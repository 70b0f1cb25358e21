// Schedules: every schedule of the workspace (gathered per agent: the API lists schedules
// under their agent), each with its next five fire times in its own zone and the browser's,
// and Pause / Resume / Trigger now.
import { all, post, ws, can } from "../api.js";
import { h, link, replace, defs, notice } from "../dom.js";
import { badge, enumLabel, SCHED, zoned, browserZone, time, plural } from "../format.js";
import { gate } from "../form.js";
import { pageHeader, errorBox, announce, scopeNote } from "../ui.js";

export async function schedulesPage({ signal }) {
  const agents = await all(ws("/agents"), {}, { signal, max: 1000 });
  const body = h("div", { class: "schedule-list" });
  const root = h("div", { class: "page" },
    pageHeader("Schedules"),
    h("p", { class: "muted" }, `Fire times are shown in each schedule's time zone and in yours (${browserZone()}).`),
    scopeNote(can("schedules:write"), "schedules:write", "pause, resume or trigger schedules"),
    body);
  let found = 0;
  const groups = [];
  // a few agents at a time: one request per agent
  const queue = [...agents];
  const worker = async () => {
    while (queue.length && !signal.aborted) {
      const agent = queue.shift();
      const items = await all(ws(`/agents/${agent.metadata.id}/schedules`), { includeInfo: true }, { signal, max: 200 });
      if (items.length) groups.push([agent, items]);
      found += items.length;
    }
  };
  try {
    await Promise.all([worker(), worker(), worker(), worker()]);
  } catch (err) {
    if (err?.name === "AbortError") throw err;
    replace(body, errorBox(err, "Could not list schedules"));
    return root;
  }
  groups.sort((a, b) => a[0].metadata.name.localeCompare(b[0].metadata.name));
  if (!found) body.append(h("p", { class: "muted" }, agents.length ? "No agent has a schedule." : "No agents in this workspace yet."));
  for (const [agent, items] of groups) {
    body.append(h("section", { class: "group", "aria-label": `Schedules of ${agent.metadata.name}` },
      h("h2", null, link(`/agents/${agent.metadata.id}`, agent.metadata.name), h("span", { class: "muted small" }, ` · ${plural(items.length, "schedule")}`)),
      h("ul", { class: "rows cards" }, items.map((s) => h("li", null, scheduleCard(agent, s))))));
  }
  return root;
}

/** One schedule: rules, next fire times, firing history, actions. Re-renders itself after actions. */
export function scheduleCard(agent, schedule) {
  const card = h("article", { class: "card schedule", "aria-label": `Schedule ${schedule.metadata.name}` });
  const draw = (s, message) => replace(card, ...cardBody(agent, s, draw, message));
  draw(schedule);
  return card;
}

function cardBody(agent, s, redraw, message) {
  const tz = s.spec.schedule?.timezone || "UTC";
  const info = s.info || {};
  const status = s.spec.status || SCHED + "ACTIVE";
  const writable = can("schedules:write");
  const msg = notice("status");
  if (message) msg.show(...message);
  const base = ws(`/agents/${agent.metadata.id}/schedules/${s.metadata.id}`);
  const act = (verb, label, enabled, cls = "btn") => gate(h("button", {
    type: "button", class: cls, disabled: !enabled,
    onclick: async (e) => {
      e.target.disabled = true;
      try {
        const updated = await post(`${base}:${verb}`);
        let note;
        if (verb === "trigger") {
          const ui = updated.info || {};
          if (ui.lastObjectiveId && ui.lastObjectiveId !== info.lastObjectiveId) note = [["Triggered: created objective ", link(`/objectives/${ui.lastObjectiveId}`, ui.lastObjectiveId)], "ok"];
          else if (ui.lastSkippedAt && ui.lastSkippedAt !== info.lastSkippedAt) note = [`Skipped: ${ui.lastSkipReason || "the schedule's overlap policy"}`, "info"];
          else note = ["Triggered.", "ok"];
        } else {
          note = [`${label}d: the schedule is ${enumLabel(updated.spec.status, SCHED).toLowerCase()}.`, "ok"];
        }
        redraw(updated, note);
        announce(typeof note[0] === "string" ? note[0] : "Triggered");
      } catch (err) {
        msg.show(errorBox(err, `${label} failed`), "error");
        e.target.disabled = false;
      }
    },
  }, label), writable, "schedules:write");
  const upcoming = info.upcomingFireTimes || (info.nextFireAt ? [info.nextFireAt] : []);
  const here = browserZone();
  return [
    h("div", { class: "schedule-head" },
      h("h3", null, s.metadata.name), badge(status, SCHED)),
    h("div", { class: "actions", role: "group", "aria-label": "Schedule actions" },
      act("pause", "Pause", status === SCHED + "ACTIVE"),
      act("resume", "Resume", status === SCHED + "PAUSED"),
      act("trigger", "Trigger now", status !== SCHED + "ARCHIVED", "btn btn-primary")),
    msg.el,
    defs([
      ["Rules", describeRules(s.spec.schedule)],
      ["Time zone", tz],
      ["Message", s.spec.initialMessage],
      ["Overlap", enumLabel(s.spec.overlapPolicy || "OVERLAP_POLICY_SKIP", "OVERLAP_POLICY_")],
      ["Fires so far", String(info.totalFires ?? 0)],
      ["Last fired", info.lastFireAt ? time(info.lastFireAt) : "never"],
      ["Last objective", info.lastObjectiveId ? link(`/objectives/${info.lastObjectiveId}`, h("span", { class: "mono" }, info.lastObjectiveId)) : null],
      ["Last skipped", info.lastSkippedAt ? [time(info.lastSkippedAt), info.lastSkipReason ? ` — ${info.lastSkipReason}` : ""] : null],
    ]),
    upcoming.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "table fire-times" },
        h("caption", null, `Next ${plural(upcoming.length, "fire time")}`),
        h("thead", null, h("tr", null, h("th", { scope: "col" }, `In ${tz}`), h("th", { scope: "col" }, `In your zone (${here})`))),
        h("tbody", null, upcoming.map((t) => h("tr", null, h("td", null, h("time", { datetime: t }, zoned(t, tz))), h("td", null, h("time", { datetime: t }, zoned(t, here))))))))
      : h("p", { class: "muted" }, status === SCHED + "ACTIVE" ? "No upcoming fire times." : "Not firing while paused or archived."),
    h("p", null, link(`/objectives?sourceScheduleId=${encodeURIComponent(s.metadata.id)}`, "Objectives from this schedule")),
  ];
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function ranges(list, names) {
  if (!list || !list.length) return null;
  return list.map((r) => {
    const n = (v) => (names ? names[v] ?? v : String(v).padStart(2, "0"));
    if (r.start === undefined) return "*";
    let out = r.end !== undefined && r.end !== r.start ? `${n(r.start)}–${n(r.end)}` : n(r.start);
    if (r.step && r.step !== 1) out += ` every ${r.step}`;
    return out;
  }).join(", ");
}

/** A readable summary of calendar and interval rules. */
export function describeRules(rule) {
  if (!rule) return "—";
  const out = [];
  for (const c of rule.calendars || []) {
    const hh = ranges(c.hour) || "00";
    const mm = ranges(c.minute) || "00";
    const ss = ranges(c.second);
    const parts = [`at ${hh}:${mm}${ss && ss !== "00" ? `:${ss}` : ""}`];
    const dow = ranges(c.dayOfWeek, DAYS);
    const dom = ranges(c.dayOfMonth);
    const mon = ranges(c.month);
    parts.push(dow ? `on ${dow}` : dom ? `on day ${dom}` : "every day");
    if (dow && dom) parts.push(`and day ${dom}`);
    if (mon) parts.push(`in month ${mon}`);
    out.push(`${c.comment ? `${c.comment}: ` : ""}${parts.join(" ")}`);
  }
  for (const i of rule.intervals || []) out.push(`every ${i.every}${i.offset ? ` (offset ${i.offset})` : ""}`);
  return out.join("; ") || "—";
}
