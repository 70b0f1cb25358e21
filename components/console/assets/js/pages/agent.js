// One agent: lifecycle, variations (prompt, model, limits, tools, sub-agents, memory layers,
// score), schedules, recent objectives, webhook deliveries and feedback.
import { get, post, page, ws, can } from "../api.js";
import { h, link, replace, section, defs, json, notice } from "../dom.js";
import { badge, enumLabel, AGENT, OBJ, DELIVERY, EVENT, labels, time, truncate, plural } from "../format.js";
import { gate } from "../form.js";
import { pagedList, pageHeader, errorBox, announce, scopeNote } from "../ui.js";
import { scheduleCard } from "./schedules.js";

export async function agentPage({ params: [id], signal, setTitle }) {
  const agent = await get(ws(`/agents/${encodeURIComponent(id)}`), undefined, { signal });
  setTitle(agent.metadata.name);
  const headCard = h("section", { class: "card", "aria-label": "Agent" });
  const root = h("div", { class: "page" });
  const renderHead = (a) => replace(headCard, ...agentHead(a, renderHead));
  renderHead(agent);
  root.append(
    pageHeader(agent.metadata.name, badge(agent.spec.status, AGENT)),
    headCard,
    variationsSection(agent, signal),
    schedulesSection(agent, signal),
    objectivesSection(agent, signal),
    deliveriesSection(agent, signal),
    feedbackSection(agent, signal),
  );
  return root;
}

function agentHead(a, rerender) {
  const id = a.metadata.id;
  const msg = notice("status");
  const writable = can("agents:write");
  const status = a.spec.status;
  const act = (verb, label) => gate(h("button", {
    type: "button",
    class: verb === "publish" ? "btn btn-primary" : verb === "archive" ? "btn btn-danger" : "btn",
    disabled: !allowed(verb, status),
    onclick: async (e) => {
      e.target.disabled = true;
      msg.clear();
      try {
        const updated = await post(ws(`/agents/${encodeURIComponent(id)}:${verb}`));
        rerender(updated);
        document.querySelector(".page-head .badge")?.replaceWith(badge(updated.spec.status, AGENT));
        announce(`${label}: agent is now ${enumLabel(updated.spec.status, AGENT).toLowerCase()}`);
      } catch (err) {
        msg.show(errorBox(err, `${label} failed`), "error");
        e.target.disabled = false;
      }
    },
  }, label), writable, "agents:write");
  return [
    h("div", { class: "actions", role: "group", "aria-label": "Agent lifecycle" },
      act("publish", "Publish"), act("unpublish", "Unpublish"),
      status === AGENT + "ARCHIVED" ? act("unarchive", "Unarchive") : act("archive", "Archive"),
      can("objectives:write") ? h("a", { class: "btn", href: `#/objectives/new?agentId=${encodeURIComponent(id)}` }, "Start an objective") : null),
    scopeNote(writable, "agents:write", "publish, unpublish or archive agents"),
    msg.el,
    a.spec.description ? h("p", null, a.spec.description) : null,
    defs([
      ["Status", badge(status, AGENT)],
      ["Id", h("span", { class: "mono" }, id)],
      ["External id", a.metadata.externalId],
      ["Variation selection", enumLabel(a.spec.variationSelectionMode, "VARIATION_SELECTION_MODE_")],
      ["Variations", a.info ? String(a.info.variationCount) : null],
      ["Webhook URL", a.spec.webhookEventsUrl ? h("span", { class: "mono" }, a.spec.webhookEventsUrl) : null],
      ["Created", time(a.metadata.createdAt)],
      ["Created by", a.info?.createdBy?.metadata?.name],
      ["Labels", labels(a.metadata.labels)],
    ]),
    a.spec.inputDataSchema ? h("details", null, h("summary", null, "Input data schema"), json(a.spec.inputDataSchema)) : null,
    a.spec.outputDefinition ? h("details", null, h("summary", null, "Output definition"), json(a.spec.outputDefinition)) : null,
  ];
}

function allowed(verb, status) {
  const s = status.replace(AGENT, "");
  return { publish: s === "DRAFT", unpublish: s === "PUBLISHED", archive: s !== "ARCHIVED", unarchive: s === "ARCHIVED" }[verb];
}

function variationsSection(agent, signal) {
  const [sec, body] = section("Variations");
  const list = pagedList({
    label: "Variations",
    what: "Could not list variations",
    empty: "This agent has no variations yet; it cannot run objectives.",
    fetchPage: (cursor) => page(ws(`/agents/${agent.metadata.id}/variations`), { includeInfo: true, cursor, sortOrder: "asc" }, { signal }),
    render: (v) => variationItem(v),
  });
  body.append(list.el);
  return sec;
}

function variationItem(v) {
  const s = v.spec;
  const i = v.info || {};
  const assigned = i.assignments || [];
  const tools = assigned.filter((a) => a.tool || a.toolSet);
  const subs = assigned.filter((a) => a.agent);
  const layers = i.memoryLayerAssignments || [];
  const c = s.constraints || {};
  const cc = s.compactionConfig;
  return h("li", { class: "variation" },
    h("h3", null, v.metadata.name),
    s.description ? h("p", { class: "muted" }, s.description) : null,
    defs([
      ["Model", s.modelConfig?.modelId ? h("span", { class: "mono" }, s.modelConfig.modelId) : "not set"],
      ["Temperature", s.modelConfig?.temperature],
      ["Weight", s.weight ?? 1],
      ["Max tool calls", c.maxToolCalls !== undefined ? (c.maxToolCalls === 0 ? "unlimited" : String(c.maxToolCalls)) : "unlimited"],
      ["Max sub-objectives", c.maxSubObjectives !== undefined ? (c.maxSubObjectives === 0 ? "unlimited" : String(c.maxSubObjectives)) : "unlimited"],
      ["Compaction", cc ? compaction(cc) : "defaults (75% of the context)"],
      ["Episodic memory", s.enableEpisodicMemory ? `on${s.episodicMemoryTtl ? `, kept ${s.episodicMemoryTtl} s` : ""}` : "off"],
      ["Score", i.score !== undefined ? `${i.score.toFixed(2)} from ${plural(i.feedbackCount || 0, "feedback")}` : null],
      ["Id", h("span", { class: "mono" }, v.metadata.id)],
    ]),
    s.prompt ? h("details", { class: "prompt" }, h("summary", null, "Prompt"), h("pre", { class: "prose" }, s.prompt)) : h("p", { class: "muted" }, "No prompt."),
    h("div", { class: "assignments" },
      h("div", null, h("h4", null, `Tools (${tools.length})`),
        tools.length ? h("ul", { class: "plain" }, tools.map((a) => h("li", null,
          a.tool ? ["Tool ", h("strong", null, a.tool.name || a.tool.id)] : ["Tool set ", h("strong", null, a.toolSet.name || a.toolSet.id)]))) : h("p", { class: "muted" }, "None")),
      h("div", null, h("h4", null, `Sub-agents (${subs.length})`),
        subs.length ? h("ul", { class: "plain" }, subs.map((a) => h("li", null, link(`/agents/${a.agent.id}`, a.agent.name || a.agent.id)))) : h("p", { class: "muted" }, "None")),
      h("div", null, h("h4", null, `Memory layers (${layers.length})`),
        layers.length ? h("ol", { class: "plain" }, layers.map((m) => h("li", null, `${m.memoryLayer.name || m.memoryLayer.id} (position ${m.position})`))) : h("p", { class: "muted" }, "None"))),
    s.progressiveDiscovery ? h("details", null, h("summary", null, "Progressive discovery"), json(s.progressiveDiscovery)) : null);
}

function compaction(cc) {
  const parts = [];
  if (cc.triggerThreshold !== undefined) parts.push(`at ${Math.round(cc.triggerThreshold * 100)}% of the context`);
  if (cc.toolResultClearing) parts.push(`clear tool results (keep ${cc.toolResultClearing.preserveRecentResults ?? 2})`);
  if (cc.summarization) parts.push("summarize");
  return parts.join(", ") || "defaults";
}

function schedulesSection(agent, signal) {
  const [sec, body] = section("Schedules", { actions: link(`/schedules`, "All schedules") });
  const list = pagedList({
    label: "Schedules",
    what: "Could not list schedules",
    empty: "No schedules.",
    cls: "rows cards",
    fetchPage: (cursor) => page(ws(`/agents/${agent.metadata.id}/schedules`), { includeInfo: true, cursor }, { signal }),
    render: (s) => h("li", null, scheduleCard(agent, s)),
  });
  body.append(list.el);
  return sec;
}

export function objectiveRow(o) {
  return h("li", { class: "row" },
    h("div", { class: "row-main" },
      h("p", { class: "row-title" }, link(`/objectives/${o.metadata.id}`, truncate(o.data?.initialMessage || o.metadata.id, 90))),
      badge(o.status, OBJ),
      h("span", { class: "muted small" }, " ", o.info?.agent?.name || o.data?.agent?.metadata?.name || "")),
    h("div", { class: "row-side muted small" }, time(o.metadata.createdAt),
      o.info ? h("span", null, `${(o.info.totalInputTokens || 0).toLocaleString("en-US")} in / ${(o.info.totalCompletionTokens || 0).toLocaleString("en-US")} out tokens`) : null,
      h("span", { class: "mono" }, o.metadata.id)));
}

function objectivesSection(agent, signal) {
  const [sec, body] = section("Recent objectives", {
    actions: link(`/objectives?agentId=${encodeURIComponent(agent.metadata.id)}`, "All objectives of this agent"),
  });
  const list = pagedList({
    label: "Recent objectives",
    what: "Could not list objectives",
    empty: "No objectives yet.",
    fetchPage: async () => {
      const p = await page(ws("/objectives"), { agentId: agent.metadata.id, limit: 10, includeInfo: true }, { signal });
      return { ...p, nextCursor: null };
    },
    render: objectiveRow,
  });
  body.append(list.el);
  return sec;
}

function deliveriesSection(agent, signal) {
  const [sec, body] = section("Webhook deliveries");
  if (!agent.spec.webhookEventsUrl) body.append(h("p", { class: "muted" }, "No webhook URL is set; earlier deliveries, if any, are listed below."));
  const writable = can("agents:write");
  body.append(scopeNote(writable, "agents:write", "retry deliveries") || "");
  const table = h("div", { class: "table-wrap" });
  body.append(table);
  let timer = null;
  const load = async () => {
    clearTimeout(timer);
    try {
      const p = await page(ws(`/agents/${agent.metadata.id}/webhook_deliveries`), { limit: 25 }, { signal });
      replace(table, deliveriesTable(agent, p, load));
      if (p.items.some((d) => d.data.status === DELIVERY + "PENDING") && !signal.aborted) timer = setTimeout(load, 1500);
    } catch (err) {
      if (err?.name !== "AbortError") replace(table, errorBox(err, "Could not list webhook deliveries"));
    }
  };
  signal.addEventListener("abort", () => clearTimeout(timer));
  load();
  return sec;
}

function deliveriesTable(agent, p, reload) {
  if (!p.items.length) return h("p", { class: "muted" }, "No deliveries.");
  const writable = can("agents:write");
  return h("table", { class: "table" },
    h("caption", { class: "sr-only" }, "Webhook deliveries, newest first"),
    h("thead", null, h("tr", null, ["Event", "Objective", "Status", "Attempts", "Last attempt", "Result", ""].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, p.items.map((d) => {
      const x = d.data;
      const retryable = [DELIVERY + "FAILED", DELIVERY + "DISABLED"].includes(x.status);
      const msg = h("span", { class: "inline-error", role: "alert" });
      const retry = gate(h("button", {
        type: "button", class: "btn btn-small", disabled: !retryable,
        "aria-label": `Retry delivery ${d.metadata.id}`,
        onclick: async (e) => {
          e.target.disabled = true;
          try {
            await post(ws(`/agents/${agent.metadata.id}/webhook_deliveries/${d.metadata.id}:retry`));
            announce("Delivery queued again");
            reload();
          } catch (err) {
            replace(msg, err.describe ? err.describe() : String(err));
            e.target.disabled = false;
          }
        },
      }, "Retry"), writable, "agents:write");
      return h("tr", { "data-delivery": d.metadata.id },
        h("td", null, enumLabel(x.eventType, EVENT)),
        h("td", null, link(`/objectives/${x.objectiveId}`, h("span", { class: "mono small" }, x.objectiveId))),
        h("td", null, badge(x.status, DELIVERY)),
        h("td", null, String(x.attemptCount)),
        h("td", null, time(x.lastAttemptAt)),
        h("td", { class: "small" }, x.httpStatusCode ? `HTTP ${x.httpStatusCode}` : "", x.errorMessage ? ` ${x.errorMessage}` : "",
          x.nextAttemptAt ? h("span", { class: "muted" }, " next: ", time(x.nextAttemptAt)) : null),
        h("td", null, retry, msg));
    })));
}

function feedbackSection(agent, signal) {
  const [sec, body] = section("Feedback");
  const list = pagedList({
    label: "Feedback",
    what: "Could not list feedback",
    empty: "No feedback yet.",
    fetchPage: (cursor) => page(ws(`/agents/${agent.metadata.id}/feedback`), { cursor, limit: 10 }, { signal }),
    render: (f) => h("li", { class: "row" },
      h("div", { class: "row-main" }, h("strong", null, `Score ${f.data.score}`), f.data.comment ? ` — ${f.data.comment}` : ""),
      h("div", { class: "row-side muted small" }, link(`/objectives/${f.info?.objective?.id}`, "objective"), " ", time(f.metadata.createdAt))),
  });
  body.append(list.el);
  return sec;
}
